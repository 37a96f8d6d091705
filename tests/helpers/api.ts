import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createApp } from '../../api/app';
import type { Db } from '../../db/connection';
import { MirroredPersonRegistry } from '../../db/person-registry';
import { testDb } from './db';
import { createDevServerEnv, createTestWorker } from './temporal';

export interface ApiHarness {
  db: Db;
  env: TestWorkflowEnvironment;
  baseUrl: string;
  /** Sends a request as `iin` (the development header) and parses the JSON answer. */
  request(
    method: string,
    path: string,
    opts?: { iin?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; type: string; body: any }>;
  close(): Promise<void>;
}

/** The real API on an ephemeral port, a real worker, the run's PostgreSQL and dev server. */
export async function startApi(opts: { devIdentity?: boolean } = {}): Promise<ApiHarness> {
  const db = testDb();
  const env = await createDevServerEnv();
  const worker: Worker = await createTestWorker(env, db);
  const running = worker.run();
  const app = createApp({ db, temporal: env.client, registry: new MirroredPersonRegistry(db), devIdentity: opts.devIdentity ?? true });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    db,
    env,
    baseUrl,
    async request(method, path, { iin, body, headers = {} } = {}) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: {
          ...(iin ? { 'x-dev-iin': iin } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await new Promise((r) => server.close(r));
      worker.shutdown();
      await running;
      await env.teardown();
      await db.destroy();
    },
  };
}
