import fs from 'node:fs/promises';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import { x509 } from '../../api/signature/x509';
import type { Credentials } from './signer';
import { FORMER_CERTIFICATES } from '../../activities/service-key';

/**
 * R11.3, development and tests only: the service's own signing certificate (it signs the chain's
 * daily heads), issued once from the test PKI's intermediate into `<pki>/service/`, and again 30 days
 * before its end, the old certificate kept in `former.cert.pem`. Production sets
 * SERVICE_SIGNING_KEY, SERVICE_SIGNING_CERT and SERVICE_FORMER_SIGNING_CERTS instead (config.ts).
 */

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const DAY = 86_400_000;
export const SERVICE_SUBJECT = 'CN=TEST KINDERGARTEN QUEUE SERVICE, O=TEST ORGANISATION, C=KZ';

const exists = (file: string) => fs.access(file).then(() => true, () => false);

/** The service's key and certificate in the test PKI at `pkiDir`, made when missing or near their end. */
export async function ensureServiceCertificate(pkiDir: string): Promise<Credentials> {
  const dir = path.join(pkiDir, 'service');
  const keyFile = path.join(dir, 'sign.key.pem');
  const certFile = path.join(dir, 'sign.cert.pem');
  let renewed: string | undefined;
  if ((await exists(keyFile)) && (await exists(certFile))) {
    const certPem = await fs.readFile(certFile, 'utf8');
    if (new x509.X509Certificate(certPem).notAfter.getTime() > Date.now() + 30 * DAY) return { keyPem: await fs.readFile(keyFile, 'utf8'), certPem };
    renewed = certPem;
  }
  const credentials = await issueServiceCertificate(pkiDir, { notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 2 * 365 * DAY) });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // The heads the old certificate signed stay checkable: verify-chain reads it from here.
  if (renewed) await fs.appendFile(path.join(dir, FORMER_CERTIFICATES), renewed.endsWith('\n') ? renewed : `${renewed}\n`);
  // Written aside and renamed: a process reading meanwhile sees the old pair or the new, never half.
  const tmp = `.${process.pid}.${Date.now()}`;
  await fs.writeFile(keyFile + tmp, credentials.keyPem, { mode: 0o600 });
  await fs.writeFile(certFile + tmp, credentials.certPem);
  await fs.rename(keyFile + tmp, keyFile);
  await fs.rename(certFile + tmp, certFile);
  return credentials;
}

/** A service key and certificate from the test PKI's intermediate, valid for `validity`; written nowhere. */
export async function issueServiceCertificate(pkiDir: string, validity: { notBefore: Date; notAfter: Date }): Promise<Credentials> {
  const caCert = new x509.X509Certificate(await fs.readFile(path.join(pkiDir, 'trust', 'intermediate.pem'), 'utf8'));
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(await fs.readFile(path.join(pkiDir, 'ca', 'intermediate.key.pem'), 'utf8')), RSA, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject: SERVICE_SUBJECT,
    issuer: caCert.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    ...validity,
    signingAlgorithm: RSA,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true)],
  });
  return {
    keyPem: x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
    certPem: cert.toString('pem'),
  };
}
