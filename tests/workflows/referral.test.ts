import { randomUUID } from 'node:crypto';
import { createCalendarActivities } from '../../activities/calendar';
import { publicHolidays } from '../../domain/holidays';
import { nthWorkingDayAfter, WorkingCalendar } from '../../domain/working-days';
import { addDays, almatyDate, days, hours, startOfAlmatyDay } from '../../domain/almaty-time';
import {
  chooseKindergartenUpdate,
  extendReferralUpdate,
  getStateQuery,
  offerPlacesSignal,
  withdrawReferralUpdate,
} from '../../contracts/application';
import {
  applicationRow,
  buildPlace,
  causes,
  finished,
  freeSeats,
  issueReferral,
  offerPlaces,
  request,
  skipTo,
  waitForState,
  type Started,
  refusal,
  startWithReferral,
} from '../helpers/lifecycle';
import { useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();

const withReferral = (regionCode?: string) => startWithReferral(suite.env, suite.db, regionCode);

const workingDeadline = (regionCode: string, from: number, count: number) =>
  createCalendarActivities({ db: suite.db }).workingDeadline({ regionCode, from, days: count, rule: 'after' });

const status = (s: Started) => s.handle.query(getStateQuery);

describe('the referral (R5)', () => {
  it('R5.2 a referral not registered within 5 working days is annulled, its seat freed, and R5.3 the child goes on the stop-list for 10 working days', async () => {
    const { db, env } = suite;
    const { started, placeId, deadline, issuedAt, regionCode } = await withReferral();
    expect(deadline).toBe(await workingDeadline(regionCode, issuedAt, 5));

    await skipTo(env, deadline - hours(1));
    expect((await status(started)).status).toBe('referral_issued');
    expect(await freeSeats(db, placeId)).toBe(0);

    await skipTo(env, deadline + hours(1));
    const state = await waitForState(started.handle, (s) => s.status === 'queued');
    expect(state).toMatchObject({ status: 'queued', statusCause: 'referral_annulled', expiredReferrals: 1 });
    const stopListUntil = Date.parse(state.deadlines.stopListUntil!);
    // Counted after the day the referral expired, by the domain's own calendar rather than the
    // activity under test; the fixed dates that tell the two counts apart are in stop-list.test.ts.
    const expiredOn = almatyDate(deadline - 1);
    const holidays = new WorkingCalendar([...publicHolidays(Number(expiredOn.slice(0, 4))), ...publicHolidays(Number(expiredOn.slice(0, 4)) + 1)]);
    expect(almatyDate(stopListUntil - 1)).toBe(nthWorkingDayAfter(expiredOn, 10, holidays));
    expect(await freeSeats(db, placeId)).toBe(1);
    expect((await db('referrals').where({ application_number: started.filing.number }).first()).state).toBe('annulled');
    expect((await applicationRow(db, started.filing.number)).stop_list_until.getTime()).toBe(stopListUntil);

    // R5.3: while on the stop-list no referral can be had — an offer is not taken up, a choice is refused.
    const other = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    await started.handle.signal(offerPlacesSignal, { offerId: randomUUID(), placeIds: [other.placeId], offeredAt: await env.currentTimeMs(), windowEndsAt: stopListUntil });
    await expect(
      started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId: other.placeId }] }),
    ).rejects.toMatchObject(refusal('ON_STOP_LIST'));
    expect((await status(started)).status).toBe('queued');

    await skipTo(env, stopListUntil + hours(1));
    const after = await waitForState(started.handle, (s) => s.statusCause === 'stop_list_ended');
    expect(after.deadlines.stopListUntil).toBeUndefined();
    expect(await causes(db, started.filing.number)).toEqual([
      'filed', 'turn_arrived', 'referral_issued', 'referral_annulled', 'stop_list_ended',
    ]);
    // Afterwards a referral can be had again.
    await offerPlaces(env, db, started, [other.placeId]);
    await started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId: other.placeId }] });
    await started.handle.terminate('done');
  });

  it('R5.4 a second expired referral removes the child from the queue', async () => {
    const { db, env } = suite;
    const first = await withReferral();
    await skipTo(env, first.deadline + hours(1));
    const annulled = await waitForState(first.started.handle, (s) => s.status === 'queued');
    await skipTo(env, Date.parse(annulled.deadlines.stopListUntil!) + hours(1));
    await waitForState(first.started.handle, (s) => s.statusCause === 'stop_list_ended');

    const { placeId } = await buildPlace(db, { regionCode: first.regionCode, groupYear: first.started.filing.groupYear });
    const second = await issueReferral(env, db, first.started, placeId);
    await skipTo(env, Date.parse(second.deadlines.referralDeadline!) + hours(1));
    expect(await finished(first.started.handle, 'the application removed after its second expired referral')).toEqual({ outcome: 'removed', cause: 'second_referral_expired' });
    const row = await applicationRow(db, first.started.filing.number);
    expect(row).toMatchObject({ status: 'removed', status_cause: 'second_referral_expired', expired_referrals: 2 });
    expect(await freeSeats(db, placeId)).toBe(1);
    expect(await db('notices').where({ application_number: first.started.filing.number, kind: 'removed' })).toHaveLength(2);
  });

  it('R5.5 a referral is extended once, by up to 30 calendar days counted from the current deadline', async () => {
    const { db, env } = suite;
    const { started, deadline } = await withReferral();
    await expect(started.handle.executeUpdate(extendReferralUpdate, { args: [{ ...request(started), days: 31 }] })).rejects.toMatchObject(
      refusal('INVALID_EXTENSION'),
    );
    const extended = await started.handle.executeUpdate(extendReferralUpdate, { args: [{ ...request(started), days: 30 }] });
    const newDeadline = Date.parse(extended.deadlines.referralDeadline!);
    expect(newDeadline).toBe(deadline + days(30));
    expect(extended.referral!.extended).toBe(true);
    expect((await db('referrals').where({ application_number: started.filing.number }).first()).extension_days).toBe(30);
    await expect(started.handle.executeUpdate(extendReferralUpdate, { args: [{ ...request(started), days: 1 }] })).rejects.toMatchObject(
      refusal('EXTENSION_USED'),
    );

    await skipTo(env, deadline + hours(1)); // the old deadline passes harmlessly
    expect((await status(started)).status).toBe('referral_issued');
    await skipTo(env, newDeadline + hours(1));
    expect((await waitForState(started.handle, (s) => s.status === 'queued')).statusCause).toBe('referral_annulled');
    expect(await causes(db, started.filing.number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'referral_extended', 'referral_annulled']);
    await started.handle.terminate('done');
  });

  it('R5.6 a referral can be withdrawn at 23 hours, and the seat is freed', async () => {
    const { db, env } = suite;
    const { started, placeId, issuedAt } = await withReferral();
    await skipTo(env, issuedAt + hours(23));
    const state = await started.handle.executeUpdate(withdrawReferralUpdate, { args: [request(started)] });
    expect(state).toMatchObject({ status: 'queued', statusCause: 'referral_withdrawn', expiredReferrals: 0 });
    expect(state.deadlines.stopListUntil).toBeUndefined();
    expect(await freeSeats(db, placeId)).toBe(1);
    expect((await db('referrals').where({ application_number: started.filing.number }).first()).state).toBe('withdrawn');
    await started.handle.terminate('done');
  });

  it('R5.6 a referral cannot be withdrawn at 25 hours, and nothing changes', async () => {
    const { db, env } = suite;
    const { started, placeId, issuedAt } = await withReferral();
    await skipTo(env, issuedAt + hours(25));
    await expect(started.handle.executeUpdate(withdrawReferralUpdate, { args: [request(started)] })).rejects.toMatchObject(
      refusal('WITHDRAWAL_WINDOW_PASSED'),
    );
    expect((await status(started)).status).toBe('referral_issued');
    expect(await freeSeats(db, placeId)).toBe(0);
    expect(await causes(db, started.filing.number)).toEqual(['filed', 'turn_arrived', 'referral_issued']);
    await started.handle.terminate('done');
  });

  it('R5.2 a decree day off added to the calendar while a referral runs moves its deadline one working day later', async () => {
    const { db, env } = suite;
    const { started, deadline, issuedAt, regionCode } = await withReferral();
    // The operator declares the first working day of the referral's count a day off (regional decree).
    let day = addDays(almatyDate(issuedAt), 1);
    while ((await workingDeadline(regionCode, startOfAlmatyDay(day) - hours(1), 1)) !== startOfAlmatyDay(day) + days(1)) {
      day = addDays(day, 1);
    }
    await db('calendar_days').insert({ day, region_code: regionCode, kind: 'day_off', name: 'Перенос по постановлению', source: 'decree' });
    const moved = await workingDeadline(regionCode, issuedAt, 5);
    expect(moved).toBeGreaterThan(deadline);

    await skipTo(env, deadline + hours(1));
    const state = await waitForState(started.handle, (s) => s.deadlines.referralDeadline !== new Date(deadline).toISOString());
    expect(state.status).toBe('referral_issued');
    expect(Date.parse(state.deadlines.referralDeadline!)).toBe(moved);
    await skipTo(env, moved + hours(1));
    expect((await waitForState(started.handle, (s) => s.status === 'queued')).statusCause).toBe('referral_annulled');
    expect(await causes(db, started.filing.number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'deadline_moved', 'referral_annulled']);
    await started.handle.terminate('done');
  });

  it('R5.2 a calendar change never shortens a running deadline', async () => {
    const { db, env } = suite;
    const { started, deadline, issuedAt, regionCode } = await withReferral();
    // A decree makes the Saturday after issue a working day: the count would now end earlier.
    let saturday = addDays(almatyDate(issuedAt), 1);
    while (new Date(startOfAlmatyDay(saturday) + hours(5)).getUTCDay() !== 6) saturday = addDays(saturday, 1);
    await db('calendar_days').insert({ day: saturday, region_code: regionCode, kind: 'working_day', name: 'Рабочая суббота', source: 'decree' });
    expect(await workingDeadline(regionCode, issuedAt, 5)).toBeLessThan(deadline);

    await skipTo(env, deadline - hours(2));
    expect((await status(started)).status).toBe('referral_issued');
    await skipTo(env, deadline + hours(1));
    expect((await waitForState(started.handle, (s) => s.status === 'queued')).statusCause).toBe('referral_annulled');
    await started.handle.terminate('done');
  });

  it('R5.2 a referral issued on the Friday before Nauryz is due at the end of the 5th working day after the holidays', async () => {
    const { env } = suite;
    // The test server's clock starts at the real now: go to the next 19 March, 10:00 Almaty.
    const now = await env.currentTimeMs();
    let year = Number(almatyDate(now).slice(0, 4));
    while (Date.parse(`${year}-03-19T05:00:00Z`) <= now) year += 1;
    await skipTo(env, Date.parse(`${year}-03-19T05:00:00Z`));

    const { deadline, issuedAt, started } = await withReferral('almaty');
    expect(almatyDate(issuedAt)).toBe(`${year}-03-19`);
    expect(deadline).toBe(await workingDeadline('almaty', issuedAt, 5));
    // 2027: Fri 19 March; 20–21 weekend, 21–23 Nauryz, 24 the day off moved from Sunday 21; then
    // 25, 26, 29, 30, 31 March are the five working days (see tests/domain/working-days.test.ts).
    if (year === 2027) expect(new Date(deadline).toISOString()).toBe('2027-03-31T19:00:00.000Z');

    await skipTo(env, deadline - hours(1));
    expect((await status(started)).status).toBe('referral_issued');
    await skipTo(env, deadline + hours(1));
    expect((await waitForState(started.handle, (s) => s.status === 'queued')).statusCause).toBe('referral_annulled');
    await started.handle.terminate('done');
  });
});
