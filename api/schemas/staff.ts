import { z } from 'zod';
import { ruleSettingsSchema } from '../../domain/rule-settings';
import { applicationNumberSchema, iinSchema } from './applications';

/** R7.1 */
export const arrivalSchema = z.object({ applicationNumber: applicationNumberSchema }).strict();

/** R7.3 */
export const departureSchema = z.object({ childIin: iinSchema }).strict();

const civilDate = z.iso.date();

/** Working-day exceptions operators add: a decree day off, a working Saturday, a holiday. */
export const calendarDaySchema = z
  .object({
    day: civilDate,
    kind: z.enum(['holiday', 'day_off', 'working_day']),
    name: z.string().min(1).max(200),
    /** Omitted or null: the national calendar. */
    regionCode: z.string().min(1).max(64).nullable().default(null),
  })
  .strict();

export const calendarQuerySchema = z
  .object({ from: civilDate, to: civilDate, regionCode: z.string().min(1).max(64).optional() })
  .strict();

export const calendarDayIdSchema = z.coerce.number().int().positive();

/** R4.2: free places a kindergarten adds. */
export const addPlacesSchema = z
  .object({
    groupYear: z.number().int().min(2000).max(2100),
    language: z.enum(['kk', 'ru']),
    placeType: z.string().min(1).max(100),
    count: z.number().int().min(1).max(500),
    releasedOn: civilDate,
  })
  .strict();

export const dailyRunSchema = z.object({ run: z.enum(['publish', 'offer']), regionCode: z.string().min(1).max(64) }).strict();

/** R10: what an operator may change of a region's settings; the numbering prefix stays. */
export const regionSettingsChangeSchema = ruleSettingsSchema.omit({ numberPrefix: true }).partial().strict();
