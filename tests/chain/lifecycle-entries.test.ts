import { hours } from '../../domain/almaty-time';
import { registerArrivalUpdate } from '../../contracts/application';
import { recordDeparture } from '../../db/enrollments';
import { buildStaff } from '../helpers/factories';
import { buildRegion, skipTo, startWithReferral, waitForState } from '../helpers/lifecycle';
import { useWorkflowSuite } from '../helpers/temporal';
import { storedEntries, verifyChain } from './helpers';

const suite = useWorkflowSuite();

describe('R11.3 a lifecycle’s changes, each in the chain where it is written', () => {
  it('R11.3 offer, referral (with its place), enrolment by staff, departure; an annulment with its stop-list; the chain and read model verify', async () => {
    const { env, db } = suite;
    const region = await buildRegion(db);
    const enrolled = await startWithReferral(env, db, region);
    const staff = await buildStaff(db, { role: 'kindergarten_staff', regionCode: region, kindergartenId: enrolled.kindergartenId });
    await enrolled.started.handle.executeUpdate(registerArrivalUpdate, { args: [{ requestId: 'arrival-1', actorIin: staff, kindergartenId: enrolled.kindergartenId }] });
    expect(await recordDeparture(db, { childIin: enrolled.started.filing.childIin, kindergartenId: enrolled.kindergartenId, at: new Date(), recordedBy: staff })).toBe(true);

    const annulled = await startWithReferral(env, db, region);
    await skipTo(env, annulled.deadline + hours(1));
    await waitForState(annulled.started.handle, (s) => s.status === 'queued' && s.statusCause === 'referral_annulled');

    const entries = await storedEntries(db, region);
    const of = (number: string) => entries.filter((e) => e.application_number === number).map((e) => [e.event, e.actor_role, e.place_id]);
    expect(of(enrolled.started.filing.number)).toEqual([
      ['filed', 'applicant', null],
      ['offered', 'system', null],
      ['referral_issued', 'applicant', String(enrolled.placeId)],
      ['enrolled', 'staff', null],
      ['departed', 'staff', null],
    ]);
    expect(of(annulled.started.filing.number)).toEqual([
      ['filed', 'applicant', null],
      ['offered', 'system', null],
      ['referral_issued', 'applicant', String(annulled.placeId)],
      ['referral_annulled', 'system', null],
      ['stop_list_started', 'system', null],
    ]);
    // Queue numbers while active, none once enrolled.
    const enrolment = entries.find((e) => e.application_number === enrolled.started.filing.number && e.event === 'enrolled');
    expect([enrolment.queue_whole, enrolment.queue_category]).toEqual([null, null]);
    expect(entries.find((e) => e.event === 'stop_list_started').queue_whole).toEqual(expect.any(Number));
    // The category on every entry of an application, whatever its status, the departure's included.
    expect(entries.map((e) => [e.event, e.category])).toEqual(entries.map((e) => [e.event, 'none']));

    expect(await verifyChain(region)).toEqual({ code: 0, output: expect.stringMatching(/^OK .* 10 entries, 0 signed heads, 2 applications with 8 events match the chain/) });
  });
});
