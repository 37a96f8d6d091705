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

/**
 * Civil dates the service deals in (the calendar, release dates): real dates of 2000–2099, leap days
 * included. Year 0000 is no date PostgreSQL keeps; one pattern says it all, so the OpenAPI document
 * describes exactly what is accepted.
 */
const CIVIL_DATE = /^(?:20(?:[02468][048]|[13579][26])-02-29|20\d\d-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8])))$/;
export const civilDateSchema = z.string().regex(CIVIL_DATE, 'a date (YYYY-MM-DD) from 2000-01-01 to 2099-12-31');

/**
 * For the OpenAPI document: the characters no string may hold (api/text-safety.ts refuses them),
 * as the inside of a JSON Schema character class, and a pattern of text without them.
 */
export const CONTROL_CHARACTERS = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F';
export const SAFE_CHARACTER = `[^${CONTROL_CHARACTERS}]`;
export const SAFE_TEXT_PATTERN = `^${SAFE_CHARACTER}*$`;

/** A region code as the URL and the filters carry it. */
export const regionCodeSchema = z.string().min(1).max(64);
