import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TrustStore } from '../../../api/signature/trust-store';
import { XmlDsigVerifier } from '../../../api/signature/verifier';
import { documentXml } from '../../../api/signature/xml';
import { x509 } from '../../../api/signature/x509';
import { signXml } from '../../../scripts/pki/signer';
import { credentialsOf, issueCertificate, type Ca } from '../../../scripts/pki/test-pki';
import { newNonce, testPki } from '../../helpers/pki';

const IIN = '920417401013';
const doc = () => documentXml('confirmInterest', { applicationNumber: '75.UO.2026.000001.1', nonce: newNonce(), signedAt: new Date().toISOString() });

/** A trust folder holding the test root and intermediate, and whatever else a case puts in. */
async function trustFolder(extra: Record<string, string>): Promise<string> {
  const pki = await testPki();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-trust-'));
  fs.writeFileSync(path.join(dir, 'root.pem'), pki.root.cert.toString('pem'));
  fs.writeFileSync(path.join(dir, 'intermediate.pem'), pki.intermediate.cert.toString('pem'));
  for (const [name, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

async function crlPem(ca: Ca, nextUpdate: Date, opts: { revoked?: string[]; delta?: boolean; thisUpdate?: Date } = {}): Promise<string> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subject,
    thisUpdate: opts.thisUpdate ?? new Date(nextUpdate.getTime() - 7 * 86_400_000),
    nextUpdate,
    entries: (opts.revoked ?? []).map((serialNumber) => ({ serialNumber, revocationDate: new Date(Date.now() - 3600_000) })),
    // DeltaCRLIndicator (2.5.29.27), critical, base CRL number 1 (DER INTEGER 1).
    extensions: opts.delta ? [new x509.Extension('2.5.29.27', true, new Uint8Array([2, 1, 1]))] : [],
    signingKey: ca.keys.privateKey,
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  });
  return x509.PemConverter.encode(crl.rawData, 'X509 CRL');
}

async function verifyWith(dir: string, signed: string) {
  const store = await TrustStore.load(dir);
  return new XmlDsigVerifier({ trustStore: () => store, revocation: 'trust-store', allowSha1: false }).verify(signed, 'sign');
}

describe('the trust store (R1.1)', () => {
  it('fails closed when the issuer’s CRL is missing or out of date, and accepts once a current one is there', async () => {
    const pki = await testPki();
    const creds = await credentialsOf(await issueCertificate(pki.intermediate, { iin: IIN, surname: 'A', givenName: 'B', holder: 'individual', purpose: 'sign' }));
    const signed = signXml(doc(), creds);
    const rootCrl = await crlPem(pki.root, new Date(Date.now() + 86_400_000));

    await expect(verifyWith(await trustFolder({ 'root.crl.pem': rootCrl }), signed)).rejects.toMatchObject({ code: 'CERTIFICATE_REVOCATION_UNKNOWN' });
    const stale = await crlPem(pki.intermediate, new Date(Date.now() - 60_000));
    await expect(verifyWith(await trustFolder({ 'root.crl.pem': rootCrl, 'i.crl.pem': stale }), signed)).rejects.toMatchObject({
      code: 'CERTIFICATE_REVOCATION_UNKNOWN',
    });
    const current = await crlPem(pki.intermediate, new Date(Date.now() + 86_400_000));
    const verified = await verifyWith(await trustFolder({ 'root.crl.pem': rootCrl, 'i.crl.pem': current }), signed);
    expect(verified.signer).toMatchObject({ iin: IIN, holder: 'individual' });
  });

  it('answers from the complete CRL, never from a newer delta CRL that lists only the latest revocations', async () => {
    const pki = await testPki();
    const issued = await issueCertificate(pki.intermediate, { iin: IIN, surname: 'A', givenName: 'B', holder: 'individual', purpose: 'sign' });
    const signed = signXml(doc(), await credentialsOf(issued));
    const soon = new Date(Date.now() + 86_400_000);
    const full = await crlPem(pki.intermediate, soon, { revoked: [issued.cert.serialNumber], thisUpdate: new Date(Date.now() - 7200_000) });
    const delta = await crlPem(pki.intermediate, soon, { delta: true, thisUpdate: new Date(Date.now() - 60_000) });
    const dir = await trustFolder({ 'root.crl.pem': await crlPem(pki.root, soon), 'full.crl.pem': full, 'delta.crl.pem': delta });
    await expect(verifyWith(dir, signed)).rejects.toMatchObject({ code: 'CERTIFICATE_REVOKED' });
  });

  it('refuses a chain through a certificate that may not issue others, even when it sits in the trust folder', async () => {
    const pki = await testPki();
    // A person's certificate used as if it were an authority.
    const leaf = await issueCertificate(pki.intermediate, { iin: '881102301027', surname: 'C', givenName: 'D', holder: 'individual', purpose: 'sign' });
    const below = await credentialsOf(await issueCertificate(leaf, { iin: IIN, surname: 'A', givenName: 'B', holder: 'individual', purpose: 'sign' }));
    const dir = await trustFolder({ 'leaf.pem': leaf.cert.toString('pem') });
    await expect(verifyWith(dir, signXml(doc(), below))).rejects.toMatchObject({ code: 'CERTIFICATE_UNTRUSTED' });
  });

  it('R1.1 a certificate the verifier has read before is still judged on every document: revoked once a reloaded CRL lists it, expired at the instant, its key usage per purpose', async () => {
    const pki = await testPki();
    const issued = await issueCertificate(pki.intermediate, { iin: IIN, surname: 'A', givenName: 'B', holder: 'individual', purpose: 'sign' });
    const creds = await credentialsOf(issued);
    const soon = new Date(Date.now() + 86_400_000);
    const rootCrl = await crlPem(pki.root, soon);
    const good = await TrustStore.load(await trustFolder({ 'root.crl.pem': rootCrl, 'i.crl.pem': await crlPem(pki.intermediate, soon) }));
    const revoked = await TrustStore.load(await trustFolder({ 'root.crl.pem': rootCrl, 'i.crl.pem': await crlPem(pki.intermediate, soon, { revoked: [issued.cert.serialNumber] }) }));
    let store = good;
    let now = new Date();
    const verifier = new XmlDsigVerifier({ trustStore: () => store, revocation: 'trust-store', allowSha1: false, now: () => now });

    await expect(verifier.verify(signXml(doc(), creds), 'sign')).resolves.toMatchObject({ signer: { iin: IIN } });
    await expect(verifier.verify(signXml(doc(), creds), 'auth')).rejects.toMatchObject({ code: 'WRONG_KEY_USAGE' });
    store = revoked;
    await expect(verifier.verify(signXml(doc(), creds), 'sign')).rejects.toMatchObject({ code: 'CERTIFICATE_REVOKED' });
    store = good;
    await expect(verifier.verify(signXml(doc(), creds), 'sign')).resolves.toMatchObject({ signer: { iin: IIN } });
    now = new Date(issued.cert.notAfter.getTime() + 1000);
    await expect(verifier.verify(signXml(doc(), creds), 'sign')).rejects.toMatchObject({ code: 'CERTIFICATE_EXPIRED' });
  });

  it('refuses a certificate whose subject names no valid IIN', async () => {
    const pki = await testPki();
    const dir = path.join(pki.dir, 'trust');
    const noIin = await credentialsOf(await issueCertificate(pki.intermediate, { iin: '123', surname: 'A', givenName: 'B', holder: 'individual', purpose: 'sign' }));
    await expect(verifyWith(dir, signXml(doc(), noIin))).rejects.toMatchObject({ code: 'CERTIFICATE_WITHOUT_IIN' });
  });
});

describe('GOST signatures (R1.1)', () => {
  it('go to the verifier plugged in for them (an external service such as NCANode), which decides', async () => {
    const pki = await testPki();
    const creds = await credentialsOf(await issueCertificate(pki.intermediate, { iin: IIN, surname: 'A', givenName: 'B', holder: 'individual', purpose: 'sign' }));
    const gost = signXml(doc(), creds).replace(
      'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      'urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512',
    );
    const store = await TrustStore.load(path.join(pki.dir, 'trust'));
    const seen: string[] = [];
    const external = {
      async verify(xml: string): Promise<never> {
        seen.push(xml);
        throw Object.assign(new Error('not valid'), { code: 'SIGNATURE_INVALID' });
      },
    };
    const verifier = new XmlDsigVerifier({ trustStore: () => store, revocation: 'trust-store', allowSha1: false, gost: external });
    await expect(verifier.verify(gost, 'sign')).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(seen).toEqual([gost]);
  });
});
