import { WorkflowUpdateFailedError } from '@temporalio/client';
import { hours } from '../../domain/almaty-time';
import { chooseKindergartenUpdate, getStateQuery } from '../../contracts/application';
import {
  applicationRow,
  buildPlace,
  buildRegion,
  causes,
  freeSeats,
  offerPlaces,
  request,
  skipTo,
  startApplication,
  refusal,
} from '../helpers/lifecycle';
import { useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();

describe('the offer and the choice of a kindergarten (R4)', () => {
  it('R4.5 an offer not taken within 3 working days lapses; the child stays queued with the same queue position', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const started = await startApplication(env, db, { regionCode });
    const { placeId } = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    const { windowEndsAt } = await offerPlaces(env, db, started, [placeId]);
    expect((await started.handle.query(getStateQuery)).status).toBe('turn_notified');
    expect((await applicationRow(db, started.filing.number)).offer_window_ends_at.getTime()).toBe(windowEndsAt);

    await skipTo(env, windowEndsAt - hours(1));
    expect((await started.handle.query(getStateQuery)).status).toBe('turn_notified');
    await skipTo(env, windowEndsAt + hours(1));
    const state = await started.handle.query(getStateQuery);
    expect(state).toMatchObject({ status: 'queued', statusCause: 'offer_expired' });
    expect(state.offer).toBeUndefined();

    const row = await applicationRow(db, started.filing.number);
    expect(row).toMatchObject({ status: 'queued', offer_window_ends_at: null });
    expect(row.registered_at.getTime()).toBe(started.filing.registeredAt); // R4.5: same place in line
    expect(await causes(db, started.filing.number)).toEqual(['filed', 'turn_arrived', 'offer_expired']);
    expect(await freeSeats(db, placeId)).toBe(1);

    // Choosing after the window says why.
    await expect(
      started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId }] }),
    ).rejects.toMatchObject(refusal('WINDOW_CLOSED'));
    await started.handle.terminate('done');
  });

  it('R5.1 choosing an offered place within the window issues a referral and takes the seat', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const started = await startApplication(env, db, { regionCode });
    const { placeId, kindergartenId } = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear, seats: 2 });
    await offerPlaces(env, db, started, [placeId]);
    const state = await started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId }] });
    expect(state).toMatchObject({ status: 'referral_issued', referral: { placeId, kindergartenId, extended: false } });
    expect(state.deadlines.referralDeadline).toEqual(expect.any(String));
    expect(await freeSeats(db, placeId)).toBe(1);
    const referral = await db('referrals').where({ application_number: started.filing.number }).first();
    expect(referral).toMatchObject({ state: 'active', place_id: placeId });
    expect(referral.deadline.toISOString()).toBe(state.deadlines.referralDeadline);
    expect(await db('notices').where({ application_number: started.filing.number, kind: 'referral_issued' })).toHaveLength(2);
    await started.handle.terminate('done');
  });

  it('R4.6 an under-age child holding an offer cannot choose, and nothing changes', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const now = new Date(await env.currentTimeMs());
    const babyBirthDate = `${now.getUTCFullYear() - 1}-01-15`;
    const started = await startApplication(env, db, { regionCode, childBirthDate: babyBirthDate });
    const { placeId } = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    await offerPlaces(env, db, started, [placeId]);
    await expect(
      started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId }] }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ type: 'NOT_ELIGIBLE', details: [{ reason: 'under_age' }] }) });
    expect((await started.handle.query(getStateQuery)).status).toBe('turn_notified');
    expect(await freeSeats(db, placeId)).toBe(1);
    await started.handle.terminate('done');
  });

  it('R4.8 the last seat goes to exactly one of two applicants; the other is told it is taken and keeps the offer', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const a = await startApplication(env, db, { regionCode });
    const b = await startApplication(env, db, { regionCode });
    const { placeId } = await buildPlace(db, { regionCode, groupYear: a.filing.groupYear });
    await offerPlaces(env, db, a, [placeId]);
    await offerPlaces(env, db, b, [placeId]);
    const results = await Promise.allSettled([
      a.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(a), placeId }] }),
      b.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(b), placeId }] }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(lost[0]!.reason).toMatchObject(refusal('PLACE_TAKEN'));
    expect(await freeSeats(db, placeId)).toBe(0);
    expect(await db('referrals').where({ place_id: placeId, state: 'active' })).toHaveLength(1);
    const states = await Promise.all([a, b].map((s) => s.handle.query(getStateQuery)));
    expect(states.map((s) => s.status).sort()).toEqual(['referral_issued', 'turn_notified']);
    await Promise.all([a, b].map((s) => s.handle.terminate('done')));
  });

  it('R4.4 R4.6 a choice without an offer, or of a place not offered, is refused', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const started = await startApplication(env, db, { regionCode });
    const { placeId } = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    const other = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    await expect(
      started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId }] }),
    ).rejects.toMatchObject(refusal('NO_OPEN_OFFER'));
    await offerPlaces(env, db, started, [placeId]);
    await expect(
      started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId: other.placeId }] }),
    ).rejects.toMatchObject(refusal('PLACE_NOT_OFFERED'));
    expect(await causes(db, started.filing.number)).toEqual(['filed', 'turn_arrived']);
    await started.handle.terminate('done');
  });
});
