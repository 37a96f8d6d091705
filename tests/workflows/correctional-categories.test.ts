import { changeNeedCategoryUpdate, chooseKindergartenUpdate, getStateQuery } from '../../contracts/application';
import { queueNumbers } from '../../db/queue-numbers';
import {
  applicationRow,
  buildPlace,
  buildRegion,
  eventually,
  events,
  freeSeats,
  issueReferral,
  offerPlaces,
  refusal,
  request,
  startApplication,
  terminateWhenIdle,
  waitForState,
  type Started,
} from '../helpers/lifecycle';
import { publishAndOffer } from '../helpers/offer-runs';
import { useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();

/** A published place in free choice (R4.5) — as the window's end leaves an unchosen one. */
async function inFreeChoice(regionCode: string, groupYear: number, needCategory?: string): Promise<number> {
  const { placeId } = await buildPlace(suite.db, { regionCode, groupYear, needCategory });
  await suite.db('places').where({ id: placeId }).update({ published_at: new Date(), free_choice_since: new Date() });
  return placeId;
}

const choose = (started: Started, placeId: number) =>
  started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId }] });
const changeNeedCategory = (started: Started, needCategory: string) =>
  started.handle.executeUpdate(changeNeedCategoryUpdate, { args: [{ ...request(started), needCategory }] });

describe('the category of need of the correctional queue (R8.1)', () => {
  it('R8.1 an offer wave offers a correctional place only to applications of its category: each category gets its own place, in its own queue order', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    // Filed in this order: the hearing child is first in the correctional queue as a whole.
    const hearing = await startApplication(env, db, { regionCode, needCategory: 'hearing' });
    const speech1 = await startApplication(env, db, { regionCode, needCategory: 'speech' });
    const speech2 = await startApplication(env, db, { regionCode, needCategory: 'speech' });
    const general = await startApplication(env, db, { regionCode });
    const groupYear = speech1.filing.groupYear;
    const speechPlace = await buildPlace(db, { regionCode, groupYear, needCategory: 'speech' });
    const hearingPlace = await buildPlace(db, { regionCode, groupYear, needCategory: 'hearing' });
    const generalPlace = await buildPlace(db, { regionCode, groupYear });

    const { run, chosen } = await publishAndOffer(env, db, regionCode);
    // One seat per queue: the first speech application, the hearing one and the general one; the
    // second speech application waits (the hearing place is not for it).
    expect(chosen).toEqual([hearing, speech1, general].map((s) => s.filing.number).sort());
    const offered = async (s: Started) => {
      const state = await waitForState(s.handle, (x) => x.status === 'turn_notified', `${s.filing.number} notified`);
      return state.offer!.placeIds;
    };
    expect(await offered(speech1)).toEqual([speechPlace.placeId]);
    expect(await offered(hearing)).toEqual([hearingPlace.placeId]);
    expect(await offered(general)).toEqual([generalPlace.placeId]);
    expect((await speech2.handle.query(getStateQuery)).status).toBe('queued');

    // R8.1 R4.6: the hearing child cannot take the speech place offered to another family either.
    await expect(choose(hearing, speechPlace.placeId)).rejects.toMatchObject(refusal('NEED_CATEGORY_MISMATCH'));
    for (const s of [hearing, speech1, speech2, general, { handle: run }]) await terminateWhenIdle(s.handle);
  });

  it('R8.1 a free choice of a place for another category of need is refused and changes nothing; a place of its own category is taken', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const speech = await startApplication(env, db, { regionCode, needCategory: 'speech' });
    const groupYear = speech.filing.groupYear;
    const hearingPlace = await inFreeChoice(regionCode, groupYear, 'hearing');
    const speechPlace = await inFreeChoice(regionCode, groupYear, 'speech');
    const before = await eventually(() => events(db, speech.filing.number), (rows) => rows.length === 1, 'the filing recorded');

    await expect(choose(speech, hearingPlace)).rejects.toMatchObject(refusal('NEED_CATEGORY_MISMATCH'));
    expect((await speech.handle.query(getStateQuery)).status).toBe('queued');
    expect(await freeSeats(db, hearingPlace)).toBe(1);
    expect(await db('referrals').where({ application_number: speech.filing.number })).toEqual([]);
    expect(await events(db, speech.filing.number)).toEqual(before);

    // The same free choice of a place of its own category goes through: the refusal was the category's.
    const state = await choose(speech, speechPlace);
    expect([state.status, state.referral?.placeId]).toEqual(['referral_issued', speechPlace]);
    expect(await freeSeats(db, speechPlace)).toBe(0);
    await terminateWhenIdle(speech.handle);
  });

  it('R8.1 queue numbers count per region, group year and category of need, and follow a change of category', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const speech1 = await startApplication(env, db, { regionCode, needCategory: 'speech' });
    const hearing = await startApplication(env, db, { regionCode, needCategory: 'hearing' });
    const speech2 = await startApplication(env, db, { regionCode, needCategory: 'speech' });
    const general = await startApplication(env, db, { regionCode });
    const all = [speech1, hearing, speech2, general];
    await eventually(() => db('applications').whereIn('number', all.map((s) => s.filing.number)), (rows) => rows.length === 4, 'the four filings recorded');
    const numbers = async () => Promise.all(all.map(async (s) => (await queueNumbers(db, s.filing.number))?.inQueue));
    expect(await numbers()).toEqual([1, 1, 2, 1]);

    // The hearing child moves to the speech queue, between the two speech children by registration.
    await changeNeedCategory(hearing, 'speech');
    expect(await numbers()).toEqual([1, 2, 3, 1]);
    // The first speech child moves to the hearing queue, alone there now.
    await changeNeedCategory(speech1, 'hearing');
    expect(await numbers()).toEqual([1, 1, 2, 1]);
    for (const s of [speech1, hearing, speech2, general]) await terminateWhenIdle(s.handle);
  });

  it('R8.1 the category of need changes like the benefit category: recorded with its history, refused when unchanged, for a general application, and while a referral is issued; an offer of the old category can no longer be taken', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const app = await startApplication(env, db, { regionCode, needCategory: 'speech' });
    const groupYear = app.filing.groupYear;
    const offered = await buildPlace(db, { regionCode, groupYear, needCategory: 'speech' });
    await offerPlaces(env, db, app, [offered.placeId]);

    await expect(changeNeedCategory(app, 'speech')).rejects.toMatchObject(refusal('NOTHING_TO_CHANGE'));
    const state = await changeNeedCategory(app, 'hearing');
    expect(state.status).toBe('turn_notified');
    expect((await applicationRow(db, app.filing.number)).need_category).toBe('hearing');
    const last = (await events(db, app.filing.number)).at(-1);
    expect([last.cause, last.from_status, last.to_status, last.details]).toEqual(['need_category_changed', 'turn_notified', 'turn_notified', { from: 'speech', to: 'hearing' }]);
    // The offer was for the speech category: it is now another category's place.
    await expect(choose(app, offered.placeId)).rejects.toMatchObject(refusal('NEED_CATEGORY_MISMATCH'));
    expect(await freeSeats(db, offered.placeId)).toBe(1);

    const general = await startApplication(env, db, { regionCode });
    await expect(changeNeedCategory(general, 'speech')).rejects.toMatchObject(refusal('NEED_CATEGORY_NOT_APPLICABLE'));
    expect((await applicationRow(db, general.filing.number)).need_category).toBeNull();

    const referred = await startApplication(env, db, { regionCode, needCategory: 'vision' });
    const { placeId } = await buildPlace(db, { regionCode, groupYear: referred.filing.groupYear, needCategory: 'vision' });
    await issueReferral(env, db, referred, placeId);
    await expect(changeNeedCategory(referred, 'speech')).rejects.toMatchObject(refusal('NOT_ELIGIBLE'));
    expect((await applicationRow(db, referred.filing.number)).need_category).toBe('vision');
    for (const s of [app, general, referred]) await terminateWhenIdle(s.handle);
  });
});
