/** Which key a document must be signed with: AUTH for login, the signing key for actions (R1). */
export type KeyPurpose = 'auth' | 'sign';

/** An individual, or an organisation's employee (kindergarten staff, ПМПК, operators). */
export const CERTIFICATE_HOLDERS = ['individual', 'employee'] as const;
export type CertificateHolder = (typeof CERTIFICATE_HOLDERS)[number];

/** The person a verified certificate names (R1.1). */
export interface Signer {
  iin: string;
  /** CN as the certificate states it (surname and name). */
  name: string;
  surname: string | null;
  givenName: string | null;
  holder: CertificateHolder;
  /** Business identification number of the employer, from OU=BIN…, for employees. */
  organisationBin: string | null;
  certificateSerial: string;
  certificateIssuer: string;
  notAfter: string;
}

/** The roles of staff (R4.2, R8.3, operators of R10). */
export type StaffRole = 'kindergarten_staff' | 'pmpk_staff' | 'operator';
