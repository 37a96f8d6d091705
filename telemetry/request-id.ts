import { AsyncLocalStorage } from 'node:async_hooks';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { requestIdOf, withRequestId } from '../contracts/request-id';

/**
 * The request ID of the work in hand: the API's request (api/request-log.ts), or the activity that
 * runs on a request's behalf. A Temporal client sends it on (requestIdClientInterceptor).
 */
const current = new AsyncLocalStorage<string>();

export const runWithRequestId = <T>(requestId: string | undefined, fn: () => T): T => (requestId ? current.run(requestId, fn) : fn());

export const currentRequestId = (): string | undefined => current.getStore();

/**
 * A client's interceptor: each start, signal and update sent while a request is in hand carries
 * its ID (contracts/request-id.ts); queries and anything sent outside a request carry none.
 */
export const requestIdClientInterceptor: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => next({ ...input, headers: withRequestId(input.headers, currentRequestId()) }),
  signal: (input, next) => next({ ...input, headers: withRequestId(input.headers, currentRequestId()) }),
  signalWithStart: (input, next) => next({ ...input, headers: withRequestId(input.headers, currentRequestId()) }),
  startUpdate: (input, next) => next({ ...input, headers: withRequestId(input.headers, currentRequestId()) }),
  startUpdateWithStart: (input, next) => {
    const id = currentRequestId();
    return next({ ...input, workflowStartHeaders: withRequestId(input.workflowStartHeaders, id), updateHeaders: withRequestId(input.updateHeaders, id) });
  },
};

/**
 * A worker's activity interceptor: an activity scheduled on a request's behalf (the workflow
 * interceptors pass the header on) logs with its `requestId`, and whatever it starts, signals or
 * updates through the worker's client carries the ID further.
 */
export const requestIdActivityInterceptor: ActivityInterceptorsFactory = () => {
  let requestId: string | undefined;
  return {
    inbound: {
      execute(input, next) {
        requestId = requestIdOf(input.headers);
        return runWithRequestId(requestId, () => next(input));
      },
    },
    outbound: {
      getLogAttributes: (attributes, next) => next(requestId ? { ...attributes, requestId } : attributes),
    },
  };
};
