/**
 * What the worker says at start about its workflow threads' stack traces (worker/workflow-threads.cjs,
 * loaded by the process's Node flags, decides them; this only reads what it found). A worker started
 * without those flags keeps the SDK's stack traces whatever WORKER_STACK_TRACES says, and says so.
 */
// The preload's key, by name rather than imported: importing the preload would run it, and a process
// started without it would then look as if it had been.
const REPORT = Symbol.for('kindergarten-queue.workflow-threads');

interface PreloadReport {
  wanted: boolean;
  sdkKnown: boolean;
}

export interface StackTraceState {
  /** Whether the workflow threads keep a stack per promise (the `__stack_trace` query answers). */
  on: boolean;
  /** Whether that is not what WORKER_STACK_TRACES asked for. */
  unexpected: boolean;
  message: string;
}

export function workflowStackTraces(wanted: boolean, report = (globalThis as Record<symbol, unknown>)[REPORT] as PreloadReport | undefined): StackTraceState {
  if (wanted) return { on: true, unexpected: false, message: 'workflow stack traces on (WORKER_STACK_TRACES=true): the Web UI’s Stack Trace tab answers, at a cost to every workflow task' };
  if (!report) {
    return {
      on: true,
      unexpected: true,
      message: 'workflow stack traces stay on although WORKER_STACK_TRACES=false: the process was started without `--require worker/workflow-threads.cjs` (scripts/lib/node-flags.cjs)',
    };
  }
  if (!report.sdkKnown) {
    return {
      on: true,
      unexpected: true,
      message: 'workflow stack traces stay on although WORKER_STACK_TRACES=false: the Temporal SDK’s handlers are not where worker/workflow-threads.cjs expects them (another SDK version?)',
    };
  }
  return { on: false, unexpected: false, message: 'workflow stack traces off (WORKER_STACK_TRACES=false): the Stack Trace query answers that they are not enabled' };
}
