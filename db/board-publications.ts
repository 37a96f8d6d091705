import type { Db } from './connection';
import { publishedPlaces, type PageKey, type PublicFilter } from './public-board';
import { almatyDate, ALMATY_UTC_OFFSET_MS } from '../domain/almaty-time';
import type { Language } from '../domain/queue';
import type { KindergartenKind } from '../domain/rule-settings';
import { startOfAlmatyMonth, type MonthlySeats, type YearMonth } from '../domain/turn-estimate';

/** Issue 21: what the public board reads of published places. */

export type BoardPlace = Awaited<ReturnType<typeof publishedPlaces>>['places'][number];

/** Rows read per page, and the most places one day's list shows (a day publishes far fewer). */
const PAGE = 200;
export const MAX_DAY_PLACES = 1000;

/**
 * R4.3, R11.1: the places of the latest publication day (Asia/Almaty) that pass `filter` — today's
 * after the evening publication — read newest first through the public list's pages, stopping at
 * the first place of an earlier day. A null day when nothing that passes was ever published.
 */
export async function latestPublicationDay(db: Db, filter: PublicFilter & { language?: Language }): Promise<{ day: string | null; places: BoardPlace[] }> {
  const { language, ...publicFilter } = filter;
  const places: BoardPlace[] = [];
  let day: string | null = null;
  let after: PageKey | undefined;
  while (places.length < MAX_DAY_PLACES) {
    const page = await publishedPlaces(db, publicFilter, { limit: PAGE, after });
    for (const place of page.places) {
      if (language && place.language !== language) continue; // R4.7: the list API has no language filter
      const on = almatyDate(Date.parse(place.publishedAt!));
      day ??= on;
      if (on !== day) return { day, places };
      places.push(place);
    }
    if (!page.next) break;
    after = page.next;
  }
  return { day, places };
}

/**
 * R11.2 (domain/turn-estimate.ts): the seats published for a region's group year in each Almaty
 * month of [from, until), of kindergartens of `kinds`; withdrawn places left out (R4.2: never on
 * offer). Months without any are absent. The offset is domain/almaty-time.ts's fixed UTC+5.
 */
export async function monthlyPublishedSeats(
  db: Db,
  q: { regionCode: string; groupYear: number; kinds: readonly KindergartenKind[]; from: YearMonth; until: YearMonth },
): Promise<MonthlySeats[]> {
  const offset = `${ALMATY_UTC_OFFSET_MS / 1000} seconds`;
  const rows = await db('places as p')
    .join('kindergartens as k', 'k.id', 'p.kindergarten_id')
    .where('k.region_code', q.regionCode)
    .where('p.group_year', q.groupYear)
    .whereIn('k.kind', [...q.kinds])
    .whereNull('p.withdrawn_at')
    .where('p.published_at', '>=', new Date(startOfAlmatyMonth(q.from)))
    .where('p.published_at', '<', new Date(startOfAlmatyMonth(q.until)))
    .groupByRaw('1')
    .orderByRaw('1')
    .select(db.raw(`to_char((p.published_at AT TIME ZONE 'UTC') + ?::interval, 'YYYY-MM') AS month`, [offset]), db.raw('sum(p.total)::integer AS seats'));
  return rows.map((r: { month: string; seats: number }) => ({ month: r.month, seats: Number(r.seats) }));
}
