import { warmConnections, type Db } from '../db/connection';
import { warmPublicLookup } from '../db/public-board';
import type { Logger } from '../telemetry/log';

/**
 * Before the API takes its first request: the pool's connections open, each ready for the public
 * look-up (db/connection.ts, `warmConnections`). A database that is not there yet, or slow, does not
 * keep the API from starting: readiness says so, and connections open as requests come, as before.
 */
export async function warmDatabase(db: Db, size: number, log: Logger, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  const warming = warmConnections(db, size, (connection) => warmPublicLookup(db, connection)).then(
    () => log.info(`database: ${size} connections open and ready for look-ups in ${Date.now() - started} ms`),
    (err: unknown) => log.warn({ err }, 'database: connections not warmed; they open as requests come'),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log.warn(`database: connections not warmed within ${limitMs} ms; the API starts without waiting`);
      resolve();
    }, limitMs);
  });
  await Promise.race([warming, late]);
  clearTimeout(timer);
}
