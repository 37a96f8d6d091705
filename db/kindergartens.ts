import type { Db } from './connection';
import { keyColumns, pageOf, type Page } from './public-board';
import type { KindergartenKind } from '../domain/rule-settings';
import type { Language } from '../domain/queue';

/** Where a kindergarten is, or null when its coordinates are not known (R4.7). */
export const locationOf = (r: Record<string, any>): { latitude: number; longitude: number } | null =>
  r.latitude == null || r.longitude == null ? null : { latitude: r.latitude, longitude: r.longitude };

/** R4.7: a kindergarten as families and operators read it, from a row of `kindergartens`. */
export const kindergartenOfRow = (r: Record<string, any>) => ({
  id: r.id as number,
  nameRu: r.name_ru as string,
  nameKk: r.name_kk as string,
  kind: r.kind as KindergartenKind,
  languages: r.languages as Language[],
  address: r.address as string,
  phone: r.phone as string | null,
  location: locationOf(r),
});

/** `languages` as a text array: node-postgres parses that, not an array of an enum it does not know. */
export const languagesColumn = (db: Db, table: string) => db.raw(`${table}.languages::text[] as languages`);

/**
 * R4.7: a page of a region's kindergartens, newest first (R11.1's keys), with what a family needs to
 * find one: names, kind, languages of instruction, address, phone and location. Undefined when
 * there is no such region.
 */
export async function regionKindergartens(db: Db, regionCode: string, filter: { kind?: KindergartenKind }, page: Page) {
  const region = await db('regions').where({ code: regionCode }).first('code');
  if (!region) return undefined;
  const found = await db('kindergartens as k')
    .where('k.region_code', regionCode)
    .whereNull('k.closed_at')
    .modify((q) => {
      if (filter.kind) q.where('k.kind', filter.kind);
      if (page.after) q.whereRaw('(k.added_at, k.id) < (?::timestamptz, ?::integer)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'k.added_at', order: 'desc' }, { column: 'k.id', order: 'desc' }])
    .limit(page.limit + 1)
    .select('k.id', 'k.name_ru', 'k.name_kk', 'k.kind', languagesColumn(db, 'k'), 'k.address', 'k.phone', 'k.latitude', 'k.longitude', ...keyColumns(db, 'k.added_at', 'k.id'));
  const { rows, next } = pageOf(found, page.limit);
  return { kindergartens: rows.map(kindergartenOfRow), next };
}
