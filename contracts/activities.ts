/**
 * The activities the workflows call, as the workflows see them: their requests, answers and
 * signatures. `activities/` implements this interface; workflows type their proxies with it, so a
 * workflow never imports an activity (nor anything with I/O) and an activity never imports a workflow.
 */
import type { BenefitCategory, QueueType } from '../domain/queue';
import type { ChoiceWindowMode, RuleSettings } from '../domain/rule-settings';
import type { PriorityShare } from '../domain/priority-share';
import type { ApplicationStatus, TransitionCause } from '../domain/statuses';
import type { NoticeKind } from '../domain/notices';
import type { ApplicationFiling, ExaminationConclusion } from './application';

/** R9.1: the notices the lifecycle sends. */
export type { NoticeKind };

export interface NoticeRequest {
  /** Unique per notice event: a retried or replayed call enqueues nothing twice. */
  key: string;
  number: string;
  kind: NoticeKind;
  data: Record<string, unknown>;
}

/** R9.1: the morning of the last working day before a referral's deadline. */
export interface DeadlineNoticeRequest {
  regionCode: string;
  deadline: number;
  /** Asia/Almaty. */
  hour: number;
}

export interface WorkingDeadlineRequest {
  regionCode: string;
  /** The instant the count starts from (workflow time: activities do not see skipped time). */
  from: number;
  days: number;
  /**
   * `after`: the N-th working day after the date of `from` (R5.2); `window`: that date counts
   * (R4.5); `afterDeadline`: `from` is a deadline that fired at 24:00 of a day, and the count
   * starts after that day (R5.3).
   */
  rule: 'after' | 'window' | 'afterDeadline';
}

export interface FilingRecord {
  filing: ApplicationFiling;
  reconfirmBy: number;
}

export type FilingResult = { outcome: 'filed' } | { outcome: 'duplicate'; existingNumber: string };

export interface Transition {
  number: string;
  /** The event's sequence number within the application: makes a retried write a no-op. */
  seq: number;
  at: number;
  from: ApplicationStatus | null;
  to: ApplicationStatus;
  cause: TransitionCause;
  actor: string;
  details?: Record<string, unknown>;
  /** R1.2: the signed document that caused the transition. */
  signedDocumentId?: number;
  /** Read-model values that change with this transition; null clears, absent keeps. */
  readModel?: ReadModelChanges;
}

export interface ReadModelChanges {
  reconfirmBy?: number | null;
  offerWindowEndsAt?: number | null;
  referralDeadline?: number | null;
  stopListUntil?: number | null;
  expiredReferrals?: number;
  benefitCategory?: BenefitCategory;
  /** R8.1: the correctional application's category of need. */
  needCategory?: string;
  /** R5.5: recorded on the active referral with its new deadline. */
  referralExtensionDays?: number;
  /** R8.3: while a correctional referral awaits its ПМПК examination (with an extension taken then). */
  examinationDueAt?: number | null;
}

export interface OfferWaveRequest {
  waveId: string;
  regionCode: string;
  at: number;
  windowEndsAt: number;
  /** R4.5, R10: how the window was counted and its length (absent in runs recorded before the setting). */
  windowMode?: ChoiceWindowMode;
  windowDays?: number;
  /** R4.7, from the region's settings (absent in runs recorded before them: every kind is offered). */
  kindsOnOffer?: RuleSettings['kindsOnOffer'];
  privatePlacesByQueue?: boolean;
  /** R10.2, from the region's settings (absent in runs recorded before it: strict order). */
  priorityShare?: PriorityShare;
  /** R4.6, from the region's settings. */
  minimumAgeYears: number;
}

export interface OfferWave {
  applications: number;
  places: number;
  seats: number;
}

/** R4.4: a wave's offers written in bulk: those still queued were offered, the rest passed over. */
export interface WaveRecording {
  offered: number;
  notOffered: number;
}

/** R4.4: how the wave's workflows answered their offers. */
export interface WaveDelivery {
  delivered: number;
  accepted: number;
  refused: number;
}

/** R4.4: what a wave wrote for one application, withdrawn when its workflow refuses the offer. */
export interface WaveRetraction {
  waveId: string;
  number: string;
  seq: number;
}

export interface ReservationRequest {
  number: string;
  childIin: string;
  placeId: number;
  at: number;
  deadline: number;
  /** R4.5: a place taken in free choice must be open to free choice and fit the application. */
  freeChoice?: { regionCode: string; queueType: QueueType; groupYear: number };
}

export interface Reservation {
  referralId: number;
  kindergartenId: number;
  /** R8.1: the place's category of need (correctional places; absent or null otherwise). */
  needCategory?: string | null;
}

/** R8.3: the ПМПК examination of a correctional referral's child, as staff recorded it. */
export interface ExaminationRecord {
  number: string;
  referralId: number;
  examinedAt: number;
  district: string;
  examinerIin: string;
  conclusion: ExaminationConclusion;
  needCategoryBefore?: string;
  needCategoryAfter?: string;
  signedDocumentId?: number;
}

export type ReferralClosure = 'annulled' | 'withdrawn' | 'cancelled';

/** An operator's change to the working-day calendar (a day, in a region or nationally). */
export interface CalendarChange {
  /** The day whose calendar entry was added or removed. */
  day: string;
  /** null: the national calendar, which every region follows. */
  regionCode: string | null;
}

/** Every activity of the worker, by the name workflows call it. */
export interface ApplicationActivities {
  recordFiling(req: FilingRecord): Promise<FilingResult>;
  recordTransition(t: Transition): Promise<void>;
  listApplicationsOnStopList(req: { after: string; limit: number; at: number }): Promise<string[]>;
  listApplicationsAffectedByCalendarChange(req: { change: CalendarChange; after: string; limit: number }): Promise<string[]>;
  workingDeadline(req: WorkingDeadlineRequest): Promise<number>;
  deadlineNoticeAt(req: DeadlineNoticeRequest): Promise<number>;
  enqueueNotice(req: NoticeRequest): Promise<number>;
  publishPlaces(req: { regionCode: string; at: number }): Promise<{ published: number }>;
  /** R11.3: signs the region's chain head at its publication. */
  signChainHead(req: { regionCode: string; at: number }): Promise<{ seq: number; hash: string }>;
  selectOfferWave(req: OfferWaveRequest): Promise<OfferWave>;
  signalOffers(req: { waveId: string }): Promise<number>;
  recordOfferWave(req: { waveId: string }): Promise<WaveRecording>;
  deliverWaveOffers(req: { waveId: string }): Promise<WaveDelivery>;
  retractWaveOffer(req: WaveRetraction): Promise<boolean>;
  openFreeChoice(req: { waveId: string; at: number }): Promise<{ places: number }>;
  reservePlace(req: ReservationRequest): Promise<Reservation>;
  releaseReferral(req: { number: string; state: ReferralClosure; at: number }): Promise<void>;
  enrollChild(req: { number: string; childIin: string; kindergartenId: number; at: number }): Promise<void>;
  recordExamination(req: ExaminationRecord): Promise<void>;
  loadRuleSettings(regionCode: string): Promise<RuleSettings>;
}
