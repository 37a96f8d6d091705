/**
 * The worker's workflow threads keep no stack trace per promise unless WORKER_STACK_TRACES=true
 * (worker/workflow-threads.cjs, loaded by the worker's Node flags): the SDK's hook that keeps them
 * cost the offer run about a fifth (README, "Benchmarks"). Each case is a real worker on the jest
 * run's Temporal server, in a child process started as the worker process is.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { nodeFlags } from '../../scripts/lib/node-flags.cjs';
import { workflowStackTraces } from '../../worker/stack-traces';

const ROOT = path.resolve(__dirname, '..', '..');
const NOT_ENABLED = 'Workflow stack traces are not enabled on this worker';

interface Answer {
  trace?: string;
  refused?: string;
  result: string;
}

let runs = 0;
async function workerAnswer(flags: string[], env: Record<string, string | undefined>): Promise<Answer> {
  const taskQueue = `stack-traces-${process.pid}-${++runs}`;
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--import', 'tsx', path.join(__dirname, 'stack-trace-worker.ts'), taskQueue], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Answer;
}

describe('workflow stack traces (WORKER_STACK_TRACES)', () => {
  const workerFlags = nodeFlags('worker/main.ts');

  it('are off by default in a worker started with its flags; the workflow runs as ever', async () => {
    const answer = await workerAnswer(workerFlags, { WORKER_STACK_TRACES: undefined });
    expect(answer.trace).toBeUndefined();
    expect(answer.refused).toContain(NOT_ENABLED);
    expect(answer.result).toBe('finished');
  }, 150_000);

  it('are on with WORKER_STACK_TRACES=true: the query shows where the workflow waits', async () => {
    const answer = await workerAnswer(workerFlags, { WORKER_STACK_TRACES: 'true' });
    expect(answer.refused).toBeUndefined();
    expect(answer.trace).toContain('waitsToFinish');
    expect(answer.result).toBe('finished');
  }, 150_000);

  it('are on in a worker started without the flags, whatever the setting', async () => {
    const answer = await workerAnswer([], { WORKER_STACK_TRACES: 'false' });
    expect(answer.trace).toContain('waitsToFinish');
  }, 150_000);
});

describe('what the worker says about them at start (worker/stack-traces.ts)', () => {
  it('off, as asked, when the flags loaded the preload and the SDK is as expected', () => {
    expect(workflowStackTraces(false, { wanted: false, sdkKnown: true })).toMatchObject({ on: false, unexpected: false });
  });

  it('on, as asked', () => {
    expect(workflowStackTraces(true, undefined)).toMatchObject({ on: true, unexpected: false });
  });

  it('on against the setting, and a warning naming why: no preload, or an SDK whose internals moved', () => {
    const noPreload = workflowStackTraces(false, undefined);
    expect(noPreload).toMatchObject({ on: true, unexpected: true });
    expect(noPreload.message).toContain('--require worker/workflow-threads.cjs');
    const movedSdk = workflowStackTraces(false, { wanted: false, sdkKnown: false });
    expect(movedSdk).toMatchObject({ on: true, unexpected: true });
    expect(movedSdk.message).toContain('SDK');
  });
});
