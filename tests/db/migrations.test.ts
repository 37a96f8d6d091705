import { randomUUID } from 'node:crypto';
import { createDb, migrateLatest, migrateRollbackAll, type Db } from '../../db/connection';
import { testDb } from '../helpers/db';
import { buildFamily } from '../helpers/factories';

describe('migrations', () => {
  const name = `migrations_${randomUUID().replace(/-/g, '')}`;
  let admin: Db;
  let scratch: Db;

  beforeAll(async () => {
    admin = testDb();
    await admin.raw(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    scratch = createDb(url.toString(), 2);
  });

  afterAll(async () => {
    await scratch?.destroy();
    await admin?.raw(`DROP DATABASE IF EXISTS ${name}`);
    await admin?.destroy();
  });

  const tables = async (db: Db) =>
    (await db('pg_tables').where({ schemaname: 'public' }).pluck('tablename')).filter((t) => !t.startsWith('knex_')).sort();

  it('run all the way up, all the way down, and up again on a real PostgreSQL', async () => {
    await migrateLatest(scratch);
    expect(await tables(scratch)).toEqual(
      [
        'accounts', 'application_events', 'application_viewers', 'applications', 'calendar_days', 'chain_entries', 'chain_heads', 'chain_signed_heads', 'directory_changes', 'documents',
        'enrollments', 'examinations', 'kindergartens', 'need_categories', 'notices', 'offer_wave_applications', 'offer_wave_place_sets', 'offer_waves', 'person_parents', 'persons', 'place_types', 'personal_data_reads', 'place_changes', 'places',
        'priority_share_cycles', 'queue_position_tree', 'referrals', 'region_settings_changes', 'regions', 'registration_counters', 'sessions', 'signed_documents', 'staff', 'uploads', 'used_login_nonces',
      ].sort(),
    );
    await migrateRollbackAll(scratch);
    expect(await tables(scratch)).toEqual([]);
    const types = await scratch('pg_type').where({ typtype: 'e' }).pluck('typname');
    expect(types).toEqual([]);
    await migrateLatest(scratch);
    expect(await tables(scratch)).toHaveLength(35);
  });
});

describe('R2.5 in the database', () => {
  let db: Db;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(() => db?.destroy());

  const application = (number: string, childIin: string, applicantIin: string, status = 'queued') => ({
    number,
    region_code: 'almaty',
    queue_type: 'general',
    child_iin: childIin,
    applicant_iin: applicantIin,
    benefit_category: 'none',
    group_year: 2023,
    registered_at: new Date(),
    status,
    status_changed_at: new Date(),
    status_cause: 'filed',
    language: 'ru',
    email: 'a@example.kz',
    phone: '+77010000000',
  });

  it('R2.5 a partial unique index refuses a second active application for a child and queue type', async () => {
    const f = await buildFamily(db);
    const n = () => `75.UO.2026.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}.9`;
    await db('applications').insert(application(n(), f.childIin, f.parentIin, 'removed'));
    await db('applications').insert(application(n(), f.childIin, f.parentIin));
    await expect(db('applications').insert(application(n(), f.childIin, f.parentIin))).rejects.toMatchObject({ code: '23505' });
    await db('applications').insert({ ...application(n(), f.childIin, f.parentIin), queue_type: 'correctional', need_category: 'speech' });
  });

  it('R4.8 a place can never have fewer than zero or more than its seats free', async () => {
    const kg = await db('kindergartens').first('id');
    const base = { kindergarten_id: kg.id, group_year: 2023, language: 'ru', place_type: 'general', released_on: '2026-11-24' };
    await expect(db('places').insert({ ...base, total: 1, free: -1 })).rejects.toMatchObject({ code: '23514' });
    await expect(db('places').insert({ ...base, total: 1, free: 2 })).rejects.toMatchObject({ code: '23514' });
  });
});
