import type { Context } from 'koa';
import { z } from 'zod';
import { latestSignedHead } from '../../db/chain';
import { issuedReferrals, publicLookup, publishedPlaces, type PageKey } from '../../db/public-board';
import { withStatusLabel } from '../labels';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { applicationParamsSchema } from '../schemas/applications';
import { pageCursor, publicFilterSchema } from '../schemas/public';
import { issuedReferralsAnswer, publicApplicationAnswer, publishedPlacesAnswer } from '../schemas/responses';

export const pageHeaders = { Link: { description: 'RFC 8288: `<…>; rel="next"`, this request with the next page\'s cursor; absent on the last page', schema: z.string() } };

/** R11.1: the cursor of the next page, also as a Link to it: this request's path and query with that cursor. */
export function nextPage(ctx: Context, key: PageKey | null): string | null {
  if (!key) return null;
  const cursor = pageCursor(key);
  const query = new URLSearchParams(ctx.querystring);
  query.set('cursor', cursor);
  ctx.set('Link', `<${ctx.path}?${query}>; rel="next"`);
  return cursor;
}

/** R11: transparency. No login; nothing personal; limited per client address. Role: anyone. */
export const PUBLIC_ROUTES: AnyRoute[] = [
  route({
    operationId: 'listPublishedPlaces',
    method: 'get',
    path: '/api/v1/public/places',
    role: 'anyone',
    summary: 'R4.3, R11.1: published places, newest first, a page at a time',
    limit: 'anonymous',
    query: publicFilterSchema,
    ok: { status: 200, schema: publishedPlacesAnswer, headers: pageHeaders },
    async handle({ ctx, query: { limit, cursor, ...filter } }, { db }) {
      const [{ places, next }, signedHead] = await Promise.all([publishedPlaces(db, filter, { limit, after: cursor }), latestSignedHead(db, filter.regionCode)]);
      return { places, signedHead, next: nextPage(ctx, next) };
    },
  }),
  route({
    operationId: 'listIssuedReferrals',
    method: 'get',
    path: '/api/v1/public/referrals',
    role: 'anyone',
    summary: 'R11.1: issued referrals, newest first, a page at a time',
    limit: 'anonymous',
    query: publicFilterSchema,
    ok: {
      status: 200,
      schema: issuedReferralsAnswer,
      headers: pageHeaders,
      links: {
        lookupApplication: {
          operationId: 'lookupApplication',
          parameters: { number: '$response.body#/referrals/0/registrationNumber' },
          description: 'R11.2: where the referral’s application stands',
        },
      },
    },
    async handle({ ctx, query: { limit, cursor, ...filter } }, { db }) {
      const { referrals, next } = await issuedReferrals(db, filter, { limit, after: cursor });
      return { referrals, next: nextPage(ctx, next) };
    },
  }),
  route({
    operationId: 'lookupApplication',
    method: 'get',
    path: '/api/v1/public/applications/:number',
    role: 'anyone',
    summary: 'R11.2: status and queue numbers, nothing personal',
    limit: 'anonymous',
    params: applicationParamsSchema,
    ok: { status: 200, schema: publicApplicationAnswer },
    async handle({ params }, { db }) {
      const found = await publicLookup(db, params.number);
      if (!found) throw new Problem('NOT_FOUND', `no application ${params.number}`);
      return withStatusLabel(found);
    },
  }),
];
