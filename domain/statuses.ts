/** R3.4: the statuses of an application, as stored codes. Labels for people live in templates/. */
export const APPLICATION_STATUSES = ['queued', 'turn_notified', 'referral_issued', 'enrolled', 'removed'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/** Statuses that hold the child's place in a queue (R2.5: at most one per child and queue type). */
export const ACTIVE_STATUSES: readonly ApplicationStatus[] = ['queued', 'turn_notified', 'referral_issued'];

/**
 * The value of the `ApplicationStatus` search attribute, so operators filter in the Web UI with
 * `ApplicationStatus = 'Referral issued'`.
 */
export const STATUS_SEARCH_VALUE: Record<ApplicationStatus, string> = {
  queued: 'In queue',
  turn_notified: 'Turn notified',
  referral_issued: 'Referral issued',
  enrolled: 'Enrolled',
  removed: 'Removed',
};

/** Why an application changed status: the cause shown in the change history (R3.3). */
export const TRANSITION_CAUSES = [
  'filed',
  'interest_confirmed',
  'not_reconfirmed',
  'turn_arrived',
  'offer_expired',
  'referral_issued',
  'referral_extended',
  'referral_withdrawn',
  'referral_annulled',
  'second_referral_expired',
  'stop_list_ended',
  'enrolled',
  'left_queue',
  'benefit_category_changed',
  'need_category_changed',
  'examination_confirmed',
  'examination_other_category',
  'examination_not_needed',
  'deadline_moved',
  'stop_list_corrected',
  'benefit_confirmed',
  'benefit_rejected',
] as const;
export type TransitionCause = (typeof TRANSITION_CAUSES)[number];

/** R3.4: the stop-list's end while it lasts, null once over (also in the moment before the workflow ends it). */
export function stopListLasting(until: Date | null, now: Date = new Date()): Date | null {
  return until !== null && until > now ? until : null;
}
