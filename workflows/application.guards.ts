/**
 * The rules an action must pass (R4.6, R5.3–R5.6, R6.1, R6.2, R7.1), as pure functions of the
 * application's situation: the update validators and the handlers under the lock run the same ones,
 * and unit tests run them without a Temporal server.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ApplicationFiling, ChangeBenefitCategoryRequest, ConfirmBenefitRequest, ChangeNeedCategoryRequest, ChooseKindergartenRequest, ExtendReferralRequest, LifecycleState, RecordExaminationRequest, Referral, RegisterArrivalRequest } from '../contracts/application';
import { hasFullYears } from '../domain/age';
import { addDays, almatyDate, days, hours, reconfirmationDeadline, startOfAlmatyDay } from '../domain/almaty-time';
import { DOMAIN_ERRORS, type DomainError } from '../domain/errors';
import { iso } from '../domain/iso';
import type { RuleSettings } from '../domain/rule-settings';
import { ACTIVE_STATUSES } from '../domain/statuses';

/** Refuses an action with a typed failure that the API turns into a problem `code`. */
export function refuse(type: DomainError, message: string, details?: Record<string, unknown>): never {
  throw ApplicationFailure.create({ type, message, details: details ? [details] : undefined, nonRetryable: true });
}

export type FilingOutcome = 'pending' | 'filed' | { rejected: string; existingNumber?: string };

/** What the rules look at: the state, the filing, the region's settings (once read), and now. */
export interface Situation {
  s: LifecycleState;
  filing: ApplicationFiling;
  /** Undefined only in a validator that runs before the run has read them. */
  settings?: RuleSettings;
  filingOutcome: FilingOutcome;
  now: number;
}

// ---- derived values ---------------------------------------------------------------------------

export const isActive = (x: Pick<Situation, 's' | 'filingOutcome'>): boolean => x.filingOutcome === 'filed' && ACTIVE_STATUSES.includes(x.s.status);

/** R6.1: the end of the running reconfirmation cycle. */
export const cycleEnd = (filing: ApplicationFiling, s: LifecycleState, settings: RuleSettings): number =>
  reconfirmationDeadline(filing.registeredAt, s.cycle, settings.reconfirmationMonths);

/** R6.1: when the applicant must next confirm: this cycle's anniversary, or the next one once confirmed. */
export const nextReconfirmationDue = (filing: ApplicationFiling, s: LifecycleState, settings: RuleSettings): number =>
  s.confirmedCycle >= s.cycle ? reconfirmationDeadline(filing.registeredAt, s.cycle + 1, settings.reconfirmationMonths) : cycleEnd(filing, s, settings);

/** R8.3: whether the referral is a correctional one still waiting for its ПМПК examination. */
export const awaitsExamination = (s: LifecycleState): boolean => Boolean(s.referral?.examination && s.referral.examination.examinedAt === undefined);

/** R5.5, R8.4: the extension's days if it moved this deadline (absent `extendedDeadline`: the registration's). */
const extensionOf = (r: Referral, which: NonNullable<Referral['extendedDeadline']>): number =>
  (r.extendedDeadline ?? 'registration') === which ? days(r.extensionDays) : 0;

/**
 * R5.2, R5.5, R8.3, R8.4: the referral's running deadline with its extension — the ПМПК
 * examination's while it is awaited, else the registration's (after a confirmed examination,
 * counted from the examination day).
 */
export const referralDeadline = (s: LifecycleState): number | undefined => {
  const r = s.referral;
  if (!r) return undefined;
  return awaitsExamination(s) ? r.examination!.dueAt + extensionOf(r, 'examination') : r.baseDeadline + extensionOf(r, 'registration');
};

/** R8.3: the examination's deadline while it is awaited (the running deadline then); else undefined. */
export const examinationDueAt = (s: LifecycleState): number | undefined => (awaitsExamination(s) ? referralDeadline(s) : undefined);

/** R5.6 */
export const withdrawableUntil = (s: LifecycleState, settings: RuleSettings): number | undefined => s.referral && s.referral.issuedAt + hours(settings.withdrawalHours);

/** Whether the place is one of this application's own open offer (else it is a free choice, R4.5). */
export const choosesFromOffer = (s: LifecycleState, req: ChooseKindergartenRequest): boolean =>
  s.status === 'turn_notified' && Boolean(s.offer?.placeIds.includes(req.placeId));

// ---- guards -----------------------------------------------------------------------------------

export function guardActive(x: Situation): void {
  if (x.filingOutcome === 'pending') return; // the handler waits for it and checks again
  if (!isActive(x)) refuse(DOMAIN_ERRORS.APPLICATION_CLOSED, `the application is ${x.s.status}`);
}

/** R6.1 */
export function guardConfirmInterest(x: Situation): void {
  guardActive(x);
  if (x.settings && x.s.confirmedCycle >= x.s.cycle) {
    const next = iso(nextReconfirmationDue(x.filing, x.s, x.settings));
    refuse(DOMAIN_ERRORS.ALREADY_CONFIRMED, `interest is already confirmed; the next confirmation is due by ${next}`, { reconfirmBy: next });
  }
}

/** R4.6, R5.3, R4.5 */
export function guardChoose(x: Situation, req: ChooseKindergartenRequest): void {
  guardActive(x);
  const { s } = x;
  if (s.stopList) refuse(DOMAIN_ERRORS.ON_STOP_LIST, `on the stop-list until ${iso(s.stopList.until)}`, { stopListUntil: iso(s.stopList.until) });
  if (s.status === 'referral_issued') refuse(DOMAIN_ERRORS.NOT_ELIGIBLE, 'the application already holds a referral', { reason: 'holds_referral' });
  if (choosesFromOffer(s, req) && x.now >= s.offer!.windowEndsAt) refuse(DOMAIN_ERRORS.WINDOW_CLOSED, 'the choice window has closed');
  if (x.settings && !hasFullYears(x.filing.childBirthDate, x.settings.minimumAgeYears, x.now)) {
    refuse(DOMAIN_ERRORS.NOT_ELIGIBLE, `the child must be at least ${x.settings.minimumAgeYears} full years old`, { reason: 'under_age' });
  }
}

/** Why a place outside the application's own offer, and not in free choice, cannot be taken. */
export function refuseNotOffered(s: LifecycleState, req: ChooseKindergartenRequest): never {
  if (s.status === 'queued' && s.statusCause === 'offer_expired') refuse(DOMAIN_ERRORS.WINDOW_CLOSED, 'the choice window has closed');
  if (s.status === 'queued') refuse(DOMAIN_ERRORS.NO_OPEN_OFFER, 'no places are offered to this application now');
  refuse(DOMAIN_ERRORS.PLACE_NOT_OFFERED, `place ${req.placeId} is not offered to this application`);
}

export function guardReferral(x: Situation): void {
  guardActive(x);
  if (x.s.status !== 'referral_issued' || !x.s.referral) refuse(DOMAIN_ERRORS.NO_ACTIVE_REFERRAL, 'the application holds no referral');
}

/** R5.5: once, by 1 to the region's maximum of calendar days. */
export function guardExtend(x: Situation, req: ExtendReferralRequest): void {
  guardReferral(x);
  if (x.s.referral!.extensionDays > 0) refuse(DOMAIN_ERRORS.EXTENSION_USED, 'the referral has already been extended once');
  const max = x.settings?.extensionMaxDays ?? Infinity;
  if (!Number.isInteger(req.days) || req.days < 1 || req.days > max) refuse(DOMAIN_ERRORS.INVALID_EXTENSION, `an extension is 1 to ${max} calendar days`);
}

/** R5.6: within the region's hours of issue. */
export function guardWithdraw(x: Situation): void {
  guardReferral(x);
  const until = x.settings && withdrawableUntil(x.s, x.settings);
  if (until !== undefined && x.now > until) {
    refuse(DOMAIN_ERRORS.WITHDRAWAL_WINDOW_PASSED, `a referral can be withdrawn until ${iso(until)}`, { withdrawableUntil: iso(until) });
  }
}

/** R6.2 */
export function guardChangeCategory(x: Situation, req: ChangeBenefitCategoryRequest): void {
  guardActive(x);
  if (req.benefitCategory === x.s.benefitCategory) refuse(DOMAIN_ERRORS.NOTHING_TO_CHANGE, 'the category is already that');
}

/** R7.1: only staff of the referral's kindergarten; R8.3: a correctional referral only after its examination. */
export function guardRegisterArrival(x: Situation, req: RegisterArrivalRequest): void {
  guardReferral(x);
  if (x.s.referral!.kindergartenId !== req.kindergartenId) refuse(DOMAIN_ERRORS.WRONG_KINDERGARTEN, 'the referral is to another kindergarten');
  if (awaitsExamination(x.s)) {
    const dueAt = iso(referralDeadline(x.s)!);
    refuse(DOMAIN_ERRORS.EXAMINATION_PENDING, `the child must first be examined at the ПМПК, by ${dueAt}`, { examinationDueAt: dueAt });
  }
  // R5.7, R10.2: a benefit referral only once its benefit is confirmed.
  if (awaitsBenefit(x.s)) {
    const by = x.s.referral!.benefit!.by;
    refuse(DOMAIN_ERRORS.BENEFIT_NOT_CONFIRMED, `the benefit must first be confirmed by ${by === 'at_enrolment' ? 'the kindergarten' : 'the region’s operator'}`, { confirmedBy: by });
  }
}

/**
 * R8.3: ПМПК staff record the examination once, while the correctional referral awaits it and
 * before its deadline; `other_category` names the category found, which must differ from the
 * application's.
 */
export function guardRecordExamination(x: Situation, req: RecordExaminationRequest): void {
  guardActive(x);
  const { s } = x;
  if (x.filing.queueType !== 'correctional' || s.status !== 'referral_issued' || !awaitsExamination(s)) {
    refuse(DOMAIN_ERRORS.NO_EXAMINATION_PENDING, 'the application holds no correctional referral awaiting a ПМПК examination');
  }
  const deadline = referralDeadline(s)!;
  if (x.now >= deadline) refuse(DOMAIN_ERRORS.EXAMINATION_DEADLINE_PASSED, `the examination was due by ${iso(deadline)}`, { examinationDueAt: iso(deadline) });
  if (req.conclusion === 'other_category') {
    if (!req.needCategory) refuse(DOMAIN_ERRORS.INVALID_EXAMINATION, 'an "other category" conclusion names the category of need found');
    if (req.needCategory === currentNeedCategory(x)) refuse(DOMAIN_ERRORS.NOTHING_TO_CHANGE, 'the category of need is already that');
  }
}

/** R8.1: the application's category of need now (the filing's until changed). */
export const currentNeedCategory = (x: Pick<Situation, 's' | 'filing'>): string | undefined => x.s.needCategory ?? x.filing.needCategory;

/**
 * R8.1: a correctional application's category of need changes like the benefit category (R6.2),
 * while it waits in the queue or holds an offer — an offered place of the old category can then no
 * longer be taken (activities/places.ts). Not while a referral is issued: the place is for the
 * category it was issued under, and the ПМПК's examination settles that (R8.3).
 */
export function guardChangeNeedCategory(x: Situation, req: ChangeNeedCategoryRequest): void {
  guardActive(x);
  if (x.filing.queueType !== 'correctional') refuse(DOMAIN_ERRORS.NEED_CATEGORY_NOT_APPLICABLE, 'a category of need is for the correctional queue only');
  if (x.s.status === 'referral_issued') refuse(DOMAIN_ERRORS.NOT_ELIGIBLE, 'the application holds a referral; the ПМПК examination settles its category', { reason: 'holds_referral' });
  if (req.needCategory === currentNeedCategory(x)) refuse(DOMAIN_ERRORS.NOTHING_TO_CHANGE, 'the category of need is already that');
}

// ---- R5.7, R10.2: confirming a benefit referral's benefit ---------------------------------------

/** R5.7: whether the referral was issued under a benefit that is not yet confirmed. */
export const awaitsBenefit = (s: LifecycleState): boolean => Boolean(s.referral?.benefit && s.referral.benefit.confirmedAt === undefined);

/** R5.7: the limit where a run's recorded settings predate the setting. */
const BENEFIT_DOCUMENT_MAX_AGE_DAYS = 10;

/**
 * R5.7: the earliest issue date a benefit document may have — the region's calendar days before
 * the day (Almaty) the referral was requested.
 */
export const oldestBenefitDocument = (referral: Referral, settings: RuleSettings): string =>
  addDays(almatyDate(referral.issuedAt), -(settings.benefitDocumentMaxAgeDays ?? BENEFIT_DOCUMENT_MAX_AGE_DAYS));

const isCivilDate = (d: unknown): d is string =>
  typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d) && almatyDate(startOfAlmatyDay(d)) === d;

/**
 * R5.7, R10.2: once per benefit referral, by the role the region's setting named when the referral
 * was issued — staff of the referral's kindergarten (`at_enrolment`, a `kindergartenId` in the
 * request) or the region's operator (`before_referral`, none). The document's date is a real date,
 * not in the future; a date too old is not refused here: it is recorded as a rejection.
 */
export function guardConfirmBenefit(x: Situation, req: ConfirmBenefitRequest): void {
  guardActive(x);
  const { s } = x;
  if (s.status !== 'referral_issued' || !s.referral || !awaitsBenefit(s)) {
    refuse(DOMAIN_ERRORS.NO_BENEFIT_TO_CONFIRM, 'the application holds no benefit referral awaiting confirmation');
  }
  const referral = s.referral!;
  if (referral.benefit!.by === 'at_enrolment') {
    if (req.kindergartenId === undefined) refuse(DOMAIN_ERRORS.BENEFIT_CONFIRMED_BY_OTHER_ROLE, 'in this region the kindergarten confirms the benefit at enrolment', { confirmedBy: 'at_enrolment' });
    if (req.kindergartenId !== referral.kindergartenId) refuse(DOMAIN_ERRORS.WRONG_KINDERGARTEN, 'the referral is to another kindergarten');
  } else if (req.kindergartenId !== undefined) {
    refuse(DOMAIN_ERRORS.BENEFIT_CONFIRMED_BY_OTHER_ROLE, 'in this region the operator confirms the benefit before the child is registered', { confirmedBy: 'before_referral' });
  }
  if (typeof req.accepted !== 'boolean' || !isCivilDate(req.documentIssuedOn) || req.documentIssuedOn > almatyDate(x.now)) {
    refuse(DOMAIN_ERRORS.INVALID_BENEFIT_DOCUMENT_DATE, 'the benefit document’s issue date is a past or today’s date, YYYY-MM-DD');
  }
}
