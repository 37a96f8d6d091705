// The application's rules and deadline table as pure functions: no Temporal server, no database.
import type { ApplicationFiling, LifecycleState } from '../../contracts/application';
import { days, hours } from '../../domain/almaty-time';
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from '../../domain/rule-settings';
import { WORKING_DAY_DEADLINES } from '../../workflows/application.deadlines';
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

  it('R6.2 R7.1 a category change must change something; only the referral’s kindergarten registers the arrival', () => {
    expect(outcome(() => rules.guardChangeCategory(at(queued()), { ...req, benefitCategory: 'none' }))).toBe('NOTHING_TO_CHANGE');
    const holding = queued({ status: 'referral_issued', referral });
    expect(outcome(() => rules.guardRegisterArrival(at(holding), { ...req, kindergartenId: 3 }))).toBe('allowed');
    expect(outcome(() => rules.guardRegisterArrival(at(holding), { ...req, kindergartenId: 4 }))).toBe('WRONG_KINDERGARTEN');
  });
});

describe('the working-day deadline table, a row each', () => {
  const row = (kind: string) => WORKING_DAY_DEADLINES.find((d) => d.kind === kind)!;

  it('R4.5 the choice window runs while an offer is open, counted with the offer day, and moves in state and read model', () => {
    const s = queued({ status: 'turn_notified', offer: { offerId: 'w', placeIds: [7], offeredAt: NOW, windowEndsAt: NOW + days(2) } });
    expect(row('offerWindow').running(queued())).toBeUndefined();
    expect(row('offerWindow').running(s)).toEqual({ from: NOW, rule: 'window', current: NOW + days(2) });
    expect(row('offerWindow').workingDays(settings)).toBe(3);
    expect(row('offerWindow').move(s, NOW + days(3))).toEqual({ offerWindowEndsAt: NOW + days(3) });
    expect(s.offer!.windowEndsAt).toBe(NOW + days(3));
  });

  it('R5.2 R5.5 the referral deadline runs while a referral is held; a move keeps the extension on top', () => {
    const s = queued({ status: 'referral_issued', referral: { ...referral, extensionDays: 10 } });
    expect(row('referral').running(s)).toEqual({ from: NOW, rule: 'after', current: NOW + days(7) });
    expect(row('referral').workingDays(settings)).toBe(5);
    expect(row('referral').move(s, NOW + days(8))).toEqual({ referralDeadline: NOW + days(18) });
  });

  it('R5.3 the stop-list runs while it lasts, by the rule it was counted with', () => {
    const counted = queued({ stopList: { from: NOW, until: NOW + days(14), counted: 'afterDeadline' } });
    expect(row('stopList').running(counted)).toEqual({ from: NOW, rule: 'afterDeadline', current: NOW + days(14) });
    expect(row('stopList').running(queued({ stopList: { from: NOW, until: NOW + days(15) } }))?.rule).toBe('after');
    expect(row('stopList').workingDays(settings)).toBe(10);
    expect(row('stopList').move(counted, NOW + days(15))).toEqual({ stopListUntil: NOW + days(15) });
  });

  it('asks them in order: window, referral, stop-list', () => {
    expect(WORKING_DAY_DEADLINES.map((d) => d.kind)).toEqual(['offerWindow', 'referral', 'stopList']);
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
