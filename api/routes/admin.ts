import { placeInvariantViolations } from '../../db/invariants';
import { scheduleId } from '../../contracts/offer';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { invariantsAnswer, runAnswer } from '../schemas/responses';
import { dailyRunSchema } from '../schemas/staff';
import { operatorKeeps } from '../staff';

/** Operators: run the daily publication or offer now, and check the seat invariant. Role: operator. */
export const ADMIN_ROUTES: AnyRoute[] = [
  route({
    operationId: 'triggerDailyRun',
    method: 'post',
    path: '/api/v1/admin/runs',
    role: 'operator',
    summary: 'Run the region’s publication or offer now; the run shows in the Web UI beside the scheduled ones',
    body: dailyRunSchema,
    ok: { status: 202, schema: runAnswer },
    async handle({ caller: operator, body: { run, regionCode } }, { temporal }) {
      if (!operatorKeeps(operator, regionCode)) throw new Problem('FORBIDDEN', 'runs of this region are another operator’s');
      const id = scheduleId(run, regionCode);
      try {
        await temporal.schedule.getHandle(id).trigger();
      } catch (err) {
        if ((err as Error).name === 'ScheduleNotFoundError') throw new Problem('NOT_FOUND', `no schedule ${id}`);
        throw err;
      }
      return { scheduleId: id, triggered: true as const };
    },
  }),
  route({
    operationId: 'checkInvariants',
    method: 'get',
    path: '/api/v1/admin/invariants',
    role: 'operator',
    summary: 'R4.8: the seat invariant',
    ok: { status: 200, schema: invariantsAnswer },
    async handle(_input, { db }) {
      const violations = await placeInvariantViolations(db);
      return { ok: violations.length === 0, placeViolations: violations };
    },
  }),
];
