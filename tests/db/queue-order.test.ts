import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/connection';
import { queueNumbers } from '../../db/queue-numbers';
import type { BenefitCategory } from '../../domain/queue';
import { testDb } from '../helpers/db';
import { buildFamily } from '../helpers/factories';
import { buildRegion } from '../helpers/lifecycle';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => db?.destroy());

async function application(regionCode: string, category: BenefitCategory, registeredAt: string, status = 'queued', groupYear = 2023) {
  const f = await buildFamily(db, { childBirthDate: `${groupYear}-05-05` });
  const number = `99.UO.2026.${randomUUID().slice(0, 6)}.1`;
  await db('applications').insert({
    number,
    region_code: regionCode,
    queue_type: 'general',
    child_iin: f.childIin,
    applicant_iin: f.parentIin,
    benefit_category: category,
    group_year: groupYear,
    registered_at: registeredAt,
    status,
    status_changed_at: registeredAt,
    status_cause: 'filed',
    language: 'ru',
    email: 'a@example.kz',
    phone: '+77010000000',
  });
  return number;
}

describe('R4.1 queue order', () => {
  it('R4.1 out-of-turn first, then first-priority, then the rest; by registration time within a category; per group year', async () => {
    const region = await buildRegion(db);
    const general2018 = await application(region, 'none', '2018-01-10T05:00:00Z');
    const firstPriority2021 = await application(region, 'first_priority', '2021-06-01T05:00:00Z');
    const outOfTurn2024 = await application(region, 'out_of_turn', '2024-03-01T05:00:00Z');
    const general2019 = await application(region, 'none', '2019-01-10T05:00:00Z');
    const firstPriority2020 = await application(region, 'first_priority', '2020-06-01T05:00:00Z');
    await application(region, 'out_of_turn', '2010-01-01T05:00:00Z', 'removed'); // no longer in line
    await application(region, 'out_of_turn', '2010-01-01T05:00:00Z', 'queued', 2022); // another group year
    const elsewhere = await buildRegion(db);
    await application(elsewhere, 'out_of_turn', '2010-01-01T05:00:00Z'); // another region

    const expected: [string, number, number][] = [
      [outOfTurn2024, 1, 1],
      [firstPriority2020, 2, 1],
      [firstPriority2021, 3, 2],
      [general2018, 4, 1],
      [general2019, 5, 2],
    ];
    for (const [number, inQueue, inCategory] of expected) {
      expect(await queueNumbers(db, number)).toEqual({ inQueue, inCategory });
    }
  });

  it('R4.1 the number is computed on read: a removal ahead moves everyone behind up by one', async () => {
    const region = await buildRegion(db);
    const first = await application(region, 'none', '2020-01-01T05:00:00Z');
    const second = await application(region, 'none', '2020-01-02T05:00:00Z');
    expect((await queueNumbers(db, second))!.inQueue).toBe(2);
    await db('applications').where({ number: first }).update({ status: 'removed' });
    expect((await queueNumbers(db, second))!.inQueue).toBe(1);
  });

});
