import type { Knex } from 'knex';
import type { Db } from './connection';
import { revokeEmployeeSessions } from './sessions';
import { recordDirectoryChange } from './staff-directory';
import { kindergartenOfRow, languagesColumn } from './kindergartens';
import type { KindergartenKind, RegionContacts, RuleSettings } from '../domain/rule-settings';
import type { Language } from '../domain/queue';


interface By {
  iin: string;
  signedDocumentId: number;
}

export interface NewRegion {
  code: string;
  nameRu: string;
  nameKk: string;
  settings: RuleSettings;
  contacts: RegionContacts;
}

/**
 * R10: a new region with its settings and contacts, recorded; 'code' or 'prefix' when either is
 * another region's already (R2.4: a numbering prefix is unique). The caller starts its schedules.
 */
export async function createRegion(db: Db, region: NewRegion, by: By): Promise<'created' | 'code' | 'prefix'> {
  return db.transaction(async (trx) => {
    // One region is created at a time: the prefix check and the insert cannot interleave.
    await trx.raw('LOCK TABLE regions IN SHARE ROW EXCLUSIVE MODE');
    if (await trx('regions').where({ code: region.code }).first('code')) return 'code';
    if (await trx('regions').whereRaw("settings->>'numberPrefix' = ?", [region.settings.numberPrefix]).first('code')) return 'prefix';
    const row = { code: region.code, name_ru: region.nameRu, name_kk: region.nameKk, settings: JSON.stringify(region.settings), contacts: JSON.stringify(region.contacts) };
    await trx('regions').insert(row);
    await recordDirectoryChange(trx, {
      changedBy: by.iin,
      action: 'region_created',
      regionCode: region.code,
      subject: `region:${region.code}`,
      before: null,
      after: { code: region.code, nameRu: region.nameRu, nameKk: region.nameKk, settings: region.settings, contacts: region.contacts },
      signedDocumentId: by.signedDocumentId,
    });
    return 'created';
  });
}

/** Every region, by code. */
export async function listRegions(db: Db) {
  const rows = await db('regions').orderBy('code').select('code', 'name_ru', 'name_kk', db.raw("settings->>'numberPrefix' as number_prefix"));
  return rows.map((r: Record<string, any>) => ({ code: r.code as string, nameRu: r.name_ru as string, nameKk: r.name_kk as string, numberPrefix: r.number_prefix as string }));
}

export interface KindergartenFields {
  nameRu: string;
  nameKk: string;
  kind: KindergartenKind;
  address: string;
  phone: string | null;
  latitude: number | null;
  longitude: number | null;
}

const COLUMNS: Record<keyof KindergartenFields, string> = {
  nameRu: 'name_ru',
  nameKk: 'name_kk',
  kind: 'kind',
  address: 'address',
  phone: 'phone',
  latitude: 'latitude',
  longitude: 'longitude',
};

const columnsOf = (fields: Partial<KindergartenFields>) =>
  Object.fromEntries(Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [[COLUMNS[k as keyof KindergartenFields], v]])));

/** A kindergarten as operators see it, with the region it is in and whether it is closed. */
export async function kindergartenOf(db: Db | Knex.Transaction, id: number) {
  const r = await db('kindergartens as k')
    .where('k.id', id)
    .first('k.id', 'k.region_code', 'k.name_ru', 'k.name_kk', 'k.kind', languagesColumn(db, 'k'), 'k.address', 'k.phone', 'k.latitude', 'k.longitude', 'k.closed_at');
  if (!r) return undefined;
  return {
    ...kindergartenOfRow(r),
    regionCode: r.region_code as string,
    closedAt: r.closed_at ? new Date(r.closed_at).toISOString() : null,
  };
}
export type KindergartenView = NonNullable<Awaited<ReturnType<typeof kindergartenOf>>>;

/** R4.7: a new kindergarten of a region, recorded. */
export async function createKindergarten(db: Db, regionCode: string, fields: KindergartenFields & { languages: Language[] }, by: By): Promise<KindergartenView> {
  return db.transaction(async (trx) => {
    const { languages, ...rest } = fields;
    const [row] = await trx('kindergartens')
      .insert({ region_code: regionCode, ...columnsOf(rest), languages: trx.raw('?::instruction_language[]', [languages]) })
      .returning('id');
    const created = (await kindergartenOf(trx, row.id))!;
    await recordDirectoryChange(trx, { changedBy: by.iin, action: 'kindergarten_created', regionCode, subject: `kindergarten:${row.id}`, before: null, after: created, signedDocumentId: by.signedDocumentId });
    return created;
  });
}

/** R4.7: changes what families see of a kindergarten, recorded with what it was. */
export async function updateKindergarten(db: Db, id: number, fields: Partial<KindergartenFields>, by: By): Promise<KindergartenView> {
  return db.transaction(async (trx) => {
    await trx('kindergartens').where({ id }).forUpdate().first('id');
    const before = (await kindergartenOf(trx, id))!;
    await trx('kindergartens').where({ id }).update(columnsOf(fields));
    const after = (await kindergartenOf(trx, id))!;
    await recordDirectoryChange(trx, { changedBy: by.iin, action: 'kindergarten_updated', regionCode: after.regionCode, subject: `kindergarten:${id}`, before, after, signedDocumentId: by.signedDocumentId });
    return after;
  });
}

/**
 * Closes a kindergarten (a flag: its places, referrals and enrolments keep naming it); its staff
 * can no longer act for it (api/staff.ts) and their sessions end. 'in use' while a referral to it is active or a child is
 * enrolled there: those children need its staff to register the arrival or record the departure first.
 */
export async function closeKindergarten(db: Db, id: number, by: By): Promise<KindergartenView | 'in use' | 'closed'> {
  return db.transaction(async (trx) => {
    const locked = await trx('kindergartens').where({ id }).forUpdate().first('closed_at');
    if (locked.closed_at) return 'closed';
    const referral = await trx('referrals').where({ kindergarten_id: id, state: 'active' }).first('id');
    const enrolled = await trx('enrollments').where({ kindergarten_id: id }).whereNull('departed_at').first('id');
    if (referral || enrolled) return 'in use';
    const before = (await kindergartenOf(trx, id))!;
    await trx('kindergartens').where({ id }).update({ closed_at: trx.fn.now() });
    // Its seats not taken go with it: no offer, choice or public list can hold them any more (R4.8).
    await trx('places').where({ kindergarten_id: id }).whereNull('withdrawn_at').update({ total: trx.raw('total - free'), free: 0, withdrawn_at: trx.fn.now() });
    // Its staff's rights end with it: their sessions too, at once.
    for (const member of await trx('staff').where({ kindergarten_id: id }).whereNotNull('organisation_bin').select('iin', 'organisation_bin')) {
      await revokeEmployeeSessions(trx, member.iin, member.organisation_bin);
    }
    const after = (await kindergartenOf(trx, id))!;
    await recordDirectoryChange(trx, { changedBy: by.iin, action: 'kindergarten_closed', regionCode: after.regionCode, subject: `kindergarten:${id}`, before, after, signedDocumentId: by.signedDocumentId });
    return after;
  });
}
