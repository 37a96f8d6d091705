import { hours } from '../../domain/almaty-time';
import { causes, noticesOf, skipTo, startWithReferral, waitForState } from '../helpers/lifecycle';
import { loadHistory, replayHistory } from '../helpers/histories';
import { useWorkflowSuite } from '../helpers/temporal';

// No workflow cache: every task replays the history from the start, as on a freshly started worker;
// it also keeps tasks off sticky queues, which the test server never times out to a new worker.
const suite = useWorkflowSuite({ maxCachedWorkflows: 0 });

describe('durability', () => {
  it('R5.2 with the worker shut down mid-referral and a new one started, the 5-day deadline fires once: one history event, one notice', async () => {
    const { db, env } = suite;
    const { started, state: referral } = await startWithReferral(env, db);

    await suite.restartWorker(); // the old worker and its workflow cache are gone
    await skipTo(env, Date.parse(referral.deadlines.referralDeadline!) + hours(1));
    await waitForState(started.handle, (s) => s.status === 'queued');
    await suite.restartWorker();
    await skipTo(env, Date.parse(referral.deadlines.referralDeadline!) + hours(3));

    expect((await causes(db, started.filing.number)).filter((c) => c === 'referral_annulled')).toHaveLength(1);
    const notices = await db('notices').where({ application_number: started.filing.number, kind: 'referral_annulled' });
    expect(new Set(notices.map((n) => n.idempotency_key.split(':').slice(0, -2).join(':'))).size).toBe(1); // one notice…
    expect(notices.map((n) => n.channel).sort()).toEqual(['email', 'sms']); // …by e-mail and SMS
    expect(await db('referrals').where({ application_number: started.filing.number, state: 'annulled' })).toHaveLength(1);
    await started.handle.terminate('done');
  });

  it('replays a history recorded before the stop-list-end notice was added (patched) against the current code', async () => {
    const history = loadHistory('stop-list-ended-before-notice.json');
    const activities = history.events
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    expect(activities.at(-1)).toBe('recordTransition'); // the old code sent no notice after the stop-list ended
    await replayHistory('stop-list-ended-before-notice.json');
  });

  it('R9.1 a run started with the current code sends the stop-list-end notice', async () => {
    const { db, env } = suite;
    const { started, state: referral } = await startWithReferral(env, db);
    await skipTo(env, Date.parse(referral.deadlines.referralDeadline!) + hours(1));
    const annulled = await waitForState(started.handle, (s) => s.status === 'queued');
    await skipTo(env, Date.parse(annulled.deadlines.stopListUntil!) + hours(1));
    await waitForState(started.handle, (s) => s.statusCause === 'stop_list_ended');
    expect(await noticesOf(db, started.filing.number, 'stop_list_ended', 2)).toHaveLength(2);
    await started.handle.terminate('done');
  });
});
