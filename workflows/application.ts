import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { days, reconfirmationDeadline } from '../domain/almaty-time';
import { DOMAIN_ERRORS } from '../domain/errors';
import type { RuleSettings } from '../domain/rule-settings';
import { ACTIVE_STATUSES, STATUS_SEARCH_VALUE, type ApplicationStatus, type TransitionCause } from '../domain/statuses';
import {
  confirmInterestUpdate,
  fileApplicationUpdate,
  getStateQuery,
  type ActionRequest,
  type ApplicationOutcome,
  type ApplicationState,
  type ApplicationWorkflowInput,
  type CarriedState,
} from './application.messages';
import {
  ApplicationStatusKey,
  BenefitCategoryKey,
  GroupYearKey,
  QueueTypeKey,
  RegionKey,
  RegistrationNumberKey,
} from './search-attributes';

const { loadRuleSettings, recordFiling, recordTransition, enqueueNotice } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/** How many applied request IDs a run carries forward; older retries are long gone. */
const REMEMBERED_REQUESTS = 200;
const SYSTEM_ACTOR = 'system';

const iso = (ms: number) => new Date(ms).toISOString();

/** The lifecycle of one application: the state the handlers and the main loop share. */
class Application {
  readonly filing: ApplicationWorkflowInput['filing'];
  status: ApplicationStatus;
  statusCause: TransitionCause;
  cycle: number;
  confirmedCycle: number;
  seq: number;
  appliedRequestIds: string[];
  filingOutcome: 'pending' | 'filed' | { rejected: string; existingNumber?: string };
  settings!: RuleSettings;

  constructor({ filing, carried }: ApplicationWorkflowInput) {
    this.filing = filing;
    this.status = carried?.status ?? 'queued';
    this.statusCause = carried?.statusCause ?? 'filed';
    this.cycle = carried?.cycle ?? 1;
    this.confirmedCycle = carried?.confirmedCycle ?? 0;
    this.seq = carried?.seq ?? 0;
    this.appliedRequestIds = carried?.appliedRequestIds ?? [];
    this.filingOutcome = carried ? 'filed' : 'pending';
  }

  get reconfirmBy(): number {
    return reconfirmationDeadline(this.filing.registeredAt, this.cycle, this.settings.reconfirmationMonths);
  }

  get reminderAt(): number {
    return this.reconfirmBy - days(this.settings.reconfirmationReminderDays);
  }

  get active(): boolean {
    return ACTIVE_STATUSES.includes(this.status);
  }

  state(): ApplicationState {
    const running = this.active && this.settings !== undefined;
    return {
      number: this.filing.number,
      status: this.status,
      statusCause: this.statusCause,
      cycle: this.cycle,
      deadlines: running
        ? {
            reconfirmBy: iso(this.reconfirmBy),
            ...(this.confirmedCycle < this.cycle ? { reconfirmationReminderAt: iso(this.reminderAt) } : {}),
          }
        : {},
      interestConfirmedForCycle: this.confirmedCycle >= this.cycle,
    };
  }

  carried(): CarriedState {
    return {
      status: this.status,
      statusCause: this.statusCause,
      cycle: this.cycle,
      confirmedCycle: this.confirmedCycle,
      seq: this.seq,
      appliedRequestIds: this.appliedRequestIds.slice(-REMEMBERED_REQUESTS),
    };
  }

  upsertSearchAttributes(): void {
    const f = this.filing;
    upsertSearchAttributes([
      { key: ApplicationStatusKey, value: STATUS_SEARCH_VALUE[this.status] },
      { key: RegionKey, value: f.regionCode },
      { key: QueueTypeKey, value: f.queueType },
      { key: GroupYearKey, value: f.groupYear },
      { key: BenefitCategoryKey, value: f.benefitCategory },
      { key: RegistrationNumberKey, value: f.number },
    ]);
  }

  async file(): Promise<void> {
    const result = await recordFiling({ filing: this.filing, reconfirmBy: this.reconfirmBy });
    if (result.outcome === 'duplicate') {
      this.filingOutcome = { rejected: DOMAIN_ERRORS.DUPLICATE_APPLICATION, existingNumber: result.existingNumber };
      return;
    }
    this.seq = 1;
    this.filingOutcome = 'filed';
    this.upsertSearchAttributes();
  }

  async transition(to: ApplicationStatus, cause: TransitionCause, actor: string, extra: { reconfirmBy?: number | null } = {}) {
    const from = this.status;
    this.seq += 1;
    this.status = to;
    this.statusCause = cause;
    await recordTransition({ number: this.filing.number, seq: this.seq, at: Date.now(), from, to, cause, actor, ...extra });
    this.upsertSearchAttributes();
  }

  wasApplied(req: ActionRequest): boolean {
    return this.appliedRequestIds.includes(req.requestId);
  }

  validateConfirmInterest(req: ActionRequest): void {
    if (this.wasApplied(req)) return;
    if (typeof this.filingOutcome === 'object' || !this.active) {
      throw ApplicationFailure.create({ type: DOMAIN_ERRORS.APPLICATION_CLOSED, message: `the application is ${this.status}` });
    }
    if (this.confirmedCycle >= this.cycle) {
      throw ApplicationFailure.create({
        type: DOMAIN_ERRORS.ALREADY_CONFIRMED,
        message: `interest is already confirmed until ${iso(this.reconfirmBy)}`,
        details: [{ reconfirmBy: iso(this.reconfirmBy) }],
      });
    }
  }

  /** Actions that arrive with the start wait until the run has its settings and the filing's outcome. */
  async setupDone(): Promise<void> {
    await condition(() => this.settings !== undefined && this.filingOutcome !== 'pending');
  }

  /** R6.1: satisfies the current cycle; the next one starts at this cycle's anniversary. */
  async confirmInterest(req: ActionRequest): Promise<ApplicationState> {
    if (this.wasApplied(req)) return this.state();
    await this.setupDone();
    this.validateConfirmInterest(req); // again: the state may have moved while this waited
    this.appliedRequestIds.push(req.requestId);
    this.confirmedCycle = this.cycle;
    const nextDeadline = reconfirmationDeadline(this.filing.registeredAt, this.cycle + 1, this.settings.reconfirmationMonths);
    await this.transition(this.status, 'interest_confirmed', req.actorIin, { reconfirmBy: nextDeadline });
    return this.state();
  }
}

/** Waits until `instant` (workflow time) or until `done()` holds; true when `done()` held. */
async function waitUntil(instant: number, done: () => boolean): Promise<boolean> {
  return condition(done, Math.max(1, instant - Date.now()));
}

/**
 * One application (R2–R7) from filing to its end. This slice holds filing and the yearly
 * reconfirmation of interest (R6.1); it continues as new at each anniversary.
 */
export async function applicationWorkflow(input: ApplicationWorkflowInput): Promise<ApplicationOutcome> {
  const app = new Application(input);
  setHandler(getStateQuery, () => app.state());
  setHandler(fileApplicationUpdate, async () => {
    await condition(() => app.filingOutcome !== 'pending');
    const outcome = app.filingOutcome;
    if (typeof outcome === 'object') {
      throw ApplicationFailure.create({
        type: outcome.rejected,
        message: `the child already has an active application ${outcome.existingNumber}`,
        details: [{ existingNumber: outcome.existingNumber }],
      });
    }
    return app.state();
  });
  setHandler(confirmInterestUpdate, (req) => app.confirmInterest(req), {
    validator: (req) => app.validateConfirmInterest(req),
  });

  app.settings = await loadRuleSettings(input.filing.regionCode);
  if (app.filingOutcome === 'pending') {
    await app.file();
    const outcome = app.filingOutcome as Application['filingOutcome'];
    if (typeof outcome === 'object') {
      await condition(allHandlersFinished);
      return { outcome: 'rejected', code: outcome.rejected, existingNumber: outcome.existingNumber };
    }
  } else {
    app.upsertSearchAttributes();
  }

  const confirmed = () => app.confirmedCycle >= app.cycle;
  // R6.1: remind once, unless interest is already confirmed for this cycle.
  if (!(await waitUntil(app.reminderAt, confirmed))) {
    await enqueueNotice({
      key: `${app.filing.number}:reconfirmation_due:${app.cycle}`,
      number: app.filing.number,
      kind: 'reconfirmation_due',
      data: { reconfirmBy: iso(app.reconfirmBy) },
    });
  }
  if (!(await waitUntil(app.reconfirmBy, confirmed))) {
    await condition(allHandlersFinished);
    await app.transition('removed', 'not_reconfirmed', SYSTEM_ACTOR, { reconfirmBy: null });
    await enqueueNotice({
      key: `${app.filing.number}:removed:${app.seq}`,
      number: app.filing.number,
      kind: 'removed',
      data: { cause: 'not_reconfirmed' },
    });
    return { outcome: 'removed', cause: 'not_reconfirmed' };
  }
  // Confirmed: the next cycle begins at this anniversary, in a fresh run.
  await sleep(Math.max(1, app.reconfirmBy - Date.now()));
  await condition(allHandlersFinished);
  app.cycle += 1;
  return continueAsNew<typeof applicationWorkflow>({ filing: input.filing, carried: app.carried() });
}
