/**
 * The contract of `applicationWorkflow`, imported by the API and the worker alike: task queue,
 * workflow ID, inputs, the state a query returns, and the messages it answers.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApplicationStatus, TransitionCause } from '../domain/statuses';
import type { BenefitCategory, Language, QueueType } from '../domain/queue';
import type { BenefitConfirmation, ChoiceWindowMode } from '../domain/rule-settings';

export const APPLICATION_TASK_QUEUE = 'applications';

/** The workflow type, as clients that do not import the workflow's code start it. */
export const APPLICATION_WORKFLOW_TYPE = 'applicationWorkflow';

/** R2.4: the workflow ID is the registration number, unique nationally. */
export const applicationWorkflowId = (registrationNumber: string): string => registrationNumber;

export interface Contacts {
  email: string;
  phone: string;
  extraEmail?: string;
  extraPhone?: string;
}

export interface ApplicationFiling {
  number: string;
  regionCode: string;
  queueType: QueueType;
  childIin: string;
  /** From the IIN (R2.3): R4.6 counts the child's full years from it. */
  childBirthDate: string;
  applicantIin: string;
  benefitCategory: BenefitCategory;
  /** R8.1: the category of need (a code of the `need_categories` table); correctional applications only. */
  needCategory?: string;
  groupYear: number;
  language: Language;
  contacts: Contacts;
  /** R2.4: the registration timestamp, ms since epoch. */
  registeredAt: number;
  /** R1.2: the signed filing, kept as evidence with the first history event. */
  signedDocumentId?: number;
}

/** R4.4: places opened to this application, and until when (R4.5). */
export interface Offer {
  offerId: string;
  placeIds: number[];
  offeredAt: number;
  windowEndsAt: number;
  /**
   * R4.5, R10: how the window was counted and how many days; absent on offers made before the
   * setting (working days, by the region's settings). A calendar-day window never moves.
   */
  windowMode?: ChoiceWindowMode;
  windowDays?: number;
}

/** R8.3: the ПМПК examination a correctional referral waits for, and what it concluded. */
export type ExaminationConclusion = 'confirmed' | 'other_category' | 'not_needed';
export interface Examination {
  /** The end of the 3rd working day after issue (as the calendar last answered), before any extension. */
  dueAt: number;
  /** Set once recorded. */
  examinedAt?: number;
  conclusion?: ExaminationConclusion;
  /** The ПМПК (district) that recorded it, and its staff member. */
  district?: string;
  examinerIin?: string;
}

/** R5: the referral the application holds. */
export interface Referral {
  referralId: number;
  placeId: number;
  kindergartenId: number;
  issuedAt: number;
  /** R5.2: the end of the 5th working day after issue, as the calendar last answered. */
  baseDeadline: number;
  /** R5.5: calendar days added once by the applicant; 0 until then. */
  extensionDays: number;
  /**
   * R8.4: which deadline the extension moved — the one running when it was asked for: the ПМПК
   * examination's before the examination, the registration's after it. Absent: the registration's
   * (general referrals, and correctional ones not extended).
   */
  extendedDeadline?: 'examination' | 'registration';
  /** R8.1: the category of need of the referral's place (correctional referrals only). */
  needCategory?: string;
  /**
   * R9.1: when the "deadline near" notice goes for the deadline as it now stands; absent in runs
   * recorded before that notice existed. Cleared once sent; an extension or a calendar change sets
   * it again for the new deadline.
   */
  deadlineNoticeAt?: number;
  /**
   * R8.3: a correctional referral's ПМПК step (absent on general referrals and on runs recorded
   * before it). While `examinedAt` is unset the referral's running deadline is `dueAt`; after a
   * confirmed examination it is `baseDeadline`, counted from the examination day.
   */
  examination?: Examination;
  /**
   * R5.7, R10.2: a referral issued under a benefit category waits for its benefit to be confirmed,
   * by whom the region's setting said at issue; the child is registered only once it is. Absent on
   * referrals without a benefit and on runs recorded before the step.
   */
  benefit?: BenefitCheck;
}

/** R5.7: the benefit check of a referral; a rejected one annuls the referral, so only acceptance is kept. */
export interface BenefitCheck {
  by: BenefitConfirmation;
  /** Set once accepted. */
  confirmedAt?: number;
  /** The benefit document's issue date, YYYY-MM-DD, once accepted. */
  documentIssuedOn?: string;
}

/** R5.3: the stop-list after an annulled referral. */
export interface StopList {
  /** The referral's deadline that fired (24:00 of the day it expired); see `counted`. */
  from: number;
  until: number;
  /**
   * `afterDeadline`: counted from the first working day after the day the referral expired.
   * Absent on stop-lists started before that fix: their `from` is the instant the annulment ran
   * (already the next day), and they ended one working day late until corrected.
   */
  counted?: 'afterDeadline';
}

/** Everything a run hands to the next one on continue-as-new. */
export interface LifecycleState {
  status: ApplicationStatus;
  statusCause: TransitionCause;
  benefitCategory: BenefitCategory;
  /** R8.1: the category of need now (the filing's until changed); correctional applications only. */
  needCategory?: string;
  /** The reconfirmation cycle now running (R6.1): 1 until the first anniversary. */
  cycle: number;
  confirmedCycle: number;
  remindedCycle: number;
  offer?: Offer;
  /** A repeated delivery of the same offer is ignored. */
  lastOfferId?: string;
  referral?: Referral;
  stopList?: StopList;
  /** R5.4: referrals annulled for not being registered in time. */
  expiredReferrals: number;
  /** The last history event's sequence number. */
  seq: number;
  /** Request IDs (Idempotency-Key) already applied: update IDs do not survive continue-as-new. */
  appliedRequestIds: string[];
}

export interface ApplicationWorkflowInput {
  filing: ApplicationFiling;
  carried?: LifecycleState;
}

export interface ApplicationState {
  number: string;
  status: ApplicationStatus;
  statusCause: TransitionCause;
  benefitCategory: BenefitCategory;
  cycle: number;
  interestConfirmedForCycle: boolean;
  expiredReferrals: number;
  offer?: { placeIds: number[]; windowEndsAt: string };
  referral?: {
    placeId: number;
    kindergartenId: number;
    issuedAt: string;
    extended: boolean;
    /** R8.3: a correctional referral's ПМПК examination, once recorded. */
    examination?: { examinedAt: string; conclusion: ExaminationConclusion; district: string };
    /** R5.7: a benefit referral's check: by whom, and whether confirmed yet. */
    benefit?: { by: BenefitConfirmation; confirmed: boolean; documentIssuedOn?: string };
  };
  /** Every deadline now running, as ISO instants. */
  deadlines: {
    reconfirmBy?: string;
    reconfirmationReminderAt?: string;
    choiceWindowEndsAt?: string;
    referralDeadline?: string;
    /** R8.3: while a correctional referral awaits its ПМПК examination (the same instant as `referralDeadline`). */
    examinationDueAt?: string;
    withdrawableUntil?: string;
    stopListUntil?: string;
  };
}

export type ApplicationOutcome =
  | { outcome: 'removed'; cause: TransitionCause }
  | { outcome: 'enrolled'; kindergartenId: number }
  | { outcome: 'rejected'; code: string; existingNumber?: string };

export interface ActionRequest {
  /** The signed document's nonce, or the client's Idempotency-Key: the same ID never acts twice. */
  requestId: string;
  actorIin: string;
  /** R1.2: the signed document that asked for this action, kept with the event it causes. */
  signedDocumentId?: number;
}

export interface ChooseKindergartenRequest extends ActionRequest {
  placeId: number;
}
export interface ExtendReferralRequest extends ActionRequest {
  days: number;
}
export interface ChangeBenefitCategoryRequest extends ActionRequest {
  benefitCategory: BenefitCategory;
}
/** R8.1 */
export interface ChangeNeedCategoryRequest extends ActionRequest {
  needCategory: string;
}
/** R8.3: ПМПК staff record the examination of a correctional referral's child. */
export interface RecordExaminationRequest extends ActionRequest {
  conclusion: ExaminationConclusion;
  /** With `other_category`: the category the examination found. */
  needCategory?: string;
  /** The ПМПК (the staff member's district) that examined the child. */
  district: string;
}
export interface RegisterArrivalRequest extends ActionRequest {
  /** The kindergarten of the staff member registering the child. */
  kindergartenId: number;
}

/**
 * R5.7, R10.2: whoever the region's setting names records the benefit document's issue date and
 * accepts or rejects it. `kindergartenId` is the confirming staff member's kindergarten (mode
 * `at_enrolment`); absent when the region's operator confirms (mode `before_referral`).
 */
export interface ConfirmBenefitRequest extends ActionRequest {
  accepted: boolean;
  /** YYYY-MM-DD */
  documentIssuedOn: string;
  kindergartenId?: number;
}

export const getStateQuery = defineQuery<ApplicationState>('getState');

/** Answers once the filing is recorded, or with DUPLICATE_APPLICATION (R2.5). Sent with start. */
export const fileApplicationUpdate = defineUpdate<ApplicationState>('fileApplication');
/** R6.1 */
export const confirmInterestUpdate = defineUpdate<ApplicationState, [ActionRequest]>('confirmInterest');
/** R4.6, R5.1 */
export const chooseKindergartenUpdate = defineUpdate<ApplicationState, [ChooseKindergartenRequest]>('chooseKindergarten');
/** R5.5 */
export const extendReferralUpdate = defineUpdate<ApplicationState, [ExtendReferralRequest]>('extendReferral');
/** R5.6 */
export const withdrawReferralUpdate = defineUpdate<ApplicationState, [ActionRequest]>('withdrawReferral');
/** R6.2 */
export const leaveQueueUpdate = defineUpdate<ApplicationState, [ActionRequest]>('leaveQueue');
/** R6.2 */
export const changeBenefitCategoryUpdate = defineUpdate<ApplicationState, [ChangeBenefitCategoryRequest]>('changeBenefitCategory');
/** R8.1 */
export const changeNeedCategoryUpdate = defineUpdate<ApplicationState, [ChangeNeedCategoryRequest]>('changeNeedCategory');
/** R8.3 */
export const recordExaminationUpdate = defineUpdate<ApplicationState, [RecordExaminationRequest]>('recordExamination');
/** R7.1: kindergarten staff register the arriving child. */
export const registerArrivalUpdate = defineUpdate<ApplicationState, [RegisterArrivalRequest]>('registerArrival');
/** R5.7, R10.2: the benefit of a benefit referral is confirmed or rejected. */
export const confirmBenefitUpdate = defineUpdate<ApplicationState, [ConfirmBenefitRequest]>('confirmBenefit');

/** R4.4: the offer process opens places to this application. A system event, hence a signal. */
export const offerPlacesSignal = defineSignal<[Offer]>('offerPlaces');

/**
 * R4.4: an offer of a wave recorded in bulk — its history event (number `seq`), read model and held
 * notices are written already — which the workflow takes up only if it would take the offer and
 * `seq` is its next event's; otherwise it withdraws what the wave wrote for it.
 */
export interface WaveOffer {
  offer: Offer;
  seq: number;
}
export type WaveOfferAnswer = 'accepted' | 'refused';
/** An update, not a signal: the wave releases an offer's notices only once its workflow has taken it up. */
export const receiveWaveOfferUpdate = defineUpdate<WaveOfferAnswer, [WaveOffer]>('receiveWaveOffer');
/** One delivery per wave and application: a retried delivery is answered, never applied twice. */
export const waveOfferUpdateId = (waveId: string, registrationNumber: string): string => `${waveId}:${registrationNumber}`;

/** An operator changed the working-day calendar: running deadlines are asked again (never shortened). */
export const recomputeDeadlinesSignal = defineSignal('recomputeDeadlines');
