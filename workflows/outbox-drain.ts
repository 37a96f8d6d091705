import { ApplicationFailure, log, sleep, workflowInfo } from '@temporalio/workflow';

/** A dispatcher's settings (from the worker's configuration) and the totals its earlier runs carried. */
export interface DrainInput<C> {
  pollIntervalMs: number;
  batchSize: number;
  timeBudgetMs: number;
  iterationsPerRun: number;
  totals?: C;
}

/** What one call of a drain activity answers: its counts, and whether its time budget ran out first. */
export type DrainStep<C> = C & { claimed: number; budgetSpent: boolean };

/**
 * The loop both outbox dispatchers run (notices, R9.1; documents, R9.2): calls the activity, calls
 * it again at once while its time budget ran out with rows still due, and otherwise sleeps the poll
 * interval; after `iterationsPerRun` turns (or when the server suggests it) it returns the running
 * totals, for the caller to continue as new with. Several may run at once: the activity's claims
 * keep them apart.
 */
export async function drainOutbox<C extends { [K in keyof C]: number }>(
  input: DrainInput<C>,
  noCounts: C,
  what: string,
  step: (req: { batchSize: number; workerId: string; timeBudgetMs: number }) => Promise<DrainStep<C>>,
): Promise<C> {
  const bad = (['pollIntervalMs', 'batchSize', 'timeBudgetMs', 'iterationsPerRun'] as const).filter((k) => !(Number.isFinite(input[k]) && input[k] > 0));
  if (bad.length) throw ApplicationFailure.nonRetryable(`the dispatcher's ${bad.join(', ')} must be positive numbers`, 'INVALID_INPUT');
  const totals = { ...noCounts, ...input.totals } as C;
  for (let i = 0; i < input.iterationsPerRun && !workflowInfo().continueAsNewSuggested; i++) {
    const result = await step({ batchSize: input.batchSize, workerId: workflowInfo().workflowId, timeBudgetMs: input.timeBudgetMs });
    for (const key of Object.keys(noCounts) as (keyof C)[]) (totals[key] as number) += result[key] as number;
    if (result.claimed > 0) log.info(what, { ...result });
    if (!result.budgetSpent) await sleep(input.pollIntervalMs);
  }
  return totals;
}
