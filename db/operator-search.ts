import type { Db } from './connection';
import { keyColumns, pageOf, type Page } from './public-board';
import { iso } from '../domain/iso';
import type { ApplicationStatus } from '../domain/statuses';

/** What an operator searches their region's applications by; every filter given must match. */
export interface OperatorSearch {
  /** The region the operator keeps; null: a national operator, every region. */
  operatorRegion: string | null;
  /** Narrows to one region; another region than the operator's finds nothing. */
  regionCode?: string;
  number?: string;
  childIin?: string;
  status?: ApplicationStatus;
  groupYear?: number;
}

/**
 * The search as one query, newest registration first, the registration number breaking ties. An
 * exact number reads the primary key, an exact child IIN `applications_by_child`, a page of a
 * region `applications_region_registered` (migration 20261129182000): the cost of a lookup does
 * not grow with the region's queue.
 */
export function operatorSearchQuery(db: Db, f: OperatorSearch, page: Page) {
  return db('applications as a')
    .join('persons as c', 'c.iin', 'a.child_iin')
    .join('regions as r', 'r.code', 'a.region_code')
    .modify((q) => {
      if (f.operatorRegion !== null) q.where('a.region_code', f.operatorRegion);
      if (f.regionCode !== undefined) q.where('a.region_code', f.regionCode);
      if (f.number !== undefined) q.where('a.number', f.number);
      if (f.childIin !== undefined) q.where('a.child_iin', f.childIin);
      if (f.status !== undefined) q.where('a.status', f.status);
      if (f.groupYear !== undefined) q.where('a.group_year', f.groupYear);
      if (page.after) q.whereRaw('(a.registered_at, a.number) < (?::timestamptz, ?::text)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'a.registered_at', order: 'desc' }, { column: 'a.number', order: 'desc' }])
    .limit(page.limit + 1)
    .select(
      'a.number', 'a.region_code', 'a.queue_type', 'a.child_iin', 'a.status', 'a.benefit_category', 'a.group_year', 'a.registered_at',
      'c.last_name', 'c.first_name', 'c.middle_name', 'c.birth_date', 'r.name_ru as region_name_ru', 'r.name_kk as region_name_kk',
      ...keyColumns(db, 'a.registered_at', 'a.number'),
    );
}

/** A page of the applications an operator's search finds, with the child's personal data; `next` is the last row's key. */
export async function searchApplications(db: Db, f: OperatorSearch, page: Page) {
  const { rows, next } = pageOf(await operatorSearchQuery(db, f, page), page.limit);
  const applications = rows.map((r: Record<string, any>) => ({
    number: r.number as string,
    region: { code: r.region_code, nameRu: r.region_name_ru, nameKk: r.region_name_kk },
    queueType: r.queue_type,
    child: { iin: r.child_iin, lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name, birthDate: r.birth_date },
    status: r.status as ApplicationStatus,
    benefitCategory: r.benefit_category,
    groupYear: r.group_year,
    registeredAt: iso(r.registered_at),
  }));
  return { applications, next };
}
