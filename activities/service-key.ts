import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import { x509 } from '../api/signature/x509';

/** The service's own key and certificate, PEM (R11.3: they sign the chain's daily heads). */
export interface ServiceCredentials {
  keyPem: string;
  certPem: string;
}

/** The development test PKI (`npm start` makes it; tests set KQ_TEST_PKI_DIR to their own). */
export const devPkiDir = (): string => process.env.KQ_TEST_PKI_DIR ?? path.resolve(__dirname, '..', '.data', 'test-pki');

/** A setting given as PEM text, or as the path of a PEM file. */
async function pemOf(name: string, value: string): Promise<string> {
  if (value.includes('-----BEGIN')) return value;
  return fs.readFile(value, 'utf8').catch((err) => {
    throw new Error(`${name}: cannot read ${value} (${err instanceof Error ? err.message : String(err)})`);
  });
}

type KeyConfig = Pick<Config, 'NODE_ENV' | 'SERVICE_SIGNING_KEY' | 'SERVICE_SIGNING_CERT' | 'SERVICE_FORMER_SIGNING_CERTS'>;

/**
 * R11.3: SERVICE_SIGNING_KEY and SERVICE_SIGNING_CERT; in production nothing else (the worker calls
 * this at start and stops with the message); elsewhere, unset, the test PKI's service certificate
 * (scripts/pki/service-certificate.ts, loaded only then: it is no part of the production build).
 */
export async function serviceCredentials(config: KeyConfig): Promise<ServiceCredentials> {
  const { SERVICE_SIGNING_KEY: key, SERVICE_SIGNING_CERT: cert } = config;
  if (key && cert) return { keyPem: await pemOf('SERVICE_SIGNING_KEY', key), certPem: await pemOf('SERVICE_SIGNING_CERT', cert) };
  if (key || cert) throw new Error('SERVICE_SIGNING_KEY and SERVICE_SIGNING_CERT: set both, or (outside production) neither');
  if (config.NODE_ENV === 'production') {
    throw new Error('SERVICE_SIGNING_KEY and SERVICE_SIGNING_CERT: production signs the queue history’s heads (R11.3) with a key of its own');
  }
  const dev = path.join(__dirname, '..', 'scripts', 'pki', 'service-certificate');
  const { ensureServiceCertificate } = (await import(dev)) as typeof import('../scripts/pki/service-certificate');
  return ensureServiceCertificate(devPkiDir());
}

/** R11.3: the certificate signed heads are checked against (verify-chain): SERVICE_SIGNING_CERT, else as `serviceCredentials`. */
export async function serviceCertificate(config: KeyConfig): Promise<string> {
  if (config.SERVICE_SIGNING_CERT) return pemOf('SERVICE_SIGNING_CERT', config.SERVICE_SIGNING_CERT);
  return (await serviceCredentials(config)).certPem;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Each certificate of a PEM text that holds one or more, one after another. */
export const pemCertificates = (pem: string): string[] => pem.match(PEM_CERTIFICATE) ?? [];

/**
 * R11.3: every certificate the service has signed heads with — the current one (`serviceCertificate`)
 * first, then SERVICE_FORMER_SIGNING_CERTS; outside production with neither set, the test PKI's
 * former ones too (its renewal keeps them, scripts/pki/service-certificate.ts). With `make: false`
 * (the API, which never signs) the test PKI's certificate is only read, never made or renewed:
 * none when it has none.
 */
export async function serviceCertificates(config: KeyConfig, { make = true }: { make?: boolean } = {}): Promise<string[]> {
  const readOnly = !make && !config.SERVICE_SIGNING_CERT && config.NODE_ENV !== 'production';
  const current = readOnly ? await fs.readFile(path.join(devPkiDir(), 'service', 'sign.cert.pem'), 'utf8').catch(() => '') : await serviceCertificate(config);
  if (!current) return [];
  const formerSetting = config.SERVICE_FORMER_SIGNING_CERTS;
  let former = '';
  if (formerSetting) {
    former = await pemOf('SERVICE_FORMER_SIGNING_CERTS', formerSetting);
    if (pemCertificates(former).length === 0) throw new Error('SERVICE_FORMER_SIGNING_CERTS: holds no PEM certificate');
  } else if (!config.SERVICE_SIGNING_CERT && config.NODE_ENV !== 'production') {
    former = await fs.readFile(path.join(devPkiDir(), 'service', FORMER_CERTIFICATES), 'utf8').catch(() => '');
  }
  return [current, ...pemCertificates(former)];
}

/** The test PKI's file of the service certificates it renewed, oldest first. */
export const FORMER_CERTIFICATES = 'former.cert.pem';

/** Days before a service certificate's end from which the worker warns that the key is due for renewal. */
export const RENEWAL_NOTICE_DAYS = 30;

/**
 * R11.3: what the worker says at start of the certificate its heads will be signed with: a head signed
 * outside its certificate's validity is refused by verify-chain, so an ended (or not yet valid)
 * certificate is an error, one ending within RENEWAL_NOTICE_DAYS a warning.
 */
export function signingCertificateStanding(certPem: string, now: Date): { level: 'info' | 'warn' | 'error'; message: string } {
  const { notBefore, notAfter, subject } = new x509.X509Certificate(certPem);
  const until = `the service certificate (${subject}) is valid from ${notBefore.toISOString()} to ${notAfter.toISOString()}`;
  if (now < notBefore || now > notAfter) {
    return { level: 'error', message: `${until}: heads signed now will be refused by verify-chain — renew the key (SERVICE_SIGNING_KEY, SERVICE_SIGNING_CERT, the old certificate into SERVICE_FORMER_SIGNING_CERTS)` };
  }
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
  if (daysLeft < RENEWAL_NOTICE_DAYS) return { level: 'warn', message: `${until}: ${daysLeft} days left — renew the key before then` };
  return { level: 'info', message: until };
}
