import type { Db } from './connection';
import { appendChainEntries } from './chain';

/**
 * R7.3: kindergarten staff mark that a child has left. The child's enrolment ends, so another
 * application of theirs may get a referral again (R4.6). Answers false when the child is not
 * enrolled at that kindergarten.
 */
export async function recordDeparture(
  db: Db,
  req: { childIin: string; kindergartenId: number; at: Date; recordedBy: string },
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const [left] = await trx('enrollments')
      .where({ child_iin: req.childIin, kindergarten_id: req.kindergartenId })
      .whereNull('departed_at')
      .update({ departed_at: req.at, departure_recorded_by: req.recordedBy })
      .returning('application_number');
    if (!left) return false;
    // R11.3: the departure in the kindergarten's region's chain, the transaction's last write.
    const { region_code: region } = await trx('kindergartens').where({ id: req.kindergartenId }).first('region_code');
    await appendChainEntries(trx, region, [{ at: req.at, event: 'departed', number: left.application_number ?? null, actorRole: 'staff' }]);
    return true;
  });
}

/** R7.2: the kindergarten a child is enrolled in now (no departure recorded), if any. */
export async function currentEnrollment(db: Db, childIin: string): Promise<{ kindergartenId: number } | undefined> {
  const row = await db('enrollments').where({ child_iin: childIin }).whereNull('departed_at').first('kindergarten_id');
  return row && { kindergartenId: row.kindergarten_id };
}
