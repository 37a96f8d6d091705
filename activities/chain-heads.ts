import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { ALGORITHMS } from '../api/signature/verifier';
import { x509 } from '../api/signature/x509';
import type { Db } from '../db/connection';
import { GENESIS_HASH } from '../domain/chain';
import { iso } from '../domain/iso';
import type { ServiceCredentials } from './service-key';

/** The namespace of a signed head's document. */
export const CHAIN_HEAD_NS = 'urn:kindergarten-queue:chain-head:1';

export interface ChainHead {
  region: string;
  seq: number;
  hash: string;
  at: string;
}

/** R11.3: the head as the document the service signs (no whitespace: what is signed is what is shown). */
export function chainHeadXml(h: ChainHead): string {
  const region = h.region.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<ChainHead xmlns="${CHAIN_HEAD_NS}"><Region>${region}</Region><Seq>${h.seq}</Seq><Hash>${h.hash}</Hash><At>${h.at}</At></ChainHead>`;
}

/**
 * Signs as every signed document of the project is signed (scripts/pki/signer.ts): one enveloped
 * XMLDSig over the whole document, C14N, RSA-SHA256, the signer's certificate in KeyInfo.
 */
export function signChainHeadXml(h: ChainHead, { keyPem, certPem }: ServiceCredentials): string {
  const sig = new SignedXml({ privateKey: keyPem, publicCert: certPem, signatureAlgorithm: ALGORITHMS.rsaSha256, canonicalizationAlgorithm: ALGORITHMS.c14n });
  sig.addReference({ xpath: '/*', uri: '', isEmptyUri: true, transforms: [ALGORITHMS.enveloped, ALGORITHMS.c14n], digestAlgorithm: ALGORITHMS.sha256 });
  sig.computeSignature(chainHeadXml(h), { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  return sig.getSignedXml();
}

export function createChainActivities({ db, credentials }: { db: Db; credentials: () => Promise<ServiceCredentials> }) {
  return {
    /**
     * R11.3: at the region's publication (R4.3) the service signs the chain's head as it stands —
     * region, seq, hash and the run's time — and keeps it beside every head signed before. A retry
     * (same region and time) signs nothing twice. The head is read under its lock, so it is a head
     * some committed append left, never one in the middle of an append.
     */
    async signChainHead({ regionCode, at }: { regionCode: string; at: number }): Promise<{ seq: number; hash: string }> {
      const keys = await credentials();
      return db.transaction(async (trx) => {
        const done = await trx('chain_signed_heads').where({ region_code: regionCode, at: iso(at) }).first('seq', 'hash');
        if (done) return { seq: done.seq, hash: done.hash };
        const head = (await trx('chain_heads').where({ region_code: regionCode }).forShare().first('seq', 'hash')) ?? { seq: 0, hash: GENESIS_HASH };
        const signed = signChainHeadXml({ region: regionCode, seq: head.seq, hash: head.hash, at: iso(at) }, keys);
        await trx('chain_signed_heads').insert({ region_code: regionCode, seq: head.seq, hash: head.hash, at: iso(at), signed_xml: signed }).onConflict().ignore();
        return { seq: head.seq, hash: head.hash };
      });
    },
  };
}

/** What was signed, if the one enveloped signature over the whole document verifies with `certPem`; else why not. */
function signedReferences(signedXml: string, certPem: string): { references: string[] } | { refused: string } {
  try {
    const doc = new DOMParser().parseFromString(signedXml, 'application/xml');
    const signature = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0];
    if (!signature) return { refused: 'no signature' };
    const sig = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
    sig.loadSignature(signature as unknown as Parameters<SignedXml["loadSignature"]>[0]);
    if (!sig.checkSignature(signedXml)) return { refused: 'the signature does not verify with the service certificate' };
    return { references: sig.getSignedReferences() };
  } catch (err) {
    return { refused: `the signature does not verify with the service certificate (${err instanceof Error ? err.message : String(err)})` };
  }
}

/**
 * R11.3: the head a signed document vouches for, if its one enveloped signature over the whole
 * document verifies with one of `certPems` (the service's certificates, the current one and those
 * it used before) that was valid at the head's time — else the reason it does not.
 */
export function verifiedChainHead(signedXml: string, certPems: readonly string[]): { head: ChainHead } | { refused: string } {
  let checked: { references: string[]; cert: x509.X509Certificate } | undefined;
  let refused = 'no service certificate to check it with';
  for (const certPem of certPems) {
    const outcome = signedReferences(signedXml, certPem);
    if ('refused' in outcome) {
      refused = certPems.length > 1 ? outcome.refused.replace('the service certificate', 'any of the service’s certificates') : outcome.refused;
      continue;
    }
    checked = { references: outcome.references, cert: new x509.X509Certificate(certPem) };
    break;
  }
  if (!checked) return { refused };
  if (checked.references.length !== 1) return { refused: 'not exactly one signed reference' };
  // Read from what was signed (the whole document, canonical), never from the unsigned rest.
  const signed = new DOMParser().parseFromString(checked.references[0]!, 'application/xml').documentElement;
  if (!signed || signed.namespaceURI !== CHAIN_HEAD_NS || signed.localName !== 'ChainHead') return { refused: 'the signed document is not a chain head' };
  const field = (name: string) => signed.getElementsByTagNameNS(CHAIN_HEAD_NS, name)[0]?.textContent ?? '';
  const head = { region: field('Region'), seq: Number(field('Seq')), hash: field('Hash'), at: field('At') };
  // A head its certificate was not valid for: signed after that certificate's end (an expired or
  // superseded key), or dated before its start.
  const at = Date.parse(head.at);
  const { notBefore, notAfter } = checked.cert;
  if (!(at >= notBefore.getTime() && at <= notAfter.getTime())) {
    return { refused: `signed at ${head.at} with a service certificate valid only from ${notBefore.toISOString()} to ${notAfter.toISOString()}` };
  }
  return { head };
}
