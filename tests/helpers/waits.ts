/**
 * Bounded waits. A test that waits without a bound ends in jest's timeout, with the environment
 * torn down under a call still pending ("Channel has been shut down"), and says nothing of what it
 * waited for; these fail instead, well within jest's 60 s, with a message that does.
 */
import type { Connection } from '@temporalio/client';

/** How long (real time) a test waits for the effects of a signal or an update. */
export const WAIT_MS = 5000;
/** How much longer than the wait's bound one read begun in time may take. */
const READ_GRACE_MS = 2000;

export interface WaitOptions {
  /** What the wait expects, for the failure message ("status turn_notified"); defaults to the predicate's source. */
  expect?: string;
  /** Real milliseconds before the wait fails. */
  timeoutMs?: number;
}

/** A description or options, as the waiting helpers take them. */
export type Expectation = string | WaitOptions;

export const waitOptions = (expectation?: Expectation): WaitOptions =>
  typeof expectation === 'string' ? { expect: expectation } : (expectation ?? {});

/** A value shortened for a failure message. */
export function preview(value: unknown, max = 600): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** What `within` rejects with when the bound passes first. */
export class NoAnswer extends Error {}

/** `work`, or a `NoAnswer` naming `what` once `ms` pass. The work itself goes on; its failure is then ignored. */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(`${what}: no answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `fn`, whose calls go through `connection`, for `ms` at most: then its calls are cancelled and
 * this fails with "`what`: expected `expected` within `ms` ms".
 */
export async function withinCalls<T>(connection: Connection, ms: number, what: string, expected: string, fn: () => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    return await connection.withAbortSignal(abort.signal, fn);
  } catch (err) {
    if (!abort.signal.aborted) throw err;
    throw new Error(`${what}: expected ${expected} within ${ms} ms`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads until `ok` holds, and fails once the bound passes with an Error naming `label`, what was
 * expected and the last reading: `waitForState(75.UO…): expected status queued within 5000 ms; last state: {…}`.
 */
export async function waitUntil<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  opts: WaitOptions & { label: string; reading?: string; show?: (value: T) => string },
): Promise<T> {
  const { label, timeoutMs = WAIT_MS, reading = 'last reading', show = preview } = opts;
  const expected = opts.expect ?? String(ok).replace(/\s+/g, ' ');
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | undefined;
  let finalRead = false;
  const lastReading = () => `${reading}: ${last ? show(last.value) : 'none'}`;
  for (;;) {
    // A read that hangs (a query to a workflow no worker serves) is bounded too: a read started in
    // time may finish a little after the bound.
    const value = await within(read(), Math.max(deadline - Date.now(), 0) + READ_GRACE_MS, 'read').catch((err) => {
      if (err instanceof NoAnswer) throw new Error(`${label}: expected ${expected} within ${timeoutMs} ms; a read gave no answer; ${lastReading()}`);
      throw err;
    });
    if (ok(value)) return value;
    last = { value };
    if (Date.now() >= deadline) {
      if (finalRead) throw new Error(`${label}: expected ${expected} within ${timeoutMs} ms; ${lastReading()}`);
      // Timers run before I/O callbacks: after a stall of the process (a busy CI machine) the bound's
      // timer may fire ahead of the answer that arrived meanwhile. One more read once that I/O has run.
      finalRead = true;
      await new Promise((r) => setImmediate(r));
      continue;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Reads until `ok` holds, for effects that follow a signal; fails after 5 s (or `timeoutMs`) with
 * the expectation (or the predicate's source) and the last reading.
 */
export function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, expectation?: Expectation): Promise<T> {
  return waitUntil(read, ok, { label: 'eventually', ...waitOptions(expectation) });
}
