import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { placeInvariantViolations } from '../../db/invariants';
import { scheduleId } from '../../contracts/offer';
import { Problem } from '../problems';
import { dailyRunSchema } from '../schemas/staff';
import { operatorKeeps, requireStaff } from '../staff';
import { validateBody } from '../validate';

/** Operators: run the daily publication or offer now, and check the seat invariant. Role: operator. */
export function adminRoutes({ db, temporal }: { db: Db; temporal: Client }): Router {
  const router = new Router({ prefix: '/api/v1/admin' });

  // Triggers the region's schedule, so the run shows in the Web UI beside the scheduled ones.
  router.post('/runs', async (ctx) => {
    const operator = await requireStaff(ctx, db, 'operator');
    const { run, regionCode } = validateBody(ctx, dailyRunSchema);
    if (!operatorKeeps(operator, regionCode)) {
      throw new Problem('FORBIDDEN', 'runs of this region are another operator’s');
    }
    const id = scheduleId(run, regionCode);
    try {
      await temporal.schedule.getHandle(id).trigger();
    } catch (err) {
      if ((err as Error).name === 'ScheduleNotFoundError') throw new Problem('NOT_FOUND', `no schedule ${id}`);
      throw err;
    }
    ctx.status = 202;
    ctx.body = { scheduleId: id, triggered: true };
  });

  // R4.8
  router.get('/invariants', async (ctx) => {
    await requireStaff(ctx, db, 'operator');
    const violations = await placeInvariantViolations(db);
    ctx.body = { ok: violations.length === 0, placeViolations: violations };
  });

  return router;
}
