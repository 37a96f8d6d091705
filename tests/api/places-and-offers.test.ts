import { randomUUID } from 'node:crypto';
import { APPLICATION_TASK_QUEUE } from '../../contracts/application';
import { offerPlacesWorkflow, publishPlacesWorkflow } from '../../workflows/offer';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff, type Family } from '../helpers/factories';
import { buildPlace, buildRegion, eventually, finished } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

async function file(family: Family, regionCode: string): Promise<string> {
  const res = await api.file(family, { regionCode });
  expect(res.status).toBe(201);
  return res.body.number;
}

const runNow = (workflow: typeof publishPlacesWorkflow | typeof offerPlacesWorkflow, regionCode: string) =>
  api.env.client.workflow.start(workflow, { workflowId: `test-${workflow.name}-${randomUUID()}`, taskQueue: APPLICATION_TASK_QUEUE, args: [{ regionCode }] });

describe('places, publication and the offer through the API (R4.2–R4.4, R11)', () => {
  it('R4.2 R4.3 R4.4 R4.7 R11.1 R11.2 staff add places to their kindergarten and see only their own; publication makes them public; the offer reaches the first in line; nothing personal is public', async () => {
    const regionCode = await buildRegion(api.db, { numberPrefix: '98' });
    const [kg] = await api.db('kindergartens')
      .insert({ region_code: regionCode, name_ru: 'Сад № 5', name_kk: '№ 5 бақша', kind: 'state', address: 'ул. Школьная, 1', phone: '+7 727 000 0005' })
      .returning('id');
    const staff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode, kindergartenId: kg.id });
    const otherStaff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode: 'almaty', kindergartenId: 1 });

    const families = await Promise.all([0, 1, 2].map(() => buildFamily(api.db, { childBirthDate: '2022-03-03' })));
    const numbers: string[] = [];
    for (const f of families) numbers.push(await file(f, regionCode));

    const bad = await api.request('POST', '/api/v1/staff/places', { iin: staff, body: { groupYear: 2022, language: 'ru', placeType: 'general', count: 0, releasedOn: '2026-12-01' } });
    expect([bad.status, bad.body.field]).toEqual([400, 'count']);
    const added = await api.request('POST', '/api/v1/staff/places', { iin: staff, body: { groupYear: 2022, language: 'kk', placeType: 'general', count: 2, releasedOn: '2026-12-01' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ groupYear: 2022, language: 'kk', seats: 2, free: 2, publishedAt: null });
    const mine = await api.request('GET', '/api/v1/staff/places', { iin: staff });
    expect(mine.body.places.map((p: { placeId: number }) => p.placeId)).toContain(added.body.placeId);
    const theirs = await api.request('GET', '/api/v1/staff/places', { iin: otherStaff });
    expect(theirs.body.places.map((p: { placeId: number }) => p.placeId)).not.toContain(added.body.placeId);
    const parent = await api.request('POST', '/api/v1/staff/places', { iin: families[0]!.parentIin, body: { groupYear: 2022, language: 'kk', placeType: 'general', count: 2, releasedOn: '2026-12-01' } });
    expect(parent.status).toBe(403);

    expect((await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}`)).body.places).toEqual([]);
    await finished(await runNow(publishPlacesWorkflow, regionCode), 'the publication run to finish');
    const published = await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}&groupYear=2022`);
    expect(published.body.places).toHaveLength(1);
    expect(published.body.places[0]).toMatchObject({
      placeId: added.body.placeId,
      language: 'kk',
      placeType: 'general',
      free: 2,
      releasedOn: '2026-12-01',
      kindergarten: { id: kg.id, kind: 'state', address: expect.any(String) },
    });

    const offer = await runNow(offerPlacesWorkflow, regionCode);
    await eventually(() => api.db('applications').whereIn('number', numbers).where({ status: 'turn_notified' }), (rows) => rows.length === 2, 'the first two of three applications turn_notified');
    const statuses = await api.db('applications').whereIn('number', numbers).orderBy('registered_at').pluck('status');
    expect(statuses).toEqual(['turn_notified', 'turn_notified', 'queued']);

    const choice = await api.act(families[0]!.parentIin, numbers[0]!, 'choose-kindergarten', { placeId: added.body.placeId });
    expect(choice.status).toBe(200);
    const referrals = await api.request('GET', `/api/v1/public/referrals?regionCode=${regionCode}`);
    expect(referrals.body.referrals).toEqual([expect.objectContaining({ registrationNumber: numbers[0], queueNumberAtIssue: 1, groupYear: 2022, state: 'active' })]);
    const lookup = await api.request('GET', `/api/v1/public/applications/${numbers[1]}`);
    // The child holding the referral stays ahead in line until enrolled.
    expect(lookup.body).toMatchObject({ registrationNumber: numbers[1], status: 'turn_notified', queueNumber: 2, queueNumberInCategory: 2 });
    expect((await api.request('GET', '/api/v1/public/applications/98.UO.2026.999999.1')).status).toBe(404);

    // R11: no IIN and no name of anyone in any public answer.
    const people = await api.db('persons').whereIn('iin', families.flatMap((f) => [f.childIin, f.parentIin]));
    const publicText = JSON.stringify([published.body, referrals.body, lookup.body]);
    for (const p of people) {
      expect(publicText).not.toContain(p.iin);
      expect(publicText).not.toContain(p.last_name);
    }
    await offer.terminate('test finished');
  });

  it('R4.8 fifty parallel choices for the last seat: one referral, forty-nine PLACE_TAKEN, and the invariant holds', async () => {
    const regionCode = await buildRegion(api.db, { numberPrefix: '97' });
    const { placeId } = await buildPlace(api.db, { regionCode, groupYear: 2022, seats: 1 });
    await api.db('places').where({ id: placeId }).update({ published_at: new Date(), free_choice_since: new Date() });
    const families = await Promise.all(Array.from({ length: 50 }, () => buildFamily(api.db, { childBirthDate: '2022-02-02' })));
    const numbers = await Promise.all(families.map((f) => file(f, regionCode)));
    const results = await Promise.all(
      families.map((f, i) => api.act(f.parentIin, numbers[i]!, 'choose-kindergarten', { placeId })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(49);
    for (const r of refused) expect([r.status, r.body.code]).toEqual([409, 'PLACE_TAKEN']);
    expect(await api.db('referrals').where({ place_id: placeId, state: 'active' })).toHaveLength(1);

    const operator = await buildStaff(api.db, { role: 'operator', regionCode: null });
    const check = await api.request('GET', '/api/v1/admin/invariants', { iin: operator });
    expect(check.body).toEqual({ ok: true, placeViolations: [] });
  });

  it('R4.8 the invariant check reports a place whose free count was edited behind the system’s back', async () => {
    const regionCode = await buildRegion(api.db);
    const { placeId } = await buildPlace(api.db, { regionCode, groupYear: 2022, seats: 3 });
    await api.db('places').where({ id: placeId }).update({ free: 2 }); // a seat vanished without a referral
    const operator = await buildStaff(api.db, { role: 'operator', regionCode: null });
    const check = await api.request('GET', '/api/v1/admin/invariants', { iin: operator });
    expect(check.body.ok).toBe(false);
    expect(check.body.placeViolations).toContainEqual({ placeId, total: 3, free: 2, held: 0 });
    await api.db('places').where({ id: placeId }).update({ free: 3 });
  });
});
