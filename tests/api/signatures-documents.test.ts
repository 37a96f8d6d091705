/**
 * Signatures, by what the signed XML holds (R1.2): tampering, signature wrapping, algorithms,
 * malformed and oversized documents, processing instructions and comments, and interoperability
 * with xmlsec1. Who may sign, with which certificate, is in signatures-signers.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { documentXml } from '../../api/signature/xml';
import type { ApiHarness } from '../helpers/api';
import { buildFamily, type Family } from '../helpers/factories';
import { credentials, newNonce, signedAction, testPki } from '../helpers/pki';
import { useSignatureSuite } from '../helpers/signature-suite';
import { xmlsec1, xmlsec1Verify } from '../helpers/xmlsec1';

let api: ApiHarness, family: Family, number: string;
const { confirmDoc, expectRefused, postConfirm, signAs } = useSignatureSuite((suite) => ({ api, family, number } = suite));

describe('R1.2 signed actions are refused, each with its own code, and change nothing', () => {
  it('tampered content', async () => {
    const { signedXml } = await signAs(confirmDoc());
    const tampered = signedXml.replace(/<nonce>[^<]+<\/nonce>/, `<nonce>${newNonce()}</nonce>`);
    await expectRefused(() => postConfirm({ signedXml: tampered }), 422, 'SIGNATURE_INVALID');
  });

  it('signature wrapping: an unsigned copy of the payload inside the signature, or around the signed document', async () => {
    const { signedXml } = await signAs(documentXml('changeBenefitCategory', { applicationNumber: number, benefitCategory: 'none', nonce: newNonce(), signedAt: new Date().toISOString() }));
    const evil = documentXml('changeBenefitCategory', { applicationNumber: number, benefitCategory: 'out_of_turn', nonce: newNonce(), signedAt: new Date().toISOString() });
    const inObject = signedXml.replace('</ds:Signature>', `<ds:Object>${evil}</ds:Object></ds:Signature>`);
    const path = `/api/v1/applications/${number}/change-benefit-category`;
    await expectRefused(() => api.request('POST', path, { iin: family.parentIin, body: { signedXml: inObject } }), 400, 'SIGNATURE_WRAPPING');
    const around = evil.replace('</changeBenefitCategory>', `${signedXml}</changeBenefitCategory>`);
    await expectRefused(() => api.request('POST', path, { iin: family.parentIin, body: { signedXml: around } }), 400, 'SIGNATURE_WRAPPING');
    const twice = signedXml.replace('</changeBenefitCategory>', `${signedXml.match(/<ds:Signature[\s\S]*<\/ds:Signature>/)![0]}</changeBenefitCategory>`);
    await expectRefused(() => api.request('POST', path, { iin: family.parentIin, body: { signedXml: twice } }), 400, 'SIGNATURE_WRAPPING');
    expect((await api.db('applications').where({ number }).first()).benefit_category).toBe('none');
  });

  it('R1.2 every GOST algorithm URI, NCALayer’s 2004 ones and its 2015 ones, gets GOST_NOT_SUPPORTED', async () => {
    const { signedXml } = await signAs(confirmDoc());
    const rsa = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
    const sha256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
    const variants = [
      signedXml.replace(rsa, 'http://www.w3.org/2001/04/xmldsig-more#gost34310-gost34311').replace(sha256, 'http://www.w3.org/2001/04/xmldsig-more#gost34311'),
      signedXml.replace(rsa, 'http://www.w3.org/2001/04/xmldsig-more#gost34310-gost34311'),
      signedXml.replace(sha256, 'http://www.w3.org/2001/04/xmldsig-more#gost34311'),
      signedXml.replace(rsa, 'urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512'),
      signedXml.replace(sha256, 'urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-256'),
    ];
    for (const gost of variants) {
      expect(gost).not.toBe(signedXml);
      await expectRefused(() => postConfirm({ signedXml: gost }), 422, 'GOST_NOT_SUPPORTED');
    }
  });

  it('malformed XML, an unsigned document, a GOST or SHA-1 algorithm', async () => {
    await expectRefused(() => postConfirm({ signedXml: '<confirmInterest><nonce>abc</confirmInterest>' }), 400, 'XML_MALFORMED');
    await expectRefused(() => postConfirm({ signedXml: confirmDoc() }), 400, 'SIGNATURE_MISSING');
    const { signedXml } = await signAs(confirmDoc());
    const gost = signedXml.replace(
      'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      'urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512',
    );
    await expectRefused(() => postConfirm({ signedXml: gost }), 422, 'GOST_NOT_SUPPORTED');
    const sha1 = signedXml.replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2000/09/xmldsig#rsa-sha1');
    await expectRefused(() => postConfirm({ signedXml: sha1 }), 400, 'SIGNATURE_ALGORITHM_NOT_ALLOWED');
    // A decoy algorithm where the library looks first, and the allowed one where we look.
    const decoy = signedXml.replace(
      /<ds:CanonicalizationMethod Algorithm="([^"]+)"\/>/,
      '<ds:CanonicalizationMethod Algorithm="$1"><ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/></ds:CanonicalizationMethod>',
    );
    expect(decoy).not.toBe(signedXml);
    await expectRefused(() => postConfirm({ signedXml: decoy }), 400, 'SIGNATURE_ALGORITHM_NOT_ALLOWED');
  });

  it('an XML bomb (entity expansion) and oversized documents', async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><confirmInterest xmlns="urn:kz:kindergarten-queue:v1"><nonce>&lol3;</nonce></confirmInterest>`;
    await expectRefused(() => postConfirm({ signedXml: bomb }), 400, 'XML_DOCTYPE_FORBIDDEN');
    await expectRefused(() => postConfirm({ signedXml: `<a>${'x'.repeat(40_000)}</a>` }), 413, 'SIGNED_XML_TOO_LARGE');
    await expectRefused(() => postConfirm({ signedXml: `<a>${'x'.repeat(100_000)}</a>` }), 413, 'BODY_TOO_LARGE');
  });
});

describe('R1.2 processing instructions and comments never change what a signed document says', () => {
  const pki = () => testPki().then((p) => p.trustDir);
  const categoryPath = () => `/api/v1/applications/${number}/change-benefit-category`;
  const now = () => new Date().toISOString();

  it('a validly signed benefitCategory that holds only <?x out_of_turn?> is refused, and xmlsec1 refuses its signature too', async () => {
    const xml = `<changeBenefitCategory xmlns="urn:kz:kindergarten-queue:v1"><applicationNumber>${number}</applicationNumber><benefitCategory><?x out_of_turn?></benefitCategory><nonce>${newNonce()}</nonce><signedAt>${now()}</signedAt></changeBenefitCategory>`;
    const { signedXml } = await signAs(xml);
    expect((await xmlsec1Verify(signedXml, await pki())).ok).toBe(false); // xml-crypto digested the PI as text; xmlsec1 keeps it
    await expectRefused(() => api.request('POST', categoryPath(), { iin: family.parentIin, body: { signedXml } }), 400, 'XML_PROCESSING_INSTRUCTION_FORBIDDEN');
    expect((await api.db('applications').where({ number }).first()).benefit_category).toBe('none');
  });

  it('an applicationNumber turned after signing into 75.UO…00000<?x 3.1?> is refused before verification, and xmlsec1 says the digest does not match', async () => {
    const { signedXml } = await signAs(confirmDoc());
    const cut = number.length - 3;
    const shifted = signedXml.replace(`<applicationNumber>${number}<`, `<applicationNumber>${number.slice(0, cut)}<?x ${number.slice(cut)}?><`);
    expect(shifted).not.toBe(signedXml);
    const referee = await xmlsec1Verify(shifted, await pki());
    expect(referee.ok).toBe(false);
    expect(referee.output).toMatch(/data and digest do not match|verification failed|FAIL/i);
    await expectRefused(() => postConfirm({ signedXml: shifted }), 400, 'XML_PROCESSING_INSTRUCTION_FORBIDDEN');
    // A PI anywhere: after the root, or inside the signature, is refused the same way.
    await expectRefused(() => postConfirm({ signedXml: `${signedXml}<?x y?>` }), 400, 'XML_PROCESSING_INSTRUCTION_FORBIDDEN');
    await expectRefused(() => postConfirm({ signedXml: signedXml.replace('<ds:SignedInfo>', '<ds:SignedInfo><?x y?>') }), 400, 'XML_PROCESSING_INSTRUCTION_FORBIDDEN');
  });

  it('a comment anywhere in a signed document is refused: C14N without comments leaves it outside the digest, so it could be added after signing', async () => {
    const { signedXml } = await signAs(confirmDoc());
    const cut = number.length - 3;
    const commented = signedXml.replace(`<applicationNumber>${number}<`, `<applicationNumber>${number.slice(0, cut)}<!--x-->${number.slice(cut)}<`);
    expect(commented).not.toBe(signedXml);
    expect((await xmlsec1Verify(commented, await pki())).ok).toBe(true); // still "valid": the comment is not signed
    await expectRefused(() => postConfirm({ signedXml: commented }), 400, 'XML_COMMENT_FORBIDDEN');
    await expectRefused(() => postConfirm({ signedXml: `<!--x-->${signedXml}` }), 400, 'XML_COMMENT_FORBIDDEN');
  });

  it('the XML declaration that NCALayer writes first is not a processing instruction and is accepted; xmlsec1 agrees', async () => {
    const someone = await buildFamily(api.db);
    const filed = await api.file(someone);
    const own = filed.body.number as string;
    const { signedXml } = await signedAction(someone.parentIin, 'confirmInterest', { applicationNumber: own });
    const declared = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>${signedXml}`;
    expect((await xmlsec1Verify(declared, await pki())).ok).toBe(true);
    const before = api.verifier.refereed;
    const res = await api.request('POST', `/api/v1/applications/${own}/confirm-interest`, { iin: someone.parentIin, body: { signedXml: declared } });
    expect(res.status).toBe(200);
    expect(api.verifier.refereed).toBe(before + 1); // the API suite's referee checked it as well
  });
});

describe('interoperability with xmlsec1, an independent XMLDSig implementation', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-xmlsec-'));
  const write = (name: string, text: string) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('a login challenge signed by xmlsec1 with a test AUTH certificate is accepted', async () => {
    const challenge = await api.request('POST', '/api/v1/auth/challenge');
    const template = challenge.body.xml.replace(
      '</login>',
      '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>' +
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>' +
        '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>' +
        '<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>' +
        '<ds:Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/></ds:Transforms>' +
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>' +
        '<ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature></login>',
    );
    const creds = await credentials(family.parentIin, 'auth');
    const key = write('auth.key.pem', creds.keyPem);
    const cert = write('auth.cert.pem', creds.certPem);
    const signed = xmlsec1(['--sign', '--privkey-pem', `${key},${cert}`, '--output', path.join(tmp, 'login.xml'), write('login.tmpl.xml', template)]);
    expect(signed.status).toBe(0);
    const res = await api.request('POST', '/api/v1/auth/login', { body: { signedXml: fs.readFileSync(path.join(tmp, 'login.xml'), 'utf8') } });
    expect(res.status).toBe(200);
    expect(res.body.person).toMatchObject({ iin: family.parentIin, holder: 'individual' });
  });

  it('an action signed by us verifies with xmlsec1 --verify against the test roots, and a tampered one does not', async () => {
    const pki = await testPki();
    const { signedXml } = await signAs(confirmDoc());
    const args = ['--verify', '--trusted-pem', path.join(pki.trustDir, 'root.pem'), '--untrusted-pem', path.join(pki.trustDir, 'intermediate.pem')];
    const ok = xmlsec1([...args, write('ours.xml', signedXml)]);
    expect({ status: ok.status, stderr: ok.stderr }).toMatchObject({ status: 0, stderr: expect.stringContaining('OK') });
    const bad = xmlsec1([...args, write('tampered.xml', signedXml.replace(number, '75.UO.2026.999999.1'))]);
    expect(bad.status).not.toBe(0);
  });
});
