import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

export interface LogOptions {
  /** The process or part that logs: `api`, `worker`, `audit`, `mail`. */
  name: string;
  /** pino's level (LOG_LEVEL); `silent` logs nothing. Default `info`. */
  level?: string;
  /** `json`, one object a line (the default), or `pretty` for people at a terminal (LOG_FORMAT). */
  format?: LogFormat;
  /** Where lines go: a file descriptor (default 1, stdout) or a stream (tests read what was logged). */
  destination?: 1 | 2 | DestinationStream;
}

/**
 * An IIN is personal data: a log keeps its first six digits (the birth date), enough to tell two
 * people apart in an incident, and never the rest. Any run of exactly 12 digits counts as one —
 * in a message, a URL, a field of any name, an error's text — so none slips through under a key
 * nobody thought of; no other figure the service logs has 12 digits.
 */
const IIN_RUN = /(?<!\d)(\d{6})\d{6}(?!\d)/g;

/** `text` with every IIN cut to its first six digits. */
export const maskIins = (text: string): string => text.replace(IIN_RUN, '$1******');

/**
 * Fields never logged under these names, at any of the first three levels of a logged object:
 * credentials (session tokens, Authorization and cookies, the task token the Temporal SDK puts on
 * activity lines, which completes the activity), signed XML, and request or response bodies and
 * documents (personal data, and a signed document is evidence, not a log line).
 */
const SECRET_KEYS = ['token', 'taskToken', 'authorization', 'cookie', 'set-cookie', 'signedXml', 'xml', 'body', 'pdf', 'html', 'password', 'secret'];
/** As pino's redaction spells them: `token`, `*.token`, `*.*.token`; a name with a dash in brackets. */
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => {
  const step = /^\w+$/.test(key) ? `.${key}` : `["${key}"]`;
  return [step.replace(/^\./, ''), `*${step}`, `*.*${step}`];
});

/** The one logger factory of every process: pino, redacted and IIN-masked. */
export function createLogger({ name, level = 'info', format = 'json', destination = 1 }: LogOptions): Logger {
  const tty = typeof destination === 'number' ? (destination === 2 ? process.stderr : process.stdout).isTTY : (destination as { isTTY?: boolean }).isTTY;
  const stream =
    format === 'pretty'
      ? pretty({ destination, sync: true, colorize: Boolean(tty), ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' })
      : typeof destination === 'number'
        ? pino.destination({ dest: destination, sync: true })
        : destination;
  return pino(
    {
      name,
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, remove: true },
      // The finished line, after serializers and redaction: the last place an IIN can be caught.
      hooks: { streamWrite: maskIins },
    },
    stream,
  );
}

/** A script's logger from LOG_LEVEL and LOG_FORMAT alone (a script that reads no other setting). */
export function loggerFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): Logger {
  return createLogger({ name, level: env.LOG_LEVEL || 'info', format: env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json' });
}

/**
 * A process's last line before it exits for `err`: a bad setting, a dependency that never answered.
 * At error, whatever LOG_LEVEL says, and without the settings (they may be what is wrong).
 */
export function logFatal(name: string, err: unknown): void {
  const log = createLogger({ name, level: 'error', format: process.env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json' });
  log.error(err instanceof Error ? { err } : { err: String(err) }, err instanceof Error ? err.message : String(err));
}
