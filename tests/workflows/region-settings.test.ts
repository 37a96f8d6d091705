import { addDays, almatyDate, endOfAlmatyDay, hours, startOfAlmatyDay, weekday } from '../../domain/almaty-time';
import { chooseKindergartenUpdate, getStateQuery, type LifecycleState } from '../../contracts/application';
import type { Db } from '../../db/connection';
import { deadline } from '../../workflows/application.deadlines';
import { buildRegion, finished, refusal, request, skipTo, startApplication, terminateWhenIdle, waitForState, type Started } from '../helpers/lifecycle';
import { publishAndOffer } from '../helpers/offer-runs';
import { useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();

type WaveRow = { window_ends_at: Date; offered_at: Date; window_mode: string | null; window_days: number | null };

/** A kindergarten of `kind` in the region with one place of one seat for `groupYear`. */
async function placeOfKind(db: Db, regionCode: string, kind: string, groupYear: number): Promise<number> {
  const [kg] = await db('kindergartens')
    .insert({ region_code: regionCode, name_ru: `Сад (${kind})`, name_kk: `Бақша (${kind})`, kind, address: 'ул. Тестовая, 2' })
    .returning('id');
  const [place] = await db('places')
    .insert({ kindergarten_id: kg.id, group_year: groupYear, language: 'ru', place_type: 'general', total: 1, free: 1, released_on: '2026-11-24' })
    .returning('id');
  return place.id as number;
}

const statusOf = async (s: Started) => (await s.handle.query(getStateQuery)).status;

/**
 * 07:00 Almaty of a Tuesday in the middle of next February: no public holiday in the week, so
 * 3 working days from it end on the Thursday.
 */
async function nextQuietTuesdayMorning(now: number): Promise<number> {
  const year = Number(almatyDate(now).slice(0, 4)) + 1;
  let day = `${year}-02-10`;
  while (weekday(day) !== 2) day = addDays(day, 1);
  return startOfAlmatyDay(day) + hours(7);
}

describe('R10 region settings: the choice window mode (R4.5) and the kinds on offer (R4.7)', () => {
  it('R10.2 R4.5 the same offer instant in two regions: 1 calendar day closes at 24:00 of the offer day, 3 working days at 24:00 of the 3rd working day', async () => {
    const { db, env } = suite;
    const offerAt = await nextQuietTuesdayMorning(await env.currentTimeMs());
    const offerDay = almatyDate(offerAt);
    const calendarRegion = await buildRegion(db, { choiceWindowMode: 'calendar', choiceWindowWorkingDays: 1 });
    const workingRegion = await buildRegion(db, { choiceWindowMode: 'working', choiceWindowWorkingDays: 3 });
    await skipTo(env, offerAt);

    const inCalendar = await startApplication(env, db, { regionCode: calendarRegion });
    const inWorking = await startApplication(env, db, { regionCode: workingRegion });
    await placeOfKind(db, calendarRegion, 'state', inCalendar.filing.groupYear);
    await placeOfKind(db, workingRegion, 'state', inWorking.filing.groupYear);
    const calendarOffer = await publishAndOffer(env, db, calendarRegion);
    const workingOffer = await publishAndOffer(env, db, workingRegion);

    const calendarEnd = endOfAlmatyDay(offerDay); // Tuesday 24:00
    const workingEnd = endOfAlmatyDay(addDays(offerDay, 2)); // Thursday 24:00
    expect((calendarOffer.wave as WaveRow).window_ends_at.getTime()).toBe(calendarEnd);
    expect(calendarOffer.wave).toMatchObject({ window_mode: 'calendar', window_days: 1 });
    expect((workingOffer.wave as WaveRow).window_ends_at.getTime()).toBe(workingEnd);
    expect(workingOffer.wave).toMatchObject({ window_mode: 'working', window_days: 3 });
    const offered = (s: { status: string }) => s.status === 'turn_notified';
    const a = await waitForState(inCalendar.handle, offered, 'the calendar-day offer received');
    const b = await waitForState(inWorking.handle, offered, 'the working-day offer received');
    expect(Date.parse(a.deadlines.choiceWindowEndsAt!)).toBe(calendarEnd);
    expect(Date.parse(b.deadlines.choiceWindowEndsAt!)).toBe(workingEnd);

    // A minute before 24:00 of the offer day both windows are open; a minute after, only the working-day one.
    await skipTo(env, calendarEnd - 60_000);
    expect([await statusOf(inCalendar), await statusOf(inWorking)]).toEqual(['turn_notified', 'turn_notified']);
    await skipTo(env, calendarEnd + 60_000);
    await waitForState(inCalendar.handle, (s) => s.statusCause === 'offer_expired', 'the 1-calendar-day window closed at 24:00 of the offer day');
    expect(await statusOf(inWorking)).toBe('turn_notified');
    // The calendar-day run opened its unchosen seat to free choice at its own end.
    expect(await finished(calendarOffer.run, 'the calendar-day offer run to end')).toMatchObject({ freeChoicePlaces: 1, windowEndsAt: new Date(calendarEnd).toISOString() });

    await skipTo(env, workingEnd - 60_000);
    expect(await statusOf(inWorking)).toBe('turn_notified');
    await skipTo(env, workingEnd + 60_000);
    await waitForState(inWorking.handle, (s) => s.statusCause === 'offer_expired', 'the 3-working-day window closed at 24:00 of the 3rd working day');
    expect(await finished(workingOffer.run, 'the working-day offer run to end')).toMatchObject({ freeChoicePlaces: 1 });

    await terminateWhenIdle(inCalendar.handle);
    await terminateWhenIdle(inWorking.handle);
  });

  it('R10.2 R4.5 a calendar change never moves a calendar-day window: the recount row does not run for it (offers made before the setting still do)', () => {
    const row = deadline('offerWindow').calendar!;
    const base = { offerId: 'w', placeIds: [1], offeredAt: 1_000, windowEndsAt: 2_000 };
    const state = (offer: object) => ({ status: 'turn_notified', offer }) as unknown as LifecycleState;
    expect(row.running(state({ ...base, windowMode: 'calendar', windowDays: 1 }))).toBeUndefined();
    expect(row.running(state({ ...base, windowMode: 'working', windowDays: 3 }))).toEqual({ from: 1_000, rule: 'window', current: 2_000 });
    expect(row.running(state(base))).toEqual({ from: 1_000, rule: 'window', current: 2_000 });
    // The count is the offer's own length, not the region's setting at the time of the recount.
    const settings = { choiceWindowWorkingDays: 5 } as never;
    expect(row.workingDays(settings, state({ ...base, windowMode: 'working', windowDays: 3 }))).toBe(3);
    expect(row.workingDays(settings, state(base))).toBe(5);
  });

  it('R4.7 the wave does not offer a private place where private places are not offered by the queue, but free choice can take it; a village place is not offered in a region without villages, nor chosen', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db, { kindsOnOffer: ['state', 'private'], privatePlacesByQueue: false });
    const started = await startApplication(env, db, { regionCode });
    const privatePlace = await placeOfKind(db, regionCode, 'private', started.filing.groupYear);
    const villagePlace = await placeOfKind(db, regionCode, 'village', started.filing.groupYear);

    const { run, wave, chosen } = await publishAndOffer(env, db, regionCode);
    expect(chosen).toEqual([]); // nothing offered by the queue
    expect(await finished(run, 'the offer run with nothing offered')).toMatchObject({ applications: 0, places: 0 });
    const [priv, village] = await Promise.all([privatePlace, villagePlace].map((id) => db('places').where({ id }).first()));
    expect(priv.offer_wave_id).toBeNull();
    expect(priv.free_choice_since?.getTime()).toBe((wave as WaveRow).offered_at.getTime()); // open to free choice at once
    expect([village.offer_wave_id, village.free_choice_since]).toEqual([null, null]); // neither offered nor open
    expect(await statusOf(started)).toBe('queued');

    // Free choice takes the private place; a village place (even one opened by hand) is refused as a kind the region has not.
    await db('places').where({ id: villagePlace }).update({ free_choice_since: new Date() });
    await expect(
      started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId: villagePlace }] }),
    ).rejects.toMatchObject(refusal('KIND_NOT_OFFERED'));
    const taken = await started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId: privatePlace }] });
    expect(taken.status).toBe('referral_issued');
    await terminateWhenIdle(started.handle);
  });

  it('R4.7 where private places are offered by the queue, the wave offers them', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db, { kindsOnOffer: ['state', 'private'], privatePlacesByQueue: true });
    const started = await startApplication(env, db, { regionCode });
    const privatePlace = await placeOfKind(db, regionCode, 'private', started.filing.groupYear);
    const { run, chosen } = await publishAndOffer(env, db, regionCode);
    expect(chosen).toEqual([started.filing.number]);
    const state = await waitForState(started.handle, (s) => s.status === 'turn_notified', 'the private place offered');
    expect(state.offer?.placeIds).toEqual([privatePlace]);
    await terminateWhenIdle(started.handle);
    await run.terminate('test finished');
  });
});
