import { allHandlersFinished, condition, continueAsNew, setHandler, TemporalFailure, workflowInfo } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { quick } from './application.activities';
import { Lifecycle } from './application.lifecycle';
import {
  changeBenefitCategoryUpdate,
  chooseKindergartenUpdate,
  confirmInterestUpdate,
  extendReferralUpdate,
  fileApplicationUpdate,
  getStateQuery,
  leaveQueueUpdate,
  offerPlacesSignal,
  recomputeDeadlinesSignal,
  registerArrivalUpdate,
  withdrawReferralUpdate,
  type ActionRequest,
  type ApplicationOutcome,
  type ApplicationState,
  type ApplicationWorkflowInput,
} from '../contracts/application';
import { refuse } from './application.guards';

/**
 * A fault while acting on a deadline or a system signal (a non-retryable activity failure: an
 * integrity violation is a bug of ours) must not fail the workflow, which would close the
 * application for good. A plain error fails only the workflow task: Temporal retries it, the Web
 * UI shows it, and once the fault is fixed the application goes on where it was.
 */
async function blockOnFault(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (err instanceof TemporalFailure) throw new Error(`blocked until fixed: ${err.message}${err.cause ? ` (${err.cause.message})` : ''}`);
    throw err;
  }
}

function setHandlers(app: Lifecycle): void {
  setHandler(getStateQuery, () => app.state());
  setHandler(fileApplicationUpdate, async () => {
    await condition(() => app.filingOutcome !== 'pending');
    const outcome = app.filingOutcome;
    if (typeof outcome === 'object') {
      refuse('DUPLICATE_APPLICATION', `the child already has an active application ${outcome.existingNumber}`, {
        existingNumber: outcome.existingNumber,
      });
    }
    return app.state();
  });
  // Every action a person takes is an update: the validator refuses at once with a reason; the
  // handler re-checks under the lock, because state may move while it waits. A request ID already
  // applied passes both and returns the state without acting again.
  function action<R extends ActionRequest>(
    def: UpdateDefinition<ApplicationState, [R]>,
    guard: (req: R) => void,
    body: (req: R) => Promise<void>,
  ): void {
    setHandler(def, (req) => app.act(req, () => guard(req), () => body(req)), {
      validator: (req) => {
        if (!app.wasApplied(req)) guard(req);
      },
    });
  }
  action(confirmInterestUpdate, () => app.guardConfirmInterest(), (req) => app.confirmInterest(req));
  action(chooseKindergartenUpdate, (req) => app.guardChoose(req), (req) => app.chooseKindergarten(req));
  action(extendReferralUpdate, (req) => app.guardExtend(req), (req) => app.extendReferral(req));
  action(withdrawReferralUpdate, () => app.guardWithdraw(), (req) => app.withdrawReferral(req));
  action(leaveQueueUpdate, () => app.guardActive(), (req) => app.remove('left_queue', req.actorIin));
  action(changeBenefitCategoryUpdate, (req) => app.guardChangeCategory(req), (req) => app.changeBenefitCategory(req));
  action(registerArrivalUpdate, (req) => app.guardRegisterArrival(req), (req) => app.registerArrival(req));
  setHandler(recomputeDeadlinesSignal, async () => {
    await app.setupDone();
    await blockOnFault(() =>
      app.exclusive(async () => {
        if (app.active) await app.extendWorkingDayDeadlines();
      }),
    );
  });
  setHandler(offerPlacesSignal, async (offer) => {
    await app.setupDone();
    await blockOnFault(() => app.exclusive(() => app.receiveOffer(offer)));
  });
}

/**
 * One application from filing to its end (R2–R7). Every deadline is a durable timer; the run
 * continues as new at each reconfirmation cycle and when the history grows long.
 */
export async function applicationWorkflow(input: ApplicationWorkflowInput): Promise<ApplicationOutcome> {
  const app = new Lifecycle(input);
  setHandlers(app);

  // R10: the region's rules as they are now; the answer stays in this run's history.
  app.settings = await quick().loadRuleSettings(input.filing.regionCode);
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
