import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { healthAnswer } from '../schemas/responses';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref())]);
}

export const HEALTH_ROUTES: AnyRoute[] = [
  route({
    operationId: 'checkHealth',
    method: 'get',
    path: '/healthz',
    role: 'anyone',
    summary: '200 when PostgreSQL and Temporal answer, else 503 naming which',
    ok: { status: 200, schema: healthAnswer },
    async handle(_input, { db, temporal }) {
      const [postgres, temporalServer] = await Promise.all([
        withTimeout(db.raw('SELECT 1')).then(() => 'up' as const, () => 'down' as const),
        withTimeout(temporal.workflowService.getSystemInfo({})).then(() => 'up' as const, () => 'down' as const),
      ]);
      if (postgres !== 'up' || temporalServer !== 'up') {
        throw new Problem('UNAVAILABLE', 'a dependency does not answer', { checks: { postgres, temporal: temporalServer } });
      }
      return { status: 'ok' as const, checks: { postgres, temporal: temporalServer } };
    },
  }),
];
