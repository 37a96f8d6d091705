import { allHandlersFinished, condition, continueAsNew, setHandler, TemporalFailure, workflowInfo } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { RuleSettings } from '../domain/rule-settings';
import { quick } from './application.activities';
import * as actions from './application.actions';
import * as rules from './application.guards';
import { Lifecycle, startOf } from './application.lifecycle';
import { projectState } from './application.state';
import type { FilingOutcome, Situation } from './application.guards';
import {
  changeBenefitCategoryUpdate,
  changeNeedCategoryUpdate,
  chooseKindergartenUpdate,
  confirmBenefitUpdate,
  confirmInterestUpdate,
  extendReferralUpdate,
  fileApplicationUpdate,
  getStateQuery,
  leaveQueueUpdate,
  offerPlacesSignal,
  receiveWaveOfferUpdate,
  recomputeDeadlinesSignal,
  recordExaminationUpdate,
  registerArrivalUpdate,
  withdrawReferralUpdate,
  type ActionRequest,
  type ApplicationOutcome,
  type ApplicationState,
  type ApplicationWorkflowInput,
} from '../contracts/application';

/**
 * A fault while acting on a deadline or a system signal (a non-retryable activity failure: an
 * integrity violation is a bug of ours) must not fail the workflow, which would close the
 * application for good. A plain error fails only the workflow task: Temporal retries it, the Web
 * UI shows it, and once the fault is fixed the application goes on where it was.
 */
async function blockOnFault<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof TemporalFailure) throw new Error(`blocked until fixed: ${err.message}${err.cause ? ` (${err.cause.message})` : ''}`);
    throw err;
  }
}

/**
 * What the handlers act on. They are set before the run reads its settings — an update sent with
 * the start is validated at once, and what each handler records must keep its place in recorded
 * histories — so until the Lifecycle exists they see the application where this run starts,
 * without settings, and actions wait for it.
 */
class Run {
  private app?: Lifecycle;
  private readonly start: Pick<Situation, 's' | 'filingOutcome'>;

  constructor(private readonly input: ApplicationWorkflowInput) {
    this.start = startOf(input);
  }

  /** R10: the lifecycle under the region's rules as this run read them. */
  begin(settings: RuleSettings): Lifecycle {
    this.app = new Lifecycle(this.input, settings);
    return this.app;
  }

  get situation(): Situation {
    return this.app?.situation ?? { ...this.start, filing: this.input.filing, settings: undefined, now: Date.now() };
  }
  get filingOutcome(): FilingOutcome {
    return (this.app ?? this.start).filingOutcome;
  }
  state(): ApplicationState {
    return projectState(this.situation);
  }
  wasApplied(req: ActionRequest): boolean {
    return (this.app ?? this.start).s.appliedRequestIds.includes(req.requestId);
  }

  /** Actions and signals arriving with the start wait for the run's settings and the filing's outcome. */
  async ready(): Promise<Lifecycle> {
    await condition(() => this.app !== undefined && this.app.filingOutcome !== 'pending');
    return this.app!;
  }

  /** Runs a person's action once per request ID, re-checking its guard under the lock. */
  async act(req: ActionRequest, guard: () => void, body: (app: Lifecycle) => Promise<void>): Promise<ApplicationState> {
    if (this.wasApplied(req)) return this.state();
    const app = await this.ready();
    return app.act(req, guard, () => body(app));
  }
}

function setHandlers(run: Run): void {
  setHandler(getStateQuery, () => run.state());
  setHandler(fileApplicationUpdate, async () => {
    await condition(() => run.filingOutcome !== 'pending');
    const outcome = run.filingOutcome;
    if (typeof outcome === 'object') {
      rules.refuse('DUPLICATE_APPLICATION', `the child already has an active application ${outcome.existingNumber}`, {
        existingNumber: outcome.existingNumber,
      });
    }
    return run.state();
  });
  // Every action a person takes is an update: the validator refuses at once with a reason; the
  // handler re-checks under the lock, because state may move while it waits. A request ID already
  // applied passes both and returns the state without acting again.
  function action<R extends ActionRequest>(
    def: UpdateDefinition<ApplicationState, [R]>,
    guard: (x: Situation, req: R) => void,
    body: (app: Lifecycle, req: R) => Promise<void>,
  ): void {
    const check = (req: R) => guard(run.situation, req);
    setHandler(def, (req) => run.act(req, () => check(req), (app) => body(app, req)), {
      validator: (req) => {
        if (!run.wasApplied(req)) check(req);
      },
    });
  }
  action(confirmInterestUpdate, rules.guardConfirmInterest, actions.confirmInterest);
  action(chooseKindergartenUpdate, rules.guardChoose, actions.chooseKindergarten);
  action(extendReferralUpdate, rules.guardExtend, actions.extendReferral);
  action(withdrawReferralUpdate, rules.guardWithdraw, actions.withdrawReferral);
  action(leaveQueueUpdate, rules.guardActive, (app, req) => app.remove('left_queue', req.actorIin));
  action(changeBenefitCategoryUpdate, rules.guardChangeCategory, actions.changeBenefitCategory);
  action(changeNeedCategoryUpdate, rules.guardChangeNeedCategory, actions.changeNeedCategory);
  action(registerArrivalUpdate, rules.guardRegisterArrival, actions.registerArrival);
  action(recordExaminationUpdate, rules.guardRecordExamination, actions.recordExamination);
  action(confirmBenefitUpdate, rules.guardConfirmBenefit, actions.confirmBenefit);
  setHandler(recomputeDeadlinesSignal, async () => {
    const app = await run.ready();
    await blockOnFault(() =>
      app.exclusive(async () => {
        if (app.active) await app.extendWorkingDayDeadlines();
      }),
    );
  });
  setHandler(offerPlacesSignal, async (offer) => {
    const app = await run.ready();
    await blockOnFault(() => app.exclusive(() => app.receiveOffer(offer)));
  });
  // R4.4: an offer of a wave recorded in bulk; the wave waits for the answer before it sends the notices.
  setHandler(receiveWaveOfferUpdate, async (delivery) => {
    const app = await run.ready();
    return blockOnFault(() => app.exclusive(() => app.receiveWaveOffer(delivery)));
  });
}

/**
 * One application from filing to its end (R2–R7). Every deadline is a durable timer; the run
 * continues as new at each reconfirmation cycle and when the history grows long.
 */
export async function applicationWorkflow(input: ApplicationWorkflowInput): Promise<ApplicationOutcome> {
  const run = new Run(input);
  setHandlers(run);

  // R10: the region's rules as they are now; the answer stays in this run's history.
  const app = run.begin(await quick().loadRuleSettings(input.filing.regionCode));
  if (input.carried) app.upsertSearchAttributes();
  else await app.file();

  for (;;) {
    if (app.outcome) break;
    if (app.cycleEnded || workflowInfo().continueAsNewSuggested) {
      await condition(() => !app.busy && allHandlersFinished());
      if (app.outcome) break;
      return continueAsNew<typeof applicationWorkflow>({ filing: input.filing, carried: app.carried() });
    }
    const next = app.nextDeadline();
    const seen = app.version;
    const changed = await condition(
      () => app.version !== seen || workflowInfo().continueAsNewSuggested,
      Math.max(1, next.at - Date.now()),
    );
    if (!changed) await blockOnFault(() => app.exclusive(() => app.onDeadline(next.kind)));
  }
  await condition(allHandlersFinished);
  return app.outcome;
}
