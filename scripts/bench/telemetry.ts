// Figure 7 of `npm run bench` (`--telemetry-requests N`; alone: `node --import tsx
// scripts/bench/telemetry.ts [--requests N --rounds R]`): what logs, metrics and traces cost per
// request. The API's own three middlewares (api/request-log.ts, request-metrics.ts,
// request-trace.ts) wrap a route of the API's shape that answers at once, in a server process of
// their own, and N requests go to it over loopback HTTP, each variant turning one more of them on.
// The figure is that server process's CPU time per request (utime + stime from /proc): the client
// and the trace collector are this process, not counted. Measured on the whole API instead, each
// request's database round trips make the run-to-run noise larger than these costs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import pino from 'pino';
import { requestLog } from '../../api/request-log';
import { requestMetrics } from '../../api/request-metrics';
import { requestTrace } from '../../api/request-trace';
import { createLogger } from '../../telemetry/log';
import { createMetricsRegistry } from '../../telemetry/metrics';
import { startTracing, type Tracing } from '../../telemetry/tracing';
import { percentile, pool, round } from './load';

export interface TelemetryBenchOptions {
  requests: number;
  /** How many times each variant runs (default 5); the figure is each one's median. */
  rounds?: number;
  concurrency?: number;
}

/** A collector that takes every OTLP/HTTP export and answers 200, so the exporter does its whole work. */
async function otlpSink(): Promise<{ url: string; exports: () => number; close(): Promise<void> }> {
  let exports = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

interface Variant {
  logs: boolean;
  metrics: boolean;
  traces: boolean;
}

/** The telemetry middlewares in the API's order around one route of the API's shape. */
function appOf(v: Variant, tracing: Tracing | undefined): Koa {
  const app = new Koa();
  // Written as the API writes to stdout (synchronously), to a sink: the cost of formatting and writing, not of a terminal.
  const log = createLogger({ name: 'api', level: v.logs ? 'info' : 'silent', destination: pino.destination({ dest: '/dev/null', sync: true }) });
  app.use(requestLog(log));
  if (tracing) app.use(requestTrace(tracing.tracer));
  if (v.metrics) app.use(requestMetrics(createMetricsRegistry()));
  const router = new Router();
  router.get('/api/v1/public/applications/:number', (ctx) => {
    ctx.body = { number: ctx.params.number, status: 'queued', queueNumbers: { general: 1204, benefit: null } };
  });
  app.use(router.routes());
  return app;
}

/** CPU seconds (user + system) a process has used so far: fields 14 and 15 of /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** This file as the server of one variant, in a process of its own; resolves with its port once it listens. */
async function serveVariant(name: string, sinkUrl: string): Promise<{ pid: number; url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--serve', name, sinkUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${name} server exited (${code})`)));
    child.stdout!.once('data', (b) => resolve(Number(String(b).trim())));
  });
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}/api/v1/public/applications/`,
    stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))),
  };
}

async function measure(name: string, sinkUrl: string, opts: TelemetryBenchOptions, concurrency: number) {
  const server = await serveVariant(name, sinkUrl);
  try {
    const send = async (i: number) => {
      const started = performance.now();
      const res = await fetch(`${server.url}${75_000_000 + i}`);
      await res.text();
      if (!res.ok) throw new Error(`${res.status}`);
      return performance.now() - started;
    };
    // Warm-up: the JIT and the first exports are not the steady cost.
    await pool(Array.from({ length: 1000 }, (_, i) => i), concurrency, async (i) => void (await send(i)));
    const latencies: number[] = [];
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    await pool(Array.from({ length: opts.requests }, (_, i) => i), concurrency, async (i) => void latencies.push(await send(i)));
    const cpu = cpuSeconds(server.pid) - cpu0;
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    return { cpuMicrosPerRequest: (cpu * 1e6) / opts.requests, perSecond: opts.requests / seconds, p50ms: percentile(latencies, 50) };
  } finally {
    await server.stop();
  }
}

const VARIANTS: Record<string, Variant> = {
  none: { logs: false, metrics: false, traces: false },
  logs: { logs: true, metrics: false, traces: false },
  metrics: { logs: false, metrics: true, traces: false },
  traces: { logs: false, metrics: false, traces: true },
  all: { logs: true, metrics: true, traces: true },
};

export async function benchTelemetryCost(opts: TelemetryBenchOptions) {
  const sink = await otlpSink();
  const rounds = opts.rounds ?? 5;
  const concurrency = opts.concurrency ?? 8;
  // The variants take turns, round after round, and each keeps its median: the machine's drift and
  // its moments of other work fall on all of them alike.
  const runs = new Map<string, Awaited<ReturnType<typeof measure>>[]>();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const name of Object.keys(VARIANTS)) runs.set(name, [...(runs.get(name) ?? []), await measure(name, sink.url, opts, concurrency)]);
    }
  } finally {
    await sink.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results = Object.fromEntries(
    [...runs].map(([name, rs]) => [
      name,
      {
        cpuMicrosPerRequest: round(median(rs.map((r) => r.cpuMicrosPerRequest)), 0),
        requestsPerSecond: round(median(rs.map((r) => r.perSecond)), 0),
        p50ms: round(median(rs.map((r) => r.p50ms)), 2),
        cpuMicrosEachRound: rs.map((r) => round(r.cpuMicrosPerRequest, 0)),
      },
    ]),
  );
  const base = results.none!.cpuMicrosPerRequest;
  const extraCpuMicrosPerRequest = Object.fromEntries(Object.entries(results).filter(([k]) => k !== 'none').map(([k, v]) => [k, v.cpuMicrosPerRequest - base]));
  return { requests: opts.requests, rounds, concurrency, variants: results, extraCpuMicrosPerRequest, traceExports: sink.exports() };
}

const serving = process.argv.indexOf('--serve');
if (require.main === module && serving >= 0) {
  // A variant's server: listens on a free port, says which on stdout, runs until SIGTERM.
  const variant = VARIANTS[process.argv[serving + 1]!]!;
  const tracing = variant.traces ? startTracing({ serviceName: 'kindergarten-queue-api', endpoint: process.argv[serving + 2] }) : undefined;
  const server = http.createServer(appOf(variant, tracing).callback());
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void (tracing?.shutdown() ?? Promise.resolve()).then(() => process.exit(0)));
  });
} else if (require.main === module) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  void (async () => {
    const { machine } = await import('./documents');
    const figure = await benchTelemetryCost({ requests: arg('requests', 20_000), rounds: arg('rounds', 5) });
    console.log(JSON.stringify({ figure: 'telemetry cost', ...figure, machine: machine() }));
  })();
}
