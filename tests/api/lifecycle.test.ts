import { randomUUID } from 'node:crypto';
import { offerPlacesSignal } from '../../contracts/application';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff, type Family } from '../helpers/factories';
import { buildPlace, eventually, finished, freeSeats } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

async function fileFor(family: Family): Promise<string> {
  const res = await api.file(family);
  expect(res.status).toBe(201);
  return res.body.number;
}

/** Stands in for the offer process (a later issue): opens `placeId` to the application for 3 days. */
async function offer(number: string, placeId: number) {
  const now = Date.now();
  await api.env.client.workflow.getHandle(number).signal(offerPlacesSignal, {
    offerId: randomUUID(),
    placeIds: [placeId],
    offeredAt: now,
    windowEndsAt: now + 3 * 24 * 3600 * 1000,
  });
  const applicant = (await api.db('applications').where({ number }).first()).applicant_iin;
  await eventually(
    () => api.request('GET', `/api/v1/applications/${number}`, { iin: applicant }),
    (card) => card.body.status === 'turn_notified',
    `the card of ${number} turn_notified after the offer`,
  );
}

/** A filed application with an open offer of a new place, or of `existing`. */
async function withOffer(existing?: { placeId: number; kindergartenId: number }) {
  const family = await buildFamily(api.db, { childBirthDate: '2022-04-04' });
  const number = await fileFor(family);
  const place = existing ?? (await buildPlace(api.db, { regionCode: 'almaty', groupYear: 2022 }));
  await offer(number, place.placeId);
  const act = (path: string, fields?: Record<string, unknown>) => api.act(family.parentIin, number, path, fields);
  return { family, number, ...place, act };
}

describe('applicant actions through the API (R4–R6)', () => {
  it('R5.1 chooses the offered kindergarten: the card shows the referral, its deadline and the kindergarten', async () => {
    const { act, placeId, kindergartenId } = await withOffer();
    const res = await act('choose-kindergarten', { placeId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'referral_issued',
      statusLabel: { ru: 'Выдано направление', kk: 'Жолдама берілді' },
      referral: { placeId, kindergarten: { id: kindergartenId }, extensionDays: null },
    });
    expect(res.body.deadlines.referralDeadline).toEqual(res.body.referral.deadline);
    expect(res.body.history.map((e: { cause: string }) => e.cause)).toEqual(['filed', 'turn_arrived', 'referral_issued']);
  });

  it('R4.8 two applicants for the last seat through the API: one referral, one PLACE_TAKEN, nothing else changes', async () => {
    const a = await withOffer();
    const b = await withOffer(a);
    const [ra, rb] = await Promise.all([a.act('choose-kindergarten', { placeId: a.placeId }), b.act('choose-kindergarten', { placeId: a.placeId })]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const refused = ra.status === 409 ? ra : rb;
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body.code).toBe('PLACE_TAKEN');
    expect(await freeSeats(api.db, a.placeId)).toBe(0);
  });

  it('R5.5 extends once; a second extension answers EXTENSION_USED; 31 days answers INVALID_EXTENSION', async () => {
    const { act, placeId } = await withOffer();
    const chosen = await act('choose-kindergarten', { placeId });
    const tooLong = await act('extend-referral', { days: 31 });
    expect([tooLong.status, tooLong.body.code]).toEqual([400, 'INVALID_EXTENSION']);
    const extended = await act('extend-referral', { days: 10 });
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.body.deadlines.referralDeadline) - Date.parse(chosen.body.deadlines.referralDeadline)).toBe(10 * 86_400_000);
    expect(extended.body.referral.extensionDays).toBe(10);
    const again = await act('extend-referral', { days: 1 });
    expect([again.status, again.body.code]).toEqual([409, 'EXTENSION_USED']);
    const malformed = await act('extend-referral', { days: 'ten' });
    expect([malformed.status, malformed.body.field]).toEqual([400, 'days']);
  });

  it('R5.6 withdraws a fresh referral; the seat is free again and the child is queued', async () => {
    const { act, placeId } = await withOffer();
    await act('choose-kindergarten', { placeId });
    const res = await act('withdraw-referral');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'queued', statusCause: 'referral_withdrawn', referral: null });
    expect(await freeSeats(api.db, placeId)).toBe(1);
    const twice = await act('withdraw-referral');
    expect([twice.status, twice.body.code]).toEqual([409, 'NO_ACTIVE_REFERRAL']);
  });

  it('R6.2 changes the benefit category, keeping the registration time; leaves the queue; then every action answers APPLICATION_CLOSED', async () => {
    const { act, number, family } = await withOffer();
    const before = await api.request('GET', `/api/v1/applications/${number}`, { iin: family.parentIin });
    // R6.2: with the documents of the new category, uploaded first.
    const proof = await api.upload(family.parentIin, Buffer.from('%PDF-1.7\n%%EOF\n', 'latin1'));
    expect(proof.status).toBe(201);
    const changed = await act('change-benefit-category', { benefitCategory: 'out_of_turn', benefitDocuments: { upload: [{ id: proof.body.id, sha256: proof.body.sha256 }] } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ benefitCategory: 'out_of_turn', registeredAt: before.body.registeredAt, queueNumberInCategory: expect.any(Number) });
    const bad = await act('change-benefit-category', { benefitCategory: 'vip' });
    expect([bad.status, bad.body.field]).toEqual([400, 'benefitCategory']);

    const left = await act('leave-queue');
    expect(left.body).toMatchObject({ status: 'removed', statusCause: 'left_queue', queueNumber: null });
    const after = await act('confirm-interest');
    expect([after.status, after.body.code]).toEqual([409, 'APPLICATION_CLOSED']);
  });

  it('R3.2 an action on another person’s application answers 404, as for one that does not exist', async () => {
    const { number, placeId } = await withOffer();
    const stranger = await buildFamily(api.db);
    const res = await api.act(stranger.parentIin, number, 'choose-kindergarten', { placeId });
    expect([res.status, res.body.code]).toEqual([404, 'NOT_FOUND']);
    expect(await freeSeats(api.db, placeId)).toBe(1);
  });
});

describe('kindergarten staff (R7)', () => {
  it('R7.1 R7.3 staff of the chosen kindergarten register the arrival; staff of another kindergarten get 404; others 403; then the departure mark, once', async () => {
    const { act, placeId, kindergartenId, number, family } = await withOffer();
    await act('choose-kindergarten', { placeId });
    const otherKg = await buildPlace(api.db, { regionCode: 'almaty', groupYear: 2022 });
    const ours = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode: 'almaty', kindergartenId });
    const theirs = await buildStaff(api.db, { role: 'kindergarten_staff', regionCode: 'almaty', kindergartenId: otherKg.kindergartenId });

    const asParent = await api.request('POST', '/api/v1/staff/arrivals', { iin: family.parentIin, body: { applicationNumber: number } });
    expect([asParent.status, asParent.body.code]).toEqual([403, 'FORBIDDEN']);
    const wrong = await api.request('POST', '/api/v1/staff/arrivals', { iin: theirs, body: { applicationNumber: number } });
    expect([wrong.status, wrong.body.code]).toEqual([404, 'NOT_FOUND']);
    const right = await api.request('POST', '/api/v1/staff/arrivals', { iin: ours, body: { applicationNumber: number } });
    expect(right.status).toBe(200);
    expect(right.body).toEqual({ applicationNumber: number, status: 'enrolled' });
    // A staff retry (the answer was lost) answers with the state it already took effect in.
    const repeat = await api.request('POST', '/api/v1/staff/arrivals', { iin: ours, body: { applicationNumber: number } });
    expect([repeat.status, repeat.body]).toEqual([200, { applicationNumber: number, status: 'enrolled' }]);
    expect(await api.db('enrollments').where({ application_number: number })).toHaveLength(1);

    // R7.3: the departure mark, once; only at the kindergarten where the child is.
    const elsewhere = await api.request('POST', '/api/v1/staff/departures', { iin: theirs, body: { childIin: family.childIin } });
    expect(elsewhere.status).toBe(404);
    const departed = await api.request('POST', '/api/v1/staff/departures', { iin: ours, body: { childIin: family.childIin } });
    expect(departed.status).toBe(200);
    expect((await api.db('enrollments').where({ child_iin: family.childIin }).first()).departed_at).not.toBeNull();
    const again = await api.request('POST', '/api/v1/staff/departures', { iin: ours, body: { childIin: family.childIin } });
    expect(again.status).toBe(404);
  });
});

describe('operators keep the working-day calendar', () => {
  it('an operator of Almaty adds a decree day off for Almaty but not for Astana nor the national calendar; a national operator may', async () => {
    const almaty = await buildStaff(api.db, { role: 'operator', regionCode: 'almaty' });
    const national = await buildStaff(api.db, { role: 'operator', regionCode: null });
    const day = { day: '2031-06-03', kind: 'day_off', name: 'Перенос выходного (постановление)' };

    const created = await api.request('POST', '/api/v1/admin/calendar-days', { iin: almaty, body: { ...day, regionCode: 'almaty' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ day: '2031-06-03', regionCode: 'almaty', kind: 'day_off', source: `operator:${almaty}` });
    const duplicate = await api.request('POST', '/api/v1/admin/calendar-days', { iin: almaty, body: { ...day, regionCode: 'almaty' } });
    expect([duplicate.status, duplicate.body.code]).toEqual([409, 'CALENDAR_DAY_EXISTS']);
    const astana = await api.request('POST', '/api/v1/admin/calendar-days', { iin: almaty, body: { ...day, regionCode: 'astana' } });
    expect([astana.status, astana.body.code]).toEqual([403, 'FORBIDDEN']);
    const nationwide = await api.request('POST', '/api/v1/admin/calendar-days', { iin: almaty, body: day });
    expect(nationwide.status).toBe(403);
    const byNational = await api.request('POST', '/api/v1/admin/calendar-days', { iin: national, body: { ...day, day: '2031-06-04' } });
    expect(byNational.status).toBe(201);
    const badDate = await api.request('POST', '/api/v1/admin/calendar-days', { iin: national, body: { ...day, day: '2031-02-30' } });
    expect([badDate.status, badDate.body.field]).toEqual([400, 'day']);

    const listed = await api.request('GET', '/api/v1/admin/calendar-days?from=2031-06-01&to=2031-06-30&regionCode=almaty', { iin: almaty });
    expect(listed.body.days.map((d: { day: string }) => d.day)).toEqual(['2031-06-03', '2031-06-04']);
    const removed = await api.request('DELETE', `/api/v1/admin/calendar-days/${byNational.body.id}`, { iin: almaty });
    expect(removed.status).toBe(404); // not theirs to delete
    expect((await api.request('DELETE', `/api/v1/admin/calendar-days/${created.body.id}`, { iin: almaty })).status).toBe(204);
    const parent = await buildFamily(api.db);
    expect((await api.request('GET', '/api/v1/admin/calendar-days?from=2031-06-01&to=2031-06-30', { iin: parent.parentIin })).status).toBe(403);
  });
});

describe('a calendar change reaches running deadlines', () => {
  it('R5.2 a decree day off added by an operator moves a running referral deadline later at once, with a history entry', async () => {
    const { act, placeId, number, family } = await withOffer();
    const chosen = await act('choose-kindergarten', { placeId });
    const deadline = Date.parse(chosen.body.deadlines.referralDeadline);
    // The last working day of the count becomes a day off for Almaty.
    const lastDay = new Date(deadline - 1 + 5 * 3600_000).toISOString().slice(0, 10);
    const operator = await buildStaff(api.db, { role: 'operator', regionCode: 'almaty' });
    const added = await api.request('POST', '/api/v1/admin/calendar-days', {
      iin: operator,
      body: { day: lastDay, kind: 'day_off', name: 'Перенос (тест)', regionCode: 'almaty' },
    });
    expect(added.status).toBe(201);
    expect(added.body.affectedApplications).toBeGreaterThanOrEqual(1);
    try {
      const card = await eventually(
        () => api.request('GET', `/api/v1/applications/${number}`, { iin: family.parentIin }),
        (c) => c.body.deadlines.referralDeadline !== chosen.body.deadlines.referralDeadline,
        'the referral deadline on the card moved',
      );
      expect(Date.parse(card.body.deadlines.referralDeadline)).toBeGreaterThan(deadline);
      expect(card.body.referral.deadline).toBe(card.body.deadlines.referralDeadline);
      expect(card.body.history.at(-1)).toMatchObject({ cause: 'deadline_moved', from: 'referral_issued', to: 'referral_issued' });
      // The fan-out is a workflow of its own (visible in the Web UI, resumed after a crash), not the request.
      const run = api.env.client.workflow.getHandle(`calendar-change:${added.body.id}:added`);
      expect(await finished(run, 'the calendar change announced')).toEqual({ signalled: expect.any(Number) });
      expect((await run.describe()).type).toBe('announceCalendarChangeWorkflow');
    } finally {
      await api.request('DELETE', `/api/v1/admin/calendar-days/${added.body.id}`, { iin: operator });
    }
  });
});
