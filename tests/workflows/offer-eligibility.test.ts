import type { WorkflowHandle } from '@temporalio/client';
import { recordDeparture } from '../../db/enrollments';
import { almatyDate, hours } from '../../domain/almaty-time';
import { getStateQuery } from '../../contracts/application';
import {
  applicationRow,
  buildPlace,
  buildRegion,
  causes,
  issueReferral,
  skipTo,
  startApplication,
  terminateWhenIdle,
  waitForState,
  type Started,
} from '../helpers/lifecycle';
import { publishAndOffer } from '../helpers/offer-runs';
import { useWorkflowSuite } from '../helpers/temporal';

// The morning offer's own query (FIRST_ELIGIBLE in activities/offers.ts) decides who is passed over:
// each test runs the real publication and offer, with one seat, the passed-over application first in
// line and an eligible one behind it — so the seat goes to the wrong child if a condition is missing.

const suite = useWorkflowSuite();

const open: WorkflowHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => terminateWhenIdle(h)));
});

async function apply(regionCode: string, childBirthDate: string): Promise<Started> {
  const started = await startApplication(suite.env, suite.db, { regionCode, childBirthDate });
  open.push(started.handle);
  return started;
}

async function offerOneSeat(regionCode: string, groupYear: number) {
  await buildPlace(suite.db, { regionCode, groupYear });
  const offer = await publishAndOffer(suite.env, suite.db, regionCode);
  open.push(offer.run);
  return offer.chosen;
}

const offered = (s: Started, why: string) => waitForState(s.handle, (st) => st.status === 'turn_notified', `status turn_notified: ${why}`);
const statusOf = async (s: Started) => (await s.handle.query(getStateQuery)).status;

/** The test server's year on the Almaty clock, and a birth date in it that is old enough everywhere. */
async function now() {
  const year = Number(almatyDate(await suite.env.currentTimeMs()).slice(0, 4));
  return { groupYear: year - 3, oldEnough: `${year - 3}-01-10` };
}

describe('the morning offer passes over who cannot take a place (R4.4 with R4.6, R5.3, R7.2)', () => {
  it('R4.4 R4.6 the morning offer passes over a child under the region’s minimum age for an older child behind them, and reaches the child on the day they come of age', async () => {
    const { db, env } = suite;
    // Ages depend on the date: go to the next 1 June, 10:00 Almaty.
    let year = Number(almatyDate(await env.currentTimeMs()).slice(0, 4));
    while (Date.parse(`${year}-06-01T05:00:00Z`) <= (await env.currentTimeMs())) year += 1;
    await skipTo(env, Date.parse(`${year}-06-01T05:00:00Z`));
    const regionCode = await buildRegion(db, { minimumAgeYears: 3 });
    const groupYear = year - 3;
    const underAge = await apply(regionCode, `${groupYear}-12-20`); // 2 full years on 1 June
    const older = await apply(regionCode, `${groupYear}-01-10`); // 3, and behind in line

    expect(await offerOneSeat(regionCode, groupYear)).toEqual([older.filing.number]);
    await offered(older, 'the seat passes to the older child');
    expect(await statusOf(underAge)).toBe('queued');
    expect(await causes(db, underAge.filing.number)).toEqual(['filed']);

    // On the child's third birthday the next morning's seat is theirs: they are first in line again.
    await skipTo(env, Date.parse(`${year}-12-20T05:00:00Z`));
    expect(await offerOneSeat(regionCode, groupYear)).toEqual([underAge.filing.number]);
    await offered(underAge, 'the child is 3 today');
  });

  it('R4.4 R5.3 the morning offer passes over an application on the stop-list; once the stop-list has ended it is offered again', async () => {
    const { db, env } = suite;
    const { groupYear, oldEnough } = await now();
    const regionCode = await buildRegion(db);
    const elsewhere = await buildRegion(db);
    // First in line: a referral elsewhere lapses (R5.2), and the application goes on the stop-list.
    const stopListed = await apply(regionCode, oldEnough);
    const referral = await issueReferral(env, db, stopListed, (await buildPlace(db, { regionCode: elsewhere, groupYear })).placeId);
    await skipTo(env, Date.parse(referral.deadlines.referralDeadline!) + hours(1));
    const annulled = await waitForState(stopListed.handle, (s) => s.deadlines.stopListUntil !== undefined, 'on the stop-list after the referral lapsed');
    const stopListUntil = Date.parse(annulled.deadlines.stopListUntil!);
    expect((await applicationRow(db, stopListed.filing.number)).stop_list_until.getTime()).toBe(stopListUntil);
    const behind = await apply(regionCode, oldEnough);

    expect(await offerOneSeat(regionCode, groupYear)).toEqual([behind.filing.number]);
    await offered(behind, 'the seat passes over the stop-listed application');
    expect(await statusOf(stopListed)).toBe('queued');

    await skipTo(env, stopListUntil + hours(1));
    await waitForState(stopListed.handle, (s) => s.statusCause === 'stop_list_ended', 'the stop-list ended');
    expect(await offerOneSeat(regionCode, groupYear)).toEqual([stopListed.filing.number]);
    await offered(stopListed, 'the stop-list has ended');
  });

  it('R4.4 R7.2 R7.3 the morning offer passes over a child enrolled in a kindergarten; after the departure mark it is offered again', async () => {
    const { db } = suite;
    const { groupYear, oldEnough } = await now();
    const regionCode = await buildRegion(db);
    // First in line: a child already enrolled in a kindergarten (of another region, so its seat is not offered here).
    const enrolled = await apply(regionCode, oldEnough);
    const { kindergartenId } = await buildPlace(db, { regionCode: await buildRegion(db), groupYear });
    await db('enrollments').insert({ child_iin: enrolled.filing.childIin, kindergarten_id: kindergartenId, enrolled_at: new Date() });
    const behind = await apply(regionCode, oldEnough);

    expect(await offerOneSeat(regionCode, groupYear)).toEqual([behind.filing.number]);
    await offered(behind, 'the seat passes over the enrolled child');
    expect(await statusOf(enrolled)).toBe('queued');

    expect(await recordDeparture(db, { childIin: enrolled.filing.childIin, kindergartenId, at: new Date(), recordedBy: '880101300018' })).toBe(true);
    expect(await offerOneSeat(regionCode, groupYear)).toEqual([enrolled.filing.number]);
    await offered(enrolled, 'the child has left the kindergarten');
  });
});
