import { randomUUID } from 'node:crypto';
import { applicationWorkflow } from '../../workflows/application';
import { confirmInterestUpdate } from '../../contracts/application';
import { buildFiling } from '../helpers/filings';
import { eventually, finished, noticesOf, request, startApplication, waitForState } from '../helpers/lifecycle';
import { useWorkflowSuite } from '../helpers/temporal';

// A short update bound, so that the update test below fails its wait long before jest's 60 s.
const suite = useWorkflowSuite({ updateTimeoutMs: 1000 });

/** How long `work` took to settle, in real milliseconds, and what it rejected with. */
async function refusalOf(work: Promise<unknown>): Promise<{ ms: number; message: string }> {
  const started = Date.now();
  const outcome = await work.then(
    (value) => new Error(`expected the wait to fail, but it gave ${JSON.stringify(value)}`),
    (err: Error) => err,
  );
  return { ms: Date.now() - started, message: outcome.message };
}

describe('bounded waits: a wait that cannot be satisfied fails within its bound, saying what it waited for', () => {
  it('eventually fails with the expectation and the last reading instead of returning it', async () => {
    const { ms, message } = await refusalOf(eventually(async () => ({ seats: 1 }), (v) => v.seats === 2, { expect: 'two seats', timeoutMs: 300 }));
    expect(message).toBe('eventually: expected two seats within 300 ms; last reading: {"seats":1}');
    expect(ms).toBeLessThan(2000);
    // Without a description it names the predicate.
    const unnamed = await refusalOf(eventually(async () => 1, (v) => v > 1, { timeoutMs: 100 }));
    expect(unnamed.message).toMatch(/^eventually: expected .*v > 1.* within 100 ms; last reading: 1$/);
  });

  it('waitForState, noticesOf and finished fail after 5 s naming the workflow, what was expected and what was there', async () => {
    const { db, env } = suite;
    const started = await startApplication(env, db, { regionCode: 'almaty' });
    const { number } = started.filing;

    const state = await refusalOf(waitForState(started.handle, (s) => s.status === 'enrolled', 'status enrolled'));
    expect(state.message).toMatch(new RegExp(`^waitForState\\(${number.replace(/\./g, '\\.')}\\): expected status enrolled within 5000 ms; last state: \\{.*"status":"queued"`));
    expect(state.ms).toBeLessThan(8000);

    const notices = await refusalOf(noticesOf(db, number, 'removed', 2, { timeoutMs: 200 }));
    expect(notices.message).toBe(`noticesOf(${number}): expected 2 'removed' notices within 200 ms; last found: 0: []`);

    const run = await refusalOf(finished(started.handle, { timeoutMs: 200 }));
    expect(run.message).toBe(`finished(${number}): expected the run to close within 200 ms; last status: RUNNING`);
    await started.handle.terminate('done');
  });

  it('an update no worker takes up fails within the bound, naming the update and the workflow', async () => {
    const { db, env } = suite;
    const filing = await buildFiling(db, { registeredAt: await env.currentTimeMs(), regionCode: 'almaty' });
    const handle = await env.client.workflow.start(applicationWorkflow, {
      workflowId: filing.number,
      taskQueue: `no-worker-${randomUUID()}`,
      args: [{ filing }],
    });
    const update = await refusalOf(handle.executeUpdate(confirmInterestUpdate, { args: [request({ filing, handle })] }));
    expect(update.message).toBe(`confirmInterest on ${filing.number}: expected an answer within 1000 ms`);
    expect(update.ms).toBeLessThan(3000);
    await handle.terminate('done');
  });
});
