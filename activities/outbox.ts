import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { asyncLocalStorage } from '@temporalio/activity';
import type { Db } from '../db/connection';

/**
 * A table worked like an outbox (the notices of R9.1, the documents of R9.2): rows wait in one state
 * until their `next_attempt_at`; a claim takes due rows with an UPDATE over a `FOR UPDATE SKIP LOCKED`
 * sub-select that also sets a lease (`lease_until`, `claimed_by`), so concurrent claimers — in one
 * worker or many — never hold the same row, and a crashed claimer's rows come back when its lease
 * ends. Each outcome is recorded under the claim; a transient failure is tried again after a backoff,
 * a permanent one (or the last attempt) leaves the row failed with its reason.
 */
export interface OutboxTable {
  table: 'notices' | 'documents';
  /** The state of rows waiting to be worked; `done` and `failed` leave it. */
  waiting: string;
  done: string;
  failed: string;
  /** What a claim returns of each row (with `id` and `attempts`). */
  columns: readonly string[];
  /** The columns a failure sets besides state and attempts: its message, and why it gave up when it did. */
  failure(message: string, gaveUp: string | undefined): Record<string, unknown>;
}

/** How claims hold rows and how work on them is retried. */
export interface OutboxSettings {
  /** How long a claim keeps other claimers off its rows. */
  leaseMs: number;
  /** One piece of work fails as transient after this long; none starts later than a lease minus this. */
  workTimeoutMs: number;
  /** Rows worked at once within a batch. */
  concurrency: number;
  maxAttempts: number;
  /** The wait after the n-th transient failure: base · 2^(n−1), at most max. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long one call keeps claiming batches, unless the request says otherwise. */
  timeBudgetMs: number;
}

export interface OutboxRow {
  id: string;
  attempts: number;
}

/** How working a row ended: done, tried again later, failed for good, or let go unworked (its lease ran short). */
export type Outcome = 'done' | 'retried' | 'failed' | 'released';
export type OutboxCounts = Record<Outcome | 'claimed', number>;

export interface DrainRequest {
  batchSize: number;
  /** Who claims, recorded in claimed_by (with a per-claim suffix) for operators. */
  workerId: string;
  timeBudgetMs?: number;
}

export interface DrainResult extends OutboxCounts {
  /** True when the time budget ended the run with rows still due: call again without waiting. */
  budgetSpent: boolean;
  /** The earliest next_attempt_at of a waiting row no one holds (ISO 8601), or null. */
  nextDueAt: string | null;
}

/** A failure as the outbox retries it: transient unless it says otherwise. */
export interface WorkFailure {
  message: string;
  permanent: boolean;
}

/** The wait before attempt n + 1 after n transient failures. */
export const backoffMs = (failures: number, s: Pick<OutboxSettings, 'backoffBaseMs' | 'backoffMaxMs'>): number =>
  Math.min(s.backoffBaseMs * 2 ** Math.max(failures - 1, 0), s.backoffMaxMs);

export const clip = (text: string) => (text.length > 1000 ? `${text.slice(0, 1000)}…` : text);

/** `work`, or a rejection once `ms` pass (the work itself may still finish). */
function timeBound<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
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

export function warn(message: string, attrs: Record<string, unknown>): void {
  const context = asyncLocalStorage.getStore();
  if (context) context.log.warn(message, attrs);
  else console.warn(message, attrs);
}

const transient = (err: unknown): WorkFailure => ({ message: err instanceof Error ? err.message : String(err), permanent: false });

/**
 * Drains `spec`'s table: claims due rows batch after batch until none is due or the time budget is
 * spent, and works each with `work`, whose answer (the columns of success) is recorded with the row
 * done; `classify` says whether a failure is worth trying again (by default it is).
 */
export function createOutbox<Row extends OutboxRow>(db: Db, spec: OutboxTable, settings: OutboxSettings) {
  const claim = async (claimId: string, batchSize: number): Promise<Row[]> => {
    const result = await db.raw(
      `UPDATE ${spec.table} SET lease_until = now() + ? * interval '1 millisecond', claimed_by = ?
        WHERE id IN (
          SELECT id FROM ${spec.table}
           WHERE state = ? AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
           ORDER BY next_attempt_at, id
           LIMIT ?
           FOR UPDATE SKIP LOCKED)
        RETURNING ${['id', 'attempts', ...spec.columns].join(', ')}`,
      [settings.leaseMs, claimId, spec.waiting, batchSize],
    );
    return result.rows;
  };

  /** Updates a row this claim still holds; false when the claim was lost (its lease ran out and another took it). */
  const record = async (row: Row, claimId: string, changes: Record<string, unknown>): Promise<boolean> => {
    const n = await db(spec.table).where({ id: row.id, claimed_by: claimId, state: spec.waiting }).update({ ...changes, lease_until: null });
    if (n === 0) warn(`a row of ${spec.table} changed hands before its outcome was recorded`, { id: row.id, claimId });
    return n > 0;
  };

  const attempt = async (row: Row, claimId: string, workBy: number, work: (row: Row) => Promise<Record<string, unknown>>, classify: (err: unknown) => WorkFailure): Promise<Outcome> => {
    // Past this instant the lease could end mid-work and another claimer work the row too.
    if (Date.now() > workBy) {
      await db(spec.table).where({ id: row.id, claimed_by: claimId }).update({ lease_until: null, claimed_by: null });
      return 'released';
    }
    const attempts = row.attempts + 1;
    try {
      const columns = await timeBound(Promise.resolve().then(() => work(row)), settings.workTimeoutMs);
      await record(row, claimId, { ...columns, state: spec.done, attempts });
      return 'done';
    } catch (err) {
      const failure = classify(err);
      if (failure.permanent || attempts >= settings.maxAttempts) {
        const reason = failure.permanent ? failure.message : `gave up after ${attempts} attempts: ${failure.message}`;
        await record(row, claimId, { state: spec.failed, attempts, ...spec.failure(clip(failure.message), clip(reason)) });
        return 'failed';
      }
      await record(row, claimId, {
        attempts,
        ...spec.failure(clip(failure.message), undefined),
        next_attempt_at: db.raw(`now() + ? * interval '1 millisecond'`, [backoffMs(attempts, settings)]),
      });
      return 'retried';
    }
  };

  const nextDueAt = async (): Promise<string | null> => {
    const row = await db(spec.table)
      .where({ state: spec.waiting })
      .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', db.fn.now()))
      .min({ at: 'next_attempt_at' })
      .first();
    return row?.at ? new Date(row.at).toISOString() : null;
  };

  return {
    async drain(req: DrainRequest, work: (row: Row) => Promise<Record<string, unknown>>, classify: (err: unknown) => WorkFailure = transient): Promise<DrainResult> {
      const context = asyncLocalStorage.getStore();
      const claimId = `${req.workerId}/${os.hostname()}:${process.pid}/${randomUUID().slice(0, 8)}`;
      const stopAt = Date.now() + (req.timeBudgetMs ?? settings.timeBudgetMs);
      const counts: OutboxCounts = { claimed: 0, done: 0, retried: 0, failed: 0, released: 0 };
      let lastClaim = 0;
      while (Date.now() < stopAt && !context?.cancellationSignal.aborted) {
        const claimedAt = Date.now();
        const rows = await claim(claimId, req.batchSize);
        lastClaim = rows.length;
        if (rows.length === 0) break;
        counts.claimed += rows.length;
        const workBy = claimedAt + settings.leaseMs - settings.workTimeoutMs;
        await eachLimited(rows, settings.concurrency, async (row) => {
          counts[await attempt(row, claimId, workBy, work, classify)]++;
          context?.heartbeat(counts);
        });
      }
      const budgetSpent = lastClaim === req.batchSize && Date.now() >= stopAt;
      return { ...counts, budgetSpent, nextDueAt: await nextDueAt() };
    },
  };
}
