import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { applicationWorkflowId, getStateQuery } from '../../contracts/application';
import type { Db } from '../../db/connection';
import { buildFamily, type Family } from '../helpers/factories';
import { testDb } from '../helpers/db';
import { testPkiDir } from '../helpers/pki';
import { freePort, runProcess, untilReady, type Child } from '../helpers/processes';
import { RetryingFiler, type FilingOutcome } from './retrying-filer';

// Two workers bundle their workflows at once on a shared 2-core machine: give them time.
const START_MS = 240_000;
jest.setTimeout(900_000);

const BEFORE = 8; // filings before the fault
const DURING = 16; // filings while one worker and one API are dead (and come back)
const AFTER = 8; // filings once both are back
const CONCURRENCY = 3;

/** One worker or API slot: its port stays, its process is replaced on a restart. */
interface Slot {
  name: string;
  readyUrl: string;
  start(): Child;
  child?: Child;
}

let db: Db;
let connection: Connection;
let client: Client;
const slots: Slot[] = [];

async function startSlot(slot: Slot): Promise<void> {
  slot.child = slot.start();
  await untilReady(slot.child, slot.readyUrl, START_MS);
}

/** SIGKILL: no grace, no shutdown hook — as a machine that loses power. */
async function kill(slot: Slot): Promise<void> {
  slot.child!.process.kill('SIGKILL');
  await slot.child!.exited;
}

/** Files for every family, `limit` at a time; `onDone` sees each outcome as it lands. */
async function fileAll(filer: RetryingFiler, families: Family[], onDone: (o: FilingOutcome) => void = () => {}): Promise<FilingOutcome[]> {
  const outcomes: FilingOutcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < families.length) {
        const outcome = await filer.file(families[next++]!);
        outcomes.push(outcome);
        onDone(outcome);
      }
    }),
  );
  return outcomes;
}

beforeAll(async () => {
  db = testDb();
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  client = new Client({ connection });
  const challengeKey = randomBytes(32).toString('base64'); // both APIs vouch for each other’s challenges
  for (let i = 1; i <= 2; i++) {
    const health = freePort();
    slots.push({
      name: `worker${i}`,
      readyUrl: `http://127.0.0.1:${health}/readyz`,
      start: () =>
        runProcess('worker/main.ts', {
          WORKER_HEALTH_PORT: String(health),
          WORKER_METRICS_PORT: '0',
          CREATE_SCHEDULES: 'false',
          NOTICE_DISPATCHER: 'false',
          DOCUMENT_DISPATCHER: 'false',
          LOG_LEVEL: 'warn',
          LOG_FORMAT: 'json',
        }),
    });
  }
  for (let i = 1; i <= 2; i++) {
    const port = freePort();
    slots.push({
      name: `api${i}`,
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      start: () =>
        runProcess('api/main.ts', {
          NODE_ENV: 'test',
          PORT: String(port),
          METRICS_PORT: '0',
          TRUST_STORE_DIR: path.join(testPkiDir(), 'trust'),
          CHALLENGE_KEY: challengeKey,
          RATE_LIMIT_EXEMPT: '127.0.0.1,::1',
          LOG_LEVEL: 'warn',
          LOG_FORMAT: 'json',
        }),
    });
  }
  await Promise.all(slots.map(startSlot));
});

afterAll(async () => {
  await Promise.all(slots.map((s) => s.child?.stop()));
  await connection?.close();
  await db?.destroy();
});

test('R2.5 with a worker and an API killed mid-run, every filing lands exactly once and its workflow agrees', async () => {
  const [worker1, , api1, api2] = slots as [Slot, Slot, Slot, Slot];
  const apiUrls = [api1, api2].map((s) => s.readyUrl.replace('/readyz', ''));
  const filer = new RetryingFiler(apiUrls);
  const families: Family[] = [];
  for (let i = 0; i < BEFORE + DURING + AFTER; i++) families.push(await buildFamily(db));

  const outcomes = await fileAll(filer, families.slice(0, BEFORE));

  // The fault: once filings flow (two landed, the others in flight), SIGKILL one worker and one API
  // and keep filing; bring them back once a quarter more has landed, while the rest are filed.
  let landed = 0;
  let killed: Promise<unknown> | undefined;
  let restarted: Promise<unknown> | undefined;
  const during = fileAll(filer, families.slice(BEFORE, BEFORE + DURING), () => {
    landed++;
    if (landed === 2) killed = Promise.all([kill(worker1), kill(api1)]);
    if (landed === 2 + DURING / 4) restarted = killed!.then(() => Promise.all([startSlot(worker1), startSlot(api1)]));
  });
  outcomes.push(...(await during));
  await restarted;
  outcomes.push(...(await fileAll(filer, families.slice(BEFORE + DURING))));

  // Nothing lost: every family got an answer naming its application.
  expect(outcomes).toHaveLength(families.length);
  // The dead API’s requests were retried at the other, and landed once.
  expect(outcomes.reduce((n, o) => n + o.retried, 0)).toBeGreaterThan(0);
  // A 409 names an application only an earlier, unanswered attempt can have filed.
  for (const o of outcomes.filter((o) => o.status === 409)) expect(o.retried).toBeGreaterThan(0);
  // The restarted API answers again.
  expect(outcomes.slice(BEFORE + DURING).flatMap((o) => o.answeredBy)).toContain(apiUrls[0]);

  // Nothing doubled: exactly one application per child, the one its family was told of.
  const rows: { child_iin: string; number: string; status: string }[] = await db('applications')
    .whereIn('child_iin', families.map((f) => f.childIin))
    .select('child_iin', 'number', 'status');
  expect(rows).toHaveLength(families.length);
  const byChild = new Map(rows.map((r) => [r.child_iin.trim(), r]));
  for (const o of outcomes) expect(byChild.get(o.family.childIin)?.number).toBe(o.number);

  // Each runs on Temporal, and its workflow says what the table says.
  for (const row of rows) {
    const handle = client.workflow.getHandle(applicationWorkflowId(row.number));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const state = await handle.query(getStateQuery);
    expect({ number: state.number, status: state.status }).toEqual({ number: row.number, status: row.status });
  }
});
