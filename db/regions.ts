import type { Db } from './connection';
import { regionContactsSchema, ruleSettingsSchema, SETTINGS_ADDED_LATER, type RegionContacts, type RuleSettings } from '../domain/rule-settings';

export interface RegionSettings {
  code: string;
  settings: RuleSettings;
}

const parse = (row: { code: string; settings: unknown }): RegionSettings => ({
  code: row.code,
  settings: ruleSettingsSchema.parse({ ...SETTINGS_ADDED_LATER, ...(row.settings as object) }),
});

/** R10: a region's rule settings as they are now, or undefined for a region that does not exist. */
export async function regionSettings(db: Db, code: string): Promise<RegionSettings | undefined> {
  const row = await db('regions').where({ code }).first('code', 'settings');
  return row && parse(row);
}

/** The settings of the region a kindergarten is in. */
export async function kindergartenRegionSettings(db: Db, kindergartenId: number): Promise<RegionSettings | undefined> {
  const row = await db('kindergartens as k').join('regions as r', 'r.code', 'k.region_code').where('k.id', kindergartenId).first('r.code', 'r.settings');
  return row && parse(row);
}

/** Every region's settings (the worker's schedules at start). */
export async function allRegionSettings(db: Db): Promise<RegionSettings[]> {
  return (await db('regions').select('code', 'settings')).map(parse);
}

/** R10: a region's contacts (support phone, e-mail, hours); keys it does not know are left out
 * (a stored value the schema refuses leaves none rather than failing the caller). */
export async function regionContacts(db: Db, code: string): Promise<RegionContacts> {
  const row = await db('regions').where({ code }).first('contacts');
  return regionContactsSchema.strip().catch({}).parse(row?.contacts ?? {});
}
