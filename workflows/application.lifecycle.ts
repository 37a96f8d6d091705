/**
 * The lifecycle of one application (R3–R7): its state, how it changes (one recorded transition at
 * a time, under a lock), and how it acts on its deadlines. What each action does is in
 * application.actions.ts; when each deadline fires and what it does, in application.deadlines.ts.
 */
import { condition, log, patched as isPatched, upsertSearchAttributes } from '@temporalio/workflow';
import type { NoticeKind, ReadModelChanges, ReferralClosure, WorkingDeadlineRequest } from '../contracts/activities';
import { DOMAIN_ERRORS } from '../domain/errors';
import { iso } from '../domain/iso';
import { DEADLINE_NOTICE_HOUR } from '../domain/notices';
import type { RuleSettings } from '../domain/rule-settings';
import { STATUS_SEARCH_VALUE, type ApplicationStatus, type TransitionCause } from '../domain/statuses';
import { activities as act, quick } from './application.activities';
import { deadline, moveByCalendar, nextDeadline, SYSTEM, type DeadlineHost, type DeadlineKind } from './application.deadlines';
import * as rules from './application.guards';
import { projectState } from './application.state';
import type { FilingOutcome, Situation } from './application.guards';
import type {
  ActionRequest,
  ApplicationFiling,
  ApplicationOutcome,
  ApplicationState,
  ApplicationWorkflowInput,
  LifecycleState,
  Offer,
  WaveOffer,
  WaveOfferAnswer,
} from '../contracts/application';
import * as sa from '../contracts/search-attributes';

/** How many applied request IDs a run carries forward; older retries are long gone. */
const REMEMBERED_REQUESTS = 200;

/** Where a run starts: the state the previous run carried, or a new application's, not yet filed. */
export function startOf({ filing, carried }: ApplicationWorkflowInput): Pick<Situation, 's' | 'filingOutcome'> {
  return {
    s: carried ?? {
      status: 'queued',
      statusCause: 'filed',
      benefitCategory: filing.benefitCategory,
      needCategory: filing.needCategory, // R8.1: correctional applications only; a carried state keeps its own
      cycle: 1,
      confirmedCycle: 0,
      remindedCycle: 0,
      expiredReferrals: 0,
      seq: 0,
      appliedRequestIds: [],
    },
    filingOutcome: carried ? 'filed' : 'pending',
  };
}

/**
 * One application under the region's settings as this run read them (R10). Every change runs
 * under `exclusive`, so a handler and a firing deadline never interleave.
 */
export class Lifecycle implements DeadlineHost {
  readonly filing: ApplicationFiling;
  readonly settings: RuleSettings;
  readonly s: LifecycleState;
  filingOutcome: FilingOutcome;
  outcome?: ApplicationOutcome;
  /** Set when a confirmed cycle ends: the run continues as new. */
  cycleEnded = false;
  /** Bumped by every change, so the main loop re-reads its deadlines. */
  version = 0;
  busy = false;
  /** The signed document of the action now running, recorded with the events it causes. */
  private evidence?: number;

  constructor(input: ApplicationWorkflowInput, settings: RuleSettings) {
    const { s, filingOutcome } = startOf(input);
    this.filing = input.filing;
    this.settings = settings;
    this.s = s;
    this.filingOutcome = filingOutcome;
  }

  // ---- derived values (application.guards.ts) ---------------------------------------------------

  /** What the rules look at, now. */
  get situation(): Situation {
    return { s: this.s, filing: this.filing, settings: this.settings, filingOutcome: this.filingOutcome, now: Date.now() };
  }
  get active(): boolean {
    return rules.isActive(this);
  }
  get reconfirmBy(): number {
    return rules.cycleEnd(this.filing, this.s, this.settings);
  }

  state(): ApplicationState {
    return projectState(this.situation);
  }

  carried(): LifecycleState {
    return { ...this.s, appliedRequestIds: this.s.appliedRequestIds.slice(-REMEMBERED_REQUESTS) };
  }

  // ---- plumbing ----------------------------------------------------------------------------------

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await condition(() => !this.busy);
    this.busy = true;
    try {
      return await fn();
    } finally {
      this.busy = false;
      this.version++;
    }
  }

  wasApplied(req: ActionRequest): boolean {
    return this.s.appliedRequestIds.includes(req.requestId);
  }

  /** Runs a person's action under the lock, once per request ID, re-checking its guard. */
  act(req: ActionRequest, guard: () => void, body: () => Promise<void>): Promise<ApplicationState> {
    return this.exclusive(async () => {
      if (this.wasApplied(req)) return this.state();
      guard();
      this.evidence = req.signedDocumentId;
      try {
        await body();
      } finally {
        this.evidence = undefined;
      }
      this.s.appliedRequestIds.push(req.requestId);
      return this.state();
    });
  }

  upsertSearchAttributes(): void {
    const f = this.filing;
    upsertSearchAttributes([
      { key: sa.ApplicationStatusKey, value: STATUS_SEARCH_VALUE[this.s.status] },
      { key: sa.RegionKey, value: f.regionCode },
      { key: sa.QueueTypeKey, value: f.queueType },
      { key: sa.GroupYearKey, value: f.groupYear },
      { key: sa.BenefitCategoryKey, value: this.s.benefitCategory },
      { key: sa.RegistrationNumberKey, value: f.number },
    ]);
  }

  /** R3.3: one history event and the read model in one activity, then the search attributes. */
  async transition(to: ApplicationStatus, cause: TransitionCause, actor: string, readModel: ReadModelChanges = {}, details?: Record<string, unknown>) {
    const from = this.s.status;
    this.s.seq += 1;
    await act.recordTransition({
      number: this.filing.number,
      seq: this.s.seq,
      at: Date.now(),
      from,
      to,
      cause,
      actor,
      readModel,
      details,
      signedDocumentId: this.evidence,
    });
    // The query shows the new status only once the read model has it too.
    this.s.status = to;
    this.s.statusCause = cause;
    this.upsertSearchAttributes();
  }

  /** R9.1: one notice per event; the key makes a retried or replayed call enqueue nothing twice. */
  async notify(kind: NoticeKind, data: Record<string, unknown> = {}, key = `${kind}:${this.s.seq}`): Promise<void> {
    await act.enqueueNotice({ key: `${this.filing.number}:${key}`, number: this.filing.number, kind, data });
  }

  workingDeadline(from: number, count: number, rule: WorkingDeadlineRequest['rule']): Promise<number> {
    return quick().workingDeadline({ regionCode: this.filing.regionCode, from, days: count, rule });
  }

  async scheduleDeadlineNotice(): Promise<void> {
    const { referral } = this.s;
    // R9.1: runs recorded before the "deadline near" notice existed keep their history.
    if (!referral || !this.patched('deadline-near-notice')) return;
    // R8.3: the notice tells the family to register at the kindergarten; while the ПМПК examination
    // is awaited the referral_issued notice names its date instead, and the notice is set once the
    // examination is confirmed.
    if (rules.awaitsExamination(this.s)) {
      referral.deadlineNoticeAt = undefined;
      return;
    }
    const deadline = rules.referralDeadline(this.s)!;
    referral.deadlineNoticeAt = await act.deadlineNoticeAt({ regionCode: this.filing.regionCode, deadline, hour: DEADLINE_NOTICE_HOUR });
  }

  releaseReferral(state: ReferralClosure, at: number): Promise<void> {
    return act.releaseReferral({ number: this.filing.number, state, at });
  }

  patched(id: string): boolean {
    return isPatched(id);
  }

  // ---- filing -----------------------------------------------------------------------------------

  async file(): Promise<void> {
    const result = await quick().recordFiling({ filing: this.filing, reconfirmBy: this.reconfirmBy });
    if (result.outcome === 'duplicate') {
      this.filingOutcome = { rejected: DOMAIN_ERRORS.DUPLICATE_APPLICATION, existingNumber: result.existingNumber };
      this.outcome = { outcome: 'rejected', code: DOMAIN_ERRORS.DUPLICATE_APPLICATION, existingNumber: result.existingNumber };
      return;
    }
    this.s.seq = 1;
    this.filingOutcome = 'filed';
    this.upsertSearchAttributes();
  }

  /**
   * Ends the application as removed (R5.4, R6.1, R6.2, R8.3), freeing a seat it holds. The family
   * is told with the `removed` notice, or with `notice` where the cause has one of its own.
   */
  async remove(cause: TransitionCause, actor: string, notice?: NoticeKind): Promise<void> {
    if (this.s.referral) await this.releaseReferral('cancelled', Date.now());
    this.s.referral = undefined;
    this.s.offer = undefined;
    this.s.stopList = undefined;
    await this.transition('removed', cause, actor, {
      reconfirmBy: null,
      offerWindowEndsAt: null,
      referralDeadline: null,
      ...(this.filing.queueType === 'correctional' ? { examinationDueAt: null } : {}),
      stopListUntil: null,
      expiredReferrals: this.s.expiredReferrals,
    });
    await (notice ? this.notify(notice) : this.notify('removed', { cause }));
    this.outcome = { outcome: 'removed', cause };
  }

  /** R4.4: an offer applies only to a queued application that is not on the stop-list and holds none. */
  private takesOffer(offer: Offer, what: string): boolean {
    const { s } = this;
    const repeated = offer.offerId === s.lastOfferId || offer.windowEndsAt <= Date.now();
    if (!this.active || s.status !== 'queued' || s.stopList || s.offer || repeated) {
      log.warn(what, { offerId: offer.offerId, status: s.status, stopList: Boolean(s.stopList), repeated });
      return false;
    }
    return true;
  }

  /** R4.4: an offer signalled alone; this workflow records it and sends its notice. */
  async receiveOffer(offer: Offer): Promise<void> {
    const { s } = this;
    if (!this.takesOffer(offer, 'offer ignored')) return;
    s.offer = offer;
    s.lastOfferId = offer.offerId;
    await this.transition('turn_notified', 'turn_arrived', SYSTEM, { offerWindowEndsAt: offer.windowEndsAt }, { offerId: offer.offerId, placeIds: offer.placeIds });
    await this.notify('turn_arrived', { windowEndsAt: iso(offer.windowEndsAt), placeIds: offer.placeIds });
  }

  /**
   * R4.4: an offer of a wave recorded in bulk: its event (number `seq`), read model and notices are
   * written. Taken up when the workflow would take the offer and `seq` is its next event — then
   * only its own state, search attributes and (through the main loop) timer change; otherwise what
   * the wave wrote is withdrawn, as if the offer had never been made. A retried delivery of an offer
   * taken up answers so again.
   */
  async receiveWaveOffer({ offer, seq }: WaveOffer): Promise<WaveOfferAnswer> {
    const { s } = this;
    if (offer.offerId === s.lastOfferId && s.seq >= seq) return 'accepted';
    if (seq === s.seq + 1 && this.takesOffer(offer, 'wave offer refused')) {
      s.offer = offer;
      s.lastOfferId = offer.offerId;
      s.seq = seq;
      s.status = 'turn_notified';
      s.statusCause = 'turn_arrived';
      this.upsertSearchAttributes();
      return 'accepted';
    }
    if (seq !== s.seq + 1) log.warn('wave offer refused', { offerId: offer.offerId, seq, ownSeq: s.seq });
    await act.retractWaveOffer({ waveId: offer.offerId, number: this.filing.number, seq });
    return 'refused';
  }

  // ---- deadlines (application.deadlines.ts) ------------------------------------------------------

  nextDeadline(): { kind: DeadlineKind; at: number } {
    return nextDeadline(this);
  }

  /** Acts on a deadline if it is still the one due (a handler may have changed things meanwhile). */
  async onDeadline(kind: DeadlineKind): Promise<void> {
    const due = this.nextDeadline();
    if (!this.active || due.kind !== kind || due.at > Date.now()) return;
    const row = deadline(kind);
    if (row.calendar && (await this.extendWorkingDayDeadlines())) return;
    return row.fire(this);
  }

  /** Asks the calendar again for the working-day deadline now running; true when it moved later. */
  extendWorkingDayDeadlines(): Promise<boolean> {
    return moveByCalendar(this);
  }
}
