import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { startWorkerHealth } from '../../worker/health';
import { testDb } from '../helpers/db';
import { freePort, runProcess, untilReady, type Child } from '../helpers/processes';

// Bundling the workflows on two shared cores takes a while.
const START_MS = 150_000;
/**
 * A namespace of its own: the worker process starts the one-off corrections and polls the task
 * queues, and none of that is to reach the workflows other test files run in `default`.
 */
const NAMESPACE = 'worker-health';

async function ensureNamespace(): Promise<void> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  try {
    await connection.workflowService.registerNamespace({ namespace: NAMESPACE, workflowExecutionRetentionPeriod: msToTs('1 day') }).catch((err: { code?: number }) => {
      if (err.code !== 6) throw err; // ALREADY_EXISTS: a run before this one in the same server
    });
    for (let i = 0; ; i++) {
      const known = await connection.workflowService.describeNamespace({ namespace: NAMESPACE }).then(() => true, () => false);
      if (known) return;
      if (i > 100) throw new Error(`namespace ${NAMESPACE} not known 30 s after it was registered`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    await connection.close();
  }
}

const get = (url: string) => fetch(url).then(async (r) => ({ status: r.status, type: r.headers.get('content-type') ?? '', body: (await r.json()) as any }));

describe("the worker process's /livez and /readyz", () => {
  let worker: Child | undefined;
  afterAll(() => worker?.stop());

  it('is live at once, ready once it polls, not ready from SIGTERM on, and exits 0', async () => {
    await ensureNamespace();
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    worker = runProcess('worker/main.ts', {
      TEMPORAL_NAMESPACE: NAMESPACE,
      WORKER_HEALTH_PORT: String(port),
      WORKER_METRICS_PORT: '0',
      SHUTDOWN_GRACE_SECONDS: '5',
      CREATE_SCHEDULES: 'false',
      REGISTER_SEARCH_ATTRIBUTES: 'true',
      NOTICE_DISPATCHER: 'false',
      DOCUMENT_DISPATCHER: 'false',
      LOG_LEVEL: 'info',
    });

    await untilReady(worker, `${base}/livez`, START_MS);
    expect(await get(`${base}/livez`)).toEqual({ status: 200, type: 'application/json', body: { status: 'ok' } });
    await untilReady(worker, `${base}/readyz`, START_MS);
    expect(await get(`${base}/readyz`)).toEqual({
      status: 200,
      type: 'application/json',
      body: { status: 'ok', checks: { workers: 'polling', postgres: 'up', temporal: 'up' } },
    });
    expect(worker.output()).toContain('worker polling task queues');
    // Started as npm start starts it (its Node flags): the workflow threads keep no stack per promise.
    expect(worker.output()).toContain('workflow stack traces off (WORKER_STACK_TRACES=false)');
    const unknown = await get(`${base}/metrics`);
    expect([unknown.status, unknown.type, unknown.body.code]).toEqual([404, 'application/problem+json', 'NOT_FOUND']);

    worker.process.kill('SIGTERM');
    // Once the signal is handled it is never ready again: 503 while it drains, then no answer at all.
    // (A check that arrives before the process has handled the signal may still be answered 200.)
    const statuses: number[] = [];
    const deadline = Date.now() + 60_000;
    while (statuses.at(-1) !== 0 && Date.now() < deadline) {
      statuses.push(await fetch(`${base}/readyz`).then((r) => r.status, () => 0));
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(statuses.at(-1)).toBe(0);
    const firstNotReady = statuses.findIndex((s) => s !== 200);
    expect(statuses.slice(firstNotReady).filter((s) => s !== 503 && s !== 0)).toEqual([]);
    expect(await worker.exited).toBe(0);
  }, 2 * START_MS + 30_000);

  it('answers 503 naming the workers while none polls yet, and the check that fails', async () => {
    // The server alone, as the process starts it before any worker runs: live, not ready.
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    const db = testDb();
    const server = await startWorkerHealth(0, { workers: [], db, temporal: new Client({ connection }) });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await get(`${base}/livez`)).status).toBe(200);
      const res = await get(`${base}/readyz`);
      expect([res.status, res.type]).toEqual([503, 'application/problem+json']);
      expect(res.body).toMatchObject({ code: 'UNAVAILABLE', checks: { workers: ['starting'], postgres: 'up', temporal: 'up' } });
    } finally {
      server.close();
      server.closeAllConnections();
      await connection.close();
      await db.destroy();
    }
  });
});
