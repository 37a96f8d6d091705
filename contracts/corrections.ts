/** The contract of the one-off corrections of running applications: workflow IDs and inputs. */

/**
 * R5.3: stop-lists started before the boundary fix end one working day late; this run asks every
 * application on a stop-list to count its stop-list again. Started once by the worker.
 */
export const STOP_LIST_CORRECTION_WORKFLOW_ID = 'correction:stop-list-boundary';

export interface CorrectionRunInput {
  /** Keyset: the last registration number already signalled (a continued run goes on from it). */
  after?: string;
  signalled?: number;
}

/** An operator's calendar change: the applications it may move are asked to recompute. */
export interface CalendarChangeRunInput extends CorrectionRunInput {
  change: { day: string; regionCode: string | null };
}

/** One calendar change's run, by the entry's ID and what happened to it. */
export const calendarChangeWorkflowId = (entryId: number, what: 'added' | 'removed'): string => `calendar-change:${entryId}:${what}`;

/** How many applications one page of the correction reads and signals. */
export const CORRECTION_PAGE_SIZE = 500;
