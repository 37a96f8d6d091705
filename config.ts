import { z } from 'zod';

/**
 * Every setting the processes read from the environment, with its default. A bad value stops the
 * process at start with a message naming the variable.
 */
const schema = z.object({
  /** production refuses the development trust store (the test PKI) and needs TRUST_STORE_DIR. */
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** PostgreSQL connection string; `npm start` sets it to the embedded server unless given. */
  DATABASE_URL: z.string().url(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Temporal frontend, host:port. */
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** The API's port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Workflows kept in the worker's cache; the rest are replayed when a timer fires. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
  /**
   * Workflow-task polls the worker keeps open, half of them on the task queue (where a new
   * workflow's first task waits), half on its own sticky queue (README, "Benchmarks": filing
   * 14–15/s at the SDK's 10, a fifth of them on the task queue; 16–19/s at 20, half).
   */
  WORKER_WORKFLOW_TASK_POLLS: z.coerce.number().int().min(2).default(20),
  /**
   * Whether the worker's workflow threads keep the SDK's stack trace of every promise, which the
   * Web UI's "Stack Trace" tab shows (worker/workflow-threads.cjs; README, "Benchmarks": the offer
   * run took a quarter longer with them).
   */
  WORKER_STACK_TRACES: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Whether the worker registers its search attributes on start (needs operator rights). */
  REGISTER_SEARCH_ATTRIBUTES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Whether the worker creates or updates the daily publication and offer schedules on start. */
  CREATE_SCHEDULES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** R1: a folder of PEM roots, intermediates and CRLs. Outside production: the test PKI's. */
  TRUST_STORE_DIR: z.string().min(1).optional(),
  /** Revocation by the trust store's CRLs; `off` only where no CRL can be had (never production). */
  SIGNATURE_REVOCATION: z.enum(['crl', 'off']).default('crl'),
  /** Accept RSA-SHA1 signatures and SHA-1 digests from older signing tools. */
  SIGNATURE_ALLOW_SHA1: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** How long a login session lasts. */
  SESSION_TTL_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
  /** How long a login challenge may wait to be signed. */
  CHALLENGE_TTL_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
  /** How old a signed action may be when it arrives. */
  SIGNED_ACTION_MAX_AGE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(10),

  // R9.1 notice delivery (activities/notice-delivery.ts, workflows/notice-dispatcher.ts).
  /** The SMTP server e-mail notices go through (`smtp://` or `smtps://`, credentials in the URL); pooled. */
  SMTP_URL: z.string().url().default('smtp://127.0.0.1:1025'),
  /** The From of e-mail notices; its domain also names Message-IDs. */
  NOTICE_EMAIL_FROM: z.string().min(3).default('Электронная очередь <noreply@kindergarten-queue.kz>'),
  /** The SMS gateway: POST JSON { recipient, text, clientMessageId }. Unset: each SMS is a line of .data/sms.log (the worker says so at start). */
  SMS_URL: z.string().url().optional(),
  /** Whether the worker starts the notice dispatcher workflow on start (tests that drain the outbox themselves say false). */
  NOTICE_DISPATCHER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** How long the dispatcher sleeps when no notice is due. */
  NOTICE_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(10 * 60_000).default(5000),
  /** Notices claimed at once; each claim is one UPDATE … FOR UPDATE SKIP LOCKED. */
  NOTICE_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  /** Sends in flight at once within a claimed batch. */
  NOTICE_SEND_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(10),
  /** How long one delivery activity keeps claiming batches before it returns to the workflow. */
  NOTICE_TIME_BUDGET_MS: z.coerce.number().int().min(1000).max(120_000).default(30_000),
  /** A claimed notice is left alone by other claimers this long (a crashed claimer's rows come back after it). */
  NOTICE_LEASE_MS: z.coerce.number().int().min(10_000).max(300_000).default(120_000),
  /** One send (an SMTP transaction, an SMS gateway request) fails as transient after this long. */
  NOTICE_SEND_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(15_000),
  /** Attempts before a notice that keeps failing transiently is marked failed. */
  NOTICE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  /** The wait after the first transient failure; it doubles with each attempt up to NOTICE_BACKOFF_MAX_MS. */
  NOTICE_BACKOFF_BASE_MS: z.coerce.number().int().min(0).default(30_000),
  NOTICE_BACKOFF_MAX_MS: z.coerce.number().int().min(0).default(6 * 3_600_000),
  /** Loop iterations of a dispatcher run before it continues as new (its history stays small). */
  NOTICE_DISPATCHER_ITERATIONS: z.coerce.number().int().min(1).max(10_000).default(500),

  // R9.2 documents (activities/documents/dispatch.ts, workflows/document-dispatcher.ts), on the task queue `documents`.
  /** Where the API is reached from outside: a document's verification URL is this + /api/v1/public/documents/{code}. */
  PUBLIC_BASE_URL: z.string().url().default('http://localhost:3000').transform((u) => u.replace(/\/+$/, '')),
  /** Whether the worker runs the documents worker and starts the document dispatcher (false: no PDFs render in this process). */
  DOCUMENT_DISPATCHER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** How long the dispatcher sleeps when no document waits. */
  DOCUMENT_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(10 * 60_000).default(2000),
  /** Documents claimed at once. */
  DOCUMENT_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Documents rendered at once within a claimed batch (pages of the one Chromium). */
  DOCUMENT_RENDER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** How long one render activity keeps claiming batches before it returns to the workflow. */
  DOCUMENT_TIME_BUDGET_MS: z.coerce.number().int().min(1000).max(120_000).default(30_000),
  /** A claimed document is left alone by other claimers this long. */
  DOCUMENT_LEASE_MS: z.coerce.number().int().min(10_000).max(600_000).default(180_000),
  /** One render fails (as transient) after this long. */
  DOCUMENT_RENDER_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(30_000),
  /** Attempts before a document that keeps failing is marked failed with its reason. */
  DOCUMENT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** The wait after the first failed render; it doubles with each attempt up to DOCUMENT_BACKOFF_MAX_MS. */
  DOCUMENT_BACKOFF_BASE_MS: z.coerce.number().int().min(0).default(10_000),
  DOCUMENT_BACKOFF_MAX_MS: z.coerce.number().int().min(0).default(3_600_000),
  /** Loop iterations of a dispatcher run before it continues as new. */
  DOCUMENT_DISPATCHER_ITERATIONS: z.coerce.number().int().min(1).max(10_000).default(500),

  // Operations: logs, metrics, traces, health, shutdown, limits (README, "Operations").
  /** pino's level for every process; `silent` turns logging off. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` (one line per event, for a log pipeline) or `pretty` (people; `npm start` in a terminal sets it). */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** The address the metrics listeners bind (a port of their own, never the public API's). */
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /** The API's Prometheus metrics (/metrics); 0 turns the listener off. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** The worker's Prometheus metrics, served by the Temporal SDK's own exporter; 0 turns it off. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  /** The worker's /livez and /readyz. */
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /** On SIGTERM, how long in-flight requests (API) and running activities (worker) get to finish. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(600).default(10),
  /** Traces go to this OTLP/HTTP collector (e.g. http://collector:4318); unset, no trace leaves the process. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  /** Whether X-Forwarded-For names the client (only behind a proxy that sets it). */
  TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Requests a minute one client address may make to the anonymous routes (challenge, login, public look-ups and lists). */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /** Client addresses the anonymous limit does not apply to, comma-separated (a load generator's, a monitor's). */
  RATE_LIMIT_EXEMPT: z.string().default('').transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean)),
  /** R1.1: the HMAC key login challenges are signed with (32+ bytes, base64 or hex); the API refuses to start in production without it. */
  CHALLENGE_KEY: z.string().min(32).optional(),
  /** The key before the last rotation, still accepted for challenges it signed; empty is unset (docker-compose.yml passes it on between rotations). */
  CHALLENGE_KEY_PREVIOUS: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32).optional()),
  /**
   * R11.3: the service's own key and certificate (PEM text, or a path to a PEM file) that sign the
   * chain's daily heads. Unset outside production: a service certificate of the test PKI; the worker
   * refuses to start in production without them.
   */
  SERVICE_SIGNING_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional()),
  SERVICE_SIGNING_CERT: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional()),
  /**
   * R11.3: the service certificates used before SERVICE_SIGNING_CERT (PEM text, or a path to a PEM
   * file, holding one or more certificates one after another): verify-chain checks each signed head
   * with the certificate it was signed with, so the heads signed before a key's renewal still verify.
   */
  SERVICE_FORMER_SIGNING_CERTS: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional()),
  /** Origins a browser may call the API from, comma-separated; none by default. */
  CORS_ORIGINS: z.string().default('').transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
}).superRefine((c, ctx) => {
  // A claimed batch must be worked within its lease, or another claimer takes rows still in hand.
  const leases = [
    ['NOTICE', c.NOTICE_SEND_TIMEOUT_MS, c.NOTICE_BATCH_SIZE, c.NOTICE_SEND_CONCURRENCY, c.NOTICE_LEASE_MS, 'NOTICE_SEND_TIMEOUT_MS'],
    ['DOCUMENT', c.DOCUMENT_RENDER_TIMEOUT_MS, c.DOCUMENT_BATCH_SIZE, c.DOCUMENT_RENDER_CONCURRENCY, c.DOCUMENT_LEASE_MS, 'DOCUMENT_RENDER_TIMEOUT_MS'],
  ] as const;
  for (const [prefix, timeout, batch, concurrency, lease, timeoutKey] of leases) {
    if (timeout * Math.ceil(batch / concurrency) >= lease) {
      ctx.addIssue({ code: 'custom', path: [`${prefix}_LEASE_MS`], message: `a claimed batch must be worked within its lease: raise ${prefix}_LEASE_MS or lower ${timeoutKey} or ${prefix}_BATCH_SIZE` });
    }
  }
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
