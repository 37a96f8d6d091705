import { randomUUID } from 'node:crypto';
import { createCalendarActivities } from '../../activities/calendar';
import { addDays, almatyDate, days, hours, startOfAlmatyDay } from '../../domain/almaty-time';
import {
  extendReferralUpdate,
  recordExaminationUpdate,
  registerArrivalUpdate,
  withdrawReferralUpdate,
  type ExaminationConclusion,
  type RecordExaminationRequest,
} from '../../contracts/application';
import {
  applicationRow,
  buildPlace,
  buildRegion,
  causes,
  finished,
  freeSeats,
  issueReferral,
  refusal,
  request,
  skipTo,
  startApplication,
  startWithReferral,
  terminateWhenIdle,
  waitForState,
  type Started,
} from '../helpers/lifecycle';
import { useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();

// Instants at 24:00 Asia/Almaty (UTC+5) at the end of a day, and an hour on a day.
const endOf = (day: string) => Date.parse(`${day}T00:00:00+05:00`) + hours(24);
const at = (day: string, hour: number) => Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00+05:00`);
const isoOf = (instant: number) => new Date(instant).toISOString();

const SPEECH = 'speech';
/** A member of ПМПК staff (the examinations table keeps their IIN). */
const EXAMINER = '880215400123';

/** A correctional application (category: speech) holding a referral to a speech place, issued now. */
const correctionalReferral = (regionCode?: string) => startWithReferral(suite.env, suite.db, regionCode, undefined, SPEECH);

/** The same, issued at 09:00 Almaty of `day` (the test server's clock only moves forward). */
async function referralOn(day: string) {
  await skipTo(suite.env, at(day, 9));
  return correctionalReferral();
}

/** R8.3: ПМПК staff record the examination (the API signs it; here the workflow update alone). */
const examine = (started: Started, conclusion: ExaminationConclusion, extra: Partial<RecordExaminationRequest> = {}) =>
  started.handle.executeUpdate(recordExaminationUpdate, {
    args: [{ requestId: randomUUID(), actorIin: EXAMINER, conclusion, district: 'Алмалинский', ...extra }],
  });

const workingDeadline = (regionCode: string, from: number, count: number) =>
  createCalendarActivities({ db: suite.db }).workingDeadline({ regionCode, from, days: count, rule: 'after' });

const referralRow = (number: string) => suite.db('referrals').where({ application_number: number }).orderBy('id', 'desc').first();
const noticeKinds = async (number: string) => [...new Set((await suite.db('notices').where({ application_number: number }).orderBy('id')).map((n) => n.kind))];

describe('the ПМПК step of a correctional referral (R8.2–R8.4)', () => {
  it('R8.3 a referral issued Fri 9 April 2027 must be examined by 24:00 Wed 14 April; missed, it is annulled and R8.2 the stop-list covers the 10 working days 15–28 April', async () => {
    const { db, env } = suite;
    const { started, placeId, kindergartenId, state } = await referralOn('2027-04-09');
    const number = started.filing.number;
    expect(state.deadlines).toMatchObject({ examinationDueAt: isoOf(endOf('2027-04-14')), referralDeadline: isoOf(endOf('2027-04-14')) });
    expect((await applicationRow(db, number)).examination_due_at.getTime()).toBe(endOf('2027-04-14'));
    expect((await referralRow(number)).deadline.getTime()).toBe(endOf('2027-04-14'));
    // The referral_issued notice names the examination's date as its deadline.
    expect((await db('notices').where({ application_number: number, kind: 'referral_issued' }).first()).payload).toMatchObject({ deadline: isoOf(endOf('2027-04-14')) });

    // Before the examination the kindergarten cannot register the child.
    await expect(
      started.handle.executeUpdate(registerArrivalUpdate, { args: [{ ...request(started), kindergartenId }] }),
    ).rejects.toMatchObject(refusal('EXAMINATION_PENDING'));

    await skipTo(env, endOf('2027-04-14') - hours(1));
    await waitForState(started.handle, (s) => s.status === 'referral_issued', 'still issued an hour before the examination deadline');
    await skipTo(env, endOf('2027-04-14') + hours(1));
    const annulled = await waitForState(started.handle, (s) => s.statusCause === 'referral_annulled', 'annulled at the examination deadline');
    expect(annulled).toMatchObject({ status: 'queued', expiredReferrals: 1 });
    expect(annulled.deadlines.stopListUntil).toBe(isoOf(endOf('2027-04-28')));
    expect(annulled.deadlines.examinationDueAt).toBeUndefined();
    expect(await freeSeats(db, placeId)).toBe(1);
    expect((await referralRow(number)).state).toBe('annulled');
    expect(await applicationRow(db, number)).toMatchObject({ examination_due_at: null, referral_deadline: null, expired_referrals: 1 });
    expect(await causes(db, number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'referral_annulled']);
    await terminateWhenIdle(started.handle);
  });

  it('R8.3 examined on Wed 9 June 2027, the 3rd working day after a Friday issue, the family has the 5 working days after it: registration by 24:00 Wed 16 June', async () => {
    const { db, env } = suite;
    const { started, kindergartenId } = await referralOn('2027-06-04');
    const number = started.filing.number;
    expect(started.filing.queueType).toBe('correctional');
    const { deadlines } = await waitForState(started.handle, (s) => s.status === 'referral_issued');
    expect(deadlines.examinationDueAt).toBe(isoOf(endOf('2027-06-09')));

    await skipTo(env, at('2027-06-09', 15));
    const examined = await examine(started, 'confirmed');
    expect(examined).toMatchObject({ status: 'referral_issued', statusCause: 'examination_confirmed' });
    expect(examined.referral!.examination).toMatchObject({ conclusion: 'confirmed', district: 'Алмалинский' });
    expect(examined.deadlines.examinationDueAt).toBeUndefined();
    expect(examined.deadlines.referralDeadline).toBe(isoOf(endOf('2027-06-16')));
    expect(await applicationRow(db, number)).toMatchObject({ examination_due_at: null });
    expect((await applicationRow(db, number)).referral_deadline.getTime()).toBe(endOf('2027-06-16'));
    expect((await referralRow(number)).deadline.getTime()).toBe(endOf('2027-06-16'));
    expect(await db('examinations').where({ application_number: number })).toEqual([
      expect.objectContaining({ conclusion: 'confirmed', district: 'Алмалинский', examiner_iin: EXAMINER, need_category_before: SPEECH, need_category_after: SPEECH }),
    ]);
    // Once only.
    await expect(examine(started, 'confirmed')).rejects.toMatchObject(refusal('NO_EXAMINATION_PENDING'));

    // The examination deadline passes harmlessly; the registration one is running.
    await skipTo(env, endOf('2027-06-16') - hours(2));
    await waitForState(started.handle, (s) => s.status === 'referral_issued', 'still issued on the last registration day');
    await started.handle.executeUpdate(registerArrivalUpdate, { args: [{ ...request(started), kindergartenId }] });
    expect(await finished(started.handle, 'enrolled')).toEqual({ outcome: 'enrolled', kindergartenId });
    expect(await causes(db, number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'examination_confirmed', 'enrolled']);
    expect(await noticeKinds(number)).toEqual(expect.arrayContaining(['referral_issued', 'examination_confirmed', 'enrolled']));
    // The examination_confirmed notice names the kindergarten and the registration deadline.
    expect((await db('notices').where({ application_number: number, kind: 'examination_confirmed' }).first()).payload).toMatchObject({
      deadline: isoOf(endOf('2027-06-16')),
      kindergarten: expect.objectContaining({ name: expect.any(String) }),
    });
  });

  it('R8.3 R8.2 registration missed after an examination on Tue 22 June 2027 (due 24:00 Tue 29 June): annulled, and the stop-list skips the 6 July holiday, ending 24:00 Wed 14 July', async () => {
    const { db, env } = suite;
    const { started, placeId } = await referralOn('2027-06-21');
    const number = started.filing.number;
    await skipTo(env, at('2027-06-22', 11));
    expect((await examine(started, 'confirmed')).deadlines.referralDeadline).toBe(isoOf(endOf('2027-06-29')));

    await skipTo(env, endOf('2027-06-29') - hours(1));
    await waitForState(started.handle, (s) => s.status === 'referral_issued', 'still issued before the registration deadline');
    await skipTo(env, endOf('2027-06-29') + hours(1));
    const annulled = await waitForState(started.handle, (s) => s.statusCause === 'referral_annulled', 'annulled at the registration deadline');
    expect(annulled).toMatchObject({ status: 'queued', expiredReferrals: 1 });
    expect(annulled.deadlines.stopListUntil).toBe(isoOf(endOf('2027-07-14')));
    expect(await freeSeats(db, placeId)).toBe(1);
    expect((await referralRow(number)).state).toBe('annulled');
    expect(await causes(db, number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'examination_confirmed', 'referral_annulled']);
    await terminateWhenIdle(started.handle);
  });

  it('R8.3 "other category": the application takes the category found; the place no longer fits, so the referral ends without a stop-list or an expiry and the child waits in the queue', async () => {
    const { db } = suite;
    const { started, placeId } = await correctionalReferral();
    const number = started.filing.number;
    // Refused, changing nothing: no category named, or the one the application has.
    await expect(examine(started, 'other_category')).rejects.toMatchObject(refusal('INVALID_EXAMINATION'));
    await expect(examine(started, 'other_category', { needCategory: SPEECH })).rejects.toMatchObject(refusal('NOTHING_TO_CHANGE'));
    expect(await db('examinations').where({ application_number: number })).toHaveLength(0);

    const state = await examine(started, 'other_category', { needCategory: 'hearing' });
    expect(state).toMatchObject({ status: 'queued', statusCause: 'examination_other_category', expiredReferrals: 0 });
    expect(state.referral).toBeUndefined();
    expect(state.deadlines.stopListUntil).toBeUndefined();
    expect(state.deadlines.referralDeadline).toBeUndefined();
    expect(await freeSeats(db, placeId)).toBe(1);
    expect((await referralRow(number)).state).toBe('cancelled');
    expect(await applicationRow(db, number)).toMatchObject({
      status: 'queued', need_category: 'hearing', examination_due_at: null, referral_deadline: null, stop_list_until: null, expired_referrals: 0,
    });
    expect(await db('examinations').where({ application_number: number })).toEqual([
      expect.objectContaining({ conclusion: 'other_category', need_category_before: SPEECH, need_category_after: 'hearing' }),
    ]);
    expect(await causes(db, number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'examination_other_category']);
    expect(await noticeKinds(number)).toContain('examination_other_category');
    // The child may take a place of the new category at once.
    const hearing = await buildPlace(db, { regionCode: started.filing.regionCode, groupYear: started.filing.groupYear, needCategory: 'hearing' });
    expect((await issueReferral(suite.env, db, started, hearing.placeId)).status).toBe('referral_issued');
    await terminateWhenIdle(started.handle);
  });

  it('R8.3 "not needed": the seat is freed without a stop-list, the correctional application closes with that cause, and the family is told it may file in the general queue', async () => {
    const { db } = suite;
    const { started, placeId } = await correctionalReferral();
    const number = started.filing.number;
    const state = await examine(started, 'not_needed');
    expect(state).toMatchObject({ status: 'removed', statusCause: 'examination_not_needed', expiredReferrals: 0 });
    expect(await finished(started.handle, 'closed as not needed')).toEqual({ outcome: 'removed', cause: 'examination_not_needed' });
    expect(await freeSeats(db, placeId)).toBe(1);
    expect((await referralRow(number)).state).toBe('cancelled');
    expect(await applicationRow(db, number)).toMatchObject({ status: 'removed', status_cause: 'examination_not_needed', examination_due_at: null, stop_list_until: null });
    const kinds = await noticeKinds(number);
    expect(kinds).toContain('examination_not_needed');
    expect(kinds).not.toContain('removed');
  });

  it('R8.4 an extension asked before the examination moves the examination deadline only; the registration count then starts from the examination day', async () => {
    const { db, env } = suite;
    const { started, regionCode } = await correctionalReferral();
    const number = started.filing.number;
    const { deadlines } = await waitForState(started.handle, (s) => s.status === 'referral_issued');
    const dueAt = Date.parse(deadlines.examinationDueAt!);

    const extended = await started.handle.executeUpdate(extendReferralUpdate, { args: [{ ...request(started), days: 10 }] });
    expect(extended.deadlines).toMatchObject({ examinationDueAt: isoOf(dueAt + days(10)), referralDeadline: isoOf(dueAt + days(10)) });
    expect((await applicationRow(db, number)).examination_due_at.getTime()).toBe(dueAt + days(10));
    expect((await referralRow(number)).extension_days).toBe(10);
    await expect(started.handle.executeUpdate(extendReferralUpdate, { args: [{ ...request(started), days: 1 }] })).rejects.toMatchObject(refusal('EXTENSION_USED'));

    // The original examination deadline passes harmlessly.
    await skipTo(env, dueAt + days(2));
    const examinedAt = await env.currentTimeMs();
    const examined = await examine(started, 'confirmed');
    // 5 working days after the examination day, without the extension (it moved the examination's).
    const registrationBy = await workingDeadline(regionCode, examinedAt, 5);
    expect(examined.deadlines.referralDeadline).toBe(isoOf(registrationBy));
    expect(examined.referral!.extended).toBe(true);
    await expect(started.handle.executeUpdate(extendReferralUpdate, { args: [{ ...request(started), days: 1 }] })).rejects.toMatchObject(refusal('EXTENSION_USED'));

    await skipTo(env, registrationBy + hours(1));
    expect((await waitForState(started.handle, (s) => s.status === 'queued', 'annulled at the registration deadline')).statusCause).toBe('referral_annulled');
    expect(await causes(db, number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'referral_extended', 'examination_confirmed', 'referral_annulled']);
    await terminateWhenIdle(started.handle);
  });

  it('R8.4 an extension asked after the examination moves the registration deadline, counted from the current one', async () => {
    const { db, env } = suite;
    const { started } = await correctionalReferral();
    const number = started.filing.number;
    const examined = await examine(started, 'confirmed');
    const registrationBy = Date.parse(examined.deadlines.referralDeadline!);

    const extended = await started.handle.executeUpdate(extendReferralUpdate, { args: [{ ...request(started), days: 30 }] });
    expect(extended.deadlines.referralDeadline).toBe(isoOf(registrationBy + days(30)));
    expect(extended.deadlines.examinationDueAt).toBeUndefined();
    expect((await referralRow(number)).deadline.getTime()).toBe(registrationBy + days(30));
    expect((await applicationRow(db, number)).examination_due_at).toBeNull();

    await skipTo(env, registrationBy + hours(1));
    await waitForState(started.handle, (s) => s.status === 'referral_issued', 'still issued after the unextended deadline');
    await skipTo(env, registrationBy + days(30) + hours(1));
    expect((await waitForState(started.handle, (s) => s.status === 'queued', 'annulled at the extended deadline')).statusCause).toBe('referral_annulled');
    expect(await causes(db, number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'examination_confirmed', 'referral_extended', 'referral_annulled']);
    await terminateWhenIdle(started.handle);
  });

  it('R8.4 a correctional referral is withdrawn within 24 hours (the seat freed, no stop-list), and not after', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const early = await correctionalReferral(regionCode);
    const late = await correctionalReferral(regionCode);
    await skipTo(env, early.issuedAt + hours(23));
    const withdrawn = await early.started.handle.executeUpdate(withdrawReferralUpdate, { args: [request(early.started)] });
    expect(withdrawn).toMatchObject({ status: 'queued', statusCause: 'referral_withdrawn', expiredReferrals: 0 });
    expect(withdrawn.deadlines.stopListUntil).toBeUndefined();
    expect(await freeSeats(db, early.placeId)).toBe(1);
    expect((await referralRow(early.started.filing.number)).state).toBe('withdrawn');
    expect(await applicationRow(db, early.started.filing.number)).toMatchObject({ examination_due_at: null, referral_deadline: null });

    await skipTo(env, late.issuedAt + hours(25));
    await expect(late.started.handle.executeUpdate(withdrawReferralUpdate, { args: [request(late.started)] })).rejects.toMatchObject(
      refusal('WITHDRAWAL_WINDOW_PASSED'),
    );
    expect(await freeSeats(db, late.placeId)).toBe(0);
    await terminateWhenIdle(early.started.handle);
    await terminateWhenIdle(late.started.handle);
  });

  it('R8.2 two expiries remove the child: a missed examination, then a registration missed after the next examination', async () => {
    const { db, env } = suite;
    const first = await correctionalReferral();
    const { started, regionCode } = first;
    await skipTo(env, Date.parse(first.state.deadlines.examinationDueAt!) + hours(1));
    const annulled = await waitForState(started.handle, (s) => s.statusCause === 'referral_annulled', 'the first referral annulled');
    await skipTo(env, Date.parse(annulled.deadlines.stopListUntil!) + hours(1));
    await waitForState(started.handle, (s) => s.statusCause === 'stop_list_ended', 'the stop-list ended');

    const { placeId } = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear, needCategory: SPEECH });
    await issueReferral(env, db, started, placeId);
    const examined = await examine(started, 'confirmed');
    await skipTo(env, Date.parse(examined.deadlines.referralDeadline!) + hours(1));
    expect(await finished(started.handle, 'removed at the second expiry')).toEqual({ outcome: 'removed', cause: 'second_referral_expired' });
    expect(await applicationRow(db, started.filing.number)).toMatchObject({ status: 'removed', expired_referrals: 2, examination_due_at: null });
    expect(await freeSeats(db, placeId)).toBe(1);
  });

  it('R8.3 a day off decreed within the examination count moves the examination deadline one working day later', async () => {
    const { db, env } = suite;
    const { started, regionCode, issuedAt, state } = await correctionalReferral();
    const dueAt = Date.parse(state.deadlines.examinationDueAt!);
    expect(dueAt).toBe(await workingDeadline(regionCode, issuedAt, 3));
    // The operator declares the first working day of the count a day off (regional decree).
    let day = addDays(almatyDate(issuedAt), 1);
    while ((await workingDeadline(regionCode, startOfAlmatyDay(day) - hours(1), 1)) !== startOfAlmatyDay(day) + days(1)) day = addDays(day, 1);
    await db('calendar_days').insert({ day, region_code: regionCode, kind: 'day_off', name: 'Перенос по постановлению', source: 'decree' });
    const moved = await workingDeadline(regionCode, issuedAt, 3);
    expect(moved).toBeGreaterThan(dueAt);

    await skipTo(env, dueAt + hours(1));
    const state2 = await waitForState(started.handle, (s) => s.deadlines.examinationDueAt === isoOf(moved), 'the examination deadline moved');
    expect(state2).toMatchObject({ status: 'referral_issued', statusCause: 'deadline_moved' });
    expect((await applicationRow(db, started.filing.number)).examination_due_at.getTime()).toBe(moved);
    await terminateWhenIdle(started.handle);
  });
});

// The general queue's referral is unchanged: tests/workflows/referral.test.ts. A general application has no examination to record.
describe('R8.3 the examination is for correctional referrals only', () => {
  it('R8.3 recording an examination of a general application is refused', async () => {
    const { db, env } = suite;
    const started = await startApplication(env, db, { regionCode: await buildRegion(db) });
    await waitForState(started.handle, (s) => s.status === 'queued');
    await expect(examine(started, 'confirmed')).rejects.toMatchObject(refusal('NO_EXAMINATION_PENDING'));
    await terminateWhenIdle(started.handle);
  });
});
