import type pg from 'pg';
import { preparedRows, preparedRowsOn, type Db } from './connection';
import { numbersOf, POSITION_COLUMNS, QUEUE_POSITIONS, type PositionRow } from './queue-numbers';
import { applicationChainColumn, entryOf, publicEntry } from './chain';
import { needCategoryColumns, needCategoryOf } from './need-categories';
import { iso, isoOrNull } from '../domain/iso';
import type { KindergartenKind } from '../domain/rule-settings';
import { ACTIVE_STATUSES, stopListLasting, type ApplicationStatus } from '../domain/statuses';

/** R11: what anyone may see — registration numbers and queue numbers, never a name or an IIN. */

export interface PublicFilter {
  regionCode: string;
  kindergartenId?: number;
  groupYear?: number;
  /** R4.7 */
  kind?: KindergartenKind;
}

/**
 * R11.1: a row's place in a public list's order, newest first: its time to the microsecond (as
 * PostgreSQL keeps it; a JavaScript Date would round it and skip or repeat rows) and its id, which
 * breaks ties. A page starts after such a key, so rows published meanwhile never shift the pages.
 */
export interface PageKey {
  at: string;
  id: string;
}

export interface Page {
  limit: number;
  after?: PageKey;
}

/** The columns of a row's page key, `page_at` and `page_id`. */
export const keyColumns = (db: Db, at: string, id: string) => [db.raw(`to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as page_at`), `${id} as page_id`];

/** One page of rows read `limit + 1` at a time: the extra row only says whether there is a next page. */
export function pageOf<R extends Record<string, any>>(rows: R[], limit: number): { rows: R[]; next: PageKey | null } {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { rows: rows.slice(0, limit), next: last ? { at: last.page_at, id: String(last.page_id) } : null };
}


/**
 * A place as both staff and the public see it (R4.7); R8.1: with its category of need, of a query
 * that selected `need_category` and `needCategoryColumns` (`placesWithNeedCategory`).
 */
export function placeSummary(r: Record<string, any>) {
  return {
    placeId: r.id,
    groupYear: r.group_year,
    language: r.language,
    placeType: r.place_type,
    seats: r.total,
    free: r.free,
    releasedOn: r.released_on,
    publishedAt: isoOrNull(r.published_at),
    needCategory: needCategoryOf(r),
  };
}

/** The places table as `placeSummary` reads it: `p`, with its category of need's names (R8.1). */
export const placesWithNeedCategory = (db: Db) =>
  db('places as p').leftJoin('need_categories as nc', 'nc.code', 'p.need_category').select('p.*', ...needCategoryColumns('nc'));

/** R4.3, R4.7, R11.1: a page of the published places with what a family needs to choose. */
export async function publishedPlaces(db: Db, f: PublicFilter, page: Page) {
  const found = await db('places as p')
    .join('kindergartens as k', 'k.id', 'p.kindergarten_id')
    .leftJoin('need_categories as nc', 'nc.code', 'p.need_category')
    .where('k.region_code', f.regionCode)
    .whereNotNull('p.published_at')
    .whereNull('p.withdrawn_at') // R4.2: a withdrawn place is no longer on offer
    .modify((q) => {
      if (f.kindergartenId) q.where('k.id', f.kindergartenId);
      if (f.groupYear) q.where('p.group_year', f.groupYear);
      if (f.kind) q.where('k.kind', f.kind);
      if (page.after) q.whereRaw('(p.published_at, p.id) < (?::timestamptz, ?::integer)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'p.published_at', order: 'desc' }, { column: 'p.id', order: 'desc' }])
    .limit(page.limit + 1)
    .select(
      'p.id', 'p.group_year', 'p.language', 'p.place_type', 'p.total', 'p.free', 'p.released_on', 'p.published_at', 'p.free_choice_since',
      'p.need_category', ...needCategoryColumns('nc'),
      'k.id as kindergarten_id', 'k.name_ru', 'k.name_kk', 'k.kind', 'k.address', 'k.phone', 'k.latitude', 'k.longitude',
      ...keyColumns(db, 'p.published_at', 'p.id'),
    );
  const { rows, next } = pageOf(found, page.limit);
  const places = rows.map((r: Record<string, any>) => ({
    ...placeSummary(r),
    freeChoice: r.free_choice_since !== null,
    kindergarten: {
      id: r.kindergarten_id,
      nameRu: r.name_ru,
      nameKk: r.name_kk,
      kind: r.kind,
      address: r.address,
      phone: r.phone,
      location: r.latitude === null ? null : { latitude: r.latitude, longitude: r.longitude },
    },
  }));
  return { places, next };
}

/** R11.1: a page of the referrals issued, with the registration number and the queue number at issue. */
export async function issuedReferrals(db: Db, f: PublicFilter, page: Page) {
  const found = await db('referrals as r')
    .join('kindergartens as k', 'k.id', 'r.kindergarten_id')
    .join('places as p', 'p.id', 'r.place_id')
    .where('k.region_code', f.regionCode)
    .modify((q) => {
      if (f.kindergartenId) q.where('k.id', f.kindergartenId);
      if (f.groupYear) q.where('p.group_year', f.groupYear);
      if (f.kind) q.where('k.kind', f.kind);
      if (page.after) q.whereRaw('(r.issued_at, r.id) < (?::timestamptz, ?::bigint)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'r.issued_at', order: 'desc' }, { column: 'r.id', order: 'desc' }])
    .limit(page.limit + 1)
    .select(
      'r.application_number', 'r.issued_at', 'r.state', 'r.queue_number', 'p.group_year', 'k.id as kindergarten_id', 'k.name_ru', 'k.name_kk',
      ...keyColumns(db, 'r.issued_at', 'r.id'),
    );
  const { rows, next } = pageOf(found, page.limit);
  const referrals = rows.map((r: Record<string, any>) => ({
    registrationNumber: r.application_number,
    issuedAt: iso(r.issued_at),
    state: r.state,
    queueNumberAtIssue: r.queue_number,
    groupYear: r.group_year,
    kindergarten: { id: r.kindergarten_id, nameRu: r.name_ru, nameKk: r.name_kk },
  }));
  return { referrals, next };
}

const PUBLIC_LOOKUP = 'public-lookup';

/**
 * The look-up's one number goes to its positions as `ARRAY[$1]`, not as an array parameter: for a
 * parameter PostgreSQL's generic plan assumes an array of ten, and on a 50,000 queue after four
 * waves it cost that plan above a custom one for one number (275 against 209), so it planned every
 * look-up afresh — 2.6 ms, four times the run.
 */
export const publicLookupQuery = (db: Db, number: string) =>
  db('applications as a')
    .leftJoin('need_categories as nc', 'nc.code', 'a.need_category')
    .leftJoin(db.raw(`(${QUEUE_POSITIONS}) AS q`, [db.raw('ARRAY[?]', [number])]), 'q.number', 'a.number')
    .where('a.number', number)
    .select(
      'a.number', 'a.region_code', 'a.queue_type', 'a.group_year', 'a.benefit_category', 'a.need_category', 'a.registered_at', 'a.status', 'a.status_changed_at',
      'a.stop_list_until', ...needCategoryColumns('nc'), ...POSITION_COLUMNS.map((c) => `q.${c}`), db.raw(`${applicationChainColumn('a')} AS chain`),
    );

/**
 * Readies a connection for look-ups before the first request: the look-up's statement prepared, and
 * run past the five custom plans PostgreSQL makes before it settles on the generic one.
 */
export async function warmPublicLookup(db: Db, connection: pg.Client): Promise<void> {
  for (let run = 0; run < 6; run++) await preparedRowsOn(connection, PUBLIC_LOOKUP, publicLookupQuery(db, 'warm-up'));
}

/**
 * R11.2: a registration number's status and queue numbers, and nothing personal; R11.3 with its own
 * chain entries. One statement — the row, its kept positions (db/queue-numbers.ts) and its entries —
 * so a look-up is one round trip to the database whatever the queue's length, and a prepared
 * statement, planned once per connection (planning cost more than running it: 1.2 against 0.7 ms).
 */
export async function publicLookup(db: Db, number: string) {
  const [a] = await preparedRows<Record<string, any>>(db, PUBLIC_LOOKUP, publicLookupQuery(db, number));
  if (!a) return undefined;
  const status = a.status as ApplicationStatus;
  const queue = ACTIVE_STATUSES.includes(status) ? numbersOf(a as PositionRow) : undefined;
  return {
    registrationNumber: a.number,
    regionCode: a.region_code,
    queueType: a.queue_type,
    groupYear: a.group_year,
    benefitCategory: a.benefit_category,
    needCategory: needCategoryOf(a),
    registeredAt: iso(a.registered_at),
    status,
    statusChangedAt: iso(a.status_changed_at),
    onStopList: stopListLasting(a.stop_list_until) !== null, // R3.4
    queueNumber: queue?.inQueue ?? null,
    queueNumberInCategory: queue?.inCategory ?? null,
    chain: (a.chain as Record<string, unknown>[]).map(entryOf).map(publicEntry), // R11.3: its own entries, to check against the chain
  };
}
