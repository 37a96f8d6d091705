import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { Problem } from '../problems';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref())]);
}

/** GET /healthz: 200 only when both PostgreSQL and Temporal answer. */
export function healthRoutes({ db, temporal }: { db: Db; temporal: Client }): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const [postgres, temporalServer] = await Promise.all([
      withTimeout(db.raw('SELECT 1')).then(() => 'up', () => 'down'),
      withTimeout(temporal.workflowService.getSystemInfo({})).then(() => 'up', () => 'down'),
    ]);
    if (postgres !== 'up' || temporalServer !== 'up') {
      throw new Problem('UNAVAILABLE', 'a dependency does not answer', { checks: { postgres, temporal: temporalServer } });
    }
    ctx.body = { status: 'ok', checks: { postgres, temporal: temporalServer } };
  });
  return router;
}
