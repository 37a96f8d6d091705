import { z } from 'zod';
import { paramRowIdSchema, paramYearSchema, regionCodeSchema } from './common';

export const publicFilterSchema = z
  .object({
    regionCode: regionCodeSchema,
    kindergartenId: paramRowIdSchema.optional(),
    groupYear: paramYearSchema.optional(),
  })
  .strict();
