import { z } from 'zod';
import type { PageKey } from '../../db/public-board';
import { KINDERGARTEN_KINDS } from '../../domain/rule-settings';
import { paramRowIdSchema, paramYearSchema, regionCodeSchema } from './common';

/** R11.1: rows of a public list per page, unless the client asks fewer; more is refused. */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

const KEY_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** A page's cursor as clients see it: opaque, URL-safe, the key of the last row of the page before. */
export const pageCursor = (key: PageKey): string => Buffer.from(`${key.at}|${key.id}`).toString('base64url');

/**
 * A cursor of a list whose rows are keyed by a time and a tie-breaker: a row ID for the public
 * lists, a registration number for lists of applications (`tieBreaker` says which).
 */
export function cursorSchemaOf(tieBreaker: RegExp = /^[1-9]\d{0,17}$/) {
  return z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/)
    .describe('The `next` of the page before; absent for the first page')
    .transform((cursor, ctx): PageKey => {
      const [at = '', id = '', ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
      if (rest.length || !KEY_TIME.test(at) || !Number.isFinite(Date.parse(at)) || !tieBreaker.test(id)) {
        ctx.issues.push({ code: 'custom', message: 'not a cursor this list gave; start again without one', input: cursor });
        return z.NEVER;
      }
      return { at, id };
    });
}

const cursorSchema = cursorSchemaOf();

export const publicFilterSchema = z
  .object({
    regionCode: regionCodeSchema,
    kindergartenId: paramRowIdSchema.optional(),
    groupYear: paramYearSchema.optional(),
    /** R4.7: only places (referrals) of kindergartens of this kind. */
    kind: z.enum(KINDERGARTEN_KINDS).optional().describe('R4.7: kind of kindergarten'),
    limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(PAGE_DEFAULT).describe(`Rows per page, at most ${PAGE_MAX}`),
    cursor: cursorSchema.optional(),
  })
  .strict();
