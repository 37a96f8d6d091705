import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { OfferWave, OfferWaveRequest } from '../contracts/activities';
import type { Db } from '../db/connection';
import { almatyDate } from '../domain/almaty-time';
import { iso } from '../domain/iso';
import { kindsOfferedByQueue } from '../domain/rule-settings';
import { mergeByShare } from '../domain/priority-share';
import { applicationWorkflowId, offerPlacesSignal } from '../contracts/application';

const SIGNALS_AT_ONCE = 50;

// R4.1, R4.6: the first `seats` applications of one queue (region, queue type, group year and — R8.1,
// correctional — category of need) that can take a place now: queued (so holding no open offer and no
// referral), off the stop-list, old enough, and not enrolled anywhere. Queue order comes from the
// applications_need_queue_order index (general applications have no category: '' stands for it).
const firstEligible = (ofBenefitRank = false) => `
  SELECT a.number FROM applications a
  JOIN persons c ON c.iin = a.child_iin
  WHERE a.region_code = ? AND a.queue_type = ? AND a.group_year = ? AND coalesce(a.need_category, '') = ? AND a.status = 'queued'
    AND (a.stop_list_until IS NULL OR a.stop_list_until <= ?)
    AND c.birth_date <= (?::date - make_interval(years => ?))
    AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.child_iin = a.child_iin AND e.departed_at IS NULL)${ofBenefitRank ? '\n    AND a.benefit_rank = ?' : ''}
  ORDER BY a.benefit_rank, a.registered_at, a.number
  LIMIT ?`;
const FIRST_ELIGIBLE = firstEligible();
const FIRST_ELIGIBLE_OF_RANK = firstEligible(true);

export function createOfferActivities({ db, temporal }: { db: Db; temporal?: Client }) {
  return {
    /** R4.3: makes public the region's places added before `at` and not yet published. */
    async publishPlaces({ regionCode, at }: { regionCode: string; at: number }): Promise<{ published: number }> {
      const rows = await db('places')
        .whereNull('published_at')
        .whereNull('withdrawn_at') // R4.2: withdrawn before the evening, never published
        .where('added_at', '<=', iso(at))
        .whereIn('kindergarten_id', db('kindergartens').where({ region_code: regionCode }).select('id'))
        .update({ published_at: iso(at) })
        .returning('id');
      return { published: rows.length };
    },

    /**
     * R4.4, R4.7: picks, in one transaction, the published places not yet offered and, per queue and
     * group year, as many first eligible applications as they have free seats. A retry returns the
     * wave already chosen.
     */
    async selectOfferWave(req: OfferWaveRequest): Promise<OfferWave> {
      return db.transaction(async (trx) => {
        const created = await trx('offer_waves')
          .insert({
            id: req.waveId,
            region_code: req.regionCode,
            offered_at: iso(req.at),
            window_ends_at: iso(req.windowEndsAt),
            window_mode: req.windowMode ?? null,
            window_days: req.windowDays ?? null,
          })
          .onConflict('id')
          .ignore()
          .returning('id');
        if (created.length === 0) return summarize(trx, req.waveId);

        // R4.7: places of a kind the region has but does not offer by the queue (private ones, unless
        // it does) are not offered: they open to free choice at once.
        const byQueue = req.kindsOnOffer && kindsOfferedByQueue({ kindsOnOffer: req.kindsOnOffer, privatePlacesByQueue: req.privatePlacesByQueue ?? false });
        const freeChoiceOnly = req.kindsOnOffer?.filter((k) => !byQueue!.includes(k)) ?? [];
        if (freeChoiceOnly.length) {
          await trx('places')
            .whereIn('kindergarten_id', trx('kindergartens').where({ region_code: req.regionCode }).whereIn('kind', freeChoiceOnly).select('id'))
            .whereNotNull('published_at')
            .whereNull('offer_wave_id')
            .whereNull('free_choice_since')
            .update({ free_choice_since: iso(req.at) });
        }
        const places: { id: number; free: number; group_year: number; kind: string; need_category: string | null }[] = await trx('places as p')
          .join('kindergartens as k', 'k.id', 'p.kindergarten_id')
          .where('k.region_code', req.regionCode)
          .whereNotNull('p.published_at')
          .whereNull('p.offer_wave_id')
          .where('p.free', '>', 0)
          // R4.7: correctional places (R8) and the kinds the region offers by the queue; a run
          // recorded before the setting offered every kind.
          .modify((q) => {
            if (byQueue) q.whereIn('k.kind', ['correctional', ...byQueue]);
          })
          .forUpdate('p')
          .select('p.id', 'p.free', 'p.group_year', 'k.kind', 'p.need_category');
        // R8.1: a correctional place is offered only to applications of its own category of need.
        const groups = new Map<string, { queueType: string; groupYear: number; needCategory: string; placeIds: number[]; seats: number }>();
        for (const p of places) {
          const queueType = p.kind === 'correctional' ? 'correctional' : 'general';
          const needCategory = queueType === 'correctional' ? (p.need_category ?? '') : '';
          const key = `${queueType}:${p.group_year}:${needCategory}`;
          const group = groups.get(key) ?? { queueType, groupYear: p.group_year, needCategory, placeIds: [], seats: 0 };
          group.placeIds.push(p.id);
          group.seats += p.free;
          groups.set(key, group);
        }
        const today = almatyDate(req.at);
        for (const g of groups.values()) {
          const args = [req.regionCode, g.queueType, g.groupYear, g.needCategory, iso(req.at), today, req.minimumAgeYears];
          let rows: { number: string }[];
          if (req.priorityShare?.mode === 'ratio' && g.queueType === 'general') {
            // R10.2: out-of-turn first, then k first-priority to m general, the cycle going on from
            // where the region's last wave for this group year left it.
            const ofRank = async (rank: number): Promise<{ number: string }[]> => (await trx.raw(FIRST_ELIGIBLE_OF_RANK, [...args, rank, g.seats])).rows;
            const outOfTurn = await ofRank(0);
            const firstPriority = await ofRank(1);
            const general = await ofRank(2);
            const cycle = await trx('priority_share_cycles').where({ region_code: req.regionCode, group_year: g.groupYear }).forUpdate().first('position');
            const merged = mergeByShare({ outOfTurn, firstPriority, general }, g.seats, req.priorityShare, cycle?.position ?? 0);
            await trx('priority_share_cycles')
              .insert({ region_code: req.regionCode, group_year: g.groupYear, position: merged.position })
              .onConflict(['region_code', 'group_year'])
              .merge(['position']);
            rows = merged.order;
          } else {
            rows = (await trx.raw(FIRST_ELIGIBLE, [...args, g.seats])).rows;
          }
          if (rows.length) {
            await trx('offer_wave_applications').insert(
              rows.map((r: { number: string }) => ({ wave_id: req.waveId, application_number: r.number, place_ids: g.placeIds })),
            );
          }
        }
        if (places.length) await trx('places').whereIn('id', places.map((p) => p.id)).update({ offer_wave_id: req.waveId });
        return summarize(trx, req.waveId);
      });
    },

    /** R4.4: sends each application of the wave its offer (a workflow ignores an offer it already has), then marks the wave signalled. */
    async signalOffers({ waveId }: { waveId: string }): Promise<number> {
      if (!temporal) throw new Error('signalOffers needs a Temporal client');
      const wave = await db('offer_waves').where({ id: waveId }).first();
      const rows: { application_number: string; place_ids: number[] }[] = await db('offer_wave_applications')
        .where({ wave_id: waveId })
        .orderBy('application_number');
      const offer = {
        offerId: waveId,
        offeredAt: wave.offered_at.getTime(),
        windowEndsAt: wave.window_ends_at.getTime(),
        // R10: how the window was counted (waves offered before the setting carry none)
        ...(wave.window_mode ? { windowMode: wave.window_mode, windowDays: wave.window_days } : {}),
      };
      for (let i = 0; i < rows.length; i += SIGNALS_AT_ONCE) {
        await Promise.all(
          rows.slice(i, i + SIGNALS_AT_ONCE).map((r) =>
            temporal.workflow
              .getHandle(applicationWorkflowId(r.application_number))
              .signal(offerPlacesSignal, { ...offer, placeIds: r.place_ids })
              .catch((err) => {
                if (!(err instanceof WorkflowNotFoundError)) throw err; // closed meanwhile
              }),
          ),
        );
        Context.current().heartbeat(i);
      }
      // The wave's end for its duration figure (kq_offer_wave_*), recorded here rather than by the
      // workflow so that no recorded history changes; a retry records its own, later end.
      await db('offer_waves').where({ id: waveId }).update({ offers_signalled_at: new Date() });
      return rows.length;
    },

    /** R4.5: at the window's end the wave's unchosen seats go to free choice. */
    async openFreeChoice({ waveId, at }: { waveId: string; at: number }): Promise<{ places: number }> {
      return db.transaction(async (trx) => {
        const rows = await trx('places')
          .where({ offer_wave_id: waveId })
          .where('free', '>', 0)
          .whereNull('free_choice_since')
          .update({ free_choice_since: iso(at) })
          .returning('id');
        await trx('offer_waves').where({ id: waveId }).update({ free_choice_opened_at: iso(at) });
        return { places: rows.length };
      });
    },
  };
}

async function summarize(db: Db, waveId: string): Promise<OfferWave> {
  const [apps] = await db('offer_wave_applications').where({ wave_id: waveId }).count({ n: '*' });
  const [places] = await db('places').where({ offer_wave_id: waveId }).count({ n: '*' }).sum({ seats: 'free' });
  return { applications: Number(apps!.n), places: Number(places!.n), seats: Number(places!.seats ?? 0) };
}
