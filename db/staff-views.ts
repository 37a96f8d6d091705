import type { Db } from './connection';
import { needCategoryColumns } from './need-categories';
import { keyColumns, pageOf, placeSummary, type Page } from './public-board';
import { iso, isoOrNull } from '../domain/iso';

/**
 * What kindergarten staff work from, always of their own kindergarten: its places (R4.2, R4.7),
 * the referrals awaiting arrival (R5.2, R7.1) and the children enrolled (R7.1, R7.3).
 */

/**
 * R4.4, R4.5: whether a place's offer wave still lets the applicants it chose take it — free choice
 * not opened and the window not over. Such a place may only gain seats (R4.2). Reads `p` and `w`
 * (offer_waves joined on `p.offer_wave_id`); `at` is now.
 */
export const inOpenWaveSql = `(w.id IS NOT NULL AND w.free_choice_opened_at IS NULL AND w.window_ends_at > ?::timestamptz)`;

/** The places table as staff see it: `p` with its wave `w` and category of need `nc`. */
function staffPlaces(db: Db, at: Date) {
  return db('places as p')
    .leftJoin('need_categories as nc', 'nc.code', 'p.need_category')
    .leftJoin('offer_waves as w', 'w.id', 'p.offer_wave_id')
    .select('p.*', ...needCategoryColumns('nc'), db.raw(`${inOpenWaveSql} as in_open_wave`, [iso(at)]));
}

function ownPlaceOf(r: Record<string, any>) {
  return {
    ...placeSummary(r),
    taken: r.total - r.free,
    addedAt: iso(r.added_at),
    freeChoiceSince: isoOrNull(r.free_choice_since),
    inOpenWave: r.in_open_wave as boolean,
    withdrawnAt: isoOrNull(r.withdrawn_at),
  };
}

/** R4.2: one place of the kindergarten as its staff see it; undefined for another kindergarten's. */
export async function ownPlace(db: Db, kindergartenId: number, placeId: number, at = new Date()) {
  const row = await staffPlaces(db, at).where({ 'p.id': placeId, 'p.kindergarten_id': kindergartenId }).first();
  return row ? ownPlaceOf(row) : undefined;
}

/** R4.2, R4.7: a page of the kindergarten's places, the newest added first. */
export async function ownPlaces(db: Db, kindergartenId: number, page: Page, at = new Date()) {
  const found = await staffPlaces(db, at)
    .select(...keyColumns(db, 'p.added_at', 'p.id'))
    .where('p.kindergarten_id', kindergartenId)
    .modify((q) => {
      if (page.after) q.whereRaw('(p.added_at, p.id) < (?::timestamptz, ?::integer)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'p.added_at', order: 'desc' }, { column: 'p.id', order: 'desc' }])
    .limit(page.limit + 1);
  const { rows, next } = pageOf(found, page.limit);
  return { places: rows.map(ownPlaceOf), next };
}

const childName = (r: Record<string, any>) => ({ lastName: r.last_name as string, firstName: r.first_name as string, middleName: r.middle_name as string | null, birthDate: r.birth_date as string });
const placeRef = (r: Record<string, any>) => ({ placeId: r.place_id as number, language: r.language as 'kk' | 'ru', placeType: r.place_type as string });

/** R5.2, R7.1: a page of the active referrals to the kindergarten, the nearest deadline first. */
export async function awaitingArrivals(db: Db, kindergartenId: number, page: Page) {
  const found = await db('referrals as r')
    .join('applications as a', 'a.number', 'r.application_number')
    .join('persons as c', 'c.iin', 'a.child_iin')
    .join('places as p', 'p.id', 'r.place_id')
    .where({ 'r.kindergarten_id': kindergartenId, 'r.state': 'active' })
    .modify((q) => {
      if (page.after) q.whereRaw('(r.deadline, r.id) > (?::timestamptz, ?::bigint)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'r.deadline', order: 'asc' }, { column: 'r.id', order: 'asc' }])
    .limit(page.limit + 1)
    .select(
      'r.application_number', 'r.issued_at', 'r.deadline', 'r.extension_days', 'r.place_id', 'a.benefit_category',
      'c.last_name', 'c.first_name', 'c.middle_name', 'c.birth_date', 'p.group_year', 'p.language', 'p.place_type',
      ...keyColumns(db, 'r.deadline', 'r.id'),
    );
  const { rows, next } = pageOf(found, page.limit);
  const referrals = rows.map((r: Record<string, any>) => ({
    applicationNumber: r.application_number as string,
    child: childName(r),
    groupYear: r.group_year as number,
    place: placeRef(r),
    issuedAt: iso(r.issued_at),
    deadline: iso(r.deadline),
    extensionDays: r.extension_days as number | null,
    benefitCategory: r.benefit_category,
  }));
  return { referrals, next };
}

/** R7.1, R7.3: a page of the children enrolled at the kindergarten who have not left, the latest enrolled first. */
export async function enrolledChildren(db: Db, kindergartenId: number, page: Page) {
  const found = await db('enrollments as e')
    .join('persons as c', 'c.iin', 'e.child_iin')
    .leftJoin('applications as a', 'a.number', 'e.application_number')
    // The referral the child arrived with: one per application is ever used (an enrolled application ends).
    .leftJoin('referrals as r', (j) => j.on('r.application_number', 'e.application_number').andOn('r.kindergarten_id', 'e.kindergarten_id').andOnVal('r.state', 'used'))
    .leftJoin('places as p', 'p.id', 'r.place_id')
    .where('e.kindergarten_id', kindergartenId)
    .whereNull('e.departed_at')
    .modify((q) => {
      if (page.after) q.whereRaw('(e.enrolled_at, e.id) < (?::timestamptz, ?::bigint)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'e.enrolled_at', order: 'desc' }, { column: 'e.id', order: 'desc' }])
    .limit(page.limit + 1)
    .select(
      'e.application_number', 'e.child_iin', 'e.enrolled_at', 'c.last_name', 'c.first_name', 'c.middle_name', 'c.birth_date',
      'a.group_year', 'r.place_id', 'p.language', 'p.place_type',
      ...keyColumns(db, 'e.enrolled_at', 'e.id'),
    );
  const { rows, next } = pageOf(found, page.limit);
  const children = rows.map((r: Record<string, any>) => ({
    applicationNumber: r.application_number as string | null,
    child: { iin: (r.child_iin as string).trim(), ...childName(r) },
    groupYear: r.group_year as number | null,
    enrolledAt: iso(r.enrolled_at),
    place: r.place_id === null ? null : placeRef(r),
  }));
  return { children, next };
}
