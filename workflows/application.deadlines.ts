/**
 * The working-day deadlines of an application (R4.5, R5.2, R5.3), one row each: whether it is
 * running, where its count starts and by which rule, how many working days the region gives it, and
 * how a calendar change that moves it later changes the state and the read model. At most one runs
 * at a time; the rows are in the order they are asked.
 */
import type { ReadModelChanges, WorkingDeadlineRequest } from '../contracts/activities';
import type { LifecycleState } from '../contracts/application';
import { days } from '../domain/almaty-time';
import type { RuleSettings } from '../domain/rule-settings';

export type DeadlineKind = 'reminder' | 'reconfirmation' | 'offerWindow' | 'referral' | 'stopList';

export interface RunningCount {
  /** The instant the count starts from. */
  from: number;
  rule: WorkingDeadlineRequest['rule'];
  /** Where the deadline stands now. */
  current: number;
}

export interface WorkingDayDeadline {
  kind: Extract<DeadlineKind, 'offerWindow' | 'referral' | 'stopList'>;
  running(s: LifecycleState): RunningCount | undefined;
  workingDays(settings: RuleSettings): number;
  /** Moves it to `later` in the state, and says what the read model records. */
  move(s: LifecycleState, later: number): ReadModelChanges;
}

export const WORKING_DAY_DEADLINES: readonly WorkingDayDeadline[] = [
  {
    kind: 'offerWindow', // R4.5: the offer day counts if it is a working day
    running: (s) => (s.status === 'turn_notified' && s.offer ? { from: s.offer.offeredAt, rule: 'window', current: s.offer.windowEndsAt } : undefined),
    workingDays: (settings) => settings.choiceWindowWorkingDays,
    move: (s, later) => {
      s.offer!.windowEndsAt = later;
      return { offerWindowEndsAt: later };
    },
  },
  {
    kind: 'referral', // R5.2; the R5.5 extension stays added on top
    running: (s) => (s.status === 'referral_issued' && s.referral ? { from: s.referral.issuedAt, rule: 'after', current: s.referral.baseDeadline } : undefined),
    workingDays: (settings) => settings.referralWorkingDays,
    move: (s, later) => {
      s.referral!.baseDeadline = later;
      return { referralDeadline: later + days(s.referral!.extensionDays) };
    },
  },
  {
    kind: 'stopList', // R5.3: counted after the day the referral expired (legacy ones by their own rule)
    running: (s) => (s.stopList ? { from: s.stopList.from, rule: s.stopList.counted ?? 'after', current: s.stopList.until } : undefined),
    workingDays: (settings) => settings.stopListWorkingDays,
    move: (s, later) => {
      s.stopList!.until = later;
      return { stopListUntil: later };
    },
  },
];
