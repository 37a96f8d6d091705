/**
 * The deadlines of an application (R4.5, R5.2–R5.4, R6.1), one table: each row says when the
 * deadline fires given the state (undefined while it does not run), what it does when it fires,
 * and — for a working-day deadline — how a calendar change moves it. The main loop sleeps until
 * the earliest row and fires it; the calendar recomputation walks the rows that count working days.
 *
 * Replay: a row's `fire` returns the step's own promise (it adds no `await`), so every command is
 * issued in the order and with the arguments the lifecycle issued before the table existed.
 */
import type { NoticeKind, ReadModelChanges, WorkingDeadlineRequest } from '../contracts/activities';
import type { ApplicationFiling, LifecycleState, StopList } from '../contracts/application';
import { almatyDate, days, startOfAlmatyDay } from '../domain/almaty-time';
import { iso } from '../domain/iso';
import type { RuleSettings } from '../domain/rule-settings';
import type { ApplicationStatus, TransitionCause } from '../domain/statuses';
import { awaitsExamination, cycleEnd, referralDeadline } from './application.guards';

export type DeadlineKind = 'reminder' | 'reconfirmation' | 'offerWindow' | 'deadlineNear' | 'referral' | 'stopList';

export const SYSTEM = 'system';

/** What decides when a deadline fires. */
export interface Timing {
  s: LifecycleState;
  filing: ApplicationFiling;
  settings: RuleSettings;
}

/** What a deadline may do when it fires: the lifecycle's state and its recorded steps. */
export interface DeadlineHost extends Timing {
  /** Set when a confirmed cycle ends: the run continues as new. */
  cycleEnded: boolean;
  transition(to: ApplicationStatus, cause: TransitionCause, actor: string, readModel?: ReadModelChanges, details?: Record<string, unknown>): Promise<void>;
  notify(kind: NoticeKind, data?: Record<string, unknown>, key?: string): Promise<void>;
  remove(cause: TransitionCause, actor: string): Promise<void>;
  releaseReferral(state: 'withdrawn' | 'cancelled' | 'annulled', at: number): Promise<void>;
  workingDeadline(from: number, count: number, rule: WorkingDeadlineRequest['rule']): Promise<number>;
  /** R9.1: sets when the "deadline near" notice goes for the referral's deadline as it now stands. */
  scheduleDeadlineNotice(): Promise<void>;
  /** Temporal's `patched`: which branch a recorded run took. */
  patched(id: string): boolean;
}

export interface RunningCount {
  /** The instant the count starts from. */
  from: number;
  rule: WorkingDeadlineRequest['rule'];
  /** Where the deadline stands now. */
  current: number;
}

/** How a calendar change moves a working-day deadline: later, never earlier. */
export interface CalendarCount {
  running(s: LifecycleState): RunningCount | undefined;
  /** How many working days the running count has (the referral's depends on its step, R8.3). */
  workingDays(settings: RuleSettings, s: LifecycleState): number;
  /** Moves it to `later` in the state, and says what the read model records. */
  move(s: LifecycleState, later: number): ReadModelChanges;
  /** A count by an old rule, recounted instead of asked again; undefined when it is not one. */
  recount?(app: DeadlineHost): Promise<boolean> | undefined;
}

export interface Deadline {
  kind: DeadlineKind;
  /** When it fires, or undefined while it does not run. */
  at(x: Timing): number | undefined;
  /** What it does when it fires (a working-day deadline is first asked of the calendar again). */
  fire(app: DeadlineHost): void | Promise<void>;
  /** Counted in working days: a calendar change may move it. Absent: calendar time, never moved. */
  calendar?: CalendarCount;
}

/** R6.1: the reminder goes the region's days before the cycle ends, once, while unconfirmed. */
export const reminderAt = ({ s, filing, settings }: Timing): number | undefined =>
  s.confirmedCycle < s.cycle && s.remindedCycle < s.cycle ? cycleEnd(filing, s, settings) - days(settings.reconfirmationReminderDays) : undefined;

/** The table, in the order the rows win a tie and are asked of the calendar. */
export const DEADLINES: readonly Deadline[] = [
  {
    kind: 'reminder', // R6.1
    at: reminderAt,
    fire: (app) => {
      app.s.remindedCycle = app.s.cycle;
      return app.notify('reconfirmation_due', { reconfirmBy: iso(cycleEnd(app.filing, app.s, app.settings)) }, `reconfirmation_due:${app.s.cycle}`);
    },
  },
  {
    kind: 'reconfirmation', // R6.1: a confirmed cycle rolls over; an unconfirmed one removes the child
    at: ({ s, filing, settings }) => cycleEnd(filing, s, settings),
    fire: (app) => {
      if (app.s.confirmedCycle >= app.s.cycle) {
        app.s.cycle += 1;
        app.cycleEnded = true;
        return;
      }
      return app.remove('not_reconfirmed', SYSTEM);
    },
  },
  {
    kind: 'offerWindow', // R4.5
    at: ({ s }) => (s.status === 'turn_notified' ? s.offer?.windowEndsAt : undefined),
    fire: (app) => windowEnds(app),
    calendar: {
      // the offer day counts if it is a working day; R10: a calendar-day window is not counted in
      // working days, so a calendar change never moves it. Its length is the offer's own (the
      // region's setting when it was made; offers made before carry none).
      running: (s) =>
        s.status === 'turn_notified' && s.offer && s.offer.windowMode !== 'calendar'
          ? { from: s.offer.offeredAt, rule: 'window', current: s.offer.windowEndsAt }
          : undefined,
      workingDays: (settings, s) => s.offer?.windowDays ?? settings.choiceWindowWorkingDays,
      move: (s, later) => {
        s.offer!.windowEndsAt = later;
        return { offerWindowEndsAt: later };
      },
    },
  },
  {
    kind: 'deadlineNear', // R9.1: the morning of the referral's last working day
    at: ({ s }) => (s.status === 'referral_issued' ? s.referral?.deadlineNoticeAt : undefined),
    fire: (app) => {
      const referral = app.s.referral!;
      referral.deadlineNoticeAt = undefined;
      const deadline = referralDeadline(app.s)!;
      return app.notify('deadline_near', { kindergartenId: referral.kindergartenId, deadline: iso(deadline) }, `deadline_near:${referral.referralId}:${deadline}`);
    },
  },
  {
    kind: 'referral', // R5.2–R5.4
    at: ({ s }) => (s.status === 'referral_issued' ? referralDeadline(s) : undefined),
    fire: (app) => referralExpires(app),
    calendar: {
      // R8.3: the ПМПК count from issue while the examination is awaited, else the registration count
      // (from issue, or from the examination day). R5.5: the extension stays added on top.
      running: (s) => {
        const r = s.referral;
        if (s.status !== 'referral_issued' || !r) return undefined;
        if (awaitsExamination(s)) return { from: r.issuedAt, rule: 'after', current: r.examination!.dueAt };
        return { from: r.examination?.examinedAt ?? r.issuedAt, rule: 'after', current: r.baseDeadline };
      },
      workingDays: (settings, s) => (awaitsExamination(s) ? settings.pmpkExaminationWorkingDays : settings.referralWorkingDays),
      move: (s, later) => {
        const r = s.referral!;
        if (!awaitsExamination(s)) {
          r.baseDeadline = later;
          return { referralDeadline: referralDeadline(s) };
        }
        r.examination!.dueAt = later;
        return { referralDeadline: referralDeadline(s), examinationDueAt: referralDeadline(s) };
      },
    },
  },
  {
    kind: 'stopList', // R5.3
    at: ({ s }) => s.stopList?.until,
    fire: (app) => stopListEnds(app),
    calendar: {
      // counted after the day the referral expired (legacy ones by their own rule)
      running: (s) => (s.stopList ? { from: s.stopList.from, rule: s.stopList.counted ?? 'after', current: s.stopList.until } : undefined),
      workingDays: (settings) => settings.stopListWorkingDays,
      move: (s, later) => {
        s.stopList!.until = later;
        return { stopListUntil: later };
      },
      // R5.3: stop-lists started before the boundary fix ran one working day too long.
      recount: (app) => (!app.s.stopList!.counted && app.patched('stop-list-boundary-correction') ? correctStopList(app) : undefined),
    },
  },
];

export const deadline = (kind: DeadlineKind): Deadline => DEADLINES.find((d) => d.kind === kind)!;

/** The deadline the run sleeps until: the earliest running one (the earlier row on a tie). */
export function nextDeadline(x: Timing): { kind: DeadlineKind; at: number } {
  return DEADLINES.map((d) => ({ kind: d.kind, at: d.at(x) }))
    .filter((c): c is { kind: DeadlineKind; at: number } => c.at !== undefined)
    .reduce((a, b) => (b.at < a.at ? b : a));
}

/**
 * Asks the calendar again for the working-day deadline now running (at most one runs at a time:
 * an offer window, a referral or a stop-list) and moves it later if the calendar now says so —
 * never earlier. True when it moved.
 */
export async function moveByCalendar(app: DeadlineHost): Promise<boolean> {
  const { s, settings } = app;
  for (const { calendar } of DEADLINES) {
    const count = calendar?.running(s);
    if (!calendar || !count) continue;
    const recounted = calendar.recount?.(app);
    if (recounted) return recounted;
    const later = await app.workingDeadline(count.from, calendar.workingDays(settings, s), count.rule);
    if (later <= count.current) return false;
    await app.transition(s.status, 'deadline_moved', SYSTEM, calendar.move(s, later));
    if (s.referral) await app.scheduleDeadlineNotice();
    return true;
  }
  return false;
}

// ---- what the working-day deadlines do when they fire --------------------------------------------

/** R4.5: unchosen, the offer lapses; the child keeps their number in the queue. */
async function windowEnds(app: DeadlineHost): Promise<void> {
  app.s.offer = undefined;
  await app.transition('queued', 'offer_expired', SYSTEM, { offerWindowEndsAt: null });
}

/**
 * R5.2–R5.4, R8.2: not registered in time — or, R8.3, not examined at the ПМПК in time — the
 * referral is annulled; the second time, the child is removed.
 */
async function referralExpires(app: DeadlineHost): Promise<void> {
  const { s, settings } = app;
  const now = Date.now();
  const expiredAt = referralDeadline(s)!;
  const examined = s.referral?.examination ? { examinationDueAt: null } : {};
  await app.releaseReferral('annulled', now);
  s.referral = undefined;
  s.expiredReferrals += 1;
  if (s.expiredReferrals >= settings.expiredReferralsToRemove) {
    return app.remove('second_referral_expired', SYSTEM);
  }
  // R5.3: the annulment at 24:00 belongs to the day the referral expired; the stop-list's
  // working days start after it. Runs recorded before this fix counted from the next day.
  const stopList: Omit<StopList, 'until'> = app.patched('stop-list-counts-after-expiry-day')
    ? { from: expiredAt, counted: 'afterDeadline' }
    : { from: now };
  // R10: a region may run without a stop-list (0 working days).
  const until =
    settings.stopListWorkingDays > 0 ? await app.workingDeadline(stopList.from, settings.stopListWorkingDays, stopList.counted ?? 'after') : undefined;
  s.stopList = until === undefined ? undefined : { ...stopList, until };
  await app.transition('queued', 'referral_annulled', SYSTEM, {
    ...examined,
    referralDeadline: null,
    stopListUntil: until ?? null,
    expiredReferrals: s.expiredReferrals,
  });
  await app.notify('referral_annulled', until === undefined ? {} : { stopListUntil: iso(until) });
}

/** R5.3: the stop-list ends after its working days; a calendar change may move that later. */
async function stopListEnds(app: DeadlineHost): Promise<void> {
  app.s.stopList = undefined;
  await app.transition(app.s.status, 'stop_list_ended', SYSTEM, { stopListUntil: null });
  // R9.1: the stop-list end notice came after release; runs recorded before it send none.
  if (app.patched('stop-list-ended-notice')) await app.notify('stop_list_ended');
}

/**
 * R5.3: a stop-list started before the boundary fix counted from the date its annulment ran —
 * the day after the referral expired — and so ended one working day late. It is counted again
 * from the first working day after the day the referral expired (a deliberate correction, in
 * the family's favour; calendar changes still only ever move a deadline later). Its `from` was
 * the annulment's instant, on the morning after the 24:00 that fired: that 24:00 is the start of
 * `from`'s Almaty day.
 */
async function correctStopList(app: DeadlineHost): Promise<boolean> {
  const stopList = app.s.stopList!;
  const expiredAt = startOfAlmatyDay(almatyDate(stopList.from));
  const until = await app.workingDeadline(expiredAt, app.settings.stopListWorkingDays, 'afterDeadline');
  app.s.stopList = { from: expiredAt, until, counted: 'afterDeadline' };
  if (until === stopList.until) return false;
  await app.transition(app.s.status, 'stop_list_corrected', SYSTEM, { stopListUntil: until }, {
    from: iso(stopList.until),
    to: iso(until),
  });
  return true;
}
