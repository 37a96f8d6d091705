import { Problem } from '../problems';
import { checkDependencies } from '../readiness';
import { route, type AnyRoute } from '../route';
import type { AppDeps } from '../app';
import { livenessAnswer, readinessAnswer } from '../schemas/responses';

/** Ready: not shutting down, and PostgreSQL and Temporal answer. */
async function readiness(deps: AppDeps) {
  // Draining answers at once: the balancer is to stop sending here, whatever the dependencies say.
  if (deps.lifecycle?.draining) throw new Problem('UNAVAILABLE', 'the API is shutting down', { shuttingDown: true });
  const checks = await checkDependencies(deps);
  const { postgres, temporal } = checks;
  if (postgres !== 'up' || temporal !== 'up') throw new Problem('UNAVAILABLE', 'a dependency does not answer', { checks });
  return { status: 'ok' as const, checks: { postgres, temporal } };
}

export const HEALTH_ROUTES: AnyRoute[] = [
  route({
    operationId: 'checkLiveness',
    method: 'get',
    path: '/livez',
    role: 'anyone',
    summary: '200 while the process answers; checks no dependency (a restart would not mend one)',
    ok: { status: 200, schema: livenessAnswer },
    async handle() {
      return { status: 'ok' as const };
    },
  }),
  route({
    operationId: 'checkReadiness',
    method: 'get',
    path: '/readyz',
    role: 'anyone',
    summary: '200 when PostgreSQL and Temporal answer, else 503 naming which; 503 with shuttingDown once SIGTERM came',
    ok: { status: 200, schema: readinessAnswer },
    handle: (_input, deps) => readiness(deps),
  }),
  route({
    operationId: 'checkHealth',
    method: 'get',
    path: '/healthz',
    role: 'anyone',
    summary: 'Deprecated alias of /readyz, removed after one release',
    deprecated: true,
    ok: { status: 200, schema: readinessAnswer },
    handle: (_input, deps) => readiness(deps),
  }),
];
