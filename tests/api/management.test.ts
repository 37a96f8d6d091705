import { randomInt, randomUUID } from 'node:crypto';
import { scheduleId } from '../../contracts/offer';
import { migrateLatest } from '../../db/connection';
import { removeStaffMember } from '../../db/staff-directory';
import { almatyDate } from '../../domain/almaty-time';
import { DEFAULT_RULE_SETTINGS } from '../../domain/rule-settings';
import { makeIin } from '../../db/seeds/iin';
import { startApi, type Answer, type ApiHarness } from '../helpers/api';
import { scratchDb } from '../helpers/db';
import { buildFamily, buildStaff } from '../helpers/factories';
import { buildRegion } from '../helpers/lifecycle';
import { signedAction } from '../helpers/pki';

let api: ApiHarness;
const schedules: string[] = [];
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  for (const id of schedules) await api?.env.client.schedule.getHandle(id).delete().catch(() => undefined);
  await api?.close();
});

interface Member {
  iin: string;
  organisationBin: string;
}

const newBin = () => String(randomInt(10 ** 11, 10 ** 12));

/** An operator of `regionCode` (null: national), as the factories make staff. */
async function operatorOf(regionCode: string | null): Promise<Member> {
  const iin = await buildStaff(api.db, { role: 'operator', regionCode });
  const row = await api.db('staff').where({ iin, role: 'operator' }).first('organisation_bin');
  return { iin, organisationBin: row.organisation_bin };
}

/** A person the registry knows, not yet staff, with the employer whose certificate they will hold. */
async function newcomer(): Promise<Member> {
  return { iin: (await buildFamily(api.db)).parentIin, organisationBin: newBin() };
}

/** Logs in with an employee certificate of the member's employer (R1.1). */
const loginAsEmployee = (m: Member) => api.login(m.iin, { holder: 'employee', organisationBin: m.organisationBin });

const tokens = new Map<string, Promise<string>>();
const tokenOf = (m: Member) => {
  const key = `${m.iin}:${m.organisationBin}`;
  if (!tokens.has(key)) tokens.set(key, loginAsEmployee(m));
  return tokens.get(key)!;
};

/** A signed action (R1.2) sent as `who`, signed with their employee certificate. */
async function act(who: Member, method: string, path: string, action: string, fields: Record<string, unknown>): Promise<Answer> {
  const body = await signedAction(who.iin, action, fields, { organisationBin: who.organisationBin });
  return api.request(method, path, { token: await tokenOf(who), body });
}

const addMember = (by: Member, fields: Record<string, unknown>) => act(by, 'POST', '/api/v1/admin/staff', 'addStaffMember', fields);
const removeMember = (by: Member, staffId: number, iin: string) => act(by, 'POST', `/api/v1/admin/staff/${staffId}/removal`, 'removeStaffMember', { staffId, iin });
const createKindergarten = (by: Member, regionCode: string, extra: Record<string, unknown> = {}) =>
  act(by, 'POST', '/api/v1/admin/kindergartens', 'createKindergarten', { regionCode, nameRu: 'Ясли-сад № 5', nameKk: '№ 5 бөбекжай-бақшасы', kind: 'state', address: 'ул. Абая, 5', ...extra });

/** A free numbering prefix and a fresh code for a new region. */
async function freshRegion() {
  const taken = new Set((await api.db('regions').select(api.db.raw("settings->>'numberPrefix' as prefix"))).map((r: { prefix: string }) => r.prefix));
  let prefix: string;
  do prefix = String(randomInt(100, 1000));
  while (taken.has(prefix));
  return { code: `mgmt-${randomUUID().slice(0, 8)}`, numberPrefix: prefix };
}

const changesBy = (iin: string) => api.db('directory_changes').where({ changed_by: iin }).orderBy('id');
const place = () => ({ groupYear: Number(almatyDate(Date.now()).slice(0, 4)) - 3, language: 'ru', placeType: 'general', count: 1, releasedOn: almatyDate(Date.now()) });

describe('managing who may act: regions and their operators', () => {
  it('R1.2 managing who may act: a national operator creates a region, with default settings and schedules, and its operator, who then logs in and reads the region’s settings', async () => {
    const national = await operatorOf(null);
    const region = await freshRegion();
    const created = await act(national, 'POST', '/api/v1/admin/regions', 'createRegion', { ...region, nameRu: 'Новая область', nameKk: 'Жаңа облыс', contacts: { phone: '+7 7252 00 00 00' } });
    expect([created.status, created.body]).toEqual([201, { ...region, nameRu: 'Новая область', nameKk: 'Жаңа облыс' }]);
    schedules.push(scheduleId('publish', region.code), scheduleId('offer', region.code));
    // R4.3, R4.4: its daily runs are scheduled at the default hours.
    for (const id of schedules.slice(-2)) await expect(api.env.client.schedule.getHandle(id).describe()).resolves.toBeDefined();
    const listed = await api.request('GET', '/api/v1/admin/regions', { token: await tokenOf(national) });
    expect(listed.body.regions).toContainEqual({ ...region, nameRu: 'Новая область', nameKk: 'Жаңа облыс' });

    const appointee = await newcomer();
    const added = await addMember(national, { role: 'operator', ...appointee, regionCode: region.code });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ role: 'operator', iin: appointee.iin, organisationBin: appointee.organisationBin, regionCode: region.code, lastName: 'Родитель' });

    const settings = await api.request('GET', `/api/v1/admin/regions/${region.code}/settings`, { token: await loginAsEmployee(appointee) });
    expect([settings.status, settings.body]).toEqual([200, { ...DEFAULT_RULE_SETTINGS, numberPrefix: region.numberPrefix, contacts: { phone: '+7 7252 00 00 00' } }]);

    // Each change once, with who made it, what it left, and the signed document behind it.
    const changes = await changesBy(national.iin);
    expect(changes.map((c) => [c.action, c.region_code, c.subject, c.before])).toEqual([
      ['region_created', region.code, `region:${region.code}`, null],
      ['staff_added', region.code, `staff:${added.body.staffId}`, null],
    ]);
    expect(changes[1].after).toEqual({ iin: appointee.iin, role: 'operator', regionCode: region.code, kindergartenId: null, district: null, organisationBin: appointee.organisationBin });
    const documents = await api.db('signed_documents').whereIn('id', changes.map((c) => c.signed_document_id)).orderBy('id').pluck('action');
    expect(documents).toEqual(['createRegion', 'addStaffMember']);

    const again = await act(national, 'POST', '/api/v1/admin/regions', 'createRegion', { ...region, nameRu: 'Дубль', nameKk: 'Дубль' });
    expect([again.status, again.body.code]).toEqual([409, 'REGION_EXISTS']);
    const prefix = await act(national, 'POST', '/api/v1/admin/regions', 'createRegion', { code: `mgmt-${randomUUID().slice(0, 8)}`, numberPrefix: region.numberPrefix, nameRu: 'Дубль', nameKk: 'Дубль' });
    expect([prefix.status, prefix.body.code]).toEqual([409, 'NUMBER_PREFIX_TAKEN']);
    expect(await changesBy(national.iin)).toHaveLength(2);
  });

  it('managing who may act: a regional operator cannot manage another region (404, as for what does not exist) nor create regions or appoint operators (403); nothing changes', async () => {
    const [mine, theirs] = [await buildRegion(api.db), await buildRegion(api.db)];
    const operator = await operatorOf(mine);
    const national = await operatorOf(null);
    const theirKindergarten = (await createKindergarten(national, theirs)).body.id as number;
    const theirStaff = (await addMember(national, { role: 'kindergarten_staff', ...(await newcomer()), kindergartenId: String(theirKindergarten) })).body.staffId as number;
    const person = await newcomer();
    const before = await api.db('directory_changes').count({ n: '*' }).first();

    const region = await freshRegion();
    const refusals = {
      createRegion: await act(operator, 'POST', '/api/v1/admin/regions', 'createRegion', { ...region, nameRu: 'Х', nameKk: 'Х' }),
      listRegions: await api.request('GET', '/api/v1/admin/regions', { token: await tokenOf(operator) }),
      appointOperator: await addMember(operator, { role: 'operator', ...person, regionCode: mine }),
      theirPmpk: await addMember(operator, { role: 'pmpk_staff', ...person, regionCode: theirs, district: 'Есильский район' }),
      theirKindergartenStaff: await addMember(operator, { role: 'kindergarten_staff', ...person, kindergartenId: String(theirKindergarten) }),
      missingKindergartenStaff: await addMember(operator, { role: 'kindergarten_staff', ...person, kindergartenId: '2000000000' }),
      theirKindergarten: await createKindergarten(operator, theirs),
      updateTheirs: await act(operator, 'PATCH', `/api/v1/admin/kindergartens/${theirKindergarten}`, 'updateKindergarten', { kindergartenId: String(theirKindergarten), phone: '+7 700 000 0000' }),
      updateMissing: await act(operator, 'PATCH', '/api/v1/admin/kindergartens/2000000000', 'updateKindergarten', { kindergartenId: '2000000000', phone: '+7 700 000 0000' }),
      closeTheirs: await act(operator, 'POST', `/api/v1/admin/kindergartens/${theirKindergarten}/closure`, 'closeKindergarten', { kindergartenId: String(theirKindergarten) }),
      removeTheirs: await removeMember(operator, theirStaff, person.iin),
      removeMissing: await removeMember(operator, 2_000_000_000, person.iin),
      listTheirs: await api.request('GET', `/api/v1/admin/regions/${theirs}/staff`, { token: await tokenOf(operator) }),
    };
    expect(Object.fromEntries(Object.entries(refusals).map(([k, r]) => [k, [r.status, r.body.code]]))).toEqual({
      createRegion: [403, 'FORBIDDEN'],
      listRegions: [403, 'FORBIDDEN'],
      appointOperator: [403, 'FORBIDDEN'],
      theirPmpk: [404, 'NOT_FOUND'],
      theirKindergartenStaff: [404, 'NOT_FOUND'],
      missingKindergartenStaff: [404, 'NOT_FOUND'],
      theirKindergarten: [404, 'NOT_FOUND'],
      updateTheirs: [404, 'NOT_FOUND'],
      updateMissing: [404, 'NOT_FOUND'],
      closeTheirs: [404, 'NOT_FOUND'],
      removeTheirs: [404, 'NOT_FOUND'],
      removeMissing: [404, 'NOT_FOUND'],
      listTheirs: [404, 'NOT_FOUND'],
    });
    expect(await api.db('directory_changes').count({ n: '*' }).first()).toEqual(before);
    expect(await api.db('staff').where({ iin: person.iin })).toEqual([]);
    expect(await api.db('regions').where({ code: region.code })).toEqual([]);
    expect(await api.db('staff').where({ id: theirStaff }).first('id')).toEqual({ id: theirStaff });
  });
});

describe('managing who may act: kindergartens and their staff', () => {
  let regionCode: string;
  let operator: Member;
  beforeAll(async () => {
    regionCode = await buildRegion(api.db);
    operator = await operatorOf(regionCode);
  });

  it('R4.2 managing who may act: a regional operator adds kindergarten staff who then add a place; removed, their token answers 401 at once and a new login has no staff rights (403); re-added, they act again', async () => {
    const kindergarten = await createKindergarten(operator, regionCode, { phone: '+7 727 000 0005', latitude: '43.25', longitude: '76.95', languages: 'kk,ru' });
    expect(kindergarten.status).toBe(201);
    expect(kindergarten.body).toMatchObject({ regionCode, kind: 'state', languages: ['kk', 'ru'], location: { latitude: 43.25, longitude: 76.95 }, closedAt: null });
    const kindergartenId = String(kindergarten.body.id);

    const member = await newcomer();
    const added = await addMember(operator, { role: 'kindergarten_staff', ...member, kindergartenId });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ role: 'kindergarten_staff', regionCode, kindergartenId: kindergarten.body.id, district: null });
    const token = await loginAsEmployee(member);
    const first = await api.request('POST', '/api/v1/staff/places', { token, body: place() });
    expect(first.status).toBe(201);
    // Another employer's certificate does not carry the role.
    const elsewhere = await api.login(member.iin, { holder: 'employee', organisationBin: newBin() });
    expect((await api.request('GET', '/api/v1/staff/places', { token: elsewhere })).status).toBe(403);

    const removed = await removeMember(operator, added.body.staffId, member.iin);
    expect([removed.status, removed.body.staffId]).toEqual([200, added.body.staffId]);
    const afterRemoval = await api.request('POST', '/api/v1/staff/places', { token, body: place() });
    expect([afterRemoval.status, afterRemoval.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    // Their session under another employer was not theirs to lose here.
    expect((await api.request('GET', '/api/v1/me', { token: elsewhere })).status).toBe(200);
    const relogin = await loginAsEmployee(member);
    expect((await api.request('POST', '/api/v1/staff/places', { token: relogin, body: place() })).status).toBe(403);
    expect(await api.db('places').where({ added_by: member.iin }).count({ n: '*' }).first()).toEqual({ n: '1' });

    const readded = await addMember(operator, { role: 'kindergarten_staff', ...member, kindergartenId });
    expect(readded.status).toBe(201);
    expect((await api.request('POST', '/api/v1/staff/places', { token: await loginAsEmployee(member), body: place() })).status).toBe(201);
    const twice = await addMember(operator, { role: 'kindergarten_staff', ...member, kindergartenId });
    expect([twice.status, twice.body.code]).toEqual([409, 'STAFF_MEMBER_EXISTS']);

    const changes = await changesBy(operator.iin);
    expect(changes.map((c) => [c.action, c.subject])).toEqual([
      ['kindergarten_created', `kindergarten:${kindergartenId}`],
      ['staff_added', `staff:${added.body.staffId}`],
      ['staff_removed', `staff:${added.body.staffId}`],
      ['staff_added', `staff:${readded.body.staffId}`],
    ]);
    expect(changes.find((c) => c.action === 'staff_removed')).toMatchObject({ region_code: regionCode, after: null, before: { iin: member.iin, role: 'kindergarten_staff', kindergartenId: kindergarten.body.id } });
  });

  it('R8.3 managing who may act: ПМПК staff are added to a district of the region and removed; their session ends at once', async () => {
    const member = await newcomer();
    const added = await addMember(operator, { role: 'pmpk_staff', ...member, regionCode, district: 'Медеуский район' });
    expect([added.status, added.body.district, added.body.regionCode]).toEqual([201, 'Медеуский район', regionCode]);
    const token = await loginAsEmployee(member);
    expect((await api.request('GET', '/api/v1/pmpk/referrals', { token })).status).toBe(200);
    const bare = await addMember(operator, { role: 'pmpk_staff', ...(await newcomer()), regionCode });
    expect([bare.status, bare.body.field]).toEqual([400, 'district']);

    const removed = await removeMember(operator, added.body.staffId, member.iin);
    expect(removed.status).toBe(200);
    expect((await api.request('GET', '/api/v1/pmpk/referrals', { token })).status).toBe(401);
    expect(await api.db('staff').where({ iin: member.iin })).toEqual([]);
    expect(await api.db('sessions').where({ iin: member.iin, organisation_bin: member.organisationBin }).whereNull('revoked_at')).toEqual([]);
  });

  it('R4.2 managing who may act: a closed kindergarten is kept; its staff’s sessions end and they cannot add places; nobody is added to it; closing waits for its children', async () => {
    const kindergarten = (await createKindergarten(operator, regionCode)).body;
    const member = await newcomer();
    await addMember(operator, { role: 'kindergarten_staff', ...member, kindergartenId: String(kindergarten.id) });
    const token = await loginAsEmployee(member);
    const added = await api.request('POST', '/api/v1/staff/places', { token, body: place() });
    expect(added.status).toBe(201);

    const changed = await act(operator, 'PATCH', `/api/v1/admin/kindergartens/${kindergarten.id}`, 'updateKindergarten', { kindergartenId: String(kindergarten.id), nameRu: 'Ясли-сад № 6' });
    expect([changed.status, changed.body.nameRu, changed.body.nameKk]).toEqual([200, 'Ясли-сад № 6', kindergarten.nameKk]);
    const wrongOne = await act(operator, 'PATCH', `/api/v1/admin/kindergartens/${kindergarten.id}`, 'updateKindergarten', { kindergartenId: String(kindergarten.id + 1), nameRu: 'Подмена' });
    expect([wrongOne.status, wrongOne.body.code]).toEqual([422, 'SIGNED_CONTENT_MISMATCH']);

    const closed = await act(operator, 'POST', `/api/v1/admin/kindergartens/${kindergarten.id}/closure`, 'closeKindergarten', { kindergartenId: String(kindergarten.id) });
    expect([closed.status, closed.body.closedAt]).toEqual([200, expect.any(String)]);
    // R4.8: its untaken seats close with it, so no offer or choice can hold them.
    expect(await api.db('places').where({ id: added.body.placeId }).first('total', 'free')).toEqual({ total: 0, free: 0 });
    expect((await api.db('places').where({ id: added.body.placeId }).first('withdrawn_at')).withdrawn_at).toEqual(expect.any(Date));
    expect((await api.request('POST', '/api/v1/staff/places', { token, body: place() })).status).toBe(401);
    expect((await api.request('POST', '/api/v1/staff/places', { token: await loginAsEmployee(member), body: place() })).status).toBe(403);
    const joining = await addMember(operator, { role: 'kindergarten_staff', ...(await newcomer()), kindergartenId: String(kindergarten.id) });
    expect([joining.status, joining.body.code]).toEqual([409, 'KINDERGARTEN_CLOSED']);
    const again = await act(operator, 'POST', `/api/v1/admin/kindergartens/${kindergarten.id}/closure`, 'closeKindergarten', { kindergartenId: String(kindergarten.id) });
    expect([again.status, again.body.code]).toEqual([409, 'KINDERGARTEN_CLOSED']);
    expect(await api.db('kindergartens').where({ id: kindergarten.id }).first('id')).toEqual({ id: kindergarten.id });

    // A child enrolled there needs its staff to record the departure first (R7.3).
    const open = (await createKindergarten(operator, regionCode)).body;
    const family = await buildFamily(api.db);
    await api.db('enrollments').insert({ child_iin: family.childIin, kindergarten_id: open.id, enrolled_at: new Date() });
    const busy = await act(operator, 'POST', `/api/v1/admin/kindergartens/${open.id}/closure`, 'closeKindergarten', { kindergartenId: String(open.id) });
    expect([busy.status, busy.body.code]).toEqual([409, 'KINDERGARTEN_IN_USE']);
    expect((await api.db('kindergartens').where({ id: open.id }).first('closed_at')).closed_at).toBeNull();
  });

  it('managing who may act: a region’s staff are listed newest first, a page at a time', async () => {
    const code = await buildRegion(api.db);
    const keeper = await operatorOf(code);
    const ids: number[] = [];
    for (const district of ['Алатауский район', 'Ауэзовский район']) {
      ids.push((await addMember(keeper, { role: 'pmpk_staff', ...(await newcomer()), regionCode: code, district })).body.staffId);
    }
    const token = await tokenOf(keeper);
    const first = await api.request('GET', `/api/v1/admin/regions/${code}/staff?role=pmpk_staff&limit=1`, { token });
    expect([first.status, first.body.staff.map((s: { staffId: number }) => s.staffId)]).toEqual([200, [ids[1]]]);
    const second = await api.request('GET', `/api/v1/admin/regions/${code}/staff?role=pmpk_staff&limit=1&cursor=${first.body.next}`, { token });
    expect(second.body.staff.map((s: { staffId: number }) => s.staffId)).toEqual([ids[0]]);
    const all = await api.request('GET', `/api/v1/admin/regions/${code}/staff`, { token });
    expect(all.body.staff.map((s: { staffId: number }) => s.staffId)).toEqual([ids[1], ids[0], expect.any(Number)]);
    expect(all.body.next).toBeNull();
  });
});

describe('managing who may act: refusals change nothing', () => {
  it('R1.2 managing who may act: unsigned, wrongly signed, replayed or mismatched requests change nothing', async () => {
    const regionCode = await buildRegion(api.db);
    const operator = await operatorOf(regionCode);
    const member = await newcomer();
    const fields = { role: 'pmpk_staff', ...member, regionCode, district: 'Наурызбайский район' };
    const before = await api.db('directory_changes').count({ n: '*' }).first();
    const token = await tokenOf(operator);
    const post = (body: unknown) => api.request('POST', '/api/v1/admin/staff', { token, body });

    const unsigned = await post(fields);
    const byAnother = await post(await signedAction(member.iin, 'addStaffMember', fields, { organisationBin: member.organisationBin }));
    const asIndividual = await post(await signedAction(operator.iin, 'addStaffMember', fields));
    const otherEmployer = await post(await signedAction(operator.iin, 'addStaffMember', fields, { organisationBin: newBin() }));
    const otherAction = await post(await signedAction(operator.iin, 'createKindergarten', fields, { organisationBin: operator.organisationBin }));
    const unknownPerson = await addMember(operator, { ...fields, iin: makeIin('1961-01-01', 'male', 9999) });
    expect([unsigned, byAnother, asIndividual, otherEmployer, otherAction, unknownPerson].map((r) => [r.status, r.body.code])).toEqual([
      [400, 'VALIDATION_FAILED'],
      [403, 'SIGNER_NOT_SESSION'],
      [403, 'FORBIDDEN'],
      [403, 'FORBIDDEN'],
      [422, 'SIGNED_CONTENT_MISMATCH'],
      [422, 'PERSON_NOT_IN_REGISTRY'],
    ]);
    expect(await api.db('directory_changes').count({ n: '*' }).first()).toEqual(before);
    expect(await api.db('staff').where({ iin: member.iin })).toEqual([]);

    const signed = await signedAction(operator.iin, 'addStaffMember', fields, { organisationBin: operator.organisationBin });
    const added = await post(signed);
    const replayed = await post(signed);
    expect([added.status, replayed.status, replayed.body.code]).toEqual([201, 409, 'NONCE_REPLAYED']);
    const someoneElse = await removeMember(operator, added.body.staffId, operator.iin);
    expect([someoneElse.status, someoneElse.body.code]).toEqual([422, 'SIGNED_CONTENT_MISMATCH']);
    expect(await api.db('staff').where({ iin: member.iin }).count({ n: '*' }).first()).toEqual({ n: '1' });
    expect(await changesBy(operator.iin)).toEqual([expect.objectContaining({ action: 'staff_added', subject: `staff:${added.body.staffId}` })]);
  });

  it('managing who may act: nobody removes themselves, and the last national operator stays', async () => {
    const national = await operatorOf(null);
    const self = await api.db('staff').where({ iin: national.iin }).first('id');
    const refused = await removeMember(national, self.id, national.iin);
    expect([refused.status, refused.body.code]).toEqual([409, 'CANNOT_REMOVE_SELF']);
    expect(await api.db('staff').where({ id: self.id }).first('id')).toEqual(self);

    // The shared database has national operators of other tests: the last one is counted in a database of its own.
    const scratch = await scratchDb('management');
    try {
      await migrateLatest(scratch.db);
      const iins = [makeIin('1980-01-01', 'male', 11), makeIin('1981-01-01', 'female', 12), makeIin('1982-01-01', 'male', 13)];
      await scratch.db('persons').insert(iins.map((iin) => ({ iin, last_name: 'Оператор', first_name: 'Тест', birth_date: '1980-01-01', sex: 'male' })));
      const [a, b] = await scratch.db('staff').insert(iins.slice(0, 2).map((iin) => ({ iin, role: 'operator', region_code: null, organisation_bin: newBin() }))).returning('id');
      const [doc] = await scratch.db('signed_documents').insert({ nonce: 'n'.repeat(16), action: 'removeStaffMember', signer_iin: iins[2], certificate_serial: '1', certificate_issuer: 'test', xml: '<x/>' }).returning('id');
      const by = { iin: iins[2]!, signedDocumentId: Number(doc.id) };
      expect(await removeStaffMember(scratch.db, a.id, by)).toEqual({ revokedSessions: 0 });
      expect(await removeStaffMember(scratch.db, b.id, by)).toBe('last_national_operator');
      expect(await scratch.db('staff').pluck('id')).toEqual([b.id]);
      expect(await scratch.db('directory_changes').pluck('action')).toEqual(['staff_removed']);
    } finally {
      await scratch.drop();
    }
  });
});
