import { randomUUID } from 'node:crypto';
import { createCalendarActivities } from '../../activities/calendar';
import { addDays, almatyDate, hours } from '../../domain/almaty-time';
import type { BenefitConfirmation } from '../../domain/rule-settings';
import {
  chooseKindergartenUpdate,
  confirmBenefitUpdate,
  getStateQuery,
  registerArrivalUpdate,
  type ConfirmBenefitRequest,
} from '../../contracts/application';
import {
  applicationRow,
  buildPlace,
  buildRegion,
  causes,
  events,
  finished,
  freeSeats,
  issueReferral,
  noticesOf,
  offerPlaces,
  refusal,
  request,
  skipTo,
  startApplication,
  waitForState,
  startWithReferral,
} from '../helpers/lifecycle';
import { useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();
const STAFF_IIN = '880101300018';
const OPERATOR_IIN = '850101300011';

/** A first-priority application holding a referral, in a region of its own with the given mode. */
async function benefitReferral(mode: BenefitConfirmation) {
  const { db, env } = suite;
  const regionCode = await buildRegion(db, { benefitConfirmation: mode });
  const started = await startApplication(env, db, { regionCode, benefitCategory: 'first_priority' });
  const { placeId, kindergartenId } = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
  const state = await issueReferral(env, db, started, placeId);
  const referralDay = almatyDate(Date.parse(state.referral!.issuedAt));
  return { started, placeId, kindergartenId, regionCode, state, referralDay };
}

const confirm = (started: Awaited<ReturnType<typeof benefitReferral>>['started'], req: Omit<ConfirmBenefitRequest, 'requestId' | 'actorIin'> & { actorIin?: string }) =>
  started.handle.executeUpdate(confirmBenefitUpdate, { args: [{ requestId: randomUUID(), actorIin: req.actorIin ?? STAFF_IIN, ...req }] });

const arrive = (started: Awaited<ReturnType<typeof benefitReferral>>['started'], kindergartenId: number) =>
  started.handle.executeUpdate(registerArrivalUpdate, { args: [{ requestId: randomUUID(), actorIin: STAFF_IIN, kindergartenId }] });

describe('confirming the benefit of a benefit referral (R5.7, R10.2)', () => {
  it('R5.7 at_enrolment: the kindergarten confirms before registering; a document 10 days older than the referral is accepted and the child is enrolled', async () => {
    const { db } = suite;
    const { started, kindergartenId, state, referralDay, regionCode } = await benefitReferral('at_enrolment');
    expect(state.referral!.benefit).toEqual({ by: 'at_enrolment', confirmed: false });

    await expect(arrive(started, kindergartenId)).rejects.toMatchObject(refusal('BENEFIT_NOT_CONFIRMED'));
    // The operator is not the confirmer in this mode; nor is staff of another kindergarten.
    await expect(confirm(started, { accepted: true, documentIssuedOn: referralDay, actorIin: OPERATOR_IIN })).rejects.toMatchObject(
      refusal('BENEFIT_CONFIRMED_BY_OTHER_ROLE'),
    );
    const other = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    await expect(confirm(started, { accepted: true, documentIssuedOn: referralDay, kindergartenId: other.kindergartenId })).rejects.toMatchObject(
      refusal('WRONG_KINDERGARTEN'),
    );
    // Not a date, or a date still to come: refused, nothing recorded.
    await expect(confirm(started, { accepted: true, documentIssuedOn: '2026-02-30', kindergartenId })).rejects.toMatchObject(refusal('INVALID_BENEFIT_DOCUMENT_DATE'));
    const tomorrow = addDays(almatyDate(await suite.env.currentTimeMs()), 1);
    await expect(confirm(started, { accepted: true, documentIssuedOn: tomorrow, kindergartenId })).rejects.toMatchObject(refusal('INVALID_BENEFIT_DOCUMENT_DATE'));

    const tenDays = addDays(referralDay, -10);
    const confirmed = await confirm(started, { accepted: true, documentIssuedOn: tenDays, kindergartenId });
    expect(confirmed).toMatchObject({ status: 'referral_issued', statusCause: 'benefit_confirmed', benefitCategory: 'first_priority' });
    expect(confirmed.referral!.benefit).toEqual({ by: 'at_enrolment', confirmed: true, documentIssuedOn: tenDays });
    await expect(confirm(started, { accepted: true, documentIssuedOn: tenDays, kindergartenId })).rejects.toMatchObject(refusal('NO_BENEFIT_TO_CONFIRM'));

    expect((await arrive(started, kindergartenId)).status).toBe('enrolled');
    expect(await finished(started.handle)).toEqual({ outcome: 'enrolled', kindergartenId });
    const history = await events(db, started.filing.number);
    expect(history.map((e) => e.cause)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'benefit_confirmed', 'enrolled']);
    expect(history[3]).toMatchObject({ actor: STAFF_IIN, details: { by: 'at_enrolment', documentIssuedOn: tenDays, oldestAccepted: tenDays } });
  });

  it('R5.7 at_enrolment rejected: the referral is annulled, the seat freed, the category becomes none and the child waits in the general queue, with no stop-list', async () => {
    const { db, env } = suite;
    const { started, placeId, kindergartenId, referralDay, regionCode } = await benefitReferral('at_enrolment');
    const state = await confirm(started, { accepted: false, documentIssuedOn: referralDay, kindergartenId });
    expect(state).toMatchObject({ status: 'queued', statusCause: 'benefit_rejected', benefitCategory: 'none', expiredReferrals: 0 });
    expect(state.referral).toBeUndefined();
    expect(state.deadlines.stopListUntil).toBeUndefined();
    expect(await freeSeats(db, placeId)).toBe(1);
    expect((await db('referrals').where({ application_number: started.filing.number }).first()).state).toBe('annulled');
    expect(await applicationRow(db, started.filing.number)).toMatchObject({ status: 'queued', benefit_category: 'none', stop_list_until: null, referral_deadline: null });
    // R9.1: the family is told why, and that it waits in the general queue (no stop-list here).
    const [told] = await noticesOf(db, started.filing.number, 'benefit_rejected', 2);
    expect(told.payload.stopListUntil).toBeUndefined();
    expect(told.payload).toMatchObject({ number: started.filing.number });
    expect((await events(db, started.filing.number)).at(-1)).toMatchObject({
      cause: 'benefit_rejected',
      details: expect.objectContaining({ reason: 'rejected', from: 'first_priority', to: 'none' }),
    });
    // Back in the general queue: a new referral is had at once, without a benefit to confirm.
    const next = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    await offerPlaces(env, db, started, [next.placeId]);
    const again = await started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId: next.placeId }] });
    expect(again.referral!.benefit).toBeUndefined();
    expect((await arrive(started, next.kindergartenId)).status).toBe('enrolled');
  });

  it('R10.2 before_referral accepted: the operator confirms, then the kindergarten may register the child; staff cannot confirm', async () => {
    const { started, kindergartenId, referralDay, state } = await benefitReferral('before_referral');
    expect(state.referral!.benefit).toEqual({ by: 'before_referral', confirmed: false });
    await expect(arrive(started, kindergartenId)).rejects.toMatchObject(refusal('BENEFIT_NOT_CONFIRMED'));
    await expect(confirm(started, { accepted: true, documentIssuedOn: referralDay, kindergartenId })).rejects.toMatchObject(refusal('BENEFIT_CONFIRMED_BY_OTHER_ROLE'));

    const confirmed = await confirm(started, { accepted: true, documentIssuedOn: referralDay, actorIin: OPERATOR_IIN });
    expect(confirmed).toMatchObject({ status: 'referral_issued', statusCause: 'benefit_confirmed' });
    expect((await arrive(started, kindergartenId)).status).toBe('enrolled');
    expect(await causes(suite.db, started.filing.number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'benefit_confirmed', 'enrolled']);
  });

  it('R10.2 before_referral rejected: the referral is annulled, the child is on the stop-list for 10 working days counted after the day, and back in the general queue', async () => {
    const { db, env } = suite;
    const { started, placeId, referralDay, regionCode } = await benefitReferral('before_referral');
    const rejectedAt = await env.currentTimeMs();
    const state = await confirm(started, { accepted: false, documentIssuedOn: referralDay, actorIin: OPERATOR_IIN });
    expect(state).toMatchObject({ status: 'queued', statusCause: 'benefit_rejected', benefitCategory: 'none', expiredReferrals: 0 });
    const until = Date.parse(state.deadlines.stopListUntil!);
    expect(until).toBe(await createCalendarActivities({ db }).workingDeadline({ regionCode, from: rejectedAt, days: 10, rule: 'after' }));
    expect(await freeSeats(db, placeId)).toBe(1);
    expect(await applicationRow(db, started.filing.number)).toMatchObject({ benefit_category: 'none' });
    expect((await applicationRow(db, started.filing.number)).stop_list_until.getTime()).toBe(until);
    const [told] = await noticesOf(db, started.filing.number, 'benefit_rejected', 2);
    expect(told.payload.stopListUntil).toBe(new Date(until).toISOString());

    const other = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    await expect(started.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId: other.placeId }] })).rejects.toMatchObject(
      refusal('ON_STOP_LIST'),
    );
    await skipTo(env, until + hours(1));
    await waitForState(started.handle, (s) => s.statusCause === 'stop_list_ended');
    expect(await causes(db, started.filing.number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'benefit_rejected', 'stop_list_ended']);
    await started.handle.terminate('done');
  });

  it('R5.7 a document issued 11 days before the referral was requested is rejected (document_too_old) even when accepted', async () => {
    const { db } = suite;
    const { started, kindergartenId, referralDay } = await benefitReferral('at_enrolment');
    const elevenDays = addDays(referralDay, -11);
    const state = await confirm(started, { accepted: true, documentIssuedOn: elevenDays, kindergartenId });
    expect(state).toMatchObject({ status: 'queued', statusCause: 'benefit_rejected', benefitCategory: 'none' });
    expect((await events(db, started.filing.number)).at(-1)).toMatchObject({
      cause: 'benefit_rejected',
      details: expect.objectContaining({ reason: 'document_too_old', documentIssuedOn: elevenDays, oldestAccepted: addDays(referralDay, -10) }),
    });
    await started.handle.terminate('done');
  });

  it('R5.7 a referral without a benefit has nothing to confirm and is registered as before', async () => {
    const { started, kindergartenId } = await startWithReferral(suite.env, suite.db);
    expect((await started.handle.query(getStateQuery)).referral!.benefit).toBeUndefined();
    await expect(confirm(started, { accepted: true, documentIssuedOn: '2026-01-01', kindergartenId })).rejects.toMatchObject(refusal('NO_BENEFIT_TO_CONFIRM'));
    expect((await arrive(started, kindergartenId)).status).toBe('enrolled');
  });
});
