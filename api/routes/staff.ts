import Router from '@koa/router';
import { recordDeparture } from '../../db/enrollments';
import { isoOrNull } from '../../domain/iso';
import { placeSummary } from '../../db/public-board';
import { applicationWorkflowId, registerArrivalUpdate } from '../../contracts/application';
import type { FilingDeps } from '../filing';
import { checkPlaceEntry } from '../place-entry';
import { Problem } from '../problems';
import { idempotencyKeySchema } from '../schemas/applications';
import { addPlacesSchema, arrivalSchema, departureSchema } from '../schemas/staff';
import { requireStaff } from '../staff';
import { validateBody } from '../validate';

/** Kindergarten staff: their places (R4.2), arrivals (R7.1) and departures (R7.3). Role: kindergarten_staff. */
export function staffRoutes(deps: FilingDeps): Router {
  const router = new Router({ prefix: '/api/v1/staff' });

  router.post('/arrivals', async (ctx) => {
    const staff = await requireStaff(ctx, deps.db, 'kindergarten_staff');
    const { applicationNumber } = validateBody(ctx, arrivalSchema);
    // Only referrals to the staff member's own kindergarten exist for them.
    const referral = await deps.db('referrals')
      .where({ application_number: applicationNumber, kindergarten_id: staff.kindergartenId })
      .whereIn('state', ['active', 'used'])
      .orderBy('id', 'desc')
      .first('id', 'state');
    if (!referral) throw new Problem('NOT_FOUND', `no active referral ${applicationNumber} to this kindergarten`);
    // A repeat (a retry after a lost answer) answers with the state it already took effect in.
    if (referral.state === 'used') {
      ctx.body = { applicationNumber, status: 'enrolled' };
      return;
    }
    // One arrival per referral unless the client names its retries itself.
    const key = ctx.get('idempotency-key');
    if (key && !idempotencyKeySchema.safeParse(key).success) {
      throw new Problem('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key is 8–128 letters, digits or ._:-');
    }
    const requestId = key || `arrival:${applicationNumber}`;
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
    const { childIin } = validateBody(ctx, departureSchema);
    const recorded = await recordDeparture(deps.db, {
      childIin,
      kindergartenId: staff.kindergartenId!,
      at: new Date(),
      recordedBy: staff.iin,
    });
    if (!recorded) throw new Problem('NOT_FOUND', 'no such child is enrolled at this kindergarten');
    ctx.body = { childIin, departed: true };
  });

  // R4.2: add free places to the staff member's kindergarten; they are published at the next run.
  router.post('/places', async (ctx) => {
    const staff = await requireStaff(ctx, deps.db, 'kindergarten_staff');
    const p = validateBody(ctx, addPlacesSchema);
    await checkPlaceEntry(deps.db, staff.kindergartenId!, p);
    const [row] = await deps.db('places')
      .insert({
        kindergarten_id: staff.kindergartenId,
        group_year: p.groupYear,
        language: p.language,
        place_type: p.placeType,
        total: p.count,
        free: p.count,
        released_on: p.releasedOn,
        added_by: staff.iin,
      })
      .returning('*');
    ctx.status = 201;
    ctx.body = ownPlace(row);
  });

  router.get('/places', async (ctx) => {
    const staff = await requireStaff(ctx, deps.db, 'kindergarten_staff');
    const rows = await deps.db('places').where({ kindergarten_id: staff.kindergartenId }).orderBy('id', 'desc').limit(500);
    ctx.body = { places: rows.map(ownPlace) };
  });

  return router;
}

function ownPlace(r: Record<string, any>) {
  return { ...placeSummary(r), addedAt: isoOrNull(r.added_at), freeChoiceSince: isoOrNull(r.free_choice_since) };
}
