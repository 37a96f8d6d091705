import { createCalendarActivities } from '../../activities/calendar';
import { extendReferralUpdate, getStateQuery } from '../../contracts/application';
import { days, hours, minutes } from '../../domain/almaty-time';
import { DEADLINE_NOTICE_HOUR } from '../../domain/notices';
import { request, skipTo, startWithReferral, untilIdle } from '../helpers/lifecycle';
import { useWorkflowSuite } from '../helpers/temporal';
import { eventually } from '../helpers/waits';

const suite = useWorkflowSuite();

const noticeAt = (regionCode: string, deadline: number) =>
  createCalendarActivities({ db: suite.db }).deadlineNoticeAt({ regionCode, deadline, hour: DEADLINE_NOTICE_HOUR });

/** The "deadline near" notices queued for an application, one row per contact. */
const deadlineNotices = (number: string) =>
  suite.db('notices').where({ application_number: number, kind: 'deadline_near' }).orderBy('id').select('channel', 'recipient', 'payload', 'idempotency_key');

describe('R9.1 the "deadline near" notice', () => {
  it('R9.1 R5.2 goes at 09:00 on the referral’s last working day, once, to every contact, naming the kindergarten and the deadline', async () => {
    const { env } = suite;
    const { started, deadline, regionCode } = await startWithReferral(env, suite.db);
    const at = await noticeAt(regionCode, deadline);
    expect(deadline - at).toBeGreaterThanOrEqual(hours(24 - DEADLINE_NOTICE_HOUR));

    await skipTo(env, at - minutes(1));
    await untilIdle(started.handle);
    expect(await deadlineNotices(started.filing.number)).toEqual([]);

    await skipTo(env, at + minutes(1));
    const rows = await eventually(() => deadlineNotices(started.filing.number), (r) => r.length === 2, 'the deadline-near notice queued for the e-mail and the phone');
    expect(rows.map((r) => r.channel).sort()).toEqual(['email', 'sms']);
    expect(rows[0]!.payload).toMatchObject({ number: started.filing.number, deadline: new Date(deadline).toISOString(), kindergarten: { name: expect.any(String) } });

    await skipTo(env, deadline - minutes(1));
    await untilIdle(started.handle);
    expect(await deadlineNotices(started.filing.number)).toHaveLength(2);
    expect((await started.handle.query(getStateQuery)).status).toBe('referral_issued');
    await started.handle.terminate('done');
  });

  it('R9.1 R5.5 an extension moves it: none for the old deadline, one for the new', async () => {
    const { env } = suite;
    const { started, deadline, regionCode } = await startWithReferral(env, suite.db);
    const extended = await started.handle.executeUpdate(extendReferralUpdate, { args: [{ ...request(started), days: 10 }] });
    const newDeadline = Date.parse(extended.deadlines.referralDeadline!);
    expect(newDeadline).toBe(deadline + days(10));

    await skipTo(env, deadline + hours(1));
    await untilIdle(started.handle);
    expect(await deadlineNotices(started.filing.number)).toEqual([]);

    const at = await noticeAt(regionCode, newDeadline);
    await skipTo(env, at + minutes(1));
    const rows = await eventually(() => deadlineNotices(started.filing.number), (r) => r.length === 2, 'one deadline-near notice per contact for the extended deadline');
    expect(rows.every((r) => r.payload.deadline === new Date(newDeadline).toISOString())).toBe(true);
    await started.handle.terminate('done');
  });
});
