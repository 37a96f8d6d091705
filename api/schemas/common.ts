import { z } from 'zod';

/** The largest value of a PostgreSQL `integer` column (serial IDs, counts). */
export const INT4_MAX = 2_147_483_647;

/** A row ID of an `increments` column in a JSON body. */
export const rowIdSchema = z.number().int().positive().max(INT4_MAX);

/** A row ID of an `increments` column as a path or query parameter. */
export const paramRowIdSchema = z.coerce.number().int().positive().max(INT4_MAX);

/** A signed document's ID (`bigIncrements`) as a path parameter. */
export const paramBigRowIdSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A group year as a query parameter: a birth year a child in any queue can have. */
export const paramYearSchema = z.coerce.number().int().min(2000).max(2100);

/** Civil dates the service deals in: the calendar, release dates. Year 0000 is not a date PostgreSQL keeps. */
export const civilDateSchema = z.iso
  .date()
  .refine((d) => d >= '2000-01-01' && d <= '2100-12-31', 'a date between 2000-01-01 and 2100-12-31');

/** A region code as the URL and the filters carry it. */
export const regionCodeSchema = z.string().min(1).max(64);
