import type { Language } from './queue';
import type { TransitionCause } from './statuses';

/** R9.1: the notices a family gets, by e-mail and SMS, in the application's language. */
export const NOTICE_KINDS = [
  'turn_arrived',
  'referral_issued',
  'deadline_near',
  'referral_annulled',
  'stop_list_ended',
  'removed',
  'reconfirmation_due',
  'enrolled',
  // R8.3: the ПМПК's conclusion
  'examination_confirmed',
  'examination_other_category',
  'examination_not_needed',
  // R5.7, R10.2: the benefit document was not accepted
  'benefit_rejected',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const NOTICE_CHANNELS = ['email', 'sms'] as const;
export type NoticeChannel = (typeof NOTICE_CHANNELS)[number];

/** A kindergarten as a notice names it, in the notice's language. */
export interface NoticeKindergarten {
  name: string;
  address: string;
  phone: string | null;
}

/**
 * What a notice says, fixed when it is queued (a later change of a kindergarten's address does not
 * rewrite a notice already sent). Instants are ISO 8601; the templates show them in Almaty time.
 */
export interface NoticeContent {
  /** The registration number (R2.4). */
  number: string;
  childFirstName: string;
  /** turn_arrived: the kindergartens offered (R4.4) and the end of the choice window (R4.5). */
  offered?: NoticeKindergarten[];
  windowEndsAt?: string;
  /** referral_issued, deadline_near, enrolled: the referral's kindergarten. */
  kindergarten?: NoticeKindergarten;
  /** referral_issued, deadline_near: the registration deadline (R5.2, with an R5.5 extension). */
  deadline?: string;
  /** referral_annulled: the stop-list's end (R5.3); absent when the region runs no stop-list (R10). */
  stopListUntil?: string;
  /** reconfirmation_due: the reconfirmation deadline (R6.1). */
  reconfirmBy?: string;
  /** removed: why (R5.4, R6.1, R6.2). */
  cause?: TransitionCause;
  /** referral_issued of a correctional referral: the ПМПК examination's deadline (R8.3). */
  examinationDueAt?: string;
  /** examination_other_category: the category the ПМПК found, named in the notice's language (R8.1). */
  needCategory?: string;
  /** R10: the region's contacts (support phone, e-mail, hours …) as they stood when the notice was made. */
  contacts?: Record<string, string>;
}

/** A notice as sent: one e-mail (subject, HTML and text) or one SMS. */
export interface RenderedNotice {
  subject: string;
  html: string;
  text: string;
  sms: string;
}

export type NoticeRenderer = (kind: NoticeKind, language: Language, content: NoticeContent) => RenderedNotice;

/** R9.1: the "deadline near" notice goes at this hour (Asia/Almaty) of the referral's last working day. */
export const DEADLINE_NOTICE_HOUR = 9;

/** Two UCS-2 segments of a concatenated SMS (67 characters each): Kazakh and Russian need UCS-2. */
export const SMS_MAX_CHARS = 134;
