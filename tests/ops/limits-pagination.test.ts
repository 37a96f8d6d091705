/**
 * R11.1 the public lists a page at a time (api/routes/public.ts, db/public-board.ts): a bounded
 * page size, newest first in a stable order (time to the microsecond, then id), an opaque cursor
 * in `next` and in a Link header, and pages that neither skip nor repeat a row.
 */
import { PAGE_DEFAULT, PAGE_MAX } from '../../api/schemas/public';
import { placeInvariantViolations } from '../../db/invariants';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily } from '../helpers/factories';
import { buildPlace, buildRegion } from '../helpers/lifecycle';

let api: ApiHarness;
let regionCode: string;
let kindergartenId: number;
let placeId: number;
beforeAll(async () => {
  api = await startApi();
  regionCode = await buildRegion(api.db);
  ({ kindergartenId, placeId } = await buildPlace(api.db, { regionCode, groupYear: 2023, seats: 10 }));
});
afterAll(() => api?.close());

/** Times a microsecond apart, and the same time twice: the order must hold both. */
const TIMES = ['2026-11-20 10:00:00.000001+00', '2026-11-20 10:00:00.000002+00', '2026-11-20 10:00:00.000002+00', '2026-11-21 08:00:00+00', '2026-11-21 08:00:00+00'];

async function addPlaces(times: string[]): Promise<number[]> {
  const rows = times.map((published_at) => ({
    kindergarten_id: kindergartenId, group_year: 2023, language: 'ru', place_type: 'general', total: 1, free: 1, released_on: '2026-11-24', published_at,
  }));
  return (await api.db('places').insert(rows).returning('id')).map((r) => r.id as number);
}

/** Every page of a list, following `next`; checks the Link header says the same as `next`. */
async function walk(path: string, list: 'places' | 'referrals', limit?: number): Promise<{ pages: any[][]; rows: any[] }> {
  const pages: any[][] = [];
  let url: string | null = `${path}?regionCode=${regionCode}${limit ? `&limit=${limit}` : ''}`;
  while (url) {
    const res: Response = await fetch(api.baseUrl + url);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    pages.push(body[list]);
    const link = res.headers.get('link');
    if (body.next === null) {
      expect(link).toBeNull();
      url = null;
    } else {
      const target = /^<([^>]+)>; rel="next"$/.exec(link ?? '')?.[1];
      expect(new URL(target!, api.baseUrl).searchParams.get('cursor')).toBe(body.next);
      url = target!;
    }
    expect(pages.length).toBeLessThan(100);
  }
  return { pages, rows: pages.flat() };
}

describe('R11.1 the public lists, a page at a time', () => {
  it('places: every page but the last is full, the walk gives each published place once, newest first (time to the microsecond, then id)', async () => {
    const ids = await addPlaces(TIMES);
    const expected = (await api.db('places').where({ kindergarten_id: kindergartenId }).whereNotNull('published_at').orderBy([{ column: 'published_at', order: 'desc' }, { column: 'id', order: 'desc' }]).pluck('id')) as number[];
    expect(expected).toHaveLength(ids.length);
    const { pages, rows } = await walk('/api/v1/public/places', 'places', 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(rows.map((p) => p.placeId)).toEqual(expected);
    // The unpublished place is on no page.
    expect(rows.map((p) => p.placeId)).not.toContain(placeId);
  });

  it('a place published while a client pages does not shift the pages after its cursor', async () => {
    const first = (await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}&limit=3`)).body;
    await addPlaces(['2030-01-01 00:00:00+00']);
    const rest = await walk(`/api/v1/public/places`, 'places', 100);
    const second = (await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}&limit=100&cursor=${first.next}`)).body;
    const seen = [...first.places, ...second.places].map((p: any) => p.placeId);
    expect(new Set(seen).size).toBe(seen.length);
    // Everything but the newcomer, which sorts before the cursor.
    expect(seen).toEqual(rest.rows.slice(1).map((p) => p.placeId));
  });

  it('referrals: the walk gives each referral once, newest first, ties broken by id', async () => {
    const numbers: string[] = [];
    for (const [i, issued_at] of TIMES.entries()) {
      const family = await buildFamily(api.db);
      const number = `${regionCode}.P.${i}.${Date.now()}`;
      await api.db('applications').insert({
        number, region_code: regionCode, queue_type: 'general', child_iin: family.childIin, applicant_iin: family.parentIin, benefit_category: 'none', group_year: 2023,
        registered_at: new Date(), status: 'referral_issued', status_changed_at: new Date(), status_cause: 'filed', language: 'ru', email: 'p@example.kz', phone: '+77010000000',
      });
      await api.db('referrals').insert({ application_number: number, place_id: placeId, kindergarten_id: kindergartenId, issued_at, deadline: '2026-12-31 00:00:00+00', queue_number: i + 1 });
      numbers.push(number);
    }
    // Each active referral holds a seat: the place's free count says so (R4.8, checked by other tests).
    await api.db('places').where({ id: placeId }).decrement('free', TIMES.length);
    expect((await placeInvariantViolations(api.db)).map((v) => v.placeId)).not.toContain(placeId);
    const expected = await api.db('referrals').whereIn('application_number', numbers).orderBy([{ column: 'issued_at', order: 'desc' }, { column: 'id', order: 'desc' }]).pluck('application_number');
    const { pages, rows } = await walk('/api/v1/public/referrals', 'referrals', 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(rows.map((r) => r.registrationNumber)).toEqual(expected);
  });

  it(`a page holds ${PAGE_DEFAULT} rows unless asked fewer; more than ${PAGE_MAX}, none, or a cursor the list did not give is a 400 naming the parameter`, async () => {
    await addPlaces(Array.from({ length: PAGE_DEFAULT + 5 }, (_, i) => `2026-10-01 00:00:${String(i % 60).padStart(2, '0')}+00`));
    const page = (await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}`)).body;
    expect(page.places).toHaveLength(PAGE_DEFAULT);
    expect(page.next).toEqual(expect.any(String));
    const max = await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}&limit=${PAGE_MAX}`);
    expect(max.status).toBe(200);
    for (const query of [`limit=${PAGE_MAX + 1}`, 'limit=0', 'cursor=bm90LWEtY3Vyc29y', 'cursor=%2F%2F']) {
      const res = await api.request('GET', `/api/v1/public/referrals?regionCode=${regionCode}&${query}`);
      expect([query, res.status, res.body.code, res.body.field]).toEqual([query, 400, 'VALIDATION_FAILED', query.split('=')[0]]);
    }
    const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    const limit = doc.paths['/api/v1/public/places'].get.parameters.find((p: any) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { maximum: PAGE_MAX, default: PAGE_DEFAULT } });
  });
});
