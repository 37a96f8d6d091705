import { issuedReferrals, publicLookup, publishedPlaces } from '../../db/public-board';
import { withStatusLabel } from '../labels';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { applicationParamsSchema } from '../schemas/applications';
import { publicFilterSchema } from '../schemas/public';
import { issuedReferralsAnswer, publicApplicationAnswer, publishedPlacesAnswer } from '../schemas/responses';

/** R11: transparency. No login; nothing personal. Role: anyone. */
export const PUBLIC_ROUTES: AnyRoute[] = [
  route({
    operationId: 'listPublishedPlaces',
    method: 'get',
    path: '/api/v1/public/places',
    role: 'anyone',
    summary: 'R4.3, R11.1: published places',
    query: publicFilterSchema,
    ok: { status: 200, schema: publishedPlacesAnswer },
    handle: async ({ query }, { db }) => ({ places: await publishedPlaces(db, query) }),
  }),
  route({
    operationId: 'listIssuedReferrals',
    method: 'get',
    path: '/api/v1/public/referrals',
    role: 'anyone',
    summary: 'R11.1: issued referrals',
    query: publicFilterSchema,
    ok: {
      status: 200,
      schema: issuedReferralsAnswer,
      links: {
        lookupApplication: {
          operationId: 'lookupApplication',
          parameters: { number: '$response.body#/referrals/0/registrationNumber' },
          description: 'R11.2: where the referral’s application stands',
        },
      },
    },
    handle: async ({ query }, { db }) => ({ referrals: await issuedReferrals(db, query) }),
  }),
  route({
    operationId: 'lookupApplication',
    method: 'get',
    path: '/api/v1/public/applications/:number',
    role: 'anyone',
    summary: 'R11.2: status and queue numbers, nothing personal',
    params: applicationParamsSchema,
    ok: { status: 200, schema: publicApplicationAnswer },
    async handle({ params }, { db }) {
      const found = await publicLookup(db, params.number);
      if (!found) throw new Problem('NOT_FOUND', `no application ${params.number}`);
      return withStatusLabel(found);
    },
  }),
];
