import { z } from 'zod';
import { iinSchema } from './applications';

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
