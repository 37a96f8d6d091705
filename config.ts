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
