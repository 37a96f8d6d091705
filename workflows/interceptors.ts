/**
 * Not a workflow: the workflow interceptors every bundle carries (worker/interceptor-modules.ts).
 * The request ID a start, signal or update brings (contracts/request-id.ts) goes on the workflow's
 * log lines while that message is handled, and in the header of every activity, child workflow and
 * signal the handling sends, so the activities' log lines carry it too.
 *
 * The workflow's own run carries the ID of the request that started it; a handler, the ID of its
 * signal or update. Headers add no command and change none: histories recorded without them
 * replay unchanged (tests/workflows/replay.test.ts), and a message without a header is handled as
 * before.
 */
import { AsyncLocalStorage, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { requestIdOf, withRequestId } from '../contracts/request-id';

/** The request ID of the message being handled (the sandbox's AsyncLocalStorage follows its awaits). */
const handling = new AsyncLocalStorage<string>();

const within = <T>(requestId: string | undefined, fn: () => T): T => (requestId ? handling.run(requestId, fn) : fn());

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      execute: (input, next) => within(requestIdOf(input.headers), () => next(input)),
      handleSignal: (input, next) => within(requestIdOf(input.headers), () => next(input)),
      handleUpdate: (input, next) => within(requestIdOf(input.headers), () => next(input)),
    },
  ],
  outbound: [
    {
      getLogAttributes(attributes, next) {
        const requestId = handling.getStore();
        return next(requestId ? { ...attributes, requestId } : attributes);
      },
      scheduleActivity: (input, next) => next({ ...input, headers: withRequestId(input.headers, handling.getStore()) }),
      scheduleLocalActivity: (input, next) => next({ ...input, headers: withRequestId(input.headers, handling.getStore()) }),
      startChildWorkflowExecution: (input, next) => next({ ...input, headers: withRequestId(input.headers, handling.getStore()) }),
      signalWorkflow: (input, next) => next({ ...input, headers: withRequestId(input.headers, handling.getStore()) }),
    },
  ],
});
