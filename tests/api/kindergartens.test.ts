import { startApi, type ApiHarness } from '../helpers/api';
import { buildRegion } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

/** Anyone's GET, with the Link header of the page. */
async function get(path: string) {
  const res = await fetch(api.baseUrl + path);
  return { status: res.status, type: res.headers.get('content-type') ?? '', link: res.headers.get('link'), body: (await res.json()) as any };
}

/** A region of its own with three kindergartens, added one after another (each its own instant). */
async function regionWithKindergartens() {
  const regionCode = await buildRegion(api.db);
  const rows = [
    { name_ru: 'Сад «Айгөлек»', name_kk: '«Айгөлек» бақшасы', kind: 'state', languages: ['kk', 'ru'], address: 'ул. Абая, 1', phone: '+7 727 000 0101', latitude: 43.238, longitude: 76.945 },
    { name_ru: 'Частный сад «Нұр»', name_kk: '«Нұр» жеке бақшасы', kind: 'private', languages: ['ru'], address: 'ул. Сатпаева, 2', phone: null, latitude: null, longitude: null },
    { name_ru: 'Мини-центр «Бөбек»', name_kk: '«Бөбек» шағын орталығы', kind: 'mini_centre', languages: [], address: 'ул. Толе би, 3', phone: '+7 727 000 0103', latitude: 43.25, longitude: 76.92 },
  ];
  const ids: number[] = [];
  for (const row of rows) ids.push((await api.db('kindergartens').insert({ region_code: regionCode, ...row }).returning('id'))[0].id);
  const answer = (i: number) => {
    const r = rows[i]!;
    return {
      id: ids[i],
      nameRu: r.name_ru,
      nameKk: r.name_kk,
      kind: r.kind,
      languages: r.languages,
      address: r.address,
      phone: r.phone,
      location: r.latitude === null ? null : { latitude: r.latitude, longitude: r.longitude },
    };
  };
  return { regionCode, answers: [answer(0), answer(1), answer(2)] };
}

describe('R4.7 the kindergartens of a region (anyone)', () => {
  it('R4.7 lists each kindergarten’s names, kind, languages of instruction, address, phone and location (null when unknown), newest first, without a login', async () => {
    const { regionCode, answers } = await regionWithKindergartens();
    const res = await get(`/api/v1/regions/${regionCode}/kindergartens`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ kindergartens: [answers[2], answers[1], answers[0]], next: null });
    expect(res.link).toBeNull();
  });

  it('R4.7 filters by kind; an unknown kind is refused as a problem', async () => {
    const { regionCode, answers } = await regionWithKindergartens();
    expect((await get(`/api/v1/regions/${regionCode}/kindergartens?kind=private`)).body).toEqual({ kindergartens: [answers[1]], next: null });
    expect((await get(`/api/v1/regions/${regionCode}/kindergartens?kind=village`)).body).toEqual({ kindergartens: [], next: null });
    const bad = await get(`/api/v1/regions/${regionCode}/kindergartens?kind=castle`);
    expect([bad.status, bad.type, bad.body.code]).toEqual([400, expect.stringContaining('application/problem+json'), 'VALIDATION_FAILED']);
  });

  it('R4.7 pages as the public lists do: every kindergarten once by `next` and Link; limit 0 and 201 and a bad cursor refused', async () => {
    const { regionCode, answers } = await regionWithKindergartens();
    const seen: unknown[] = [];
    let path: string | null = `/api/v1/regions/${regionCode}/kindergartens?limit=1`;
    while (path) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.body.kindergartens).toHaveLength(1);
      seen.push(...page.body.kindergartens);
      if (page.body.next === null) {
        expect(page.link).toBeNull();
        path = null;
      } else {
        expect(page.link).toBe(`</api/v1/regions/${regionCode}/kindergartens?limit=1&cursor=${page.body.next}>; rel="next"`);
        path = /^<([^>]+)>/.exec(page.link!)![1]!;
      }
    }
    expect(seen).toEqual([answers[2], answers[1], answers[0]]);
    for (const query of ['limit=0', 'limit=201', 'cursor=bm90LWEtY3Vyc29y']) {
      const refused = await get(`/api/v1/regions/${regionCode}/kindergartens?${query}`);
      expect([query, refused.status, refused.body.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
    }
  });

  it('R4.7 the seeded kindergartens carry their languages of instruction', async () => {
    // Other tests add kindergartens to Almaty too; the seeded ones are the oldest, on the last page.
    const all: any[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const res = await get(`/api/v1/regions/almaty/kindergartens?kind=state&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...res.body.kindergartens);
      cursor = res.body.next;
    }
    const balapan = all.find((k) => k.nameRu === 'Ясли-сад № 1 «Балапан»');
    expect(balapan).toMatchObject({ kind: 'state', languages: ['kk', 'ru'], address: 'г. Алматы, ул. Абая, 10', phone: '+7 727 000 0001', location: null });
  });

  it('R4.7 an unknown region answers 404 as a problem', async () => {
    const res = await get('/api/v1/regions/atlantis/kindergartens');
    expect([res.status, res.type, res.body.code]).toEqual([404, expect.stringContaining('application/problem+json'), 'NOT_FOUND']);
  });
});
