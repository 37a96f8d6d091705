/**
 * Fuzz-style API test: every route, every field, derived from the OpenAPI document the API serves
 * (nothing listed by hand). Each string and number field of each route — path parameters, query
 * parameters, JSON body fields (nested too), the fields of each signed XML document, and the
 * headers the API reads — gets a NUL byte, a lone surrogate, 10,000 characters, a control
 * character, 2³¹ and −1, one field at a time in an otherwise valid request, sent with a token of a
 * person of the route's role and anonymously. No answer may be 5xx; every 4xx must be a problem
 * (application/problem+json with a `code`, no stack). All failures are collected and listed at the
 * end of each test.
 */
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, type Family } from '../helpers/factories';
import { fuzzCases, type Case, type FuzzCases } from '../helpers/fuzz/cases';
import { documentExamples, operations, type Op } from '../helpers/fuzz/operations';
import { caseRunner } from '../helpers/fuzz/run';
import { BASE_DATE, schemaWalker } from '../helpers/fuzz/schema';
import { ServerErrorLog } from '../helpers/fuzz/server-errors';
import { expectNoFailures, type Findings } from '../helpers/fuzz/verdict';
import { newNonce } from '../helpers/pki';

/** Seeded people (README): staff of Almaty's kindergarten № 1 and of a ПМПК, Almaty's operator and the national one. */
const STAFF_IIN = '900909403030';
/** Almaty's ПМПК specialist (R8.3). */
const PMPK_IIN = '791212403049';
const OPERATOR_IIN = '830303303024';
/** A regional operator is refused other regions before anything is looked up; the national one reaches the queries. */
const NATIONAL_OPERATOR_IIN = '850707403010';
const CONCURRENCY = 8;
const TIMEOUT_MS = 90_000;

let api: ApiHarness;
let family: Family;
let ops: Op[];
let cases: FuzzCases;
let runCases: (batch: Case[]) => Promise<Findings>;
/** What the API logged for each 5xx, to say why in the report. */
const serverErrors = new ServerErrorLog();
/** The regions' settings before the run: restored after it, should a fuzzed PATCH ever be accepted. */
let regionSettings: Array<{ code: string; settings: unknown }> = [];

beforeAll(async () => {
  api = await startApi({ log: serverErrors.logger });
  regionSettings = await api.db('regions').select('code', 'settings');
  family = await buildFamily(api.db);
  const filed = await api.file(family);
  if (filed.status !== 201) throw new Error(`filing the base application failed: ${JSON.stringify(filed.body)}`);
  const applicationNumber: string = filed.body.number;
  /** Values only this run knows: the parent's real child and application, fresh envelope values. */
  const run = {
    childIin: () => family.childIin,
    applicationNumber: () => applicationNumber,
    number: () => applicationNumber,
    nonce: () => newNonce(),
    signedAt: () => new Date().toISOString(),
  };
  const res = await fetch(`${api.baseUrl}/api/v1/openapi.json`);
  const doc = await res.json();
  const walker = schemaWalker(doc);
  ops = operations(doc, walker);
  cases = fuzzCases(walker, { run, document: documentExamples(ops) }, family.parentIin);
  const people = { parent: family.parentIin, staff: STAFF_IIN, pmpk: PMPK_IIN, operator: OPERATOR_IIN, nationalOperator: NATIONAL_OPERATOR_IIN };
  runCases = caseRunner({ baseUrl: api.baseUrl, login: (iin) => api.login(iin), people, serverErrors, concurrency: CONCURRENCY });
});

afterAll(async () => {
  if (!api) return;
  // Rows a fuzzed value was valid for (a control character is a valid name today) touch no other test.
  await api.db('places').where({ released_on: BASE_DATE, added_by: STAFF_IIN }).delete().catch(() => undefined);
  await api.db('calendar_days').where({ day: BASE_DATE }).delete().catch(() => undefined);
  for (const r of regionSettings) await api.db('regions').where({ code: r.code }).update({ settings: JSON.stringify(r.settings) }).catch(() => undefined);
  await api.close();
});

const WHAT = 'a NUL byte, a lone surrogate, 10,000 characters, a control character, 2³¹ or −1';

describe('fuzzing every field of every route the OpenAPI document lists', () => {
  it('derives its routes, roles and fields from the document', () => {
    expect(ops.length).toBeGreaterThan(25);
    const unknownRoles = ops.filter((op) => !['anyone', 'logged in', 'applicant', 'kindergarten_staff', 'pmpk_staff', 'operator'].includes(op.role)).map((op) => `${op.key}: ${op.role}`);
    expect(unknownRoles).toEqual([]);
    // Every signed action shows its document, so its fields can be fuzzed.
    expect(ops.filter((op) => op.signed && !op.signed.example).map((op) => op.key)).toEqual([]);
    expect(ops.filter((op) => op.signed).length).toBeGreaterThan(5);
    expect(cases.paramCases('path', ops).length).toBeGreaterThan(0);
    expect(cases.paramCases('query', ops).length).toBeGreaterThan(0);
    expect(cases.bodyCases(ops).length).toBeGreaterThan(0);
  });

  it(`no route answers 5xx, or a 4xx that is not a problem, to ${WHAT} in a path parameter`, async () => {
    expectNoFailures('path parameters', await runCases(cases.paramCases('path', ops)));
  }, TIMEOUT_MS);

  it(`no route answers 5xx, or a 4xx that is not a problem, to ${WHAT} in a query parameter`, async () => {
    expectNoFailures('query parameters', await runCases(cases.paramCases('query', ops)));
  }, TIMEOUT_MS);

  it(`no route answers 5xx, or a 4xx that is not a problem, to ${WHAT} in any field of its JSON body, nested fields included, or as the whole body`, async () => {
    expectNoFailures('JSON body fields', await runCases(cases.bodyCases(ops)));
  }, TIMEOUT_MS);

  it(`no signed action answers 5xx, or a 4xx that is not a problem, to ${WHAT} in any field of its signed XML document`, async () => {
    expectNoFailures('signed document fields', await runCases(cases.signedCases(ops)));
  }, TIMEOUT_MS);

  it(`no route answers 5xx, or a 4xx that is not a problem, to ${WHAT} in the Authorization or Idempotency-Key header`, async () => {
    const { authorization, idempotency } = cases.headerCases(ops);
    // NUL or a control character in a header is refused by Node's HTTP parser before Koa runs: that answer must be a problem too.
    expectNoFailures('headers', await runCases([...authorization, ...idempotency]));
  }, TIMEOUT_MS);
});
