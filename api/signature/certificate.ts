import { parseIin } from '../../domain/iin';
import type { CertificateHolder, KeyPurpose, Signer } from '../../domain/identity';
import { SignatureRefusal } from './errors';
import { x509 } from './x509';

/** Extended key usages of the Kazakh national certification authority (НУЦ РК). */
export const KZ_POLICY = {
  individual: '1.2.398.3.3.4.1.1',
  /** And the roles beneath it (first head, signer, HR…). */
  employee: '1.2.398.3.3.4.1.2',
} as const;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const field = (cert: x509.X509Certificate, oid: string): string | null => cert.subjectName.getField(oid)[0] ?? null;

function extendedUsages(cert: x509.X509Certificate): string[] {
  return (cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []).map(String);
}

/** Common verifiers only report key usage; we enforce it (R1.1, R1.2). */
export function checkKeyUsage(cert: x509.X509Certificate, purpose: KeyPurpose): void {
  const usages = cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
  const has = (flag: x509.KeyUsageFlags) => (usages & flag) === flag;
  const ok =
    purpose === 'auth'
      ? has(x509.KeyUsageFlags.digitalSignature) && has(x509.KeyUsageFlags.keyEncipherment) && extendedUsages(cert).includes(CLIENT_AUTH)
      : has(x509.KeyUsageFlags.nonRepudiation);
  if (!ok) {
    throw new SignatureRefusal(
      'WRONG_KEY_USAGE',
      purpose === 'auth' ? 'log in with the authentication key (AUTH_RSA), not the signing key' : 'sign actions with the signing key (RSA), not the authentication key',
    );
  }
}

/** R1.1: the person a certificate names — IIN from the subject's serialNumber, name from CN. */
export function describeSigner(cert: x509.X509Certificate): Signer {
  const serial = field(cert, '2.5.4.5') ?? '';
  const match = /^IIN(\d{12})$/.exec(serial);
  if (!match || !parseIin(match[1]!).valid) {
    throw new SignatureRefusal('CERTIFICATE_WITHOUT_IIN', 'the certificate does not name a person by a valid IIN');
  }
  const ekus = extendedUsages(cert);
  const individual = ekus.includes(KZ_POLICY.individual);
  const employee = ekus.some((o) => o === KZ_POLICY.employee || o.startsWith(`${KZ_POLICY.employee}.`));
  // Exactly one of the two: a certificate that claims both says nothing we can act on.
  const holder: CertificateHolder | null = individual && !employee ? 'individual' : employee && !individual ? 'employee' : null;
  if (!holder) throw new SignatureRefusal('CERTIFICATE_HOLDER_UNKNOWN', 'the certificate is neither an individual’s nor an organisation employee’s');
  const ou = field(cert, '2.5.4.11');
  return {
    iin: match[1]!,
    name: field(cert, '2.5.4.3') ?? '',
    surname: field(cert, '2.5.4.4'),
    givenName: field(cert, '2.5.4.42'),
    holder,
    organisationBin: ou && /^BIN\d{12}$/.test(ou) ? ou.slice(3) : null,
    certificateSerial: cert.serialNumber,
    certificateIssuer: cert.issuer,
    notAfter: cert.notAfter.toISOString(),
  };
}
