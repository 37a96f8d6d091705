import path from 'node:path';
import { testPkiDir } from '../helpers/pki';
import { sampleValue, scrape } from '../helpers/metrics';
import { freePort, runProcess, type Child } from '../helpers/processes';

// Bundling the workflows on two shared cores takes a while.
const START_MS = 150_000;

/** As `npm start` runs it, quieter: the SDK's Runtime is once per process, and jest's has one already. */
const run = (entry: string, env: Record<string, string>): Child => runProcess(entry, { LOG_LEVEL: 'warn', ...env });

/** Scrapes `url` until `ready` holds of its text, or fails with what the process said. */
async function scrapeWhen(child: Child, url: string, ready: (text: string) => boolean) {
  const deadline = Date.now() + START_MS;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`the process exited (${child.process.exitCode}):\n${child.output()}`);
    const res = await scrape(url).catch(() => undefined);
    if (res?.status === 200 && ready(res.text)) return res;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} not ready within ${START_MS / 1000} s; the process said:\n${child.output()}`);
}

describe('metrics endpoints of the processes `npm start` runs', () => {
  const children: Child[] = [];
  afterAll(() => Promise.all(children.map((c) => c.stop())));

  it("the worker serves the Temporal SDK's own Prometheus metrics at WORKER_METRICS_PORT", async () => {
    const port = freePort();
    const worker = run('worker/main.ts', {
      WORKER_METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      WORKER_HEALTH_PORT: '0',
      CREATE_SCHEDULES: 'false',
      REGISTER_SEARCH_ATTRIBUTES: 'false',
      NOTICE_DISPATCHER: 'false',
      DOCUMENT_DISPATCHER: 'false',
    });
    children.push(worker);
    // Pollers and slots show once the worker polls its task queue.
    const { text, samples } = await scrapeWhen(worker, `http://127.0.0.1:${port}/metrics`, (text) => /^temporal_num_pollers\{/m.test(text));
    const applications = { namespace: 'default', task_queue: 'applications' };
    expect(sampleValue(samples, 'temporal_num_pollers', { ...applications, poller_type: 'workflow_task' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'temporal_worker_task_slots_available', { ...applications, worker_type: 'WorkflowWorker' })).toBeGreaterThan(0);
    // The SDK's names and types, as its documentation lists them (counters without _total, latencies in ms).
    expect(text).toContain('# TYPE temporal_request counter');
    expect(text).toContain('# TYPE temporal_request_latency histogram');
    await worker.stop();
  }, START_MS + 30_000);

  it('the API serves its request metrics and the service figures at METRICS_PORT, not on its public port', async () => {
    const [port, metricsPort] = [freePort(), freePort()];
    const api = run('api/main.ts', {
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      TRUST_STORE_DIR: path.join(testPkiDir(), 'trust'),
    });
    children.push(api);
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    await scrapeWhen(api, url, (text) => text.includes('kq_dependency_up'));
    for (let i = 0; i < 2; i++) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    const { samples } = await scrape(url);
    expect(sampleValue(samples, 'kq_http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBe(2);
    expect(sampleValue(samples, 'kq_dependency_up', { dependency: 'postgres' })).toBe(1);
    expect(sampleValue(samples, 'kq_applications', { region: 'almaty', queue_type: 'general', status: 'queued' })).toEqual(expect.any(Number));
    await api.stop();
  }, START_MS + 30_000);
});
