import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff } from '../helpers/factories';
import { buildPlace } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const stripped = (b: any) => ({ ...b, detail: undefined, instance: undefined });

describe('R3.2 nobody sees or acts on another family’s application', () => {
  it('applicant A cannot read, list or act on B’s application: 404 exactly as for a number that does not exist', async () => {
    const a = await buildFamily(api.db);
    const b = await buildFamily(api.db);
    const filed = await api.file(b);
    const number = filed.body.number;
    const missing = '75.UO.2026.999999.1';

    const read = await api.request('GET', `/api/v1/applications/${number}`, { iin: a.parentIin });
    const readMissing = await api.request('GET', `/api/v1/applications/${missing}`, { iin: a.parentIin });
    expect(read.status).toBe(404);
    expect(stripped(read.body)).toEqual(stripped(readMissing.body));

    const list = await api.request('GET', '/api/v1/applications', { iin: a.parentIin });
    expect(list.body.applications).toEqual([]);
    const own = await api.request('GET', '/api/v1/applications', { iin: b.parentIin });
    expect(own.body.applications).toEqual([expect.objectContaining({ number, childIin: b.childIin, filedByMe: true })]);

    const act = await api.act(a.parentIin, number, 'leave-queue');
    const actMissing = await api.act(a.parentIin, missing, 'leave-queue');
    expect(act.status).toBe(404);
    expect(stripped(act.body)).toEqual(stripped(actMissing.body));
    expect((await api.db('applications').where({ number }).first()).status).toBe('queued');
    const evidence = await api.request('GET', `/api/v1/applications/${number}/signed-documents/1`, { iin: a.parentIin });
    expect(evidence.status).toBe(404);
  });

  it('a parent sees the application only after attaching it, and only if the registry lists them as the child’s parent', async () => {
    const family = await buildFamily(api.db);
    const number = (await api.file(family)).body.number;
    const secondParent = await buildFamily(api.db); // a person in the registry; made the child's parent below
    await api.db('person_parents').insert({ child_iin: family.childIin, parent_iin: secondParent.parentIin });
    const stranger = await buildFamily(api.db);

    expect((await api.request('GET', `/api/v1/applications/${number}`, { iin: secondParent.parentIin })).status).toBe(404);

    const notParent = await api.request('POST', `/api/v1/applications/${number}/attach`, { iin: stranger.parentIin, body: { childIin: family.childIin } });
    expect([notParent.status, notParent.body.code]).toEqual([404, 'NOT_FOUND']);
    const wrongChild = await api.request('POST', `/api/v1/applications/${number}/attach`, { iin: secondParent.parentIin, body: { childIin: secondParent.childIin } });
    expect(wrongChild.status).toBe(404);
    const badIin = await api.request('POST', `/api/v1/applications/${number}/attach`, { iin: secondParent.parentIin, body: { childIin: '123' } });
    expect([badIin.status, badIin.body.code]).toEqual([400, 'INVALID_IIN_FORMAT']);
    expect(await api.db('application_viewers').where({ application_number: number })).toEqual([]);

    const attached = await api.request('POST', `/api/v1/applications/${number}/attach`, { iin: secondParent.parentIin, body: { childIin: family.childIin } });
    expect(attached.status).toBe(200);
    expect(attached.body).toMatchObject({ number, child: { iin: family.childIin } });
    const list = await api.request('GET', '/api/v1/applications', { iin: secondParent.parentIin });
    expect(list.body.applications).toEqual([expect.objectContaining({ number, filedByMe: false })]);
    expect((await api.request('GET', `/api/v1/applications/${number}`, { iin: stranger.parentIin })).status).toBe(404);
  });
});

describe('roles follow the certificate and the staff table', () => {
  it('an employee’s certificate cannot file or act as an applicant; an individual’s, or another employer’s, cannot act as staff', async () => {
    const { kindergartenId } = await buildPlace(api.db, { regionCode: 'almaty', groupYear: 2022 });
    const staff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode: 'almaty', kindergartenId });
    const asEmployee = await api.login(staff, { holder: 'employee' });
    const asIndividual = await api.login(staff, { holder: 'individual' });

    const filing = await api.request('GET', '/api/v1/applications', { token: asEmployee });
    expect([filing.status, filing.body.code]).toEqual([403, 'FORBIDDEN']);
    const places = await api.request('GET', '/api/v1/staff/places', { token: asIndividual });
    expect([places.status, places.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await api.request('GET', '/api/v1/staff/places', { token: asEmployee })).status).toBe(200);

    // An employee certificate of another employer does not carry the role.
    const elsewhere = await api.login(staff, { holder: 'employee', organisationBin: '123456789012' });
    const foreign = await api.request('GET', '/api/v1/staff/places', { token: elsewhere });
    expect([foreign.status, foreign.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await api.request('GET', '/api/v1/me', { token: elsewhere })).body.roles).toEqual([]);

    // A kindergarten's staff are not operators.
    const run = await api.request('POST', '/api/v1/admin/runs', { token: asEmployee, body: { run: 'publish', regionCode: 'almaty' } });
    expect([run.status, run.body.code]).toEqual([403, 'FORBIDDEN']);
  });

  it('every protected route answers 401 without a session, and an unknown or ended token is refused', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/applications'],
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/staff/places'],
      ['GET', '/api/v1/admin/invariants'],
      ['POST', '/api/v1/admin/runs'],
    ] as const) {
      const res = await api.request(method, url);
      expect([url, res.status, res.body.code]).toEqual([url, 401, 'UNAUTHENTICATED']);
    }
    const forged = await api.request('GET', '/api/v1/me', { token: 'x'.repeat(43) });
    expect([forged.status, forged.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});
