import Router from '@koa/router';
import type { Db } from '../../db/connection';
import { issuedReferrals, publicLookup, publishedPlaces } from '../../db/queries/public';
import { Problem } from '../problems';
import { applicationNumberSchema } from '../schemas/applications';
import { publicFilterSchema } from '../schemas/public';
import { validate } from '../validate';

/** R11: transparency. No login; nothing personal. Role: anyone. */
export function publicRoutes({ db }: { db: Db }): Router {
  const router = new Router({ prefix: '/api/v1/public' });

  router.get('/places', async (ctx) => {
    ctx.body = { places: await publishedPlaces(db, validate(publicFilterSchema, ctx.query)) };
  });

  router.get('/referrals', async (ctx) => {
    ctx.body = { referrals: await issuedReferrals(db, validate(publicFilterSchema, ctx.query)) };
  });

  router.get('/applications/:number', async (ctx) => {
    const number = validate(applicationNumberSchema, ctx.params.number);
    const found = await publicLookup(db, number);
    if (!found) throw new Problem('NOT_FOUND', `no application ${number}`);
    ctx.body = found;
  });

  return router;
}
