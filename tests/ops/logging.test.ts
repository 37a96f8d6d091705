/**
 * Logs (issue 14): one pino logger factory for every process; a line per API request with its
 * request ID; that ID carried into the workflows and activities the request causes, and onto their
 * log lines; IINs cut to six digits; never a token, signed XML or a body.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import Koa from 'koa';
import { createApp } from '../../api/app';
import { freshRequestId, requestLog } from '../../api/request-log';
import { listen } from '../../api/server';
import { requestIdOf } from '../../contracts/request-id';
import { MirroredPersonRegistry } from '../../db/person-registry';
import { createLogger, maskIins } from '../../telemetry/log';
import { requestIdClientInterceptor, runWithRequestId } from '../../telemetry/request-id';
import { startApi, type ApiHarness } from '../helpers/api';
import { unreachableDb } from '../helpers/db';
import { buildFamily } from '../helpers/factories';
import { signer } from '../helpers/pki';
import { uniqueId } from '../helpers/temporal';
import { waitUntil } from '../helpers/waits';

type Entry = Record<string, any>;

/** A logger's destination that keeps what was written. */
function captured() {
  const lines: string[] = [];
  return {
    destination: new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
    text: () => lines.join(''),
    entries: (): Entry[] => lines.map((l) => JSON.parse(l)),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const masked = (iin: string) => `${iin.slice(0, 6)}******`;

describe('the logger every process uses (telemetry/log.ts)', () => {
  const IIN = '900909403030';

  it('cuts every IIN to its first six digits: fields of any name and depth, messages, URLs, errors', () => {
    const out = captured();
    const log = createLogger({ name: 'test', destination: out.destination });
    log.info({ iin: IIN, parent: { childIin: IIN }, url: `/x?who=${IIN}`, list: [IIN] }, `login of ${IIN}`);
    log.error({ err: new Error(`no person ${IIN}`) }, 'failed');
    log.child({ parentIin: IIN }).warn('child');
    const text = out.text();
    expect(text).not.toContain(IIN);
    expect(text).not.toMatch(/(?<!\d)\d{12}(?!\d)/);
    const [info, error, child] = out.entries();
    expect(info).toMatchObject({ iin: '900909******', parent: { childIin: '900909******' }, url: '/x?who=900909******', list: ['900909******'], msg: 'login of 900909******' });
    expect(error!.err).toMatchObject({ message: 'no person 900909******', stack: expect.stringContaining('no person 900909******') });
    expect(child).toMatchObject({ parentIin: '900909******', msg: 'child' });
    // Longer and shorter runs of digits are not IINs, and stay.
    expect(maskIins('a 1234567890123 b 12345678901')).toBe('a 1234567890123 b 12345678901');
  });

  it('never writes a token, Authorization or cookie headers, signed XML or a body, at any of three levels', () => {
    const out = captured();
    const log = createLogger({ name: 'test', destination: out.destination });
    log.info({
      token: 'tok-secret-1',
      headers: { authorization: 'Bearer tok-secret-2', cookie: 'sid=tok-secret-3', 'set-cookie': 'sid=tok-secret-4', accept: 'application/json' },
      signedXml: '<a><ds:SignatureValue>sig</ds:SignatureValue></a>',
      request: { body: { signedXml: 'x' }, xml: '<SignatureValue/>' },
      answer: { pdf: 'JVBERi0x', html: '<p>private</p>' },
      kept: 'visible',
    });
    const text = out.text();
    for (const secret of ['tok-secret', 'SignatureValue', 'JVBERi0x', 'private']) expect(text).not.toContain(secret);
    expect(out.entries()[0]).toMatchObject({ headers: { accept: 'application/json' }, kept: 'visible' });
  });

  it('LOG_LEVEL: nothing below the level is written; LOG_FORMAT=pretty writes for people, masked too', () => {
    const out = captured();
    const log = createLogger({ name: 'test', level: 'warn', destination: out.destination });
    log.info('not written');
    log.warn('written');
    expect(out.entries().map((e) => [e.level, e.msg])).toEqual([['warn', 'written']]);

    const pretty = captured();
    createLogger({ name: 'test', format: 'pretty', destination: pretty.destination }).info({ iin: IIN }, 'hello');
    expect(pretty.text()).toMatch(/INFO.*\(test\): hello/);
    expect(pretty.text()).toContain('900909******');
    expect(pretty.text()).not.toContain(IIN);
    expect(() => JSON.parse(pretty.text())).toThrow();
  });
});

describe('the API request log (api/request-log.ts)', () => {
  let api: ApiHarness;
  const out = captured();
  beforeAll(async () => {
    api = await startApi({ log: createLogger({ name: 'api', level: 'debug', destination: out.destination }) });
  });
  afterAll(() => api?.close());

  /**
   * The request lines (with a status) of one request, once there is one: the line is written when
   * the answer has gone, which may be a moment after the client has read it.
   */
  const linesOf = (requestId: string) =>
    waitUntil(async () => out.entries().filter((e) => e.requestId === requestId && 'status' in e), (lines) => lines.length > 0, {
      label: `the request line of ${requestId}`,
    });

  it('writes one line per request when it completes: request ID, method, URL, route pattern, status, duration; the ID is echoed', async () => {
    const res = await fetch(`${api.baseUrl}/api/v1/public/places?regionCode=almaty`, { headers: { 'X-Request-Id': 'portal-42.a_b', 'User-Agent': 'portal-test-agent' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('portal-42.a_b');
    const lines = await linesOf('portal-42.a_b');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      name: 'api',
      requestId: 'portal-42.a_b',
      method: 'GET',
      url: '/api/v1/public/places?regionCode=almaty',
      route: '/api/v1/public/places',
      status: 200,
      durationMs: expect.any(Number),
    });
    for (const key of ['req', 'res', 'headers', 'body']) expect(lines[0]).not.toHaveProperty(key);
    expect(out.text()).not.toContain('portal-test-agent'); // no header, the user agent neither
  });

  it('names a request afresh (a UUID) when it brings no X-Request-Id, or one that is not a short plain token', async () => {
    for (const given of [undefined, 'a b', 'x'.repeat(65), 'id\u00e9', '<script>']) {
      const res = await fetch(`${api.baseUrl}/livez`, { headers: given === undefined ? {} : { 'X-Request-Id': given } });
      const id = res.headers.get('x-request-id')!;
      await res.text();
      expect([given, id]).toEqual([given, expect.stringMatching(UUID)]);
      expect(await linesOf(id)).toEqual([expect.objectContaining({ route: '/livez', status: 200, level: 'debug' })]); // a probe, at debug
    }
  });

  it('never names a request with a UUID the logs would mask as an IIN (its last group twelve digits)', () => {
    const made = ['0d3c8f4e-5a1b-4c2d-9e3f-123456789012', '0d3c8f4e-5a1b-4c2d-9e3f-12345678901a'];
    expect(freshRequestId(() => made.shift()!)).toBe('0d3c8f4e-5a1b-4c2d-9e3f-12345678901a');
    for (let i = 0; i < 1000; i++) expect(freshRequestId()).toMatch(UUID);
  });

  it('logs a refusal at warn with its problem code, and a route that does not exist without a route', async () => {
    const refused = await api.request('GET', '/api/v1/me', { headers: { 'X-Request-Id': 'refused-1' } });
    expect(refused.status).toBe(401);
    expect(await linesOf('refused-1')).toEqual([expect.objectContaining({ level: 'warn', status: 401, code: 'UNAUTHENTICATED', route: '/api/v1/me' })]);
    await api.request('GET', '/api/v1/nothing-here', { headers: { 'X-Request-Id': 'missing-1' } });
    const [missing] = await linesOf('missing-1');
    expect(missing).toMatchObject({ level: 'warn', status: 404, code: 'NOT_FOUND', url: '/api/v1/nothing-here' });
    expect(missing).not.toHaveProperty('route');
  });

  it('logs a 500 at error with the stack behind it; the client gets a problem with neither; the pool’s own warning is a JSON line too', async () => {
    const log = captured();
    const logger = createLogger({ name: 'api', destination: log.destination });
    const printed = jest.spyOn(console, 'log');
    const unreachable = unreachableDb(logger);
    const app = createApp({ ...api.deps, db: unreachable, registry: new MirroredPersonRegistry(unreachable), log: logger });
    const server = await listen(app, 0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/public/places?regionCode=almaty`, { headers: { 'X-Request-Id': 'fault-1' } });
      const text = await res.text();
      expect([res.status, res.headers.get('content-type'), JSON.parse(text).code]).toEqual([500, 'application/problem+json', 'INTERNAL']);
      expect(text).not.toMatch(/ECONNREFUSED|stack|\n\s+at /);
      const lines = log.entries().filter((e) => e.requestId === 'fault-1');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'error', status: 500, code: 'INTERNAL', route: '/api/v1/public/places' });
      expect(lines[0]!.err.stack).toMatch(/ECONNREFUSED[\s\S]*\n\s+at /);
      // knex's word that the pool could not connect: in the process's log, not printed beside it as plain text.
      expect(log.entries()).toContainEqual(expect.objectContaining({ level: 'warn', name: 'api', component: 'knex', msg: expect.stringMatching(/^Acquire connection error: .*ECONNREFUSED/) }));
      expect(printed.mock.calls.flat().join('\n')).not.toMatch(/Acquire connection error/);
    } finally {
      printed.mockRestore();
      server.close();
      await unreachable.destroy();
    }
  });

  it('writes one line, marked aborted, for a request its client gave up on before the answer', async () => {
    const log = captured();
    let arrived!: () => void;
    const inHandler = new Promise<void>((r) => (arrived = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handled!: () => void;
    const done = new Promise<void>((r) => (handled = r));
    const app = new Koa();
    app.use(requestLog(createLogger({ name: 'api', destination: log.destination })));
    app.use(async (ctx) => {
      arrived();
      await gate;
      ctx.body = 'too late';
      handled();
    });
    const server = await listen(app, 0, '127.0.0.1');
    try {
      const request = http.get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/slow', headers: { 'X-Request-Id': 'aborted-1' } });
      request.on('error', () => undefined);
      await inHandler;
      request.destroy();
      const lineOf = () => log.entries().filter((e) => e.requestId === 'aborted-1' && 'status' in e);
      await waitUntil(async () => lineOf(), (lines) => lines.length > 0, { label: 'the aborted request line' });
      release();
      await done;
      await new Promise((r) => setTimeout(r, 50));
      expect(lineOf()).toEqual([expect.objectContaining({ url: '/slow', msg: expect.stringContaining('(aborted)') })]);
    } finally {
      release();
      server.close();
    }
  });

  it('a login by signed XML: neither its token nor its signature nor a whole IIN is logged; the audit line carries the request ID', async () => {
    const family = await buildFamily(api.db);
    const audit: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
      if (typeof chunk === 'string' && chunk.includes('"name":"audit"')) audit.push(chunk);
      else return write(chunk, ...rest);
      return true;
    });
    const previous = process.env.AUDIT_LOG;
    delete process.env.AUDIT_LOG;
    let token: string;
    try {
      const challenge = await api.request('POST', '/api/v1/auth/challenge', { headers: { 'X-Request-Id': 'challenge-1' } });
      const body = await signer.login(family.parentIin, challenge.body.xml);
      expect(body.signedXml).toContain('SignatureValue');
      const login = await api.request('POST', '/api/v1/auth/login', { body, headers: { 'X-Request-Id': 'login-1' } });
      expect(login.status).toBe(200);
      token = login.body.token;
      expect((await api.request('GET', '/api/v1/me', { token, headers: { 'X-Request-Id': 'me-1' } })).status).toBe(200);
    } finally {
      process.env.AUDIT_LOG = previous;
      spy.mockRestore();
    }
    expect(await linesOf('login-1')).toEqual([expect.objectContaining({ status: 200, route: '/api/v1/auth/login' })]);
    expect(await linesOf('me-1')).toEqual([expect.objectContaining({ status: 200, route: '/api/v1/me' })]);
    const everything = out.text() + audit.join('');
    for (const secret of [token, 'SignatureValue', 'Bearer', family.parentIin]) expect(everything).not.toContain(secret);
    const logins = audit.map((l) => JSON.parse(l)).filter((e) => e.event === 'login');
    expect(logins).toEqual([expect.objectContaining({ name: 'audit', requestId: 'login-1', iin: masked(family.parentIin) })]);
  });

  it('the request ID goes with the start and update a request causes, and on to their activities (Temporal headers)', async () => {
    const family = await buildFamily(api.db);
    const filing = { regionCode: 'almaty', childIin: family.childIin, contacts: { email: 'p@example.kz', phone: '+77010000000' } };
    const filed = await api.request('POST', '/api/v1/applications', { iin: family.parentIin, body: await api.sign(family.parentIin, 'fileApplication', filing), headers: { 'X-Request-Id': 'file-1' } });
    expect(filed.status).toBe(201);
    const number: string = filed.body.number;
    const body = await api.sign(family.parentIin, 'leaveQueue', { applicationNumber: number });
    const left = await api.request('POST', `/api/v1/applications/${encodeURIComponent(number)}/leave-queue`, { iin: family.parentIin, body, headers: { 'X-Request-Id': 'leave-1' } });
    expect(left.status).toBe(200);

    const events = (await api.env.client.workflow.getHandle(number).fetchHistory()).events ?? [];
    const started = events.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!;
    expect(requestIdOf(started.header?.fields ?? undefined)).toBe('file-1');
    const updates = events.flatMap((e) => (e.workflowExecutionUpdateAcceptedEventAttributes ? [e.workflowExecutionUpdateAcceptedEventAttributes] : []));
    expect(updates.map((u) => [u.acceptedRequest?.input?.name, requestIdOf(u.acceptedRequest?.input?.header?.fields ?? undefined)])).toEqual([
      ['fileApplication', 'file-1'],
      ['leaveQueue', 'leave-1'],
    ]);
    // Filing writes before it starts the workflow; leaving the queue is recorded by activities the update's handler schedules.
    const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    expect(scheduled.length).toBeGreaterThan(0);
    expect(scheduled.map((a) => [a.activityType?.name, requestIdOf(a.header?.fields ?? undefined)])).toEqual(scheduled.map((a) => [a.activityType?.name, 'leave-1']));
  });
});

describe('the worker process logs through the same logger, with the request ID on workflow and activity lines', () => {
  const ROOT = path.resolve(__dirname, '..', '..');
  const START_MS = 150_000; // bundling on two shared cores takes a while
  const taskQueue = uniqueId('logging');
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  const entries = (): Entry[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'logging-worker.ts'), taskQueue], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'debug', LOG_FORMAT: 'json', WORKER_METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b) => (stdout += b));
    child.stderr!.on('data', (b) => (stderr += b));
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}):\n${stdout}${stderr}`);
        return stdout.includes('"msg":"test worker polling"');
      },
      Boolean,
      { label: 'the logging worker', expect: 'its line "test worker polling"', timeoutMs: START_MS, show: () => `${stdout}${stderr}`.slice(-2000) },
    );
  }, START_MS + 10_000);

  afterAll(async () => {
    if (!child || child.exitCode !== null || child.signalCode) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }, 30_000);

  it('bundles the workflows once and says so in one line; webpack’s report only at debug; every line JSON', () => {
    const lines = entries(); // throws on any line that is not JSON
    const built = lines.filter((e) => /^workflow bundle built in \d+ ms, \d+ KiB$/.test(e.msg));
    expect(built).toEqual([expect.objectContaining({ level: 'info', name: 'worker', durationMs: expect.any(Number), sizeKiB: expect.any(Number) })]);
    const webpack = lines.filter((e) => /webpack|asset workflow-bundle/i.test(e.msg ?? ''));
    expect(webpack.length).toBeGreaterThan(0);
    expect(webpack.every((e) => e.level === 'debug')).toBe(true);
  });

  it('the request ID a start brings is on the workflow’s log line and on its activity’s', async () => {
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection, interceptors: { workflow: [requestIdClientInterceptor] } });
      const workflowId = uniqueId('logging-calendar');
      // A calendar day no deadline runs past: the run asks the database, signals nobody and logs its line.
      const result = await runWithRequestId('operator-req-7', () =>
        client.workflow.execute('announceCalendarChangeWorkflow', { taskQueue, workflowId, args: [{ change: { day: '2999-01-01', regionCode: null } }] }),
      );
      expect(result).toEqual({ signalled: 0 });
      const ofRun = () => entries().filter((e) => e.workflowId === workflowId);
      // The Runtime sorts its lines for 100 ms before they are written.
      await waitUntil(async () => ofRun(), (lines) => lines.some((e) => e.msg === 'calendar change announced'), { label: 'the workflow log line', show: () => stdout.slice(-2000) });
      const lines = ofRun();
      expect(lines.find((e) => e.msg === 'calendar change announced')).toMatchObject({ level: 'info', sdkComponent: 'workflow', requestId: 'operator-req-7', day: '2999-01-01' });
      const activity = lines.filter((e) => e.activityType === 'listApplicationsAffectedByCalendarChange');
      // From its header on: the SDK writes "Activity started" before any interceptor has seen the header.
      expect(activity.find((e) => e.msg === 'Activity completed')).toMatchObject({ level: 'debug', requestId: 'operator-req-7', durationMs: expect.any(Number) });
      expect(activity.some((e) => 'taskToken' in e)).toBe(false); // it completes the activity: a credential
    } finally {
      await connection.close();
    }
  });
});
