import { randomBytes } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import { documentXml } from '../../api/signature/xml';
import type { CertificateHolder, KeyPurpose } from '../../domain/identity';
import { signXml, type Credentials } from './signer';
import { credentialsOf, generateKeys, issueCertificate, type IssueOptions, type TestPki } from './test-pki';

export const newNonce = () => randomBytes(12).toString('base64url');

/**
 * Signs as any person, for tests and benchmarks: certificates are issued on demand from the test
 * intermediate, and every person shares one key pair per purpose (keys are slow to make,
 * certificates are not).
 */
export class TestSigner {
  private readonly keys: Partial<Record<KeyPurpose, Promise<webcrypto.CryptoKeyPair>>> = {};
  private readonly issued = new Map<string, Promise<Credentials>>();

  constructor(private readonly pki: () => Promise<TestPki>) {}

  /** A certificate for `iin` as the national authority would issue it; `extra` beyond the BIN makes a one-off. */
  credentials(iin: string, purpose: KeyPurpose, holder: CertificateHolder = 'individual', extra: Partial<IssueOptions> = {}): Promise<Credentials> {
    const make = async () => {
      const { intermediate } = await this.pki();
      const keys = await (this.keys[purpose] ??= generateKeys());
      return credentialsOf(await issueCertificate(intermediate, { iin, surname: 'ТЕСТОВ', givenName: 'ТЕСТ', holder, purpose, keys, ...extra }));
    };
    const { organisationBin, ...oneOff } = extra;
    if (Object.keys(oneOff).length > 0) return make();
    const key = `${iin}:${purpose}:${holder}:${organisationBin ?? ''}`;
    if (!this.issued.has(key)) this.issued.set(key, make());
    return this.issued.get(key)!;
  }

  /** The login challenge signed with the person's AUTH key: the body of POST /auth/login. */
  async login(iin: string, challengeXml: string, holder: CertificateHolder = 'individual', organisationBin?: string): Promise<{ signedXml: string }> {
    return { signedXml: signXml(challengeXml, await this.credentials(iin, 'auth', holder, organisationBin ? { organisationBin } : {})) };
  }

  /**
   * An action document (R1.2) with a fresh nonce and signedAt, signed with the person's signing key:
   * an individual's, or with `employee` an employee's of `organisationBin` (staff's actions, R8.3).
   */
  async action(iin: string, action: string, fields: Record<string, unknown>, employee?: { organisationBin: string }): Promise<{ signedXml: string }> {
    const xml = documentXml(action, { ...fields, nonce: newNonce(), signedAt: new Date().toISOString() });
    const credentials = employee ? await this.credentials(iin, 'sign', 'employee', employee) : await this.credentials(iin, 'sign');
    return { signedXml: signXml(xml, credentials) };
  }
}
