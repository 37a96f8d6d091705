import { auditLinesOf } from '../helpers/audit';
import { randomUUID } from 'node:crypto';
import type { ApplicationStatus } from '../../domain/statuses';
import { freshRequestId } from '../../api/request-log';
import { operatorSearchQuery, type OperatorSearch } from '../../db/operator-search';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff } from '../helpers/factories';
import { buildFiling } from '../helpers/filings';
import { buildPlace, buildRegion } from '../helpers/lifecycle';

let api: ApiHarness;
let regionA: string;
let regionB: string;
/** Operators of region A and B, and a national one. */
let opA: string;
let opB: string;
let national: string;

beforeAll(async () => {
  api = await startApi();
  regionA = await buildRegion(api.db);
  regionB = await buildRegion(api.db);
  opA = await buildStaff(api.db, { role: 'operator', regionCode: regionA });
  opB = await buildStaff(api.db, { role: 'operator', regionCode: regionB });
  national = await buildStaff(api.db, { role: 'operator', regionCode: null });
});
afterAll(() => api?.close());

const REASON = 'parent called the help line about the queue';

/**
 * An application as the read model holds it, written straight into the table: the search reads
 * only the table, and a test controls registration times (ties included) and statuses this way.
 */
async function seeded(regionCode: string, opts: { registeredAt?: Date; status?: ApplicationStatus; childBirthDate?: string } = {}) {
  const registeredAt = opts.registeredAt ?? new Date();
  const f = await buildFiling(api.db, { registeredAt: registeredAt.getTime(), regionCode, childBirthDate: opts.childBirthDate ?? '2022-05-05' });
  await api.db('applications').insert({
    number: f.number, region_code: regionCode, queue_type: f.queueType, child_iin: f.childIin, applicant_iin: f.applicantIin,
    benefit_category: f.benefitCategory, group_year: f.groupYear, registered_at: registeredAt, status: opts.status ?? 'queued',
    status_changed_at: registeredAt, status_cause: 'filed', language: f.language, email: f.contacts.email, phone: f.contacts.phone,
  });
  return { number: f.number, childIin: f.childIin, groupYear: f.groupYear, registeredAt };
}

const q = (params: Record<string, string | number>) => new URLSearchParams(Object.entries({ reason: REASON, ...params }).map(([k, v]): [string, string] => [k, String(v)])).toString();
const search = (iin: string, params: Record<string, string | number> = {}, headers?: Record<string, string>) =>
  api.request('GET', `/api/v1/admin/applications?${q(params)}`, { iin, headers });
const card = (iin: string, number: string, params: Record<string, string> = {}, headers?: Record<string, string>) =>
  api.request('GET', `/api/v1/admin/applications/${encodeURIComponent(number)}?${q(params)}`, { iin, headers });
const numbers = (res: { body: { applications: Array<{ number: string }> } }) => res.body.applications.map((a) => a.number);
const readsBy = (iin: string) => api.db('personal_data_reads').where({ reader_iin: iin }).orderBy('id');
const readCount = async (iin: string) => (await readsBy(iin)).length;

describe('operators search and read their region’s applications', () => {
  it('R3.2 an operator searches their region by number, child’s IIN, status and group year; each row carries the child’s data and the status as people read it', async () => {
    const region = await buildRegion(api.db);
    const op = await buildStaff(api.db, { role: 'operator', regionCode: region });
    const q22 = await seeded(region, { childBirthDate: '2022-01-10' });
    const q23 = await seeded(region, { childBirthDate: '2023-02-11' });
    const removed = await seeded(region, { childBirthDate: '2022-03-12', status: 'removed' });
    const enrolled = await seeded(region, { childBirthDate: '2023-04-13', status: 'enrolled' });

    const byNumber = await search(op, { number: q23.number });
    expect(byNumber.status).toBe(200);
    expect(byNumber.body.applications).toEqual([
      {
        number: q23.number,
        region: { code: region, nameRu: region, nameKk: region },
        queueType: 'general',
        child: { iin: q23.childIin, lastName: 'Ребёнок', firstName: 'Тест', middleName: null, birthDate: '2023-02-11' },
        status: 'queued',
        statusLabel: { ru: expect.any(String), kk: expect.any(String) },
        benefitCategory: 'none',
        groupYear: 2023,
        registeredAt: q23.registeredAt.toISOString(),
      },
    ]);
    expect(numbers(await search(op, { childIin: removed.childIin }))).toEqual([removed.number]);
    expect(numbers(await search(op, { status: 'enrolled' }))).toEqual([enrolled.number]);
    expect(numbers(await search(op, { groupYear: 2022 })).sort()).toEqual([q22.number, removed.number].sort());
    expect(numbers(await search(op, { groupYear: 2022, status: 'queued' }))).toEqual([q22.number]);
    // Newest registration first.
    expect(numbers(await search(op))).toEqual([enrolled.number, removed.number, q23.number, q22.number]);
    expect((await search(op, { number: q22.number, status: 'removed' })).body.applications).toEqual([]);

    const badIin = await search(op, { childIin: '123' });
    expect([badIin.status, badIin.body.code, badIin.body.field]).toEqual([400, 'INVALID_IIN_FORMAT', 'childIin']);
    const badStatus = await search(op, { status: 'lost' });
    expect([badStatus.status, badStatus.body.code, badStatus.body.field]).toEqual([400, 'VALIDATION_FAILED', 'status']);
  });

  it('R3.2 the search is read a page at a time: the limit is bounded, a foreign cursor refused, and a walk (ties in registration time included) shows every row once, following Link rel=next', async () => {
    const region = await buildRegion(api.db);
    const op = await buildStaff(api.db, { role: 'operator', regionCode: region });
    const tie = new Date('2026-11-20T05:00:00.123Z');
    const rows = [
      await seeded(region, { registeredAt: new Date('2026-11-18T05:00:00Z') }),
      await seeded(region, { registeredAt: tie }),
      await seeded(region, { registeredAt: tie }),
      await seeded(region, { registeredAt: tie }),
      await seeded(region, { registeredAt: new Date('2026-11-21T05:00:00Z') }),
    ];

    for (const limit of [0, 201, 'x']) {
      const res = await search(op, { limit });
      expect([limit, res.status, res.body.code, res.body.field]).toEqual([limit, 400, 'VALIDATION_FAILED', 'limit']);
    }
    expect((await search(op, { limit: 200 })).status).toBe(200);
    const forged = await search(op, { cursor: Buffer.from('2026-11-20T05:00:00.000000Z|42').toString('base64url') });
    expect([forged.status, forged.body.field]).toEqual([400, 'cursor']);

    const seen: string[] = [];
    let url: string | null = `/api/v1/admin/applications?${q({ limit: 2 })}`;
    let pages = 0;
    const token = await api.login(op);
    while (url) {
      const res: Response = await fetch(api.baseUrl + url, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { applications: Array<{ number: string }>; next: string | null };
      expect(res.status).toBe(200);
      seen.push(...body.applications.map((a: { number: string }) => a.number));
      pages++;
      const link = res.headers.get('link');
      expect(link === null).toBe(body.next === null);
      url = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : null;
    }
    expect(pages).toBe(3);
    // Newest first; a tie in time ordered by number, descending: no repeat, no gap.
    const tied = rows.slice(1, 4).map((r) => r.number).sort().reverse();
    expect(seen).toEqual([rows[4]!.number, ...tied, rows[0]!.number]);
  });

  it('R3.2 a national operator finds every region’s applications, and narrows to one region by regionCode', async () => {
    const a = await seeded(regionA);
    const b = await seeded(regionB);
    expect(numbers(await search(national, { number: a.number }))).toEqual([a.number]);
    expect(numbers(await search(national, { childIin: b.childIin }))).toEqual([b.number]);
    const both = numbers(await search(national, { limit: 200 }));
    expect(both).toEqual(expect.arrayContaining([a.number, b.number]));
    expect(numbers(await search(national, { regionCode: regionB, limit: 200 }))).toContain(b.number);
    expect(numbers(await search(national, { regionCode: regionB, limit: 200 }))).not.toContain(a.number);
    expect((await card(national, b.number)).body.number).toBe(b.number);
  });

  it('R3.2 R11.2-style scoping: a regional operator finds nothing of another region — by number, by IIN, or naming that region — and sees only their own', async () => {
    const b = await seeded(regionB);
    const a = await seeded(regionA);
    expect((await search(opA, { number: b.number })).body).toEqual({ applications: [], next: null });
    expect((await search(opA, { childIin: b.childIin })).body).toEqual({ applications: [], next: null });
    // Naming another region is not refused: it is an empty page, as for a region with no applications.
    const named = await search(opA, { regionCode: regionB });
    expect([named.status, named.body]).toEqual([200, { applications: [], next: null }]);
    const own = numbers(await search(opA, { limit: 200 }));
    expect(own).toContain(a.number);
    expect(own).not.toContain(b.number);
  });

  it('R3.3 an operator reads the card of their region’s application with its change history; another region’s answers 404 exactly as a missing one', async () => {
    const family = await buildFamily(api.db, { childBirthDate: '2022-07-07' });
    const filed = await api.file(family, { regionCode: regionA });
    expect(filed.status).toBe(201);
    const number: string = filed.body.number;

    const read = await card(opA, number);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      number,
      region: { code: regionA },
      status: 'queued',
      statusLabel: { ru: expect.any(String), kk: expect.any(String) },
      child: { iin: family.childIin, birthDate: '2022-07-07' },
      applicant: { iin: family.parentIin },
      history: [expect.objectContaining({ from: null, to: 'queued', cause: 'filed', actor: 'applicant' })],
    });
    // The card the applicant sees, whatever fields it gains.
    expect(Object.keys(read.body).sort()).toEqual(Object.keys(filed.body).sort());

    const foreign = await card(opB, number);
    const missing = await card(opB, number.replace(/\.\d{6,9}\./, '.999999.'));
    expect([foreign.status, foreign.body.code]).toEqual([404, 'NOT_FOUND']);
    expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
    const shape = (b: Record<string, unknown>) => ({ ...b, detail: String(b.detail).replace(/\S*\.1\b/, 'N'), instance: String(b.instance).replace(/[^/]+$/, 'N') });
    expect(shape(foreign.body)).toEqual(shape(missing.body));
  });

  it('R3.2 only operators read: an applicant, kindergarten staff and ПМПК staff get 403, no session 401', async () => {
    const a = await seeded(regionA);
    const family = await buildFamily(api.db);
    const { kindergartenId } = await buildPlace(api.db, { regionCode: regionA, groupYear: 2022 });
    const kgStaff = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode: regionA, kindergartenId });
    const pmpk = await buildStaff(api.db, { role: 'pmpk_staff', regionCode: regionA });
    for (const iin of [family.parentIin, kgStaff, pmpk]) {
      for (const res of [await search(iin, { number: a.number }), await card(iin, a.number)]) {
        expect([res.status, res.body.code]).toEqual([403, 'FORBIDDEN']);
      }
      expect(await readCount(iin)).toBe(0);
    }
    const anonymous = await api.request('GET', `/api/v1/admin/applications/${a.number}?${q({})}`);
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('R3.2 an exact number or child’s IIN lookup reads an index, not the region’s queue (a region of 2,000 applications)', async () => {
    const region = await buildRegion(api.db);
    const a = await seeded(region);
    const other = await buildFamily(api.db);
    // The rest of a large region's queue, closed (one child may have many), numbered past any test filing's serial.
    await api.db.raw(
      `INSERT INTO applications (number, region_code, queue_type, child_iin, applicant_iin, benefit_category, group_year, registered_at, status, status_changed_at, status_cause, language, email, phone)
       SELECT (r.settings->>'numberPrefix') || '.UO.2025.' || lpad((900000000 + i)::text, 9, '0') || '.1', r.code, 'general', ?, ?, 'none', 2022,
              now() - i * interval '1 minute', 'removed', now(), 'left_queue', 'kk', 'x@example.kz', '+77010000000'
         FROM regions r, generate_series(1, 2000) i WHERE r.code = ?`,
      [other.childIin, other.parentIin, region],
    );
    await api.db.raw('ANALYZE applications');
    const plan = async (f: Omit<OperatorSearch, 'operatorRegion'>) => {
      const { sql, bindings } = operatorSearchQuery(api.db, { operatorRegion: region, ...f }, { limit: 50 }).toSQL();
      const rows = (await api.db.raw(`EXPLAIN ${sql}`, bindings)).rows as Array<{ 'QUERY PLAN': string }>;
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    expect(await plan({ number: a.number })).toMatch(/Index (Only )?Scan using applications_pkey on applications/);
    expect(await plan({ childIin: a.childIin })).toMatch(/Index (Only )?Scan (using|on) applications_by_child/);
    // The region's first page is read in order from an ordered index, not a sort of the whole region.
    const page = await plan({});
    expect(page).toMatch(/Index Scan using applications_(region_)?registered on applications/);
    expect(page).not.toMatch(/Sort/);
  });
});

const auditLines = (run: () => Promise<unknown>) => auditLinesOf(run, (e) => e === 'personal_data_read');

describe('personal-data law: every read of personal data by an operator is recorded with its reason', () => {
  it('personal-data law: the reason is required (REASON_REQUIRED), bounded and single (INVALID_REASON), on both routes, and a refused request records nothing', async () => {
    const a = await seeded(regionA);
    const before = await readCount(opA);
    const base = `/api/v1/admin/applications`;
    for (const path of [`${base}?number=${a.number}`, `${base}/${a.number}?`]) {
      const sep = path.endsWith('?') ? '' : '&';
      const cases: Array<[string, string]> = [
        ['', 'REASON_REQUIRED'],
        [`${sep}reason=`, 'REASON_REQUIRED'],
        [`${sep}reason=%20%20%20`, 'REASON_REQUIRED'],
        [`${sep}reason=why`, 'INVALID_REASON'],
        [`${sep}reason=${'x'.repeat(501)}`, 'INVALID_REASON'],
        [`${sep}reason=first%20reason&reason=second%20reason`, 'INVALID_REASON'],
      ];
      for (const [query, code] of cases) {
        const res = await api.request('GET', path + query, { iin: opA });
        expect([path + query.slice(0, 40), res.status, res.body.code, res.body.field]).toEqual([path + query.slice(0, 40), 400, code, 'reason']);
      }
      const control = await api.request('GET', `${path}${sep}reason=bad%01reason`, { iin: opA });
      expect([control.status, control.body.code]).toEqual([400, 'INVALID_CHARACTERS']);
    }
    expect(await readCount(opA)).toBe(before);
    // 5 and 500 characters, after trimming, are accepted.
    expect((await search(opA, { number: a.number, reason: ' fives ' })).status).toBe(200);
    expect((await card(opA, a.number, { reason: 'y'.repeat(500) })).status).toBe(200);
  });

  it('personal-data law: each read writes exactly one row — who, role, region, route, reason, request ID, filter, the numbers shown — and one audit line, before the answer', async () => {
    const op = await buildStaff(api.db, { role: 'operator', regionCode: regionA });
    const first = await seeded(regionA, { childBirthDate: '2021-01-01', registeredAt: new Date('2026-11-01T04:00:00Z') });
    const second = await seeded(regionA, { childBirthDate: '2021-01-01', registeredAt: new Date('2026-11-02T04:00:00Z') });
    const foreign = await seeded(regionB);
    // IDs the logs show as given: a UUID ending in twelve digits would be masked as an IIN.
    const ids = { search: `pd-search-${freshRequestId()}`, card: `pd-card-${freshRequestId()}`, empty: `pd-empty-${freshRequestId()}` };

    const lines = await auditLines(async () => {
      const found = await search(op, { groupYear: 2021, status: 'queued', limit: 200, reason: 'checking the 2021 cohort' }, { 'X-Request-Id': ids.search });
      expect(numbers(found)).toEqual(expect.arrayContaining([second.number, first.number]));
      expect((await card(op, first.number, { reason: 'complaint no. 17 about the card' }, { 'X-Request-Id': ids.card })).status).toBe(200);
      expect((await search(op, { childIin: foreign.childIin, reason: 'is this child in our queue?' }, { 'X-Request-Id': ids.empty })).body.applications).toEqual([]);
      // Refused: another region's card, a bad filter. Nothing is shown, nothing recorded.
      expect((await card(op, foreign.number, { reason: 'looking across the border' })).status).toBe(404);
      expect((await search(op, { groupYear: 1999, reason: 'a year out of range' })).status).toBe(400);
    });

    const rows = await readsBy(op);
    const shownBySearch = numbers(await search(national, { regionCode: regionA, groupYear: 2021, status: 'queued', limit: 200 }));
    expect(rows.map((r) => ({ ...r, id: undefined, read_at: undefined }))).toEqual([
      {
        reader_iin: op, reader_role: 'operator', reader_region_code: regionA, route: 'GET /api/v1/admin/applications', reason: 'checking the 2021 cohort',
        request_id: ids.search, filter: { groupYear: 2021, status: 'queued' }, shown: shownBySearch, id: undefined, read_at: undefined,
      },
      {
        reader_iin: op, reader_role: 'operator', reader_region_code: regionA, route: 'GET /api/v1/admin/applications/:number', reason: 'complaint no. 17 about the card',
        request_id: ids.card, filter: { number: first.number }, shown: [first.number], id: undefined, read_at: undefined,
      },
      {
        // A search that found nothing is still a read: what was asked (a child's IIN) is recorded.
        reader_iin: op, reader_role: 'operator', reader_region_code: regionA, route: 'GET /api/v1/admin/applications', reason: 'is this child in our queue?',
        request_id: ids.empty, filter: { childIin: foreign.childIin }, shown: [], id: undefined, read_at: undefined,
      },
    ]);
    expect(rows.every((r) => r.read_at instanceof Date)).toBe(true);
    // The audit log names each row, the reader cut to six digits as every log does.
    expect(lines.map((l) => [l.read, l.iin, l.route, l.shown, l.requestId])).toEqual([
      [Number(rows[0].id), `${op.slice(0, 6)}******`, 'GET /api/v1/admin/applications', shownBySearch, ids.search],
      [Number(rows[1].id), `${op.slice(0, 6)}******`, 'GET /api/v1/admin/applications/:number', [first.number], ids.card],
      [Number(rows[2].id), `${op.slice(0, 6)}******`, 'GET /api/v1/admin/applications', [], ids.empty],
    ]);
    // The national operator's read (above) is recorded as theirs, with no region.
    expect((await readsBy(national)).at(-1)).toMatchObject({ reader_region_code: null, shown: shownBySearch });
  });

  it('personal-data law: when the read cannot be recorded, the data is not sent', async () => {
    const a = await seeded(regionA);
    const reason = `fail the record ${randomUUID()}`;
    const fn = `refuse_read_${randomUUID().replace(/-/g, '')}`;
    await api.db.raw(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.reason = '${reason}' THEN RAISE EXCEPTION 'the audit store is unavailable'; END IF; RETURN NEW; END $$`);
    await api.db.raw(`CREATE TRIGGER ${fn} BEFORE INSERT ON personal_data_reads FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    try {
      const before = await readCount(opA);
      for (const res of [await search(opA, { number: a.number, reason }), await card(opA, a.number, { reason })]) {
        expect([res.status, res.body.code]).toEqual([500, 'INTERNAL']);
        expect(res.body).not.toHaveProperty('applications');
        expect(res.body).not.toHaveProperty('child');
        expect(JSON.stringify(res.body)).not.toContain(a.childIin);
      }
      expect(await readCount(opA)).toBe(before);
    } finally {
      await api.db.raw(`DROP TRIGGER ${fn} ON personal_data_reads`);
      await api.db.raw(`DROP FUNCTION ${fn}()`);
    }
  });
});
