import type { Db } from './connection';
import type { KindergartenKind } from '../domain/rule-settings';

/** Issue 21: what the public board names — regions, their kindergartens and place types. Nothing personal. */

export interface BoardRegion {
  code: string;
  nameRu: string;
  nameKk: string;
}

export interface BoardKindergarten {
  id: number;
  nameRu: string;
  nameKk: string;
  kind: KindergartenKind;
}

const region = (r: Record<string, any>): BoardRegion => ({ code: r.code, nameRu: r.name_ru, nameKk: r.name_kk });

/** Every region, in the order of their codes. */
export async function boardRegions(db: Db): Promise<BoardRegion[]> {
  return (await db('regions').orderBy('code').select('code', 'name_ru', 'name_kk')).map(region);
}

/** One region, or undefined when there is none by that code. */
export async function boardRegion(db: Db, code: string): Promise<BoardRegion | undefined> {
  const row = await db('regions').where({ code }).first('code', 'name_ru', 'name_kk');
  return row && region(row);
}

/** The region's kindergartens (the places filter's choices), by Russian name. */
export async function boardKindergartens(db: Db, regionCode: string): Promise<BoardKindergarten[]> {
  const rows = await db('kindergartens').where({ region_code: regionCode }).orderBy(['name_ru', 'id']).select('id', 'name_ru', 'name_kk', 'kind');
  return rows.map((r) => ({ id: r.id, nameRu: r.name_ru, nameKk: r.name_kk, kind: r.kind }));
}

/** R4.7: the names of the place types a region's places may have (national ones and its own), by code. */
export async function boardPlaceTypeNames(db: Db, regionCode: string): Promise<Map<string, { nameRu: string; nameKk: string }>> {
  const rows = await db('place_types')
    .where((q) => q.whereNull('region_code').orWhere({ region_code: regionCode }))
    .orderByRaw('region_code NULLS FIRST')
    .select('code', 'name_ru', 'name_kk');
  // The region's own name of a code comes after the national one and wins.
  return new Map(rows.map((r) => [r.code, { nameRu: r.name_ru, nameKk: r.name_kk }]));
}
