import { regionKindergartens } from '../../db/kindergartens';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { kindergartenListSchema } from '../schemas/kindergartens';
import { regionParamsSchema } from '../schemas/staff';
import { kindergartensAnswer } from '../schemas/responses';
import { nextPage, pageHeaders } from './public';

/** R4.7: the kindergartens of a region, for everyone, as the public lists are read (R11.1). Role: anyone. */
export const KINDERGARTEN_ROUTES: AnyRoute[] = [
  route({
    operationId: 'listRegionKindergartens',
    method: 'get',
    path: '/api/v1/regions/:code/kindergartens',
    role: 'anyone',
    summary: 'R4.7: a region’s kindergartens — names, kind, languages of instruction, address, phone, location — newest first, a page at a time; 404 for an unknown region',
    limit: 'anonymous',
    params: regionParamsSchema,
    query: kindergartenListSchema,
    ok: { status: 200, schema: kindergartensAnswer, headers: pageHeaders },
    async handle({ ctx, params, query: { limit, cursor, kind } }, { db }) {
      const found = await regionKindergartens(db, params.code, { kind }, { limit, after: cursor });
      if (!found) throw new Problem('NOT_FOUND', `no region ${params.code}`);
      return { kindergartens: found.kindergartens, next: nextPage(ctx, found.next) };
    },
  }),
];
