import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FORMER_CERTIFICATES, pemCertificates, serviceCertificate, serviceCertificates, serviceCredentials, signingCertificateStanding } from '../../activities/service-key';
import { signChainHeadXml, verifiedChainHead } from '../../activities/chain-heads';
import { ensureServiceCertificate, issueServiceCertificate } from '../../scripts/pki/service-certificate';
import { testPkiDir } from '../helpers/pki';
import { x509 } from '../../api/signature/x509';

const DAY = 86_400_000;
const daysFromNow = (days: number) => new Date(Date.now() + days * DAY);

describe('R11.3 the service’s own signing key', () => {
  it('R11.3 production without SERVICE_SIGNING_KEY and SERVICE_SIGNING_CERT refuses (the worker does not start)', async () => {
    await expect(serviceCredentials({ NODE_ENV: 'production' })).rejects.toThrow(/SERVICE_SIGNING_KEY and SERVICE_SIGNING_CERT: production signs/);
    await expect(serviceCertificate({ NODE_ENV: 'production' })).rejects.toThrow(/production signs/);
    await expect(serviceCredentials({ NODE_ENV: 'production', SERVICE_SIGNING_KEY: '/nowhere/key.pem' })).rejects.toThrow(/set both/);
  });

  it('R11.3 takes the settings as PEM text or as paths; a path that cannot be read is named', async () => {
    const { keyPem, certPem } = await serviceCredentials({ NODE_ENV: 'test' }); // the test PKI's service certificate
    expect(fs.readFileSync(path.join(testPkiDir(), 'service', 'sign.cert.pem'), 'utf8')).toBe(certPem);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-service-key-'));
    fs.writeFileSync(path.join(dir, 'key.pem'), keyPem);
    expect(await serviceCredentials({ NODE_ENV: 'production', SERVICE_SIGNING_KEY: path.join(dir, 'key.pem'), SERVICE_SIGNING_CERT: certPem })).toEqual({ keyPem, certPem });
    await expect(serviceCredentials({ NODE_ENV: 'production', SERVICE_SIGNING_KEY: path.join(dir, 'missing.pem'), SERVICE_SIGNING_CERT: certPem })).rejects.toThrow(
      /SERVICE_SIGNING_KEY: cannot read .*missing\.pem/,
    );
  });

  it('R11.3 a renewed key: a head signed with the former certificate verifies with it, and only at a time that certificate was valid', async () => {
    const former = await issueServiceCertificate(testPkiDir(), { notBefore: daysFromNow(-400), notAfter: daysFromNow(-10) });
    const current = await issueServiceCertificate(testPkiDir(), { notBefore: daysFromNow(-11), notAfter: daysFromNow(365) });
    const head = (at: Date) => ({ region: 'almaty', seq: 7, hash: 'a'.repeat(64), at: at.toISOString() });
    const before = head(daysFromNow(-20));
    const signedBefore = signChainHeadXml(before, former);
    expect(verifiedChainHead(signedBefore, [current.certPem, former.certPem])).toEqual({ head: before });
    expect(verifiedChainHead(signedBefore, [current.certPem])).toEqual({ refused: expect.stringMatching(/^the signature does not verify with the service certificate/) });
    expect(verifiedChainHead(signedBefore, [])).toEqual({ refused: 'no service certificate to check it with' });
    // The former key used after its certificate's end — kept, or stolen, and dated truly: refused; the current one then verifies.
    const after = head(daysFromNow(-5));
    const { notBefore, notAfter } = new x509.X509Certificate(former.certPem);
    expect(verifiedChainHead(signChainHeadXml(after, former), [current.certPem, former.certPem])).toEqual({
      refused: `signed at ${after.at} with a service certificate valid only from ${notBefore.toISOString()} to ${notAfter.toISOString()}`,
    });
    expect(verifiedChainHead(signChainHeadXml(after, current), [current.certPem, former.certPem])).toEqual({ head: after });
    // Dated before its certificate began: refused too.
    expect(verifiedChainHead(signChainHeadXml(head(daysFromNow(-30)), current), [current.certPem])).toEqual({ refused: expect.stringMatching(/with a service certificate valid only from/) });
  });

  it('R11.3 SERVICE_FORMER_SIGNING_CERTS: one PEM text or file of certificates, after the current one; the test PKI keeps the one it renews', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-former-'));
    const [a, b] = [await issueServiceCertificate(testPkiDir(), { notBefore: daysFromNow(-9), notAfter: daysFromNow(9) }), await issueServiceCertificate(testPkiDir(), { notBefore: daysFromNow(-9), notAfter: daysFromNow(9) })];
    fs.writeFileSync(path.join(dir, 'former.pem'), a.certPem + b.certPem);
    const current = (await serviceCredentials({ NODE_ENV: 'test' })).certPem;
    expect(pemCertificates(a.certPem + b.certPem)).toEqual([a.certPem, b.certPem]);
    expect(await serviceCertificates({ NODE_ENV: 'production', SERVICE_SIGNING_CERT: current, SERVICE_FORMER_SIGNING_CERTS: path.join(dir, 'former.pem') })).toEqual([current, a.certPem, b.certPem]);
    expect(await serviceCertificates({ NODE_ENV: 'production', SERVICE_SIGNING_CERT: current, SERVICE_FORMER_SIGNING_CERTS: b.certPem })).toEqual([current, b.certPem]);
    expect(await serviceCertificates({ NODE_ENV: 'production', SERVICE_SIGNING_CERT: current })).toEqual([current]);
    fs.writeFileSync(path.join(dir, 'empty.pem'), 'not a certificate\n');
    await expect(serviceCertificates({ NODE_ENV: 'production', SERVICE_SIGNING_CERT: current, SERVICE_FORMER_SIGNING_CERTS: path.join(dir, 'empty.pem') })).rejects.toThrow(/SERVICE_FORMER_SIGNING_CERTS: holds no PEM certificate/);

    // A test PKI whose service certificate ends in 20 days: renewed, the old one kept for verify-chain.
    const pki = path.join(dir, 'pki');
    for (const sub of ['trust', 'ca']) fs.cpSync(path.join(testPkiDir(), sub), path.join(pki, sub), { recursive: true });
    const ending = await issueServiceCertificate(pki, { notBefore: daysFromNow(-700), notAfter: daysFromNow(20) });
    fs.mkdirSync(path.join(pki, 'service'));
    fs.writeFileSync(path.join(pki, 'service', 'sign.key.pem'), ending.keyPem);
    fs.writeFileSync(path.join(pki, 'service', 'sign.cert.pem'), ending.certPem);
    const renewed = await ensureServiceCertificate(pki);
    expect(renewed.certPem).not.toBe(ending.certPem);
    expect(fs.readFileSync(path.join(pki, 'service', FORMER_CERTIFICATES), 'utf8')).toBe(`${ending.certPem}\n`);
    expect(await ensureServiceCertificate(pki)).toEqual(renewed); // not renewed again
    const saved = process.env.KQ_TEST_PKI_DIR;
    process.env.KQ_TEST_PKI_DIR = pki;
    try {
      expect(await serviceCertificates({ NODE_ENV: 'test' })).toEqual([renewed.certPem, ending.certPem]);
      expect(await serviceCertificates({ NODE_ENV: 'test' }, { make: false })).toEqual([renewed.certPem, ending.certPem]);
      // The API only reads them: a test PKI without a service certificate (the fuzz stack's) gives none, and gets none made.
      process.env.KQ_TEST_PKI_DIR = path.join(dir, 'no-pki');
      expect(await serviceCertificates({ NODE_ENV: 'test' }, { make: false })).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'no-pki'))).toBe(false);
    } finally {
      process.env.KQ_TEST_PKI_DIR = saved;
    }
  });

  it('R11.3 the worker says at start whether its certificate can sign heads: an error once ended or not yet valid, a warning in its last 30 days', async () => {
    const cert = (await issueServiceCertificate(testPkiDir(), { notBefore: daysFromNow(-10), notAfter: daysFromNow(100) })).certPem;
    expect(signingCertificateStanding(cert, new Date())).toEqual({ level: 'info', message: expect.stringMatching(/^the service certificate \(CN=TEST KINDERGARTEN QUEUE SERVICE.*\) is valid from /) });
    expect(signingCertificateStanding(cert, daysFromNow(69))).toEqual({ level: 'info', message: expect.any(String) });
    expect(signingCertificateStanding(cert, daysFromNow(80))).toEqual({ level: 'warn', message: expect.stringMatching(/: 19 days left — renew the key before then$/) });
    expect(signingCertificateStanding(cert, daysFromNow(101))).toEqual({ level: 'error', message: expect.stringMatching(/heads signed now will be refused by verify-chain/) });
    expect(signingCertificateStanding(cert, daysFromNow(-11))).toEqual({ level: 'error', message: expect.stringMatching(/heads signed now will be refused/) });
  });
});
