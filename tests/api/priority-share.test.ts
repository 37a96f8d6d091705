import { randomInt } from 'node:crypto';
import type { BenefitCategory } from '../../domain/queue';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff } from '../helpers/factories';
import { buildRegion } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

/** A queued general application of `category`, registered at `registeredAt`, straight in the table. */
async function application(regionCode: string, category: BenefitCategory, registeredAt: string) {
  const f = await buildFamily(api.db, { childBirthDate: '2023-05-05' });
  const number = `97.UO.2026.${randomInt(100000, 1000000)}.1`;
  await api.db('applications').insert({
    number, region_code: regionCode, queue_type: 'general', child_iin: f.childIin, applicant_iin: f.parentIin, benefit_category: category,
    group_year: 2023, registered_at: registeredAt, status: 'queued', status_changed_at: registeredAt, status_cause: 'filed',
    language: 'ru', email: 'a@example.kz', phone: '+77010000000',
  });
  return number;
}

describe('R10.2 the first-priority share through the API', () => {
  it('R10.2 an operator sets a ratio k:m or strict order; a ratio without both sides, with a zero or an unknown mode is refused', async () => {
    const regionCode = await buildRegion(api.db);
    const operator = await buildStaff(api.db, { role: 'operator', regionCode });
    const url = `/api/v1/admin/regions/${regionCode}/settings`;
    expect((await api.request('GET', url, { iin: operator })).body.priorityShare).toEqual({ mode: 'strict' });
    const ratio = { mode: 'ratio', firstPriority: 1, general: 3 };
    const changed = await api.request('PATCH', url, { iin: operator, body: { priorityShare: ratio } });
    expect([changed.status, changed.body.priorityShare]).toEqual([200, ratio]);
    expect((await api.request('GET', url, { iin: operator })).body.priorityShare).toEqual(ratio);
    for (const priorityShare of [{ mode: 'ratio', firstPriority: 1 }, { mode: 'ratio', firstPriority: 0, general: 3 }, { mode: 'lottery' }, { mode: 'strict', general: 3 }]) {
      expect((await api.request('PATCH', url, { iin: operator, body: { priorityShare } })).status).toBe(400);
    }
    expect((await api.request('GET', url, { iin: operator })).body.priorityShare).toEqual(ratio);
  });

  it('R4.1 R10.2 the public look-up numbers the queue in the merged order from where the cycle stands; in strict order it is unchanged', async () => {
    const regionCode = await buildRegion(api.db, { priorityShare: { mode: 'ratio', firstPriority: 1, general: 3 } });
    const g1 = await application(regionCode, 'none', '2024-01-01T05:00:00Z');
    const g2 = await application(regionCode, 'none', '2024-01-02T05:00:00Z');
    const f1 = await application(regionCode, 'first_priority', '2024-02-01T05:00:00Z');
    const o1 = await application(regionCode, 'out_of_turn', '2024-03-01T05:00:00Z');
    const numbers = async () => {
      const out: Record<string, [number, number]> = {};
      for (const [name, n] of Object.entries({ o1, f1, g1, g2 })) {
        const res = await api.request('GET', `/api/v1/public/applications/${n}`);
        expect(res.status).toBe(200);
        out[name] = [res.body.queueNumber, res.body.queueNumberInCategory];
      }
      return out;
    };
    // a fresh cycle starts on a first-priority seat: O F G G
    expect(await numbers()).toEqual({ o1: [1, 1], f1: [2, 1], g1: [3, 1], g2: [4, 2] });
    // the last wave stopped on the first general seat of the cycle: O G G, and then F fills the third
    await api.db('priority_share_cycles').insert({ region_code: regionCode, group_year: 2023, position: 1 });
    expect(await numbers()).toEqual({ o1: [1, 1], g1: [2, 1], g2: [3, 2], f1: [4, 1] });
    // strict order: O F G G whatever the cycle
    await api.db('regions').where({ code: regionCode }).update({ settings: api.db.raw(`settings || '{"priorityShare":{"mode":"strict"}}'::jsonb`) });
    expect(await numbers()).toEqual({ o1: [1, 1], f1: [2, 1], g1: [3, 1], g2: [4, 2] });
  });
});
