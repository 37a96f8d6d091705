import type { Db } from './connection';
import type { QueueType } from '../domain/queue';
import { formatRegistrationNumber } from '../domain/registration-number';

/** R2.4: the next serial for a region, queue type and year, taken atomically. */
export async function allocateRegistrationNumber(
  db: Db,
  region: { code: string; prefix: string },
  queueType: QueueType,
  year: number,
): Promise<string> {
  const { rows } = await db.raw(
    `INSERT INTO registration_counters (region_code, queue_type, year, last) VALUES (?, ?, ?, 1)
     ON CONFLICT (region_code, queue_type, year) DO UPDATE SET last = registration_counters.last + 1
     RETURNING last`,
    [region.code, queueType, year],
  );
  return formatRegistrationNumber(region.prefix, queueType, year, rows[0].last);
}
