import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import Koa from 'koa';
import { requestTrace } from '../../api/request-trace';
import { listen } from '../../api/server';
import { workflowSpanSinks } from '../../telemetry/temporal-tracing';
import { startTracing, type Tracing } from '../../telemetry/tracing';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, type Family } from '../helpers/factories';
import { loadHistory } from '../helpers/histories';
import { eventually } from '../helpers/waits';

// One provider per file: OpenTelemetry registers it globally, and this file's tests share it.
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let api: ApiHarness;
beforeAll(async () => {
  tracing = startTracing({ serviceName: 'kindergarten-queue-api', exporter })!;
  api = await startApi({ tracing });
});
afterAll(async () => {
  await api?.close();
  await tracing?.shutdown();
});

const finished = () => exporter.getFinishedSpans();
const idOf = (s: ReadableSpan) => s.spanContext().spanId;
const traceOf = (s: ReadableSpan) => finished().filter((t) => t.spanContext().traceId === s.spanContext().traceId);

/** The one span of `spans` named `name`. */
function one(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`${found.length} spans named ${name} among ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

/** Each named span's parent, by name, within its trace. */
function parents(spans: ReadableSpan[], names: string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((n) => [n, spans.find((p) => idOf(p) === one(spans, n).parentSpanId)?.name]));
}

/** The first ended span that `match`es, once there is one (workflow spans leave the sandbox after the activation). */
async function endedSpan(match: (s: ReadableSpan) => boolean, what: string): Promise<ReadableSpan> {
  return (await eventually(async () => finished().find(match), Boolean, what))!;
}

describe('traces follow a request from the API through its workflow to the activities', () => {
  let family: Family;
  let number: string;

  it('filing is one trace: the HTTP span, the client call, the workflow run and its activity', async () => {
    family = await buildFamily(api.db);
    const filed = await api.file(family);
    expect(filed.status).toBe(201);
    number = filed.body.number;
    // A workflow's RunWorkflow span ends, and is exported, when the workflow does: leaving the queue ends it.
    expect((await api.act(family.parentIin, number, 'leave-queue')).status).toBe(200);
    const run = await endedSpan(
      (s) => s.name === 'RunWorkflow:applicationWorkflow' && s.attributes.workflowId === number,
      'the RunWorkflow span, ended with the workflow',
    );

    const spans = traceOf(run);
    const server = one(spans, 'POST /api/v1/applications');
    expect(parents(spans, [
      'POST /api/v1/applications',
      'UpdateWithStartWorkflow:fileApplication',
      'RunWorkflow:applicationWorkflow',
      'HandleUpdate:fileApplication',
      'StartActivity:loadRuleSettings',
      'RunActivity:loadRuleSettings',
    ])).toEqual({
      'POST /api/v1/applications': undefined, // the request came without a traceparent: a new trace
      'UpdateWithStartWorkflow:fileApplication': 'POST /api/v1/applications',
      'RunWorkflow:applicationWorkflow': 'UpdateWithStartWorkflow:fileApplication',
      'HandleUpdate:fileApplication': 'UpdateWithStartWorkflow:fileApplication',
      'StartActivity:loadRuleSettings': 'RunWorkflow:applicationWorkflow',
      'RunActivity:loadRuleSettings': 'StartActivity:loadRuleSettings',
    });
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/api/v1/applications',
      'url.path': '/api/v1/applications',
      'http.response.status_code': 201,
    });
    expect(server.resource.attributes['service.name']).toBe('kindergarten-queue-api');
    // Of the WorkflowInfo the interceptors copy onto workflow spans, only what names the run.
    expect(Object.keys(run.attributes).sort()).toEqual(['namespace', 'runId', 'taskQueue', 'workflowId', 'workflowType']);
  });

  it('an action is a trace of its own: route pattern, update call, handler; no IIN on any span', async () => {
    const client = await endedSpan(
      (s) => s.name === 'StartWorkflowUpdate:leaveQueue' && s.attributes.temporalWorkflowId === number,
      'the leaveQueue update’s client span',
    );
    const spans = traceOf(client);
    const route = 'POST /api/v1/applications/:number/leave-queue';
    expect(parents(spans, [route, 'StartWorkflowUpdate:leaveQueue', 'HandleUpdate:leaveQueue'])).toEqual({
      [route]: undefined,
      'StartWorkflowUpdate:leaveQueue': route,
      'HandleUpdate:leaveQueue': 'StartWorkflowUpdate:leaveQueue',
    });
    expect(one(spans, route).attributes['url.path']).toBe(`/api/v1/applications/${number}/leave-queue`);
    // The update ID is `iin:nonce`: the span keeps the nonce only.
    expect(client.attributes.temporalUpdateId).toMatch(/^\{iin\}:.+/);

    const everything = JSON.stringify(
      finished().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links })),
    );
    expect(everything).toContain(number);
    expect(everything).not.toContain(family.parentIin);
    expect(everything).not.toContain(family.childIin);
  });

  it('a request continues the caller’s trace; the span keeps the path without its query and masks an IIN in it', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const iin = family.childIin;
    const res = await api.request('GET', `/api/v1/no-such-thing/${iin}?iin=${iin}&token=secret`, {
      headers: { traceparent: `00-${traceId}-${parentId}-01` },
    });
    expect(res.status).toBe(404);
    const server = await endedSpan((s) => s.spanContext().traceId === traceId, 'the request’s span');
    expect(server.parentSpanId).toBe(parentId);
    // No route matched: the span is named for the method alone, and has no http.route.
    expect(server.name).toBe('GET');
    expect(server.attributes).toEqual({ 'http.request.method': 'GET', 'url.path': '/api/v1/no-such-thing/{iin}', 'http.response.status_code': 404 });
    expect(server.status.code).toBe(SpanStatusCode.UNSET); // a 4xx is the client's, not an error of the server
  });

  it('a 5xx marks the span as an error', async () => {
    const app = new Koa();
    app.silent = true;
    app.use(requestTrace(tracing.tracer));
    app.use(() => {
      throw new Error('broken');
    });
    const server = await listen(app, 0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/anything`);
      expect(res.status).toBe(500);
    } finally {
      server.close();
    }
    const span = finished().find((s) => s.attributes['url.path'] === '/anything')!;
    expect(span.attributes['http.response.status_code']).toBe(500);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe('tracing can be switched either way under running workflows', () => {
  it('every recorded history replays on a traced worker', async () => {
    const folder = path.join(__dirname, '..', 'fixtures', 'histories');
    const names = fs.readdirSync(folder).filter((f) => f.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(24);
    const results = Worker.runReplayHistories(
      { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_TRACED_PATH! }, sinks: workflowSpanSinks(tracing) },
      names.map((name) => ({ workflowId: name, history: loadHistory(name) })),
    );
    const failed: string[] = [];
    for await (const r of results) if (r.error) failed.push(`${r.workflowId}: ${r.error.message}`);
    expect(failed).toEqual([]);
  });

  it('a history made on a traced worker replays on an untraced one', async () => {
    const family = await buildFamily(api.db);
    const number = (await api.file(family)).body.number as string;
    expect((await api.act(family.parentIin, number, 'confirm-interest')).status).toBe(200);
    const history = await api.env.client.workflow.getHandle(number).fetchHistory();
    expect(JSON.stringify(history)).toContain('_tracer-data'); // the trace context did travel in headers
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH! } }, history, number);
  });
});
