import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff } from '../helpers/factories';
import { buildRegion } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const SPEECH = { code: 'speech', nameRu: 'Нарушение речи', nameKk: 'Сөйлеу қабілетінің бұзылуы' };

describe('the category of need through the API (R8.1)', () => {
  it('R8.1 filing: the correctional queue requires a category of the list, the general queue refuses one; the card and the public look-up show it', async () => {
    const family = await buildFamily(api.db, { childBirthDate: '2022-04-04' });
    const missing = await api.file(family, { queueType: 'correctional' });
    expect([missing.status, missing.body.code, missing.body.field]).toEqual([400, 'NEED_CATEGORY_REQUIRED', 'needCategory']);
    const general = await api.file(family, { queueType: 'general', needCategory: 'speech' });
    expect([general.status, general.body.code]).toEqual([422, 'NEED_CATEGORY_NOT_APPLICABLE']);
    const unknown = await api.file(family, { queueType: 'correctional', needCategory: 'stammering' });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'UNKNOWN_NEED_CATEGORY']);
    expect(unknown.body.allowed).toEqual(expect.arrayContaining(['speech', 'hearing', 'vision', 'intellectual', 'musculoskeletal', 'autism_spectrum', 'delayed_psycho_speech']));
    expect(await api.db('applications').where({ child_iin: family.childIin })).toEqual([]);

    const filed = await api.file(family, { queueType: 'correctional', needCategory: 'speech' });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ queueType: 'correctional', needCategory: SPEECH, queueNumber: expect.any(Number) });
    const lookup = await api.request('GET', `/api/v1/public/applications/${encodeURIComponent(filed.body.number)}`);
    expect(lookup.body).toMatchObject({ queueType: 'correctional', needCategory: SPEECH });
    const plain = await api.file(family, { queueType: 'general' });
    expect([plain.status, plain.body.needCategory]).toEqual([201, null]);
  });

  it('R8.1 change of category: a signed action, checked against the list, refused for a general application', async () => {
    const family = await buildFamily(api.db, { childBirthDate: '2022-05-05' });
    const { number } = (await api.file(family, { queueType: 'correctional', needCategory: 'speech' })).body;
    const unknown = await api.act(family.parentIin, number, 'change-need-category', { needCategory: 'stammering' });
    expect([unknown.status, unknown.body.code, unknown.body.allowed]).toEqual([400, 'UNKNOWN_NEED_CATEGORY', expect.arrayContaining(['hearing'])]);
    const changed = await api.act(family.parentIin, number, 'change-need-category', { needCategory: 'hearing' });
    expect(changed.status).toBe(200);
    expect(changed.body.needCategory).toMatchObject({ code: 'hearing', nameRu: 'Нарушение слуха' });
    expect(changed.body.history.at(-1)).toMatchObject({ cause: 'need_category_changed', actor: 'applicant', signedDocumentId: expect.any(Number) });

    const { number: generalNumber } = (await api.file(family, { queueType: 'general' })).body;
    const refused = await api.act(family.parentIin, generalNumber, 'change-need-category', { needCategory: 'hearing' });
    expect([refused.status, refused.body.code]).toEqual([422, 'NEED_CATEGORY_NOT_APPLICABLE']);
  });

  it('R8.1 place entry: a correctional kindergarten’s place names its category, a state kindergarten’s none; staff and the public list show it', async () => {
    const regionCode = await buildRegion(api.db);
    const [correctional, state] = await api.db('kindergartens')
      .insert([
        { region_code: regionCode, name_ru: 'Коррекционный сад', name_kk: 'Түзету бақшасы', kind: 'correctional', address: 'ул. 1' },
        { region_code: regionCode, name_ru: 'Сад', name_kk: 'Бақша', kind: 'state', address: 'ул. 2' },
      ])
      .returning('id');
    const correctionalStaff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode, kindergartenId: correctional.id });
    const stateStaff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode, kindergartenId: state.id });
    const place = { groupYear: 2022, language: 'ru', placeType: 'general', count: 1, releasedOn: new Date().toISOString().slice(0, 10) };
    const add = (iin: string, body: object) => api.request('POST', '/api/v1/staff/places', { iin, body });

    const missing = await add(correctionalStaff, place);
    expect([missing.status, missing.body.code]).toEqual([400, 'NEED_CATEGORY_REQUIRED']);
    const unknown = await add(correctionalStaff, { ...place, needCategory: 'stammering' });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'UNKNOWN_NEED_CATEGORY']);
    const notApplicable = await add(stateStaff, { ...place, needCategory: 'speech' });
    expect([notApplicable.status, notApplicable.body.code]).toEqual([422, 'NEED_CATEGORY_NOT_APPLICABLE']);
    expect(await api.db('places').whereIn('kindergarten_id', [correctional.id, state.id])).toEqual([]);

    const added = await add(correctionalStaff, { ...place, needCategory: 'speech' });
    expect([added.status, added.body.needCategory]).toEqual([201, SPEECH]);
    const plain = await add(stateStaff, place);
    expect([plain.status, plain.body.needCategory]).toEqual([201, null]);
    expect((await api.request('GET', '/api/v1/staff/places', { iin: correctionalStaff })).body.places[0].needCategory).toEqual(SPEECH);

    await api.db('places').whereIn('id', [added.body.placeId, plain.body.placeId]).update({ published_at: new Date() });
    const published = (await api.request('GET', `/api/v1/public/places?regionCode=${regionCode}`)).body.places;
    expect(Object.fromEntries(published.map((p: { placeId: number; needCategory: unknown }) => [p.placeId, p.needCategory]))).toEqual({
      [added.body.placeId]: SPEECH,
      [plain.body.placeId]: null,
    });
  });
});
