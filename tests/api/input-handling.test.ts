import http from 'node:http';
import { startApi, type ApiHarness, type Answer } from '../helpers/api';
import { buildFamily, buildStaff } from '../helpers/factories';
import { addDays, almatyDate } from '../../domain/almaty-time';

let api: ApiHarness;
let staff: string;
let operator: string;
beforeAll(async () => {
  api = await startApi();
  const kg = await api.db('kindergartens').where({ region_code: 'almaty', kind: 'state' }).orderBy('id').first('id');
  staff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode: 'almaty', kindergartenId: kg.id });
  operator = await buildStaff(api.db, { role: 'operator', regionCode: null });
});
afterAll(() => api?.close());

/** A refusal as a client sees it: status, code, where and which field, and that it is a problem without a stack. */
function refused(res: Answer) {
  expect(res.type).toContain('application/problem+json');
  expect(res.body.stack).toBeUndefined();
  return { status: res.status, code: res.body.code, in: res.body.in, field: res.body.field };
}

/** A request fetch will not send (TRACE, oversized headers), over node:http. */
function rawRequest(method: string, path: string, headers: Record<string, string> = {}) {
  const url = new URL(api.baseUrl);
  return new Promise<{ status: number; type: string; allow: string; body: any }>((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, type: String(res.headers['content-type']), allow: String(res.headers.allow ?? ''), body: text ? JSON.parse(text) : undefined }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const count = async (table: string) => Number((await api.db(table).count({ n: '*' }))[0]!.n);
const today = () => almatyDate(Date.now());
const place = (fields: Record<string, unknown>) => ({ groupYear: 2022, language: 'ru', placeType: 'general', count: 1, releasedOn: today(), ...fields });

describe('NUL, control characters and lone surrogates are refused in one place, before anything reads them', () => {
  it('a NUL byte in a path, a query or a JSON string: 400 INVALID_CHARACTERS, anonymous routes included', async () => {
    expect(refused(await api.request('GET', '/api/v1/public/applications/%00'))).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS', in: 'path' });
    expect(refused(await api.request('GET', '/api/v1/public/places?regionCode=al%00maty'))).toEqual({
      status: 400,
      code: 'INVALID_CHARACTERS',
      in: 'query',
      field: 'regionCode',
    });
    const places = await count('places');
    expect(refused(await api.request('POST', '/api/v1/staff/places', { iin: staff, body: place({ placeType: 'gen\u0000eral' }) }))).toEqual({
      status: 400,
      code: 'INVALID_CHARACTERS',
      in: 'body',
      field: 'placeType',
    });
    expect(refused(await api.request('POST', '/api/v1/staff/arrivals', { iin: staff, body: { applicationNumber: '75\u0000' } }))).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS', field: 'applicationNumber' });
    expect(await count('places')).toBe(places);
  });

  it('a lone surrogate, a bell or an escape character in JSON is refused; a nested field is named by its path', async () => {
    const email = (value: string) => api.request('PUT', '/api/v1/me/email', { iin: operator, body: { email: value } });
    expect(refused(await email('a\ud800@example.kz'))).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS', field: 'email' });
    expect(refused(await email('a\u0007@example.kz'))).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS' });
    expect(refused(await email('a\u001b@example.kz'))).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS' });
    const res = await api.request('POST', '/api/v1/admin/calendar-days', { iin: operator, body: { day: '2031-02-03', kind: 'day_off', name: 'x', extra: { deep: ['\udc00'] } } });
    expect(refused(res)).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS', field: 'extra.deep.0' });
    // A lone surrogate percent-encoded in a path is not UTF-8 at all.
    expect(refused(await api.request('GET', '/api/v1/public/applications/%ED%A0%80'))).toMatchObject({ status: 400, code: 'INVALID_CHARACTERS', in: 'path' });
  });

  it('TAB, LF and CR are text, and a surrogate pair is a character: accepted', async () => {
    const res = await api.request('POST', '/api/v1/admin/calendar-days', { iin: operator, body: { day: '2031-02-04', kind: 'day_off', name: 'Перенос\tвыходного\r\n😀' } });
    expect(res.status).toBe(201);
  });
});

describe('numbers and dates are bounded by what their columns and the domain hold', () => {
  it('an ID above 2³¹−1 in a query or a path is a 400 naming the parameter, not a 500', async () => {
    for (const path of ['/api/v1/public/places', '/api/v1/public/referrals']) {
      const res = await api.request('GET', `${path}?regionCode=almaty&kindergartenId=2147483648`);
      expect(refused(res)).toEqual({ status: 400, code: 'VALIDATION_FAILED', in: 'query', field: 'kindergartenId' });
      expect(res.body.detail).toMatch(/^query kindergartenId: /);
    }
    const del = await api.request('DELETE', '/api/v1/admin/calendar-days/2147483648', { iin: operator });
    expect(refused(del)).toEqual({ status: 400, code: 'VALIDATION_FAILED', in: 'path', field: 'id' });
    expect(refused(await api.request('GET', '/api/v1/public/places?regionCode=almaty&groupYear=-1'))).toMatchObject({ status: 400, field: 'groupYear' });
  });

  it('the year 0000 is not a date: the calendar query and a place’s release date are refused with the field named', async () => {
    const calendar = await api.request('GET', '/api/v1/admin/calendar-days?from=0000-01-01&to=2026-01-01', { iin: operator });
    expect(refused(calendar)).toEqual({ status: 400, code: 'VALIDATION_FAILED', in: 'query', field: 'from' });
    const backwards = await api.request('GET', '/api/v1/admin/calendar-days?from=2026-02-01&to=2026-01-01', { iin: operator });
    expect(refused(backwards)).toMatchObject({ status: 400, field: 'to' });
    const released = await api.request('POST', '/api/v1/staff/places', { iin: staff, body: place({ releasedOn: '0000-01-01' }) });
    expect(refused(released)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field: 'releasedOn' });
  });

  it('a path parameter that is not a registration number says which parameter', async () => {
    const res = await api.request('GET', '/api/v1/public/applications/not-a-number');
    expect(refused(res)).toEqual({ status: 400, code: 'VALIDATION_FAILED', in: 'path', field: 'number' });
    expect(res.body.detail).toMatch(/^path number: /);
  });
});

describe('R4.2 R4.7 staff enter places a region can offer', () => {
  it('a group year no preschool child has, a release date over 30 days old, or a place type the region does not keep is refused, and nothing is published', async () => {
    const places = await count('places');
    const year = Number(today().slice(0, 4));
    for (const groupYear of [year - 8, year - 1, 2000]) {
      expect(refused(await api.request('POST', '/api/v1/staff/places', { iin: staff, body: place({ groupYear }) }))).toMatchObject({ status: 400, code: 'INVALID_GROUP_YEAR', field: 'groupYear' });
    }
    const old = await api.request('POST', '/api/v1/staff/places', { iin: staff, body: place({ releasedOn: addDays(today(), -31) }) });
    expect(refused(old)).toMatchObject({ status: 400, code: 'INVALID_RELEASE_DATE', field: 'releasedOn' });
    const script = await api.request('POST', '/api/v1/staff/places', { iin: staff, body: place({ placeType: '<script>alert(1)</script>' }) });
    expect(refused(script)).toMatchObject({ status: 400, code: 'UNKNOWN_PLACE_TYPE', field: 'placeType' });
    expect(script.body.allowed).toContain('general');
    expect(await count('places')).toBe(places);

    const edges = [place({ groupYear: year - 7, releasedOn: addDays(today(), -30) }), place({ groupYear: year - 2 })];
    for (const body of edges) expect((await api.request('POST', '/api/v1/staff/places', { iin: staff, body })).status).toBe(201);
  });

  it('a type a region adds to its list is accepted in that region only', async () => {
    await api.db('place_types').insert({ region_code: 'almaty', code: 'mini_centre', name_ru: 'Мини-центр', name_kk: 'Шағын орталық' }).onConflict().ignore();
    expect((await api.request('POST', '/api/v1/staff/places', { iin: staff, body: place({ placeType: 'mini_centre' }) })).status).toBe(201);
    const astanaKg = await api.db('kindergartens').where({ region_code: 'astana' }).first('id');
    const astanaStaff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode: 'astana', kindergartenId: astanaKg.id });
    const res = await api.request('POST', '/api/v1/staff/places', { iin: astanaStaff, body: place({ placeType: 'mini_centre' }) });
    expect(refused(res)).toMatchObject({ status: 400, code: 'UNKNOWN_PLACE_TYPE' });
  });
});

describe('refusals the router and the HTTP parser make are problems too', () => {
  it('TRACE (a method no route has) and a wrong method are 405 with Allow, as application/problem+json, never a 5xx', async () => {
    const trace = await rawRequest('TRACE', '/api/v1/public/places?regionCode=almaty');
    expect({ status: trace.status, type: trace.type, code: trace.body.code }).toEqual({ status: 405, type: expect.stringContaining('application/problem+json'), code: 'METHOD_NOT_ALLOWED' });
    expect(trace.allow).toContain('GET');
    const wrong = await rawRequest('DELETE', '/api/v1/public/places?regionCode=almaty');
    expect({ status: wrong.status, type: wrong.type, code: wrong.body.code }).toEqual({ status: 405, type: expect.stringContaining('application/problem+json'), code: 'METHOD_NOT_ALLOWED' });
    expect(wrong.allow).toContain('GET');
  });

  it('an oversized header gets 431 as a problem, not an empty body', async () => {
    const answer = await rawRequest('GET', '/healthz', { 'x-padding': 'x'.repeat(20_000) });
    expect(answer.status).toBe(431);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ code: 'HEADERS_TOO_LARGE', status: 431 });
  });
});

describe('bodies and contacts', () => {
  it('R10 a settings change with no body, or an empty one, is refused and changes nothing', async () => {
    const before = await api.db('regions').where({ code: 'almaty' }).first('settings');
    const none = await api.request('PATCH', '/api/v1/admin/regions/almaty/settings', { iin: operator });
    expect(refused(none)).toMatchObject({ status: 400, code: 'BODY_REQUIRED' });
    const empty = await api.request('PATCH', '/api/v1/admin/regions/almaty/settings', { iin: operator, body: {} });
    expect(refused(empty)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await api.db('regions').where({ code: 'almaty' }).first('settings')).toEqual(before);
  });

  it('R1.3 R2.2 an e-mail whose part before @ is over 64 characters is refused (RFC 5321)', async () => {
    const long = await api.request('PUT', '/api/v1/me/email', { iin: operator, body: { email: `${'a'.repeat(65)}@example.kz` } });
    expect(refused(long)).toMatchObject({ status: 400, code: 'INVALID_CONTACT', field: 'email' });
    expect((await api.request('PUT', '/api/v1/me/email', { iin: operator, body: { email: `${'a'.repeat(64)}@example.kz` } })).status).toBe(200);
  });
});

describe('R7.2 filing for a child enrolled in a kindergarten', () => {
  it('is refused with CHILD_ENROLLED until the departure (R7.3) is recorded; nothing is filed', async () => {
    const family = await buildFamily(api.db, { childBirthDate: '2022-03-03' });
    const kg = await api.db('kindergartens').where({ region_code: 'almaty', kind: 'state' }).orderBy('id').first('id');
    await api.db('enrollments').insert({ child_iin: family.childIin, kindergarten_id: kg.id, enrolled_at: new Date() });
    const res = await api.file(family);
    expect(refused(res)).toMatchObject({ status: 409, code: 'CHILD_ENROLLED', field: 'childIin' });
    expect(await api.db('applications').where({ child_iin: family.childIin })).toHaveLength(0);

    await api.db('enrollments').where({ child_iin: family.childIin }).update({ departed_at: new Date() });
    expect((await api.file(family)).status).toBe(201);
  });
});

describe('401 answers follow RFC 6750 and RFC 9110', () => {
  it('carry WWW-Authenticate: Bearer, and the scheme is matched case-insensitively', async () => {
    const anonymous = await fetch(`${api.baseUrl}/api/v1/me`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    const bad = await fetch(`${api.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const token = await api.login(operator);
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await fetch(`${api.baseUrl}/api/v1/me`, { headers: { authorization: `${scheme} ${token}` } });
      expect(res.status).toBe(200);
    }
  });
});
