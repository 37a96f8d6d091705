import { ApplicationFailure } from '@temporalio/activity';
import type { ReferralClosure, Reservation, ReservationRequest } from '../contracts/activities';
import type { Db } from '../db/connection';
import { DOMAIN_ERRORS } from '../domain/errors';
import { iso } from '../domain/iso';
import { queueNumbers } from '../db/queue-numbers';
import { regionSettings } from '../db/regions';

async function inFreeChoice(db: Db, placeId: number, fit: NonNullable<ReservationRequest['freeChoice']>): Promise<boolean> {
  const place = await db('places as p')
    .join('kindergartens as k', 'k.id', 'p.kindergarten_id')
    .where({ 'p.id': placeId, 'p.group_year': fit.groupYear, 'k.region_code': fit.regionCode })
    .whereNotNull('p.free_choice_since')
    .first('k.kind');
  return Boolean(place) && (place.kind === 'correctional') === (fit.queueType === 'correctional');
}

/**
 * R8.1: the categories of need when a correctional application would take a place of a correctional
 * kindergarten for another category (a free choice, or an offer made before the family changed the
 * category); undefined when they match or the category does not apply.
 */
async function needCategoryMismatch(db: Db, number: string, placeId: number): Promise<{ needCategory: string; placeNeedCategory: string | null } | undefined> {
  const row = (
    await db.raw(
      `SELECT a.need_category, p.need_category AS place_need_category
       FROM applications a, places p JOIN kindergartens k ON k.id = p.kindergarten_id
       WHERE a.number = ? AND p.id = ? AND a.queue_type = 'correctional' AND k.kind = 'correctional'`,
      [number, placeId],
    )
  ).rows[0];
  if (!row || row.need_category === row.place_need_category) return undefined;
  return { needCategory: row.need_category, placeNeedCategory: row.place_need_category };
}

export function createPlaceActivities({ db }: { db: Db }) {
  return {
    /**
     * R4.8, R7.2: takes one seat of a place for this application in one transaction — only if a
     * seat is free and the child is not enrolled anywhere. A retry after commit finds its referral.
     */
    async reservePlace(req: ReservationRequest): Promise<Reservation> {
      return db.transaction(async (trx) => {
        const existing = await trx('referrals as r')
          .join('places as p', 'p.id', 'r.place_id')
          .where({ 'r.application_number': req.number, 'r.place_id': req.placeId, 'r.state': 'active' })
          .first('r.id', 'r.kindergarten_id', 'p.need_category');
        if (existing) return { referralId: Number(existing.id), kindergartenId: existing.kindergarten_id, needCategory: existing.need_category };

        const enrolled = await trx('enrollments').where({ child_iin: req.childIin }).whereNull('departed_at').first('kindergarten_id');
        if (enrolled) {
          throw ApplicationFailure.nonRetryable('the child is enrolled in a kindergarten', DOMAIN_ERRORS.NOT_ELIGIBLE, {
            reason: 'enrolled',
          });
        }
        const mismatch = await needCategoryMismatch(trx, req.number, req.placeId);
        if (mismatch) {
          throw ApplicationFailure.nonRetryable('the place is for another category of need', DOMAIN_ERRORS.NEED_CATEGORY_MISMATCH, {
            placeId: req.placeId,
            ...mismatch,
          });
        }
        // R4.7: only a kind the region has on offer, by its settings as they are now (correctional: R8).
        const place = await trx('places as p').join('kindergartens as k', 'k.id', 'p.kindergarten_id').where('p.id', req.placeId).first('k.kind', 'k.region_code');
        const region = place && (await regionSettings(trx, place.region_code));
        if (place && region && place.kind !== 'correctional' && !region.settings.kindsOnOffer.includes(place.kind)) {
          throw ApplicationFailure.nonRetryable(`the region has no ${place.kind} kindergartens on offer`, DOMAIN_ERRORS.KIND_NOT_OFFERED, {
            placeId: req.placeId,
            kind: place.kind,
          });
        }
        if (req.freeChoice && !(await inFreeChoice(trx, req.placeId, req.freeChoice))) {
          throw ApplicationFailure.nonRetryable('the place is not open to free choice for this application', DOMAIN_ERRORS.NOT_IN_FREE_CHOICE, {
            placeId: req.placeId,
          });
        }
        const queue = await queueNumbers(trx, req.number);
        const taken = await trx('places')
          .where({ id: req.placeId })
          .andWhere('free', '>', 0)
          .decrement('free', 1)
          .returning(['kindergarten_id', 'need_category']);
        if (taken.length === 0) {
          throw ApplicationFailure.nonRetryable('no seat of this place is free any more', DOMAIN_ERRORS.PLACE_TAKEN, {
            placeId: req.placeId,
          });
        }
        const kindergartenId: number = taken[0].kindergarten_id;
        const [referral] = await trx('referrals')
          .insert({
            application_number: req.number,
            place_id: req.placeId,
            kindergarten_id: kindergartenId,
            issued_at: iso(req.at),
            deadline: iso(req.deadline),
            queue_number: queue?.inQueue ?? null,
          })
          .returning('id');
        // R8.3: the place's category of need, for the ПМПК's conclusion to be checked against.
        return { referralId: Number(referral.id), kindergartenId, needCategory: taken[0].need_category };
      });
    },

    /** R5.2, R5.6, R6.2: closes the active referral and frees its seat; a retry does nothing. */
    async releaseReferral(req: { number: string; state: ReferralClosure; at: number }): Promise<void> {
      await db.transaction(async (trx) => {
        const [closed] = await trx('referrals')
          .where({ application_number: req.number, state: 'active' })
          .update({ state: req.state, closed_at: iso(req.at) })
          .returning('place_id');
        if (closed) await trx('places').where({ id: closed.place_id }).increment('free', 1);
      });
    },

    /** R7.1: the referral is used and the child is enrolled; a retry does nothing. */
    async enrollChild(req: { number: string; childIin: string; kindergartenId: number; at: number }): Promise<void> {
      await db.transaction(async (trx) => {
        await trx('referrals')
          .where({ application_number: req.number, state: 'active' })
          .update({ state: 'used', closed_at: iso(req.at) });
        await trx('enrollments')
          .insert({
            child_iin: req.childIin,
            kindergarten_id: req.kindergartenId,
            application_number: req.number,
            enrolled_at: iso(req.at),
          })
          .onConflict()
          .ignore();
      });
    },
  };
}
