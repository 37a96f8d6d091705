import { continueAsNew, getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { activities as act } from './application.activities';
import { applicationWorkflowId, recomputeDeadlinesSignal } from './application.messages';
import { CORRECTION_PAGE_SIZE, type CorrectionRunInput } from './corrections.messages';

const SIGNALS_AT_ONCE = 50;

/**
 * R5.3: sends the recompute signal to every application now on a stop-list, page by page; each
 * application corrects a stop-list counted the old way (and leaves one counted right as it is), so
 * running this again changes nothing.
 */
export async function correctStopListsWorkflow(input: CorrectionRunInput = {}): Promise<{ signalled: number }> {
  let after = input.after ?? '';
  let signalled = input.signalled ?? 0;
  for (;;) {
    const numbers = await act.listApplicationsOnStopList({ after, limit: CORRECTION_PAGE_SIZE, at: Date.now() });
    for (let i = 0; i < numbers.length; i += SIGNALS_AT_ONCE) {
      await Promise.all(
        numbers.slice(i, i + SIGNALS_AT_ONCE).map((number) =>
          getExternalWorkflowHandle(applicationWorkflowId(number))
            .signal(recomputeDeadlinesSignal)
            .then(() => signalled++)
            .catch((err) => log.warn('application not signalled (closed meanwhile?)', { number, error: String(err) })),
        ),
      );
    }
    if (numbers.length < CORRECTION_PAGE_SIZE) break;
    after = numbers.at(-1)!;
    if (workflowInfo().continueAsNewSuggested) return continueAsNew<typeof correctStopListsWorkflow>({ after, signalled });
  }
  log.info('stop-list correction sent', { signalled });
  return { signalled };
}
