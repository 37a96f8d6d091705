import { cursorSchemaOf } from './public';
import { z } from 'zod';
import { REGISTRATION_NUMBER_PATTERN } from '../../domain/registration-number';

/** R3.1: journal rows per page, unless the client asks fewer; more is refused. */
export const JOURNAL_PAGE_DEFAULT = 20;
export const JOURNAL_PAGE_MAX = 100;

/** Keyed by registration time and number, the tie-breaker among applications. */
const journalCursorSchema = cursorSchemaOf(REGISTRATION_NUMBER_PATTERN);

/** R3.1: the journal, a page at a time. */
export const journalQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(JOURNAL_PAGE_MAX).default(JOURNAL_PAGE_DEFAULT).describe(`Rows per page, at most ${JOURNAL_PAGE_MAX}`),
    cursor: journalCursorSchema.optional(),
  })
  .strict();
