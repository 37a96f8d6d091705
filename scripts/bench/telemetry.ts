// Figure 7 of `npm run bench` (`--telemetry-requests N`): what logs, metrics and traces cost per
// request. The same API is started once per variant on the bench's stack, each variant turning one
// more of them on through its settings alone, and answers the same N public look-ups; the figure is
// the API process's own CPU time per request (utime + stime from /proc, so neither the client nor
// the trace collector is counted) and the client's latency.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { percentile, pool, round } from './load';
import type { BenchStack } from './stack';

export interface TelemetryBenchOptions {
  requests: number;
  /** The paths requested, in turn (public look-ups of seeded applications). */
  path: (i: number) => string;
  concurrency?: number;
}

/** A collector that takes every OTLP/HTTP export and answers 200, so the API's exporter does its whole work. */
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

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function benchTelemetryCost(stack: BenchStack, opts: TelemetryBenchOptions) {
  const { freePort } = await import('../lib/ports.mjs');
  const sink = await otlpSink();
  const concurrency = opts.concurrency ?? 8;
  const off = { LOG_LEVEL: 'silent', METRICS_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: '' };
  const variants: [string, NodeJS.ProcessEnv][] = [
    ['none', off],
    ['logs', { ...off, LOG_LEVEL: 'info' }],
    ['metrics', { ...off, METRICS_PORT: String(await freePort()) }],
    ['traces', { ...off, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }],
    ['all', { LOG_LEVEL: 'info', METRICS_PORT: String(await freePort()), OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }],
  ];
  const results: Record<string, { cpuMicrosPerRequest: number; p50ms: number; p99ms: number }> = {};
  try {
    for (const [name, env] of variants) {
      const api = await stack.startApi(env);
      try {
        const send = async (i: number) => {
          const started = performance.now();
          const res = await fetch(`${api.url}${opts.path(i)}`);
          await res.text();
          if (!res.ok) throw new Error(`${opts.path(i)}: ${res.status}`);
          return performance.now() - started;
        };
        // Warm-up: the JIT, the pools and the first exports are not the steady cost.
        await pool(Array.from({ length: 500 }, (_, i) => i), concurrency, async (i) => void (await send(i)));
        const latencies: number[] = [];
        const cpu0 = cpuSeconds(api.pid);
        await pool(Array.from({ length: opts.requests }, (_, i) => i), concurrency, async (i) => void latencies.push(await send(i)));
        const cpu = cpuSeconds(api.pid) - cpu0;
        latencies.sort((a, b) => a - b);
        results[name] = { cpuMicrosPerRequest: round((cpu / opts.requests) * 1e6, 0), p50ms: round(percentile(latencies, 50), 2), p99ms: round(percentile(latencies, 99), 2) };
      } finally {
        await api.stop();
      }
    }
  } finally {
    await sink.close();
  }
  const base = results.none!.cpuMicrosPerRequest;
  const extra = Object.fromEntries(Object.entries(results).filter(([k]) => k !== 'none').map(([k, v]) => [k, v.cpuMicrosPerRequest - base]));
  return { requests: opts.requests, concurrency, route: 'GET /api/v1/public/applications/:number', variants: results, extraCpuMicrosPerRequest: extra, traceExports: sink.exports() };
}
