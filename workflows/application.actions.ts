/**
 * What the actions people take do (R4.6, R5.1, R5.5, R5.6, R6.1, R6.2, R7.1, R8.3, R8.4), once their guard
 * (application.guards.ts) has passed under the lifecycle's lock.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type {
  ActionRequest,
  ChangeBenefitCategoryRequest,
  ChangeNeedCategoryRequest,
  ChooseKindergartenRequest,
  ConfirmBenefitRequest,
  ExtendReferralRequest,
  RecordExaminationRequest,
  RegisterArrivalRequest,
} from '../contracts/application';
import { DOMAIN_ERRORS, isDomainError } from '../domain/errors';
import { iso } from '../domain/iso';
import { activities as act } from './application.activities';
import * as rules from './application.guards';
import type { Lifecycle } from './application.lifecycle';

/** Turns a refusal raised in an activity into the workflow's own typed failure for the caller. */
async function unwrapRefusal<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && isDomainError(cause.type)) {
      rules.refuse(cause.type, cause.message, (cause.details?.[0] ?? undefined) as Record<string, unknown> | undefined);
    }
    throw err;
  }
}

/** R6.1: satisfies the current cycle; the next one starts at this cycle's anniversary. */
export async function confirmInterest(app: Lifecycle, req: ActionRequest): Promise<void> {
  app.s.confirmedCycle = app.s.cycle;
  await app.transition(app.s.status, 'interest_confirmed', req.actorIin, { reconfirmBy: rules.nextReconfirmationDue(app.filing, app.s, app.settings) });
}

/**
 * R4.6, R4.8, R5.1: reserves the seat, then issues the referral with its R5.2 deadline — or, R8.3,
 * a correctional referral with its ПМПК examination's deadline, the registration's counted only
 * once the examination is confirmed. Runs recorded before the ПМПК step took the R5.2 count.
 */
export async function chooseKindergarten(app: Lifecycle, req: ChooseKindergartenRequest): Promise<void> {
  const issuedAt = Date.now();
  const examined = app.filing.queueType === 'correctional' && app.patched('pmpk-examination');
  const workingDays = examined ? app.settings.pmpkExaminationWorkingDays : app.settings.referralWorkingDays;
  // Before the examination the running deadline is the examination's; it stands in for the base.
  const baseDeadline = await app.workingDeadline(issuedAt, workingDays, 'after');
  const f = app.filing;
  const freeChoice = rules.choosesFromOffer(app.s, req) ? undefined : { regionCode: f.regionCode, queueType: f.queueType, groupYear: f.groupYear };
  const reservation = await unwrapRefusal(
    act.reservePlace({ number: f.number, childIin: f.childIin, placeId: req.placeId, at: issuedAt, deadline: baseDeadline, freeChoice }),
  ).catch((err: unknown) => {
    if (err instanceof ApplicationFailure && err.type === DOMAIN_ERRORS.NOT_IN_FREE_CHOICE) rules.refuseNotOffered(app.s, req);
    throw err;
  });
  const { needCategory, ...reserved } = reservation;
  app.s.offer = undefined;
  app.s.referral = {
    ...reserved,
    placeId: req.placeId,
    issuedAt,
    baseDeadline,
    extensionDays: 0,
    ...(needCategory ? { needCategory } : {}),
    ...(examined ? { examination: { dueAt: baseDeadline } } : {}),
    // R5.7, R10.2: a benefit referral waits for its benefit to be confirmed; runs recorded before the step do not.
    ...(app.s.benefitCategory !== 'none' && app.patched('benefit-confirmation') ? { benefit: { by: app.settings.benefitConfirmation ?? 'at_enrolment' } } : {}),
  };
  const examination = examined ? { examinationDueAt: baseDeadline } : {};
  await app.transition('referral_issued', 'referral_issued', req.actorIin, { offerWindowEndsAt: null, referralDeadline: baseDeadline, ...examination }, {
    placeId: req.placeId,
    kindergartenId: reservation.kindergartenId,
  });
  await app.notify('referral_issued', {
    kindergartenId: reservation.kindergartenId,
    deadline: iso(baseDeadline),
    ...(examined ? { examinationDueAt: iso(baseDeadline) } : {}),
  });
  await app.scheduleDeadlineNotice();
}

/**
 * R8.3: the ПМПК's conclusion. Confirmed: 5 working days to register, counted after the
 * examination day. Another category: the application's category changes, and a place that no
 * longer fits is given up — no stop-list, no expiry counted; the child waits in the queue under
 * the new category. Not needed: the seat is freed and the correctional application closes; the
 * family may file in the general queue.
 */
export async function recordExamination(app: Lifecycle, req: RecordExaminationRequest): Promise<void> {
  const { s } = app;
  const referral = s.referral!;
  const examinedAt = Date.now();
  const before = rules.currentNeedCategory(app);
  const after = req.conclusion === 'other_category' ? req.needCategory! : before;
  await act.recordExamination({
    number: app.filing.number,
    referralId: referral.referralId,
    examinedAt,
    district: req.district,
    examinerIin: req.actorIin,
    conclusion: req.conclusion,
    needCategoryBefore: before,
    needCategoryAfter: after,
    signedDocumentId: req.signedDocumentId,
  });
  const examination = { ...referral.examination!, examinedAt, conclusion: req.conclusion, district: req.district, examinerIin: req.actorIin };
  const details = { conclusion: req.conclusion, district: req.district, ...(after !== before ? { from: before, to: after } : {}) };

  if (req.conclusion === 'not_needed') {
    referral.examination = examination;
    return app.remove('examination_not_needed', req.actorIin, 'examination_not_needed');
  }
  if (req.conclusion === 'other_category' && referral.needCategory !== after) {
    await app.releaseReferral('cancelled', examinedAt);
    s.referral = undefined;
    s.needCategory = after;
    await app.transition('queued', 'examination_other_category', req.actorIin, { needCategory: after, referralDeadline: null, examinationDueAt: null }, details);
    await app.notify('examination_other_category', { needCategory: after });
    return;
  }
  // Confirmed (or another category the place still fits): the registration count starts.
  const baseDeadline = await app.workingDeadline(examinedAt, app.settings.referralWorkingDays, 'after');
  referral.examination = examination;
  referral.baseDeadline = baseDeadline;
  if (after !== before) s.needCategory = after;
  const cause = req.conclusion === 'confirmed' ? 'examination_confirmed' : 'examination_other_category';
  await app.transition('referral_issued', cause, req.actorIin, {
    referralDeadline: rules.referralDeadline(s),
    examinationDueAt: null,
    ...(after !== before ? { needCategory: after } : {}),
  }, details);
  await app.notify('examination_confirmed', { kindergartenId: referral.kindergartenId, deadline: iso(rules.referralDeadline(s)!) });
  await app.scheduleDeadlineNotice();
}

/**
 * R5.5: once, by 1–30 calendar days counted from the current deadline. R8.4: a correctional
 * referral's extension moves the deadline running when it is asked for — the ПМПК examination's
 * before the examination, the registration's after it — and only that one.
 */
export async function extendReferral(app: Lifecycle, req: ExtendReferralRequest): Promise<void> {
  const referral = app.s.referral!;
  const awaited = rules.awaitsExamination(app.s);
  referral.extensionDays = req.days;
  if (referral.examination) referral.extendedDeadline = awaited ? 'examination' : 'registration';
  await app.transition('referral_issued', 'referral_extended', req.actorIin, {
    referralDeadline: rules.referralDeadline(app.s),
    referralExtensionDays: req.days,
    ...(awaited ? { examinationDueAt: rules.referralDeadline(app.s) } : {}),
  }, { days: req.days, ...(referral.extendedDeadline ? { deadline: referral.extendedDeadline } : {}) });
  await app.scheduleDeadlineNotice(); // R9.1: the notice follows the deadline
}

/** R5.6: within 24 hours of issue; the seat is freed and the child keeps their place in line. */
export async function withdrawReferral(app: Lifecycle, req: ActionRequest): Promise<void> {
  const examination = app.s.referral?.examination ? { examinationDueAt: null } : {};
  await app.releaseReferral('withdrawn', Date.now());
  app.s.referral = undefined;
  await app.transition('queued', 'referral_withdrawn', req.actorIin, { referralDeadline: null, ...examination });
}

/** R6.2 */
export async function changeBenefitCategory(app: Lifecycle, req: ChangeBenefitCategoryRequest): Promise<void> {
  const from = app.s.benefitCategory;
  app.s.benefitCategory = req.benefitCategory;
  await app.transition(app.s.status, 'benefit_category_changed', req.actorIin, { benefitCategory: req.benefitCategory }, { from, to: req.benefitCategory });
}

/** R7.1: the referral is used; the application ends as enrolled. */
export async function registerArrival(app: Lifecycle, req: RegisterArrivalRequest): Promise<void> {
  const { kindergartenId } = app.s.referral!;
  await act.enrollChild({ number: app.filing.number, childIin: app.filing.childIin, kindergartenId, at: Date.now() });
  app.s.referral = undefined;
  await app.transition('enrolled', 'enrolled', req.actorIin, { referralDeadline: null, reconfirmBy: null }, { kindergartenId });
  await app.notify('enrolled', { kindergartenId });
  app.outcome = { outcome: 'enrolled', kindergartenId };
}

/** R8.1: the correctional application's category of need; its queue numbers count in the new category from now. */
export async function changeNeedCategory(app: Lifecycle, req: ChangeNeedCategoryRequest): Promise<void> {
  const from = rules.currentNeedCategory(app);
  app.s.needCategory = req.needCategory;
  await app.transition(app.s.status, 'need_category_changed', req.actorIin, { needCategory: req.needCategory }, { from, to: req.needCategory });
}

/**
 * R5.7, R10.2: the benefit of a benefit referral, confirmed by the role the region's setting names.
 * Accepted with a document issued no more than the region's calendar days before the referral was
 * requested: the child may be registered. A document too old is a rejection (`document_too_old`).
 * Rejected: the referral is annulled, the benefit category becomes `none` and the child waits in
 * the general queue, keeping their registration; where the operator confirms before registration
 * (R10.2), also on the stop-list for the region's working days, counted after the rejection's day.
 * A rejection does not count as an expired referral (R5.4).
 */
export async function confirmBenefit(app: Lifecycle, req: ConfirmBenefitRequest): Promise<void> {
  const { s, settings } = app;
  const referral = s.referral!;
  const by = referral.benefit!.by;
  const oldest = rules.oldestBenefitDocument(referral, settings);
  const tooOld = req.documentIssuedOn < oldest;
  const details = { by, documentIssuedOn: req.documentIssuedOn, oldestAccepted: oldest };
  if (req.accepted && !tooOld) {
    referral.benefit = { by, confirmedAt: Date.now(), documentIssuedOn: req.documentIssuedOn };
    await app.transition('referral_issued', 'benefit_confirmed', req.actorIin, {}, details);
    return;
  }
  const now = Date.now();
  const examination = referral.examination ? { examinationDueAt: null } : {};
  await app.releaseReferral('annulled', now);
  s.referral = undefined;
  const from = s.benefitCategory;
  s.benefitCategory = 'none';
  const until = by === 'before_referral' && settings.stopListWorkingDays > 0 ? await app.workingDeadline(now, settings.stopListWorkingDays, 'afterDeadline') : undefined;
  if (until !== undefined) s.stopList = { from: now, counted: 'afterDeadline', until };
  await app.transition(
    'queued',
    'benefit_rejected',
    req.actorIin,
    { ...examination, referralDeadline: null, benefitCategory: 'none', ...(until !== undefined ? { stopListUntil: until } : {}) },
    { ...details, reason: tooOld ? 'document_too_old' : 'rejected', from, to: 'none', ...(until !== undefined ? { stopListUntil: iso(until) } : {}) },
  );
  await app.notify('benefit_rejected', until === undefined ? {} : { stopListUntil: iso(until) });
}
