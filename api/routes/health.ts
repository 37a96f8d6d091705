import { Problem } from '../problems';
import { checkDependencies } from '../readiness';
import { route, type AnyRoute } from '../route';
import { healthAnswer } from '../schemas/responses';

export const HEALTH_ROUTES: AnyRoute[] = [
  route({
    operationId: 'checkHealth',
    method: 'get',
    path: '/healthz',
    role: 'anyone',
    summary: '200 when PostgreSQL and Temporal answer, else 503 naming which',
    ok: { status: 200, schema: healthAnswer },
    async handle(_input, deps) {
      const checks = await checkDependencies(deps);
      const { postgres, temporal } = checks;
      if (postgres !== 'up' || temporal !== 'up') throw new Problem('UNAVAILABLE', 'a dependency does not answer', { checks });
      return { status: 'ok' as const, checks: { postgres, temporal } };
    },
  }),
];
