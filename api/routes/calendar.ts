import { announceCalendarChange } from '../calendar-changes';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { calendarDayAddedAnswer, calendarDaysAnswer } from '../schemas/responses';
import { calendarDayParamsSchema, calendarDaySchema, calendarQuerySchema } from '../schemas/staff';
import { operatorKeeps } from '../staff';

const toJson = (r: { id: number; day: string; region_code: string | null; kind: 'holiday' | 'day_off' | 'working_day'; name: string; source: string }) => ({
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
export const CALENDAR_ROUTES: AnyRoute[] = [
  route({
    operationId: 'listCalendarDays',
    method: 'get',
    path: '/api/v1/admin/calendar-days',
    role: 'operator',
    summary: 'The working-day calendar’s exceptions',
    query: calendarQuerySchema,
    ok: { status: 200, schema: calendarDaysAnswer },
    async handle({ query: q }, { db }) {
      const rows = await db('calendar_days')
        .whereBetween('day', [q.from, q.to])
        .andWhere((w) => (q.regionCode ? w.whereNull('region_code').orWhere('region_code', q.regionCode) : w.whereNull('region_code')))
        .orderBy(['day', 'region_code']);
      return { days: rows.map(toJson) };
    },
  }),
  route({
    operationId: 'addCalendarDay',
    method: 'post',
    path: '/api/v1/admin/calendar-days',
    role: 'operator',
    summary: 'Add a holiday, decree day off or working Saturday; the deadlines it moves are recomputed by a workflow this starts',
    body: calendarDaySchema,
    ok: {
      status: 201,
      schema: calendarDayAddedAnswer,
      links: { removeCalendarDay: { operationId: 'removeCalendarDay', parameters: { id: '$response.body#/id' }, description: 'Remove this entry' } },
    },
    async handle({ caller: operator, body: day }, { db, temporal }) {
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
      return { ...toJson(row), affectedApplications };
    },
  }),
  route({
    operationId: 'removeCalendarDay',
    method: 'delete',
    path: '/api/v1/admin/calendar-days/:id',
    role: 'operator',
    summary: 'Remove an entry they keep',
    params: calendarDayParamsSchema,
    ok: { status: 204, schema: undefined },
    async handle({ caller: operator, params: { id } }, { db, temporal }) {
      const row = await db('calendar_days').where({ id }).first();
      if (!row || !operatorKeeps(operator, row.region_code)) throw new Problem('NOT_FOUND', `no calendar entry ${id} that you keep`);
      await db('calendar_days').where({ id }).delete();
      await announceCalendarChange(db, temporal, { day: row.day, regionCode: row.region_code, entryId: row.id, what: 'removed' });
    },
  }),
];
