/** What the notice-delivery tests share: a database of their own, an SMTP server, an SMS gateway, rows. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createDb, migrateLatest, type Db } from '../../db/connection';
import { testDb } from '../helpers/db';
import type { NoticeDeliverySettings } from '../../activities/notice-delivery';
import type { NoticeContent, NoticeKind } from '../../domain/notices';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { HttpSmsGateway, SmtpEmailSender } from '../../activities/delivery';
import { renderNotice } from '../../templates/notices';
import { createApplicationWorker } from '../../worker/worker';
import { createTimeSkippingEnv } from '../helpers/temporal';

/**
 * A fresh database, migrated: delivery claims every due row of its database, and the shared one
 * holds the other files' outbox rows.
 */
export async function scratchDatabase(): Promise<{ db: Db; drop(): Promise<void> }> {
  const name = `notices_${randomUUID().replace(/-/g, '')}`;
  const admin = testDb();
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), 10);
  await migrateLatest(db);
  return {
    db,
    async drop() {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

/** An SMTP reply that refuses, as smtp-server sends it. */
export const smtpReply = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

export interface SmtpCatcher {
  url: string;
  /** Every message accepted, parsed. */
  received: ParsedMail[];
  /** RCPT TO commands seen, per address (accepted or refused). */
  rcptCount(address: string): number;
  close(): Promise<void>;
}

/**
 * A real SMTP server (npm smtp-server) on a random local port, in this process. `refuse` may answer
 * a RCPT TO with an error carrying a responseCode (451, 550…); `n` counts that address's RCPTs from 1.
 */
export async function startSmtpCatcher(refuse: (address: string, n: number) => Error | undefined = () => undefined): Promise<SmtpCatcher> {
  const received: ParsedMail[] = [];
  const rcpts = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const n = (rcpts.get(address.address) ?? 0) + 1;
      rcpts.set(address.address, n);
      callback(refuse(address.address, n) ?? null);
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    rcptCount: (address) => rcpts.get(address) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface SmsRequest {
  recipient: string;
  text: string;
  clientMessageId: string;
}

export interface FakeSmsGateway {
  url: string;
  /** Every request, accepted or not. */
  requests: SmsRequest[];
  /** The requests answered 2xx. */
  accepted: SmsRequest[];
  close(): Promise<void>;
}

/** A fake SMS gateway: a node http server on a local port; `status` answers the n-th request (from 1) for a clientMessageId. */
export async function startSmsGateway(status: (req: SmsRequest, n: number) => number = () => 200): Promise<FakeSmsGateway> {
  const requests: SmsRequest[] = [];
  const accepted: SmsRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const sms = JSON.parse(body) as SmsRequest;
      requests.push(sms);
      const code = status(sms, requests.filter((r) => r.clientMessageId === sms.clientMessageId).length);
      if (code < 300) accepted.push(sms);
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(code < 300 ? { messageId: `gw-${accepted.length}` } : { error: 'refused' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    requests,
    accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Settings for tests: no backoff unless a test asks for one, leases and timeouts short enough to see. */
export const testSettings = (overrides: Partial<NoticeDeliverySettings> = {}): NoticeDeliverySettings => ({
  leaseMs: 60_000,
  sendTimeoutMs: 5_000,
  concurrency: 4,
  maxAttempts: 5,
  backoffBaseMs: 0,
  backoffMaxMs: 0,
  timeBudgetMs: 10_000,
  ...overrides,
});

/** A reconfirmation notice's content (R6.1), as the enqueue side stores it. */
export const reconfirmationContent = (number: string): NoticeContent => ({
  number,
  childFirstName: 'Айлин',
  reconfirmBy: '2027-03-01T19:00:00.000Z',
});

export interface NoticeRowSpec {
  channel?: 'email' | 'sms';
  recipient?: string;
  kind?: NoticeKind;
  language?: 'kk' | 'ru';
  payload?: NoticeContent;
}

/** Outbox rows as activities/notices.ts queues them (no application: the scratch database has none). */
export async function queueNotices(db: Db, specs: NoticeRowSpec[]): Promise<{ id: string; idempotency_key: string; recipient: string }[]> {
  const batch = randomUUID().slice(0, 8);
  const rows = specs.map((s, i) => {
    const channel = s.channel ?? 'email';
    const recipient = s.recipient ?? (channel === 'email' ? `parent-${batch}-${i}@example.kz` : `+7701${String(i).padStart(7, '0')}`);
    return {
      idempotency_key: `test-${batch}-${i}:${channel}:${recipient}`,
      kind: s.kind ?? 'reconfirmation_due',
      channel,
      recipient,
      language: s.language ?? 'ru',
      payload: JSON.stringify(s.payload ?? reconfirmationContent(`75.UO.2026.${String(i).padStart(6, '0')}.1`)),
    };
  });
  return db('notices').insert(rows).returning(['id', 'idempotency_key', 'recipient']);
}

export const noticeRows = (db: Db, ids: string[]) => db('notices').whereIn('id', ids).orderBy('id');

export interface DeliveringWorker {
  worker: Worker;
  running: Promise<void>;
  taskQueue: string;
  /** Shuts the worker down and closes its SMTP pool. */
  stop(): Promise<void>;
}

/** A worker on `taskQueue` with the real activities and delivery: templates, SMTP to `smtp`, SMS to `sms`. */
export async function startDeliveringWorker(
  env: TestWorkflowEnvironment,
  db: Db,
  { taskQueue, smtp, sms, settings = testSettings() }: { taskQueue: string; smtp: SmtpCatcher; sms: FakeSmsGateway; settings?: NoticeDeliverySettings },
): Promise<DeliveringWorker> {
  const email = new SmtpEmailSender({ url: smtp.url, from: 'noreply@kindergarten-queue.kz', maxConnections: 4, timeoutMs: 5000 });
  const worker = await createApplicationWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    db,
    temporal: env.client,
    workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH! },
    delivery: { renderNotice, email, sms: new HttpSmsGateway(sms.url, 5000), settings },
  });
  const running = worker.run();
  return {
    worker,
    running,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      email.close();
    },
  };
}

export interface NoticeStack {
  env: TestWorkflowEnvironment;
  db: Db;
  smtp: SmtpCatcher;
  sms: FakeSmsGateway;
  /** Two workers that deliver, as two worker processes would be, each on its queue. */
  workers: DeliveringWorker[];
}

/**
 * Registers jest hooks for a file of delivery tests: a scratch database (seeded if asked), a
 * time-skipping server, a real SMTP server and a fake SMS gateway (each answering as told), and a
 * delivering worker on each of `queues`. Read the fields inside tests, not at module load.
 */
export function useNoticeStack(opts: {
  queues: () => string[];
  seed?: (db: Db) => Promise<void>;
  refuseRcpt?: (address: string, n: number) => Error | undefined;
  smsStatus?: (req: SmsRequest, n: number) => number;
  beforeStop?: (stack: NoticeStack) => Promise<void>;
}): NoticeStack {
  const stack = { workers: [] as DeliveringWorker[] } as NoticeStack;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const scratch = await scratchDatabase();
    ({ db: stack.db } = scratch);
    drop = scratch.drop;
    await opts.seed?.(stack.db);
    stack.env = await createTimeSkippingEnv();
    stack.smtp = await startSmtpCatcher(opts.refuseRcpt);
    stack.sms = await startSmsGateway(opts.smsStatus);
    for (const taskQueue of opts.queues()) stack.workers.push(await startDeliveringWorker(stack.env, stack.db, { taskQueue, smtp: stack.smtp, sms: stack.sms }));
  });
  afterAll(async () => {
    if (stack.env) await opts.beforeStop?.(stack);
    await Promise.all(stack.workers.map((w) => w.stop()));
    await stack.env?.teardown();
    await stack.smtp?.close();
    await stack.sms?.close();
    await drop?.();
  });
  return stack;
}
