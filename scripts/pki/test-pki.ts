import fs from 'node:fs/promises';
import path from 'node:path';
import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
import { KZ_POLICY } from '../../api/signature/certificate';
import type { CertificateHolder, KeyPurpose } from '../../domain/identity';
import { x509 } from '../../api/signature/x509';
import type { Credentials } from './signer';

/**
 * A test certification authority shaped like the national one (НУЦ РК): a root, an intermediate,
 * and per person an AUTH certificate (login) and a signing certificate (actions). Development and
 * tests only: the keys lie unencrypted in an ignored folder.
 */

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const DAY = 86_400_000;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export interface Ca {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface TestPki {
  dir: string;
  /** The folder to configure as the trust store: roots, intermediates, CRLs. */
  trustDir: string;
  root: Ca;
  intermediate: Ca;
}

export interface PkiPerson {
  iin: string;
  surname: string;
  givenName: string;
  holder: CertificateHolder;
  /** An employee's employer, written as OU=BIN…. */
  organisationBin?: string;
}

export interface IssueOptions extends PkiPerson {
  purpose: KeyPurpose;
  /** Reuse a key pair: issuing many certificates should not cost a key generation each. */
  keys?: CryptoKeyPair;
  notBefore?: Date;
  notAfter?: Date;
}

export const generateKeys = () => webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function readKeys(file: string, cert: x509.X509Certificate): Promise<CryptoKeyPair> {
  const der = x509.PemConverter.decodeFirst(await fs.readFile(file, 'utf8'));
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, RSA, true, ['sign']);
  return { privateKey, publicKey: await cert.publicKey.export(RSA, ['verify']) };
}

const exists = (file: string) => fs.access(file).then(() => true, () => false);

const caExtensions = async (keys: CryptoKeyPair) => [
  new x509.BasicConstraintsExtension(true, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
];

async function createCa(name: string, issuer?: Ca): Promise<Ca> {
  const keys = await generateKeys();
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(Date.now() + 20 * 365 * DAY);
  const extensions = await caExtensions(keys);
  const cert = issuer
    ? await x509.X509CertificateGenerator.create({
        subject: name,
        issuer: issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
        notBefore,
        notAfter,
        signingAlgorithm: RSA,
        extensions,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ name, keys, notBefore, notAfter, signingAlgorithm: RSA, extensions });
  return { cert, keys };
}

/** A person's certificate with the usages of the national authority's AUTH or signing key. */
export async function issueCertificate(issuer: Ca, o: IssueOptions): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = o.keys ?? (await generateKeys());
  const F = x509.KeyUsageFlags;
  const usage = o.purpose === 'auth' ? F.digitalSignature | F.keyEncipherment : F.digitalSignature | F.nonRepudiation;
  const policy = o.holder === 'individual' ? KZ_POLICY.individual : KZ_POLICY.employee;
  const ekus = o.purpose === 'auth' ? [CLIENT_AUTH, policy] : [policy];
  const subject: x509.JsonName = [
    { '2.5.4.3': [`${o.surname} ${o.givenName}`] },
    { '2.5.4.4': [o.surname] },
    { '2.5.4.5': [`IIN${o.iin}`] },
    { '2.5.4.6': ['KZ'] },
    { '2.5.4.42': [o.givenName] },
    ...(o.holder === 'employee' ? [{ '2.5.4.10': ['TEST ORGANISATION'] }, { '2.5.4.11': [`BIN${o.organisationBin ?? '000000000000'}`] }] : []),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: issuer.cert.subject,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    notBefore: o.notBefore ?? new Date(Date.now() - DAY),
    notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
    signingAlgorithm: RSA,
    extensions: [new x509.KeyUsagesExtension(usage, true), new x509.ExtendedKeyUsageExtension(ekus)],
  });
  return { cert, keys };
}

export async function credentialsOf(issued: { cert: x509.X509Certificate; keys: CryptoKeyPair }): Promise<Credentials> {
  return { certPem: issued.cert.toString('pem'), keyPem: await keyPem(issued.keys.privateKey) };
}

const revokedFile = (pki: TestPki) => path.join(pki.dir, 'ca', 'revoked.json');

/** Re-issues both CRLs (a year's validity), listing what was revoked. */
export async function writeCrls(pki: TestPki): Promise<void> {
  const revoked: string[] = (await exists(revokedFile(pki))) ? JSON.parse(await fs.readFile(revokedFile(pki), 'utf8')) : [];
  const crl = (ca: Ca, serials: string[]) =>
    x509.X509CrlGenerator.create({
      issuer: ca.cert.subject,
      thisUpdate: new Date(Date.now() - 60_000),
      nextUpdate: new Date(Date.now() + 365 * DAY),
      signingAlgorithm: RSA,
      signingKey: ca.keys.privateKey,
      entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: new Date(Date.now() - 60_000), reason: x509.X509CrlReason.keyCompromise })),
    });
  // OpenSSL (and so xmlsec1) reads CRLs under the "X509 CRL" label.
  const pem = (c: x509.X509Crl) => x509.PemConverter.encode(c.rawData, 'X509 CRL');
  await fs.writeFile(path.join(pki.trustDir, 'root.crl.pem'), pem(await crl(pki.root, [])));
  await fs.writeFile(path.join(pki.trustDir, 'intermediate.crl.pem'), pem(await crl(pki.intermediate, revoked)));
}

/** Revokes a certificate the intermediate issued; a trust store loaded afterwards sees it. */
export async function revoke(pki: TestPki, serialNumber: string): Promise<void> {
  const revoked: string[] = (await exists(revokedFile(pki))) ? JSON.parse(await fs.readFile(revokedFile(pki), 'utf8')) : [];
  await fs.writeFile(revokedFile(pki), JSON.stringify([...new Set([...revoked, serialNumber])]));
  await writeCrls(pki);
}

function personDir(pkiDir: string, iin: string) {
  return path.join(pkiDir, 'persons', iin);
}

/** A person's key and certificate as `ensureTestPki` wrote them into the PKI folder. */
export async function readCredentials(pkiDir: string, iin: string, purpose: KeyPurpose): Promise<Credentials> {
  const dir = personDir(pkiDir, iin);
  const [keyPem, certPem] = await Promise.all([
    fs.readFile(path.join(dir, `${purpose}.key.pem`), 'utf8'),
    fs.readFile(path.join(dir, `${purpose}.cert.pem`), 'utf8'),
  ]);
  return { keyPem, certPem };
}

/**
 * Creates what is missing, keeps what exists: the authority once, each person's two certificates
 * until they near their end; the CRLs are re-issued on every call so they never go stale.
 */
export async function ensureTestPki(dir: string, persons: PkiPerson[] = []): Promise<TestPki> {
  const caDir = path.join(dir, 'ca');
  const trustDir = path.join(dir, 'trust');
  await fs.mkdir(caDir, { recursive: true, mode: 0o700 });
  await fs.mkdir(trustDir, { recursive: true });
  const load = async (name: string, create: () => Promise<Ca>): Promise<Ca> => {
    const certFile = path.join(trustDir, `${name}.pem`);
    const keyFile = path.join(caDir, `${name}.key.pem`);
    if ((await exists(certFile)) && (await exists(keyFile))) {
      const cert = new x509.X509Certificate(await fs.readFile(certFile, 'utf8'));
      return { cert, keys: await readKeys(keyFile, cert) };
    }
    const ca = await create();
    await fs.writeFile(keyFile, await keyPem(ca.keys.privateKey), { mode: 0o600 });
    await fs.writeFile(certFile, ca.cert.toString('pem'));
    return ca;
  };
  const root = await load('root', () => createCa('CN=TEST ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA), C=KZ'));
  const intermediate = await load('intermediate', () => createCa('CN=TEST ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ ИНТЕРМЕДИАТ (RSA), C=KZ', root));
  const pki: TestPki = { dir, trustDir, root, intermediate };
  await writeCrls(pki);
  for (const person of persons) {
    const pdir = personDir(dir, person.iin);
    for (const purpose of ['auth', 'sign'] as const) {
      const certFile = path.join(pdir, `${purpose}.cert.pem`);
      // A year's certificate is issued again when it has less than a month to run.
      if ((await exists(certFile)) && new x509.X509Certificate(await fs.readFile(certFile, 'utf8')).notAfter.getTime() > Date.now() + 30 * DAY) continue;
      await fs.mkdir(pdir, { recursive: true, mode: 0o700 });
      const creds = await credentialsOf(await issueCertificate(intermediate, { ...person, purpose }));
      await fs.writeFile(path.join(pdir, `${purpose}.key.pem`), creds.keyPem, { mode: 0o600 });
      await fs.writeFile(path.join(pdir, `${purpose}.cert.pem`), creds.certPem);
    }
  }
  return pki;
}
