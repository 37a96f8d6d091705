import { iinCheckDigit } from '../../domain/iin';
import { makeIin } from '../../db/seeds/iin';
import { buildFamily, type Family } from '../helpers/factories';
import { startApi, type ApiHarness } from '../helpers/api';
import { eventually } from '../helpers/waits';

/** The first IIN from `first7` + a serial (from `serial` on) whose check digit exists. */
function iinWithCheckDigit(first7: string, serial: number): string {
  for (let s = serial; ; s++) {
    const first11 = first7 + String(s).padStart(4, '0');
    const digit = iinCheckDigit(first11);
    if (digit !== undefined) return first11 + digit;
  }
}

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const filingBody = (family: Family, overrides: Record<string, unknown> = {}) => ({
  regionCode: 'almaty',
  childIin: family.childIin,
  contacts: { email: 'parent@example.kz', phone: '+7 (701) 123-45-67' },
  ...overrides,
});

const file = (family: Family, overrides: Record<string, unknown> = {}) => api.file(family, filingBody(family, overrides));

async function counts() {
  const [[apps], [counters], [events]] = await Promise.all([
    api.db('applications').count({ n: '*' }),
    api.db('registration_counters').sum({ n: 'last' }),
    api.db('application_events').count({ n: '*' }),
  ]);
  return { apps: Number(apps!.n), counters: Number(counters!.n ?? 0), events: Number(events!.n) };
}

describe('filing an application (R2)', () => {
  it('R2.4 files an application with a regional registration number, its card and first history event', async () => {
    const family = await buildFamily(api.db);
    const res = await file(family);
    expect(res.status).toBe(201);
    expect(res.body.number).toMatch(/^75\.UO\.\d{4}\.\d{6}\.1$/);
    expect(res.body).toMatchObject({
      status: 'queued',
      statusLabel: { ru: 'В очереди', kk: 'Кезекте' },
      queueType: 'general',
      child: { iin: family.childIin, birthDate: family.childBirthDate },
      applicant: { iin: family.parentIin },
      contacts: { phone: '+77011234567' },
      queueNumberInCategory: expect.any(Number),
      history: [{ from: null, to: 'queued', cause: 'filed', actor: 'applicant' }],
    });
    expect(res.body.deadlines.reconfirmBy).toEqual(expect.any(String));

    const card = await api.request('GET', `/api/v1/applications/${res.body.number}`, { iin: family.parentIin });
    expect(card.status).toBe(200);
    expect(card.body.number).toBe(res.body.number);
  });

  it('R2.5 filing the same child and queue type again answers 409 with the existing number', async () => {
    const family = await buildFamily(api.db);
    const first = await file(family);
    const before = await counts();
    const second = await file(family);
    expect(second.status).toBe(409);
    expect(second.type).toContain('application/problem+json');
    expect(second.body).toMatchObject({ code: 'DUPLICATE_APPLICATION', existingNumber: first.body.number });
    expect(await counts()).toEqual(before);
  });

  it('R2.5 two simultaneous filings for one child give one application and one 409', async () => {
    const family = await buildFamily(api.db);
    const results = await Promise.all([file(family), file(family), file(family)]);
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(2);
    for (const r of refused) expect(r.body).toMatchObject({ code: 'DUPLICATE_APPLICATION', existingNumber: created[0]!.body.number });
    const active = await api.db('applications').where({ child_iin: family.childIin });
    expect(active).toHaveLength(1);
  });

  it('lists the filed application in Temporal visibility, filterable by ApplicationStatus', async () => {
    const family = await buildFamily(api.db);
    const { body } = await file(family);
    const query = `ApplicationStatus = 'In queue' AND RegistrationNumber = '${body.number}' AND Region = 'almaty'`;
    const listed = async () => {
      const found: string[] = [];
      for await (const wf of api.env.client.workflow.list({ query })) found.push(wf.workflowId);
      return found;
    };
    expect(await eventually(listed, (found) => found.length > 0, { expect: `${body.number} listed by the visibility query`, timeoutMs: 10_000 })).toEqual([body.number]);
  });

  describe('R2.2, R2.3 bad input gets a 400 problem naming the field, and nothing is written', () => {
    const cases: [string, (f: Family) => Record<string, unknown>, string, string][] = [
      ['a malformed IIN', () => ({ childIin: '12345' }), 'INVALID_IIN_FORMAT', 'childIin'],
      ['a wrong check digit', (f) => ({ childIin: f.childIin.slice(0, 11) + ((Number(f.childIin[11]) + 1) % 10) }), 'INVALID_IIN_CHECK_DIGIT', 'childIin'],
      ['a missing phone', () => ({ contacts: { email: 'parent@example.kz' } }), 'CONTACT_REQUIRED', 'contacts.phone'],
      ['a missing e-mail', () => ({ contacts: { phone: '+77011234567' } }), 'CONTACT_REQUIRED', 'contacts.email'],
      ['a malformed e-mail', () => ({ contacts: { email: 'nope', phone: '+77011234567' } }), 'INVALID_CONTACT', 'contacts.email'],
      ['an unknown region', () => ({ regionCode: 'atlantis' }), 'UNKNOWN_REGION', 'regionCode'],
      ['an unknown field', () => ({ priority: 'me first' }), 'VALIDATION_FAILED', ''],
    ];
    it.each(cases)('%s', async (_name, change, code, field) => {
      const family = await buildFamily(api.db);
      const before = await counts();
      const res = await file(family, change(family));
      expect(res.status).toBe(400);
      expect(res.type).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 400, code, field });
      expect(res.body.stack).toBeUndefined();
      expect(await counts()).toEqual(before);
    });

    it('R2.3 an IIN with a valid check digit but a birth date that does not exist (31 November)', async () => {
      const family = await buildFamily(api.db);
      const before = await counts();
      const res = await file(family, { childIin: iinWithCheckDigit('2311315', 10) });
      expect([res.status, res.body.code, res.body.field]).toEqual([400, 'INVALID_IIN_BIRTH_DATE', 'childIin']);
      expect(await counts()).toEqual(before);
    });

    it('R2.3 a child not in the registry, or not the applicant’s child, is refused', async () => {
      const family = await buildFamily(api.db);
      const stranger = await buildFamily(api.db);
      const notInRegistry = await file(family, { childIin: makeIin('2023-01-01', 'female', 9999) });
      expect(notInRegistry.status).toBe(422);
      expect(notInRegistry.body.code).toBe('CHILD_NOT_IN_REGISTRY');
      const notTheirs = await file(family, { childIin: stranger.childIin });
      expect(notTheirs.status).toBe(422);
      expect(notTheirs.body.code).toBe('NOT_CHILDS_PARENT');
    });
  });

  it('answers malformed JSON, a wrong media type and an oversized body with problems', async () => {
    const family = await buildFamily(api.db);
    const malformed = await api.request('POST', '/api/v1/applications', { iin: family.parentIin, body: '{"regionCode":' });
    expect([malformed.status, malformed.body.code]).toEqual([400, 'MALFORMED_JSON']);
    const huge = await api.request('POST', '/api/v1/applications', {
      iin: family.parentIin,
      body: JSON.stringify({ signedXml: 'x'.repeat(100_000) }),
    });
    expect([huge.status, huge.body.code]).toEqual([413, 'BODY_TOO_LARGE']);
    const form = await api.request('POST', '/api/v1/applications', {
      iin: family.parentIin,
      body: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([form.status, form.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('requires a caller', async () => {
    const family = await buildFamily(api.db);
    const res = await api.request('POST', '/api/v1/applications', { body: await api.sign(family.parentIin, 'fileApplication', filingBody(family)) });
    expect([res.status, res.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});

describe('the application card (R3)', () => {
  it('R3.2 another person’s application answers 404 exactly as a number that does not exist', async () => {
    const owner = await buildFamily(api.db);
    const other = await buildFamily(api.db);
    const { body } = await file(owner);
    const foreign = await api.request('GET', `/api/v1/applications/${body.number}`, { iin: other.parentIin });
    const missing = await api.request('GET', '/api/v1/applications/75.UO.2026.999999.1', { iin: other.parentIin });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const strip = (b: any) => ({ ...b, detail: undefined, instance: undefined });
    expect(strip(foreign.body)).toEqual(strip(missing.body));
    const act = await api.request('POST', `/api/v1/applications/${body.number}/confirm-interest`, {
      iin: other.parentIin,
      body: await api.sign(other.parentIin, 'confirmInterest', { applicationNumber: body.number }),
    });
    expect(act.status).toBe(404);
    const list = await api.request('GET', '/api/v1/applications', { iin: other.parentIin });
    expect(list.body.applications.map((a: any) => a.number)).not.toContain(body.number);
  });
});

describe('confirming interest through the API (R6.1)', () => {
  it('R6.1 confirms once per cycle; the same signed document sent again acts nothing; a second confirmation is refused, naming the next deadline the card shows', async () => {
    const family = await buildFamily(api.db);
    const { body } = await file(family);
    const path = `/api/v1/applications/${body.number}/confirm-interest`;
    const signed = await api.sign(family.parentIin, 'confirmInterest', { applicationNumber: body.number });
    const first = await api.request('POST', path, { iin: family.parentIin, body: signed });
    expect(first.status).toBe(200);
    expect(first.body.history.map((e: any) => e.cause)).toEqual(['filed', 'interest_confirmed']);
    expect(first.body.history[1].signedDocumentId).toEqual(expect.any(Number));
    expect(first.body.deadlines.reconfirmBy > body.deadlines.reconfirmBy).toBe(true);

    const replay = await api.request('POST', path, { iin: family.parentIin, body: signed });
    expect([replay.status, replay.body.code]).toEqual([409, 'NONCE_REPLAYED']);

    const again = await api.request('POST', path, { iin: family.parentIin, body: await api.sign(family.parentIin, 'confirmInterest', { applicationNumber: body.number }) });
    expect(again.status).toBe(409);
    // One truth: the refusal names the same next deadline the card shows.
    expect(again.body).toMatchObject({ code: 'ALREADY_CONFIRMED', reconfirmBy: first.body.deadlines.reconfirmBy });
    expect(again.body.detail).toContain(first.body.deadlines.reconfirmBy);
    const card = await api.request('GET', `/api/v1/applications/${body.number}`, { iin: family.parentIin });
    expect(card.body.history).toHaveLength(2);
  });
});

describe('the language of correspondence (R9.1)', () => {
  it('R9.1 the applicant changes the language notices are written in, by a signed document; another language or another person changes nothing', async () => {
    const family = await buildFamily(api.db);
    const filed = await file(family, { language: 'ru' });
    expect([filed.status, filed.body.language]).toEqual([201, 'ru']);
    const number = filed.body.number as string;

    const unknown = await api.act(family.parentIin, number, 'change-language', { language: 'en' });
    expect([unknown.status, unknown.body.code, unknown.body.in]).toEqual([400, 'VALIDATION_FAILED', 'document']);
    const stranger = await buildFamily(api.db);
    const notTheirs = await api.act(stranger.parentIin, number, 'change-language', { language: 'kk' });
    expect([notTheirs.status, notTheirs.body.code]).toEqual([404, 'NOT_FOUND']);
    expect((await api.db('applications').where({ number }).first('language')).language).toBe('ru');

    const changed = await api.act(family.parentIin, number, 'change-language', { language: 'kk' });
    expect([changed.status, changed.body.language]).toEqual([200, 'kk']);
    expect((await api.db('applications').where({ number }).first('language')).language).toBe('kk');
  });
});
