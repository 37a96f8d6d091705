import { ScheduleOverlapPolicy } from '@temporalio/client';
import { almatyDate } from '../../domain/almaty-time';
import { scheduleId } from '../../contracts/offer';
import { ensureDailySchedules, SCHEDULE_TIME_ZONE } from '../../schedules/daily-runs';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildStaff } from '../helpers/factories';
import { eventually, finished } from '../helpers/lifecycle';

let api: ApiHarness;
let ids: string[] = [];
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  for (const id of ids) await api.env.client.schedule.getHandle(id).delete().catch(() => undefined);
  await api?.close();
});

/** The hour of an instant on the Almaty clock (UTC+5). */
const almatyHour = (d: Date) => (d.getUTCHours() + 5) % 24;

describe('the daily schedules on the dev server (R4.3, R4.4, R10)', () => {
  it('R4.3 R4.4 R10.1 creates, per region, publication at 18:00 and offer at 07:00 Asia/Almaty, with explicit overlap and catch-up', async () => {
    ids = await ensureDailySchedules(api.env.client, api.db);
    expect(ids).toEqual(expect.arrayContaining([scheduleId('publish', 'almaty'), scheduleId('offer', 'almaty'), scheduleId('offer', 'astana')]));

    const offer = await api.env.client.schedule.getHandle(scheduleId('offer', 'almaty')).describe();
    expect(offer.spec.timezone).toBe(SCHEDULE_TIME_ZONE);
    expect(offer.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 7, end: 7, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] })]);
    expect(offer.policies.overlap).toBe(ScheduleOverlapPolicy.ALLOW_ALL);
    expect(offer.policies.catchupWindow).toBe(86_400_000);
    expect(offer.action).toMatchObject({ type: 'startWorkflow', workflowType: 'offerPlacesWorkflow', args: [{ regionCode: 'almaty' }] });
    expect(offer.info.nextActionTimes.length).toBeGreaterThan(0);
    for (const t of offer.info.nextActionTimes) {
      expect(almatyHour(t)).toBe(7);
      expect(t.getUTCMinutes()).toBe(0);
    }
    const next = offer.info.nextActionTimes[0]!;
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);

    const publish = await api.env.client.schedule.getHandle(scheduleId('publish', 'almaty')).describe();
    for (const t of publish.info.nextActionTimes) expect(almatyHour(t)).toBe(18);
    expect(almatyDate(publish.info.nextActionTimes[1]!.getTime())).not.toBe(almatyDate(publish.info.nextActionTimes[0]!.getTime()));
  });

  it('R4.3 R4.4 R10.1 is idempotent and follows a region’s changed offer hour', async () => {
    const settings = (await api.db('regions').where({ code: 'astana' }).first()).settings;
    await api.db('regions').where({ code: 'astana' }).update({ settings: JSON.stringify({ ...settings, offerHour: 9 }) });
    try {
      ids = await ensureDailySchedules(api.env.client, api.db);
      const offer = await api.env.client.schedule.getHandle(scheduleId('offer', 'astana')).describe();
      for (const t of offer.info.nextActionTimes) expect(almatyHour(t)).toBe(9);
    } finally {
      await api.db('regions').where({ code: 'astana' }).update({ settings: JSON.stringify(settings) });
    }
  });

  it('R4.3 lets an operator run the publication now; the run shows as a workflow of the schedule', async () => {
    ids = await ensureDailySchedules(api.env.client, api.db);
    const almatyOperator = await buildStaff(api.db, { role: 'operator', regionCode: 'almaty' });
    const forbidden = await api.request('POST', '/api/v1/admin/runs', { iin: almatyOperator, body: { run: 'publish', regionCode: 'astana' } });
    expect(forbidden.status).toBe(403);
    const res = await api.request('POST', '/api/v1/admin/runs', { iin: almatyOperator, body: { run: 'publish', regionCode: 'almaty' } });
    expect(res.status).toBe(202);
    const handle = api.env.client.schedule.getHandle(scheduleId('publish', 'almaty'));
    const described = await eventually(() => handle.describe(), (d) => d.info.recentActions.length > 0, 'a run in the schedule’s recent actions');
    const action = described.info.recentActions[0]!.action;
    expect(action.workflow.workflowId).toContain(scheduleId('publish', 'almaty'));
    const run = api.env.client.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId);
    expect(await finished(run, 'the publication run to finish')).toEqual({ published: expect.any(Number) });
  });
});

describe('R10 operators change their region’s settings', () => {
  it('R10.1 R10.2 an Almaty operator changes Almaty’s choice window and offer hour, and the schedule follows; not Astana’s, not the numbering prefix, not out of range', async () => {
    const operator = await buildStaff(api.db, { role: 'operator', regionCode: 'almaty' });
    const before = (await api.db('regions').where({ code: 'almaty' }).first()).settings;
    try {
      const changed = await api.request('PATCH', '/api/v1/admin/regions/almaty/settings', { iin: operator, body: { choiceWindowWorkingDays: 1, offerHour: 8 } });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ ...before, choiceWindowWorkingDays: 1, offerHour: 8 });
      expect((await api.db('regions').where({ code: 'almaty' }).first()).settings).toMatchObject({ choiceWindowWorkingDays: 1, offerHour: 8 });
      ids.push(scheduleId('offer', 'almaty'), scheduleId('publish', 'almaty'));
      const offer = await api.env.client.schedule.getHandle(scheduleId('offer', 'almaty')).describe();
      for (const t of offer.info.nextActionTimes) expect(almatyHour(t)).toBe(8);

      const astana = await api.request('PATCH', '/api/v1/admin/regions/astana/settings', { iin: operator, body: { offerHour: 8 } });
      expect([astana.status, astana.body.code]).toEqual([404, 'NOT_FOUND']);
      const prefix = await api.request('PATCH', '/api/v1/admin/regions/almaty/settings', { iin: operator, body: { numberPrefix: '99' } });
      expect(prefix.status).toBe(400);
      const range = await api.request('PATCH', '/api/v1/admin/regions/almaty/settings', { iin: operator, body: { offerHour: 25 } });
      expect([range.status, range.body.field]).toEqual([400, 'offerHour']);
      expect((await api.request('GET', '/api/v1/admin/regions/almaty/settings', { iin: operator })).body).toMatchObject({ offerHour: 8 });
    } finally {
      await api.db('regions').where({ code: 'almaty' }).update({ settings: JSON.stringify(before) });
    }
  });
});
