/**
 * The contract of `applicationWorkflow`, imported by the API and the worker alike: task queue,
 * workflow ID, inputs, the state a query returns, and the messages it answers.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApplicationStatus, TransitionCause } from '../domain/statuses';
import type { BenefitCategory, Language, QueueType } from '../domain/queue';

export const APPLICATION_TASK_QUEUE = 'applications';

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
  applicantIin: string;
  benefitCategory: BenefitCategory;
  groupYear: number;
  language: Language;
  contacts: Contacts;
  /** R2.4: the registration timestamp, ms since epoch. */
  registeredAt: number;
}

/** What a run hands to the next one on continue-as-new. */
export interface CarriedState {
  status: ApplicationStatus;
  statusCause: TransitionCause;
  /** The reconfirmation cycle now running (R6.1): 1 until the first anniversary. */
  cycle: number;
  confirmedCycle: number;
  /** The last history event's sequence number. */
  seq: number;
  /** Request IDs (Idempotency-Key) already applied: update IDs do not survive continue-as-new. */
  appliedRequestIds: string[];
}

export interface ApplicationWorkflowInput {
  filing: ApplicationFiling;
  carried?: CarriedState;
}

export interface ApplicationState {
  number: string;
  status: ApplicationStatus;
  statusCause: TransitionCause;
  cycle: number;
  /** Every deadline now running, as ISO instants. */
  deadlines: { reconfirmBy?: string; reconfirmationReminderAt?: string };
  interestConfirmedForCycle: boolean;
}

export type ApplicationOutcome =
  | { outcome: 'removed'; cause: TransitionCause }
  | { outcome: 'rejected'; code: string; existingNumber?: string };

export interface ActionRequest {
  /** The client's Idempotency-Key: the same key never acts twice. */
  requestId: string;
  actorIin: string;
}

export const getStateQuery = defineQuery<ApplicationState>('getState');
/** Answers once the filing is recorded, or with DUPLICATE_APPLICATION (R2.5). Sent with start. */
export const fileApplicationUpdate = defineUpdate<ApplicationState>('fileApplication');
/** R6.1: the applicant confirms interest for the current 12-month cycle. */
export const confirmInterestUpdate = defineUpdate<ApplicationState, [ActionRequest]>('confirmInterest');
