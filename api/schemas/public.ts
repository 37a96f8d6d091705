import { z } from 'zod';

export const publicFilterSchema = z
  .object({
    regionCode: z.string().min(1).max(64),
    kindergartenId: z.coerce.number().int().positive().optional(),
    groupYear: z.coerce.number().int().min(2000).max(2100).optional(),
  })
  .strict();
