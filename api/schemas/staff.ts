import { z } from 'zod';
import { regionContactsSchema, ruleSettingsSchema } from '../../domain/rule-settings';
import { applicationNumberSchema, iinSchema, needCategorySchema } from './applications';
import { civilDateSchema, CONTROL_CHARACTERS, paramRowIdSchema, regionCodeSchema, SAFE_CHARACTER } from './common';
import { publicFilterSchema } from './public';

/** R7.1 */
export const arrivalSchema = z.object({ applicationNumber: applicationNumberSchema }).strict();

/**
 * R5.7, R10.2: the signed document's fields besides the envelope: whether the benefit documents
 * prove the benefit, and the day they were issued. A document older than the region's limit
 * before the referral was requested is recorded as a rejection.
 */
export const confirmBenefitSchema = z
  .object({ accepted: z.enum(['true', 'false']).transform((v) => v === 'true'), documentIssuedOn: civilDateSchema })
  .strict();

/** R7.3 */
export const departureSchema = z.object({ childIin: iinSchema }).strict();

/** Working-day exceptions operators add: a decree day off, a working Saturday, a holiday. */
export const calendarDaySchema = z
  .object({
    day: civilDateSchema,
    kind: z.enum(['holiday', 'day_off', 'working_day']),
    // Not blank, and (as everywhere) no control characters: the document says both.
    name: z.string().trim().min(1).max(200).meta({ pattern: `^${SAFE_CHARACTER}*[^\\s${CONTROL_CHARACTERS}]${SAFE_CHARACTER}*$` }),
    /** Omitted or null: the national calendar. */
    regionCode: regionCodeSchema.nullable().default(null),
  })
  .strict();

export const calendarQuerySchema = z
  .object({ from: civilDateSchema, to: civilDateSchema, regionCode: regionCodeSchema.optional() })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] });

export const calendarDayParamsSchema = z.object({ id: paramRowIdSchema });

export const regionParamsSchema = z.object({ code: regionCodeSchema });

/**
 * R4.2: free places a kindergarten adds. The group year, release date and place type are checked
 * again against the region (its minimum age, today, its list of place types) by the route.
 */
export const addPlacesSchema = z
  .object({
    groupYear: z.number().int().min(2000).max(2100),
    language: z.enum(['kk', 'ru']),
    placeType: z.string().min(1).max(64),
    count: z.number().int().min(1).max(500),
    releasedOn: civilDateSchema,
    /** R8.1: required for a correctional kindergarten's places, refused for others; the list is checked by the route. */
    needCategory: needCategorySchema.optional(),
  })
  .strict();

/** Kindergarten staff's lists, a page at a time as the public lists are (R11.1's cursors). */
export const staffPageSchema = publicFilterSchema.pick({ limit: true, cursor: true });

export const placeParamsSchema = z.object({ id: paramRowIdSchema });

/** R4.2: why a place was corrected or withdrawn, kept with the change: not blank, no control characters. */
const reasonSchema = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .meta({ pattern: `^${SAFE_CHARACTER}*[^\\s${CONTROL_CHARACTERS}]${SAFE_CHARACTER}*$` })
  .describe('Why: kept with the change (R4.2)');

const CORRECTABLE = ['count', 'language', 'placeType', 'groupYear', 'releasedOn'] as const;

/**
 * R4.2: a correction of a place: the fields to change, each as it should be (`count` is the new
 * number of seats), and why. Fields as `addPlaces` takes them, checked against the region alike.
 */
export const correctPlaceSchema = addPlacesSchema
  .pick({ count: true, language: true, placeType: true, groupYear: true, releasedOn: true })
  .partial()
  .extend({ reason: reasonSchema })
  .strict()
  .refine((c) => CORRECTABLE.some((f) => c[f] !== undefined), 'name at least one of count, language, placeType, groupYear, releasedOn');

/** R4.2: withdrawing a place: why. */
export const withdrawPlaceSchema = z.object({ reason: reasonSchema }).strict();

export const dailyRunSchema = z.object({ run: z.enum(['publish', 'offer']), regionCode: regionCodeSchema }).strict();

/** R10: what an operator may change of a region's settings (at least one); the numbering prefix stays. */
export const regionSettingsChangeSchema = ruleSettingsSchema
  .omit({ numberPrefix: true })
  .partial()
  // R10: the region's contacts, replaced as a whole
  .extend({ contacts: regionContactsSchema.optional() })
  .strict()
  .refine((change) => Object.keys(change).length > 0, 'name at least one setting to change');
