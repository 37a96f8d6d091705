import { continueAsNew, log, workflowInfo } from '@temporalio/workflow';
import { activities as act } from './application.activities';
import { CORRECTION_PAGE_SIZE, type CalendarChangeRunInput, type CorrectionRunInput } from '../contracts/corrections';
import { signalRecompute } from './fan-out';

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
    signalled += await signalRecompute(numbers);
    if (numbers.length < CORRECTION_PAGE_SIZE) break;
    after = numbers.at(-1)!;
    if (workflowInfo().continueAsNewSuggested) return continueAsNew<typeof correctStopListsWorkflow>({ after, signalled });
  }
  log.info('stop-list correction sent', { signalled });
  return { signalled };
}

/**
 * After an operator adds or removes a calendar entry: every application whose working-day deadline
 * runs past that day asks the calendar again, so the card shows a moved deadline at once rather than
 * when the old one falls due. A workflow, so a crash half-way resumes where it was (and it shows in
 * the Web UI); each application only ever moves a deadline later, so a repeat changes nothing.
 */
export async function announceCalendarChangeWorkflow(input: CalendarChangeRunInput): Promise<{ signalled: number }> {
  let after = input.after ?? '';
  let signalled = input.signalled ?? 0;
  for (;;) {
    const numbers = await act.listApplicationsAffectedByCalendarChange({ change: input.change, after, limit: CORRECTION_PAGE_SIZE });
    signalled += await signalRecompute(numbers);
    if (numbers.length < CORRECTION_PAGE_SIZE) break;
    after = numbers.at(-1)!;
    if (workflowInfo().continueAsNewSuggested) return continueAsNew<typeof announceCalendarChangeWorkflow>({ ...input, after, signalled });
  }
  log.info('calendar change announced', { ...input.change, signalled });
  return { signalled };
}
