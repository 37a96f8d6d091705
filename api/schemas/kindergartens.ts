import { publicFilterSchema } from './public';

/** R4.7: a region's kindergartens, of one kind or all, a page at a time as the public lists are (R11.1). */
export const kindergartenListSchema = publicFilterSchema.pick({ kind: true, limit: true, cursor: true });
