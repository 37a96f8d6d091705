import { randomUUID } from 'node:crypto';
import { applicationRow } from '../../activities/applications';
import { createDb, migrateLatest, type Db } from '../../db/connection';
import { migrationSource } from '../../db/migrations';
import * as chainBackfill from '../../db/migrations/20261129201000-chain-backfill';
import { testDb } from '../helpers/db';
import { buildStaff } from '../helpers/factories';
import { buildFiling } from '../helpers/filings';
import { storedEntries, verifyChain } from './helpers';

// R11.3, upgrade: a database with history from before the chain (as a deployment upgrading has),
// built at the migration before the chain, then migrated; verify-chain must find it all chained.

const BEFORE_CHAIN = '20261129191000-bulk-waves';
const upTo = (last: string): typeof migrationSource => ({
  ...migrationSource,
  getMigrations: async (loaders) => (await migrationSource.getMigrations(loaders)).filter((name) => name <= last),
});

const T0 = Date.parse('2026-06-01T04:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

describe('R11.3 the chain begins with the history that existed before it', () => {
  const name = `chain_backfill_${randomUUID().replace(/-/g, '')}`;
  let admin: Db;
  let db: Db;
  let url: string;

  beforeAll(async () => {
    admin = testDb();
    await admin.raw(`CREATE DATABASE ${name}`);
    const u = new URL(process.env.DATABASE_URL!);
    u.pathname = `/${name}`;
    url = u.toString();
    db = createDb(url, 3);
  });

  afterAll(async () => {
    await db?.destroy();
    await admin?.raw(`DROP DATABASE IF EXISTS ${name}`);
    await admin?.destroy();
  });

  /** verify-chain as a child process against the scratch database. */
  async function verifyScratch(region: string) {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = url;
    try {
      return await verifyChain(region);
    } finally {
      process.env.DATABASE_URL = saved;
    }
  }

  it('R11.3 filings, a category change, offers, referrals, annulments with a stop-list and published places of two regions verify after the upgrade; migrating again appends nothing', async () => {
    await db.migrate.latest({ migrationSource: upTo(BEFORE_CHAIN) });
    expect(await db.schema.hasTable('chain_entries')).toBe(false);

    // Two regions as the run's database has them.
    const [regionA, regionB] = ['almaty', 'astana'];
    for (const r of await admin('regions').whereIn('code', [regionA, regionB]).select('*')) await db('regions').insert(r);
    const operator = await buildStaff(db, { role: 'operator', regionCode: regionA });
    const place = async (region: string, publishedAt: Date | null) => {
      const [kg] = await db('kindergartens').insert({ region_code: region, name_ru: 'Сад', name_kk: 'Бақша', kind: 'state', address: 'ул. 1' }).returning('id');
      const [p] = await db('places')
        .insert({ kindergarten_id: kg.id, group_year: 2022, language: 'ru', place_type: 'general', total: 2, free: 0, released_on: '2026-05-30', published_at: publishedAt })
        .returning('id');
      return { kindergartenId: kg.id as number, placeId: p.id as number };
    };
    const placeA = await place(regionA, at(30));
    const placeB = await place(regionB, at(40));
    await place(regionA, null); // added, never published: no entry

    type Ev = [minutes: number, to: string, cause: string, actor: 'applicant' | 'system' | 'operator', details?: Record<string, unknown>];
    const application = async (region: string, registered: number, events: Ev[], now: Record<string, unknown>) => {
      const filing = await buildFiling(db, { registeredAt: at(registered).getTime(), regionCode: region, childBirthDate: '2022-03-01' });
      await db('applications').insert({ ...applicationRow(filing), ...now });
      let from: string | null = null;
      const rows = [[registered, 'queued', 'filed', 'applicant'] as Ev, ...events].map(([m, to, cause, who, details], i) => {
        const row = { application_number: filing.number, seq: i + 1, at: at(m), from_status: from, to_status: to, cause, actor: who === 'applicant' ? filing.applicantIin : who === 'operator' ? operator : 'system', details: JSON.stringify(details ?? {}) };
        from = to;
        return row;
      });
      await db('application_events').insert(rows);
      return filing.number;
    };
    const offer = { offerId: 'wave-1', placeIds: [placeA.placeId] };
    // A: raised to first priority by an operator, offered, referred, annulled; the stop-list still runs.
    const raised = await application(
      regionA,
      0,
      [
        [10, 'queued', 'benefit_category_changed', 'operator', { from: 'none', to: 'first_priority' }],
        [60, 'turn_notified', 'turn_arrived', 'system', offer],
        [70, 'referral_issued', 'referral_issued', 'applicant', { placeId: placeA.placeId, kindergartenId: placeA.kindergartenId }],
        [200, 'queued', 'referral_annulled', 'system'],
      ],
      { benefit_category: 'first_priority', status: 'queued', status_cause: 'referral_annulled', status_changed_at: at(200), stop_list_until: at(5000) },
    );
    // A: annulled, its stop-list already ended.
    const ended = await application(
      regionA,
      5,
      [
        [60, 'turn_notified', 'turn_arrived', 'system', offer],
        [70, 'referral_issued', 'referral_issued', 'applicant', { placeId: placeA.placeId, kindergartenId: placeA.kindergartenId }],
        [200, 'queued', 'referral_annulled', 'system'],
        [300, 'queued', 'stop_list_ended', 'system'],
      ],
      { status: 'queued', status_cause: 'stop_list_ended', status_changed_at: at(300) },
    );
    // A: enrolled (by an operator), and the child has left since (R7.3).
    const departed = await application(
      regionA,
      8,
      [
        [100, 'turn_notified', 'turn_arrived', 'system', offer],
        [110, 'referral_issued', 'referral_issued', 'applicant', { placeId: placeA.placeId, kindergartenId: placeA.kindergartenId }],
        [120, 'enrolled', 'enrolled', 'operator', { kindergartenId: placeA.kindergartenId }],
      ],
      { status: 'enrolled', status_cause: 'enrolled', status_changed_at: at(120) },
    );
    const { child_iin: child } = await db('applications').where({ number: departed }).first('child_iin');
    await db('enrollments').insert({ child_iin: child, kindergarten_id: placeA.kindergartenId, application_number: departed, enrolled_at: at(120), departed_at: at(130), departure_recorded_by: operator });
    // B: offered, the offer still open.
    const offered = await application(regionB, 20, [[80, 'turn_notified', 'turn_arrived', 'system', { offerId: 'wave-2', placeIds: [placeB.placeId] }]], {
      status: 'turn_notified',
      status_cause: 'turn_arrived',
      status_changed_at: at(80),
      offer_window_ends_at: at(3000),
    });

    // R5.3: annulled, then removed (which clears stop_list_until): the annulment's notice says a
    // stop-list started for one; for the other no row says, and no stop_list_started is claimed.
    const removedAfter = (registered: number) =>
      application(
        regionB,
        registered,
        [
          [registered + 65, 'turn_notified', 'turn_arrived', 'system', { offerId: 'wave-2', placeIds: [placeB.placeId] }],
          [registered + 70, 'referral_issued', 'referral_issued', 'applicant', { placeId: placeB.placeId, kindergartenId: placeB.kindergartenId }],
          [registered + 185, 'queued', 'referral_annulled', 'system'],
          [registered + 375, 'removed', 'left_queue', 'applicant'],
        ],
        { status: 'removed', status_cause: 'left_queue', status_changed_at: at(registered + 375) },
      );
    const noticed = await removedAfter(25);
    const silent = await removedAfter(26);
    await db('notices').insert({
      idempotency_key: `${noticed}:referral_annulled:4:email:parent@example.kz`,
      application_number: noticed,
      kind: 'referral_annulled',
      channel: 'email',
      recipient: 'parent@example.kz',
      language: 'kk',
      payload: JSON.stringify({ stopListUntil: at(9000).toISOString() }),
      state: 'sent',
    });

    // Before the backfill, the chain starts in the middle of the history: verify-chain says so.
    await db.migrate.latest({ migrationSource: upTo('20261129200000-queue-chain') });
    expect(await verifyScratch(regionA)).toEqual({ code: 1, output: expect.stringContaining('has no entry in the chain') });

    await migrateLatest(db);

    const entries = async (region: string) =>
      (await storedEntries(db, region)).map((e) => [e.event, e.application_number, e.category, e.actor_role, e.place_id, e.queue_whole, e.queue_category]);
    // History order (time, then number), each event mapped as the live system maps it; no queue numbers.
    expect(await entries(regionA)).toEqual([
      ['filed', raised, 'none', 'applicant', null, null, null], // before the change: walked back through its `from`
      ['filed', ended, 'none', 'applicant', null, null, null],
      ['filed', departed, 'none', 'applicant', null, null, null],
      ['category_changed', raised, 'first_priority', 'operator', null, null, null],
      ['place_published', null, null, 'system', String(placeA.placeId), null, null],
      ...[raised, ended].sort().map((n) => ['offered', n, n === raised ? 'first_priority' : 'none', 'system', null, null, null]),
      ...[raised, ended].sort().map((n) => ['referral_issued', n, n === raised ? 'first_priority' : 'none', 'applicant', String(placeA.placeId), null, null]),
      ['offered', departed, 'none', 'system', null, null, null],
      ['referral_issued', departed, 'none', 'applicant', String(placeA.placeId), null, null],
      ['enrolled', departed, 'none', 'operator', null, null, null],
      ['departed', departed, 'none', 'staff', null, null, null], // as db/enrollments.ts records it
      // R5.3: both started a stop-list — one still running (stop_list_until), one ended since.
      ...[raised, ended].sort().flatMap((n) => [
        ['referral_annulled', n, n === raised ? 'first_priority' : 'none', 'system', null, null, null],
        ['stop_list_started', n, n === raised ? 'first_priority' : 'none', 'system', null, null, null],
      ]),
      ['stop_list_ended', ended, 'none', 'system', null, null, null],
    ]);
    const none = (event: string, n: string | null, role: string, place: number | null = null) => [event, n, n && 'none', role, place && String(place), null, null];
    expect(await entries(regionB)).toEqual([
      none('filed', offered, 'applicant'),
      none('filed', noticed, 'applicant'),
      none('filed', silent, 'applicant'),
      none('place_published', null, 'system', placeB.placeId),
      none('offered', offered, 'system'),
      none('offered', noticed, 'system'),
      none('offered', silent, 'system'),
      none('referral_issued', noticed, 'applicant', placeB.placeId),
      none('referral_issued', silent, 'applicant', placeB.placeId),
      none('referral_annulled', noticed, 'system'),
      none('stop_list_started', noticed, 'system'),
      none('referral_annulled', silent, 'system'),
      none('removed', noticed, 'applicant'),
      none('removed', silent, 'applicant'),
    ]);
    // The event rows are located, so verify-chain cross-checks them.
    expect(await db('chain_entries').where({ application_number: ended }).orderBy('seq').pluck('event_seq')).toEqual([1, 2, 3, 4, 4, 5]);
    // Each entry records its queue's group year: an application's entries the application's, a place's the place's.
    const years: { group_year: number | null; of: number }[] = (
      await db.raw(
        `SELECT c.group_year, coalesce(a.group_year, p.group_year) AS of FROM chain_entries c
           LEFT JOIN applications a ON a.number = c.application_number
           LEFT JOIN places p ON c.application_number IS NULL AND p.id = c.place_id::int
          WHERE c.region_code IN (?, ?)`,
        [regionA, regionB],
      )
    ).rows;
    expect(years.length).toBeGreaterThan(20);
    expect(years.filter((y) => y.group_year === null || y.group_year !== y.of)).toEqual([]);

    for (const region of [regionA, regionB]) {
      expect(await verifyScratch(region)).toEqual({ code: 0, output: expect.stringMatching(new RegExp(`^OK ${region}: `)) });
    }

    // Again (as a second deployment running it would): every region has its chain, nothing is appended.
    const counted = async () => Number((await db('chain_entries').count({ n: '*' }).first())!.n);
    const before = await counted();
    await db.transaction((trx) => chainBackfill.up(trx));
    expect(await counted()).toBe(before);
    // And the live system appends after the backfilled history.
    expect((await db('chain_heads').where({ region_code: regionA }).first('seq')).seq).toBe(before - 14);
  });

  it('R11.3 a row edited behind the system’s back after the upgrade is still named', async () => {
    const number = (await db('applications').where({ region_code: 'almaty', benefit_category: 'none' }).first('number')).number;
    await db('applications').where({ number }).update({ benefit_category: 'out_of_turn' });
    const { code, output } = await verifyScratch('almaty');
    expect(code).toBe(1);
    expect(output).toContain(`application ${number}: category is out_of_turn in applications`);
  });
});
