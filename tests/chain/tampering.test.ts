import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../../activities';
import { entryOf, sha256Hex } from '../../db/chain';
import { entryHash } from '../../domain/chain';
import { signChainHeadXml } from '../../activities/chain-heads';
import { credentials } from '../helpers/pki';
import { buildPlace, buildRegion, finished } from '../helpers/lifecycle';
import { startRun } from '../helpers/offer-runs';
import { useWorkflowSuite } from '../helpers/temporal';
import { publishPlacesWorkflow } from '../../workflows/offer';
import { buildFiling } from '../helpers/filings';
import { correctPlace } from '../../db/place-changes';
import { behindTheSystemsBack, fileDirect, storedEntries, verifyChain, verifyChainWith } from './helpers';
import { issueServiceCertificate } from '../../scripts/pki/service-certificate';
import { testPkiDir } from '../helpers/pki';

const suite = useWorkflowSuite();

/**
 * A region whose chain holds 4 filings and a published place (entries 1–5), the head the 18:00
 * publication signed (seq 5), then 2 filings more (entries 6, 7: after the last signed head).
 */
async function regionWithSignedHead() {
  const { env, db } = suite;
  const acts = createActivities({ db });
  const region = await buildRegion(db);
  const start = (await env.currentTimeMs()) - 60_000;
  const filings = [];
  for (let i = 0; i < 4; i++) filings.push(await fileDirect(db, acts, region, start + i * 1000));
  await buildPlace(db, { regionCode: region, groupYear: 2022, seats: 2 });
  await finished(await startRun(env, publishPlacesWorkflow, region), 'the publication finished');
  for (let i = 4; i < 6; i++) filings.push(await fileDirect(db, acts, region, Date.now() + i * 1000));
  return { region, filings };
}

describe('R11.3 verify-chain names what was edited behind the system’s back', () => {
  it('R11.3 an untouched history verifies: entries, the signed head, the read model; --export writes them', async () => {
    const { db } = suite;
    const { region } = await regionWithSignedHead();
    const entries = await storedEntries(db, region);
    expect(entries.map((e) => e.event)).toEqual(['filed', 'filed', 'filed', 'filed', 'place_published', 'filed', 'filed']);
    // Each application's entry records its category; a place's none.
    expect(entries.map((e) => e.category)).toEqual(['none', 'none', 'none', 'none', null, 'none', 'none']);
    // … and the group year of its queue, as a place's entry records the place's.
    expect(entries.map((e) => e.group_year)).toEqual([2022, 2022, 2022, 2022, 2022, 2022, 2022]);
    const heads = await db('chain_signed_heads').where({ region_code: region });
    expect(heads).toEqual([expect.objectContaining({ seq: 5, hash: entries[4].hash })]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kq-chain-')), 'export.json');
    const verified = await verifyChain(region, '--export', file);
    expect(verified).toEqual({ code: 0, output: `OK ${region}: 7 entries, 1 signed heads, 6 applications with 6 events match the chain\n` });
    const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(exported.entries.map((e: { seq: number; hash: string }) => [e.seq, e.hash])).toEqual(entries.map((e) => [e.seq, e.hash]));
    expect(exported.heads).toEqual([expect.objectContaining({ seq: 5, hash: entries[4].hash, signedXml: expect.stringContaining('<ds:Signature') })]);
  });

  it('R11.3 a filing’s time changed in its entry: verify-chain names the entry', async () => {
    const { db } = suite;
    const { region } = await regionWithSignedHead();
    await behindTheSystemsBack(db, (trx) => trx('chain_entries').where({ region_code: region, seq: 2 }).update({ at: trx.raw(`at - interval '1 day'`) }));
    const verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(/^FAIL entry 2 does not hash to its stored hash/m);
  });

  it('R11.3 a deleted entry: verify-chain names the missing seq', async () => {
    const { db } = suite;
    const { region } = await regionWithSignedHead();
    await behindTheSystemsBack(db, (trx) => trx('chain_entries').where({ region_code: region, seq: 3 }).delete());
    const verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(/^FAIL entry 3 is missing/m);
  });

  it('R11.3 an applications row’s status, then its registration time, changed without an entry: verify-chain names the row', async () => {
    const { db } = suite;
    const { region, filings } = await regionWithSignedHead();
    const [first, second] = [filings[1]!.number, filings[3]!.number];
    await db('applications').where({ number: second }).update({ status: 'removed' });
    let verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(new RegExp(`^FAIL application ${second}: status is removed in applications, but its last recorded event 1 \\(entry 4\\) left it queued`, 'm'));

    await db('applications').where({ number: second }).update({ status: 'queued' });
    // Queue-jumping: registered an hour earlier, so it sorts before those who came first.
    await db('applications').where({ number: first }).update({ registered_at: db.raw(`registered_at - interval '1 hour'`) });
    verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(new RegExp(`^FAIL application ${first}: registered_at is .* in applications, but its filing entry 2 says`, 'm'));
  });

  it('R11.3 an application’s benefit category raised without an entry: verify-chain names the application', async () => {
    const { db } = suite;
    const { region, filings } = await regionWithSignedHead();
    const acts = createActivities({ db });
    // A change made through the system (R6.2): its entry 8 records the category it made.
    const changed = filings[1]!.number;
    await acts.recordTransition({
      number: changed,
      seq: 2,
      at: Date.now() + 8000,
      from: 'queued',
      to: 'queued',
      cause: 'benefit_category_changed',
      actor: filings[1]!.applicantIin,
      details: { from: 'none', to: 'first_priority' },
      readModel: { benefitCategory: 'first_priority' },
    });
    expect((await storedEntries(db, region)).pop()).toMatchObject({ seq: 8, application_number: changed, event: 'category_changed', category: 'first_priority' });
    expect((await verifyChain(region)).code).toBe(0);

    // The classic queue-jump: a filed application that never changed category made out-of-turn.
    const jumper = filings[2]!.number;
    await db('applications').where({ number: jumper }).update({ benefit_category: 'out_of_turn' });
    let verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(new RegExp(`^FAIL application ${jumper}: category is out_of_turn in applications, but its last entry 3 \\(filed\\) records none`, 'm'));
    expect(verified.output).not.toMatch(/FAIL (entry|signed head)/); // the chain itself is untouched

    // In the correctional queue the category of need is part of it: one edited is named the same way.
    await db('applications').where({ number: jumper }).update({ benefit_category: 'none' });
    const filing = await buildFiling(db, { registeredAt: Date.now() + 20_000, regionCode: region, childBirthDate: '2022-03-01', needCategory: 'speech' });
    await acts.recordFiling({ filing, reconfirmBy: Date.now() + 365 * 86_400_000 });
    expect((await storedEntries(db, region)).pop()).toMatchObject({ application_number: filing.number, event: 'filed', category: 'speech/none' });
    expect((await verifyChain(region)).code).toBe(0);
    await db('applications').where({ number: filing.number }).update({ need_category: 'hearing' });
    verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(new RegExp(`^FAIL application ${filing.number}: category is hearing/none in applications, but its last entry 9 \\(filed\\) records speech/none`, 'm'));
  });

  it('R11.3 an application, then a place, moved to another group year’s queue without an entry: verify-chain names each', async () => {
    const { db } = suite;
    const { region, filings } = await regionWithSignedHead();
    // Queue-jumping by the group year: the child moved into the queue of children a year older.
    const jumper = filings[2]!.number;
    await db('applications').where({ number: jumper }).update({ group_year: 2021 });
    let verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(new RegExp(`^FAIL application ${jumper}: group_year is 2021 in applications, but its entry 3 \\(filed\\) records 2022`, 'm'));
    expect(verified.output).not.toMatch(/FAIL (entry|signed head|place)/); // the chain itself is untouched
    await db('applications').where({ number: jumper }).update({ group_year: 2022 });
    expect((await verifyChain(region)).code).toBe(0);

    // A published place moved to another year's queue in its row: offered to other children.
    const placeId = Number((await storedEntries(db, region)).find((e) => e.event === 'place_published')!.place_id);
    await db('places').where({ id: placeId }).update({ group_year: 2023 });
    verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(new RegExp(`^FAIL place ${placeId}: group_year is 2023 in places, but its last entry 5 \\(place_published\\) records 2022`, 'm'));
    expect(verified.output).not.toMatch(/FAIL (entry|signed head|application)/);
    await db('places').where({ id: placeId }).update({ group_year: 2022 });

    // The same move through the system (R4.2, a correction while no seat is taken): its entry records
    // the new year, and the place verifies.
    const { kindergarten_id: kindergartenId } = await db('places').where({ id: placeId }).first('kindergarten_id');
    const corrected = await correctPlace(db, { placeId, kindergartenId, change: { groupYear: 2023 }, reason: 'wrong year', by: 'staff', at: new Date(), check: async () => {} });
    expect(corrected).toEqual({ outcome: 'done', recorded: true });
    expect((await storedEntries(db, region)).pop()).toMatchObject({ event: 'place_corrected', place_id: String(placeId), group_year: 2023 });
    expect(await verifyChain(region)).toMatchObject({ code: 0 });

    // The year in an entry changed instead: its hash no longer fits.
    await behindTheSystemsBack(db, (trx) => trx('chain_entries').where({ region_code: region, seq: 3 }).update({ group_year: 2021 }));
    verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(/^FAIL entry 3 does not hash to its stored hash/m);
  });

  it('R11.3 after the service key’s renewal, verify-chain checks the heads signed before it with the former certificate', async () => {
    const { region } = await regionWithSignedHead();
    // The renewal: a new key and certificate in SERVICE_SIGNING_*, the old certificate (the test PKI's, which signed head 5) kept.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-renewed-'));
    const renewed = await issueServiceCertificate(testPkiDir(), { notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 365 * 86_400_000) });
    fs.writeFileSync(path.join(dir, 'key.pem'), renewed.keyPem);
    fs.writeFileSync(path.join(dir, 'cert.pem'), renewed.certPem);
    const current = { SERVICE_SIGNING_KEY: path.join(dir, 'key.pem'), SERVICE_SIGNING_CERT: path.join(dir, 'cert.pem') };
    const forgotten = await verifyChainWith(current, region);
    expect(forgotten.code).toBe(1);
    expect(forgotten.output).toMatch(/^FAIL signed head of .* \(seq 5\): the signature does not verify with the service certificate/m);
    const kept = await verifyChainWith({ ...current, SERVICE_FORMER_SIGNING_CERTS: path.join(testPkiDir(), 'service', 'sign.cert.pem') }, region);
    expect(kept).toEqual({ code: 0, output: `OK ${region}: 7 entries, 1 signed heads, 6 applications with 6 events match the chain\n` });
  });

  it('R11.3 a head signed with another key than the service’s: verify-chain names it', async () => {
    const { db } = suite;
    const { region } = await regionWithSignedHead();
    const last = (await storedEntries(db, region)).pop();
    const at = new Date(Date.now() + 60_000).toISOString();
    const forged = signChainHeadXml({ region, seq: last.seq, hash: last.hash, at }, await credentials('920417401013', 'sign'));
    await db('chain_signed_heads').insert({ region_code: region, seq: last.seq, hash: last.hash, at, signed_xml: forged });
    const verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(new RegExp(`^FAIL signed head of ${at.replace(/\./g, '\\.')} \\(seq 7\\): the signature does not verify with the service certificate`, 'm'));
  });

  it('R11.3 a rewritten history, rehashed from the edit on so it holds together: verify-chain names the signed head it contradicts', async () => {
    const { db } = suite;
    const { region } = await regionWithSignedHead();
    await behindTheSystemsBack(db, async (trx) => {
      // Entry 2's filing moved a day earlier, then every hash after it recomputed, and the head moved.
      await trx('chain_entries').where({ region_code: region, seq: 2 }).update({ at: trx.raw(`at - interval '1 day'`) });
      let prevHash = (await trx('chain_entries').where({ region_code: region, seq: 1 }).first('hash')).hash;
      for (const row of await trx('chain_entries').where({ region_code: region }).where('seq', '>=', 2).orderBy('seq')) {
        const hash = entryHash({ ...entryOf(row), prevHash }, sha256Hex);
        await trx('chain_entries').where({ region_code: region, seq: row.seq }).update({ prev_hash: prevHash, hash });
        prevHash = hash;
      }
      await trx('chain_heads').where({ region_code: region }).update({ hash: prevHash });
    });
    const verified = await verifyChain(region);
    expect(verified.code).toBe(1);
    expect(verified.output).toMatch(/^FAIL signed head of \S+ \(seq 5\) does not match the chain: entry 5 now hashes to [0-9a-f]{64}, the service signed [0-9a-f]{64}/m);
    expect(verified.output).not.toMatch(/FAIL entry/); // the chain itself holds together
  });
});
