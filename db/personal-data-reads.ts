import type { Db } from './connection';

/** Personal-data law: one read of applications' personal data, as it is recorded. */
export interface PersonalDataRead {
  readerIin: string;
  readerRole: string;
  /** null: a reader of every region (a national operator). */
  readerRegionCode: string | null;
  /** The route as declared, e.g. `GET /api/v1/admin/applications/:number`. */
  route: string;
  reason: string;
  requestId: string | null;
  /** What was asked for: the search filter, or the card's number. */
  filter: Record<string, unknown>;
  /** The registration numbers whose personal data the answer carries. */
  shown: string[];
}

/**
 * Records a read before its answer is sent: the caller sends nothing if this throws, so no personal
 * data leaves without its row. Returns the row's ID, which the audit log line names.
 */
export async function recordPersonalDataRead(db: Db, read: PersonalDataRead): Promise<number> {
  const [row] = await db('personal_data_reads')
    .insert({
      reader_iin: read.readerIin,
      reader_role: read.readerRole,
      reader_region_code: read.readerRegionCode,
      route: read.route,
      reason: read.reason,
      request_id: read.requestId,
      filter: JSON.stringify(read.filter),
      shown: read.shown,
    })
    .returning('id');
  return Number(row.id);
}
