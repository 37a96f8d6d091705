import { WorkflowUpdateFailedError } from '@temporalio/client';
import { addMonths, almatyDate, reconfirmationDeadline, startOfAlmatyDay, days, hours } from '../../domain/almaty-time';
import { confirmInterestUpdate, getStateQuery } from '../../contracts/application';
import {
  applicationRow,
  buildPlace,
  buildRegion,
  events as lifecycleEvents,
  finished,
  freeSeats,
  issueReferral,
  skipTo as skipToInstant,
  startApplication,
  waitForState,
} from '../helpers/lifecycle';
import { uniqueId, useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();

const skipTo = (instant: number) => skipToInstant(suite.env, instant);
const start = () => startApplication(suite.env, suite.db, { regionCode: 'almaty' });

const monthInstant = (registeredAt: number, months: number) =>
  startOfAlmatyDay(addMonths(almatyDate(registeredAt), months)) + hours(12);

const row = (number: string) => applicationRow(suite.db, number);
const events = (number: string) => lifecycleEvents(suite.db, number);
const notices = (number: string, kind: string) => suite.db('notices').where({ application_number: number, kind });

describe('R6.1 reconfirmation of interest every 12 months', () => {
  it('R6.1 removes an application not reconfirmed by the first anniversary, after a reminder', async () => {
    const { filing, handle } = await start();
    const deadline = reconfirmationDeadline(filing.registeredAt, 1, 12);

    await skipTo(deadline - days(30) + hours(1));
    expect((await handle.query(getStateQuery)).status).toBe('queued');
    expect(await notices(filing.number, 'reconfirmation_due')).toHaveLength(2); // e-mail and SMS

    await skipTo(deadline - hours(1));
    expect((await row(filing.number)).status).toBe('queued');

    await skipTo(deadline + hours(1));
    expect(await finished(handle, 'removal at the first anniversary')).toEqual({ outcome: 'removed', cause: 'not_reconfirmed' });
    const app = await row(filing.number);
    expect(app.status).toBe('removed');
    expect(app.status_cause).toBe('not_reconfirmed');
    expect(app.status_changed_at.getTime()).toBeGreaterThanOrEqual(deadline);
    const history = await events(filing.number);
    expect(history.map((e) => [e.from_status, e.to_status, e.cause])).toEqual([
      [null, 'queued', 'filed'],
      ['queued', 'removed', 'not_reconfirmed'],
    ]);
    expect(await notices(filing.number, 'removed')).toHaveLength(2);
  });

  it('R6.1 a confirmation at month 11 keeps the child queued at month 13; without another, removed after the second anniversary', async () => {
    const { filing, handle } = await start();

    await skipTo(monthInstant(filing.registeredAt, 11));
    const confirmed = await handle.executeUpdate(confirmInterestUpdate, {
      args: [{ requestId: uniqueId('confirm'), actorIin: filing.applicantIin }],
    });
    expect(confirmed.interestConfirmedForCycle).toBe(true);
    // R6.1: once confirmed, the next confirmation is due by the next anniversary.
    expect(confirmed.deadlines.reconfirmBy).toBe(new Date(reconfirmationDeadline(filing.registeredAt, 2, 12)).toISOString());

    await skipTo(monthInstant(filing.registeredAt, 13));
    const state = await handle.query(getStateQuery);
    expect(state).toMatchObject({ status: 'queued', cycle: 2, interestConfirmedForCycle: false });
    const app = await row(filing.number);
    expect(app.status).toBe('queued');
    expect(app.reconfirm_by.getTime()).toBe(reconfirmationDeadline(filing.registeredAt, 2, 12));
    // The first cycle's reminder was never needed.
    expect(await notices(filing.number, 'reconfirmation_due')).toHaveLength(0);

    await skipTo(reconfirmationDeadline(filing.registeredAt, 2, 12) + hours(1));
    expect(await finished(handle, 'removal at the second anniversary')).toEqual({ outcome: 'removed', cause: 'not_reconfirmed' });
    const removedAt = (await row(filing.number)).status_changed_at.getTime();
    expect(removedAt).toBeGreaterThanOrEqual(reconfirmationDeadline(filing.registeredAt, 2, 12));
    expect((await events(filing.number)).map((e) => e.cause)).toEqual(['filed', 'interest_confirmed', 'not_reconfirmed']);
    expect(await notices(filing.number, 'reconfirmation_due')).toHaveLength(2); // the second cycle's
  });

  it('R6.1 a second confirmation in the same cycle is refused and changes nothing; a retried request acts once', async () => {
    const { filing, handle } = await start();
    const request = { requestId: uniqueId('confirm'), actorIin: filing.applicantIin };
    await handle.executeUpdate(confirmInterestUpdate, { args: [request] });
    await handle.executeUpdate(confirmInterestUpdate, { args: [request] }); // a client's retry

    const again = handle.executeUpdate(confirmInterestUpdate, {
      args: [{ requestId: uniqueId('confirm'), actorIin: filing.applicantIin }],
    });
    await expect(again).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(again).rejects.toMatchObject({ cause: { type: 'ALREADY_CONFIRMED' } });
    expect((await events(filing.number)).map((e) => e.cause)).toEqual(['filed', 'interest_confirmed']);
    await handle.terminate('test finished');
  });

  it('R6.1 the run continues as new at the anniversary, carrying applied requests: a retried confirmation does not act twice', async () => {
    const { filing, handle } = await start();
    const request = { requestId: uniqueId('confirm'), actorIin: filing.applicantIin };
    await skipTo(monthInstant(filing.registeredAt, 11));
    await handle.executeUpdate(confirmInterestUpdate, { args: [request] });
    const firstRun = (await handle.describe()).runId;

    await skipTo(monthInstant(filing.registeredAt, 12) + days(2));
    expect((await handle.describe()).runId).not.toBe(firstRun); // continued as new
    const retried = await handle.executeUpdate(confirmInterestUpdate, { args: [request] });
    expect(retried).toMatchObject({ cycle: 2, interestConfirmedForCycle: false });
    expect((await events(filing.number)).map((e) => e.cause)).toEqual(['filed', 'interest_confirmed']);
    await handle.terminate('test finished');
  });

  it('R5.2 R6.1 a referral running across the anniversary is carried into the new run and its deadline still fires', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const started = await startApplication(env, db, { regionCode });
    const { filing, handle } = started;
    await handle.executeUpdate(confirmInterestUpdate, { args: [{ requestId: uniqueId('confirm'), actorIin: filing.applicantIin }] });
    const anniversary = reconfirmationDeadline(filing.registeredAt, 1, 12);
    await skipTo(anniversary - days(2));
    const { placeId } = await buildPlace(db, { regionCode, groupYear: filing.groupYear });
    const referral = await issueReferral(env, db, started, placeId);
    const deadline = Date.parse(referral.deadlines.referralDeadline!);
    expect(deadline).toBeGreaterThan(anniversary);
    const firstRun = (await handle.describe()).runId;

    await skipTo(anniversary + hours(1));
    expect((await handle.describe()).runId).not.toBe(firstRun);
    expect(await handle.query(getStateQuery)).toMatchObject({ status: 'referral_issued', cycle: 2, referral: { placeId } });
    await skipTo(deadline + hours(1));
    expect((await waitForState(handle, (s) => s.status === 'queued', 'back in the queue after the referral lapsed')).statusCause).toBe('referral_annulled');
    expect(await freeSeats(db, placeId)).toBe(1);
    await handle.terminate('test finished');
  });
});
