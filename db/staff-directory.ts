import type { Knex } from 'knex';
import type { Db } from './connection';
import { keyColumns, pageOf, type Page } from './public-board';
import { revokeEmployeeSessions } from './sessions';
import { parseIin } from '../domain/iin';
import type { Person } from '../domain/registry';
import type { StaffRole } from '../domain/identity';

/** One change of who may act and where, as `directory_changes` keeps it (R1.2: with its signed document). */
export interface DirectoryChange {
  changedBy: string;
  action: 'region_created' | 'kindergarten_created' | 'kindergarten_updated' | 'kindergarten_closed' | 'staff_added' | 'staff_removed';
  regionCode: string | null;
  /** What changed: `region:<code>`, `kindergarten:<id>`, `staff:<id>`. */
  subject: string;
  before: unknown;
  after: unknown;
  signedDocumentId: number;
}

/** Records a change; call it in the change's transaction, so neither is kept without the other. */
export async function recordDirectoryChange(trx: Knex.Transaction, c: DirectoryChange): Promise<void> {
  await trx('directory_changes').insert({
    changed_by: c.changedBy,
    action: c.action,
    region_code: c.regionCode,
    subject: c.subject,
    before: c.before === null ? null : JSON.stringify(c.before),
    after: c.after === null ? null : JSON.stringify(c.after),
    signed_document_id: c.signedDocumentId,
  });
}

/** R1.4: the registry's person, stored or refreshed in its mirror (a member of staff is a person row). */
export async function refreshPerson(db: Db | Knex.Transaction, person: Person): Promise<void> {
  const iin = parseIin(person.iin);
  if (!iin.valid) throw new Error(`the registry gave an IIN that is not valid: ${person.iin}`);
  const names = { last_name: person.lastName, first_name: person.firstName, middle_name: person.middleName, birth_date: person.birthDate };
  await db('persons')
    .insert({ iin: person.iin, ...names, sex: iin.sex })
    .onConflict('iin')
    .merge({ ...names, synced_at: db.fn.now() });
}

export interface StaffRow {
  id: number;
  iin: string;
  role: StaffRole;
  region_code: string | null;
  kindergarten_id: number | null;
  district: string | null;
  organisation_bin: string | null;
  added_at: Date;
}

const STAFF_COLUMNS = ['s.id', 's.iin', 's.role', 's.region_code', 's.kindergarten_id', 's.district', 's.organisation_bin', 's.added_at'];

/** A staff row with the person's names, or undefined. */
export async function staffMember(db: Db | Knex.Transaction, id: number) {
  return withNames(db).where('s.id', id).first();
}

function withNames(db: Db | Knex.Transaction) {
  return db('staff as s').join('persons as p', 'p.iin', 's.iin').select(...STAFF_COLUMNS, 'p.last_name', 'p.first_name', 'p.middle_name');
}

/** A member of staff as the API shows them. */
export function staffMemberView(r: Record<string, any>) {
  return {
    staffId: r.id as number,
    iin: r.iin as string,
    lastName: r.last_name as string,
    firstName: r.first_name as string,
    middleName: (r.middle_name ?? null) as string | null,
    role: r.role as StaffRole,
    organisationBin: (r.organisation_bin ?? null) as string | null,
    regionCode: (r.region_code ?? null) as string | null,
    kindergartenId: (r.kindergarten_id ?? null) as number | null,
    district: (r.district ?? null) as string | null,
    addedAt: new Date(r.added_at).toISOString(),
  };
}

/** The record of a staff row in `directory_changes`: what decides what the member may do. */
const recordOf = (r: StaffRow | Record<string, any>) => ({
  iin: r.iin,
  role: r.role,
  regionCode: r.region_code,
  kindergartenId: r.kindergarten_id,
  district: r.district,
  organisationBin: r.organisation_bin,
});

export type NewStaffMember = Pick<StaffRow, 'iin' | 'role' | 'region_code' | 'kindergarten_id' | 'district' | 'organisation_bin'>;

/**
 * Adds a member of staff and records it; undefined when the person already has the role there
 * (the unique (iin, role, region_code), and for national roles staff_one_national_role). They act
 * from their next login with an employee certificate of the BIN.
 */
export async function addStaffMember(db: Db, member: NewStaffMember, by: { iin: string; signedDocumentId: number }): Promise<number | undefined> {
  return db.transaction(async (trx) => {
    const [row] = await trx('staff').insert(member).onConflict().ignore().returning('id');
    if (!row) return undefined;
    await recordDirectoryChange(trx, {
      changedBy: by.iin,
      action: 'staff_added',
      regionCode: member.region_code,
      subject: `staff:${row.id}`,
      before: null,
      after: recordOf(member),
      signedDocumentId: by.signedDocumentId,
    });
    return Number(row.id);
  });
}

export type RemovalRefusal = 'self' | 'last_national_operator' | 'gone';

/**
 * Removes a member of staff, ends every session they hold under that employer at once, and
 * records it, all in one transaction. Nobody removes themselves, and the last national operator
 * stays: national operators are locked while they are counted, so two removing each other cannot
 * both succeed.
 */
export async function removeStaffMember(db: Db, id: number, by: { iin: string; signedDocumentId: number }): Promise<{ revokedSessions: number } | RemovalRefusal> {
  return db.transaction(async (trx) => {
    const row: StaffRow | undefined = await trx('staff').where({ id }).forUpdate().first();
    if (!row) return 'gone';
    if (row.iin === by.iin) return 'self';
    if (row.role === 'operator' && row.region_code === null) {
      const national = await trx('staff').where({ role: 'operator' }).whereNull('region_code').forUpdate().select('id');
      if (national.length <= 1) return 'last_national_operator';
    }
    await trx('staff').where({ id }).delete();
    const revokedSessions = row.organisation_bin ? await revokeEmployeeSessions(trx, row.iin, row.organisation_bin) : 0;
    await recordDirectoryChange(trx, {
      changedBy: by.iin,
      action: 'staff_removed',
      regionCode: row.region_code,
      subject: `staff:${id}`,
      before: recordOf(row),
      after: null,
      signedDocumentId: by.signedDocumentId,
    });
    return { revokedSessions };
  });
}

/** A region's staff, a page at a time, newest first (the keys of the public lists, R11.1). */
export async function regionStaff(db: Db, regionCode: string, filter: { role?: StaffRole }, page: Page) {
  const found = await withNames(db)
    .where('s.region_code', regionCode)
    .modify((q) => {
      if (filter.role) q.where('s.role', filter.role);
      if (page.after) q.whereRaw('(s.added_at, s.id) < (?::timestamptz, ?::integer)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 's.added_at', order: 'desc' }, { column: 's.id', order: 'desc' }])
    .limit(page.limit + 1)
    .select(...keyColumns(db, 's.added_at', 's.id'));
  const { rows, next } = pageOf(found, page.limit);
  return { staff: rows.map(staffMemberView), next };
}
