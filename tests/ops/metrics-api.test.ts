import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { createApp } from '../../api/app';
import { serveMetrics } from '../../api/metrics-server';
import { listen } from '../../api/server';
import { createMetricsRegistry } from '../../telemetry/metrics';
import { registerServiceFigures } from '../../telemetry/service-figures';
import { startApi, type ApiHarness } from '../helpers/api';
import { sampleValue, scrape, type Sample } from '../helpers/metrics';

const LOOKUP = '/api/v1/public/applications/:number';

describe('the API metrics: requests by route pattern and status, on a port of their own', () => {
  let api: ApiHarness;
  let registry: Registry;
  let apiServer: Server;
  let metricsServer: Server;
  let apiUrl: string;
  let metricsUrl: string;

  beforeAll(async () => {
    api = await startApi();
    registry = createMetricsRegistry();
    registerServiceFigures(registry, { db: api.db, temporal: api.deps.temporal, maxAgeMs: 0 });
    apiServer = await listen(createApp({ ...api.deps, metrics: registry }), 0, '127.0.0.1');
    metricsServer = await serveMetrics(registry, 0, '127.0.0.1');
    apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
    metricsUrl = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    apiServer?.close();
    metricsServer?.close();
    await api?.close();
  });

  const requests = (samples: Sample[], method: string, route: string, status: string) => sampleValue(samples, 'kq_http_requests_total', { method, route, status }) ?? 0;

  it('counts each request once under its route pattern and status, never its raw path', async () => {
    const before = (await scrape(`${metricsUrl}/metrics`)).samples;
    const numbers = ['75.UO.2026.900001.1', '75.UO.2026.900002.1', '75.UO.2026.900003.1'];
    for (const number of numbers) expect((await fetch(`${apiUrl}/api/v1/public/applications/${number}`)).status).toBe(404);
    expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${apiUrl}/no/such/path/900004`)).status).toBe(404);
    expect((await fetch(`${apiUrl}/api/v1/public/places?limit=0`)).status).toBe(400);

    const { status, type, text, samples } = await scrape(`${metricsUrl}/metrics`);
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(requests(samples, 'GET', LOOKUP, '404') - requests(before, 'GET', LOOKUP, '404')).toBe(3);
    expect(requests(samples, 'GET', '/healthz', '200') - requests(before, 'GET', '/healthz', '200')).toBe(1);
    expect(requests(samples, 'GET', 'unmatched', '404') - requests(before, 'GET', 'unmatched', '404')).toBe(1);
    expect(requests(samples, 'GET', '/api/v1/public/places', '400') - requests(before, 'GET', '/api/v1/public/places', '400')).toBe(1);
    for (const raw of [...numbers, '900004']) expect(text).not.toContain(raw);
  });

  it('times requests in a histogram per route and status: cumulative buckets up to +Inf, a count and a sum', async () => {
    const { samples } = await scrape(`${metricsUrl}/metrics`);
    const labels = { method: 'GET', route: LOOKUP, status: '404' };
    const buckets = samples.filter((s) => s.name === 'kq_http_request_duration_seconds_bucket' && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const count = sampleValue(samples, 'kq_http_request_duration_seconds_count', labels);
    expect(count).toBe(requests(samples, 'GET', LOOKUP, '404'));
    expect(counts.at(-1)).toBe(count);
    expect(sampleValue(samples, 'kq_http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
  });

  it("carries the process's own figures and the service's, as PostgreSQL has them", async () => {
    const { samples } = await scrape(`${metricsUrl}/metrics`);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect([name, sampleValue(samples, name)]).toEqual([name, expect.any(Number)]);
    }
    const [row] = await api.db('applications').where({ region_code: 'almaty', queue_type: 'general', status: 'queued' }).count({ n: '*' });
    expect(sampleValue(samples, 'kq_applications', { region: 'almaty', queue_type: 'general', status: 'queued' })).toBe(Number(row!.n));
    expect(sampleValue(samples, 'kq_dependency_up', { dependency: 'temporal' })).toBe(1);
  });

  it('serves GET /metrics only, and the public API port does not serve it at all', async () => {
    const other = await fetch(`${metricsUrl}/`);
    expect([other.status, other.headers.get('content-type'), ((await other.json()) as { code: string }).code]).toEqual([404, 'application/problem+json', 'NOT_FOUND']);
    const post = await fetch(`${metricsUrl}/metrics`, { method: 'POST' });
    expect([post.status, post.headers.get('allow'), ((await post.json()) as { code: string }).code]).toEqual([405, 'GET', 'METHOD_NOT_ALLOWED']);
    expect((await fetch(`${apiUrl}/metrics`)).status).toBe(404);
  });
});
