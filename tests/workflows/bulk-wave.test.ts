import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { changeBenefitCategoryUpdate, getStateQuery, leaveQueueUpdate } from '../../contracts/application';
import { getApplicationCard } from '../../db/applications';
import { DEFAULT_RULE_SETTINGS } from '../../domain/rule-settings';
import { days, minutes } from '../../domain/almaty-time';
import { publishPlacesWorkflow } from '../../workflows/offer';
import { buildPlace, buildRegion, eventually, finished, request, skipTo, startApplication, terminateWhenIdle, waitForState, type Started } from '../helpers/lifecycle';
import { publishAndOffer, runToEnd } from '../helpers/offer-runs';
import { useWorkflowSuite } from '../helpers/temporal';

const suite = useWorkflowSuite();

/** The wave's activities as the offer run calls them (heartbeats need an activity context). */
const waveActivities = () => {
  const acts = createActivities({ db: suite.db, temporal: suite.env.client });
  const inActivity = <A, R>(fn: (a: A) => Promise<R>) => (a: A) => new MockActivityEnvironment().run(fn, a);
  return {
    select: async (regionCode: string, windowMs = days(3)) => {
      const waveId = `test-wave-${randomUUID()}`;
      const at = await suite.env.currentTimeMs();
      const chosen = await acts.selectOfferWave({ waveId, regionCode, at, windowEndsAt: at + windowMs, minimumAgeYears: DEFAULT_RULE_SETTINGS.minimumAgeYears });
      return { waveId, at, windowEndsAt: at + windowMs, chosen };
    },
    record: inActivity(acts.recordOfferWave),
    deliver: inActivity(acts.deliverWaveOffers),
  };
};

/** Everything of an application that an offer writes or changes: read model, history, outbox. */
async function footprint(number: string) {
  const { db } = suite;
  const app = await db('applications').where({ number }).first('status', 'status_cause', 'status_changed_at', 'offer_window_ends_at');
  const events = await db('application_events').where({ application_number: number }).orderBy('seq').select('seq', 'at', 'from_status', 'to_status', 'cause', 'actor', 'details');
  const notices = await db('notices').where({ application_number: number }).orderBy('idempotency_key').select('idempotency_key', 'kind', 'state', 'language', 'payload', 'offer_wave_id');
  return { app, events, notices };
}

/**
 * A place of `seats` for `groupYear`, published by the evening run. Added a second before the test
 * server's now: its clock may lag the database's (it holds while activities run), and the run
 * publishes what was added before its own now.
 */
async function publishedPlace(regionCode: string, groupYear: number, seats: number) {
  const { db, env } = suite;
  const place = await buildPlace(db, { regionCode, groupYear, seats });
  await db('places').where({ id: place.placeId }).update({ added_at: new Date((await env.currentTimeMs()) - 1000) });
  await runToEnd(env, publishPlacesWorkflow, regionCode);
  return place;
}

/** A region with `count` queued applications (filed in this order) and one published place of `seats` for their group year. */
async function queueAndPlace(count: number, seats: number) {
  const { db, env } = suite;
  const regionCode = await buildRegion(db);
  const started: Started[] = [];
  for (let i = 0; i < count; i++) started.push(await startApplication(env, db, { regionCode, childBirthDate: '2022-03-03' }));
  await Promise.all(started.map((s) => waitForState(s.handle, (st) => st.status === 'queued', 'filed')));
  const place = await publishedPlace(regionCode, started[0]!.filing.groupYear, seats);
  return { regionCode, started, place };
}

const numbersOf = (started: Started[]) => started.map((s) => s.filing.number);

describe('the wave in bulk (R4.4): written once for the wave, taken up by each workflow', () => {
  it('R4.4 a wave offered in bulk: read model, history, outbox, state query and card agree', async () => {
    const { db, env } = suite;
    const { regionCode, started, place } = await queueAndPlace(3, 2);
    const offerRun = await publishAndOffer(env, db, regionCode);
    const { run, chosen } = offerRun;
    const wave = offerRun.wave as { offered_at: Date; window_ends_at: Date };
    const [first, second, passedOver] = started as [Started, Started, Started];
    const acts = createActivities({ db });
    expect(chosen).toEqual(numbersOf([first, second]).sort());
    expect(await db('offer_wave_place_sets').where({ wave_id: run.workflowId }).select('set_no', 'place_ids')).toEqual([{ set_no: 1, place_ids: [place.placeId] }]);
    expect(await db('offer_wave_applications').where({ wave_id: run.workflowId }).orderBy('application_number').select('place_set', 'place_ids')).toEqual([
      { place_set: 1, place_ids: null },
      { place_set: 1, place_ids: null },
    ]);
    await eventually(() => db('offer_waves').where({ id: run.workflowId }).first(), (w) => w.offers_signalled_at !== null, 'every offer of the wave answered');

    for (const s of [first, second]) {
      const state = await s.handle.query(getStateQuery);
      const { app, events, notices } = await footprint(s.filing.number);
      expect(state).toMatchObject({ status: 'turn_notified', statusCause: 'turn_arrived', offer: { placeIds: [place.placeId], windowEndsAt: wave.window_ends_at.toISOString() } });
      expect(app).toMatchObject({ status: 'turn_notified', status_cause: 'turn_arrived', status_changed_at: wave.offered_at, offer_window_ends_at: wave.window_ends_at });
      expect(events.map((e) => [e.seq, e.to_status, e.cause])).toEqual([[1, 'queued', 'filed'], [2, 'turn_notified', 'turn_arrived']]);
      // The event names the wave's place set, kept once for every offer of the queue, not a list per offer.
      expect(events[1]).toMatchObject({ from_status: 'queued', actor: 'system', details: { offerId: run.workflowId, placeSet: 1 } });
      expect(events[1].details).not.toHaveProperty('placeIds');
      // R9.1: one per contact, released (pending) once the workflow took the offer up, keyed as its own notify would be.
      expect(notices.map((n) => [n.kind, n.state, n.offer_wave_id])).toEqual([['turn_arrived', 'pending', run.workflowId], ['turn_arrived', 'pending', run.workflowId]]);
      for (const n of notices) {
        expect(n.idempotency_key.startsWith(`${s.filing.number}:turn_arrived:2:`)).toBe(true);
        const name = n.language === 'kk' ? 'Сынақ бақшасы' : 'Тестовый сад';
        expect(n.payload).toMatchObject({ number: s.filing.number, windowEndsAt: wave.window_ends_at.toISOString(), offered: [{ name }] });
      }
      // Exactly what the workflow's own notify would have enqueued: the same keys (nothing new), the same words.
      const enqueue = (key: string) =>
        acts.enqueueNotice({ key, number: s.filing.number, kind: 'turn_arrived', data: { windowEndsAt: state.offer!.windowEndsAt, placeIds: [place.placeId] } });
      expect(await enqueue(`${s.filing.number}:turn_arrived:2`)).toBe(0);
      expect(await enqueue(`${s.filing.number}:probe`)).toBe(notices.length);
      const probe = await db('notices').where('idempotency_key', 'like', `${s.filing.number}:probe:%`).orderBy('idempotency_key').select('channel', 'recipient', 'payload');
      await db('notices').where('idempotency_key', 'like', `${s.filing.number}:probe:%`).delete();
      expect(probe.map((p) => p.payload)).toEqual(notices.map((n) => n.payload));
      // R3.3: the card reads the read model and the event: the same offer.
      const card = await getApplicationCard(db, s.filing.number, { operatorRegion: null });
      expect(card).toMatchObject({ status: 'turn_notified', deadlines: { choiceWindowEndsAt: state.offer!.windowEndsAt }, offer: { places: [{ placeId: place.placeId }] } });
    }
    expect(await footprint(passedOver.filing.number)).toMatchObject({ app: { status: 'queued' }, notices: [] });
    expect((await passedOver.handle.query(getStateQuery)).status).toBe('queued');

    // The workflow's own next event follows the wave's: leaving the queue is event 3.
    await first.handle.executeUpdate(leaveQueueUpdate, { args: [request(first)] });
    expect((await footprint(first.filing.number)).events.map((e) => e.seq)).toEqual([1, 2, 3]);
    await skipTo(env, wave.window_ends_at.getTime() + minutes(5));
    expect(await finished(run, 'the offer run ended after the window')).toMatchObject({ applications: 2, signalled: 2, accepted: 2, refused: 0 });
    for (const s of started) await terminateWhenIdle(s.handle);
  });

  it('R4.4 notices wait held until the workflow takes its offer up; a retried wave changes nothing twice', async () => {
    const { regionCode, started } = await queueAndPlace(2, 2);
    const wave = waveActivities();
    const { waveId } = await wave.select(regionCode);
    expect(await wave.record({ waveId })).toEqual({ offered: 2, notOffered: 0 });
    const recorded = await Promise.all(numbersOf(started).map(footprint));
    for (const [i, s] of started.entries()) {
      // Written, not yet taken up: the workflow still says queued, and nothing goes out.
      expect(recorded[i]!.app.status).toBe('turn_notified');
      expect(recorded[i]!.notices.map((n) => n.state)).toEqual(['held', 'held']);
      expect((await s.handle.query(getStateQuery)).status).toBe('queued');
    }
    expect(await wave.record({ waveId })).toEqual({ offered: 0, notOffered: 0 });
    expect(await Promise.all(numbersOf(started).map(footprint))).toEqual(recorded);

    expect(await wave.deliver({ waveId })).toEqual({ delivered: 2, accepted: 2, refused: 0 });
    const delivered = await Promise.all(numbersOf(started).map(footprint));
    for (const [i, s] of started.entries()) {
      expect(delivered[i]!.notices.map((n) => n.state)).toEqual(['pending', 'pending']);
      expect(delivered[i]!.events).toEqual(recorded[i]!.events);
      expect((await s.handle.query(getStateQuery)).status).toBe('turn_notified');
    }
    // Again, both steps: the same answers, nothing written twice.
    expect(await wave.record({ waveId })).toEqual({ offered: 0, notOffered: 0 });
    expect(await wave.deliver({ waveId })).toEqual({ delivered: 2, accepted: 2, refused: 0 });
    expect(await Promise.all(numbersOf(started).map(footprint))).toEqual(delivered);
    for (const s of started) expect((await s.handle.query(getStateQuery)).status).toBe('turn_notified');
    for (const s of started) await terminateWhenIdle(s.handle);
  });

  it('R4.4 a workflow that changed after the bulk write refuses: read model, history and outbox as if never offered', async () => {
    const { db, env } = suite;
    const { regionCode, started } = await queueAndPlace(4, 4);
    const [left, recategorised, late, closed] = started as [Started, Started, Started, Started];
    const before = await Promise.all(numbersOf(started).map(footprint));
    const wave = waveActivities();
    const { waveId } = await wave.select(regionCode, minutes(30));
    expect(await wave.record({ waveId })).toEqual({ offered: 4, notOffered: 0 });

    // Point of the race: the workflow's own transition takes the seq the wave's event holds — the
    // wave's offer is withdrawn and the transition written in its place.
    await left.handle.executeUpdate(leaveQueueUpdate, { args: [request(left)] });
    await recategorised.handle.executeUpdate(changeBenefitCategoryUpdate, { args: [{ ...request(recategorised), benefitCategory: 'first_priority' }] });
    await closed.handle.terminate('closed before its offer arrived');
    // The window ends before the update arrives: the workflow refuses, and withdraws the wave's writes itself.
    await skipTo(env, (await env.currentTimeMs()) + minutes(31));

    expect(await wave.deliver({ waveId })).toEqual({ delivered: 4, accepted: 0, refused: 4 });
    const after = await Promise.all(numbersOf(started).map(footprint));
    for (const [i, s] of started.entries()) {
      // No turn_arrived event, no notice of the wave; only what the workflow did itself.
      expect(after[i]!.events.filter((e) => e.cause === 'turn_arrived')).toEqual([]);
      expect(after[i]!.notices.filter((n) => n.kind === 'turn_arrived')).toEqual([]);
      expect(after[i]!.events.map((e) => e.seq)).toEqual(after[i]!.events.map((_, k) => k + 1));
      if (s !== left) expect((await db('applications').where({ number: s.filing.number }).first()).offer_window_ends_at).toBeNull();
    }
    expect(after[0]).toMatchObject({ app: { status: 'removed', status_cause: 'left_queue' } });
    expect(after[0]!.events.map((e) => [e.seq, e.cause])).toEqual([[1, 'filed'], [2, 'left_queue']]);
    expect(after[1]!.events.map((e) => [e.seq, e.cause])).toEqual([[1, 'filed'], [2, expect.not.stringMatching('turn_arrived')]]);
    expect(after[1]!.app.status).toBe('queued');
    // Never changed by the workflow: exactly as before the wave.
    expect(after[2]).toEqual(before[2]);
    expect(after[3]).toEqual(before[3]);
    expect((await late.handle.query(getStateQuery))).toMatchObject({ status: 'queued', statusCause: 'filed' });
    expect((await recategorised.handle.query(getStateQuery))).toMatchObject({ status: 'queued', benefitCategory: 'first_priority' });
    expect(await db('offer_wave_applications').where({ wave_id: waveId }).orderBy('application_number').pluck('delivery')).toEqual(['refused', 'refused', 'refused', 'refused']);
    // A retried delivery finds nothing left to withdraw and changes nothing.
    expect(await wave.deliver({ waveId })).toEqual({ delivered: 4, accepted: 0, refused: 4 });
    expect(await Promise.all(numbersOf(started).map(footprint))).toEqual(after);
    for (const s of started) await terminateWhenIdle(s.handle);
  });

  it('R4.4 R4.8 two waves on one day never give one application two offers, nor one place to two waves', async () => {
    const { db } = suite;
    const { regionCode, started, place } = await queueAndPlace(2, 1);
    const wave = waveActivities();
    const morning = await wave.select(regionCode);
    // A second place, and a second wave chosen before the first is written: it picks the same first applicant.
    const second = await publishedPlace(regionCode, started[0]!.filing.groupYear, 1);
    const later = await wave.select(regionCode);
    const [first] = started as [Started];
    expect(await db('offer_wave_applications').whereIn('wave_id', [morning.waveId, later.waveId]).pluck('application_number')).toEqual([first.filing.number, first.filing.number]);
    expect(await db('places').whereIn('id', [place.placeId, second.placeId]).orderBy('id').pluck('offer_wave_id')).toEqual([morning.waveId, later.waveId]);

    expect(await wave.record(later)).toEqual({ offered: 1, notOffered: 0 });
    expect(await wave.record(morning)).toEqual({ offered: 0, notOffered: 1 });
    expect(await wave.deliver(morning)).toEqual({ delivered: 0, accepted: 0, refused: 0 });
    expect(await wave.deliver(later)).toEqual({ delivered: 1, accepted: 1, refused: 0 });

    const { events, notices } = await footprint(first.filing.number);
    expect(events.filter((e) => e.cause === 'turn_arrived').map((e) => e.details.offerId)).toEqual([later.waveId]);
    expect(new Set(notices.map((n) => n.offer_wave_id))).toEqual(new Set([later.waveId]));
    expect((await first.handle.query(getStateQuery)).offer!.placeIds).toEqual([second.placeId]);
    for (const s of started) await terminateWhenIdle(s.handle);
  });
});
