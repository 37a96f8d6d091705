import Router from '@koa/router';
import { z } from 'zod';
import { recordDeparture } from '../../db/enrollments';
import { applicationWorkflowId, registerArrivalUpdate } from '../../workflows/application.messages';
import type { FilingDeps } from '../filing';
import { Problem } from '../problems';
import { applicationNumberSchema, idempotencyKeySchema } from '../schemas/applications';
import { departureSchema } from '../schemas/staff';
import { requireStaff } from '../staff';
import { validate } from '../validate';

const arrivalSchema = z.object({ applicationNumber: applicationNumberSchema }).strict();

/** Kindergarten staff: register a referred child's arrival (R7.1) and record departures (R7.3). Role: kindergarten_staff. */
export function staffRoutes(deps: FilingDeps): Router {
  const router = new Router({ prefix: '/api/v1/staff' });

  router.post('/arrivals', async (ctx) => {
    const staff = await requireStaff(ctx, deps.db, 'kindergarten_staff');
    const { applicationNumber } = validate(arrivalSchema, ctx.request.body);
    // Only referrals to the staff member's own kindergarten exist for them.
    const referral = await deps.db('referrals')
      .where({ application_number: applicationNumber, kindergarten_id: staff.kindergartenId, state: 'active' })
      .first('id');
    if (!referral) throw new Problem('NOT_FOUND', `no active referral ${applicationNumber} to this kindergarten`);
    const key = ctx.get('idempotency-key');
    const requestId = key && idempotencyKeySchema.safeParse(key).success ? key : `arrival:${applicationNumber}`;
    const state = await deps.temporal.workflow
      .getHandle(applicationWorkflowId(applicationNumber))
      .executeUpdate(registerArrivalUpdate, {
        args: [{ requestId, actorIin: staff.iin, kindergartenId: staff.kindergartenId! }],
        updateId: requestId,
      });
    ctx.body = { applicationNumber, status: state.status };
  });

  router.post('/departures', async (ctx) => {
    const staff = await requireStaff(ctx, deps.db, 'kindergarten_staff');
    const { childIin } = validate(departureSchema, ctx.request.body);
    const recorded = await recordDeparture(deps.db, {
      childIin,
      kindergartenId: staff.kindergartenId!,
      at: new Date(),
      recordedBy: staff.iin,
    });
    if (!recorded) throw new Problem('NOT_FOUND', 'no such child is enrolled at this kindergarten');
    ctx.body = { childIin, departed: true };
  });

  return router;
}
