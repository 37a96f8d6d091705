import type { Db } from './connection';
import { queueNumbers } from './queue-numbers';
import { iso, isoOrNull } from '../domain/iso';
import { ACTIVE_STATUSES, type ApplicationStatus } from '../domain/statuses';

/** R11: what anyone may see — registration numbers and queue numbers, never a name or an IIN. */

export interface PublicFilter {
  regionCode: string;
  kindergartenId?: number;
  groupYear?: number;
}


/** A place as both staff and the public see it (R4.7). */
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
  };
}

/** R4.3, R4.7, R11.1: the published places with what a family needs to choose. */
export async function publishedPlaces(db: Db, f: PublicFilter) {
  const rows = await db('places as p')
    .join('kindergartens as k', 'k.id', 'p.kindergarten_id')
    .where('k.region_code', f.regionCode)
    .whereNotNull('p.published_at')
    .modify((q) => {
      if (f.kindergartenId) q.where('k.id', f.kindergartenId);
      if (f.groupYear) q.where('p.group_year', f.groupYear);
    })
    .orderBy([{ column: 'p.published_at', order: 'desc' }, 'p.id'])
    .limit(1000)
    .select(
      'p.id', 'p.group_year', 'p.language', 'p.place_type', 'p.total', 'p.free', 'p.released_on', 'p.published_at', 'p.free_choice_since',
      'k.id as kindergarten_id', 'k.name_ru', 'k.name_kk', 'k.kind', 'k.address', 'k.phone', 'k.latitude', 'k.longitude',
    );
  return rows.map((r: Record<string, any>) => ({
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
}

/** R11.1: the referrals issued, with the registration number and the queue number at issue. */
export async function issuedReferrals(db: Db, f: PublicFilter) {
  const rows = await db('referrals as r')
    .join('kindergartens as k', 'k.id', 'r.kindergarten_id')
    .join('places as p', 'p.id', 'r.place_id')
    .where('k.region_code', f.regionCode)
    .modify((q) => {
      if (f.kindergartenId) q.where('k.id', f.kindergartenId);
      if (f.groupYear) q.where('p.group_year', f.groupYear);
    })
    .orderBy([{ column: 'r.issued_at', order: 'desc' }, 'r.id'])
    .limit(1000)
    .select('r.application_number', 'r.issued_at', 'r.state', 'r.queue_number', 'p.group_year', 'k.id as kindergarten_id', 'k.name_ru', 'k.name_kk');
  return rows.map((r: Record<string, any>) => ({
    registrationNumber: r.application_number,
    issuedAt: iso(r.issued_at),
    state: r.state,
    queueNumberAtIssue: r.queue_number,
    groupYear: r.group_year,
    kindergarten: { id: r.kindergarten_id, nameRu: r.name_ru, nameKk: r.name_kk },
  }));
}

/** R11.2: a registration number's status and queue numbers, and nothing personal. */
export async function publicLookup(db: Db, number: string) {
  const a = await db('applications').where({ number }).first(
    'number', 'region_code', 'queue_type', 'group_year', 'benefit_category', 'registered_at', 'status', 'status_changed_at', 'stop_list_until',
  );
  if (!a) return undefined;
  const status = a.status as ApplicationStatus;
  const queue = ACTIVE_STATUSES.includes(status) ? await queueNumbers(db, number) : undefined;
  return {
    registrationNumber: a.number,
    regionCode: a.region_code,
    queueType: a.queue_type,
    groupYear: a.group_year,
    benefitCategory: a.benefit_category,
    registeredAt: iso(a.registered_at),
    status,
    statusChangedAt: iso(a.status_changed_at),
    onStopList: a.stop_list_until !== null,
    queueNumber: queue?.inQueue ?? null,
    queueNumberInCategory: queue?.inCategory ?? null,
  };
}
