import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createApp, type AppDeps } from '../../api/app';
import { listen } from '../../api/server';
import { authSettings } from '../../api/auth-settings';
import type { LimitSettings } from '../../api/rate-limit';
import { TrustStore } from '../../api/signature/trust-store';
import { XmlDsigVerifier } from '../../api/signature/verifier';
import type { Db } from '../../db/connection';
import { MirroredPersonRegistry } from '../../db/person-registry';
import type { Tracing } from '../../telemetry/tracing';
import { tracedClientInterceptors } from '../../telemetry/temporal-tracing';
import type { Logger } from '../../telemetry/log';
import { requestIdClientInterceptor } from '../../telemetry/request-id';
import type { CertificateHolder } from '../../domain/identity';
import { testDb } from './db';
import { signedAction, signer, testPkiDir } from './pki';
import { serviceCertificates as serviceCertificatesOf } from '../../activities/service-key';
import { createDevServerEnv, createTestWorker } from './temporal';
import { RefereedVerifier } from './xmlsec1';
import { schemaCheckedAnswers } from './answers';

export interface Answer {
  status: number;
  type: string;
  body: any;
}

export interface ApiHarness {
  db: Db;
  env: TestWorkflowEnvironment;
  baseUrl: string;
  /** What the API was created with, to create another beside it. */
  deps: AppDeps;
  /**
   * Sends a request and parses the JSON answer. `iin` logs that person in first (by a signed
   * challenge, as a portal would; once per person) and sends their session token.
   */
  request(method: string, path: string, opts?: { iin?: string; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer>;
  /** Logs in by digital signature; gives the first-login e-mail unless `email` is null. */
  login(iin: string, opts?: { holder?: CertificateHolder; email?: string | null; organisationBin?: string }): Promise<string>;
  /** The request body of a signed action (R1.2) by `iin`. */
  sign(iin: string, action: string, fields?: Record<string, unknown>): Promise<{ signedXml: string }>;
  /** Files an application as the family's parent, signed (R1.2, R2); defaults: Almaty, test contacts. */
  file(family: { parentIin: string; childIin: string }, fields?: Record<string, unknown>): Promise<Answer>;
  /** R2.3: POST /api/v1/uploads as `iin`, one file in the field `file` (the name and declared type as given). */
  upload(iin: string, bytes: Buffer, opts?: { filename?: string; type?: string }): Promise<Answer>;
  /** POST /applications/:number/<path> as `iin`, signing the action the path names (R1.2). */
  act(iin: string, number: string, path: string, fields?: Record<string, unknown>): Promise<Answer>;
  /** The API's verifier, with xmlsec1 as referee of what it accepts. */
  verifier: RefereedVerifier;
  /** How many answers of each operation were held to its declared schema. */
  checkedAnswers: Map<string, number>;
  /** Reads the trust store again (after a CRL changed). */
  reloadTrustStore(): Promise<void>;
  close(): Promise<void>;
}

/** The tests' login challenge key: fixed, so a test can make a challenge of its own (expired, under a rotated key). */
export const TEST_CHALLENGE_KEY = '7e57'.repeat(16);

/**
 * The tests log many people in from one address: loopback is exempt from the anonymous limit, by
 * configuration, as the bench's client is (tests/ops/limits.test.ts runs an API of its own without).
 */
export const TEST_LIMITS: LimitSettings = { anonymousPerMinute: 60, exempt: ['127.0.0.1'] };

/**
 * The real API on an ephemeral port, a real worker, the run's PostgreSQL, dev server and test PKI.
 * With `tracing`, the API, its Temporal client and the worker trace as the processes do; `log` is the
 * API's logger (absent, errors only).
 */
export async function startApi(opts: { tracing?: Tracing; log?: Logger } = {}): Promise<ApiHarness> {
  const db = testDb();
  const env = await createDevServerEnv();
  const worker: Worker = await createTestWorker(env, db, { tracing: opts.tracing });
  const running = worker.run();
  const trustDir = path.join(testPkiDir(), 'trust');
  let store = await TrustStore.load(trustDir);
  // Every document the API accepts in the tests must pass xmlsec1 --verify too.
  const verifier = new RefereedVerifier(new XmlDsigVerifier({ trustStore: () => store, revocation: 'trust-store', allowSha1: false }), trustDir);
  const auth = authSettings({ SESSION_TTL_MINUTES: 60, CHALLENGE_TTL_MINUTES: 5, SIGNED_ACTION_MAX_AGE_MINUTES: 10, CHALLENGE_KEY: TEST_CHALLENGE_KEY });
  const answers = schemaCheckedAnswers();
  // As the API process's client: each start, signal and update carries the request's ID, and with `tracing`, its trace.
  const temporal = new Client({ connection: env.connection, namespace: env.namespace, interceptors: { workflow: [requestIdClientInterceptor, ...tracedClientInterceptors(opts.tracing)] } });
  const serviceCertificates = await serviceCertificatesOf({ NODE_ENV: 'test', SERVICE_SIGNING_KEY: undefined, SERVICE_SIGNING_CERT: undefined, SERVICE_FORMER_SIGNING_CERTS: undefined });
  const deps: AppDeps = { db, temporal, registry: new MirroredPersonRegistry(db), verifier, auth, answerCheck: answers.check, limits: TEST_LIMITS, tracer: opts.tracing?.tracer, log: opts.log, serviceCertificates };
  const app = createApp(deps);
  const server: Server = await listen(app, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function send(method: string, url: string, { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer> {
    const res = await fetch(baseUrl + url, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, body: text && type.includes('json') ? JSON.parse(text) : text || undefined };
  }

  async function login(iin: string, opts: { holder?: CertificateHolder; email?: string | null; organisationBin?: string } = {}): Promise<string> {
    // Staff log in with an employee certificate of their employer, as they would in life.
    const staff = await db('staff').where({ iin }).first('organisation_bin');
    const holder = opts.holder ?? (staff ? 'employee' : 'individual');
    const bin = opts.organisationBin ?? (holder === 'employee' ? staff?.organisation_bin : undefined);
    const challenge = await send('POST', '/api/v1/auth/challenge', {});
    const res = await send('POST', '/api/v1/auth/login', { body: await signer.login(iin, challenge.body.xml, holder, bin) });
    if (res.status !== 200) throw new Error(`login of ${iin} failed: ${JSON.stringify(res.body)}`);
    const email = opts.email === undefined ? `${iin}@example.kz` : opts.email;
    if (res.body.emailRequired && email !== null) await send('PUT', '/api/v1/me/email', { token: res.body.token, body: { email } });
    return res.body.token;
  }

  const sessions = new Map<string, Promise<string>>();
  const sessionOf = (iin: string) => {
    if (!sessions.has(iin)) sessions.set(iin, login(iin));
    return sessions.get(iin)!;
  };

  return {
    db,
    env,
    baseUrl,
    deps,
    async request(method, url, { iin, token, body, headers } = {}) {
      return send(method, url, { token: token ?? (iin ? await sessionOf(iin) : undefined), body, headers });
    },
    login,
    verifier,
    checkedAnswers: answers.checked,
    sign: (iin, action, fields = {}) => signedAction(iin, action, fields),
    async file(family, fields = {}) {
      const filing = { regionCode: 'almaty', childIin: family.childIin, contacts: { email: 'p@example.kz', phone: '+77010000000' }, ...fields };
      const body = await signedAction(family.parentIin, 'fileApplication', filing);
      return send('POST', '/api/v1/applications', { token: await sessionOf(family.parentIin), body });
    },
    async upload(iin, bytes, { filename = 'document.pdf', type = 'application/pdf' } = {}) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)], { type }), filename);
      const res = await fetch(`${baseUrl}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${await sessionOf(iin)}` }, body: form });
      const text = await res.text();
      const contentType = res.headers.get('content-type') ?? '';
      return { status: res.status, type: contentType, body: text && contentType.includes('json') ? JSON.parse(text) : text || undefined };
    },
    async act(iin, number, actionPath, fields = {}) {
      const action = actionPath.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      const body = await signedAction(iin, action, { applicationNumber: number, ...fields });
      return send('POST', `/api/v1/applications/${encodeURIComponent(number)}/${actionPath}`, { token: await sessionOf(iin), body });
    },
    async reloadTrustStore() {
      store = await TrustStore.load(trustDir);
    },
    async close() {
      await new Promise((r) => server.close(r));
      worker.shutdown();
      await running;
      await env.teardown();
      await db.destroy();
      if (answers.violations.length) throw new Error(`answers that broke their declared schema:\n${answers.violations.join('\n\n')}`);
    },
  };
}
