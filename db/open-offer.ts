import type { Db } from './connection';
import { iso } from '../domain/iso';
import type { Language } from '../domain/queue';
import type { KindergartenKind } from '../domain/rule-settings';

/** What the card reads of an application to tell whether its offer is open. */
export interface OfferHolder {
  number: string;
  status: string;
  offer_window_ends_at: Date | null;
}

/**
 * The places a `turn_arrived` event's details name: its own list, or (a wave's offer since
 * migration 20261129210000) its wave's place set.
 */
async function offeredPlaceIds(db: Db, details: { offerId?: string; placeIds?: unknown; placeSet?: unknown } | undefined): Promise<number[]> {
  if (Array.isArray(details?.placeIds)) return details.placeIds;
  if (typeof details?.placeSet !== 'number' || typeof details.offerId !== 'string') return [];
  const set = await db('offer_wave_place_sets').where({ wave_id: details.offerId, set_no: details.placeSet }).first('place_ids');
  return set?.place_ids ?? [];
}

/**
 * R4.4, R4.5, R4.7: the places offered to the application while its choice window is open, with what
 * a family needs to choose; null otherwise. The offer the workflow accepted is recorded on its
 * `turn_arrived` event (its details name the places, or a wave's place set); the window's
 * end is the read model's, which the calendar may have moved.
 */
export async function openOffer(db: Db, a: OfferHolder, now: Date = new Date()) {
  if (a.status !== 'turn_notified' || a.offer_window_ends_at === null || a.offer_window_ends_at <= now) return null;
  const event = await db('application_events').where({ application_number: a.number, cause: 'turn_arrived' }).orderBy('seq', 'desc').first('details');
  const placeIds = await offeredPlaceIds(db, event?.details);
  const rows = placeIds.length
    ? await db('places as p')
        .join('kindergartens as k', 'k.id', 'p.kindergarten_id')
        .whereIn('p.id', placeIds)
        .orderBy('p.id')
        .select('p.id', 'p.group_year', 'p.language', 'p.place_type', 'p.free', 'k.id as kindergarten_id', 'k.name_ru', 'k.name_kk', 'k.kind', 'k.address', 'k.phone')
    : [];
  return {
    windowEndsAt: iso(a.offer_window_ends_at),
    places: rows.map((r: Record<string, any>) => ({
      placeId: r.id as number,
      groupYear: r.group_year as number,
      language: r.language as Language,
      placeType: r.place_type as string,
      free: r.free as number,
      kindergarten: {
        id: r.kindergarten_id as number,
        nameRu: r.name_ru as string,
        nameKk: r.name_kk as string,
        kind: r.kind as KindergartenKind,
        address: r.address as string,
        phone: r.phone as string | null,
      },
    })),
  };
}
