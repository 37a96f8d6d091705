import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { OfferWave, OfferWaveRequest, WaveDelivery, WaveRecording, WaveRetraction } from '../contracts/activities';
import type { Db } from '../db/connection';
import { almatyDate } from '../domain/almaty-time';
import { iso, isoOrNull } from '../domain/iso';
import { kindsOfferedByQueue } from '../domain/rule-settings';
import { mergeByShare } from '../domain/priority-share';
import {
  applicationWorkflowId,
  offerPlacesSignal,
  receiveWaveOfferUpdate,
  waveOfferUpdateId,
  type Offer,
  type WaveOfferAnswer,
} from '../contracts/application';
import { noticeRows, recipientsOf, type NoticeRecipient } from './notices';
import { appendEventEntries, appendPlaceEntries } from '../db/chain';

const SIGNALS_AT_ONCE = 50;
/** Wave applications recorded per transaction: one commit for many, locks held briefly. */
const WAVE_CHUNK = 500;
/** Updates in flight at once: each is a workflow task on the worker, which runs this activity too. */
const UPDATES_AT_ONCE = 64;
/** Accepted offers whose notices are released together. */
const RELEASE_AT_ONCE = 200;
/** The actor of the events the system causes (workflows/application.deadlines.ts SYSTEM). */
const SYSTEM = 'system';

interface WaveRow {
  offered_at: Date;
  window_ends_at: Date;
  window_mode: string | null;
  window_days: number | null;
}

/** R4.4, R4.5: the offer a wave makes, without its places (they differ by queue and group year). */
const offerOf = (wave: WaveRow, waveId: string): Omit<Offer, 'placeIds'> => ({
  offerId: waveId,
  offeredAt: wave.offered_at.getTime(),
  windowEndsAt: wave.window_ends_at.getTime(),
  // R10: how the window was counted (waves offered before the setting carry none)
  ...(wave.window_mode ? { windowMode: wave.window_mode as Offer['windowMode'], windowDays: wave.window_days! } : {}),
});

/** A wave application's places: its own list (offers recorded before place sets) or its set's. */
interface PlacedRow {
  place_ids: number[] | null;
  place_set: number | null;
}

/** R4.4: the wave's place sets, read once, and a row's places from them. */
async function wavePlaces(db: Db, waveId: string): Promise<(row: PlacedRow) => number[]> {
  const sets = new Map<number, number[]>(
    (await db('offer_wave_place_sets').where({ wave_id: waveId }).select('set_no', 'place_ids')).map((r: { set_no: number; place_ids: number[] }) => [r.set_no, r.place_ids]),
  );
  return (row) => row.place_ids ?? sets.get(row.place_set!) ?? [];
}

/** The read-model columns an offer changes, as they were before the wave wrote it. */
interface Prior {
  status: string;
  status_cause: string;
  status_changed_at: string;
  offer_window_ends_at: string | null;
}

/**
 * R4.4: withdraws what a wave wrote for one application whose workflow did not take the offer up —
 * its event of `seq`, its held notices, its read-model change — as if it had never been made, and
 * marks it refused. False when there is nothing of it left (already withdrawn, taken up, or not the
 * wave's). `trx` must be a transaction: the application's row is locked first, as the wave locks it.
 */
export async function retractWaveRecord(trx: Db, { number, seq, waveId }: Omit<WaveRetraction, 'waveId'> & { waveId?: string }): Promise<boolean> {
  await trx('applications').where({ number }).forUpdate().first('number');
  const recorded: { wave_id: string; prior: Prior } | undefined = await trx('offer_wave_applications')
    .where({ application_number: number, seq, delivery: 'recorded' })
    .modify((q) => {
      if (waveId) q.where({ wave_id: waveId });
    })
    .forUpdate()
    .first('wave_id', 'prior');
  if (!recorded) return false;
  const { wave_id: wave, prior } = recorded;
  await trx('application_events')
    .where({ application_number: number, seq, cause: 'turn_arrived' })
    .whereRaw(`details->>'offerId' = ?`, [wave])
    .delete();
  await trx('notices').where({ offer_wave_id: wave, application_number: number, state: 'held' }).delete();
  await trx('applications').where({ number }).update(prior);
  await trx('offer_wave_applications').where({ wave_id: wave, application_number: number }).update({ delivery: 'refused' });
  return true;
}

/**
 * R4.4, R11.3: `retractWaveRecord`, and the withdrawal's chain entry (the 'offered' entry stays: the
 * chain is append-only) as the transaction's last write.
 */
async function retractAndChain(trx: Db, req: WaveRetraction): Promise<boolean> {
  if (!(await retractWaveRecord(trx, req))) return false;
  await appendEventEntries(trx, [{ number: req.number, seq: req.seq, at: new Date(), cause: 'offer_withdrawn', actor: SYSTEM }]);
  return true;
}

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
      return db.transaction(async (trx) => {
        const rows: { id: number }[] = await trx('places')
          .whereNull('published_at')
          .whereNull('withdrawn_at') // R4.2: withdrawn before the evening, never published
          .where('added_at', '<=', iso(at))
          .whereIn('kindergarten_id', trx('kindergartens').where({ region_code: regionCode }).select('id'))
          .update({ published_at: iso(at) })
          .returning('id');
        // R11.3: each place published, in the region's chain; a retry publishes (and chains) nothing twice.
        await appendPlaceEntries(trx, 'place_published', rows.map((r) => r.id).sort((a, b) => a - b), at, 'system');
        return { published: rows.length };
      });
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
        let setNo = 0;
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
            // The group's places once, which each of its offers names (migration 20261129210000).
            const placeSet = ++setNo;
            await trx('offer_wave_place_sets').insert({ wave_id: req.waveId, set_no: placeSet, place_ids: g.placeIds });
            await trx('offer_wave_applications').insert(
              rows.map((r: { number: string }) => ({ wave_id: req.waveId, application_number: r.number, place_set: placeSet })),
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
      const rows: ({ application_number: string } & PlacedRow)[] = await db('offer_wave_applications')
        .where({ wave_id: waveId })
        .orderBy('application_number');
      const placesOf = await wavePlaces(db, waveId);
      const offer = offerOf(wave, waveId);
      for (let i = 0; i < rows.length; i += SIGNALS_AT_ONCE) {
        await Promise.all(
          rows.slice(i, i + SIGNALS_AT_ONCE).map((r) =>
            temporal.workflow
              .getHandle(applicationWorkflowId(r.application_number))
              .signal(offerPlacesSignal, { ...offer, placeIds: placesOf(r) })
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

    /**
     * R4.4, in bulk: writes, a chunk of applications per transaction, what taking up the wave's offer
     * writes for each — the `turn_arrived` event (the application's next seq), the read model
     * (turn_notified, the window's end) and the turn_arrived notices (as enqueueNotice would: same
     * key, payload and recipients) — but holds the notices until the workflow has taken the offer
     * up. An application no longer queued (it changed since the wave chose it; another wave of the
     * day offered it first) is passed over. The read-model rows are locked in number order, as every
     * workflow's own transition locks its row first, so the two never interleave. A retry records
     * only what is not recorded yet.
     */
    async recordOfferWave({ waveId }: { waveId: string }): Promise<WaveRecording> {
      const wave: WaveRow = await db('offer_waves').where({ id: waveId }).first();
      const offer = offerOf(wave, waveId);
      const placesOf = await wavePlaces(db, waveId);
      const totals: WaveRecording = { offered: 0, notOffered: 0 };
      for (;;) {
        const chunk = await db.transaction(async (trx) => {
          const chosen: ({ application_number: string } & PlacedRow)[] = await trx('offer_wave_applications')
            .where({ wave_id: waveId })
            .whereNull('delivery')
            .orderBy('application_number')
            .limit(WAVE_CHUNK)
            .forUpdate()
            .select('application_number', 'place_ids', 'place_set');
          if (chosen.length === 0) return undefined;
          const numbers = chosen.map((r) => r.application_number);
          const rows: (Omit<Prior, 'status_changed_at' | 'offer_window_ends_at'> & { number: string; status_changed_at: Date; offer_window_ends_at: Date | null })[] =
            await trx('applications')
              .whereIn('number', numbers)
              .orderBy('number')
              .forUpdate()
              .select('number', 'status', 'status_cause', 'status_changed_at', 'offer_window_ends_at');
          const queued = rows.filter((r) => r.status === 'queued');
          const offered = new Set(queued.map((r) => r.number));
          const byNumber = new Map(chosen.map((r) => [r.application_number, r]));
          const placeIds = (number: string) => placesOf(byNumber.get(number)!);
          // The history names the offer's place set (db/open-offer.ts reads it), or its own list.
          const placesNamed = (number: string) => {
            const r = byNumber.get(number)!;
            return r.place_set === null ? { placeIds: r.place_ids } : { placeSet: r.place_set };
          };
          const lastSeq = new Map<string, number>(
            (
              await trx('application_events')
                .whereIn('application_number', [...offered])
                .groupBy('application_number')
                .select('application_number', trx.raw('max(seq)::int AS seq'))
            ).map((r: { application_number: string; seq: number }) => [r.application_number, r.seq]),
          );
          const seqOf = (number: string) => (lastSeq.get(number) ?? 0) + 1;
          if (queued.length) {
            await trx('application_events').insert(
              queued.map((a) => ({
                application_number: a.number,
                seq: seqOf(a.number),
                at: wave.offered_at,
                from_status: 'queued',
                to_status: 'turn_notified',
                cause: 'turn_arrived',
                actor: SYSTEM,
                details: JSON.stringify({ offerId: waveId, ...placesNamed(a.number) }),
              })),
            );
            await trx('applications')
              .whereIn('number', [...offered])
              .update({ status: 'turn_notified', status_cause: 'turn_arrived', status_changed_at: wave.offered_at, offer_window_ends_at: wave.window_ends_at });
            // R9.1: the notices the workflow's receiveOffer would enqueue, with the same keys.
            const recipients: NoticeRecipient[] = await recipientsOf(trx).whereIn('a.number', [...offered]);
            const described = new Map();
            const notices = [];
            for (const app of recipients) {
              const seq = seqOf(app.number);
              const req = { key: `${app.number}:turn_arrived:${seq}`, number: app.number, kind: 'turn_arrived' as const, data: { windowEndsAt: iso(offer.windowEndsAt), placeIds: placeIds(app.number) } };
              // Every offer of one place set says the same: described once per set and language.
              const dataKey = JSON.stringify(placesNamed(app.number));
              for (const row of await noticeRows(trx, req, app, described, dataKey)) notices.push({ ...row, state: 'held', offer_wave_id: waveId });
            }
            if (notices.length) await trx('notices').insert(notices).onConflict('idempotency_key').ignore();
            await trx.raw(
              `UPDATE offer_wave_applications o SET delivery = 'recorded', seq = v.seq, prior = v.prior
                 FROM unnest(?::text[], ?::int[], ?::jsonb[]) AS v(number, seq, prior)
                WHERE o.wave_id = ? AND o.application_number = v.number`,
              [
                queued.map((a) => a.number),
                queued.map((a) => seqOf(a.number)),
                queued.map((a) =>
                  JSON.stringify({ status: a.status, status_cause: a.status_cause, status_changed_at: iso(a.status_changed_at), offer_window_ends_at: isoOrNull(a.offer_window_ends_at) }),
                ),
                waveId,
              ],
            );
          }
          const passedOver = numbers.filter((n) => !offered.has(n));
          if (passedOver.length) {
            await trx('offer_wave_applications').where({ wave_id: waveId }).whereIn('application_number', passedOver).update({ delivery: 'not_offered' });
          }
          // R11.3: the chunk's offers in one append, its last write (db/chain.ts): the head is locked
          // once per chunk, after the chunk's application rows.
          await appendEventEntries(
            trx,
            queued.map((a) => ({ number: a.number, seq: seqOf(a.number), at: wave.offered_at, cause: 'turn_arrived' as const, actor: SYSTEM })),
          );
          return { offered: queued.length, notOffered: passedOver.length };
        });
        if (!chunk) break;
        totals.offered += chunk.offered;
        totals.notOffered += chunk.notOffered;
        Context.current().heartbeat(totals);
      }
      return totals;
    },

    /**
     * R4.4: asks each application workflow of the wave, by an update, to take up its recorded offer
     * (many at once), and releases the notices of those that took it up; a workflow that refuses
     * has already withdrawn what the wave wrote for it. One that has closed meanwhile can take up
     * nothing: its offer is withdrawn here. A retry asks again only those not yet answered (the
     * update ID makes a repeated question answer without acting twice). Counts from the table, so a
     * retry's figures are the wave's, not the attempt's.
     */
    async deliverWaveOffers({ waveId }: { waveId: string }): Promise<WaveDelivery> {
      if (!temporal) throw new Error('deliverWaveOffers needs a Temporal client');
      const wave: WaveRow = await db('offer_waves').where({ id: waveId }).first();
      const offer = offerOf(wave, waveId);
      const rows: ({ application_number: string; seq: number } & PlacedRow)[] = await db('offer_wave_applications')
        .where({ wave_id: waveId, delivery: 'recorded' })
        .orderBy('application_number')
        .select('application_number', 'place_ids', 'place_set', 'seq');
      const placesOf = await wavePlaces(db, waveId);
      const ask = async (r: (typeof rows)[number]): Promise<WaveOfferAnswer> => {
        try {
          return await temporal.workflow.getHandle(applicationWorkflowId(r.application_number)).executeUpdate(receiveWaveOfferUpdate, {
            updateId: waveOfferUpdateId(waveId, r.application_number),
            args: [{ offer: { ...offer, placeIds: placesOf(r) }, seq: r.seq }],
          });
        } catch (err) {
          // Closed meanwhile, or (a workflow of code without the handler) the update refused unread.
          if (!(err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError)) throw err;
          await db.transaction((trx) => retractAndChain(trx, { number: r.application_number, seq: r.seq, waveId }));
          return 'refused';
        }
      };
      // R9.1: taken up, an offer stands: its notices go out now, a few hundred at a time, without
      // waiting for the rest of the wave.
      let taken: string[] = [];
      const release = async () => {
        const numbers = taken;
        taken = [];
        if (numbers.length === 0) return;
        await db.transaction(async (trx) => {
          await trx('offer_wave_applications').where({ wave_id: waveId, delivery: 'recorded' }).whereIn('application_number', numbers).update({ delivery: 'accepted' });
          await trx('notices').where({ offer_wave_id: waveId, state: 'held' }).whereIn('application_number', numbers).update({ state: 'pending', next_attempt_at: trx.fn.now() });
        });
      };
      // Lanes rather than batches: a workflow slow to answer holds up one lane, not everyone's notices.
      let next = 0;
      let answered = 0;
      const lane = async () => {
        while (next < rows.length) {
          const r = rows[next++]!;
          if ((await ask(r)) === 'accepted') taken.push(r.application_number);
          Context.current().heartbeat(++answered);
          if (taken.length >= RELEASE_AT_ONCE) await release();
        }
      };
      await Promise.all(Array.from({ length: Math.min(UPDATES_AT_ONCE, rows.length) }, lane));
      await release();
      // The wave's end for its duration figure (kq_offer_wave_*), as signalOffers records it.
      await db('offer_waves').where({ id: waveId }).update({ offers_signalled_at: new Date() });
      const counts: { delivery: string; n: number }[] = await db('offer_wave_applications')
        .where({ wave_id: waveId })
        .whereIn('delivery', ['accepted', 'refused'])
        .groupBy('delivery')
        .select('delivery', db.raw('count(*)::int AS n'));
      const count = (d: string) => counts.find((c) => c.delivery === d)?.n ?? 0;
      return { delivered: count('accepted') + count('refused'), accepted: count('accepted'), refused: count('refused') };
    },

    /** R4.4: an application workflow refused its wave's offer: what the wave wrote for it goes. */
    async retractWaveOffer(req: WaveRetraction): Promise<boolean> {
      return db.transaction((trx) => retractAndChain(trx, req));
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
