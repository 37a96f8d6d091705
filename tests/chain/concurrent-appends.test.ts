import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { appendChainEntries } from '../../db/chain';
import { auditChain } from '../../db/chain-audit';
import type { Db } from '../../db/connection';
import type { Transition, WaveRecording } from '../../contracts/activities';
import { days } from '../../domain/almaty-time';
import { testDb } from '../helpers/db';
import { buildPlace, buildRegion } from '../helpers/lifecycle';
import { fileDirect, storedEntries, verifyChain, type Acts } from './helpers';

let db: Db;
let acts: Acts;
beforeAll(() => {
  db = testDb();
  acts = createActivities({ db });
});
afterAll(() => db.destroy());

/** R6.1: a reconfirmation, the event a parent's confirmInterest writes (status unchanged). */
const reconfirmation = (number: string, actor: string): Transition => ({
  number,
  seq: 2,
  at: Date.now(),
  from: 'queued',
  to: 'queued',
  cause: 'interest_confirmed',
  actor,
  readModel: { reconfirmBy: Date.now() + days(365) },
});

describe('R11.3: appends made at once', () => {
  it('R11.3 100 concurrent appends (filings, transitions and a bulk offer wave) leave a chain without gap or repeat that verifies', async () => {
    const region = await buildRegion(db);
    await buildPlace(db, { regionCode: region, groupYear: 2022, seats: 20 });
    const now = Date.now();
    await acts.publishPlaces({ regionCode: region, at: now + 1000 });
    const queued = [];
    for (let i = 0; i < 50; i++) queued.push(await fileDirect(db, acts, region, now - (50 - i) * 1000));
    const waveId = `wave-${randomUUID()}`;
    const wave = await acts.selectOfferWave({ waveId, regionCode: region, at: now + 2000, windowEndsAt: now + days(3), minimumAgeYears: 2 });
    expect(wave.applications).toBe(20);
    const before = (await storedEntries(db, region)).length; // 1 published place + 50 filings

    // 50 filings, 50 transitions (half of them on applications the wave offers at the same moment:
    // whichever commits second takes the next seq, or withdraws the wave's offer) and the wave's chunk.
    const transitions = queued.map((f) => reconfirmation(f.number, f.applicantIin));
    const [recorded] = await Promise.all<[Promise<WaveRecording>, ...Promise<unknown>[]]>([
      new MockActivityEnvironment().run(acts.recordOfferWave, { waveId }),
      ...Array.from({ length: 50 }, () => fileDirect(db, acts, region)),
      ...transitions.map((t) => acts.recordTransition(t)),
    ]);
    expect(recorded.offered + recorded.notOffered).toBe(20);

    const entries = await storedEntries(db, region);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1)); // no gap, no repeat
    // 50 filings, 50 reconfirmations, an offer per application the wave recorded, and a withdrawal per offer a transition displaced.
    const withdrawn = entries.filter((e) => e.event === 'offer_withdrawn').length;
    expect(entries.length).toBe(before + 50 + 50 + recorded.offered + withdrawn);
    expect(await db('chain_heads').where({ region_code: region }).first('seq')).toEqual({ seq: entries.length });
    const audit = await auditChain(db, region, () => ({ refused: 'no head was signed' }));
    expect(audit.problems).toEqual([]);
    const verified = await verifyChain(region);
    expect(verified).toEqual({ code: 0, output: expect.stringMatching(/^OK /) });
  });

  it('R11.3 a region’s first appends made at once, with text JSON escapes and letters outside ASCII: numbered in turn, hashed as the canonical form says', async () => {
    const region = await buildRegion(db);
    expect(await db('chain_heads').where({ region_code: region }).first()).toBeUndefined();
    const entry = (i: number) => ({
      at: Date.now() + i,
      event: 'place_published' as const,
      number: null,
      category: `Қазақ тілі «${i}» "quoted" \\ back\nslash\t\u0001 ✓`,
      place: String(i),
      actorRole: 'system' as const,
    });
    // Each append is one statement that makes the head row if there is none; two at once both find it.
    const appended = await Promise.all([1, 2, 3].map((i) => db.transaction((trx) => appendChainEntries(trx, region, [entry(i), entry(i + 10)]))));
    expect(appended.flat().map((e) => e.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const entries = await storedEntries(db, region);
    expect(entries.map((e) => e.category)).toEqual(expect.arrayContaining([entry(1).category, entry(13).category]));
    const audit = await auditChain(db, region, () => ({ refused: 'no head was signed' }));
    expect(audit.problems).toEqual([]); // every hash recomputed from the stored entries, in Node
    expect(await verifyChain(region)).toEqual({ code: 0, output: expect.stringMatching(/^OK /) });
  });

  it('R11.3 a retried activity appends nothing twice', async () => {
    const region = await buildRegion(db);
    const filing = await fileDirect(db, acts, region);
    const t = reconfirmation(filing.number, filing.applicantIin);
    await acts.recordTransition(t);
    const once = await storedEntries(db, region);
    expect(once.map((e) => [e.seq, e.event, e.application_number, e.event_seq])).toEqual([
      [1, 'filed', filing.number, 1],
      [2, 'interest_confirmed', filing.number, 2],
    ]);
    await Promise.all([acts.recordFiling({ filing, reconfirmBy: Date.now() + days(365) }), acts.recordTransition(t), acts.recordTransition(t)]);
    expect(await storedEntries(db, region)).toEqual(once);
  });

  it('R11.3 the history refuses UPDATE, DELETE and TRUNCATE from the application', async () => {
    const region = await buildRegion(db);
    await fileDirect(db, acts, region);
    await expect(db('chain_entries').where({ region_code: region, seq: 1 }).update({ event: 'removed' })).rejects.toThrow(/append-only/);
    await expect(db('chain_entries').where({ region_code: region, seq: 1 }).delete()).rejects.toThrow(/append-only/);
    await expect(db.raw('TRUNCATE chain_signed_heads')).rejects.toThrow(/append-only/);
  });
});
