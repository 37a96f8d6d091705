import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { canonicalEntry, entryHash, firstBrokenEntry, GENESIS_HASH, type ChainEntry, type ChainEntryContent } from '../../domain/chain';
import { chainHeadXml, signChainHeadXml, verifiedChainHead } from '../../activities/chain-heads';
import { serviceCredentials } from '../../activities/service-key';
import { credentials } from '../helpers/pki';

/**
 * R11.3: the board's in-browser check (api/board/chain-verify.js) must hash exactly as the server
 * (domain/chain.ts). The browser file is run as a browser would: evaluated in a fresh global scope
 * with WebCrypto and TextEncoder, nothing else; its `KqChain` is then held to domain/chain.ts.
 */
type KqChain = {
  GENESIS_HASH: string;
  canonicalEntry(region: string, e: Omit<ChainEntry, 'region'>): string;
  entryHash(region: string, e: Omit<ChainEntry, 'region'>): Promise<string>;
  firstBrokenEntry(region: string, entries: Omit<ChainEntry, 'region'>[]): Promise<{ seq: number; reason: string } | null>;
  checkChain(region: string, entries: Omit<ChainEntry, 'region'>[], heads: Head[], known?: Signer[]): Promise<{ ok: boolean; broken: { seq: number; reason: string } | null; entries: number; heads: number; signers: string[] }>;
  verifyHeadSignature(signedXml: string): Promise<{ head: { region: string; seq: number; hash: string; at: string }; fingerprint: string } | { refused: string }>;
};
type Head = { seq: number; hash: string; at: string; signedXml: string };
type Signer = { fingerprint: string; validFrom: string; validTo: string };

function loadBrowserScript(): KqChain {
  const source = readFileSync(path.join(__dirname, '..', '..', 'api', 'board', 'chain-verify.js'), 'utf8');
  const context: Record<string, unknown> = { crypto: webcrypto, TextEncoder };
  vm.createContext(context);
  vm.runInContext(source, context, { filename: 'chain-verify.js' });
  return context.KqChain as KqChain;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const fingerprintOf = (certPem: string) => createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
/** As the heads' answer names a certificate (api/routes/chain.ts). */
const signerOf = (certPem: string, validity?: Partial<Signer>): Signer => {
  const cert = new X509Certificate(certPem);
  return { fingerprint: cert.fingerprint256, validFrom: new Date(cert.validFrom).toISOString(), validTo: new Date(cert.validTo).toISOString(), ...validity };
};
const publicOf = ({ region: _region, ...e }: ChainEntry) => e;

/** A chain of `contents` (seq and prevHash filled in), hashed by the server's definition. */
function chainOf(region: string, contents: Omit<ChainEntryContent, 'region' | 'seq' | 'prevHash'>[]): ChainEntry[] {
  const out: ChainEntry[] = [];
  let prev = { seq: 0, hash: GENESIS_HASH };
  for (const c of contents) {
    const content = { ...c, region, seq: prev.seq + 1, prevHash: prev.hash };
    const entry = { ...content, hash: entryHash(content, sha256) };
    out.push(entry);
    prev = entry;
  }
  return out;
}

// The first two as entries were written before group years were chained (none: eleven fields), the
// others as they are written since (the group year last).
const SAMPLES: Omit<ChainEntryContent, 'region' | 'seq' | 'prevHash'>[] = [
  { at: '2026-11-29T13:00:00.000Z', event: 'place_published', number: null, queueWhole: null, queueCategory: null, category: null, place: '42', actorRole: 'staff', groupYear: null },
  { at: '2026-11-29T13:00:00.123Z', event: 'filed', number: '75.UO.2026.000001.1', queueWhole: 1, queueCategory: 1, category: 'first_priority', place: null, actorRole: 'applicant', groupYear: null },
  { at: '2026-11-30T02:00:00.000Z', event: 'offered', number: '75.KDDO.2026.000123456.1', queueWhole: 2147483647, queueCategory: 0, category: 'speech/out_of_turn', place: '7', actorRole: 'system', groupYear: 2022 },
  { at: '2027-01-01T00:00:00.000Z', event: 'operator_correction', number: 'Қ-"\\\n\u2028😀', queueWhole: null, queueCategory: 3, category: 'сана"т\\\u00e9', place: 'орын «1»', actorRole: 'operator', groupYear: 2021 },
];
const REGIONS = ['almaty', 'Алматы облысы', 'шығыс-қазақстан', 'a"b\\c'];

describe('R11.3 the board’s chain check repeats domain/chain.ts exactly (api/board/chain-verify.js)', () => {
  const browser = loadBrowserScript();

  it('R11.3 writes the same canonical text and the same SHA-256 for every sample, non-ASCII and nulls included', async () => {
    expect(browser.GENESIS_HASH).toBe(GENESIS_HASH);
    for (const region of REGIONS) {
      for (const entry of chainOf(region, SAMPLES)) {
        expect(browser.canonicalEntry(region, publicOf(entry))).toBe(canonicalEntry(entry));
        expect(await browser.entryHash(region, publicOf(entry))).toBe(entry.hash);
      }
    }
    // Fixed vectors (their hashes from `printf %s '<text>' | sha256sum`), so a change to both sides
    // at once is noticed too: a place's entry (no category), then an application's (its category).
    const [first, second] = chainOf('almaty', SAMPLES);
    expect(canonicalEntry(first!)).toBe(`[1,"${GENESIS_HASH}","almaty","2026-11-29T13:00:00.000Z","place_published",null,null,null,null,"42","staff"]`);
    expect(first!.hash).toBe('39fefdd70fdec554724b3df9aba966e6353921568b3e11df42ea202a575df279');
    expect(canonicalEntry(second!)).toBe(
      '[2,"39fefdd70fdec554724b3df9aba966e6353921568b3e11df42ea202a575df279","almaty","2026-11-29T13:00:00.123Z","filed","75.UO.2026.000001.1",1,1,"first_priority",null,"applicant"]',
    );
    expect(second!.hash).toBe('ae2bd8073718ac17540a4c7c1ce26fd5663da92eb3fe2c532d360b1a1a57ae6d');
    expect(await browser.entryHash('almaty', publicOf(second!))).toBe('ae2bd8073718ac17540a4c7c1ce26fd5663da92eb3fe2c532d360b1a1a57ae6d');
    // An entry with its group year: the year is the twelfth field.
    const [withYear] = chainOf('almaty', [{ at: '2026-11-30T12:00:00.000Z', event: 'filed', number: '75.UO.2026.000002.1', queueWhole: 3, queueCategory: 2, category: 'general', place: null, actorRole: 'applicant', groupYear: 2022 }]);
    expect(canonicalEntry(withYear!)).toBe(`[1,"${GENESIS_HASH}","almaty","2026-11-30T12:00:00.000Z","filed","75.UO.2026.000002.1",3,2,"general",null,"applicant",2022]`);
    expect(withYear!.hash).toBe('346c852368b5bf951c7022514f954b68526484730f5c81a3a92392ca98fff268');
    expect(await browser.entryHash('almaty', publicOf(withYear!))).toBe(withYear!.hash);
  });

  it('R11.3 finds the same first broken entry as the server: none, a gap, a broken link, a changed content', async () => {
    const region = 'Алматы облысы';
    const chain = chainOf(region, SAMPLES);
    const cases: [string, ChainEntry[]][] = [
      ['clean', chain],
      ['gap', [chain[0]!, chain[2]!, chain[3]!]],
      ['link', [chain[0]!, { ...chain[1]!, prevHash: 'f'.repeat(64) }, chain[2]!]],
      ['hash', [chain[0]!, chain[1]!, { ...chain[2]!, queueWhole: 1 }, chain[3]!]],
      ['hash of a null made a value', [{ ...chain[0]!, number: '75.UO.2026.000009.1' }]],
      ['hash of a raised category', [chain[0]!, { ...chain[1]!, category: 'out_of_turn' }, chain[2]!]],
      ['hash of another group year', [chain[0]!, chain[1]!, { ...chain[2]!, groupYear: 2021 }, chain[3]!]],
      ['hash of a group year cleared', [chain[0]!, chain[1]!, { ...chain[2]!, groupYear: null }, chain[3]!]],
      ['hash of a group year given to an entry that had none', [chain[0]!, { ...chain[1]!, groupYear: 2022 }, chain[2]!]],
    ];
    for (const [name, entries] of cases) {
      const server = firstBrokenEntry(entries, sha256);
      expect([name, await browser.firstBrokenEntry(region, entries.map(publicOf))]).toEqual([name, server]);
    }
    expect(firstBrokenEntry(cases[3]![1], sha256)).toEqual({ seq: 3, reason: 'hash' });
    for (const [name, entries] of cases.slice(-3)) expect([name, firstBrokenEntry(entries, sha256)?.reason]).toEqual([name, 'hash']);
  });

  it('R11.3 is green only when every signed head is the recomputed hash at its seq and its signature holds', async () => {
    const region = 'almaty';
    const service = await serviceCredentials({ NODE_ENV: 'test' });
    const signed = (region: string, e: { seq: number; hash: string }, keys = service, at = '2026-11-30T13:00:00.000Z'): Head => ({
      seq: e.seq,
      hash: e.hash,
      at,
      signedXml: signChainHeadXml({ region, seq: e.seq, hash: e.hash, at }, keys),
    });
    const chain = chainOf(region, SAMPLES);
    const entries = chain.map(publicOf);
    const known = [signerOf(service.certPem)];
    expect(await browser.checkChain(region, entries, [signed(region, chain[1]!), signed(region, chain[3]!)], known)).toMatchObject({
      ok: true, broken: null, entries: 4, heads: 2, signers: [new X509Certificate(service.certPem).fingerprint256],
    });
    expect(await browser.checkChain(region, entries, [])).toMatchObject({ ok: false, broken: null, heads: 0 });
    // Every hash rewritten after a change: the chain fits together, but the signed head does not.
    const rewritten = chainOf(region, [SAMPLES[0]!, { ...SAMPLES[1]!, queueWhole: 5 }, SAMPLES[2]!, SAMPLES[3]!]).map(publicOf);
    expect(await browser.checkChain(region, rewritten, [signed(region, chain[3]!)])).toMatchObject({ ok: false, broken: { seq: 4, reason: 'head' } });
    // A head past the last entry: the entries after it were deleted.
    expect(await browser.checkChain(region, entries.slice(0, 3), [signed(region, chain[3]!)])).toMatchObject({ ok: false, broken: { seq: 4, reason: 'gap' } });
    // … and the rewritten history with heads listed to match it: their signatures say otherwise.
    const rewrittenHead = { ...signed(region, chain[3]!), hash: rewritten[3]!.hash };
    expect(await browser.checkChain(region, rewritten, [rewrittenHead])).toMatchObject({ ok: false, broken: { seq: 4, reason: 'signature' } });
    expect(await browser.checkChain(region, rewritten, [{ ...rewrittenHead, signedXml: '<ChainHead/>' }])).toMatchObject({ ok: false, broken: { seq: 4, reason: 'signature' } });
    expect(await browser.checkChain(region, entries, [signed('astana', chain[3]!)])).toMatchObject({ ok: false, broken: { seq: 4, reason: 'signature' } });
    // Re-signed with another key: not one of the service's certificates the heads' answer names.
    const person = await credentials('920417401013', 'sign');
    expect(await browser.checkChain(region, rewritten, [signed(region, rewritten[3]!, person)], known)).toMatchObject({ ok: false, broken: { seq: 4, reason: 'signer' } });
    // One of them, but signed after it ended (a former key used later): refused too.
    const ended = [signerOf(service.certPem, { validTo: '2026-11-30T12:59:59.999Z' })];
    expect(await browser.checkChain(region, entries, [signed(region, chain[3]!)], ended)).toMatchObject({ ok: false, broken: { seq: 4, reason: 'signer' } });
    // With no certificate named, the check can only say who signed: the other key's fingerprint, not the service's.
    expect(await browser.checkChain(region, rewritten, [signed(region, rewritten[3]!, person)])).toMatchObject({ ok: true, signers: [new X509Certificate(person.certPem).fingerprint256] });
    expect(fingerprintOf(person.certPem)).not.toBe(fingerprintOf(service.certPem));
  });

  it('R11.3 checks a head’s XMLDSig as the server does (activities/chain-heads.ts), in the one form the service signs', async () => {
    const service = await serviceCredentials({ NODE_ENV: 'test' });
    const head = { region: 'almaty', seq: 7, hash: 'c'.repeat(64), at: '2026-11-30T13:00:00.000Z' };
    const xml = signChainHeadXml(head, service);
    const personCert = (await credentials('920417401013', 'sign')).certPem;
    expect(await browser.verifyHeadSignature(xml)).toEqual({ head, fingerprint: fingerprintOf(service.certPem) });
    expect(verifiedChainHead(xml, [service.certPem])).toEqual({ head });
    const cases: [string, string, string, boolean][] = [
      ['content changed', xml.replace('<Seq>7</Seq>', '<Seq>8</Seq>'), 'digest', true],
      ['signature changed', xml.replace(/<ds:SignatureValue>(.)/, (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`), 'signature', true],
      ['digest changed with the content', xml.replace('<Seq>7</Seq>', '<Seq>8</Seq>').replace(/<ds:DigestValue>[^<]+/, `<ds:DigestValue>${createHash('sha256').update(chainHeadXml({ ...head, seq: 8 })).digest('base64')}`), 'signature', true],
      ['another form (whitespace)', xml.replace('</Region>', '</Region>\n'), 'form', true],
      ['another algorithm', xml.replace('xmldsig-more#rsa-sha256', 'xmldsig-more#rsa-sha512'), 'form', true],
      ['a second reference', xml.replace('</ds:Reference>', '</ds:Reference><ds:Reference URI="#x"></ds:Reference>'), 'form', true],
      ['a certificate that is not one', xml.replace(/<ds:X509Certificate>[^<]+/, '<ds:X509Certificate>AAAA'), 'certificate', false],
      ['a certificate cut short', xml.replace(/<ds:X509Certificate>([^<]+)/, (_m, c: string) => `<ds:X509Certificate>${c.replace(/\s/g, '').slice(0, 400)}`), 'certificate', false],
      ['a certificate of another key', xml.replace(/<ds:X509Certificate>[^<]+/, `<ds:X509Certificate>${new X509Certificate(personCert).raw.toString('base64')}`), 'signature', false],
    ];
    for (const [name, forged, reason, serverRefuses] of cases) {
      expect([name, await browser.verifyHeadSignature(forged)]).toEqual([name, { refused: reason }]);
      // The server refuses each too (by the library's canonical forms), but for the carried
      // certificate: it checks with the service's own certificates, not with the one the head carries.
      expect([name, 'refused' in verifiedChainHead(forged, [service.certPem])]).toEqual([name, serverRefuses]);
    }
  });
});
