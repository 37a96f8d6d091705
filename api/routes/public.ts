import Router from '@koa/router';
import { withStatusLabel } from '../labels';
import type { Db } from '../../db/connection';
import { issuedReferrals, publicLookup, publishedPlaces } from '../../db/public-board';
import { Problem } from '../problems';
import { applicationParamsSchema } from '../schemas/applications';
import { publicFilterSchema } from '../schemas/public';
import { validateParams, validateQuery } from '../validate';

/** R11: transparency. No login; nothing personal. Role: anyone. */
export function publicRoutes({ db }: { db: Db }): Router {
  const router = new Router({ prefix: '/api/v1/public' });

  router.get('/places', async (ctx) => {
    ctx.body = { places: await publishedPlaces(db, validateQuery(ctx, publicFilterSchema)) };
  });

  router.get('/referrals', async (ctx) => {
    ctx.body = { referrals: await issuedReferrals(db, validateQuery(ctx, publicFilterSchema)) };
  });

  router.get('/applications/:number', async (ctx) => {
    const { number } = validateParams(ctx, applicationParamsSchema);
    const found = await publicLookup(db, number);
    if (!found) throw new Problem('NOT_FOUND', `no application ${number}`);
    ctx.body = withStatusLabel(found);
  });

  return router;
}
