import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../../db/connection';
import * as queuePositions from '../../db/migrations/20261129190000-queue-positions';
import { QUEUE_POSITION_ROOT } from '../../db/migrations/20261129190000-queue-positions';
import { FREE_STRIPES } from '../../db/migrations/20261130030000-queue-position-free-stripes';
import { ACTIVE_SQL, QUEUE_POSITIONS, queueNumbers, queueNumbersOf, type QueueNumbers } from '../../db/queue-numbers';
import { mergedPosition } from '../../domain/priority-share';
import { ruleSettingsSchema } from '../../domain/rule-settings';
import { migrateLatest } from '../../db/connection';
import { scratchDb, testDb } from '../helpers/db';
import { buildRegion } from '../helpers/lifecycle';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => db?.destroy());

/**
 * The oracle: the numbers as db/queue-numbers.ts counted them before positions were kept — every
 * active application ahead, counted afresh (the same queries, for many numbers at once), for the
 * active applications among them.
 */
const RECOUNT = `
  SELECT a.number, count(o.number) + 1 AS in_queue,
         count(o.number) FILTER (WHERE o.benefit_rank = a.benefit_rank) + 1 AS in_category
  FROM applications a
  LEFT JOIN applications o
    ON o.region_code = a.region_code AND o.queue_type = a.queue_type AND o.group_year = a.group_year
   AND coalesce(o.need_category, '') = coalesce(a.need_category, '')
   AND o.status IN ${ACTIVE_SQL}
   AND (o.benefit_rank, o.registered_at, o.number) < (a.benefit_rank, a.registered_at, a.number)
  WHERE a.number = ANY(?) AND a.status IN ${ACTIVE_SQL} -- a closed application has no numbers
  GROUP BY a.number`;
const SHARE = `
  SELECT a.number, a.benefit_rank, a.queue_type, r.settings -> 'priorityShare' AS priority_share, coalesce(c.position, 0) AS position
  FROM applications a
  JOIN regions r ON r.code = a.region_code
  LEFT JOIN priority_share_cycles c ON c.region_code = a.region_code AND c.group_year = a.group_year
  WHERE a.number = ANY(?)`;
const SHARE_COUNTS = `
  SELECT a.number, a.status,
         count(o.number) FILTER (WHERE o.status <> 'queued') AS served,
         count(o.number) FILTER (WHERE o.status <> 'queued' AND (o.benefit_rank, o.registered_at, o.number) < (a.benefit_rank, a.registered_at, a.number)) AS served_ahead,
         count(o.number) FILTER (WHERE o.status = 'queued' AND o.benefit_rank = 0) AS out_of_turn,
         count(o.number) FILTER (WHERE o.status = 'queued' AND o.benefit_rank = a.benefit_rank AND (o.registered_at, o.number) < (a.registered_at, a.number)) AS ahead,
         count(o.number) FILTER (WHERE o.status = 'queued' AND o.benefit_rank = 3 - a.benefit_rank) AS other
  FROM applications a
  LEFT JOIN applications o
    ON o.region_code = a.region_code AND o.queue_type = a.queue_type AND o.group_year = a.group_year
   AND coalesce(o.need_category, '') = coalesce(a.need_category, '')
   AND o.status IN ${ACTIVE_SQL}
   AND o.number <> a.number
  WHERE a.number = ANY(?)
  GROUP BY a.number`;

async function recount(numbers: string[]): Promise<Map<string, QueueNumbers>> {
  const byNumber = (rows: Record<string, any>[]) => new Map(rows.map((r) => [r.number as string, r]));
  const strict = byNumber((await db.raw(RECOUNT, [numbers])).rows);
  const share = byNumber((await db.raw(SHARE, [numbers])).rows);
  const counts = byNumber((await db.raw(SHARE_COUNTS, [numbers])).rows);
  const out = new Map<string, QueueNumbers>();
  for (const number of numbers) {
    const row = strict.get(number);
    if (!row) continue;
    const numbers = { inQueue: Number(row.in_queue), inCategory: Number(row.in_category) };
    const s = share.get(number)!;
    const setting = ruleSettingsSchema.shape.priorityShare.safeParse(s?.priority_share);
    if (!setting.success || setting.data.mode !== 'ratio' || s.queue_type !== 'general') {
      out.set(number, numbers);
      continue;
    }
    const c = counts.get(number)!;
    const rank = Number(s.benefit_rank);
    const served = Number(c.served);
    const inQueue =
      c.status !== 'queued'
        ? Number(c.served_ahead) + 1
        : rank === 0
          ? served + Number(c.ahead) + 1
          : served +
            mergedPosition({
              category: rank === 1 ? 'first_priority' : 'general',
              outOfTurn: Number(c.out_of_turn),
              aheadInCategory: Number(c.ahead),
              otherCategory: Number(c.other),
              ratio: setting.data,
              position: Number(s.position),
            });
    out.set(number, { ...numbers, inQueue });
  }
  return out;
}

/** mulberry32: a small seeded PRNG, so a failing sequence can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

/** Children (and one parent) in the registry mirror, in one statement: IINs no real birth date gives (month 00 or day 00). */
async function persons(on: Db, prefix: string, count: number): Promise<string[]> {
  const iins = Array.from({ length: count + 1 }, (_, i) => `${prefix}${String(i).padStart(12 - prefix.length, '0')}`);
  await on.raw(
    `INSERT INTO persons (iin, last_name, first_name, birth_date, sex)
     SELECT iin, 'Тест', 'Тест', '2022-05-05', 'female' FROM unnest(?::text[]) iin ON CONFLICT DO NOTHING`,
    [iins],
  );
  return iins;
}

const row = (number: string, regionCode: string, childIin: string, applicantIin: string, o: { queueType: string; needCategory: string | null; groupYear: number; category: string; registeredAt: string }) => ({
  number,
  region_code: regionCode,
  queue_type: o.queueType,
  need_category: o.needCategory,
  child_iin: childIin,
  applicant_iin: applicantIin,
  benefit_category: o.category,
  group_year: o.groupYear,
  registered_at: o.registeredAt,
  status: 'queued',
  status_changed_at: o.registeredAt,
  status_cause: 'filed',
  language: 'ru',
  email: 'a@example.kz',
  phone: '+77010000000',
});

const CATEGORIES = ['out_of_turn', 'first_priority', 'none', 'none', 'none'];

describe('R4.1 queue positions kept current', () => {
  it('R4.1 R10.2 after random filings, category changes, removals, offers, referrals, enrolments, bulk updates and deletes the numbers equal a recount', async () => {
    const seed = 18_2026;
    const rnd = prng(seed);
    const strictRegion = await buildRegion(db);
    const ratioRegion = await buildRegion(db, { priorityShare: { mode: 'ratio', firstPriority: 1, general: 3 } });
    await db('priority_share_cycles').insert({ region_code: ratioRegion, group_year: 2023, position: 2 });
    const regions = [strictRegion, ratioRegion];
    const tag = randomUUID().slice(0, 6);
    const iins = await persons(db, `00000${String(rnd.int(100)).padStart(2, '0')}`, 400);
    const parent = iins[0]!;
    let filed = 0;
    const numbers: string[] = [];
    let q: Knex = db; // the connection or transaction a batch writes in

    // Seconds that many share, near each other and far apart (other years), with fractions or without.
    const base = Date.parse('2024-03-01T05:00:00Z');
    const instant = () => {
      const second = rnd.pick([0, 0, 1, 2, 3, 60, 3_600, 86_400, 86_401, 400 * 86_400, -900 * 86_400, -5 * 365 * 86_400]);
      const ms = rnd.pick([0, 0, 0, 1, 500, 999]);
      return new Date(base + second * 1000 + ms).toISOString();
    };
    const file = () => {
      const i = ++filed;
      const regionCode = rnd.pick(regions);
      const correctional = rnd.next() < 0.25;
      const number = `96.UO.2026.${tag}${String(i).padStart(4, '0')}.1`;
      numbers.push(number);
      return row(number, regionCode, iins[i]!, parent, {
        queueType: correctional ? 'correctional' : 'general',
        needCategory: correctional ? rnd.pick(['speech', 'hearing']) : null,
        groupYear: rnd.pick([2022, 2023]),
        category: rnd.pick(CATEGORIES),
        registeredAt: instant(),
      });
    };
    const withStatus = async (statuses: string[]) =>
      (await q('applications').whereIn('number', numbers).whereIn('status', statuses).orderBy('number').pluck('number')) as string[];
    const some = async (statuses: string[], max: number) => {
      const candidates = await withStatus(statuses);
      const chosen = new Set<string>();
      for (let k = rnd.int(max) + 1; k > 0 && candidates.length; k--) chosen.add(rnd.pick(candidates));
      return [...chosen];
    };

    const operations: Record<string, () => Promise<unknown>> = {
      file: async () => q('applications').insert(Array.from({ length: rnd.int(4) + 1 }, file)),
      changeCategory: async () =>
        q('applications').whereIn('number', await some(['queued', 'turn_notified', 'referral_issued'], 1)).update({ benefit_category: rnd.pick(CATEGORIES) }),
      changeNeed: async () =>
        q('applications').whereIn('number', await some(['queued'], 2)).where({ queue_type: 'correctional' }).update({ need_category: rnd.pick(['speech', 'hearing']) }),
      remove: async () => q('applications').whereIn('number', await some(['queued', 'turn_notified'], 2)).update({ status: 'removed' }),
      offer: async () => q('applications').whereIn('number', await some(['queued'], 3)).update({ status: 'turn_notified' }),
      offerExpires: async () => q('applications').whereIn('number', await some(['turn_notified'], 1)).update({ status: 'queued' }),
      refer: async () => q('applications').whereIn('number', await some(['turn_notified'], 2)).update({ status: 'referral_issued' }),
      enrol: async () => q('applications').whereIn('number', await some(['referral_issued'], 2)).update({ status: 'enrolled' }),
      // A wave: the first waiting of a queue offered at once, in one statement.
      wave: async () => {
        const [regionCode, groupYear] = [rnd.pick(regions), rnd.pick([2022, 2023])];
        const first = q('applications')
          .where({ region_code: regionCode, group_year: groupYear, queue_type: 'general', status: 'queued' })
          .whereIn('number', numbers)
          .orderBy(['benefit_rank', 'registered_at', 'number'])
          .limit(rnd.int(6) + 2)
          .select('number');
        return q('applications').whereIn('number', first).update({ status: 'turn_notified' });
      },
      // Many rows, nothing that moves a position: the triggers must net it out.
      touchAll: async () => q('applications').whereIn('number', numbers).update({ email: `b${rnd.int(100)}@example.kz` }),
      moveRegistration: async () => q('applications').whereIn('number', await some(['queued'], 2)).update({ registered_at: instant() }),
      delete: async () => {
        const gone = await some(['queued', 'removed', 'enrolled', 'turn_notified'], 2);
        await q('applications').whereIn('number', gone).delete();
        numbers.splice(0, numbers.length, ...numbers.filter((n) => !gone.includes(n)));
      },
    };
    const weighted = ['file', 'file', 'file', 'file', 'file', ...Object.keys(operations)];

    await operations.file!();
    let ops = 0;
    for (let batch = 0; batch < 36; batch++) {
      const run = async () => {
        for (let k = rnd.int(12) + 4; k > 0; k--, ops++) {
          const name = rnd.pick(weighted);
          if (name === 'file' && filed >= 390) continue;
          await operations[name]!();
        }
      };
      // Every other batch in one transaction, as an activity writes several statements at once.
      if (batch % 2) {
        await db.transaction(async (trx) => {
          q = trx;
          await run();
        });
        q = db;
      } else await run();
      const expected = await recount(numbers);
      const kept = await queueNumbersOf(db, numbers);
      expect({ batch, numbers: Object.fromEntries(kept) }).toEqual({ batch, numbers: Object.fromEntries(expected) });
      // The single look-up is the batched one's answer for one number.
      const one = rnd.pick(numbers);
      expect(await queueNumbers(db, one)).toEqual(expected.get(one));
    }
    expect(ops).toBeGreaterThan(300);
    // The sequence reached every kind of state it means to test.
    const statuses = await db('applications').whereIn('number', numbers).distinct().pluck('status');
    expect(statuses.sort()).toEqual(['enrolled', 'queued', 'referral_issued', 'removed', 'turn_notified']);
    expect(await queueNumbers(db, 'no-such-number')).toBeUndefined();

    // The kept tree is the one built afresh from the rows (the bit arithmetic checked in plain numbers).
    const expectedTree = new Map<string, number>();
    const rows = await db('applications').whereIn('region_code', regions).select('*', db.raw('queue_position_slot(registered_at) AS slot'));
    for (const r of rows) {
      const tallies = r.status === 'queued' ? ['queued'] : ['turn_notified', 'referral_issued'].includes(r.status) ? ['served'] : [];
      for (const tally of tallies) {
        for (let j = Number(r.slot); j <= QUEUE_POSITION_ROOT; j += lowbit(j)) {
          const key = [r.region_code, r.queue_type, r.group_year, r.need_category ?? '', r.benefit_rank, tally, j].join('|');
          expectedTree.set(key, (expectedTree.get(key) ?? 0) + 1);
        }
      }
    }
    const stored = await db('queue_position_tree')
      .whereIn('region_code', regions)
      .groupBy('region_code', 'queue_type', 'group_year', 'need_category', 'benefit_rank', 'tally', 'node')
      .havingRaw('sum(n) <> 0')
      .select('region_code', 'queue_type', 'group_year', 'need_category', 'benefit_rank', 'tally', 'node', db.raw('sum(n)::int AS n'));
    expect(new Map(stored.map((s) => [[s.region_code, s.queue_type, s.group_year, s.need_category, s.benefit_rank, s.tally, Number(s.node)].join('|'), s.n]))).toEqual(expectedTree);
  });
});

/** The lowest set bit of a positive integer beyond 32 bits, where JavaScript's `&` does not reach. */
function lowbit(j: number): number {
  let b = 1;
  while ((j / b) % 2 === 0) b *= 2;
  return b;
}

describe('R4.1 positions of a long queue', () => {
  // A database of its own: 20,000 rows would weigh on every other test's reads, and dropping it is quick.
  let scratch: Awaited<ReturnType<typeof scratchDb>>;
  let s: Db;
  let regionCode: string;
  beforeAll(async () => {
    scratch = await scratchDb('queue_positions');
    s = scratch.db;
    await migrateLatest(s);
    regionCode = await buildRegion(s);
    const iins = await persons(s, '00001', 20_200);
    // Both queues filed in one statement each (a bulk seeding), over the last 11 months, as the bench
    // seeds; some of each already offered.
    const fill = (groupYear: number, from: number, count: number) =>
      s.raw(
        `INSERT INTO applications (number, region_code, queue_type, child_iin, applicant_iin, benefit_category, group_year,
                                   registered_at, status, status_changed_at, status_cause, language, email, phone)
         SELECT '95.UO.2026.' || lpad(i::text, 6, '0') || '.1', ?, 'general', (?::text[])[i + 1], ?,
                (CASE WHEN i % 20 = 0 THEN 'first_priority' WHEN i % 97 = 0 THEN 'out_of_turn' ELSE 'none' END)::benefit_category, ?,
                now() - interval '330 days' + (i - ?) * (interval '330 days' / ?),
                (CASE WHEN i % 50 = 1 THEN 'turn_notified' ELSE 'queued' END)::application_status, now(), 'filed', 'ru', 'a@example.kz', '+77010000000'
         FROM generate_series(?::int, ?::int) i`,
        [regionCode, iins, iins[0]!, groupYear, from, count, from, from + count - 1],
      );
    await fill(2022, 1, 200);
    await fill(2023, 201, 20_000);
    await s.raw('VACUUM ANALYZE applications');
    await s.raw('VACUUM ANALYZE queue_position_tree');
  });
  afterAll(() => scratch?.drop());

  it('R4.1 the buffers a look-up reads are about the same for a queue of 200 and of 20,000, where a recount reads ever more', async () => {
    const last = async (groupYear: number): Promise<string> =>
      (await s('applications').where({ region_code: regionCode, group_year: groupYear }).orderByRaw('benefit_rank DESC, registered_at DESC').first('number')).number;
    const buffers = async (sql: string, number: string): Promise<number> => {
      const plan = (await s.raw(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, [[number]])).rows[0]['QUERY PLAN'][0].Plan;
      return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
    };
    const [small, large] = [await last(2022), await last(2023)];
    expect((await queueNumbers(s, small))!.inQueue).toBe(200);
    expect((await queueNumbers(s, large))!.inQueue).toBe(20_000);
    const kept = [await buffers(QUEUE_POSITIONS, small), await buffers(QUEUE_POSITIONS, large)];
    const counted = [await buffers(RECOUNT, small), await buffers(RECOUNT, large)];
    expect(counted[1]).toBeGreaterThan(10 * counted[0]!); // what this test would catch
    expect(kept[1]).toBeLessThanOrEqual(kept[0]! * 1.5 + 20);
    expect(kept[1]).toBeLessThan(counted[1]! / 2);
  });

  it('R4.1 a closed application has no numbers, and its look-up reads its own row, not its queue', async () => {
    const [active, closed] = (await s('applications').where({ region_code: regionCode, group_year: 2023 }).orderBy('number').limit(2).pluck('number')) as string[];
    await s('applications').where({ number: closed }).update({ status: 'removed', status_changed_at: s.fn.now() });
    try {
      expect(await queueNumbers(s, closed!)).toBeUndefined();
      const buffers = async (number: string): Promise<number> => {
        const plan = (await s.raw(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${QUEUE_POSITIONS}`, [[number]])).rows[0]['QUERY PLAN'][0].Plan;
        return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
      };
      const [own, open] = [await buffers(closed!), await buffers(active!)];
      expect(own).toBeLessThanOrEqual(5); // the primary key's path to its row
      expect(open).toBeGreaterThan(3 * own);
    } finally {
      await s('applications').where({ number: closed }).update({ status: 'queued' });
    }
  });

  it('R4.1 the migration builds for rows already there the positions the triggers keep', async () => {
    const tree = async () =>
      (await s.raw(`SELECT region_code, queue_type, group_year, need_category, benefit_rank, tally, node, sum(n)::int AS n
                    FROM queue_position_tree GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7`)).rows;
    const kept = await tree();
    expect(kept.length).toBeGreaterThan(1000);
    await s.transaction(async (trx) => {
      await queuePositions.down(trx);
      await queuePositions.up(trx);
    });
    expect(await tree()).toEqual(kept);
  });
});

describe('R4.1 writers of one queue at once take stripes of their own', () => {
  const txid = async (q: Knex): Promise<number> => Number((await q.raw('SELECT txid_current() AS id')).rows[0].id);
  /** The root's counters of a queue's rank, by stripe, as committed. */
  const rootStripes = async (regionCode: string) =>
    (await db('queue_position_tree').where({ region_code: regionCode, node: QUEUE_POSITION_ROOT, tally: 'queued' }).orderBy('stripe').select('stripe', 'n')).map((r) => ({
      stripe: Number(r.stripe),
      n: Number(r.n),
    }));
  const filing = (regionCode: string, iins: string[], i: number) =>
    row(`97.UO.2026.${randomUUID().slice(0, 6)}${String(i).padStart(4, '0')}.1`, regionCode, iins[i]!, iins[0]!, {
      queueType: 'general',
      needCategory: null,
      groupYear: 2022,
      category: 'none',
      registeredAt: '2025-02-03T04:05:06.000Z',
    });

  it('R4.1 two open filings of one queue whose transaction ids fall on one stripe do not wait for each other, and the numbers stay right', async () => {
    const regionCode = await buildRegion(db);
    const iins = await persons(db, '0000081', 3);
    const first = await db.transaction();
    const second = await db.transaction();
    try {
      await first('applications').insert(filing(regionCode, iins, 1));
      const held = (await txid(first)) % FREE_STRIPES;
      // Ids are handed out one by one: use them up until the second transaction's falls on the same stripe.
      while (((await txid(db)) + 1) % FREE_STRIPES !== held);
      expect((await txid(second)) % FREE_STRIPES).toBe(held);
      await second.raw(`SET LOCAL lock_timeout = '3s'`); // by the transaction id's stripe alone it would wait here for the first
      await second('applications').insert(filing(regionCode, iins, 2));
      await second.commit();
      await first.commit();
    } finally {
      if (!second.isCompleted()) await second.rollback();
      if (!first.isCompleted()) await first.rollback();
    }
    const stripes = await rootStripes(regionCode);
    expect(stripes).toHaveLength(2);
    expect(stripes.map((s) => s.n)).toEqual([1, 1]);
    const numbers = (await db('applications').where({ region_code: regionCode }).pluck('number')) as string[];
    expect(await queueNumbersOf(db, numbers)).toEqual(await recount(numbers));
  });

  it('R4.1 filings one after another all write the lowest stripe, so a look-up reads one row per node', async () => {
    const regionCode = await buildRegion(db);
    const iins = await persons(db, '0000083', 6);
    for (let i = 1; i <= 6; i++) await db('applications').insert(filing(regionCode, iins, i));
    expect(await rootStripes(regionCode)).toEqual([{ stripe: 0, n: 6 }]);
  });

  it('R4.1 a transaction keeps its stripe for its later writes; with every stripe held, a writer shares one and waits, and nothing is lost', async () => {
    const regionCode = await buildRegion(db);
    const iins = await persons(db, '0000082', FREE_STRIPES + 3);
    const wide = testDb(FREE_STRIPES + 2); // a connection for each open transaction and the last writer
    const open = await Promise.all(Array.from({ length: FREE_STRIPES }, () => wide.transaction()));
    let late: Promise<unknown> | undefined;
    try {
      for (const [i, trx] of open.entries()) await trx('applications').insert(filing(regionCode, iins, i + 1));
      await open[0]!('applications').insert(filing(regionCode, iins, FREE_STRIPES + 1)); // a later write of the same transaction
      // The last writer finds every stripe taken: it writes to its id's and waits for the one holding it.
      late = wide('applications').insert(filing(regionCode, iins, FREE_STRIPES + 2)).then(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      for (const trx of open) await trx.commit();
      await late;
    } finally {
      for (const trx of open) if (!trx.isCompleted()) await trx.rollback();
      await late?.catch(() => {});
      await wide.destroy();
    }
    const stripes = await rootStripes(regionCode);
    expect(stripes.map((s) => s.stripe)).toEqual(Array.from({ length: FREE_STRIPES }, (_, s) => s));
    expect(stripes.reduce((sum, s) => sum + s.n, 0)).toBe(FREE_STRIPES + 2);
    // The transaction that wrote twice added both to one stripe: one stripe has 2 or, with the last writer beside it, 3.
    expect(Math.max(...stripes.map((s) => s.n))).toBeGreaterThanOrEqual(2);
    const numbers = (await db('applications').where({ region_code: regionCode }).pluck('number')) as string[];
    expect(await queueNumbersOf(db, numbers)).toEqual(await recount(numbers));
  });
});
