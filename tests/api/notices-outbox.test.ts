import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff } from '../helpers/factories';
import { buildRegion } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

/** An application of the region, and outbox rows of it in the given states. */
async function outbox(regionCode: string, states: ('pending' | 'failed' | 'sent')[]) {
  const filed = await api.file(await buildFamily(api.db), { regionCode });
  expect(filed.status).toBe(201);
  const number: string = filed.body.number;
  const rows = states.map((state, i) => ({
    idempotency_key: `${number}:test:${i}`,
    application_number: number,
    kind: 'turn_arrived',
    channel: i % 2 ? 'sms' : 'email',
    recipient: i % 2 ? '+77010000000' : 'wrong@example.kz',
    language: 'ru',
    payload: JSON.stringify({ number, childFirstName: 'Тест' }),
    state,
    attempts: state === 'failed' ? 5 : 0,
    failed_reason: state === 'failed' ? '550 mailbox unavailable' : null,
  }));
  const ids = (await api.db('notices').insert(rows).returning('id')).map((r) => Number(r.id));
  return { number, ids };
}

describe('R9.1 operators see their region’s outbox and send a failed notice again', () => {
  it('R9.1 lists the region’s failed notices a page at a time; another region’s operator sees none of them', async () => {
    const regionCode = await buildRegion(api.db);
    const operator = await buildStaff(api.db, { role: 'operator', regionCode });
    const other = await buildStaff(api.db, { role: 'operator', regionCode: await buildRegion(api.db) });
    const { ids } = await outbox(regionCode, ['failed', 'failed', 'failed', 'sent']);

    const first = await api.request('GET', '/api/v1/admin/notices?state=failed&limit=2', { iin: operator });
    expect(first.status).toBe(200);
    expect(first.body.notices.map((n: { id: number }) => n.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.notices[0]).toMatchObject({ state: 'failed', regionCode, attempts: 5, failedReason: '550 mailbox unavailable' });
    const second = await api.request('GET', `/api/v1/admin/notices?state=failed&limit=2&before=${first.body.next}`, { iin: operator });
    expect([second.body.notices.map((n: { id: number }) => n.id), second.body.next]).toEqual([[ids[0]], null]);

    const theirs = await api.request('GET', '/api/v1/admin/notices?state=failed', { iin: other });
    expect(theirs.body.notices.filter((n: { id: number }) => ids.includes(n.id))).toEqual([]);
    const asked = await api.request('GET', `/api/v1/admin/notices?state=failed&regionCode=${regionCode}`, { iin: other });
    expect([asked.status, asked.body.code]).toEqual([403, 'FORBIDDEN']);
    const wrongState = await api.request('GET', '/api/v1/admin/notices?state=sent', { iin: operator });
    expect([wrongState.status, wrongState.body.field]).toEqual([400, 'state']);
  });

  it('R9.1 re-queues a failed notice to a corrected address; a pending one, a bad address or another region’s notice changes nothing', async () => {
    const regionCode = await buildRegion(api.db);
    const operator = await buildStaff(api.db, { role: 'operator', regionCode });
    const other = await buildStaff(api.db, { role: 'operator', regionCode: await buildRegion(api.db) });
    const { ids } = await outbox(regionCode, ['failed', 'pending']);
    const [failed, pending] = ids as [number, number];

    const bad = await api.request('POST', `/api/v1/admin/notices/${failed}/requeue`, { iin: operator, body: { recipient: 'not an address' } });
    expect([bad.status, bad.body.code, bad.body.field]).toEqual([400, 'INVALID_CONTACT', 'recipient']);
    const notTheirs = await api.request('POST', `/api/v1/admin/notices/${failed}/requeue`, { iin: other, body: {} });
    expect([notTheirs.status, notTheirs.body.code]).toEqual([404, 'NOT_FOUND']);
    const notFailed = await api.request('POST', `/api/v1/admin/notices/${pending}/requeue`, { iin: operator, body: {} });
    expect([notFailed.status, notFailed.body.code]).toEqual([409, 'NOTICE_NOT_FAILED']);
    expect(await api.db('notices').where({ id: failed }).first('state', 'recipient')).toEqual({ state: 'failed', recipient: 'wrong@example.kz' });

    const requeued = await api.request('POST', `/api/v1/admin/notices/${failed}/requeue`, { iin: operator, body: { recipient: 'right@example.kz' } });
    expect(requeued.status).toBe(200);
    expect(requeued.body).toMatchObject({ id: failed, state: 'pending', recipient: 'right@example.kz', attempts: 0, failedReason: null });
    const again = await api.request('POST', `/api/v1/admin/notices/${failed}/requeue`, { iin: operator, body: {} });
    expect(again.body.code).toBe('NOTICE_NOT_FAILED');
  });
});
