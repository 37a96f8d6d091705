import type { Db } from '../../db/connection';
import { BENCH_GROUP_YEAR, BENCH_REGION } from './seed';

/** `count` published places of `seats` seats each in a new kindergarten of the bench region. */
export async function benchPlaces(db: Db, count: number, seats: number, freeChoice: boolean): Promise<number[]> {
  const [kg] = await db('kindergartens').insert({ region_code: BENCH_REGION, name_ru: 'Бенч', name_kk: 'Бенч', kind: 'state', address: '—' }).returning('id');
  const rows = await db('places')
    .insert(
      Array.from({ length: count }, () => ({
        kindergarten_id: kg.id, group_year: BENCH_GROUP_YEAR, language: 'ru', place_type: 'general', total: seats, free: seats,
        released_on: '2026-12-01', published_at: new Date(), free_choice_since: freeChoice ? new Date() : null,
      })),
    )
    .returning('id');
  return rows.map((r: { id: number }) => r.id);
}
