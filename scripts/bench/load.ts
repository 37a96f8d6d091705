/** Latency statistics and an open-loop load generator for the benchmarks. */

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

export interface LoadResult {
  rate: number;
  sent: number;
  failed: number;
  p50: number;
  p99: number;
}

export interface LoadSamples {
  rate: number;
  sent: number;
  failed: number;
  /** Every request's latency in ms, sorted. */
  latencies: number[];
}

/**
 * Sends `rate` requests a second for `seconds`, each at its scheduled instant whether or not the
 * earlier ones have answered (open loop), and measures latency from the scheduled instant — so a
 * slow server cannot hide its queueing by slowing the client down.
 */
export async function openLoopSamples(rate: number, seconds: number, request: (i: number) => Promise<boolean>): Promise<LoadSamples> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now() + 50;
  const latencies: number[] = [];
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      request(i).then(
        (ok) => {
          if (!ok) failed++;
          latencies.push(performance.now() - due);
        },
        () => {
          failed++;
          latencies.push(performance.now() - due);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  return { rate, sent: total, failed, latencies };
}

/** Several runs at one rate as one: their requests pooled. */
export function summarize(runs: LoadSamples[]): LoadResult {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    rate: runs[0]!.rate,
    sent: runs.reduce((n, r) => n + r.sent, 0),
    failed: runs.reduce((n, r) => n + r.failed, 0),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
  };
}

export async function openLoop(rate: number, seconds: number, request: (i: number) => Promise<boolean>): Promise<LoadResult> {
  return summarize([await openLoopSamples(rate, seconds, request)]);
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Runs `tasks` with at most `limit` at once. */
export async function pool<T>(items: T[], limit: number, task: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}

/** The row count of a knex query. */
export async function countOf(query: { count(spec: { n: string }): PromiseLike<{ n?: string | number }[]> }): Promise<number> {
  const [row] = await query.count({ n: '*' });
  return Number(row?.n ?? 0);
}
