import type { Knex } from 'knex';
import type { Db } from './connection';
import { inOpenWaveSql } from './staff-views';
import { iso, isoOrNull } from '../domain/iso';
import { appendPlaceEntries } from './chain';

/**
 * R4.2: kindergarten staff correct or withdraw a place they added, each change recorded in
 * `place_changes` with who, when, what it was and became, and why.
 *
 * Both run under the place's row lock, so they and a parent taking a seat (activities/places.ts
 * `reservePlace`: `UPDATE … WHERE free > 0`) or an offer run choosing places (activities/offers.ts
 * `selectOfferWave`: `FOR UPDATE`) happen one after the other, never across each other: a seat taken
 * first refuses the withdrawal; a withdrawal first leaves no seat (total = free = 0) to take or offer.
 */

/** The fields staff may correct, as `addPlaces` takes them; `count` is the new number of seats. */
export interface PlaceCorrection {
  count?: number;
  language?: 'kk' | 'ru';
  placeType?: string;
  groupYear?: number;
  releasedOn?: string;
}

const COLUMNS = { count: 'total', language: 'language', placeType: 'place_type', groupYear: 'group_year', releasedOn: 'released_on' } as const;
type Field = keyof typeof COLUMNS;

export type PlaceRefusal = 'PLACE_WITHDRAWN' | 'PLACE_IN_OPEN_WAVE' | 'PLACE_SEATS_TAKEN';
export type PlaceChangeOutcome =
  | { outcome: 'not_found' }
  | { outcome: 'refused'; code: PlaceRefusal; place: PlaceSnapshot }
  /** `recorded` false: nothing was to change (a repeat); nothing was written. */
  | { outcome: 'done'; recorded: boolean };

/** What `place_changes` keeps of a place before and after a change. */
export interface PlaceSnapshot {
  seats: number;
  free: number;
  groupYear: number;
  language: string;
  placeType: string;
  releasedOn: string;
  withdrawnAt: string | null;
}

const snapshot = (p: Record<string, any>): PlaceSnapshot => ({
  seats: p.total,
  free: p.free,
  groupYear: p.group_year,
  language: p.language,
  placeType: p.place_type,
  releasedOn: p.released_on,
  withdrawnAt: isoOrNull(p.withdrawn_at),
});

interface Locked {
  row: Record<string, any>;
  openWave: boolean;
}

/** The kindergarten's place, locked for this transaction, and whether its offer wave is open; undefined for another's. */
async function lockOwnPlace(trx: Knex.Transaction, placeId: number, kindergartenId: number, at: Date): Promise<Locked | undefined> {
  const row = await trx('places').where({ id: placeId, kindergarten_id: kindergartenId }).forUpdate().first();
  if (!row) return undefined;
  // A statement of its own, after the lock: it sees the wave an offer run committed while we waited.
  const wave = row.offer_wave_id === null ? undefined : (await trx.raw(`SELECT ${inOpenWaveSql} AS open FROM offer_waves w WHERE w.id = ?`, [iso(at), row.offer_wave_id])).rows[0];
  return { row, openWave: Boolean(wave?.open) };
}

async function record(trx: Knex.Transaction, kind: 'correction' | 'withdrawal', placeId: number, before: PlaceSnapshot, after: PlaceSnapshot, req: { by: string; at: Date; reason: string }) {
  await trx('place_changes').insert({
    place_id: placeId,
    kind,
    changed_by: req.by,
    changed_at: iso(req.at),
    before: JSON.stringify(before),
    after: JSON.stringify(after),
    reason: req.reason,
  });
}

/** R4.2: why a place may only gain seats — an open offer wave holds it, or a seat of it is taken. */
function fixedBy(row: Record<string, any>, openWave: boolean): 'PLACE_IN_OPEN_WAVE' | 'PLACE_SEATS_TAKEN' | undefined {
  if (openWave) return 'PLACE_IN_OPEN_WAVE';
  return row.free !== row.total ? 'PLACE_SEATS_TAKEN' : undefined;
}

/**
 * R4.2: corrects a place of the kindergarten. A place no seat of which is taken, and not in an open
 * offer wave, may change in every field; otherwise only seats may be added. `check` validates the
 * fields that change (against the region, as a new place's are) before anything is written.
 */
export async function correctPlace(
  db: Db,
  req: {
    placeId: number;
    kindergartenId: number;
    change: PlaceCorrection;
    reason: string;
    by: string;
    at: Date;
    check: (trx: Knex.Transaction, changed: PlaceCorrection) => Promise<void>;
  },
): Promise<PlaceChangeOutcome> {
  return db.transaction(async (trx) => {
    const locked = await lockOwnPlace(trx, req.placeId, req.kindergartenId, req.at);
    if (!locked) return { outcome: 'not_found' };
    const { row, openWave } = locked;
    const before = snapshot(row);
    if (row.withdrawn_at !== null) return { outcome: 'refused', code: 'PLACE_WITHDRAWN', place: before };
    const changed: PlaceCorrection = {};
    for (const field of Object.keys(COLUMNS) as Field[]) {
      const value = req.change[field];
      if (value !== undefined && value !== row[COLUMNS[field]]) Object.assign(changed, { [field]: value });
    }
    const fields = Object.keys(changed) as Field[];
    if (fields.length === 0) return { outcome: 'done', recorded: false };
    await req.check(trx, changed);
    const addsSeatsOnly = fields.length === 1 && changed.count !== undefined && changed.count > row.total;
    const refusal = addsSeatsOnly ? undefined : fixedBy(row, openWave);
    if (refusal) return { outcome: 'refused', code: refusal, place: before };

    const update: Record<string, unknown> = {};
    for (const field of fields) update[COLUMNS[field]] = changed[field];
    // The seats taken stay taken: the free count moves by as many seats as the total does.
    if (changed.count !== undefined) update.free = row.free + (changed.count - row.total);
    const [after] = await trx('places').where({ id: row.id }).update(update).returning('*');
    await record(trx, 'correction', row.id, before, snapshot(after), req);
    await appendPlaceEntries(trx, 'place_corrected', [row.id], req.at, 'staff'); // R11.3, the last write
    return { outcome: 'done', recorded: true };
  });
}

/**
 * R4.2: withdraws a place of the kindergarten no seat of which is taken and that is in no open
 * offer wave: its seats become 0, so no offer picks it and no one can take it, and the public list
 * no longer shows it. Withdrawing it again changes nothing.
 */
export async function withdrawPlace(
  db: Db,
  req: { placeId: number; kindergartenId: number; reason: string; by: string; at: Date },
): Promise<PlaceChangeOutcome> {
  return db.transaction(async (trx) => {
    const locked = await lockOwnPlace(trx, req.placeId, req.kindergartenId, req.at);
    if (!locked) return { outcome: 'not_found' };
    const { row, openWave } = locked;
    const before = snapshot(row);
    if (row.withdrawn_at !== null) return { outcome: 'done', recorded: false };
    const refusal = fixedBy(row, openWave);
    if (refusal) return { outcome: 'refused', code: refusal, place: before };
    // The condition holds under the lock already; kept so the statement is safe on its own.
    const [after] = await trx('places')
      .where({ id: row.id })
      .whereRaw('free = total')
      .update({ total: 0, free: 0, withdrawn_at: iso(req.at) })
      .returning('*');
    if (!after) return { outcome: 'refused', code: 'PLACE_SEATS_TAKEN', place: before };
    await record(trx, 'withdrawal', row.id, before, snapshot(after), req);
    await appendPlaceEntries(trx, 'place_withdrawn', [row.id], req.at, 'staff'); // R11.3, the last write
    return { outcome: 'done', recorded: true };
  });
}
