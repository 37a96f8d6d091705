import { DEFAULT_RULE_SETTINGS } from '../../domain/rule-settings';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createOfferActivities } from '../../activities/offers';
import { serveMetrics } from '../../api/metrics-server';
import { migrateLatest, type Db } from '../../db/connection';
import { migrationSource } from '../../db/migrations';
import { seedDevelopment } from '../../db/seeds/development';
import { createMetricsRegistry } from '../../telemetry/metrics';
import { registerServiceFigures } from '../../telemetry/service-figures';
import { scratchDb, unreachableDb } from '../helpers/db';
import { buildFamily } from '../helpers/factories';
import { sampleValue, scrape, type Sample } from '../helpers/metrics';

const DAY = 86_400_000;
const now = Date.now();
const at = (msAgo: number) => new Date(now - msAgo);
const seconds = (d: Date) => d.getTime() / 1000;

let serial = 0;
const nextNumber = () => `75.UO.2026.${String(++serial).padStart(6, '0')}.1`;

/** An application of a child of its own, with the read-model fields the figures read. */
async function application(db: Db, fields: { region?: string; queueType?: string; status: string; stopListUntil?: Date }) {
  const family = await buildFamily(db);
  const number = nextNumber();
  await db('applications').insert({
    number,
    region_code: fields.region ?? 'almaty',
    queue_type: fields.queueType ?? 'general',
    // R8.1 (a column only in schemas migrated past 20261129160000: the older one below takes none).
    ...(fields.queueType === 'correctional' ? { need_category: 'speech' } : {}),
    child_iin: family.childIin,
    applicant_iin: family.parentIin,
    benefit_category: 'none',
    group_year: 2023,
    registered_at: at(30 * DAY),
    status: fields.status,
    status_changed_at: at(DAY),
    status_cause: 'test',
    language: 'ru',
    email: 'a@example.kz',
    phone: '+77010000000',
    stop_list_until: fields.stopListUntil ?? null,
  });
  return number;
}

async function wave(db: Db, region: string, offeredAt: Date, signalledAt: Date | null, numbers: string[]) {
  const id = `offer-places:${region}-${randomUUID()}`;
  await db('offer_waves').insert({ id, region_code: region, offered_at: offeredAt, window_ends_at: new Date(offeredAt.getTime() + 3 * DAY), offers_signalled_at: signalledAt });
  if (numbers.length) await db('offer_wave_applications').insert(numbers.map((n) => ({ wave_id: id, application_number: n, place_ids: [] })));
  return id;
}

describe('the service figures at /metrics, read from PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof scratchDb>>;
  let db: Db;
  let connection: Connection;
  let temporal: Client;
  let server: Server;
  let url: string;
  const readErrors: unknown[] = [];
  const known: Record<string, Date> = {};

  beforeAll(async () => {
    scratch = await scratchDb('metrics_figures');
    db = scratch.db;
    await migrateLatest(db);
    await seedDevelopment(db);
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    temporal = new Client({ connection });

    const queued = await application(db, { status: 'queued' });
    const stopListed = await application(db, { status: 'queued', stopListUntil: at(-5 * DAY) });
    await application(db, { status: 'queued', stopListUntil: at(DAY) }); // its stop-list has ended
    const notified = await application(db, { status: 'turn_notified' });
    const referred = await application(db, { queueType: 'correctional', status: 'referral_issued' });
    const removed = await application(db, { status: 'removed', stopListUntil: at(-5 * DAY) }); // not active: not on the list
    await application(db, { region: 'astana', status: 'enrolled' });

    const kindergarten = await db('kindergartens').where({ region_code: 'almaty', kind: 'state' }).orderBy('id').first('id');
    const [place] = await db('places')
      .insert({ kindergarten_id: kindergarten.id, group_year: 2023, language: 'ru', place_type: 'general', total: 3, free: 0, released_on: '2026-11-01' })
      .returning('id');
    known.lastReferral = at(30 * 60_000);
    const referral = (number: string, state: string, issuedAt: Date) => ({
      application_number: number, place_id: place.id, kindergarten_id: kindergarten.id, issued_at: issuedAt, deadline: at(-5 * DAY), state,
    });
    await db('referrals').insert([referral(referred, 'active', known.lastReferral), referral(removed, 'annulled', at(20 * DAY)), referral(queued, 'withdrawn', at(40 * DAY))]);

    known.finishedWaveStart = at(2 * DAY);
    known.finishedWaveEnd = new Date(known.finishedWaveStart.getTime() + 20_000);
    await wave(db, 'almaty', known.finishedWaveStart, known.finishedWaveEnd, [notified, queued]);
    known.runningWaveStart = at(60 * 60_000);
    await wave(db, 'almaty', known.runningWaveStart, null, [stopListed]);
    known.emptyWaveStart = at(3 * 60_000);
    await wave(db, 'astana', known.emptyWaveStart, new Date(known.emptyWaveStart.getTime() + 1500), []);

    const notice = (state: string) => ({ idempotency_key: randomUUID(), kind: 'test', channel: 'sms', recipient: '+77010000000', language: 'ru', state });
    await db('notices').insert([notice('pending'), notice('pending'), notice('failed')]);
    const document = (state: string, extra = {}) => ({
      application_number: queued, kind: 'child_card', language: 'ru', template_version: 1, verification_code: randomUUID(), issued_at: at(DAY), state, referral_id: null, ...extra,
    });
    await db('documents').insert([
      document('rendering'),
      { ...document('failed'), kind: 'receipt_notice' },
      { ...document('ready', { content: Buffer.from('%PDF'), sha256: 'x', media_type: 'application/pdf' }), kind: 'register_entry' },
    ]);

    const registry = createMetricsRegistry();
    registerServiceFigures(registry, { db, temporal, maxAgeMs: 0, onError: (err) => readErrors.push(err) });
    server = await serveMetrics(registry, 0, '127.0.0.1');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });

  afterAll(async () => {
    server?.close();
    await connection?.close();
    await scratch?.drop();
  });

  let samples: Sample[];
  beforeAll(async () => {
    const res = await scrape(url);
    expect(res.status).toBe(200);
    samples = res.samples;
  });
  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);

  it('counts applications by region, queue type and status, reporting every combination, zeros too', () => {
    expect(value('kq_applications', { region: 'almaty', queue_type: 'general', status: 'queued' })).toBe(3);
    expect(value('kq_applications', { region: 'almaty', queue_type: 'general', status: 'turn_notified' })).toBe(1);
    expect(value('kq_applications', { region: 'almaty', queue_type: 'correctional', status: 'referral_issued' })).toBe(1);
    expect(value('kq_applications', { region: 'almaty', queue_type: 'general', status: 'removed' })).toBe(1);
    expect(value('kq_applications', { region: 'astana', queue_type: 'general', status: 'enrolled' })).toBe(1);
    expect(value('kq_applications', { region: 'karaganda', queue_type: 'correctional', status: 'queued' })).toBe(0);
    expect(samples.filter((s) => s.name === 'kq_applications')).toHaveLength(3 * 2 * 5);
    expect(readErrors).toEqual([]);
  });

  it('counts offers, referrals issued and annulled per region as counters, and who is on the stop-list now', () => {
    expect([value('kq_offers_total', { region: 'almaty' }), value('kq_offers_total', { region: 'astana' })]).toEqual([3, 0]);
    expect([value('kq_referrals_issued_total', { region: 'almaty' }), value('kq_referrals_annulled_total', { region: 'almaty' })]).toEqual([3, 1]);
    expect([value('kq_referrals_issued_total', { region: 'karaganda' }), value('kq_referrals_annulled_total', { region: 'karaganda' })]).toEqual([0, 0]);
    // Of three with a stop_list_until: one ended, one removed; one active and still on the list.
    expect([value('kq_stop_listed', { region: 'almaty' }), value('kq_stop_listed', { region: 'astana' })]).toEqual([1, 0]);
  });

  it('times the latest offer wave of each region: started, finished, and the duration of the last finished one', () => {
    expect(value('kq_offer_wave_last_started_timestamp_seconds', { region: 'almaty' })).toBe(seconds(known.runningWaveStart!));
    expect(value('kq_offer_wave_last_finished_timestamp_seconds', { region: 'almaty' })).toBe(seconds(known.finishedWaveEnd!));
    expect(value('kq_offer_wave_duration_seconds', { region: 'almaty' })).toBe(20);
    expect(value('kq_offer_wave_duration_seconds', { region: 'astana' })).toBe(1.5);
    // karaganda never had a wave: absent, not "1970".
    expect(value('kq_offer_wave_last_started_timestamp_seconds', { region: 'karaganda' })).toBeUndefined();
  });

  it("says when each region's queue last moved: its latest offer or referral; a wave that offered nothing is no move", () => {
    expect(value('kq_queue_last_moved_timestamp_seconds', { region: 'almaty' })).toBe(seconds(known.lastReferral!));
    expect(value('kq_queue_last_moved_timestamp_seconds', { region: 'astana' })).toBeUndefined();
  });

  it('counts notices and documents by status, zeros included', () => {
    expect(['pending', 'sent', 'failed'].map((status) => value('kq_notices', { status }))).toEqual([2, 0, 1]);
    expect(['rendering', 'ready', 'failed'].map((status) => value('kq_documents', { status }))).toEqual([1, 1, 1]);
  });

  it('reports its dependencies up, and PostgreSQL down — leaving the figures out, not failing the scrape — when it does not answer', async () => {
    expect([value('kq_dependency_up', { dependency: 'postgres' }), value('kq_dependency_up', { dependency: 'temporal' })]).toEqual([1, 1]);
    // knex's own warning of the refused connection is not what this test reads: not logged.
    const unreachable = unreachableDb();
    const errors: unknown[] = [];
    const registry = createMetricsRegistry();
    registerServiceFigures(registry, { db: unreachable, temporal, maxAgeMs: 0, onError: (err) => errors.push(err) });
    const down = await serveMetrics(registry, 0, '127.0.0.1');
    try {
      const res = await scrape(`http://127.0.0.1:${(down.address() as AddressInfo).port}/metrics`);
      expect(res.status).toBe(200);
      expect([sampleValue(res.samples, 'kq_dependency_up', { dependency: 'postgres' }), sampleValue(res.samples, 'kq_dependency_up', { dependency: 'temporal' })]).toEqual([0, 1]);
      expect(res.samples.filter((s) => s.name.startsWith('kq_') && s.name !== 'kq_dependency_up')).toEqual([]);
      expect(errors).toHaveLength(1);
    } finally {
      down.close();
      await unreachable.destroy();
    }
  });

  it('reads again at the next scrape: a new row shows', async () => {
    await db('notices').insert({ idempotency_key: randomUUID(), kind: 'test', channel: 'email', recipient: 'a@example.kz', language: 'kk', state: 'sent' });
    expect(sampleValue((await scrape(url)).samples, 'kq_notices', { status: 'sent' })).toBe(1);
  });

  it("the offer run's signalling activity records the wave's end, which the figures then read", async () => {
    const applicationNumber = await application(db, { region: 'karaganda', status: 'queued' }); // no workflow: the signal finds none
    const startedAt = at(5000);
    const waveId = await wave(db, 'karaganda', startedAt, null, [applicationNumber]);
    const before = Date.now();
    const signalled = await new MockActivityEnvironment().run(createOfferActivities({ db, temporal }).signalOffers, { waveId });
    expect(signalled).toBe(1);
    const row = await db('offer_waves').where({ id: waveId }).first();
    expect(row.offers_signalled_at.getTime()).toBeGreaterThanOrEqual(before);
    const after = (await scrape(url)).samples;
    expect(sampleValue(after, 'kq_offer_wave_last_finished_timestamp_seconds', { region: 'karaganda' })).toBe(seconds(row.offers_signalled_at));
    expect(sampleValue(after, 'kq_offer_wave_duration_seconds', { region: 'karaganda' })).toBeCloseTo((row.offers_signalled_at.getTime() - startedAt.getTime()) / 1000, 3);
    expect(sampleValue(after, 'kq_queue_last_moved_timestamp_seconds', { region: 'karaganda' })).toBe(seconds(startedAt));
  });
});

describe('waves offered before their end was recorded (migration 20261129150100)', () => {
  it("take as their end the last offer their applications recorded within the window, or their start when they offered nothing", async () => {
    const scratch = await scratchDb('metrics_backfill');
    try {
      const { db } = scratch;
      const before = (await migrationSource.getMigrations([])).filter((name) => name < '20261129150000');
      await db.migrate.latest({ migrationSource: { ...migrationSource, getMigrations: async () => before } });
      // Only the region its rows name: today's seeds write columns that schema does not have yet.
      await db('regions').insert({ code: 'almaty', name_ru: 'Алматы', name_kk: 'Алматы', settings: JSON.stringify(DEFAULT_RULE_SETTINGS) });
      const number = await application(db, { status: 'turn_notified' });
      const offeredAt = at(10 * DAY);
      const takenUp = new Date(offeredAt.getTime() + 7000);
      const wave = (id: string, offered: Date) => ({ id, region_code: 'almaty', offered_at: offered, window_ends_at: new Date(offered.getTime() + 3 * DAY) });
      await db('offer_waves').insert([wave('offered', offeredAt), wave('empty', at(9 * DAY))]);
      await db('offer_wave_applications').insert({ wave_id: 'offered', application_number: number, place_ids: [] });
      const event = (seq: number, to: string, when: Date) => ({ application_number: number, seq, at: when, from_status: null, to_status: to, cause: to === 'queued' ? 'filed' : 'turn_arrived', actor: 'system' });
      // A later offer of another wave is no end of this one.
      await db('application_events').insert([event(1, 'queued', at(30 * DAY)), event(2, 'turn_notified', takenUp), event(3, 'turn_notified', at(DAY))]);
      await migrateLatest(db);
      const ends = Object.fromEntries((await db('offer_waves').select('id', 'offers_signalled_at')).map((w) => [w.id, w.offers_signalled_at.getTime()]));
      expect(ends).toEqual({ offered: takenUp.getTime(), empty: at(9 * DAY).getTime() });
    } finally {
      await scratch.drop();
    }
  });
});
