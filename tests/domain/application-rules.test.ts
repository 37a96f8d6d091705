// The application's rules and deadline table as pure functions: no Temporal server, no database.
import type { ApplicationFiling, LifecycleState } from '../../contracts/application';
import { days, hours } from '../../domain/almaty-time';
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from '../../domain/rule-settings';
import { DEADLINES, deadline, moveByCalendar, nextDeadline, type DeadlineHost } from '../../workflows/application.deadlines';
import * as rules from '../../workflows/application.guards';
import { projectState } from '../../workflows/application.state';

const NOW = Date.parse('2027-04-05T09:00:00+05:00');
const settings: RuleSettings = { ...DEFAULT_RULE_SETTINGS, numberPrefix: '75' };
const filing: ApplicationFiling = {
  number: '75.UO.2027.000001.1',
  regionCode: 'almaty',
  queueType: 'general',
  childIin: '230101500001',
  childBirthDate: '2023-01-01',
  applicantIin: '900101400001',
  benefitCategory: 'none',
  groupYear: 2023,
  language: 'ru',
  contacts: { email: 'a@example.kz', phone: '+77010000000' },
  registeredAt: Date.parse('2026-05-01T10:00:00+05:00'),
};
const queued = (over: Partial<LifecycleState> = {}): LifecycleState => ({
  status: 'queued',
  statusCause: 'filed',
  benefitCategory: 'none',
  cycle: 1,
  confirmedCycle: 0,
  remindedCycle: 0,
  expiredReferrals: 0,
  seq: 1,
  appliedRequestIds: [],
  ...over,
});
const at = (s: LifecycleState, now = NOW): rules.Situation => ({ s, filing, settings, filingOutcome: 'filed', now });
const req = { requestId: 'r', actorIin: filing.applicantIin };
const referral = { referralId: 1, placeId: 7, kindergartenId: 3, issuedAt: NOW, baseDeadline: NOW + days(7), extensionDays: 0 };

/** The refusal's type, or 'allowed'. */
function outcome(run: () => void): string {
  try {
    run();
    return 'allowed';
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
}

describe('the rules of an action, as pure functions', () => {
  it('R6.2 a closed application takes no action; one still being filed waits', () => {
    expect(outcome(() => rules.guardActive(at(queued({ status: 'removed' }))))).toBe('APPLICATION_CLOSED');
    expect(outcome(() => rules.guardActive({ ...at(queued({ status: 'removed' })), filingOutcome: 'pending' }))).toBe('allowed');
  });

  it('R6.1 interest is confirmed once a cycle, and the refusal names the next anniversary', () => {
    expect(outcome(() => rules.guardConfirmInterest(at(queued())))).toBe('allowed');
    const confirmed = queued({ confirmedCycle: 1 });
    expect(outcome(() => rules.guardConfirmInterest(at(confirmed)))).toBe('ALREADY_CONFIRMED');
    expect(rules.nextReconfirmationDue(filing, confirmed, settings)).toBe(Date.parse('2028-05-02T00:00:00+05:00'));
  });

  it('R4.6 R5.3 R4.5 choosing: refused on the stop-list, with a referral, after the window, under age', () => {
    const choose = { ...req, placeId: 7 };
    expect(outcome(() => rules.guardChoose(at(queued({ stopList: { from: NOW, until: NOW + days(14) } })), choose))).toBe('ON_STOP_LIST');
    expect(outcome(() => rules.guardChoose(at(queued({ status: 'referral_issued', referral })), choose))).toBe('NOT_ELIGIBLE');
    const offered = queued({ status: 'turn_notified', offer: { offerId: 'w', placeIds: [7], offeredAt: NOW, windowEndsAt: NOW + days(2) } });
    expect(outcome(() => rules.guardChoose(at(offered), choose))).toBe('allowed');
    expect(outcome(() => rules.guardChoose(at(offered, NOW + days(2)), choose))).toBe('WINDOW_CLOSED');
    const young = { ...at(offered), filing: { ...filing, childBirthDate: '2025-06-01' } };
    expect(outcome(() => rules.guardChoose(young, choose))).toBe('NOT_ELIGIBLE');
  });

  it('R4.5 a place outside the offer: the window closed, no offer, or not offered', () => {
    const choose = { ...req, placeId: 9 };
    expect(outcome(() => rules.refuseNotOffered(queued({ statusCause: 'offer_expired' }), choose))).toBe('WINDOW_CLOSED');
    expect(outcome(() => rules.refuseNotOffered(queued(), choose))).toBe('NO_OPEN_OFFER');
    expect(outcome(() => rules.refuseNotOffered(queued({ status: 'turn_notified' }), choose))).toBe('PLACE_NOT_OFFERED');
  });

  it('R5.5 an extension: once, 1 to 30 days, only with a referral', () => {
    const holding = queued({ status: 'referral_issued', referral });
    expect(outcome(() => rules.guardExtend(at(holding), { ...req, days: 30 }))).toBe('allowed');
    expect(outcome(() => rules.guardExtend(at(holding), { ...req, days: 31 }))).toBe('INVALID_EXTENSION');
    expect(outcome(() => rules.guardExtend(at(holding), { ...req, days: 0 }))).toBe('INVALID_EXTENSION');
    expect(outcome(() => rules.guardExtend(at(queued({ status: 'referral_issued', referral: { ...referral, extensionDays: 5 } })), { ...req, days: 1 }))).toBe('EXTENSION_USED');
    expect(outcome(() => rules.guardExtend(at(queued()), { ...req, days: 1 }))).toBe('NO_ACTIVE_REFERRAL');
  });

  it('R5.6 a withdrawal within 24 hours of issue, not later', () => {
    const holding = queued({ status: 'referral_issued', referral });
    expect(outcome(() => rules.guardWithdraw(at(holding, NOW + hours(24))))).toBe('allowed');
    expect(outcome(() => rules.guardWithdraw(at(holding, NOW + hours(24) + 1)))).toBe('WITHDRAWAL_WINDOW_PASSED');
  });

  it('R8.3 an examination is recorded once, for a correctional referral, before its deadline; "other category" names a new category; no registration before it', () => {
    const correctional = { ...filing, queueType: 'correctional' as const, needCategory: 'speech' };
    const awaiting = queued({ status: 'referral_issued', referral: { ...referral, examination: { dueAt: NOW + days(5) } } });
    const x = (s: LifecycleState, now = NOW): rules.Situation => ({ ...at(s, now), filing: correctional });
    const exam = (conclusion: 'confirmed' | 'other_category' | 'not_needed', needCategory?: string) => ({ ...req, conclusion, district: 'Алмалинский', needCategory });
    expect(outcome(() => rules.guardRecordExamination(x(awaiting), exam('confirmed')))).toBe('allowed');
    expect(outcome(() => rules.guardRecordExamination(x(awaiting), exam('other_category', 'hearing')))).toBe('allowed');
    expect(outcome(() => rules.guardRecordExamination(x(awaiting), exam('other_category')))).toBe('INVALID_EXAMINATION');
    expect(outcome(() => rules.guardRecordExamination(x(awaiting), exam('other_category', 'speech')))).toBe('NOTHING_TO_CHANGE');
    expect(outcome(() => rules.guardRecordExamination(x(awaiting, NOW + days(5)), exam('confirmed')))).toBe('EXAMINATION_DEADLINE_PASSED');
    expect(outcome(() => rules.guardRecordExamination(at(awaiting), exam('confirmed')))).toBe('NO_EXAMINATION_PENDING');
    const examined = queued({ status: 'referral_issued', referral: { ...referral, examination: { dueAt: NOW + days(5), examinedAt: NOW } } });
    expect(outcome(() => rules.guardRecordExamination(x(examined), exam('confirmed')))).toBe('NO_EXAMINATION_PENDING');
    expect(outcome(() => rules.guardRegisterArrival(x(awaiting), { ...req, kindergartenId: 3 }))).toBe('EXAMINATION_PENDING');
    expect(outcome(() => rules.guardRegisterArrival(x(examined), { ...req, kindergartenId: 3 }))).toBe('allowed');
  });

  it('R6.2 R7.1 a category change must change something; only the referral’s kindergarten registers the arrival', () => {
    expect(outcome(() => rules.guardChangeCategory(at(queued()), { ...req, benefitCategory: 'none' }))).toBe('NOTHING_TO_CHANGE');
    const holding = queued({ status: 'referral_issued', referral });
    expect(outcome(() => rules.guardRegisterArrival(at(holding), { ...req, kindergartenId: 3 }))).toBe('allowed');
    expect(outcome(() => rules.guardRegisterArrival(at(holding), { ...req, kindergartenId: 4 }))).toBe('WRONG_KINDERGARTEN');
  });
});

/** A lifecycle that records the steps a deadline takes, instead of taking them. */
function host(s: LifecycleState, { patched = true, calendarSays }: { patched?: boolean; calendarSays?: number } = {}) {
  const steps: unknown[][] = [];
  const app: DeadlineHost = {
    s,
    filing,
    settings,
    cycleEnded: false,
    transition: async (...args) => {
      steps.push(['transition', ...args]);
      s.status = args[0];
    },
    notify: async (...args) => void steps.push(['notify', ...args]),
    remove: async (...args) => void steps.push(['remove', ...args]),
    releaseReferral: async (...args) => void steps.push(['releaseReferral', ...args]),
    workingDeadline: async (...args) => {
      steps.push(['workingDeadline', ...args]);
      return calendarSays ?? args[0];
    },
    patched: (id) => {
      steps.push(['patched', id]);
      return patched;
    },
    scheduleDeadlineNotice: async () => void steps.push(['scheduleDeadlineNotice']),
  };
  return { app, steps };
}
const timing = (s: LifecycleState) => ({ s, filing, settings });
const cycleEnds = Date.parse('2027-05-02T00:00:00+05:00');

describe('the deadline table, a row each: when it fires, what it does, how a calendar change moves it', () => {
  const row = deadline;
  afterEach(() => jest.restoreAllMocks());

  it('R6.1 the reminder fires the region’s days before the cycle ends, once, while unconfirmed; calendar days', async () => {
    expect(row('reminder').at(timing(queued()))).toBe(cycleEnds - days(30));
    expect(row('reminder').at(timing(queued({ confirmedCycle: 1 })))).toBeUndefined();
    expect(row('reminder').at(timing(queued({ remindedCycle: 1 })))).toBeUndefined();
    const { app, steps } = host(queued());
    await row('reminder').fire(app);
    expect(app.s.remindedCycle).toBe(1);
    expect(steps).toEqual([['notify', 'reconfirmation_due', { reconfirmBy: new Date(cycleEnds).toISOString() }, 'reconfirmation_due:1']]);
    expect(row('reminder').calendar).toBeUndefined();
  });

  it('R6.1 the reconfirmation fires at the cycle’s end: a confirmed cycle rolls over, an unconfirmed one removes; calendar days', async () => {
    expect(row('reconfirmation').at(timing(queued()))).toBe(cycleEnds);
    const confirmed = host(queued({ confirmedCycle: 1 }));
    await row('reconfirmation').fire(confirmed.app);
    expect([confirmed.app.s.cycle, confirmed.app.cycleEnded, confirmed.steps]).toEqual([2, true, []]);
    const unconfirmed = host(queued());
    await row('reconfirmation').fire(unconfirmed.app);
    expect(unconfirmed.steps).toEqual([['remove', 'not_reconfirmed', 'system']]);
    expect(row('reconfirmation').calendar).toBeUndefined();
  });

  it('R4.5 the choice window fires while an offer is open and lapses it; counted with the offer day, it moves in state and read model', async () => {
    const s = queued({ status: 'turn_notified', offer: { offerId: 'w', placeIds: [7], offeredAt: NOW, windowEndsAt: NOW + days(2) } });
    expect(row('offerWindow').at(timing(queued()))).toBeUndefined();
    expect(row('offerWindow').at(timing(s))).toBe(NOW + days(2));
    const calendar = row('offerWindow').calendar!;
    expect(calendar.running(queued())).toBeUndefined();
    expect(calendar.running(s)).toEqual({ from: NOW, rule: 'window', current: NOW + days(2) });
    expect(calendar.workingDays(settings, s)).toBe(3);
    expect(calendar.move(s, NOW + days(3))).toEqual({ offerWindowEndsAt: NOW + days(3) });
    expect(s.offer!.windowEndsAt).toBe(NOW + days(3));
    const { app, steps } = host(s);
    await row('offerWindow').fire(app);
    expect(app.s.offer).toBeUndefined();
    expect(steps).toEqual([['transition', 'queued', 'offer_expired', 'system', { offerWindowEndsAt: null }]]);
  });

  it('R9.1 the "deadline near" notice fires at the morning it was set for, once per deadline; a calendar move sets it again', async () => {
    const morning = NOW + days(6) + hours(4);
    const s = queued({ status: 'referral_issued', referral: { ...referral, deadlineNoticeAt: morning } });
    expect(row('deadlineNear').at(timing(s))).toBe(morning);
    expect(row('deadlineNear').at(timing(queued({ status: 'referral_issued', referral })))).toBeUndefined();
    expect(row('deadlineNear').at(timing(queued({ referral: { ...referral, deadlineNoticeAt: morning } })))).toBeUndefined();
    const { app, steps } = host(s);
    await row('deadlineNear').fire(app);
    expect(app.s.referral!.deadlineNoticeAt).toBeUndefined();
    expect(row('deadlineNear').at(timing(app.s))).toBeUndefined();
    expect(steps).toEqual([['notify', 'deadline_near', { kindergartenId: 3, deadline: new Date(NOW + days(7)).toISOString() }, `deadline_near:${referral.referralId}:${NOW + days(7)}`]]);
    expect(row('deadlineNear').calendar).toBeUndefined();
  });

  it('R5.2–R5.5 the referral fires at its deadline with the extension: annulled, then a stop-list; the second time, removed; a move keeps the extension on top', async () => {
    const s = queued({ status: 'referral_issued', referral: { ...referral, extensionDays: 10 } });
    expect(row('referral').at(timing(s))).toBe(NOW + days(17));
    expect(row('referral').at(timing(queued({ referral })))).toBeUndefined();
    const calendar = row('referral').calendar!;
    expect(calendar.running(s)).toEqual({ from: NOW, rule: 'after', current: NOW + days(7) });
    expect(calendar.workingDays(settings, s)).toBe(5);
    expect(calendar.move(s, NOW + days(8))).toEqual({ referralDeadline: NOW + days(18) });

    const expired = NOW + days(7);
    jest.spyOn(Date, 'now').mockReturnValue(expired + hours(1));
    const first = host(queued({ status: 'referral_issued', referral }), { calendarSays: expired + days(14) });
    await row('referral').fire(first.app);
    expect(first.steps).toEqual([
      ['releaseReferral', 'annulled', expired + hours(1)],
      ['patched', 'stop-list-counts-after-expiry-day'],
      ['workingDeadline', expired, 10, 'afterDeadline'],
      ['transition', 'queued', 'referral_annulled', 'system', { referralDeadline: null, stopListUntil: expired + days(14), expiredReferrals: 1 }],
      ['notify', 'referral_annulled', { stopListUntil: new Date(expired + days(14)).toISOString() }],
    ]);
    expect(first.app.s.stopList).toEqual({ from: expired, until: expired + days(14), counted: 'afterDeadline' });

    const legacy = host(queued({ status: 'referral_issued', referral }), { patched: false });
    await row('referral').fire(legacy.app);
    expect(legacy.steps[2]).toEqual(['workingDeadline', expired + hours(1), 10, 'after']);

    const second = host(queued({ status: 'referral_issued', referral, expiredReferrals: 1 }));
    await row('referral').fire(second.app);
    expect(second.steps).toEqual([['releaseReferral', 'annulled', expired + hours(1)], ['remove', 'second_referral_expired', 'system']]);
  });

  it('R5.3 the stop-list fires when it ends (with a notice since it was added); counted by its own rule, an old count is recounted', async () => {
    const counted = queued({ stopList: { from: NOW, until: NOW + days(14), counted: 'afterDeadline' } });
    expect(row('stopList').at(timing(counted))).toBe(NOW + days(14));
    expect(row('stopList').at(timing(queued()))).toBeUndefined();
    const calendar = row('stopList').calendar!;
    expect(calendar.running(counted)).toEqual({ from: NOW, rule: 'afterDeadline', current: NOW + days(14) });
    expect(calendar.running(queued({ stopList: { from: NOW, until: NOW + days(15) } }))?.rule).toBe('after');
    expect(calendar.workingDays(settings, counted)).toBe(10);
    expect(calendar.recount!(host(counted).app)).toBeUndefined();
    expect(calendar.move(counted, NOW + days(15))).toEqual({ stopListUntil: NOW + days(15) });

    const { app, steps } = host(counted);
    await row('stopList').fire(app);
    expect(app.s.stopList).toBeUndefined();
    expect(steps).toEqual([
      ['transition', 'queued', 'stop_list_ended', 'system', { stopListUntil: null }],
      ['patched', 'stop-list-ended-notice'],
      ['notify', 'stop_list_ended'],
    ]);
    const before = host(queued({ stopList: { from: NOW, until: NOW + days(14), counted: 'afterDeadline' } }), { patched: false });
    await row('stopList').fire(before.app);
    expect(before.steps.map((step) => step[0])).toEqual(['transition', 'patched']);

    // an old count ran from the annulment's morning: recounted from the 24:00 before it
    const old = host(queued({ stopList: { from: NOW, until: NOW + days(15) } }), { calendarSays: NOW + days(14) });
    expect(await calendar.recount!(old.app)).toBe(true);
    const midnight = Date.parse('2027-04-05T00:00:00+05:00');
    expect(old.app.s.stopList).toEqual({ from: midnight, until: NOW + days(14), counted: 'afterDeadline' });
    expect(old.steps.slice(1, 3)).toEqual([
      ['workingDeadline', midnight, 10, 'afterDeadline'],
      ['transition', 'queued', 'stop_list_corrected', 'system', { stopListUntil: NOW + days(14) }, { from: new Date(NOW + days(15)).toISOString(), to: new Date(NOW + days(14)).toISOString() }],
    ]);
  });

  it('R8.3 R8.4 a correctional referral runs the ПМПК count until examined, then the registration count; the extension moves the one running when asked', () => {
    const calendar = row('referral').calendar!;
    const awaiting = queued({ status: 'referral_issued', referral: { ...referral, baseDeadline: NOW + days(5), examination: { dueAt: NOW + days(5) } } });
    expect(rules.referralDeadline(awaiting)).toBe(NOW + days(5));
    expect(rules.examinationDueAt(awaiting)).toBe(NOW + days(5));
    expect(calendar.running(awaiting)).toEqual({ from: NOW, rule: 'after', current: NOW + days(5) });
    expect(calendar.workingDays(settings, awaiting)).toBe(3);
    expect(calendar.move(awaiting, NOW + days(6))).toEqual({ referralDeadline: NOW + days(6), examinationDueAt: NOW + days(6) });

    const examinedAt = NOW + days(2);
    const examined = { dueAt: NOW + days(5), examinedAt, conclusion: 'confirmed' as const };
    const registering = queued({ status: 'referral_issued', referral: { ...referral, baseDeadline: NOW + days(9), examination: examined } });
    expect(rules.referralDeadline(registering)).toBe(NOW + days(9));
    expect(rules.examinationDueAt(registering)).toBeUndefined();
    expect(calendar.running(registering)).toEqual({ from: examinedAt, rule: 'after', current: NOW + days(9) });
    expect(calendar.workingDays(settings, registering)).toBe(5);

    // Extended before the examination: the examination's deadline moved, the registration's not.
    const before = { ...referral, extensionDays: 10, extendedDeadline: 'examination' as const };
    expect(rules.referralDeadline(queued({ referral: { ...before, examination: { dueAt: NOW + days(5) } } }))).toBe(NOW + days(15));
    expect(rules.referralDeadline(queued({ referral: { ...before, baseDeadline: NOW + days(9), examination: examined } }))).toBe(NOW + days(9));
    // Extended after it: the registration's.
    const after = { ...referral, baseDeadline: NOW + days(9), extensionDays: 10, extendedDeadline: 'registration' as const, examination: examined };
    expect(rules.referralDeadline(queued({ referral: after }))).toBe(NOW + days(19));
  });

  it('every kind has a row; ties go to the earlier row, and the working-day ones are asked in order: window, referral, stop-list', () => {
    expect(DEADLINES.map((d) => d.kind)).toEqual(['reminder', 'reconfirmation', 'offerWindow', 'deadlineNear', 'referral', 'stopList']);
    expect(DEADLINES.filter((d) => d.calendar).map((d) => d.kind)).toEqual(['offerWindow', 'referral', 'stopList']);
    expect(nextDeadline(timing(queued()))).toEqual({ kind: 'reminder', at: cycleEnds - days(30) });
    const stopList = queued({ remindedCycle: 1, stopList: { from: NOW, until: cycleEnds, counted: 'afterDeadline' } });
    expect(nextDeadline(timing(stopList))).toEqual({ kind: 'reconfirmation', at: cycleEnds });
  });

  it('a calendar change moves the running working-day deadline later, never earlier', async () => {
    const s = () => queued({ status: 'referral_issued', referral: { ...referral } });
    const later = host(s(), { calendarSays: NOW + days(8) });
    expect(await moveByCalendar(later.app)).toBe(true);
    expect(later.steps).toEqual([
      ['workingDeadline', NOW, 5, 'after'],
      ['transition', 'referral_issued', 'deadline_moved', 'system', { referralDeadline: NOW + days(8) }],
      ['scheduleDeadlineNotice'],
    ]);
    const earlier = host(s(), { calendarSays: NOW + days(6) });
    expect(await moveByCalendar(earlier.app)).toBe(false);
    expect(earlier.app.s.referral!.baseDeadline).toBe(NOW + days(7));
    expect(await moveByCalendar(host(queued()).app)).toBe(false);
  });
});

describe('R3.3 the state the query answers', () => {
  it('R6.1 shows the reminder only while the cycle is unconfirmed, and the next anniversary once it is', () => {
    const open = projectState(at(queued()));
    expect(open.deadlines).toEqual({ reconfirmBy: '2027-05-01T19:00:00.000Z', reconfirmationReminderAt: '2027-04-01T19:00:00.000Z' });
    expect(projectState(at(queued({ confirmedCycle: 1 }))).deadlines).toEqual({ reconfirmBy: '2028-05-01T19:00:00.000Z' });
  });

  it('R5.2 R5.6 shows a referral’s deadline and withdrawal limit while it runs, and no deadline once the application has ended', () => {
    const holding = projectState(at(queued({ status: 'referral_issued', referral: { ...referral, extensionDays: 3 } })));
    expect(holding.deadlines).toMatchObject({ referralDeadline: new Date(NOW + days(10)).toISOString(), withdrawableUntil: new Date(NOW + hours(24)).toISOString() });
    expect(holding.referral).toEqual({ placeId: 7, kindergartenId: 3, issuedAt: new Date(NOW).toISOString(), extended: true });
    expect(projectState(at(queued({ status: 'enrolled' }))).deadlines).toEqual({});
  });
});
