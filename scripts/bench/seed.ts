import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { addDays, reconfirmationDeadline } from '../../domain/almaty-time';
import { makeIin } from '../../db/seeds/iin';
import { DEFAULT_RULE_SETTINGS } from '../../domain/rule-settings';
import { applicationRow } from '../../activities/applications';
import { applicationWorkflow } from '../../workflows/application';
import { APPLICATION_TASK_QUEUE, type ApplicationFiling } from '../../contracts/application';
import { countOf, pool } from './load';

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
 * `count` queued applications as filing through the API leaves them: the read-model row, then the
 * application's workflow, whose filing step finds the row and records the first history event.
 * Rows go in by bulk insert and workflows start many at a time, which filing one by one would not.
 */
export async function seedApplications(db: Db, temporal: Client, count: number): Promise<void> {
  // Within the last 11 months, so no reconfirmation (R6.1) falls due while the benchmark runs.
  const span = 330 * 86_400_000;
  const registeredFrom = Date.now() - span;
  const step = Math.floor(span / Math.max(1, count));
  const filings: ApplicationFiling[] = Array.from({ length: count }, (_, i) => {
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
  for (let start = 0; start < count; start += BATCH) {
    // Exactly as recordFiling writes it, so the workflow finds its own row and goes on.
    const rows = filings.slice(start, start + BATCH).map((f) =>
      applicationRow(f, reconfirmationDeadline(f.registeredAt, 1, DEFAULT_RULE_SETTINGS.reconfirmationMonths)),
    );
    await db('applications').insert(rows).onConflict('number').ignore();
  }
  await db('registration_counters')
    .insert({ region_code: BENCH_REGION, queue_type: 'general', year: 2026, last: count })
    .onConflict(['region_code', 'queue_type', 'year'])
    .merge({ last: db.raw('GREATEST(registration_counters.last, EXCLUDED.last)') });
  let started = 0;
  await pool(filings, 64, async (filing) => {
    await temporal.workflow
      .start(applicationWorkflow, { workflowId: filing.number, taskQueue: APPLICATION_TASK_QUEUE, args: [{ filing }] })
      .catch((err) => {
        if (err?.name !== 'WorkflowExecutionAlreadyStartedError') throw err;
      });
    if (++started % 5000 === 0) process.stderr.write(`[bench] started ${started} workflows\n`);
  });
  // Seeded once the workflows have recorded their filing events.
  for (;;) {
    const n = await countOf(db('application_events').whereIn('application_number', db('applications').where({ region_code: BENCH_REGION }).select('number')));
    if (Number(n) >= count) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
