import { randomUUID } from 'node:crypto';
import { APPLICATION_TASK_QUEUE } from '../../contracts/application';
import { scheduleId } from '../../contracts/offer';
import { almatyDate, endOfAlmatyDay } from '../../domain/almaty-time';
import { offerPlacesWorkflow, publishPlacesWorkflow } from '../../workflows/offer';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff } from '../helpers/factories';
import { buildRegion, eventually, finished } from '../helpers/lifecycle';

let api: ApiHarness;
const schedules: string[] = [];
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  for (const id of schedules) await api.env.client.schedule.getHandle(id).delete().catch(() => undefined);
  await api?.close();
});

type Wave = { offered_at: Date; window_ends_at: Date; window_mode: string; window_days: number };

const runNow = (workflow: typeof publishPlacesWorkflow | typeof offerPlacesWorkflow, regionCode: string) =>
  api.env.client.workflow.start(workflow, { workflowId: `test-${workflow.name}-${randomUUID()}`, taskQueue: APPLICATION_TASK_QUEUE, args: [{ regionCode }] });

/** A kindergarten of `kind` with one place of `seats` seats for `groupYear`, published now. */
async function publishedPlace(regionCode: string, kind: string, groupYear: number, published = true): Promise<{ placeId: number; kindergartenId: number }> {
  const [kg] = await api.db('kindergartens').insert({ region_code: regionCode, name_ru: `Сад (${kind})`, name_kk: `Бақша (${kind})`, kind, address: 'ул. 1' }).returning('id');
  const [place] = await api.db('places')
    .insert({
      kindergarten_id: kg.id, group_year: groupYear, language: 'ru', place_type: 'general', total: 1, free: 1, released_on: '2026-11-24',
      published_at: published ? new Date() : null,
    })
    .returning('id');
  return { placeId: place.id, kindergartenId: kg.id };
}

describe('R10 region settings through the API', () => {
  it('R4.7 the public list of places filters by kind of kindergarten, and each place carries its kindergarten’s kind; an unknown kind is refused', async () => {
    const regionCode = await buildRegion(api.db, { kindsOnOffer: ['state', 'private', 'mini_centre'] });
    const state = await publishedPlace(regionCode, 'state', 2022);
    const priv = await publishedPlace(regionCode, 'private', 2022);
    const mini = await publishedPlace(regionCode, 'mini_centre', 2022);
    const list = async (query: string) => (await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}${query}`)).body.places;

    expect((await list('')).map((p: { placeId: number }) => p.placeId).sort()).toEqual([state.placeId, priv.placeId, mini.placeId].sort());
    expect(await list('&kind=private')).toEqual([expect.objectContaining({ placeId: priv.placeId, kindergarten: expect.objectContaining({ id: priv.kindergartenId, kind: 'private' }) })]);
    expect(await list('&kind=mini_centre')).toEqual([expect.objectContaining({ placeId: mini.placeId, kindergarten: expect.objectContaining({ kind: 'mini_centre' }) })]);
    expect(await list('&kind=village')).toEqual([]);
    const bad = await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}&kind=palace`);
    expect([bad.status, bad.body.field]).toEqual([400, 'kind']);
  });

  it('R10.2 R4.5 an operator’s change is recorded with who and when, applies to windows computed after it, and never shortens a running one', async () => {
    const regionCode = await buildRegion(api.db); // working days, 3
    schedules.push(scheduleId('offer', regionCode), scheduleId('publish', regionCode));
    const operator = await buildStaff(api.db, { role: 'operator', regionCode });
    const first = await buildFamily(api.db, { childBirthDate: '2022-03-03' });
    const second = await buildFamily(api.db, { childBirthDate: '2022-03-04' });
    const a = (await api.file(first, { regionCode })).body.number as string;

    // Before the change: a 3-working-day window.
    await publishedPlace(regionCode, 'state', 2022);
    const before = await runNow(offerPlacesWorkflow, regionCode);
    const waveBefore = (await eventually(() => api.db('offer_waves').where({ id: before.workflowId }).first(), Boolean, 'the first wave')) as Wave;
    const windowA = (await eventually(() => api.db('applications').where({ number: a }).first(), (r) => r.status === 'turn_notified', 'A offered')).offer_window_ends_at.getTime();
    expect(waveBefore).toMatchObject({ window_mode: 'working', window_days: 3 });
    expect(windowA).toBeGreaterThan(endOfAlmatyDay(almatyDate(waveBefore.offered_at.getTime())));

    const contacts = { phone: '+7 7172 00 00 00', email: 'help@example.kz', hours: 'пн–пт 9:00–18:00' };
    const changedAt = Date.now();
    const changed = await api.request('PATCH', `/api/v1/admin/regions/${regionCode}/settings`, {
      iin: operator,
      body: { choiceWindowMode: 'calendar', choiceWindowWorkingDays: 1, kindsOnOffer: ['state', 'village'], contacts },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ choiceWindowMode: 'calendar', choiceWindowWorkingDays: 1, kindsOnOffer: ['state', 'village'], privatePlacesByQueue: false, contacts });
    expect((await api.request('GET', `/api/v1/admin/regions/${regionCode}/settings`, { iin: operator })).body).toMatchObject({ choiceWindowMode: 'calendar', contacts });
    const log = await api.db('region_settings_changes').where({ region_code: regionCode });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      changed_by: operator,
      change: { choiceWindowMode: 'calendar', choiceWindowWorkingDays: 1, kindsOnOffer: ['state', 'village'], contacts },
      settings: expect.objectContaining({ choiceWindowMode: 'calendar' }),
      contacts,
    });
    expect(log[0].changed_at.getTime()).toBeGreaterThanOrEqual(changedAt - 1000);
    expect(log[0].changed_at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    // Refused: an unknown mode, an unknown kind, a malformed e-mail; none is recorded.
    for (const body of [{ choiceWindowMode: 'lunar' }, { kindsOnOffer: ['palace'] }, { contacts: { email: 'not an e-mail' } }]) {
      expect((await api.request('PATCH', `/api/v1/admin/regions/${regionCode}/settings`, { iin: operator, body })).status).toBe(400);
    }
    expect(await api.db('region_settings_changes').where({ region_code: regionCode })).toHaveLength(1);

    // After the change: a window computed now is 1 calendar day; the running one keeps its end.
    const b = (await api.file(second, { regionCode })).body.number as string;
    await publishedPlace(regionCode, 'state', 2022);
    const after = await runNow(offerPlacesWorkflow, regionCode);
    const waveAfter = (await eventually(() => api.db('offer_waves').where({ id: after.workflowId }).first(), Boolean, 'the second wave')) as Wave;
    expect(waveAfter).toMatchObject({ window_mode: 'calendar', window_days: 1 });
    expect(waveAfter.window_ends_at.getTime()).toBe(endOfAlmatyDay(almatyDate(waveAfter.offered_at.getTime())));
    const rowB = await eventually(() => api.db('applications').where({ number: b }).first(), (r) => r.status === 'turn_notified', 'B offered');
    expect(rowB.offer_window_ends_at.getTime()).toBe(waveAfter.window_ends_at.getTime());
    expect((await api.db('applications').where({ number: a }).first()).offer_window_ends_at.getTime()).toBe(windowA);

    for (const run of [before, after]) await run.terminate('test finished');
    for (const n of [a, b]) await api.env.client.workflow.getHandle(n).terminate('test finished').catch(() => undefined);
    await finished(await runNow(publishPlacesWorkflow, regionCode), 'a publication run to finish'); // the worker is still serving
  });
});
