import { cursorSchemaOf } from './public';
import { z } from 'zod';
import { APPLICATION_STATUSES } from '../../domain/statuses';
import { REGISTRATION_NUMBER_PATTERN } from '../../domain/registration-number';
import { applicationNumberSchema, iinSchema } from './applications';
import { paramYearSchema, regionCodeSchema } from './common';
import { PAGE_DEFAULT, PAGE_MAX } from './public';

export const REASON_MIN = 5;
export const REASON_MAX = 500;

// Characters as JSON Schema counts them (code points), not UTF-16 units.
const between = (n: number, min: number, max: number) => n >= min && n <= max;

/**
 * Personal-data law: why the operator reads personal data, recorded with the read. Missing (or
 * blank) is REASON_REQUIRED; given but out of bounds, or given twice, INVALID_REASON. Control
 * characters never get here (api/text-safety.ts). The check is by hand so each refusal has its
 * code; `meta` tells the OpenAPI document what is accepted.
 */
export const reasonSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    if (value === undefined || (typeof value === 'string' && value.trim() === '')) {
      ctx.addIssue({ code: 'custom', message: 'say why you read this personal data: a reason is required', params: { code: 'REASON_REQUIRED' } });
    } else if (typeof value !== 'string' || !between([...value.trim()].length, REASON_MIN, REASON_MAX)) {
      ctx.addIssue({ code: 'custom', message: `one reason of ${REASON_MIN} to ${REASON_MAX} characters`, params: { code: 'INVALID_REASON' } });
    }
  })
  .transform((value) => (value as string).trim())
  .meta({ type: 'string', minLength: REASON_MIN, maxLength: REASON_MAX, description: 'Personal-data law: why you read it; recorded with the read' });

/** Keyed by registration time and number, the tie-breaker among applications. */
const searchCursorSchema = cursorSchemaOf(REGISTRATION_NUMBER_PATTERN);

/** R3.2-style scoping: an operator searches the applications of the region they keep. */
export const operatorSearchSchema = z
  .object({
    reason: reasonSchema,
    number: applicationNumberSchema.optional().describe('R2.4: exactly this registration number'),
    childIin: iinSchema.optional().describe('The child’s IIN, exactly'),
    status: z.enum(APPLICATION_STATUSES).optional(),
    groupYear: paramYearSchema.optional(),
    regionCode: regionCodeSchema.optional().describe('A national operator narrows to one region; another region than a regional operator’s own finds nothing'),
    limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(PAGE_DEFAULT).describe(`Rows per page, at most ${PAGE_MAX}`),
    cursor: searchCursorSchema.optional(),
  })
  .strict();

/** R3.3: an operator reads a card, saying why. */
export const operatorCardQuerySchema = z.object({ reason: reasonSchema }).strict();
