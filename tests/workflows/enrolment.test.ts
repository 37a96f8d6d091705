import { WorkflowNotFoundError } from '@temporalio/client';
import { chooseKindergartenUpdate, changeBenefitCategoryUpdate, getStateQuery, leaveQueueUpdate, registerArrivalUpdate } from '../../contracts/application';
import { recordDeparture } from '../../db/enrollments';
import { buildFamily } from '../helpers/factories';
import {
  applicationRow,
  buildPlace,
  buildRegion,
  causes,
  finished,
  freeSeats,
  issueReferral,
  offerPlaces,
  request,
  startApplication,
  refusal,
} from '../helpers/lifecycle';
import { useWorkflowSuite } from '../helpers/temporal';
import { applicationWorkflow } from '../../workflows/application';
import { APPLICATION_TASK_QUEUE } from '../../contracts/application';
import { buildFiling } from '../helpers/filings';

const suite = useWorkflowSuite();

describe('enrolment (R7) and leaving the queue (R6.2)', () => {
  it('R7.1 staff of the chosen kindergarten register the child: the referral is used and the application ends as enrolled', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const started = await startApplication(env, db, { regionCode });
    const { placeId, kindergartenId } = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    const other = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    await issueReferral(env, db, started, placeId);

    const staff = { requestId: 'arrival-1', actorIin: '880101300018' };
    await expect(
      started.handle.executeUpdate(registerArrivalUpdate, { args: [{ ...staff, kindergartenId: other.kindergartenId }] }),
    ).rejects.toMatchObject(refusal('WRONG_KINDERGARTEN'));
    const state = await started.handle.executeUpdate(registerArrivalUpdate, { args: [{ ...staff, kindergartenId }] });
    expect(state.status).toBe('enrolled');
    expect(await finished(started.handle, 'the run to end as enrolled')).toEqual({ outcome: 'enrolled', kindergartenId });

    expect(await applicationRow(db, started.filing.number)).toMatchObject({ status: 'enrolled', status_cause: 'enrolled', referral_deadline: null });
    expect((await db('referrals').where({ application_number: started.filing.number }).first()).state).toBe('used');
    expect(await db('enrollments').where({ child_iin: started.filing.childIin }).whereNull('departed_at')).toHaveLength(1);
    expect(await freeSeats(db, placeId)).toBe(0); // the seat is now the child's
    const history = await db('application_events').where({ application_number: started.filing.number }).orderBy('seq');
    expect(history.at(-1)).toMatchObject({ from_status: 'referral_issued', to_status: 'enrolled', actor: staff.actorIin });
  });

  it('R4.6 R7.2 R7.3 a child enrolled in one kindergarten cannot choose another (NOT_ELIGIBLE, enrolled); after a departure mark they can', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const family = await buildFamily(db, { childBirthDate: '2022-03-10' });
    // The child is enrolled through their correctional-queue application…
    const enrolledVia = await buildPlace(db, { regionCode, groupYear: 2022 });
    await db('enrollments').insert({ child_iin: family.childIin, kindergarten_id: enrolledVia.kindergartenId, enrolled_at: new Date() });
    // …and also waits in the general queue.
    const filing = { ...(await buildFiling(db, { registeredAt: await env.currentTimeMs(), regionCode })), childIin: family.childIin, applicantIin: family.parentIin, childBirthDate: '2022-03-10', groupYear: 2022 };
    const handle = await env.client.workflow.start(applicationWorkflow, { workflowId: filing.number, taskQueue: APPLICATION_TASK_QUEUE, args: [{ filing }] });
    const started = { filing, handle };
    const { placeId } = await buildPlace(db, { regionCode, groupYear: 2022 });
    await offerPlaces(env, db, started, [placeId]);

    await expect(
      handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId }] }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ type: 'NOT_ELIGIBLE', details: [{ reason: 'enrolled' }] }) });
    expect(await freeSeats(db, placeId)).toBe(1);
    expect((await handle.query(getStateQuery)).status).toBe('turn_notified');

    expect(await recordDeparture(db, { childIin: family.childIin, kindergartenId: enrolledVia.kindergartenId, at: new Date(), recordedBy: '880101300018' })).toBe(true);
    const state = await handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(started), placeId }] });
    expect(state.status).toBe('referral_issued');
    await handle.terminate('done');
  });

  it('R6.2 leaving the queue removes the application and frees a seat it holds', async () => {
    const { db, env } = suite;
    const regionCode = await buildRegion(db);
    const started = await startApplication(env, db, { regionCode });
    const { placeId } = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    await issueReferral(env, db, started, placeId);
    await started.handle.executeUpdate(leaveQueueUpdate, { args: [request(started)] });
    expect(await finished(started.handle, 'the run to end as removed')).toEqual({ outcome: 'removed', cause: 'left_queue' });
    expect(await freeSeats(db, placeId)).toBe(1);
    expect((await db('referrals').where({ application_number: started.filing.number }).first()).state).toBe('cancelled');
    expect(await applicationRow(db, started.filing.number)).toMatchObject({ status: 'removed', status_cause: 'left_queue' });
  });

  it('R6.2 changing the benefit category keeps the registration time; the same category again is refused', async () => {
    const { db, env } = suite;
    const started = await startApplication(env, db, { regionCode: 'almaty' });
    const state = await started.handle.executeUpdate(changeBenefitCategoryUpdate, { args: [{ ...request(started), benefitCategory: 'first_priority' }] });
    expect(state.benefitCategory).toBe('first_priority');
    const row = await applicationRow(db, started.filing.number);
    expect(row).toMatchObject({ benefit_category: 'first_priority', benefit_rank: 1, status: 'queued' });
    expect(row.registered_at.getTime()).toBe(started.filing.registeredAt);
    await expect(
      started.handle.executeUpdate(changeBenefitCategoryUpdate, { args: [{ ...request(started), benefitCategory: 'first_priority' }] }),
    ).rejects.toMatchObject(refusal('NOTHING_TO_CHANGE'));
    expect(await causes(db, started.filing.number)).toEqual(['filed', 'benefit_category_changed']);
    await started.handle.terminate('done');
  });

  it('R6.2 after leaving the queue, actions on the removed application are refused as closed', async () => {
    const { db, env } = suite;
    const started = await startApplication(env, db, { regionCode: 'almaty' });
    await started.handle.executeUpdate(leaveQueueUpdate, { args: [request(started)] });
    await finished(started.handle, 'the run to end as removed');
    await expect(started.handle.executeUpdate(leaveQueueUpdate, { args: [request(started)] })).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
