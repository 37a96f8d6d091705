import { z } from 'zod';
import { paramBigRowIdSchema, regionCodeSchema } from './common';

/** R9.1: the outbox as an operator pages through it, newest first. */
export const noticeQuerySchema = z
  .object({
    state: z.enum(['pending', 'failed']),
    /** A national operator may narrow to one region; a regional one sees only their own. */
    regionCode: regionCodeSchema.optional(),
    /** The `next` of the previous page. */
    before: paramBigRowIdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

export const noticeParamsSchema = z.object({ id: paramBigRowIdSchema });

/** Re-queues a failed notice; `recipient` when the contact it failed on was wrong. */
export const requeueNoticeSchema = z
  .object({ recipient: z.string().min(1).max(254).optional() })
  .strict();

