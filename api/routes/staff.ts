import type { Db } from '../../db/connection';
import { recordDeparture } from '../../db/enrollments';
import { correctPlace, withdrawPlace, type PlaceChangeOutcome, type PlaceRefusal } from '../../db/place-changes';
import { awaitingArrivals, enrolledChildren, ownPlace, ownPlaces } from '../../db/staff-views';
import { applicationWorkflowId, registerArrivalUpdate } from '../../contracts/application';
import { sendBenefitConfirmation } from '../benefit-confirmation';
import { checkPlaceEntry, checkPlaceFields } from '../place-entry';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { applicationParamsSchema, idempotencyKeySchema } from '../schemas/applications';
import {
  arrivalAnswer,
  awaitingArrivalsAnswer,
  benefitConfirmedAnswer,
  departureAnswer,
  enrolledChildrenAnswer,
  ownPlaceAnswer,
  ownPlacesAnswer,
} from '../schemas/responses';
import {
  addPlacesSchema,
  arrivalSchema,
  confirmBenefitSchema,
  correctPlaceSchema,
  departureSchema,
  placeParamsSchema,
  staffPageSchema,
  withdrawPlaceSchema,
} from '../schemas/staff';
import { nextPage, pageHeaders } from './public';

const REFUSALS: Record<PlaceRefusal, string> = {
  PLACE_WITHDRAWN: 'the place was withdrawn; add a new one instead',
  PLACE_IN_OPEN_WAVE: 'the place is offered in a wave whose choice window is open: seats may be added, nothing else changed',
  PLACE_SEATS_TAKEN: 'a seat of the place is taken: seats may be added, nothing else changed',
};

/** R4.2: the place as it now is, or the problem that refused the change; another kindergarten's place is missing. */
async function placeAfter(db: Db, outcome: PlaceChangeOutcome, kindergartenId: number, placeId: number) {
  if (outcome.outcome === 'not_found') throw new Problem('NOT_FOUND', `no place ${placeId} at this kindergarten`);
  if (outcome.outcome === 'refused') throw new Problem(outcome.code, REFUSALS[outcome.code], { placeId, place: outcome.place });
  return (await ownPlace(db, kindergartenId, placeId))!;
}

/**
 * Kindergarten staff: their places, corrected or withdrawn with a reason (R4.2), the referrals awaiting
 * arrival and the children enrolled (R5.2, R7.1), arrivals (R7.1) and departures (R7.3). Everything is
 * of their own kindergarten. Not signed: binding actions (R1.2) are the applicant's. Role: kindergarten_staff.
 */
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
      return (await ownPlace(db, staff.kindergartenId!, row.id))!;
    },
  }),
  route({
    operationId: 'listOwnPlaces',
    method: 'get',
    path: '/api/v1/staff/places',
    role: 'kindergarten_staff',
    summary: 'R4.2, R4.7: their kindergarten’s places with seats taken and free, the newest added first, a page at a time',
    query: staffPageSchema,
    ok: { status: 200, schema: ownPlacesAnswer, headers: pageHeaders },
    async handle({ ctx, caller: staff, query: { limit, cursor } }, { db }) {
      const { places, next } = await ownPlaces(db, staff.kindergartenId!, { limit, after: cursor });
      return { places, next: nextPage(ctx, next) };
    },
  }),
  route({
    operationId: 'correctPlace',
    method: 'patch',
    path: '/api/v1/staff/places/:id',
    role: 'kindergarten_staff',
    summary:
      'R4.2: correct a place of their kindergarten, saying why: every field while no seat is taken and no open offer wave holds it, otherwise only more seats; recorded with who and when; 404 for another kindergarten’s place',
    params: placeParamsSchema,
    body: correctPlaceSchema,
    ok: { status: 200, schema: ownPlaceAnswer },
    async handle({ caller: staff, params, body: { reason, ...change } }, { db }) {
      const kindergartenId = staff.kindergartenId!;
      const outcome = await correctPlace(db, {
        placeId: params.id,
        kindergartenId,
        change,
        reason,
        by: staff.iin,
        at: new Date(),
        check: (trx, changed) => checkPlaceFields(trx, kindergartenId, changed),
      });
      return placeAfter(db, outcome, kindergartenId, params.id);
    },
  }),
  route({
    operationId: 'withdrawPlace',
    method: 'post',
    path: '/api/v1/staff/places/:id/withdrawal',
    role: 'kindergarten_staff',
    summary:
      'R4.2: withdraw a place of their kindergarten no seat of which is taken and that no open offer wave holds, saying why; it is no longer offered, chosen or published; a repeat answers the withdrawn place; 404 for another kindergarten’s place',
    params: placeParamsSchema,
    body: withdrawPlaceSchema,
    ok: { status: 200, schema: ownPlaceAnswer },
    async handle({ caller: staff, params, body: { reason } }, { db }) {
      const kindergartenId = staff.kindergartenId!;
      const outcome = await withdrawPlace(db, { placeId: params.id, kindergartenId, reason, by: staff.iin, at: new Date() });
      return placeAfter(db, outcome, kindergartenId, params.id);
    },
  }),
  route({
    operationId: 'listAwaitingArrivals',
    method: 'get',
    path: '/api/v1/staff/referrals',
    role: 'kindergarten_staff',
    summary: 'R5.2, R7.1: referrals to their kindergarten awaiting the child’s arrival, the nearest deadline first, a page at a time',
    query: staffPageSchema,
    ok: { status: 200, schema: awaitingArrivalsAnswer, headers: pageHeaders },
    async handle({ ctx, caller: staff, query: { limit, cursor } }, { db }) {
      const { referrals, next } = await awaitingArrivals(db, staff.kindergartenId!, { limit, after: cursor });
      return { referrals, next: nextPage(ctx, next) };
    },
  }),
  route({
    operationId: 'listEnrolledChildren',
    method: 'get',
    path: '/api/v1/staff/enrollments',
    role: 'kindergarten_staff',
    summary: 'R7.1, R7.3: the children enrolled at their kindergarten who have not left, the latest enrolled first, a page at a time',
    query: staffPageSchema,
    ok: { status: 200, schema: enrolledChildrenAnswer, headers: pageHeaders },
    async handle({ ctx, caller: staff, query: { limit, cursor } }, { db }) {
      const { children, next } = await enrolledChildren(db, staff.kindergartenId!, { limit, after: cursor });
      return { children, next: nextPage(ctx, next) };
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
