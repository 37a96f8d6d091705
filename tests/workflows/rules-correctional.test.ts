import { almatyDate, hours } from '../../domain/almaty-time';
import { chooseKindergartenUpdate, getStateQuery } from '../../contracts/application';
import {
  applicationRow,
  buildPlace,
  buildRegion,
  causes,
  eventually,
  finished,
  freeSeats,
  refusal,
  request,
  skipTo,
  startApplication,
  terminateWhenIdle,
  waitForState,
} from '../helpers/lifecycle';
import { publishAndOffer } from '../helpers/offer-runs';
import { useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();

const DAY_MS = 24 * 3_600_000;

/**
 * 07:00 Almaty on the second Tuesday of next September, a week with no holiday (Kurban Ait stays
 * in spring for years to come): the window is Tue, Wed, Thu and closes at 24:00 Thursday.
 */
function offerWeek(now: number): { offerMorning: number; windowEnd: number } {
  const year = Number(almatyDate(now).slice(0, 4)) + 1;
  let day = Date.parse(`${year}-09-08T07:00:00+05:00`);
  while (new Date(day + 5 * 3_600_000).getUTCDay() !== 2) day += DAY_MS;
  return { offerMorning: day, windowEnd: day - 7 * 3_600_000 + 3 * DAY_MS };
}

describe('the choice window of the correctional queue (R8.2)', () => {
  it('R8.2 a correctional offer made on a Tuesday morning lasts 3 working days, to 24:00 Thursday; unchosen, it lapses, the child keeps their place in line and the seat goes to free choice for the same category', async () => {
    const { db, env } = suite;
    const { offerMorning, windowEnd } = offerWeek(await env.currentTimeMs());
    await skipTo(env, offerMorning);
    const regionCode = await buildRegion(db);
    const first = await startApplication(env, db, { regionCode, needCategory: 'speech' });
    const second = await startApplication(env, db, { regionCode, needCategory: 'speech', childBirthDate: first.filing.childBirthDate });
    const { placeId } = await buildPlace(db, { regionCode, groupYear: first.filing.groupYear, needCategory: 'speech' });

    const { run, wave, chosen } = await publishAndOffer(env, db, regionCode);
    expect(chosen).toEqual([first.filing.number]);
    expect((wave as { window_ends_at: Date }).window_ends_at.getTime()).toBe(windowEnd);
    const offered = await waitForState(first.handle, (s) => s.status === 'turn_notified', 'the first correctional application notified');
    expect(offered.offer!.placeIds).toEqual([placeId]);
    // The second in line may not take the seat while the first one's window runs.
    await expect(
      second.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(second), placeId }] }),
    ).rejects.toMatchObject(refusal('NO_OPEN_OFFER'));

    await skipTo(env, windowEnd - hours(1));
    expect((await first.handle.query(getStateQuery)).status).toBe('turn_notified');
    await skipTo(env, windowEnd + hours(1));
    await finished(run, 'the offer run to end after the window');
    const lapsed = await waitForState(first.handle, (s) => s.statusCause === 'offer_expired', 'the unchosen correctional offer expired');
    expect(lapsed).toMatchObject({ status: 'queued' });
    expect(lapsed.offer).toBeUndefined();
    const row = await applicationRow(db, first.filing.number);
    expect(row.registered_at.getTime()).toBe(first.filing.registeredAt);
    expect(await causes(db, first.filing.number)).toEqual(['filed', 'turn_arrived', 'offer_expired']);

    await eventually(() => db('places').where({ id: placeId }).first(), (p) => p.free_choice_since !== null, 'the correctional place in free choice');
    const taken = await second.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(second), placeId }] });
    expect(taken.status).toBe('referral_issued');
    expect(await freeSeats(db, placeId)).toBe(0);
    for (const s of [first, second]) await terminateWhenIdle(s.handle);
  });
});
