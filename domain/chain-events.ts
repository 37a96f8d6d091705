import type { ChainActorRole, ChainEvent } from './chain';
import type { TransitionCause } from './statuses';

/**
 * R11.3: the chain's entries for one application event (R3.3), in order. Most causes are one entry;
 * an annulment that puts the child on the stop-list is two (the annulment, the stop-list's start), a
 * rejected benefit annuls the referral and changes the category, a second expiry annuls and removes.
 */
export function chainEventsOf(cause: TransitionCause, startsStopList: boolean): ChainEvent[] {
  const stopList: ChainEvent[] = startsStopList ? ['stop_list_started'] : [];
  switch (cause) {
    case 'filed':
      return ['filed'];
    case 'interest_confirmed':
      return ['interest_confirmed'];
    case 'turn_arrived':
      return ['offered'];
    case 'offer_expired':
      return ['offer_expired'];
    case 'referral_issued':
      return ['referral_issued'];
    case 'referral_extended':
      return ['referral_extended'];
    case 'referral_withdrawn':
      return ['referral_withdrawn'];
    case 'referral_annulled':
      return ['referral_annulled', ...stopList];
    case 'second_referral_expired':
      return ['referral_annulled', 'removed'];
    case 'stop_list_ended':
      return ['stop_list_ended'];
    case 'enrolled':
      return ['enrolled'];
    case 'not_reconfirmed':
    case 'left_queue':
    case 'examination_not_needed':
      return ['removed'];
    case 'benefit_category_changed':
    case 'need_category_changed':
    case 'examination_other_category':
      return ['category_changed'];
    case 'examination_confirmed':
      return ['examination_confirmed'];
    case 'benefit_confirmed':
      return ['benefit_confirmed'];
    case 'benefit_rejected':
      return ['referral_annulled', 'category_changed', ...stopList];
    // An operator's correction: a calendar change moved the deadline, or the stop-list boundary run
    // counted a stop-list again (workflows/application.deadlines.ts).
    case 'deadline_moved':
    case 'stop_list_corrected':
      return ['operator_correction'];
  }
}

/** Causes an operator sets off though the workflow (SYSTEM) writes them. */
const OPERATOR_CAUSES: readonly TransitionCause[] = ['deadline_moved', 'stop_list_corrected'];
/** R8.3: causes only ПМПК staff bring about. */
const PMPK_CAUSES: readonly TransitionCause[] = ['examination_confirmed', 'examination_other_category', 'examination_not_needed'];

/** The staff roles a person holds, as `staff.role` spells them. */
export type StaffRoles = ReadonlySet<'kindergarten_staff' | 'pmpk_staff' | 'operator'>;

/**
 * R11.3: the actor's role, never who: the workflow's own events are the system's (an operator's
 * correction excepted); the applicant is known by their IIN; staff by the role the cause needs, else
 * by the role they hold (an operator before kindergarten staff).
 */
export function actorRoleOf(actor: string, cause: TransitionCause | 'offer_withdrawn', applicantIin: string | undefined, roles: StaffRoles): ChainActorRole {
  if (OPERATOR_CAUSES.includes(cause as TransitionCause)) return 'operator';
  if (actor === 'system') return 'system';
  if (actor === applicantIin) return 'applicant';
  if (PMPK_CAUSES.includes(cause as TransitionCause) || (roles.has('pmpk_staff') && roles.size === 1)) return 'pmpk';
  if (roles.has('operator')) return 'operator';
  // R7.1: arrivals are registered by the kindergarten's staff.
  return roles.has('kindergarten_staff') || cause === 'enrolled' ? 'staff' : 'operator';
}
