import { ActivityFailure, ApplicationFailure, condition, log, patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { NoticeKind, ReadModelChanges, WorkingDeadlineRequest } from '../contracts/activities';
import { almatyDate, days, startOfAlmatyDay } from '../domain/almaty-time';
import { DOMAIN_ERRORS, isDomainError } from '../domain/errors';
import { iso } from '../domain/iso';
import type { RuleSettings } from '../domain/rule-settings';
import { STATUS_SEARCH_VALUE, type ApplicationStatus, type TransitionCause } from '../domain/statuses';
import { activities as act, quick } from './application.activities';
import { WORKING_DAY_DEADLINES, type DeadlineKind } from './application.deadlines';
import * as rules from './application.guards';
import { projectState } from './application.state';
import type { FilingOutcome, Situation } from './application.guards';
import type {
  ActionRequest,
  ApplicationFiling,
  ApplicationOutcome,
  ApplicationState,
  ApplicationWorkflowInput,
  ChangeBenefitCategoryRequest,
  ChooseKindergartenRequest,
  ExtendReferralRequest,
  LifecycleState,
  Offer,
  RegisterArrivalRequest,
  StopList,
} from '../contracts/application';
import * as sa from '../contracts/search-attributes';

/** How many applied request IDs a run carries forward; older retries are long gone. */
const REMEMBERED_REQUESTS = 200;
const SYSTEM = 'system';

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

/**
 * The lifecycle of one application (R3–R7): its state, the actions people take on it, and what
 * each deadline does. Every change runs under `exclusive`, so a handler and a firing deadline never
 * interleave.
 */
export class Lifecycle {
  readonly filing: ApplicationFiling;
  s: LifecycleState;
  settings!: RuleSettings;
  filingOutcome: FilingOutcome;
  outcome?: ApplicationOutcome;
  /** Set when a confirmed cycle ends: the run continues as new. */
  cycleEnded = false;
  /** Bumped by every change, so the main loop re-reads its deadlines. */
  version = 0;
  busy = false;
  /** The signed document of the action now running, recorded with the events it causes. */
  private evidence?: number;

  constructor({ filing, carried }: ApplicationWorkflowInput) {
    this.filing = filing;
    this.s = carried ?? {
      status: 'queued',
      statusCause: 'filed',
      benefitCategory: filing.benefitCategory,
      cycle: 1,
      confirmedCycle: 0,
      remindedCycle: 0,
      expiredReferrals: 0,
      seq: 0,
      appliedRequestIds: [],
    };
    this.filingOutcome = carried ? 'filed' : 'pending';
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
  get nextReconfirmationDue(): number {
    return rules.nextReconfirmationDue(this.filing, this.s, this.settings);
  }
  get reminderAt(): number {
    return this.reconfirmBy - days(this.settings.reconfirmationReminderDays);
  }
  get referralDeadline(): number | undefined {
    return rules.referralDeadline(this.s);
  }
  get withdrawableUntil(): number | undefined {
    return rules.withdrawableUntil(this.s, this.settings);
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

  /** Actions arriving with the start wait for the run's settings and the filing's outcome. */
  async setupDone(): Promise<void> {
    await condition(() => this.settings !== undefined && this.filingOutcome !== 'pending');
  }

  wasApplied(req: ActionRequest): boolean {
    return this.s.appliedRequestIds.includes(req.requestId);
  }

  /** Runs a person's action once per request ID, re-checking its guard under the lock. */
  async act(req: ActionRequest, guard: () => void, body: () => Promise<void>): Promise<ApplicationState> {
    if (this.wasApplied(req)) return this.state();
    await this.setupDone();
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

  // ---- guards: validators run them, and actions again under the lock -------------------------------

  guardActive = () => rules.guardActive(this.situation);
  guardConfirmInterest = () => rules.guardConfirmInterest(this.situation);
  choosesFromOffer = (req: ChooseKindergartenRequest) => rules.choosesFromOffer(this.s, req);
  guardChoose = (req: ChooseKindergartenRequest) => rules.guardChoose(this.situation, req);
  refuseNotOffered = (req: ChooseKindergartenRequest): never => rules.refuseNotOffered(this.s, req);
  guardExtend = (req: ExtendReferralRequest) => rules.guardExtend(this.situation, req);
  guardWithdraw = () => rules.guardWithdraw(this.situation);
  guardChangeCategory = (req: ChangeBenefitCategoryRequest) => rules.guardChangeCategory(this.situation, req);
  guardRegisterArrival = (req: RegisterArrivalRequest) => rules.guardRegisterArrival(this.situation, req);

  // ---- actions ----------------------------------------------------------------------------------

  /** R6.1: satisfies the current cycle; the next one starts at this cycle's anniversary. */
  async confirmInterest(req: ActionRequest): Promise<void> {
    this.s.confirmedCycle = this.s.cycle;
    await this.transition(this.s.status, 'interest_confirmed', req.actorIin, { reconfirmBy: this.nextReconfirmationDue });
  }

  /** R4.6, R4.8, R5.1: reserves the seat, then issues the referral with its R5.2 deadline. */
  async chooseKindergarten(req: ChooseKindergartenRequest): Promise<void> {
    const issuedAt = Date.now();
    const baseDeadline = await this.workingDeadline(issuedAt, this.settings.referralWorkingDays, 'after');
    const f = this.filing;
    const freeChoice = this.choosesFromOffer(req) ? undefined : { regionCode: f.regionCode, queueType: f.queueType, groupYear: f.groupYear };
    const reservation = await unwrapRefusal(
      act.reservePlace({ number: f.number, childIin: f.childIin, placeId: req.placeId, at: issuedAt, deadline: baseDeadline, freeChoice }),
    ).catch((err: unknown) => {
      if (err instanceof ApplicationFailure && err.type === DOMAIN_ERRORS.NOT_IN_FREE_CHOICE) this.refuseNotOffered(req);
      throw err;
    });
    this.s.offer = undefined;
    this.s.referral = { ...reservation, placeId: req.placeId, issuedAt, baseDeadline, extensionDays: 0 };
    await this.transition('referral_issued', 'referral_issued', req.actorIin, { offerWindowEndsAt: null, referralDeadline: baseDeadline }, {
      placeId: req.placeId,
      kindergartenId: reservation.kindergartenId,
    });
    await this.notify('referral_issued', { kindergartenId: reservation.kindergartenId, deadline: iso(baseDeadline) });
  }

  /** R5.5: once, by 1–30 calendar days counted from the current deadline. */
  async extendReferral(req: ExtendReferralRequest): Promise<void> {
    this.s.referral!.extensionDays = req.days;
    await this.transition('referral_issued', 'referral_extended', req.actorIin, {
      referralDeadline: this.referralDeadline,
      referralExtensionDays: req.days,
    }, { days: req.days });
  }

  /** R5.6: within 24 hours of issue; the seat is freed and the child keeps their place in line. */
  async withdrawReferral(req: ActionRequest): Promise<void> {
    await act.releaseReferral({ number: this.filing.number, state: 'withdrawn', at: Date.now() });
    this.s.referral = undefined;
    await this.transition('queued', 'referral_withdrawn', req.actorIin, { referralDeadline: null });
  }

  /** R6.2 */
  async changeBenefitCategory(req: ChangeBenefitCategoryRequest): Promise<void> {
    const from = this.s.benefitCategory;
    this.s.benefitCategory = req.benefitCategory;
    await this.transition(this.s.status, 'benefit_category_changed', req.actorIin, { benefitCategory: req.benefitCategory }, { from, to: req.benefitCategory });
  }

  /** R7.1: the referral is used; the application ends as enrolled. */
  async registerArrival(req: RegisterArrivalRequest): Promise<void> {
    const { kindergartenId } = this.s.referral!;
    await act.enrollChild({ number: this.filing.number, childIin: this.filing.childIin, kindergartenId, at: Date.now() });
    this.s.referral = undefined;
    await this.transition('enrolled', 'enrolled', req.actorIin, { referralDeadline: null, reconfirmBy: null }, { kindergartenId });
    await this.notify('enrolled', { kindergartenId });
    this.outcome = { outcome: 'enrolled', kindergartenId };
  }

  /** Ends the application as removed (R5.4, R6.1, R6.2), freeing a seat it holds. */
  async remove(cause: TransitionCause, actor: string): Promise<void> {
    if (this.s.referral) await act.releaseReferral({ number: this.filing.number, state: 'cancelled', at: Date.now() });
    this.s.referral = undefined;
    this.s.offer = undefined;
    this.s.stopList = undefined;
    await this.transition('removed', cause, actor, {
      reconfirmBy: null,
      offerWindowEndsAt: null,
      referralDeadline: null,
      stopListUntil: null,
      expiredReferrals: this.s.expiredReferrals,
    });
    await this.notify('removed', { cause });
    this.outcome = { outcome: 'removed', cause };
  }

  /** R4.4: an offer applies only to a queued application that is not on the stop-list. */
  async receiveOffer(offer: Offer): Promise<void> {
    const { s } = this;
    const repeated = offer.offerId === s.lastOfferId || offer.windowEndsAt <= Date.now();
    if (!this.active || s.status !== 'queued' || s.stopList || s.offer || repeated) {
      log.warn('offer ignored', { offerId: offer.offerId, status: s.status, stopList: Boolean(s.stopList), repeated });
      return;
    }
    s.offer = offer;
    s.lastOfferId = offer.offerId;
    await this.transition('turn_notified', 'turn_arrived', SYSTEM, { offerWindowEndsAt: offer.windowEndsAt }, { offerId: offer.offerId, placeIds: offer.placeIds });
    await this.notify('turn_arrived', { windowEndsAt: iso(offer.windowEndsAt), placeIds: offer.placeIds });
  }

  // ---- deadlines --------------------------------------------------------------------------------

  nextDeadline(): { kind: DeadlineKind; at: number } {
    const { s } = this;
    const candidates: { kind: DeadlineKind; at: number | undefined }[] = [
      { kind: 'reminder', at: s.confirmedCycle < s.cycle && s.remindedCycle < s.cycle ? this.reminderAt : undefined },
      { kind: 'reconfirmation', at: this.reconfirmBy },
      { kind: 'offerWindow', at: s.status === 'turn_notified' ? s.offer?.windowEndsAt : undefined },
      { kind: 'referral', at: s.status === 'referral_issued' ? this.referralDeadline : undefined },
      { kind: 'stopList', at: s.stopList?.until },
    ];
    return candidates
      .filter((c): c is { kind: DeadlineKind; at: number } => c.at !== undefined)
      .reduce((a, b) => (b.at < a.at ? b : a));
  }

  /** Acts on a deadline if it is still the one due (a handler may have changed things meanwhile). */
  async onDeadline(kind: DeadlineKind): Promise<void> {
    const due = this.nextDeadline();
    if (!this.active || due.kind !== kind || due.at > Date.now()) return;
    switch (kind) {
      case 'reminder':
        this.s.remindedCycle = this.s.cycle;
        return this.notify('reconfirmation_due', { reconfirmBy: iso(this.reconfirmBy) }, `reconfirmation_due:${this.s.cycle}`);
      case 'reconfirmation':
        if (this.s.confirmedCycle >= this.s.cycle) {
          this.s.cycle += 1;
          this.cycleEnded = true;
          return;
        }
        return this.remove('not_reconfirmed', SYSTEM);
      case 'offerWindow':
        if (await this.extendWorkingDayDeadlines()) return;
        return this.onWindowEnd();
      case 'referral':
        if (await this.extendWorkingDayDeadlines()) return;
        return this.onReferralDeadline();
      case 'stopList':
        if (await this.extendWorkingDayDeadlines()) return;
        return this.onStopListEnd();
    }
  }

  /**
   * Asks the calendar again for the working-day deadline now running (at most one runs at a time:
   * an offer window, a referral or a stop-list) and moves it later if the calendar now says so —
   * never earlier. True when it moved.
   */
  async extendWorkingDayDeadlines(): Promise<boolean> {
    const { s, settings } = this;
    for (const deadline of WORKING_DAY_DEADLINES) {
      const count = deadline.running(s);
      if (!count) continue;
      // R5.3: stop-lists started before the boundary fix ran one working day too long.
      if (deadline.kind === 'stopList' && !s.stopList!.counted && patched('stop-list-boundary-correction')) return this.correctStopList();
      const later = await this.workingDeadline(count.from, deadline.workingDays(settings), count.rule);
      if (later <= count.current) return false;
      await this.transition(s.status, 'deadline_moved', SYSTEM, deadline.move(s, later));
      return true;
    }
    return false;
  }

  /**
   * R5.3: a stop-list started before the boundary fix counted from the date its annulment ran —
   * the day after the referral expired — and so ended one working day late. It is counted again
   * from the first working day after the day the referral expired (a deliberate correction, in
   * the family's favour; calendar changes still only ever move a deadline later). Its `from` was
   * the annulment's instant, on the morning after the 24:00 that fired: that 24:00 is the start of
   * `from`'s Almaty day.
   */
  private async correctStopList(): Promise<boolean> {
    const stopList = this.s.stopList!;
    const expiredAt = startOfAlmatyDay(almatyDate(stopList.from));
    const until = await this.workingDeadline(expiredAt, this.settings.stopListWorkingDays, 'afterDeadline');
    this.s.stopList = { from: expiredAt, until, counted: 'afterDeadline' };
    if (until === stopList.until) return false;
    await this.transition(this.s.status, 'stop_list_corrected', SYSTEM, { stopListUntil: until }, {
      from: iso(stopList.until),
      to: iso(until),
    });
    return true;
  }

  /** R4.5: unchosen, the offer lapses; the child keeps their number in the queue. */
  private async onWindowEnd(): Promise<void> {
    this.s.offer = undefined;
    await this.transition('queued', 'offer_expired', SYSTEM, { offerWindowEndsAt: null });
  }

  /** R5.2–R5.4: not registered in time, the referral is annulled; the second time, the child is removed. */
  private async onReferralDeadline(): Promise<void> {
    const now = Date.now();
    const expiredAt = this.referralDeadline!;
    await act.releaseReferral({ number: this.filing.number, state: 'annulled', at: now });
    this.s.referral = undefined;
    this.s.expiredReferrals += 1;
    if (this.s.expiredReferrals >= this.settings.expiredReferralsToRemove) {
      return this.remove('second_referral_expired', SYSTEM);
    }
    // R5.3: the annulment at 24:00 belongs to the day the referral expired; the stop-list's
    // working days start after it. Runs recorded before this fix counted from the next day.
    const stopList: Omit<StopList, 'until'> = patched('stop-list-counts-after-expiry-day')
      ? { from: expiredAt, counted: 'afterDeadline' }
      : { from: now };
    // R10: a region may run without a stop-list (0 working days).
    const until =
      this.settings.stopListWorkingDays > 0
        ? await this.workingDeadline(stopList.from, this.settings.stopListWorkingDays, stopList.counted ?? 'after')
        : undefined;
    this.s.stopList = until === undefined ? undefined : { ...stopList, until };
    await this.transition('queued', 'referral_annulled', SYSTEM, {
      referralDeadline: null,
      stopListUntil: until ?? null,
      expiredReferrals: this.s.expiredReferrals,
    });
    await this.notify('referral_annulled', until === undefined ? {} : { stopListUntil: iso(until) });
  }

  /** R5.3: the stop-list ends after its working days; a calendar change may move that later. */
  private async onStopListEnd(): Promise<void> {
    this.s.stopList = undefined;
    await this.transition(this.s.status, 'stop_list_ended', SYSTEM, { stopListUntil: null });
    // R9.1: the stop-list end notice came after release; runs recorded before it send none.
    if (patched('stop-list-ended-notice')) await this.notify('stop_list_ended');
  }
}
