import Koa from 'koa';
import type { Client } from '@temporalio/client';
import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import type { Db } from '../db/connection';
import type { PersonRegistry } from '../domain/registry';
import type { AuthSettings } from './auth-settings';
import { jsonBodyBesides } from './body';
import { refuseUnsafeText } from './text-safety';
import { problemMiddleware } from './problems';
import { requestLog } from './request-log';
import { rateLimit, type LimitSettings } from './rate-limit';
import { requestMetrics } from './request-metrics';
import { requestTrace } from './request-trace';
import { ROUTES } from './routes';
import { boardRouter } from './routes/board';
import { routerOf, type AnswerCheck } from './route';
import { securityHeaders } from './security-headers';
import { sessionMiddleware } from './session';
import type { Lifecycle } from './shutdown';
import type { SignatureVerifier } from './signature/verifier';
import type { UploadStore } from '../db/uploads';
import type { Scanner } from './uploads';
import { createLogger, type Logger } from '../telemetry/log';

export interface AppDeps {
  db: Db;
  temporal: Client;
  registry: PersonRegistry;
  /** R1: verifies signed XML (login and actions). */
  verifier: SignatureVerifier;
  auth: AuthSettings;
  /** Sees every answer before it is sent: the API tests hold each to its declared schema. */
  answerCheck?: AnswerCheck;
  /** Set draining on SIGTERM (api/shutdown.ts), so /readyz answers 503; absent, never draining. */
  lifecycle?: Lifecycle;
  /** Where request counts and latencies go (served by api/metrics-server.ts); absent, none are kept. */
  metrics?: Registry;
  /** One span per request (api/request-trace.ts) when the API traces; absent, no middleware at all. */
  tracer?: Tracer;
  /** Whether X-Forwarded-For names the client (TRUST_PROXY); absent, it is ignored: anyone could write it. */
  trustProxy?: boolean;
  /** The anonymous routes' limit per client address (api/rate-limit.ts); absent, the configuration's defaults. */
  limits?: LimitSettings;
  /** Origins a browser may call the API from (CORS_ORIGINS); absent, none. */
  corsOrigins?: readonly string[];
  /** The API's logger (telemetry/log.ts): a line per request; absent, only errors, to stdout. */
  log?: Logger;
  /** R2.3: where benefit documents are kept; absent, PostgreSQL (db/uploads.ts). */
  uploads?: UploadStore;
  /** R2.3: checks each upload before it is stored (an antivirus); absent, none (api/uploads.ts `noScanner`). */
  scanner?: Scanner;
  /**
   * R11.3: the certificates the service signs the chain's heads with, PEM, the current one first
   * (SERVICE_SIGNING_CERT, SERVICE_FORMER_SIGNING_CERTS): the heads' answer names them, from the
   * configuration, not the database; absent, it names none.
   */
  serviceCertificates?: readonly string[];
}

/** The API's one router, made from the route table (api/routes/index.ts). */
export function apiRouter(deps: AppDeps) {
  return routerOf(ROUTES, deps, deps.answerCheck);
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = deps.trustProxy ?? false;
  // Behind one proxy the client is the address that proxy appended, the last of X-Forwarded-For;
  // the ones before it are whatever the client sent.
  app.maxIpsCount = 1;
  const log = deps.log ?? createLogger({ name: 'api', level: 'error' });
  // Koa's last resort, for an error no middleware caught: logged, not printed bare to stderr.
  app.on('error', (err: unknown, ctx?: { state?: { requestId?: string } }) => log.error({ err, requestId: ctx?.state?.requestId }, 'unhandled error'));
  app.use(requestLog(log));
  if (deps.tracer) app.use(requestTrace(deps.tracer));
  if (deps.metrics) app.use(requestMetrics(deps.metrics));
  for (const m of securityHeaders({ corsOrigins: deps.corsOrigins, routes: ROUTES })) app.use(m);
  app.use(problemMiddleware);
  app.use(rateLimit(ROUTES, deps.limits));
  app.use(jsonBodyBesides(ROUTES));
  app.use(refuseUnsafeText);
  app.use(sessionMiddleware(deps.db));
  const router = apiRouter(deps);
  app.use(router.routes());
  app.use(router.allowedMethods());
  // Issue 21: the public board's pages, outside the route table and the OpenAPI document.
  const board = boardRouter(deps);
  app.use(board.routes());
  app.use(board.allowedMethods());
  return app;
}
