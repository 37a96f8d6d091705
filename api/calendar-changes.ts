import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import { applicationsAffectedBy, type CalendarChange } from '../db/deadlines';
import { APPLICATION_TASK_QUEUE } from '../contracts/application';
import { calendarChangeWorkflowId } from '../contracts/corrections';

/**
 * After an operator changes the calendar: starts the run that asks every application whose
 * working-day deadline runs past that day to recompute (`announceCalendarChangeWorkflow`), and
 * answers how many it will ask. The request returns at once; the run survives a crash.
 */
export async function announceCalendarChange(db: Db, temporal: Client, change: CalendarChange & { entryId: number; what: 'added' | 'removed' }): Promise<number> {
  const [{ n }] = await applicationsAffectedBy(db, change).count({ n: '*' });
  try {
    await temporal.workflow.start('announceCalendarChangeWorkflow', {
      workflowId: calendarChangeWorkflowId(change.entryId, change.what),
      taskQueue: APPLICATION_TASK_QUEUE,
      args: [{ change: { day: change.day, regionCode: change.regionCode } }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // a retried request: the run is under way
  }
  return Number(n);
}
