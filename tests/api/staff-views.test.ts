import type { ApplicationFiling } from '../../contracts/application';
import type { applicationWorkflow } from '../../workflows/application';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff, type Family } from '../helpers/factories';
import { buildPlace, buildRegion, offerPlaces } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

/** A kindergarten of the region with one place of `seats` for 2022, and a member of its staff. */
async function kindergartenWithStaff(regionCode: string, seats = 3) {
  const { placeId, kindergartenId } = await buildPlace(api.db, { regionCode, groupYear: 2022, seats });
  const staff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode, kindergartenId });
  return { placeId, kindergartenId, staff };
}

/** Files an application for a child born 2022-03-03, offers it the place and chooses it (R5.1). */
async function referralTo(regionCode: string, placeId: number): Promise<{ family: Family; number: string }> {
  const family = await buildFamily(api.db, { childBirthDate: '2022-03-03' });
  const filed = await api.file(family, { regionCode });
  expect(filed.status).toBe(201);
  const number: string = filed.body.number;
  const handle = api.env.client.workflow.getHandle<typeof applicationWorkflow>(number);
  await offerPlaces(api.env, api.db, { filing: { regionCode } as ApplicationFiling, handle }, [placeId]);
  const chosen = await api.act(family.parentIin, number, 'choose-kindergarten', { placeId });
  expect([chosen.status, chosen.body.status]).toEqual([200, 'referral_issued']);
  return { family, number };
}

const childOf = async (family: Family) => {
  const p = await api.db('persons').where({ iin: family.childIin }).first();
  return { lastName: p.last_name, firstName: p.first_name, middleName: p.middle_name, birthDate: p.birth_date };
};

describe('what kindergarten staff work from (R5.2, R7.1, R7.3, R4.2)', () => {
  it('R5.2 R7.1 staff see the referrals to their kindergarten awaiting arrival, nearest deadline first, with every column; another kindergarten’s staff see none of them', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, staff } = await kindergartenWithStaff(regionCode);
    const other = await kindergartenWithStaff(regionCode);
    const first = await referralTo(regionCode, placeId);
    const second = await referralTo(regionCode, placeId);
    // R5.5: the first one's deadline moves 10 days on, so the second comes first.
    const extended = await api.act(first.family.parentIin, first.number, 'extend-referral', { days: 10 });
    expect(extended.status).toBe(200);
    const cards = await Promise.all(
      [second, first].map(async (r) => (await api.request('GET', `/api/v1/applications/${r.number}`, { iin: r.family.parentIin })).body),
    );

    const view = await api.request('GET', '/api/v1/staff/referrals', { iin: staff });
    expect(view.status).toBe(200);
    expect(view.body).toEqual({
      referrals: await Promise.all(
        [second, first].map(async (r, i) => ({
          applicationNumber: r.number,
          child: await childOf(r.family),
          groupYear: 2022,
          place: { placeId, language: 'ru', placeType: 'general' },
          issuedAt: cards[i].referral.issuedAt,
          deadline: cards[i].referral.deadline,
          extensionDays: i === 1 ? 10 : null,
          benefitCategory: 'none',
        })),
      ),
      next: null,
    });
    expect(Date.parse(view.body.referrals[1].deadline)).toBeGreaterThan(Date.parse(view.body.referrals[0].deadline));
    expect((await api.request('GET', '/api/v1/staff/referrals', { iin: other.staff })).body).toEqual({ referrals: [], next: null });

    // Registered on arrival (R7.1): it no longer awaits.
    expect((await api.request('POST', '/api/v1/staff/arrivals', { iin: staff, body: { applicationNumber: second.number } })).status).toBe(200);
    const after = await api.request('GET', '/api/v1/staff/referrals', { iin: staff });
    expect(after.body.referrals.map((r: { applicationNumber: string }) => r.applicationNumber)).toEqual([first.number]);
  });

  it('R7.1 R7.3 staff see the children enrolled at their kindergarten with every column until a departure is recorded; another kindergarten’s staff see none', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, staff } = await kindergartenWithStaff(regionCode);
    const other = await kindergartenWithStaff(regionCode);
    const { family, number } = await referralTo(regionCode, placeId);
    expect((await api.request('GET', '/api/v1/staff/enrollments', { iin: staff })).body).toEqual({ children: [], next: null });
    const arrival = await api.request('POST', '/api/v1/staff/arrivals', { iin: staff, body: { applicationNumber: number } });
    expect([arrival.status, arrival.body.status]).toEqual([200, 'enrolled']);
    const enrolment = await api.db('enrollments').where({ application_number: number }).first('enrolled_at');

    const view = await api.request('GET', '/api/v1/staff/enrollments', { iin: staff });
    expect(view.status).toBe(200);
    expect(view.body).toEqual({
      children: [
        {
          applicationNumber: number,
          child: { iin: family.childIin, ...(await childOf(family)) },
          groupYear: 2022,
          enrolledAt: enrolment.enrolled_at.toISOString(),
          place: { placeId, language: 'ru', placeType: 'general' },
        },
      ],
      next: null,
    });
    expect((await api.request('GET', '/api/v1/staff/enrollments', { iin: other.staff })).body).toEqual({ children: [], next: null });
    // Another kindergarten's staff cannot record the departure either: the child is not theirs.
    expect((await api.request('POST', '/api/v1/staff/departures', { iin: other.staff, body: { childIin: family.childIin } })).status).toBe(404);

    expect((await api.request('POST', '/api/v1/staff/departures', { iin: staff, body: { childIin: family.childIin } })).status).toBe(200);
    expect((await api.request('GET', '/api/v1/staff/enrollments', { iin: staff })).body).toEqual({ children: [], next: null });
  });

  it('R4.2 R4.7 staff see their places with seats taken and free, whether an open wave holds them and whether they were withdrawn; another kindergarten’s places are not among them', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, staff, kindergartenId } = await kindergartenWithStaff(regionCode, 3);
    const other = await kindergartenWithStaff(regionCode);
    await referralTo(regionCode, placeId);
    const row = await api.db('places').where({ id: placeId }).first();

    const view = await api.request('GET', '/api/v1/staff/places', { iin: staff });
    expect(view.status).toBe(200);
    expect(view.body).toEqual({
      places: [
        {
          placeId,
          groupYear: 2022,
          language: 'ru',
          placeType: 'general',
          seats: 3,
          free: 2,
          taken: 1,
          releasedOn: '2026-11-24',
          publishedAt: null,
          needCategory: null,
          addedAt: row.added_at.toISOString(),
          freeChoiceSince: null,
          inOpenWave: false,
          withdrawnAt: null,
        },
      ],
      next: null,
    });
    const theirs = await api.request('GET', '/api/v1/staff/places', { iin: other.staff });
    expect(theirs.body.places.map((p: { placeId: number }) => p.placeId)).toEqual([other.placeId]);
    expect(kindergartenId).not.toBe(other.kindergartenId);
  });

  it('R5.2 R7.1 R4.2 every staff list is read a page at a time: limit from 1 to 200, the cursor it gave leads on, and a cursor it never gave is refused', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, kindergartenId, staff } = await kindergartenWithStaff(regionCode, 2);
    await api.db('places').insert({ kindergarten_id: kindergartenId, group_year: 2023, language: 'kk', place_type: 'general', total: 1, free: 1, released_on: '2026-11-25' });
    for (const { number } of [await referralTo(regionCode, placeId), await referralTo(regionCode, placeId)]) {
      expect((await api.request('POST', '/api/v1/staff/arrivals', { iin: staff, body: { applicationNumber: number } })).status).toBe(200);
    }

    for (const [path, key] of [['/api/v1/staff/places', 'places'], ['/api/v1/staff/enrollments', 'children']] as const) {
      const whole = await api.request('GET', path, { iin: staff });
      expect(whole.body[key].length).toBeGreaterThanOrEqual(2);
      const seen: unknown[] = [];
      let page = await api.request('GET', `${path}?limit=1`, { iin: staff });
      for (;;) {
        expect(page.status).toBe(200);
        expect(page.body[key]).toHaveLength(1);
        seen.push(page.body[key][0]);
        if (page.body.next === null) break;
        page = await api.request('GET', `${path}?limit=1&cursor=${page.body.next}`, { iin: staff });
      }
      expect(seen).toEqual(whole.body[key]);
    }
    for (const path of ['/api/v1/staff/places', '/api/v1/staff/enrollments', '/api/v1/staff/referrals']) {
      for (const query of ['limit=0', 'limit=201', 'limit=x', 'cursor=bm90LWEtY3Vyc29y']) {
        const refused = await api.request('GET', `${path}?${query}`, { iin: staff });
        expect([refused.status, refused.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
      expect((await api.request('GET', `${path}?limit=200`, { iin: staff })).status).toBe(200);
    }
  });

  it('R5.2 the referrals awaiting arrival are read a page at a time too, in deadline order', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, staff } = await kindergartenWithStaff(regionCode, 3);
    const made = [await referralTo(regionCode, placeId), await referralTo(regionCode, placeId), await referralTo(regionCode, placeId)];
    const whole = await api.request('GET', '/api/v1/staff/referrals', { iin: staff });
    expect(whole.body.referrals.map((r: { applicationNumber: string }) => r.applicationNumber).sort()).toEqual(made.map((r) => r.number).sort());
    const first = await api.request('GET', '/api/v1/staff/referrals?limit=2', { iin: staff });
    expect(first.body.referrals).toEqual(whole.body.referrals.slice(0, 2));
    const rest = await api.request('GET', `/api/v1/staff/referrals?limit=2&cursor=${first.body.next}`, { iin: staff });
    expect(rest.body).toEqual({ referrals: whole.body.referrals.slice(2), next: null });
  });

  it('R4.2 other roles cannot read a kindergarten’s lists', async () => {
    const family = await buildFamily(api.db);
    const operator = await buildStaff(api.db, { role: 'operator', regionCode: null });
    for (const path of ['/api/v1/staff/referrals', '/api/v1/staff/enrollments', '/api/v1/staff/places']) {
      expect((await api.request('GET', path, { iin: family.parentIin })).status).toBe(403);
      expect((await api.request('GET', path, { iin: operator })).status).toBe(403);
    }
  });
});
