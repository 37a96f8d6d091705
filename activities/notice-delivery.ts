import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { asyncLocalStorage } from '@temporalio/activity';
import type { Config } from '../config';
import type { DeliveryCounts, DeliveryRequest, DeliveryResult, NoticeDeliveryActivities } from '../contracts/notices';
import type { Db } from '../db/connection';
import type { NoticeChannel, NoticeContent, NoticeKind, NoticeRenderer, RenderedNotice } from '../domain/notices';
import type { Language } from '../domain/queue';
import type { EmailSender } from './delivery/email';
import { asDeliveryFailure, permanentFailure, transientFailure } from './delivery/failures';
import type { SmsSender } from './delivery/sms';

/** How delivery claims, sends and retries (from the NOTICE_* settings of config.ts). */
export interface NoticeDeliverySettings {
  /** How long a claim keeps other claimers off its rows. */
  leaseMs: number;
  /** One send fails as transient after this long; none starts later than a lease minus this. */
  sendTimeoutMs: number;
  /** Sends in flight at once within a batch. */
  concurrency: number;
  maxAttempts: number;
  /** The wait after the n-th transient failure: base · 2^(n−1), at most max. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long one call keeps claiming batches, unless the request says otherwise. */
  timeBudgetMs: number;
}

export const deliverySettings = (c: Config): NoticeDeliverySettings => ({
  leaseMs: c.NOTICE_LEASE_MS,
  sendTimeoutMs: c.NOTICE_SEND_TIMEOUT_MS,
  concurrency: c.NOTICE_SEND_CONCURRENCY,
  maxAttempts: c.NOTICE_MAX_ATTEMPTS,
  backoffBaseMs: c.NOTICE_BACKOFF_BASE_MS,
  backoffMaxMs: c.NOTICE_BACKOFF_MAX_MS,
  timeBudgetMs: c.NOTICE_TIME_BUDGET_MS,
});

export interface NoticeDeliveryDependencies {
  db: Db;
  /** templates/notices.ts's renderNotice in the worker; tests may pass their own. */
  renderNotice: NoticeRenderer;
  email: EmailSender;
  sms: SmsSender;
  settings: NoticeDeliverySettings;
}

/** An outbox row as a claim returns it. */
interface ClaimedNotice {
  id: string;
  idempotency_key: string;
  kind: NoticeKind;
  channel: NoticeChannel;
  recipient: string;
  language: Language;
  payload: NoticeContent;
  attempts: number;
}

type Outcome = 'sent' | 'retried' | 'failed' | 'released';

/** The wait before attempt n + 1 after n transient failures. */
export const backoffMs = (failures: number, s: Pick<NoticeDeliverySettings, 'backoffBaseMs' | 'backoffMaxMs'>): number =>
  Math.min(s.backoffBaseMs * 2 ** Math.max(failures - 1, 0), s.backoffMaxMs);

const clip = (text: string) => (text.length > 1000 ? `${text.slice(0, 1000)}…` : text);

/** `work`, or a transient failure once `ms` pass (the send itself may still finish: a duplicate is then recognisable). */
function timeBound<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(transientFailure(`no answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `task` over `items`, at most `limit` at once. */
async function eachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  });
  await Promise.all(lanes);
}

/**
 * R9.1: delivery of the notices outbox. Each call claims due rows in batches — one UPDATE over a
 * `FOR UPDATE SKIP LOCKED` sub-select that also sets a lease, so concurrent calls, in one worker or
 * many, never hold the same row — sends them with bounded concurrency, and records each outcome
 * under its claim. A row is sent at least once; a crash between the provider's acceptance and the
 * row's update sends it again after its lease, under the same Message-ID / clientMessageId.
 */
export function createNoticeDeliveryActivities(deps: NoticeDeliveryDependencies): NoticeDeliveryActivities {
  const { db, settings } = deps;

  const claim = async (claimId: string, batchSize: number): Promise<ClaimedNotice[]> => {
    const result = await db.raw(
      `UPDATE notices SET lease_until = now() + ? * interval '1 millisecond', claimed_by = ?
        WHERE id IN (
          SELECT id FROM notices
           WHERE state = 'pending' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
           ORDER BY next_attempt_at, id
           LIMIT ?
           FOR UPDATE SKIP LOCKED)
        RETURNING id, idempotency_key, kind, channel, recipient, language, payload, attempts`,
      [settings.leaseMs, claimId, batchSize],
    );
    return result.rows;
  };

  /** Updates a row this claim still holds; false when the claim was lost (its lease ran out and another took it). */
  const record = async (row: ClaimedNotice, claimId: string, changes: Record<string, unknown>): Promise<boolean> => {
    const n = await db('notices').where({ id: row.id, claimed_by: claimId, state: 'pending' }).update({ ...changes, lease_until: null });
    if (n === 0) warn('a notice changed hands before its outcome was recorded', { id: row.id, claimId });
    return n > 0;
  };

  /** Renders and sends one row; a template that cannot render it fails it permanently (a fix needs a new release). */
  const send = (row: ClaimedNotice): Promise<{ messageId: string }> => {
    let rendered: RenderedNotice;
    try {
      rendered = deps.renderNotice(row.kind, row.language, row.payload);
    } catch (err) {
      throw permanentFailure(`cannot render ${row.kind} (${row.language}): ${err instanceof Error ? err.message : String(err)}`);
    }
    return row.channel === 'email'
      ? deps.email.send({ to: row.recipient, subject: rendered.subject, html: rendered.html, text: rendered.text, idempotencyKey: row.idempotency_key })
      : deps.sms.send({ recipient: row.recipient, text: rendered.sms, clientMessageId: row.idempotency_key });
  };

  const deliver = async (row: ClaimedNotice, claimId: string, sendBy: number): Promise<Outcome> => {
    // Past this instant the lease could end mid-send and another claimer send the row too.
    if (Date.now() > sendBy) {
      await db('notices').where({ id: row.id, claimed_by: claimId }).update({ lease_until: null, claimed_by: null });
      return 'released';
    }
    const attempts = row.attempts + 1;
    try {
      const { messageId } = await timeBound(Promise.resolve().then(() => send(row)), settings.sendTimeoutMs);
      await record(row, claimId, { state: 'sent', sent_at: db.fn.now(), message_id: messageId, attempts });
      return 'sent';
    } catch (err) {
      const failure = asDeliveryFailure(err);
      if (failure.permanent || attempts >= settings.maxAttempts) {
        const reason = failure.permanent ? failure.message : `gave up after ${attempts} attempts: ${failure.message}`;
        await record(row, claimId, { state: 'failed', attempts, last_error: clip(failure.message), failed_reason: clip(reason) });
        return 'failed';
      }
      await record(row, claimId, {
        attempts,
        last_error: clip(failure.message),
        next_attempt_at: db.raw(`now() + ? * interval '1 millisecond'`, [backoffMs(attempts, settings)]),
      });
      return 'retried';
    }
  };

  const nextDueAt = async (): Promise<string | null> => {
    const row = await db('notices')
      .where({ state: 'pending' })
      .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', db.fn.now()))
      .min({ at: 'next_attempt_at' })
      .first();
    return row?.at ? new Date(row.at).toISOString() : null;
  };

  return {
    /** R9.1: sends the due notices, batch after batch, until none is due or the time budget is spent. */
    async deliverDueNotices(req: DeliveryRequest): Promise<DeliveryResult> {
      const context = asyncLocalStorage.getStore();
      const claimId = `${req.workerId}/${os.hostname()}:${process.pid}/${randomUUID().slice(0, 8)}`;
      const stopAt = Date.now() + (req.timeBudgetMs ?? settings.timeBudgetMs);
      const counts: DeliveryCounts = { claimed: 0, sent: 0, retried: 0, failed: 0, released: 0 };
      let lastClaim = 0;
      while (Date.now() < stopAt && !context?.cancellationSignal.aborted) {
        const claimedAt = Date.now();
        const rows = await claim(claimId, req.batchSize);
        lastClaim = rows.length;
        if (rows.length === 0) break;
        counts.claimed += rows.length;
        const sendBy = claimedAt + settings.leaseMs - settings.sendTimeoutMs;
        await eachLimited(rows, settings.concurrency, async (row) => {
          counts[await deliver(row, claimId, sendBy)]++;
          context?.heartbeat(counts);
        });
      }
      const budgetSpent = lastClaim === req.batchSize && Date.now() >= stopAt;
      return { ...counts, budgetSpent, nextDueAt: await nextDueAt() };
    },
  };
}

function warn(message: string, attrs: Record<string, unknown>): void {
  const context = asyncLocalStorage.getStore();
  if (context) context.log.warn(message, attrs);
  else console.warn(message, attrs);
}
