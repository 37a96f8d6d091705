import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { regionSettings } from '../../db/regions';
import { ruleSettingsSchema } from '../../domain/rule-settings';
import { ensureRegionSchedules } from '../../schedules/daily-runs';
import { audit } from '../audit';
import { Problem } from '../problems';
import { regionParamsSchema, regionSettingsChangeSchema } from '../schemas/staff';
import { operatorKeeps, requireStaff, type StaffMember } from '../staff';
import { validate, validateBody, validateParams } from '../validate';

async function regionOf(db: Db, operator: StaffMember, code: string) {
  // A regional operator keeps only their region; another region answers as one that does not exist.
  const region = operatorKeeps(operator, code) ? await regionSettings(db, code) : undefined;
  if (!region) throw new Problem('NOT_FOUND', `no region ${code} that you keep`);
  return region;
}

/**
 * R10: a region's rule settings, changed without a code change. The daily runs and new
 * applications read them at once, running applications at their next run (each reconfirmation
 * cycle), each through an activity so its history records what it acted on; the schedules move
 * to the new hours. Role: operator.
 */
export function regionRoutes({ db, temporal }: { db: Db; temporal: Client }): Router {
  const router = new Router({ prefix: '/api/v1/admin/regions' });

  router.get('/:code/settings', async (ctx) => {
    const operator = await requireStaff(ctx, db, 'operator');
    ctx.body = (await regionOf(db, operator, validateParams(ctx, regionParamsSchema).code)).settings;
  });

  router.patch('/:code/settings', async (ctx) => {
    const operator = await requireStaff(ctx, db, 'operator');
    const region = await regionOf(db, operator, validateParams(ctx, regionParamsSchema).code);
    const change = validateBody(ctx, regionSettingsChangeSchema);
    const settings = validate(ruleSettingsSchema, { ...region.settings, ...change });
    await db('regions').where({ code: region.code }).update({ settings: JSON.stringify(settings) });
    await ensureRegionSchedules(temporal, region.code, settings);
    audit('region_settings_changed', { iin: operator.iin, region: region.code, change });
    ctx.body = settings;
  });

  return router;
}
