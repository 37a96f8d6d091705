import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DocumentDispatcherInput } from '../../contracts/documents';
import type { Db } from '../../db/connection';
import type { documentDispatcherWorkflow } from '../../workflows/document-dispatcher';
import { startDocumentDispatcher } from '../../worker/documents';
import { currentRun, eventually, terminateWhenIdle } from '../helpers/lifecycle';
import { createTimeSkippingEnv, uniqueId } from '../helpers/temporal';
import { documentsOf, fileApplication, sha256, startDocumentWorker, stubRenderer, useScratchDatabase } from './helpers';

/** Fast enough to watch in real time: the dispatcher's timers run on the test server's clock. */
const INPUT: DocumentDispatcherInput = { pollIntervalMs: 200, batchSize: 10, timeBudgetMs: 2000, iterationsPerRun: 50 };

describe('R9.2 the document dispatcher workflow (time-skipping server, real PostgreSQL, a stub renderer)', () => {
  const scratch = useScratchDatabase();
  let db: Db;
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof startDocumentWorker>>;
  /** Documents in Russian fail their first two renders (the others are in Kazakh, buildFiling's language). */
  const renderer = stubRenderer((doc, n) => (doc.language === 'ru' && n <= 2 ? new Error(`the page crashed (${n})`) : undefined));

  beforeAll(async () => {
    db = scratch.db;
    env = await createTimeSkippingEnv();
    worker = await startDocumentWorker(env, db, { taskQueue: uniqueId('documents'), renderer, settings: { backoffBaseMs: 100, backoffMaxMs: 200 } });
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.teardown();
  });

  const start = async (input: DocumentDispatcherInput = INPUT) => {
    const workflowId = uniqueId('document-dispatcher');
    expect(await startDocumentDispatcher(env.client, input, { workflowId, taskQueue: worker.taskQueue })).toBe(true);
    return env.client.workflow.getHandle<typeof documentDispatcherWorkflow>(workflowId);
  };

  const allReady = (number: string) =>
    eventually(() => documentsOf(db, number), (rows) => rows.length > 0 && rows.every((r) => r.state === 'ready'), { expect: `the documents of ${number} ready`, timeoutMs: 15_000 });

  it('R9.2 renders the documents filed before it started and while it sleeps, each once, on the documents queue', async () => {
    const before = await fileApplication(db);
    const handle = await start();
    const calls = renderer.calls.length;
    await allReady(before.number);
    const later = await fileApplication(db);
    const rows = [...(await allReady(later.number)), ...(await documentsOf(db, before.number))];
    expect(renderer.calls.length - calls).toBe(6);
    for (const row of rows) expect(row).toMatchObject({ attempts: 1, sha256: sha256(row.content) });
    expect((await handle.describe()).taskQueue).toBe(worker.taskQueue);
    await terminateWhenIdle(handle);
  });

  it('R9.2 a renderer that fails twice: the document is rendered again after its backoff and ends ready', async () => {
    const handle = await start();
    const filing = await fileApplication(db, { language: 'ru' });
    const rows = await allReady(filing.number);
    expect(rows.map((r) => [r.attempts, r.last_error])).toEqual(rows.map(() => [3, 'the page crashed (2)']));
    await terminateWhenIdle(handle);
  });

  it('R9.2 is started once: a second start under the same workflow ID is refused, and the running one goes on', async () => {
    const handle = await start();
    expect(await startDocumentDispatcher(env.client, INPUT, { workflowId: handle.workflowId, taskQueue: worker.taskQueue })).toBe(false);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await terminateWhenIdle(handle);
  });

  it('R9.2 continues as new after its iterations, carrying its totals', async () => {
    const handle = await start({ ...INPUT, pollIntervalMs: 100, iterationsPerRun: 2 });
    const firstRunId = (await handle.describe()).runId;
    const filing = await fileApplication(db);
    await allReady(filing.number);
    const later = await eventually(() => currentRun<DocumentDispatcherInput>(handle), (s) => s.runId !== firstRunId && (s.input.totals?.rendered ?? 0) >= 3, 'a later run whose totals count the three rendered');
    expect(later.input.totals).toMatchObject({ rendered: 3, failed: 0 });
    await terminateWhenIdle(handle);
  });
});
