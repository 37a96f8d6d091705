import http, { type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { checkDependencies } from '../api/readiness';
import { Problem, problemBody, PROBLEMS } from '../api/problems';
import type { Db } from '../db/connection';

export interface WorkerHealthSources {
  /**
   * Every worker the process runs, added once each runs: ready only while each polls its task
   * queue. Empty while the process starts (bundling takes a while): live, not ready.
   */
  workers: readonly Worker[];
  db: Db;
  temporal: Client;
}

type Answer = { status: number; body: object };

/** A worker polls while it runs and neither of its pollers has failed; from SIGTERM on it is STOPPING. */
const polling = (w: Worker) => {
  const s = w.getStatus();
  return s.runState === 'RUNNING' && s.workflowPollerState === 'POLLING' && s.activityPollerState === 'POLLING';
};

async function readiness({ workers, db, temporal }: WorkerHealthSources, path: string): Promise<Answer> {
  const states = workers.length ? workers.map((w) => w.getState()) : ['starting'];
  const workersUp = workers.length > 0 && workers.every(polling);
  // The same dependency check as the API's /readyz: PostgreSQL for the activities, the frontend for the polls.
  const { postgres, temporal: frontend } = await checkDependencies({ db, temporal });
  if (workersUp && postgres === 'up' && frontend === 'up') return { status: 200, body: { status: 'ok', checks: { workers: 'polling', postgres, temporal: frontend } } };
  const detail = workersUp ? 'a dependency does not answer' : `not every worker polls (${states.join(', ')})`;
  const problem = new Problem('UNAVAILABLE', detail, { checks: { workers: workersUp ? 'polling' : states, postgres, temporal: frontend } });
  return { status: PROBLEMS.UNAVAILABLE, body: problemBody(problem, path) };
}

async function answer(sources: WorkerHealthSources, method: string, path: string): Promise<Answer> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, body: problemBody(new Problem('METHOD_NOT_ALLOWED', `${method} is not allowed here; allowed: GET`), path) };
  if (path === '/livez') return { status: 200, body: { status: 'ok' } };
  if (path === '/readyz') return readiness(sources, path);
  return { status: 404, body: problemBody(new Problem('NOT_FOUND', `no route ${method} ${path}`), path) };
}

/**
 * The worker process's /livez (the process answers) and /readyz (its workers poll, PostgreSQL and
 * Temporal answer), on a port of its own: the worker has no other HTTP server.
 */
export function startWorkerHealth(port: number, sources: WorkerHealthSources): Promise<Server> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://worker').pathname;
    answer(sources, req.method ?? 'GET', path).then(
      ({ status, body }) => {
        res.writeHead(status, { 'content-type': status < 400 ? 'application/json' : 'application/problem+json', 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
      },
      (err) => {
        console.error('worker health check failed', err);
        res.writeHead(500).end();
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
