import type { Context } from 'koa';
import type { Db } from '../db/connection';
import { requireIin } from './identity';
import { Problem } from './problems';

export type StaffRole = 'kindergarten_staff' | 'pmpk_staff' | 'operator';

export interface StaffMember {
  iin: string;
  role: StaffRole;
  /** null: national scope (operators of the national calendar). */
  regionCode: string | null;
  kindergartenId: number | null;
}

/** The caller as a member of staff in `role`, or 403: every staff route states its role. */
export async function requireStaff(ctx: Context, db: Db, role: StaffRole): Promise<StaffMember> {
  const iin = requireIin(ctx);
  const row = await db('staff').where({ iin, role }).first('iin', 'role', 'region_code', 'kindergarten_id');
  if (!row) throw new Problem('FORBIDDEN', `this action is for ${role.replace('_', ' ')}`);
  return { iin: row.iin, role: row.role, regionCode: row.region_code, kindergartenId: row.kindergarten_id };
}
