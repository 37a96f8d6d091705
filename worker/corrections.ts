import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { APPLICATION_TASK_QUEUE } from '../contracts/application';
import { STOP_LIST_CORRECTION_WORKFLOW_ID } from '../contracts/corrections';

/**
 * Starts each one-off correction of running applications once: a fixed workflow ID that is never
 * reused while the namespace remembers it. The corrections are idempotent, so a run started again
 * after the namespace's retention has forgotten the first changes nothing.
 */
export async function startCorrections(temporal: Client): Promise<string[]> {
  try {
    await temporal.workflow.start('correctStopListsWorkflow', {
      workflowId: STOP_LIST_CORRECTION_WORKFLOW_ID,
      taskQueue: APPLICATION_TASK_QUEUE,
      args: [{}],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return [STOP_LIST_CORRECTION_WORKFLOW_ID];
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return [];
    throw err;
  }
}
