import { almatyDate, hours } from '../../domain/almaty-time';
import { chooseKindergartenUpdate, getStateQuery } from '../../contracts/application';
import { offerPlacesWorkflow, publishPlacesWorkflow } from '../../workflows/offer';
import {
  buildPlace,
  buildRegion,
  freeSeats,
  eventually,
  finished,
  issueReferral,
  noticesOf,
  offerPlaces,
  refusal,
  request,
  skipTo,
  startApplication,
  startWithReferral,
  terminateWhenIdle,
  waitForState,
  type Started,
} from '../helpers/lifecycle';
import { runToEnd, startRun } from '../helpers/offer-runs';
import { useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();

const start = <T>(workflow: (input: { regionCode: string }) => Promise<T>, regionCode: string) => startRun(suite.env, workflow, regionCode);
const run = <T>(workflow: (input: { regionCode: string }) => Promise<T>, regionCode: string) => runToEnd(suite.env, workflow, regionCode);

const statusOf = async (s: Started) => (await s.handle.query(getStateQuery)).status;

describe('the daily publication and offer (R4.3–R4.5), run directly under time skipping', () => {
  it('R4.3 publishes the places added since the last run, in its own region only', async () => {
    const { db } = suite;
    const regionCode = await buildRegion(db);
    const elsewhere = await buildRegion(db);
    const { placeId } = await buildPlace(db, { regionCode, groupYear: 2023 });
    const other = await buildPlace(db, { regionCode: elsewhere, groupYear: 2023 });
    expect(await run(publishPlacesWorkflow, regionCode)).toEqual({ published: 1 });
    expect((await db('places').where({ id: placeId }).first()).published_at).not.toBeNull();
    expect((await db('places').where({ id: other.placeId }).first()).published_at).toBeNull();
    expect(await run(publishPlacesWorkflow, regionCode)).toEqual({ published: 0 });
  });

  it('R4.1 R4.4 R4.5 R4.6 R5.3 R7.2 offers the published seats to exactly the first eligible in queue order, passing over the under-age, the stop-listed, those holding an offer or a referral, and the enrolled; then free choice, which the stop-listed and the under-age cannot take', async () => {
    const { db, env } = suite;
    // Ages depend on the date, and the test server's clock is wherever earlier tests left it: go to
    // the next 1 February, where a child of the group year born in December is not yet 4.
    const now = await env.currentTimeMs();
    const year = Number(almatyDate(now).slice(0, 4)) + 1;
    await skipTo(env, Date.parse(`${year}-02-01T05:00:00Z`));
    const groupYear = year - 4;
    const regionCode = await buildRegion(db, { minimumAgeYears: 4 });
    const side = await buildRegion(db);
    const old = `${groupYear}-01-10`;

    const stopListed = await startWithReferral(env, db, regionCode, old); // R5.3, after its referral lapses
    await skipTo(env, stopListed.deadline + hours(1));
    await waitForState(stopListed.started.handle, (s) => s.deadlines.stopListUntil !== undefined, 'on the stop-list after the referral lapsed');

    const general1 = await startApplication(env, db, { regionCode, childBirthDate: old });
    const underAge = await startApplication(env, db, { regionCode, childBirthDate: `${groupYear}-12-20` });
    const holdingOffer = await startApplication(env, db, { regionCode, childBirthDate: old });
    await offerPlaces(env, db, holdingOffer, [(await buildPlace(db, { regionCode: side, groupYear })).placeId]);
    const holdingReferral = await startApplication(env, db, { regionCode, childBirthDate: old });
    await issueReferral(env, db, holdingReferral, (await buildPlace(db, { regionCode: side, groupYear })).placeId);
    const enrolled = await startApplication(env, db, { regionCode, childBirthDate: old });
    const enrolledAt = await buildPlace(db, { regionCode: side, groupYear });
    await db('enrollments').insert({ child_iin: enrolled.filing.childIin, kindergarten_id: enrolledAt.kindergartenId, enrolled_at: new Date() });
    const general2 = await startApplication(env, db, { regionCode, childBirthDate: old });
    const outOfTurn = await startApplication(env, db, { regionCode, childBirthDate: old, benefitCategory: 'out_of_turn' });
    const general3 = await startApplication(env, db, { regionCode, childBirthDate: old });
    const general4 = await startApplication(env, db, { regionCode, childBirthDate: old });

    // Two new places with three seats in the region's group year; the stop-listed child's old
    // place, freed when its referral lapsed, is published with them: four seats in all.
    const place = await buildPlace(db, { regionCode, groupYear, seats: 2 });
    const place2 = await buildPlace(db, { regionCode, groupYear, seats: 1 });
    await run(publishPlacesWorkflow, regionCode);
    const offerRun = await start(offerPlacesWorkflow, regionCode);
    const wave = await eventually(() => db('offer_waves').where({ id: offerRun.workflowId }).first(), (w) => Boolean(w), `the offer wave ${offerRun.workflowId} chosen`);
    const windowEndsAt = wave.window_ends_at.getTime();

    const offered = [outOfTurn, general1, general2, general3];
    for (const s of offered) {
      const state = await waitForState(s.handle, (st) => st.status === 'turn_notified', 'status turn_notified by the morning offer');
      expect(state.offer!.placeIds).toEqual(expect.arrayContaining([place.placeId, place2.placeId, stopListed.placeId]));
      expect(await noticesOf(db, s.filing.number, 'turn_arrived', 2)).toHaveLength(2);
    }
    expect(await statusOf(underAge)).toBe('queued');
    expect(await statusOf(stopListed.started)).toBe('queued');
    expect((await holdingOffer.handle.query(getStateQuery)).offer!.placeIds).not.toContain(place.placeId);
    expect(await statusOf(holdingReferral)).toBe('referral_issued');
    expect(await statusOf(enrolled)).toBe('queued');
    expect(await statusOf(general4)).toBe('queued');

    // One of them chooses; at the window's end the rest go back to the queue and the two free
    // seats open to free choice for any queued applicant of the group year (R4.5).
    await outOfTurn.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(outOfTurn), placeId: place.placeId }] });
    await expect(
      general4.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(general4), placeId: place.placeId }] }),
    ).rejects.toMatchObject(refusal('NO_OPEN_OFFER'));
    await skipTo(env, windowEndsAt + hours(1));
    const result = await finished(offerRun, 'the offer run to end after the window');
    expect(result).toMatchObject({ applications: 4, places: 3, seats: 4, signalled: 4, freeChoicePlaces: 3 });
    expect(Date.parse(result.windowEndsAt)).toBe(windowEndsAt);
    await waitForState(general1.handle, (s) => s.statusCause === 'offer_expired', 'the unchosen offer expired');
    const opened = await eventually(() => db('places').where({ id: place.placeId }).first(), (p) => p.free_choice_since !== null, 'the place in free choice');
    expect(opened.free_choice_since).not.toBeNull();
    const taken = await general4.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(general4), placeId: place.placeId }] });
    expect(taken.status).toBe('referral_issued');
    expect(await freeSeats(db, place.placeId)).toBe(0);
    // No notice goes out for free choice (R4.4).
    expect(await db('notices').where({ application_number: general4.filing.number, kind: 'turn_arrived' })).toHaveLength(0);
    // The stop-listed and the under-age still cannot take it (R5.3, R4.6).
    await expect(
      stopListed.started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(stopListed.started), placeId: place2.placeId }] }),
    ).rejects.toMatchObject(refusal('ON_STOP_LIST'));
    await expect(
      underAge.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(underAge), placeId: place2.placeId }] }),
    ).rejects.toMatchObject(refusal('NOT_ELIGIBLE'));
    // A second offer run finds nothing new to offer.
    expect(await run(offerPlacesWorkflow, regionCode)).toMatchObject({ applications: 0, places: 0, freeChoicePlaces: 0 });

    for (const s of [stopListed.started, general1, underAge, holdingOffer, holdingReferral, enrolled, general2, outOfTurn, general3, general4]) {
      await terminateWhenIdle(s.handle);
    }
  });

  it('R4.5 a free-choice place must fit the application: another group year is refused', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const started = await startApplication(env, db, { regionCode, childBirthDate: '2022-05-05' });
    const { placeId } = await buildPlace(db, { regionCode, groupYear: 2021 });
    await db('places').where({ id: placeId }).update({ published_at: new Date(), free_choice_since: new Date() });
    await expect(
      started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId }] }),
    ).rejects.toMatchObject(refusal('NO_OPEN_OFFER'));
    await terminateWhenIdle(started.handle);
  });
});
