import { placeInvariantViolations } from '../../db/invariants';
import { addDays, almatyDate } from '../../domain/almaty-time';
import type { ApplicationFiling } from '../../contracts/application';
import type { applicationWorkflow } from '../../workflows/application';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff, type Family } from '../helpers/factories';
import { buildPlace, buildRegion, offerPlaces } from '../helpers/lifecycle';
import { publishAndOffer } from '../helpers/offer-runs';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const today = () => almatyDate(Date.now());

/** A kindergarten of the region with one place of `seats` for 2022, and a member of its staff; the region keeps a place type of its own. */
async function kindergartenWithStaff(regionCode: string, seats = 2) {
  await api.db('place_types').insert({ region_code: regionCode, code: 'short_stay', name_ru: 'Кратковременного пребывания', name_kk: 'Қысқа мерзімді' }).onConflict().ignore();
  const { placeId, kindergartenId } = await buildPlace(api.db, { regionCode, groupYear: 2022, seats });
  const staff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode, kindergartenId });
  return { placeId, kindergartenId, staff };
}

async function filed(regionCode: string): Promise<{ family: Family; number: string }> {
  const family = await buildFamily(api.db, { childBirthDate: '2022-03-03' });
  const res = await api.file(family, { regionCode });
  expect(res.status).toBe(201);
  return { family, number: res.body.number };
}

/** Files an application, offers it the place and chooses it: a seat of the place is taken (R5.1). */
async function takeSeat(regionCode: string, placeId: number) {
  const { family, number } = await filed(regionCode);
  const handle = api.env.client.workflow.getHandle<typeof applicationWorkflow>(number);
  await offerPlaces(api.env, api.db, { filing: { regionCode } as ApplicationFiling, handle }, [placeId]);
  const chosen = await api.act(family.parentIin, number, 'choose-kindergarten', { placeId });
  expect(chosen.status).toBe(200);
}

const correct = (staff: string, placeId: number, body: unknown) => api.request('PATCH', `/api/v1/staff/places/${placeId}`, { iin: staff, body });
const withdraw = (staff: string, placeId: number, reason = 'the group closes for repairs') =>
  api.request('POST', `/api/v1/staff/places/${placeId}/withdrawal`, { iin: staff, body: { reason } });
const placeRow = (placeId: number) => api.db('places').where({ id: placeId }).first();
const changesOf = (placeId: number) => api.db('place_changes').where({ place_id: placeId }).orderBy('id');
const violationsOf = async (placeIds: number[]) => (await placeInvariantViolations(api.db)).filter((v) => placeIds.includes(v.placeId));

describe('R4.2 staff correct and withdraw the places they added', () => {
  it('R4.2 a place no seat of which is taken is corrected in every field, checked as a new place is, and the change is recorded with who, when, what and why', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, staff } = await kindergartenWithStaff(regionCode, 2);
    const releasedOn = addDays(today(), -1);
    const res = await correct(staff, placeId, { count: 5, language: 'kk', placeType: 'short_stay', groupYear: 2023, releasedOn, reason: 'entered as Russian by mistake' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ placeId, seats: 5, free: 5, taken: 0, language: 'kk', placeType: 'short_stay', groupYear: 2023, releasedOn, withdrawnAt: null });
    const [change, ...more] = await changesOf(placeId);
    expect(more).toEqual([]);
    expect(change).toMatchObject({
      kind: 'correction',
      changed_by: staff,
      reason: 'entered as Russian by mistake',
      before: { seats: 2, free: 2, groupYear: 2022, language: 'ru', placeType: 'general', releasedOn: '2026-11-24', withdrawnAt: null },
      after: { seats: 5, free: 5, groupYear: 2023, language: 'kk', placeType: 'short_stay', releasedOn, withdrawnAt: null },
    });
    expect(Math.abs(change.changed_at.getTime() - Date.now())).toBeLessThan(60_000);

    // Fewer seats too, while none is taken; the same correction again changes and records nothing.
    expect((await correct(staff, placeId, { count: 1, reason: 'two seats were counted twice' })).body).toMatchObject({ seats: 1, free: 1 });
    expect((await correct(staff, placeId, { count: 1, reason: 'two seats were counted twice' })).status).toBe(200);
    expect(await changesOf(placeId)).toHaveLength(2);
  });

  it('R4.2 a correction the region would not take as a new place, or without a reason, is refused with its code and changes nothing', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, staff } = await kindergartenWithStaff(regionCode, 2);
    const before = await placeRow(placeId);
    const refusals: [unknown, number, string, string?][] = [
      [{ groupYear: 2010, reason: 'r' }, 400, 'INVALID_GROUP_YEAR', 'groupYear'],
      [{ releasedOn: addDays(today(), -31), reason: 'r' }, 400, 'INVALID_RELEASE_DATE', 'releasedOn'],
      [{ placeType: 'no_such_type', reason: 'r' }, 400, 'UNKNOWN_PLACE_TYPE', 'placeType'],
      [{ count: 0, reason: 'r' }, 400, 'VALIDATION_FAILED', 'count'],
      [{ count: 3 }, 400, 'VALIDATION_FAILED', 'reason'],
      [{ count: 3, reason: '   ' }, 400, 'VALIDATION_FAILED', 'reason'],
      [{ count: 3, reason: 'x'.repeat(501) }, 400, 'VALIDATION_FAILED', 'reason'],
      [{ reason: 'nothing named' }, 400, 'VALIDATION_FAILED'],
      [{ count: 3, needCategory: 'speech', reason: 'r' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code, field] of refusals) {
      const res = await correct(staff, placeId, body);
      expect([res.status, res.body.code, res.type]).toEqual([status, code, expect.stringContaining('application/problem+json')]);
      if (field) expect(res.body.field).toBe(field);
    }
    expect(await placeRow(placeId)).toEqual(before);
    expect(await changesOf(placeId)).toEqual([]);
    // A release date older than 30 days that is not changed does not stop a correction.
    await api.db('places').where({ id: placeId }).update({ released_on: addDays(today(), -60) });
    expect((await correct(staff, placeId, { count: 3, releasedOn: addDays(today(), -60), reason: 'one more seat' })).status).toBe(200);
  });

  it('R4.2 another kindergarten’s place answers 404 exactly as a missing one, for every change, and stays as it was', async () => {
    const regionCode = await buildRegion(api.db);
    const mine = await kindergartenWithStaff(regionCode);
    const theirs = await kindergartenWithStaff(regionCode);
    const before = await placeRow(theirs.placeId);
    const missing = 2_000_000_000;
    for (const attempt of [
      (id: number) => correct(mine.staff, id, { count: 9, reason: 'r' }),
      (id: number) => withdraw(mine.staff, id),
    ]) {
      const [other, none] = [await attempt(theirs.placeId), await attempt(missing)];
      expect([other.status, other.body.code]).toEqual([404, 'NOT_FOUND']);
      expect(other.body.detail.replace(String(theirs.placeId), 'N')).toBe(none.body.detail.replace(String(missing), 'N'));
    }
    expect(await placeRow(theirs.placeId)).toEqual(before);
    expect(await changesOf(theirs.placeId)).toEqual([]);
    const parent = (await buildFamily(api.db)).parentIin;
    expect((await correct(parent, mine.placeId, { count: 9, reason: 'r' })).status).toBe(403);
  });

  it('R4.2 R4.8 once a seat is taken only seats may be added: fewer seats, another field or a withdrawal answer 409 PLACE_SEATS_TAKEN and change nothing', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, staff } = await kindergartenWithStaff(regionCode, 2);
    await takeSeat(regionCode, placeId);
    const before = await placeRow(placeId);
    for (const body of [{ count: 1, reason: 'r' }, { language: 'kk', reason: 'r' }, { count: 4, groupYear: 2023, reason: 'r' }]) {
      const res = await correct(staff, placeId, body);
      expect([res.status, res.body.code]).toEqual([409, 'PLACE_SEATS_TAKEN']);
    }
    const refused = await withdraw(staff, placeId);
    expect([refused.status, refused.body.code]).toEqual([409, 'PLACE_SEATS_TAKEN']);
    expect(await placeRow(placeId)).toEqual(before);
    expect(await changesOf(placeId)).toEqual([]);

    const added = await correct(staff, placeId, { count: 4, language: 'ru', reason: 'two more beds' });
    expect([added.status, added.body.seats, added.body.free, added.body.taken]).toEqual([200, 4, 3, 1]);
    expect(await violationsOf([placeId])).toEqual([]);
  });

  it('R4.2 R4.4 R4.5 a place an open offer wave holds may gain seats; fewer seats, another field or a withdrawal answer 409 PLACE_IN_OPEN_WAVE and change nothing; once its free choice opened it may be withdrawn', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, staff } = await kindergartenWithStaff(regionCode, 2);
    await filed(regionCode);
    const { run } = await publishAndOffer(api.env, api.db, regionCode);
    const waveId = run.workflowId; // a wave is named by its offer run
    try {
      expect((await placeRow(placeId)).offer_wave_id).toBe(waveId);
      const before = await placeRow(placeId);
      for (const body of [{ count: 1, reason: 'r' }, { placeType: 'short_stay', reason: 'r' }, { count: 3, language: 'kk', reason: 'r' }]) {
        const res = await correct(staff, placeId, body);
        expect([res.status, res.body.code]).toEqual([409, 'PLACE_IN_OPEN_WAVE']);
      }
      const refused = await withdraw(staff, placeId);
      expect([refused.status, refused.body.code]).toEqual([409, 'PLACE_IN_OPEN_WAVE']);
      expect(await placeRow(placeId)).toEqual(before);
      expect(await changesOf(placeId)).toEqual([]);

      const added = await correct(staff, placeId, { count: 3, reason: 'a third bed' });
      expect(added.status).toBe(200);
      expect(added.body).toMatchObject({ seats: 3, free: 3, inOpenWave: true });
      const listed = await api.request('GET', '/api/v1/staff/places', { iin: staff });
      expect(listed.body.places).toEqual([added.body]);

      // R4.5: the window over and free choice open, the wave no longer holds it.
      await api.db('offer_waves').where({ id: waveId }).update({ free_choice_opened_at: new Date() });
      const withdrawn = await withdraw(staff, placeId);
      expect([withdrawn.status, withdrawn.body.inOpenWave, withdrawn.body.seats]).toEqual([200, false, 0]);
    } finally {
      await run.terminate('test finished');
    }
  });

  it('R4.2 R4.3 R4.4 R4.8 a withdrawn place records who and why, leaves the public list, is never offered and cannot be chosen; withdrawing again changes nothing', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId, staff } = await kindergartenWithStaff(regionCode, 2);
    await api.db('places').where({ id: placeId }).update({ published_at: new Date(), free_choice_since: new Date() });
    const publicIds = async () => (await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}`)).body.places.map((p: { placeId: number }) => p.placeId);
    expect(await publicIds()).toEqual([placeId]);

    const res = await withdraw(staff, placeId, 'the building is closed');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ placeId, seats: 0, free: 0, taken: 0, withdrawnAt: expect.any(String) });
    const [change] = await changesOf(placeId);
    expect(change).toMatchObject({
      kind: 'withdrawal',
      changed_by: staff,
      reason: 'the building is closed',
      before: { seats: 2, free: 2, withdrawnAt: null },
      after: { seats: 0, free: 0, withdrawnAt: res.body.withdrawnAt },
    });
    expect(await publicIds()).toEqual([]);

    const again = await withdraw(staff, placeId, 'twice');
    expect(again.body).toEqual(res.body);
    expect(await changesOf(placeId)).toHaveLength(1);
    const corrected = await correct(staff, placeId, { count: 5, reason: 'back after all' });
    expect([corrected.status, corrected.body.code]).toEqual([409, 'PLACE_WITHDRAWN']);

    // R4.5: free choice was open; the seat cannot be taken.
    const { family, number } = await filed(regionCode);
    const chosen = await api.act(family.parentIin, number, 'choose-kindergarten', { placeId });
    expect([chosen.status, chosen.body.code]).toEqual([409, 'PLACE_TAKEN']);
    // R4.4: an offer run after it offers nothing of it, though an application of its group year waits.
    await api.db('places').where({ id: placeId }).update({ free_choice_since: null });
    const { run } = await publishAndOffer(api.env, api.db, regionCode);
    const waveId = run.workflowId; // a wave is named by its offer run
    await run.terminate('test finished');
    expect((await placeRow(placeId)).offer_wave_id).toBeNull();
    expect(await api.db('offer_wave_applications').where({ wave_id: waveId })).toEqual([]);
    expect(await violationsOf([placeId])).toEqual([]);
  });

  it('R4.2 R4.8 a withdrawal and a parent’s choice of the last seat at the same moment: exactly one wins, and the place stays consistent', async () => {
    const regionCode = await buildRegion(api.db);
    const outcomes: string[] = [];
    const placeIds: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { placeId, staff } = await kindergartenWithStaff(regionCode, 1);
      placeIds.push(placeId);
      await api.db('places').where({ id: placeId }).update({ published_at: new Date(), free_choice_since: new Date() });
      const { family, number } = await filed(regionCode);
      // The choice goes through its workflow and takes longer: the withdrawal starts a little later each time.
      const [chosen, withdrawn] = await Promise.all([
        api.act(family.parentIin, number, 'choose-kindergarten', { placeId }),
        new Promise((r) => setTimeout(r, i * 8)).then(() => withdraw(staff, placeId)),
      ]);
      const row = await placeRow(placeId);
      const referral = await api.db('referrals').where({ place_id: placeId, state: 'active' }).first();
      if (chosen.status === 200) {
        expect([withdrawn.status, withdrawn.body.code]).toEqual([409, 'PLACE_SEATS_TAKEN']);
        expect([row.total, row.free, row.withdrawn_at, referral?.application_number]).toEqual([1, 0, null, number]);
        outcomes.push('chosen');
      } else {
        expect([chosen.status, chosen.body.code, withdrawn.status]).toEqual([409, 'PLACE_TAKEN', 200]);
        expect([row.total, row.free, referral]).toEqual([0, 0, undefined]);
        expect(row.withdrawn_at).not.toBeNull();
        outcomes.push('withdrawn');
      }
    }
    expect(outcomes).toHaveLength(8);
    expect(await violationsOf(placeIds)).toEqual([]);
  });
});
