import type { Context } from 'koa';
import type { Db } from '../db/connection';
import { requireSession } from './session';
import { Problem } from './problems';

import type { StaffRole } from '../domain/identity';

export type { StaffRole };

export interface StaffMember {
  iin: string;
  role: StaffRole;
  /** null: national scope (operators of the national calendar). */
  regionCode: string | null;
  kindergartenId: number | null;
  /** ПМПК staff: the district whose ПМПК they work at (R8.3); null for other roles. */
  district: string | null;
}

/** Whether an operator keeps a region's data: a national operator every region's, a regional one their own. */
export function operatorKeeps(operator: StaffMember, regionCode: string | null): boolean {
  return operator.regionCode === null || operator.regionCode === regionCode;
}

/**
 * The caller as a member of staff in `role`, or 403: every staff route states its role. Staff log
 * in with an employee certificate of the organisation (BIN) they are staff of: a certificate from
 * another employer does not carry the role.
 */
export async function requireStaff(ctx: Context, db: Db, role: StaffRole): Promise<StaffMember> {
  const session = requireSession(ctx);
  const row =
    session.holder === 'employee' && session.organisationBin
      ? await db('staff as s')
          // A closed kindergarten's staff no longer act for it (api/routes/management.ts).
          .leftJoin('kindergartens as k', 'k.id', 's.kindergarten_id')
          .where({ 's.iin': session.iin, 's.role': role, 's.organisation_bin': session.organisationBin })
          .whereNull('k.closed_at')
          .first('s.iin', 's.role', 's.region_code', 's.kindergarten_id', 's.district')
      : undefined;
  if (!row) throw new Problem('FORBIDDEN', `this action is for ${role.replace('_', ' ')}, with an employee’s certificate`);
  return { iin: row.iin, role: row.role, regionCode: row.region_code, kindergartenId: row.kindergarten_id, district: row.district };
}
