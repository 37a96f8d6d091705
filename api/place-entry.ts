import type { Db } from '../db/connection';
import { addDays, almatyDate } from '../domain/almaty-time';
import { kindergartenRegionSettings } from '../db/regions';
import { checkNeedCategory } from './need-categories';
import { Problem } from './problems';
import type { z } from 'zod';
import type { addPlacesSchema } from './schemas/staff';

/** How far back a place's release date may be: older places were free long ago and taken or lost. */
export const RELEASED_ON_MAX_AGE_DAYS = 30;
/** Preschool children are younger than this many years: no group is for an older birth year. */
const PRESCHOOL_YEARS = 7;

/** The place types a region's staff may enter: the national list and the region's own. */
export async function placeTypesOf(db: Db, regionCode: string): Promise<string[]> {
  const rows: { code: string }[] = await db('place_types')
    .whereNull('region_code')
    .orWhere('region_code', regionCode)
    .orderBy('code')
    .select('code');
  return [...new Set(rows.map((r) => r.code))];
}

/** The fields of a place that staff enter and may correct (R4.2). */
export type PlaceFields = Omit<z.infer<typeof addPlacesSchema>, 'needCategory'>;

/**
 * R4.2: what the schema cannot know — a group year a preschool child of this region can have
 * (born from the current year − 7 to the current year − the region's minimum age), a release date
 * no older than 30 days, a place type the region keeps, and (R8.1) a category of need for exactly
 * the places of a correctional kindergarten.
 */
export async function checkPlaceEntry(db: Db, kindergartenId: number, p: z.infer<typeof addPlacesSchema>, now = Date.now()): Promise<void> {
  await checkPlaceFields(db, kindergartenId, p, now);
  const { kind } = await db('kindergartens').where({ id: kindergartenId }).first('kind');
  await checkNeedCategory(db, kind === 'correctional', p.needCategory, { in: 'body' });
}

/**
 * R4.2: the checks of `checkPlaceEntry` on the fields given and only those: a correction checks
 * what it changes (a place released 40 days ago may still get a seat more).
 */
export async function checkPlaceFields(db: Db, kindergartenId: number, p: Partial<PlaceFields>, now = Date.now()): Promise<void> {
  const region = await kindergartenRegionSettings(db, kindergartenId);
  if (!region) throw new Error(`kindergarten ${kindergartenId} of a staff member is in no region`);
  const { settings } = region;
  const today = almatyDate(now);
  const year = Number(today.slice(0, 4));
  const [oldest, youngest] = [year - PRESCHOOL_YEARS, year - settings.minimumAgeYears];
  if (p.groupYear !== undefined && (p.groupYear < oldest || p.groupYear > youngest)) {
    throw new Problem('INVALID_GROUP_YEAR', `a group year is a birth year from ${oldest} to ${youngest}`, { field: 'groupYear', in: 'body', oldest, youngest });
  }
  const earliest = addDays(today, -RELEASED_ON_MAX_AGE_DAYS);
  if (p.releasedOn !== undefined && p.releasedOn < earliest) {
    throw new Problem('INVALID_RELEASE_DATE', `a place released before ${earliest} is too old to publish`, { field: 'releasedOn', in: 'body', earliest });
  }
  if (p.placeType === undefined) return;
  const types = await placeTypesOf(db, region.code);
  if (!types.includes(p.placeType)) {
    throw new Problem('UNKNOWN_PLACE_TYPE', `the region's place types are: ${types.join(', ')}`, { field: 'placeType', in: 'body', allowed: types });
  }
}
