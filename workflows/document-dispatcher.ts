import { ApplicationFailure, continueAsNew, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { DocumentDispatcherInput, DocumentRenderActivities, RenderCounts } from '../contracts/documents';

/**
 * One call renders for up to its time budget (DOCUMENT_TIME_BUDGET_MS, at most 2 minutes) and then
 * finishes the batch in hand within its lease (DOCUMENT_LEASE_MS, at most 10 minutes); it heartbeats
 * after every document, so a worker that dies is noticed within the heartbeat timeout and its
 * documents come back when their lease ends. It runs on the workflow's task queue, `documents`.
 */
const { renderDueDocuments } = proxyActivities<DocumentRenderActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

const NO_COUNTS: RenderCounts = { claimed: 0, rendered: 0, retried: 0, failed: 0, released: 0 };

/**
 * R9.2: renders the documents waiting in PostgreSQL (DESIGN.md "PDFs render on their own task
 * queue"), as the notice dispatcher drains its outbox: calls the render activity, calls it again at
 * once while its time budget ran out with documents still due, and otherwise sleeps the poll
 * interval; after `iterationsPerRun` turns (or when the server suggests it) it continues as new with
 * its running totals. Several may run at once: the activity's claims keep them apart.
 */
export async function documentDispatcherWorkflow(input: DocumentDispatcherInput): Promise<never> {
  const bad = (['pollIntervalMs', 'batchSize', 'timeBudgetMs', 'iterationsPerRun'] as const).filter((k) => !(Number.isFinite(input[k]) && input[k] > 0));
  if (bad.length) throw ApplicationFailure.nonRetryable(`the dispatcher's ${bad.join(', ')} must be positive numbers`, 'INVALID_INPUT');
  const totals: RenderCounts = { ...NO_COUNTS, ...input.totals };
  for (let i = 0; i < input.iterationsPerRun && !workflowInfo().continueAsNewSuggested; i++) {
    const result = await renderDueDocuments({ batchSize: input.batchSize, workerId: workflowInfo().workflowId, timeBudgetMs: input.timeBudgetMs });
    for (const key of Object.keys(NO_COUNTS) as (keyof RenderCounts)[]) totals[key] += result[key];
    if (result.claimed > 0) log.info('documents rendered', { ...result });
    if (!result.budgetSpent) await sleep(input.pollIntervalMs);
  }
  return continueAsNew<typeof documentDispatcherWorkflow>({ ...input, totals });
}
