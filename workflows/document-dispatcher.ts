import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { DocumentDispatcherInput, DocumentRenderActivities, RenderCounts } from '../contracts/documents';
import { drainOutbox } from './outbox-drain';

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
 * queue"), as the notice dispatcher drains its outbox (workflows/outbox-drain.ts), continuing as new
 * with its running totals.
 */
export async function documentDispatcherWorkflow(input: DocumentDispatcherInput): Promise<never> {
  const totals = await drainOutbox(input, NO_COUNTS, 'documents rendered', renderDueDocuments);
  return continueAsNew<typeof documentDispatcherWorkflow>({ ...input, totals });
}
