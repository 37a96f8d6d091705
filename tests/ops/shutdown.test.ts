import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { testPkiDir } from '../helpers/pki';
import { freePort, runProcess, untilReady, type Child } from '../helpers/processes';

const START_MS = 90_000;
// What the child needs to exit after its grace: closing the Temporal connection and the pool.
const EXIT_MARGIN_MS = 15_000;

/** The real API as its own process, as `npm start` runs it, with `grace` seconds of SHUTDOWN_GRACE_SECONDS. */
async function startApiProcess(grace: number): Promise<{ api: Child; port: number }> {
  const port = freePort();
  const api = runProcess('api/main.ts', {
    NODE_ENV: 'test',
    PORT: String(port),
    METRICS_PORT: '0',
    SHUTDOWN_GRACE_SECONDS: String(grace),
    TRUST_STORE_DIR: path.join(testPkiDir(), 'trust'),
    CHALLENGE_KEY: randomBytes(32).toString('base64'),
    // The burst is of anonymous requests from one address.
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
  });
  await untilReady(api, `http://127.0.0.1:${port}/readyz`, START_MS);
  return { api, port };
}

interface Reply {
  /** 0 when no status line came back. */
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
  /** The whole answer came: its status line, headers and as many body bytes as Content-Length says. */
  complete: boolean;
  /** A socket error (ECONNRESET…), if the connection ended by one. */
  error?: string;
  at: number;
}

interface Held {
  /** Sends the rest of the request. */
  finish(): void;
  /** What came back, once the server closed the connection. */
  reply: Promise<Reply>;
}

function parse(raw: Buffer, error?: string): Reply {
  const at = Date.now();
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) return { status: 0, headers: {}, body: '', complete: false, error, at };
  const [statusLine, ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = raw.subarray(split + 4);
  const complete = headers['content-length'] !== undefined && body.length === Number(headers['content-length']);
  return { status: Number(statusLine!.split(' ')[1]), headers, body: body.toString('utf8'), complete, error, at };
}

/**
 * A request sent in two parts over its own connection: `head` now, `rest` on finish(). Until then
 * the server holds it in flight — reading its body, or its headers — as it would a slow client's.
 */
function hold(port: number, head: string, rest: string): Promise<Held> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
      reject(err);
    });
    const reply = new Promise<Reply>((done) => socket.on('close', () => done(parse(Buffer.concat(chunks), error))));
    socket.on('connect', () => socket.write(head, () => resolve({ finish: () => socket.write(rest), reply })));
  });
}

const LOGIN_BODY = JSON.stringify({ signedXml: '<login/>' });
/** A login whose body is half sent: the API reads bodies before routing. */
const slowBody = (port: number) =>
  hold(port, `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${LOGIN_BODY.length}\r\n\r\n${LOGIN_BODY.slice(0, 10)}`, LOGIN_BODY.slice(10));
/** A GET whose headers have not ended: Node has begun parsing it, so it is not an idle connection. */
const slowHeaders = (port: number, url: string) => hold(port, `GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\n`, 'Accept: application/json\r\n\r\n');

/** Whether a new TCP connection to the port is refused. */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });

async function firstRefusal(port: number, withinMs: number): Promise<number> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await refused(port)) return Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`new connections still accepted ${withinMs} ms after SIGTERM`);
}

describe('SIGTERM: the API drains, then exits', () => {
  let api: Child | undefined;
  afterEach(() => api?.stop());

  it('answers every request in flight at the signal, refuses new connections, says not ready, and exits 0 within the grace', async () => {
    const grace = 10;
    const started = await startApiProcess(grace);
    api = started.api;
    const { port } = started;
    // A burst of 24 requests in flight at once: logins uploading their bodies, public lists and
    // readiness checks still sending their headers.
    const held = await Promise.all([
      ...Array.from({ length: 8 }, () => slowBody(port)),
      ...Array.from({ length: 8 }, () => slowHeaders(port, '/api/v1/public/places?regionCode=75')),
      ...Array.from({ length: 8 }, () => slowHeaders(port, '/readyz')),
    ]);
    // Ordering, not speed: the server is to have read every first part before the signal comes.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await refused(port)).toBe(false);

    const signalledAt = Date.now();
    api.process.kill('SIGTERM');
    const refusedAt = await firstRefusal(port, 5000);
    for (let i = 0; i < 3; i++) expect(await refused(port)).toBe(true);
    // Still in flight after the listener closed: the process waits for them.
    expect(api.process.exitCode).toBeNull();

    for (const h of held) h.finish();
    const replies = await Promise.all(held.map((h) => h.reply));
    for (const [i, r] of replies.entries()) {
      // Answered in full, and told the connection ends: a keep-alive client does not send it another.
      expect([i, r.complete, r.error, r.headers.connection]).toEqual([i, true, undefined, 'close']);
      expect(r.at).toBeLessThan(signalledAt + grace * 1000);
      expect(r.at).toBeGreaterThan(refusedAt);
    }
    const [logins, places, readiness] = [replies.slice(0, 8), replies.slice(8, 16), replies.slice(16)];
    // Answered as ever: a login whose document is no signature is refused with a problem; the list is served.
    for (const r of logins) expect([r.status, JSON.parse(r.body).code]).toEqual([expect.any(Number), expect.any(String)]);
    for (const r of logins) expect(r.status).toBeGreaterThanOrEqual(400);
    for (const r of places) expect(r.status).toBe(200);
    // Draining: not ready, whatever PostgreSQL and Temporal say.
    for (const r of readiness) expect([r.status, JSON.parse(r.body)]).toEqual([503, expect.objectContaining({ code: 'UNAVAILABLE', shuttingDown: true })]);

    const code = await api.exited;
    expect(code).toBe(0);
    expect(Date.now()).toBeLessThan(signalledAt + grace * 1000 + EXIT_MARGIN_MS);
    expect(api.output()).toContain('SIGTERM: not ready');
    expect(api.output()).not.toContain('cut ');
  }, START_MS + 60_000);

  it('cuts a request that outlives the grace, says so, and still exits 0', async () => {
    const grace = 1;
    const started = await startApiProcess(grace);
    api = started.api;
    const late = await slowBody(started.port);
    await new Promise((r) => setTimeout(r, 500));

    const signalledAt = Date.now();
    api.process.kill('SIGTERM');
    // Never finished: the server closes its connection once the grace is over, unanswered.
    const reply = await late.reply;
    expect([reply.status, reply.complete]).toEqual([0, false]);
    expect(reply.at).toBeGreaterThanOrEqual(signalledAt + grace * 1000 - 50);

    expect(await api.exited).toBe(0);
    expect(Date.now()).toBeLessThan(signalledAt + grace * 1000 + EXIT_MARGIN_MS);
    expect(api.output()).toContain('cut 1 connection(s) still open after the 1 s grace');
  }, START_MS + 60_000);
});
