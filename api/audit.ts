import { createLogger, type Logger } from '../telemetry/log';
import { currentRequestId } from '../telemetry/request-id';

let logger: Logger | undefined;

/**
 * The audit log: a logger of its own (name `audit`) on stderr, apart from the request lines on
 * stdout, with the same redaction (IINs cut to six digits, never a token or a signed document) and
 * the request's ID. Made on first use, from LOG_FORMAT.
 */
function auditLog(): Logger {
  logger ??= createLogger({ name: 'audit', level: 'info', format: process.env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json', destination: process.stderr });
  return logger;
}

/**
 * Who logged in, and who was refused what and why: one line each. AUDIT_LOG=off silences it
 * (tests), read at each call so a test can turn it back on.
 */
export function audit(event: string, fields: Record<string, unknown>): void {
  if (process.env.AUDIT_LOG === 'off') return;
  const requestId = currentRequestId();
  auditLog().info({ event, ...fields, ...(requestId ? { requestId } : {}) }, event);
}
