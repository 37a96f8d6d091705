import { z } from 'zod';
import type { ExaminationConclusion } from '../../contracts/application';
import { needCategorySchema } from './applications';
import { publicFilterSchema } from './public';

/** R8.3: what a ПМПК examination may conclude. */
export const EXAMINATION_CONCLUSIONS = ['confirmed', 'other_category', 'not_needed'] as const satisfies readonly ExaminationConclusion[];


/**
 * R8.3: the signed document's fields besides the envelope. The category is named with
 * `other_category` and only then: the examination found another one. The district is never asked:
 * it is the staff member's own ПМПК.
 */
export const recordExaminationSchema = z
  .object({
    conclusion: z.enum(EXAMINATION_CONCLUSIONS),
    needCategory: needCategorySchema.optional(),
  })
  .strict()
  .superRefine((doc, ctx) => {
    if (doc.conclusion === 'other_category' && doc.needCategory === undefined) {
      ctx.addIssue({ code: 'custom', path: ['needCategory'], message: 'other_category names the category the examination found', params: { code: 'INVALID_EXAMINATION' } });
    }
    if (doc.conclusion !== 'other_category' && doc.needCategory !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['needCategory'], message: 'a category is named only with other_category', params: { code: 'INVALID_EXAMINATION' } });
    }
  });

/** ПМПК staff's lists, a page at a time as the public lists are (R11.1's cursors). */
export const pmpkPageSchema = publicFilterSchema.pick({ limit: true, cursor: true });
