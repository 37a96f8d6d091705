import { recordDeparture } from '../../db/enrollments';
import { placeSummary, placesWithNeedCategory } from '../../db/public-board';
import { isoOrNull, iso } from '../../domain/iso';
import { applicationWorkflowId, registerArrivalUpdate } from '../../contracts/application';
import { sendBenefitConfirmation } from '../benefit-confirmation';
import { checkPlaceEntry } from '../place-entry';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { applicationParamsSchema, idempotencyKeySchema } from '../schemas/applications';
import { arrivalAnswer, benefitConfirmedAnswer, departureAnswer, ownPlaceAnswer, ownPlacesAnswer } from '../schemas/responses';
import { addPlacesSchema, arrivalSchema, confirmBenefitSchema, departureSchema } from '../schemas/staff';

function ownPlace(r: Record<string, any>) {
  return { ...placeSummary(r), addedAt: iso(r.added_at), freeChoiceSince: isoOrNull(r.free_choice_since) };
}

/** Kindergarten staff: their places (R4.2), arrivals (R7.1) and departures (R7.3). Role: kindergarten_staff. */
export const STAFF_ROUTES: AnyRoute[] = [
  route({
    operationId: 'addPlaces',
    method: 'post',
    path: '/api/v1/staff/places',
    role: 'kindergarten_staff',
    summary: 'R4.2: free places of their kindergarten; published at the next run',
    body: addPlacesSchema,
    ok: { status: 201, schema: ownPlaceAnswer },
    async handle({ caller: staff, body: p }, { db }) {
      await checkPlaceEntry(db, staff.kindergartenId!, p);
      const [row] = await db('places')
        .insert({
          kindergarten_id: staff.kindergartenId,
          group_year: p.groupYear,
          language: p.language,
          place_type: p.placeType,
          total: p.count,
          free: p.count,
          released_on: p.releasedOn,
          added_by: staff.iin,
          need_category: p.needCategory ?? null, // R8.1
        })
        .returning('id');
      return ownPlace(await placesWithNeedCategory(db).where('p.id', row.id).first());
    },
  }),
  route({
    operationId: 'listOwnPlaces',
    method: 'get',
    path: '/api/v1/staff/places',
    role: 'kindergarten_staff',
    summary: 'Their kindergarten’s places',
    ok: { status: 200, schema: ownPlacesAnswer },
    async handle({ caller: staff }, { db }) {
      const rows = await placesWithNeedCategory(db).where('p.kindergarten_id', staff.kindergartenId).orderBy('p.id', 'desc').limit(500);
      return { places: rows.map(ownPlace) };
    },
  }),
  route({
    operationId: 'registerArrival',
    method: 'post',
    path: '/api/v1/staff/arrivals',
    role: 'kindergarten_staff',
    summary: 'R7.1: the child arrived with a referral to their kindergarten; a repeat answers the state it took effect in',
    body: arrivalSchema,
    headers: [{ name: 'Idempotency-Key', schema: idempotencyKeySchema, description: 'Names a client’s retries of one arrival' }],
    ok: { status: 200, schema: arrivalAnswer },
    async handle({ ctx, caller: staff, body: { applicationNumber } }, { db, temporal }) {
      // Only referrals to the staff member's own kindergarten exist for them.
      const referral = await db('referrals')
        .where({ application_number: applicationNumber, kindergarten_id: staff.kindergartenId })
        .whereIn('state', ['active', 'used'])
        .orderBy('id', 'desc')
        .first('id', 'state');
      if (!referral) throw new Problem('NOT_FOUND', `no active referral ${applicationNumber} to this kindergarten`);
      // A repeat (a retry after a lost answer) answers with the state it already took effect in.
      if (referral.state === 'used') return { applicationNumber, status: 'enrolled' as const };
      // One arrival per referral unless the client names its retries itself.
      const key = ctx.get('idempotency-key');
      if (key && !idempotencyKeySchema.safeParse(key).success) {
        throw new Problem('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key is 8–128 letters, digits or ._:-');
      }
      const requestId = key || `arrival:${applicationNumber}`;
      const state = await temporal.workflow.getHandle(applicationWorkflowId(applicationNumber)).executeUpdate(registerArrivalUpdate, {
        args: [{ requestId, actorIin: staff.iin, kindergartenId: staff.kindergartenId! }],
        updateId: requestId,
      });
      return { applicationNumber, status: state.status };
    },
  }),
  route({
    operationId: 'confirmBenefitAtEnrolment',
    method: 'post',
    path: '/api/v1/staff/applications/:number/confirm-benefit',
    role: 'kindergarten_staff',
    summary:
      'R5.7: where the region confirms benefits at enrolment, staff of the referral’s kindergarten record the benefit document’s issue date and accept or reject it, before registering the child; 404 without an active referral to their kindergarten',
    params: applicationParamsSchema,
    signed: { action: 'confirmBenefitAtEnrolment', fields: confirmBenefitSchema, namesApplication: true, example: { accepted: 'true', documentIssuedOn: '2026-11-20' } },
    ok: { status: 200, schema: benefitConfirmedAnswer },
    async handle({ params, caller: staff, signed }, { db, temporal }) {
      // Only referrals to the staff member's own kindergarten exist for them.
      const referral = await db('referrals').where({ application_number: params.number, kindergarten_id: staff.kindergartenId, state: 'active' }).first('id');
      if (!referral) throw new Problem('NOT_FOUND', `no active referral ${params.number} to this kindergarten`);
      return signed((doc) => sendBenefitConfirmation(temporal, params.number, staff.iin, doc, staff.kindergartenId!), params.number);
    },
  }),
  route({
    operationId: 'registerDeparture',
    method: 'post',
    path: '/api/v1/staff/departures',
    role: 'kindergarten_staff',
    summary: 'R7.3: the child left their kindergarten',
    body: departureSchema,
    ok: { status: 200, schema: departureAnswer },
    async handle({ caller: staff, body: { childIin } }, { db }) {
      const recorded = await recordDeparture(db, { childIin, kindergartenId: staff.kindergartenId!, at: new Date(), recordedBy: staff.iin });
      if (!recorded) throw new Problem('NOT_FOUND', 'no such child is enrolled at this kindergarten');
      return { childIin, departed: true as const };
    },
  }),
];
