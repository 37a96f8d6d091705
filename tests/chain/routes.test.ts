import { X509Certificate } from 'node:crypto';
import { createActivities } from '../../activities';
import { sha256Hex } from '../../db/chain';
import { correctPlace, withdrawPlace } from '../../db/place-changes';
import { firstBrokenEntry } from '../../domain/chain';
import { verifiedChainHead } from '../../activities/chain-heads';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildPlace, buildRegion } from '../helpers/lifecycle';
import { testPkiDir } from '../helpers/pki';
import { xmlsec1Verify } from '../helpers/xmlsec1';
import { fileDirect } from './helpers';
import path from 'node:path';
import fs from 'node:fs';

let api: ApiHarness;
let region: string;
let numbers: string[];
let placeIds: number[];

beforeAll(async () => {
  api = await startApi();
  const acts = createActivities({ db: api.db });
  region = await buildRegion(api.db);
  numbers = [];
  const start = Date.now() - 60_000;
  for (let i = 0; i < 5; i++) numbers.push((await fileDirect(api.db, acts, region, start + i * 1000)).number);
  const a = await buildPlace(api.db, { regionCode: region, groupYear: 2022, seats: 2 });
  const b = await buildPlace(api.db, { regionCode: region, groupYear: 2022, seats: 1 });
  placeIds = [a.placeId, b.placeId];
  await acts.publishPlaces({ regionCode: region, at: Date.now() + 1000 }); // entries 6, 7
  await acts.signChainHead({ regionCode: region, at: Date.now() + 2000 }); // head at 7
  const change = { reason: 'ошибка при вводе', by: '920417401013', at: new Date(Date.now() + 3000) };
  await correctPlace(api.db, { placeId: a.placeId, kindergartenId: a.kindergartenId, change: { count: 3 }, check: async () => {}, ...change }); // 8
  await withdrawPlace(api.db, { placeId: b.placeId, kindergartenId: b.kindergartenId, ...change }); // 9
  await acts.signChainHead({ regionCode: region, at: Date.now() + 4000 }); // head at 9
}, 60_000);
afterAll(() => api?.close());

const get = (p: string) => api.request('GET', p);

describe('R11.3 GET /api/v1/public/chain/:region/entries and /heads', () => {
  it('R11.3 gives the entries ascending, a page at a time, and they check as the board checks them', async () => {
    const all = await get(`/api/v1/public/chain/${region}/entries`);
    expect(all.status).toBe(200);
    expect(all.body.next).toBeNull();
    expect(all.body.entries.map((e: any) => [e.seq, e.event, e.number, e.place, e.actorRole])).toEqual([
      ...numbers.map((n, i) => [i + 1, 'filed', n, null, 'applicant']),
      [6, 'place_published', null, String(placeIds[0]), 'system'],
      [7, 'place_published', null, String(placeIds[1]), 'system'],
      [8, 'place_corrected', null, String(placeIds[0]), 'staff'],
      [9, 'place_withdrawn', null, String(placeIds[1]), 'staff'],
    ]);
    // Each filing's numbers as they stood: the n-th to file was n-th in the queue and its category.
    expect(all.body.entries.slice(0, 5).map((e: any) => [e.queueWhole, e.queueCategory])).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
    expect(firstBrokenEntry(all.body.entries.map((e: any) => ({ ...e, region })), sha256Hex)).toBeNull();

    const first = await get(`/api/v1/public/chain/${region}/entries?limit=4`);
    expect(first.body.entries.map((e: any) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(first.body.next).toBe(5);
    const second = await get(`/api/v1/public/chain/${region}/entries?from=5&limit=4`);
    expect(second.body.entries.map((e: any) => e.seq)).toEqual([5, 6, 7, 8]);
    expect(second.body.next).toBe(9);
    const last = await get(`/api/v1/public/chain/${region}/entries?from=9&limit=4`);
    expect(last.body).toEqual({ entries: [all.body.entries[8]], next: null });
    // A run checks on from the entry before it.
    expect(firstBrokenEntry(second.body.entries.map((e: any) => ({ ...e, region })), sha256Hex, first.body.entries[3])).toBeNull();
  });

  it('R11.3 keeps to its bounds: from/to inclusive, past the head empty', async () => {
    expect((await get(`/api/v1/public/chain/${region}/entries?from=3&to=5`)).body.entries.map((e: any) => e.seq)).toEqual([3, 4, 5]);
    expect((await get(`/api/v1/public/chain/${region}/entries?from=4&to=4`)).body.entries.map((e: any) => e.seq)).toEqual([4]);
    expect((await get(`/api/v1/public/chain/${region}/entries?from=3&to=6&limit=2`)).body).toMatchObject({ next: 5 });
    expect((await get(`/api/v1/public/chain/${region}/entries?from=10`)).body).toEqual({ entries: [], next: null });
    expect((await get(`/api/v1/public/chain/${await buildRegion(api.db)}/entries`)).body).toEqual({ entries: [], next: null });
  });

  it('R11.3 refuses a bad range as a problem (400) and an unknown region (404)', async () => {
    for (const query of ['from=5&to=4', 'from=0', 'limit=1001', 'limit=0', 'from=abc', 'to=-1', 'colour=red']) {
      const res = await get(`/api/v1/public/chain/${region}/entries?${query}`);
      expect([query, res.status, res.type, res.body.code]).toEqual([query, 400, expect.stringContaining('application/problem+json'), 'VALIDATION_FAILED']);
    }
    for (const p of ['entries', 'heads']) {
      const res = await get(`/api/v1/public/chain/no-such-region/${p}`);
      expect([res.status, res.body.code]).toEqual([404, 'NOT_FOUND']);
    }
  });

  it('R11.3 gives every signed head, oldest first, each signed by the service (xmlsec1 agrees)', async () => {
    const { body } = await get(`/api/v1/public/chain/${region}/heads`);
    const entries = (await get(`/api/v1/public/chain/${region}/entries`)).body.entries;
    expect(body.heads.map((h: any) => [h.seq, h.hash])).toEqual([
      [7, entries[6].hash],
      [9, entries[8].hash],
    ]);
    const certPem = fs.readFileSync(path.join(testPkiDir(), 'service', 'sign.cert.pem'), 'utf8');
    // The certificates the service signs with, from its configuration: here the test PKI's.
    const cert = new X509Certificate(certPem);
    expect(body.signers).toEqual([{ fingerprint: cert.fingerprint256, validFrom: new Date(cert.validFrom).toISOString(), validTo: new Date(cert.validTo).toISOString() }]);
    for (const h of body.heads) {
      expect(verifiedChainHead(h.signedXml, [certPem])).toEqual({ head: { region, seq: h.seq, hash: h.hash, at: h.at } });
      expect(await xmlsec1Verify(h.signedXml, path.join(testPkiDir(), 'trust'))).toMatchObject({ ok: true });
    }
    // Changed after signing, a head no longer verifies.
    const forged = body.heads[0].signedXml.replace(`<Seq>7</Seq>`, '<Seq>9</Seq>');
    expect(verifiedChainHead(forged, [certPem])).toEqual({ refused: expect.stringContaining('does not verify') });
  });

  it('R4.3, R11.3 the day’s list of places carries the head signed at the latest publication', async () => {
    const heads = (await get(`/api/v1/public/chain/${region}/heads`)).body.heads;
    const { status, body } = await get(`/api/v1/public/places?regionCode=${region}`);
    expect(status).toBe(200);
    expect(body.signedHead).toEqual(heads[heads.length - 1]);
    expect(body.signedHead.seq).toBe(9);
    expect((await get('/api/v1/public/places?regionCode=astana')).body.signedHead).toBeNull();
  });

  it('R11.2, R11.3 the public look-up carries the application’s own entries', async () => {
    const res = await get(`/api/v1/public/applications/${numbers[2]}`);
    const entries = (await get(`/api/v1/public/chain/${region}/entries?from=3&to=3`)).body.entries;
    expect(res.status).toBe(200);
    expect(res.body.chain).toEqual(entries);
  });
});
