import { buildFamily, type Family } from '../helpers/factories';
import { startApi, type ApiHarness } from '../helpers/api';
import { eventually } from '../helpers/waits';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const contacts = { email: 'parent@example.kz', phone: '+77011234567' };

/** What a refused filing must leave as it was: the family's applications and their history. */
async function written(family: Family) {
  const numbers = await api.db('applications').where({ child_iin: family.childIin }).pluck('number');
  const [events] = await api.db('application_events').whereIn('application_number', numbers).count({ n: '*' });
  return { numbers: [...numbers].sort(), events: Number(events!.n) };
}

describe('filing: the region, the service, the contacts and the person (R1.4, R2.1, R2.2)', () => {
  it('R2.1 the applicant chooses the region, then the service: the application joins that region’s queue of that type; no region, an unknown one or an unknown service is refused and files nothing', async () => {
    const family = await buildFamily(api.db);

    const noRegion = await api.request('POST', '/api/v1/applications', {
      iin: family.parentIin,
      body: await api.sign(family.parentIin, 'fileApplication', { childIin: family.childIin, contacts }),
    });
    expect([noRegion.status, noRegion.body.code, noRegion.body.field]).toEqual([400, 'REGION_REQUIRED', 'regionCode']);
    const unknownRegion = await api.file(family, { regionCode: 'atlantis', contacts });
    expect([unknownRegion.status, unknownRegion.body.code, unknownRegion.body.field]).toEqual([400, 'UNKNOWN_REGION', 'regionCode']);
    const unknownService = await api.file(family, { regionCode: 'astana', queueType: 'private', contacts });
    expect([unknownService.status, unknownService.body.field]).toEqual([400, 'queueType']);
    expect(await written(family)).toEqual({ numbers: [], events: 0 });

    // The region decides the numbering (Astana's prefix is 71), the service the queue.
    const general = await api.file(family, { regionCode: 'astana', contacts });
    expect(general.status).toBe(201);
    expect(general.body.number).toMatch(/^71\.UO\.\d{4}\.\d{6}\.1$/);
    expect(general.body).toMatchObject({ region: { code: 'astana' }, queueType: 'general' });

    // The other service is another queue: the same child may stand in it too (R2.5 is per queue type).
    const correctional = await api.file(family, { regionCode: 'astana', queueType: 'correctional', needCategory: 'speech', contacts });
    expect(correctional.status).toBe(201);
    expect(correctional.body.number).toMatch(/^71\.KDDO\.\d{4}\.\d{6}\.1$/);
    expect(correctional.body).toMatchObject({ region: { code: 'astana' }, queueType: 'correctional' });

    const rows = await api.db('applications').where({ child_iin: family.childIin }).orderBy('registered_at').select('region_code', 'queue_type');
    expect(rows).toEqual([
      { region_code: 'astana', queue_type: 'general' },
      { region_code: 'astana', queue_type: 'correctional' },
    ]);
    const card = await api.request('GET', `/api/v1/applications/${general.body.number}`, { iin: family.parentIin });
    expect(card.body).toMatchObject({ number: general.body.number, region: { code: 'astana' }, queueType: 'general' });
  });

  it('R2.2 the e-mail and mobile phone, and the optional extra ones, are kept as given and every notice goes to each of them', async () => {
    const family = await buildFamily(api.db);
    const all = { email: 'main@example.kz', phone: '+7 (701) 111-22-33', extraEmail: 'second@example.kz', extraPhone: '+77012223344' };
    const filed = await api.file(family, { regionCode: 'almaty', contacts: all });
    expect(filed.status).toBe(201);
    expect(filed.body.contacts).toEqual({ email: 'main@example.kz', phone: '+77011112233', extraEmail: 'second@example.kz', extraPhone: '+77012223344' });
    const badExtra = await api.file(await buildFamily(api.db), { regionCode: 'almaty', contacts: { ...contacts, extraPhone: '12345' } });
    expect([badExtra.status, badExtra.body.code, badExtra.body.field]).toEqual([400, 'INVALID_CONTACT', 'contacts.extraPhone']);

    // Leaving the queue is told to the family (R9.1): one notice per contact, none elsewhere.
    expect((await api.act(family.parentIin, filed.body.number, 'leave-queue')).status).toBe(200);
    const sent = await eventually(
      () => api.db('notices').where({ application_number: filed.body.number, kind: 'removed' }).select('channel', 'recipient'),
      (rows) => rows.length >= 4,
      'the removal notice queued for every contact',
    );
    expect(sent.map((r) => `${r.channel} ${r.recipient}`).sort()).toEqual([
      'email main@example.kz',
      'email second@example.kz',
      'sms +77011112233',
      'sms +77012223344',
    ]);
  });

  it('R1.4 the applicant’s and the child’s personal data come from the registry by IIN: a filing that types them is refused, and the card shows the registry’s', async () => {
    const family = await buildFamily(api.db);
    const typedApplicant = await api.file(family, { regionCode: 'almaty', contacts, applicant: { lastName: 'Выдуманная', firstName: 'Мать' } });
    expect([typedApplicant.status, typedApplicant.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const typedChild = await api.file(family, { regionCode: 'almaty', contacts, childBirthDate: '2020-01-01', childName: 'Выдуманный' });
    expect([typedChild.status, typedChild.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await written(family)).toEqual({ numbers: [], events: 0 });

    const filed = await api.file(family, { regionCode: 'almaty', contacts });
    expect(filed.status).toBe(201);
    const person = async (iin: string) => {
      const p = await api.db('persons').where({ iin }).first('last_name', 'first_name', 'middle_name', 'birth_date');
      return { lastName: p.last_name, firstName: p.first_name, middleName: p.middle_name };
    };
    expect(filed.body.applicant).toEqual({ iin: family.parentIin, ...(await person(family.parentIin)) });
    expect(filed.body.child).toMatchObject({ iin: family.childIin, birthDate: family.childBirthDate, ...(await person(family.childIin)) });

    // The registry corrects a name: the card follows it, as no copy typed or kept at filing stands in its way.
    await api.db('persons').where({ iin: family.parentIin }).update({ last_name: 'Исправленная' });
    const card = await api.request('GET', `/api/v1/applications/${filed.body.number}`, { iin: family.parentIin });
    expect(card.status).toBe(200);
    expect(card.body.applicant).toMatchObject({ iin: family.parentIin, lastName: 'Исправленная' });
  });
});
