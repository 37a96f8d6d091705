/**
 * What the actions people take do (R4.6, R5.1, R5.5, R5.6, R6.1, R6.2, R7.1), once their guard
 * (application.guards.ts) has passed under the lifecycle's lock.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type {
  ActionRequest,
  ChangeBenefitCategoryRequest,
  ChooseKindergartenRequest,
  ExtendReferralRequest,
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

/** R4.6, R4.8, R5.1: reserves the seat, then issues the referral with its R5.2 deadline. */
export async function chooseKindergarten(app: Lifecycle, req: ChooseKindergartenRequest): Promise<void> {
  const issuedAt = Date.now();
  const baseDeadline = await app.workingDeadline(issuedAt, app.settings.referralWorkingDays, 'after');
  const f = app.filing;
  const freeChoice = rules.choosesFromOffer(app.s, req) ? undefined : { regionCode: f.regionCode, queueType: f.queueType, groupYear: f.groupYear };
  const reservation = await unwrapRefusal(
    act.reservePlace({ number: f.number, childIin: f.childIin, placeId: req.placeId, at: issuedAt, deadline: baseDeadline, freeChoice }),
  ).catch((err: unknown) => {
    if (err instanceof ApplicationFailure && err.type === DOMAIN_ERRORS.NOT_IN_FREE_CHOICE) rules.refuseNotOffered(app.s, req);
    throw err;
  });
  app.s.offer = undefined;
  app.s.referral = { ...reservation, placeId: req.placeId, issuedAt, baseDeadline, extensionDays: 0 };
  await app.transition('referral_issued', 'referral_issued', req.actorIin, { offerWindowEndsAt: null, referralDeadline: baseDeadline }, {
    placeId: req.placeId,
    kindergartenId: reservation.kindergartenId,
  });
  await app.notify('referral_issued', { kindergartenId: reservation.kindergartenId, deadline: iso(baseDeadline) });
  await app.scheduleDeadlineNotice();
}

/** R5.5: once, by 1–30 calendar days counted from the current deadline. */
export async function extendReferral(app: Lifecycle, req: ExtendReferralRequest): Promise<void> {
  app.s.referral!.extensionDays = req.days;
  await app.transition('referral_issued', 'referral_extended', req.actorIin, {
    referralDeadline: rules.referralDeadline(app.s),
    referralExtensionDays: req.days,
  }, { days: req.days });
  await app.scheduleDeadlineNotice(); // R9.1: the notice follows the deadline
}

/** R5.6: within 24 hours of issue; the seat is freed and the child keeps their place in line. */
export async function withdrawReferral(app: Lifecycle, req: ActionRequest): Promise<void> {
  await app.releaseReferral('withdrawn', Date.now());
  app.s.referral = undefined;
  await app.transition('queued', 'referral_withdrawn', req.actorIin, { referralDeadline: null });
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
