import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { announceCalendarChange } from '../calendar-changes';
import { Problem } from '../problems';
import { calendarDayParamsSchema, calendarDaySchema, calendarQuerySchema } from '../schemas/staff';
import { operatorKeeps, requireStaff } from '../staff';
import { validateBody, validateParams, validateQuery } from '../validate';

const toJson = (r: { id: number; day: string; region_code: string | null; kind: string; name: string; source: string }) => ({
  id: r.id,
  day: r.day,
  regionCode: r.region_code,
  kind: r.kind,
  name: r.name,
  source: r.source,
});

/**
 * Operators: the working-day calendar (holidays, decree days off and working Saturdays). Running
 * deadlines pick a change up when they fall due and never end earlier for it. Role: operator.
 */
export function calendarRoutes({ db, temporal }: { db: Db; temporal: Client }): Router {
  const router = new Router({ prefix: '/api/v1/admin/calendar-days' });

  router.get('/', async (ctx) => {
    await requireStaff(ctx, db, 'operator');
    const q = validateQuery(ctx, calendarQuerySchema);
    const rows = await db('calendar_days')
      .whereBetween('day', [q.from, q.to])
      .andWhere((w) => (q.regionCode ? w.whereNull('region_code').orWhere('region_code', q.regionCode) : w.whereNull('region_code')))
      .orderBy(['day', 'region_code']);
    ctx.body = { days: rows.map(toJson) };
  });

  router.post('/', async (ctx) => {
    const operator = await requireStaff(ctx, db, 'operator');
    const day = validateBody(ctx, calendarDaySchema);
    if (!operatorKeeps(operator, day.regionCode)) throw new Problem('FORBIDDEN', 'this calendar is kept by another operator');
    if (day.regionCode && !(await db('regions').where({ code: day.regionCode }).first('code'))) {
      throw new Problem('UNKNOWN_REGION', `no region ${day.regionCode}`, { field: 'regionCode' });
    }
    const [row] = await db('calendar_days')
      .insert({ day: day.day, kind: day.kind, name: day.name, region_code: day.regionCode, source: `operator:${operator.iin}` })
      .onConflict()
      .ignore()
      .returning('*');
    if (!row) throw new Problem('CALENDAR_DAY_EXISTS', `${day.day} already has an entry in this calendar; delete it first`);
    const affectedApplications = await announceCalendarChange(db, temporal, { day: day.day, regionCode: day.regionCode, entryId: row.id, what: 'added' });
    ctx.status = 201;
    ctx.body = { ...toJson(row), affectedApplications };
  });

  router.delete('/:id', async (ctx) => {
    const operator = await requireStaff(ctx, db, 'operator');
    const { id } = validateParams(ctx, calendarDayParamsSchema);
    const row = await db('calendar_days').where({ id }).first();
    if (!row || !operatorKeeps(operator, row.region_code)) throw new Problem('NOT_FOUND', `no calendar entry ${id} that you keep`);
    await db('calendar_days').where({ id }).delete();
    await announceCalendarChange(db, temporal, { day: row.day, regionCode: row.region_code, entryId: row.id, what: 'removed' });
    ctx.status = 204;
  });

  return router;
}
