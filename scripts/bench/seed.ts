import { isDeepStrictEqual } from 'node:util';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { appendEventEntries } from '../../db/chain';
import type { Db } from '../../db/connection';
import { addDays, reconfirmationDeadline } from '../../domain/almaty-time';
import { makeIin } from '../../db/seeds/iin';
import { DEFAULT_RULE_SETTINGS } from '../../domain/rule-settings';
import { applicationRow } from '../../activities/applications';
import { documentSnapshot, newVerificationCode } from '../../activities/documents/records';
import { DOCUMENT_TEMPLATE_VERSION, FILING_DOCUMENTS, type DocumentSnapshot } from '../../domain/documents';
import { iso } from '../../domain/iso';
import { ACTIVE_STATUSES } from '../../domain/statuses';
import { applicationWorkflow } from '../../workflows/application';
import { APPLICATION_TASK_QUEUE, applicationWorkflowId, type ApplicationFiling } from '../../contracts/application';
import { pool, round } from './load';

export const BENCH_REGION = 'bench';
export const BENCH_PREFIX = '90';
export const BENCH_GROUP_YEAR = 2022;
const BATCH = 1000;

const validIins = new Map<string, string[]>();

/** The k-th valid IIN of a birth date and sex: distinct for distinct k (about 9 in 10 serials have a check digit). */
function nthIin(birthDate: string, sex: 'male' | 'female', k: number): string {
  const key = `${birthDate}:${sex}`;
  const list = validIins.get(key) ?? [];
  while (list.length <= k) {
    const serial = list.length === 0 ? 0 : Number(list.at(-1)!.slice(7, 11)) + 1;
    list.push(makeIin(birthDate, sex, serial));
  }
  validIins.set(key, list);
  return list[k]!;
}

/** The i-th bench family: a child of the group year and a parent, with stable, distinct, valid IINs. */
export function benchFamily(i: number) {
  const childBirth = addDays(`${BENCH_GROUP_YEAR}-01-01`, i % 365);
  const parentBirth = addDays('1990-01-01', i % 3650);
  return {
    childIin: nthIin(childBirth, 'male', Math.floor(i / 365)),
    parentIin: nthIin(parentBirth, 'female', Math.floor(i / 3650)),
    childBirth,
    parentBirth,
  };
}

export async function ensureBenchRegion(db: Db): Promise<void> {
  await db('regions')
    .insert({
      code: BENCH_REGION,
      name_ru: 'Бенчмарк',
      name_kk: 'Бенчмарк',
      settings: JSON.stringify({ ...DEFAULT_RULE_SETTINGS, numberPrefix: BENCH_PREFIX }),
    })
    .onConflict('code')
    .ignore();
}

/** Puts `count` bench families (from `from` on) into the registry mirror, in batches. */
export async function seedFamilies(db: Db, from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += BATCH) {
    const families = Array.from({ length: Math.min(BATCH, from + count - start) }, (_, k) => benchFamily(start + k));
    await db('persons')
      .insert(families.flatMap((f, k) => [
        { iin: f.childIin, last_name: `Ребёнок${start + k}`, first_name: 'Бенч', birth_date: f.childBirth, sex: 'male' },
        { iin: f.parentIin, last_name: `Родитель${start + k}`, first_name: 'Бенч', birth_date: f.parentBirth, sex: 'female' },
      ]))
      .onConflict('iin')
      .ignore();
    await db('person_parents')
      .insert(families.map((f) => ({ child_iin: f.childIin, parent_iin: f.parentIin })))
      .onConflict()
      .ignore();
  }
}

export const benchNumber = (i: number): string => `${BENCH_PREFIX}.UO.2026.${String(i + 1).padStart(6, '0')}.1`;


/**
 * When the seeded queue's filing documents fall due to render. They are written as
 * issueFilingDocuments writes them (R2.4: snapshot, verification code, `rendering`), but 150,000
 * PDFs at ~25/s would take the two cores for hours and run through every figure; a real queue's
 * were rendered long ago. Due this late, the dispatcher's claim (`next_attempt_at <= now()`) never
 * reaches them, and the documents table has the size the queue gives it.
 */
export const SEEDED_DOCUMENTS_DUE = '2100-01-01T00:00:00Z';

/** The filing of the i-th bench application out of `count` (registered over the last 330 days, in order). */
function benchFilings(count: number): ApplicationFiling[] {
  // Within the last 11 months, so no reconfirmation (R6.1) falls due while the benchmark runs.
  const span = 330 * 86_400_000;
  const registeredFrom = Date.now() - span;
  const step = Math.floor(span / Math.max(1, count));
  return Array.from({ length: count }, (_, i) => {
    const f = benchFamily(i);
    return {
      number: benchNumber(i),
      regionCode: BENCH_REGION,
      queueType: 'general',
      childIin: f.childIin,
      childBirthDate: f.childBirth,
      applicantIin: f.parentIin,
      benefitCategory: i % 20 === 0 ? 'first_priority' : i % 97 === 0 ? 'out_of_turn' : 'none',
      groupYear: BENCH_GROUP_YEAR,
      language: i % 3 ? 'kk' : 'ru',
      contacts: { email: `parent${i}@example.kz`, phone: `+7701${String(i).padStart(7, '0')}` },
      registeredAt: registeredFrom + i * step,
    };
  });
}

/** As the `benefit_rank` column computes it: the lower, the earlier in the queue (R4.1). */
const RANK = { out_of_turn: 0, first_priority: 1, none: 2 } as const;

const textValues = (o: Record<string, unknown> | null): Record<string, string> =>
  Object.fromEntries(Object.entries(o ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));

/**
 * A fingerprint of every row the seeded applications have in the tables filing writes: the row
 * count and the sum of the rows' xmin. Any insert, update or delete changes it; reads do not.
 */
async function filingRowsFingerprint(db: Db, numbers: string[]): Promise<string> {
  const { rows } = await db.raw(
    `SELECT (SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM applications WHERE number = ANY(?::text[])) AS applications,
            (SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM application_events WHERE application_number = ANY(?::text[])) AS events,
            (SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM documents WHERE application_number = ANY(?::text[])) AS documents`,
    [numbers, numbers, numbers],
  );
  return JSON.stringify(rows[0]);
}

export interface SeedFigures {
  /** Bench applications the seed asked for, and how many of them this run wrote (the rest were there). */
  queued: number;
  written: number;
  /** Applications, first events and filing documents, by bulk insert. */
  bulkSeconds: number;
  /** Workflows started by this run (already running ones are left alone), and at how many at once. */
  started: number;
  startConcurrency: number;
  startSeconds: number;
  /** From the first start until every active bench application's workflow runs its filed state. */
  runningSeconds: number;
  seconds: number;
  workflowsRunning: number;
  /** Whether the workflows' filing step left the bulk-written rows as they were (null: nothing was written this run). */
  filingStepWroteNothing: boolean | null;
}

/** Running application workflows of the bench region that have recorded their filing (R2.4: their search attributes say so). */
export const runningBenchWorkflows = async (temporal: Client): Promise<number> =>
  (await temporal.workflow.count(`ExecutionStatus = 'Running' AND Region = '${BENCH_REGION}'`)).count;

/**
 * `count` queued applications as filing through the API leaves them (R2.4): the read-model row,
 * the history's first event and the three filing documents, by bulk insert in transactions of
 * 1,000 applications; then one application workflow each, started straight through the Temporal
 * client, many at once, whose filing step finds its row and its event and writes nothing (checked:
 * the rows' fingerprint is the same after). Idempotent: what exists is kept, and a reused seed is
 * checked for completeness — every active bench application's workflow running — and mended.
 */
export async function seedApplications(db: Db, temporal: Client, count: number, { startConcurrency = 200 } = {}): Promise<SeedFigures> {
  const t0 = performance.now();
  const filings = benchFilings(count);
  const numbers = filings.map((f) => f.number);
  const existing = new Set<string>(await db('applications').where({ region_code: BENCH_REGION }).pluck('number'));
  const fresh = filings.filter((f) => !existing.has(f.number));
  const written = fresh.map((f) => f.number);

  if (fresh.length > 0) {
    // Queue numbers as each document says them when filed one after another (R4.1, strict order, as
    // the bench region sets it): 1 + the active applications of a rank up to its own filed before it.
    const filedBefore = [0, 0, 0];
    for (const r of await db('applications')
      .where({ region_code: BENCH_REGION, queue_type: 'general', group_year: BENCH_GROUP_YEAR })
      .whereNull('need_category')
      .whereIn('status', ACTIVE_STATUSES)
      .groupBy('benefit_rank')
      .select('benefit_rank', db.raw('count(*)::int AS n'))) {
      filedBefore[Number(r.benefit_rank)] = Number(r.n);
    }
    const region = await db('regions').where({ code: BENCH_REGION }).first('name_ru', 'name_kk', 'contacts');
    for (let start = 0; start < fresh.length; start += BATCH) {
      const batch = fresh.slice(start, start + BATCH);
      await db.transaction(async (trx) => {
        // Exactly as recordFiling writes them: the row, event seq 1, and issueFilingDocuments' records.
        await trx('applications')
          .insert(batch.map((f) => applicationRow(f, reconfirmationDeadline(f.registeredAt, 1, DEFAULT_RULE_SETTINGS.reconfirmationMonths))))
          .onConflict('number')
          .ignore();
        const filed: { application_number: string }[] = await trx('application_events')
          .insert(batch.map((f) => ({
            application_number: f.number, seq: 1, at: iso(f.registeredAt), from_status: null, to_status: 'queued', cause: 'filed',
            actor: f.applicantIin, details: JSON.stringify({}), signed_document_id: null,
          })))
          .onConflict(['application_number', 'seq'])
          .ignore()
          .returning('application_number');
        const people = new Map<string, Record<string, any>>(
          (await trx('persons')
            .whereIn('iin', batch.flatMap((f) => [f.childIin, f.applicantIin]))
            .select('iin', 'last_name', 'first_name', 'middle_name', 'birth_date')).map((p: Record<string, any>) => [p.iin, p]),
        );
        const person = (iin: string) => {
          const p = people.get(iin)!;
          return { iin, lastName: p.last_name, firstName: p.first_name, middleName: p.middle_name ?? null };
        };
        const documents = batch.flatMap((f) => {
          const rank = RANK[f.benefitCategory];
          filedBefore[rank]! += 1;
          const snapshot: DocumentSnapshot = {
            number: f.number,
            registeredAt: iso(f.registeredAt),
            region: { name: f.language === 'kk' ? region.name_kk : region.name_ru, contacts: textValues(region.contacts) },
            queueType: f.queueType,
            benefitCategory: f.benefitCategory,
            groupYear: f.groupYear,
            child: { ...person(f.childIin), birthDate: people.get(f.childIin)!.birth_date },
            applicant: person(f.applicantIin),
            queueNumber: filedBefore.slice(0, rank + 1).reduce((a, b) => a + b, 0),
            queueNumberInCategory: filedBefore[rank]!,
          };
          const json = JSON.stringify(snapshot);
          return FILING_DOCUMENTS.map((kind) => ({
            application_number: f.number, kind, language: f.language, referral_id: null, template_version: DOCUMENT_TEMPLATE_VERSION,
            snapshot: json, verification_code: newVerificationCode(), issued_at: iso(f.registeredAt), next_attempt_at: SEEDED_DOCUMENTS_DUE,
          }));
        });
        await trx('documents').insert(documents).onConflict().ignore();
        // R11.3: each filing's chain entry, as recordFiling appends it — the transaction's last write.
        const recorded = new Set(filed.map((e) => e.application_number));
        await appendEventEntries(trx, batch.filter((f) => recorded.has(f.number)).map((f) => ({ number: f.number, seq: 1, at: f.registeredAt, cause: 'filed', actor: f.applicantIin })));
      });
      if ((start / BATCH) % 10 === 9) process.stderr.write(`[bench] wrote ${start + batch.length} of ${fresh.length} applications\n`);
    }
    await db('registration_counters')
      .insert({ region_code: BENCH_REGION, queue_type: 'general', year: 2026, last: count })
      .onConflict(['region_code', 'queue_type', 'year'])
      .merge({ last: db.raw('GREATEST(registration_counters.last, EXCLUDED.last)') });
    // The bulk rows say what filing would have said, but for the queue numbers (as of each filing):
    // documentSnapshot, which the filing step runs, must read the same from them.
    for (const f of fresh.filter((_, i) => i % Math.max(1, Math.floor(fresh.length / 10)) === 0)) {
      const stored = (await db('documents').where({ application_number: f.number }).first('snapshot')).snapshot as DocumentSnapshot;
      const now = await documentSnapshot(db, f.number, f.language, null);
      const facts = ({ queueNumber: _q, queueNumberInCategory: _c, ...rest }: DocumentSnapshot) => rest;
      if (!isDeepStrictEqual(facts(stored), facts(JSON.parse(JSON.stringify(now))))) {
        throw new Error(`the seeded documents of ${f.number} say ${JSON.stringify(stored)}, issueFilingDocuments would say ${JSON.stringify(now)}`);
      }
    }
  }
  const bulkSeconds = (performance.now() - t0) / 1000;

  // Every active bench application — seeded or filed through the API by an earlier run — has its workflow.
  const expected = Number((await db('applications').where({ region_code: BENCH_REGION }).whereIn('status', ACTIVE_STATUSES).count({ n: '*' }))[0]!.n);
  const before = written.length > 0 ? await filingRowsFingerprint(db, written) : undefined;
  const t1 = performance.now();
  let started = 0;
  let startSeconds = 0;
  const runningBefore = await runningBenchWorkflows(temporal);
  if (runningBefore < expected) {
    // Only the new rows' workflows when the others all run; else every one (an interrupted seed).
    // Their input from the rows themselves, so a seed of another size is mended as it was written.
    const toStart = runningBefore + written.length >= expected ? written : numbers;
    const rows: Record<string, any>[] = await db('applications as a')
      .join('persons as c', 'c.iin', 'a.child_iin')
      .where('a.region_code', BENCH_REGION)
      .whereRaw('a.number = ANY(?::text[])', [toStart]) // one parameter: a list of 50,000 would be 50,000 of them
      .whereIn('a.status', ACTIVE_STATUSES)
      .select('a.*', 'c.birth_date');
    await pool(rows, startConcurrency, async (r) => {
      const filing: ApplicationFiling = {
        number: r.number, regionCode: r.region_code, queueType: r.queue_type, childIin: r.child_iin, childBirthDate: r.birth_date,
        applicantIin: r.applicant_iin, benefitCategory: r.benefit_category, groupYear: r.group_year, language: r.language,
        contacts: { email: r.email, phone: r.phone }, registeredAt: r.registered_at.getTime(),
      };
      try {
        // REJECT_DUPLICATE: a closed workflow (an application that ended) is never filed again.
        await temporal.workflow.start(applicationWorkflow, {
          workflowId: applicationWorkflowId(filing.number), taskQueue: APPLICATION_TASK_QUEUE, args: [{ filing }], workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        if (++started % 5000 === 0) process.stderr.write(`[bench] started ${started} workflows\n`);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    });
    startSeconds = (performance.now() - t1) / 1000;
  }
  let running = 0;
  let moved = performance.now();
  for (;;) {
    const now = await runningBenchWorkflows(temporal);
    if (now !== running) moved = performance.now();
    running = now;
    if (running >= expected) break;
    // An active application whose workflow has closed (terminated by hand, say) is not filed again
    // (REJECT_DUPLICATE): the count stops short. A run again starts every seeded workflow that is
    // missing; if that does not mend it, the seed is to be made again from an empty folder.
    if (performance.now() - moved > 60_000) {
      throw new Error(`seeding: ${running} of ${expected} active bench applications have a running workflow, and no more for a minute; run again, or start from an empty BENCH_DATA_DIR`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const runningSeconds = (performance.now() - t1) / 1000;
  const after = before === undefined ? undefined : await filingRowsFingerprint(db, written);
  return {
    queued: count,
    written: written.length,
    bulkSeconds: round(bulkSeconds),
    started,
    startConcurrency,
    startSeconds: round(startSeconds),
    runningSeconds: round(runningSeconds),
    seconds: round((performance.now() - t0) / 1000),
    workflowsRunning: running,
    filingStepWroteNothing: before === undefined ? null : before === after,
  };
}
