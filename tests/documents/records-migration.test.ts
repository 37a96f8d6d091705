import { migrationSource } from '../../db/migrations';
import { readVerificationCode } from '../../contracts/documents';
import type { Db } from '../../db/connection';
import { documentsOf, fileApplication, useScratchDatabase } from './helpers';

/** The reshaping of `documents` (20261129140000) on a database of its own, with rows of the old shape. */
describe('R9.2 the documents table reshaped, keeping what it held', () => {
  const scratch = useScratchDatabase();
  let db: Db;
  beforeAll(() => {
    db = scratch.db;
  });

  const RESHAPE = '20261129140000-reshape-documents';
  const last = async () => (await db('knex_migrations').orderBy('id', 'desc').first('name')).name;
  /** Later migrations rolled back, one at a time, until `name` is the last applied. */
  const downTo = async (name: string) => {
    while ((await last()) !== name) await db.migrate.down({ migrationSource });
  };

  it('R9.2 a stored PDF of the old table stays, ready, with a code, through the migration and back', async () => {
    const filing = await fileApplication(db, { language: 'ru' });
    await downTo(RESHAPE);
    // Back to the old shape: documents not yet made have no bytes to keep there.
    await db.migrate.down({ migrationSource });
    expect(await documentsOf(db, filing.number)).toEqual([]);
    const pdf = Buffer.from('%PDF-1.4 made before the reshaping %%EOF');
    const [old] = await db('documents')
      .insert({ application_number: filing.number, kind: 'registration_notice', language: 'ru', media_type: 'application/pdf', content: pdf, sha256: 'ab'.repeat(32) })
      .returning(['id', 'created_at']);

    await db.migrate.up({ migrationSource });
    const [row] = await documentsOf(db, filing.number);
    expect(row).toMatchObject({ id: old.id, kind: 'registration_notice', language: 'ru', state: 'ready', content: pdf, sha256: 'ab'.repeat(32), template_version: 0, snapshot: null, referral_id: null });
    expect(readVerificationCode(row.verification_code)).toBe(row.verification_code);
    expect(row.issued_at).toEqual(old.created_at);
    expect(row.rendered_at).toEqual(old.created_at);
    // A ready document without its bytes is refused.
    await expect(db('documents').where({ id: old.id }).update({ content: null })).rejects.toMatchObject({ code: '23514' });

    await db.migrate.down({ migrationSource });
    expect(await documentsOf(db, filing.number)).toMatchObject([{ id: old.id, content: pdf }]);
    await db.migrate.latest({ migrationSource });
  });

  it('R9.2 a kind the new table does not know stops the migration, naming it, and changes nothing', async () => {
    const filing = await fileApplication(db);
    await downTo(RESHAPE);
    await db.migrate.down({ migrationSource });
    await db('documents').insert({ application_number: filing.number, kind: 'certificate', language: 'ru', media_type: 'application/pdf', content: Buffer.from('%PDF-'), sha256: '00'.repeat(32) });
    const knexLog = jest.spyOn(console, 'log').mockImplementation(() => undefined); // knex says it too
    await expect(db.migrate.up({ migrationSource })).rejects.toThrow(/unknown kinds \(certificate\)/);
    knexLog.mockRestore();
    expect(await last()).toBe('20261129130000-separate-correspondence-language');
    await db('documents').where({ kind: 'certificate' }).del();
    await db.migrate.latest({ migrationSource });
    expect(await db('knex_migrations').where({ name: RESHAPE }).first('name')).toBeDefined();
  });
});
