'use strict';
// Loaded with `node --require` by the worker process (its flags: scripts/lib/node-flags.cjs); Node
// runs it again in each of the process's threads, among them the SDK's workflow threads, before any
// of their own code. Plain CommonJS: it runs before tsx is loaded.
//
// The Temporal SDK (1.24) keeps a stack trace of every promise workflow code creates, for the
// workflow's `__stack_trace` query (the Web UI's "Stack Trace" tab): a V8 promise hook that makes an
// Error, formats its stack through the bundle's source map and keeps it — for every promise, in
// replay too. On the morning's offer run that was about a fifth of the run (README, "Benchmarks").
// The SDK has no option for it (temporalio/sdk-typescript#1587), so unless WORKER_STACK_TRACES=true
// the hook is never installed in a workflow thread; the SDK then answers the query with "Workflow
// stack traces are not enabled on this worker". Nothing else changes: the hook only records, and
// workflow errors keep their stacks.
const { isMainThread } = require('node:worker_threads');

/** The SDK's module that installs the hook. */
const SDK_MODULE = '@temporalio/worker/lib/workflow/vm-shared';
/** Where the main thread leaves what it found, for the worker's start-up log (worker/stack-traces.ts). */
const REPORT = Symbol.for('kindergarten-queue.workflow-threads');

/** The SDK's per-thread handlers, if they still have the shape this file relies on. */
function sdkHandlers() {
  const { globalHandlers } = require(SDK_MODULE);
  const known = globalHandlers && typeof globalHandlers.install === 'function' && typeof globalHandlers.setPromiseHook === 'function';
  return known ? globalHandlers : undefined;
}

const wanted = process.env.WORKER_STACK_TRACES === 'true';
if (isMainThread) {
  globalThis[REPORT] = { wanted, sdkKnown: sdkHandlers() !== undefined };
} else if (!wanted) {
  const handlers = sdkHandlers();
  // install() calls it once per thread; the instance's own property shadows the SDK's method.
  if (handlers) handlers.setPromiseHook = function noPromiseStacks() {};
}

module.exports = { REPORT };
