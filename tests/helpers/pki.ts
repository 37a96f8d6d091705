import { randomBytes } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import type { CertificateHolder, KeyPurpose } from '../../domain/identity';
import { documentXml } from '../../api/signature/xml';
import { signXml, type Credentials } from '../../scripts/pki/signer';
import { credentialsOf, ensureTestPki, generateKeys, issueCertificate, type IssueOptions, type TestPki } from '../../scripts/pki/test-pki';

/** The run's test PKI, made by global setup; its trust folder is what the test API trusts. */
export function testPkiDir(): string {
  const dir = process.env.KQ_TEST_PKI_DIR;
  if (!dir) throw new Error('KQ_TEST_PKI_DIR is not set: run tests through jest (global setup makes the PKI)');
  return dir;
}

let pki: Promise<TestPki> | undefined;
export const testPki = () => (pki ??= ensureTestPki(testPkiDir()));

// Certificates are cheap to issue, keys are not: every test person shares one key pair per purpose.
const sharedKeys: Partial<Record<KeyPurpose, Promise<webcrypto.CryptoKeyPair>>> = {};
const keysFor = (purpose: KeyPurpose) => (sharedKeys[purpose] ??= generateKeys());

const issued = new Map<string, Promise<Credentials>>();

/** A certificate for `iin` as the national authority would issue it, from the test intermediate. */
export function credentials(iin: string, purpose: KeyPurpose, holder: CertificateHolder = 'individual', extra: Partial<IssueOptions> = {}): Promise<Credentials> {
  const custom = Object.keys(extra).length > 0;
  const key = `${iin}:${purpose}:${holder}`;
  const make = async () => {
    const { intermediate } = await testPki();
    const opts: IssueOptions = { iin, surname: 'ТЕСТОВ', givenName: 'ТЕСТ', holder, purpose, keys: await keysFor(purpose), ...extra };
    return credentialsOf(await issueCertificate(intermediate, opts));
  };
  if (custom) return make();
  if (!issued.has(key)) issued.set(key, make());
  return issued.get(key)!;
}

export const newNonce = () => randomBytes(12).toString('base64url');

/** An action document (R1.2) with a fresh nonce and signedAt, signed with the person's signing key. */
export async function signedAction(iin: string, action: string, fields: Record<string, unknown>, opts: { creds?: Credentials; nonce?: string; signedAt?: string } = {}) {
  const xml = documentXml(action, { ...fields, nonce: opts.nonce ?? newNonce(), signedAt: opts.signedAt ?? new Date().toISOString() });
  return { signedXml: signXml(xml, opts.creds ?? (await credentials(iin, 'sign'))) };
}
