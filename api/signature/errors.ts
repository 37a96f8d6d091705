/** Every reason the verifier refuses a signed document. */
export const SIGNATURE_REFUSALS = [
  'SIGNED_XML_TOO_LARGE',
  'XML_MALFORMED',
  'XML_DOCTYPE_FORBIDDEN',
  'XML_PROCESSING_INSTRUCTION_FORBIDDEN',
  'XML_COMMENT_FORBIDDEN',
  'SIGNATURE_MISSING',
  'SIGNATURE_WRAPPING',
  'SIGNATURE_ALGORITHM_NOT_ALLOWED',
  'GOST_NOT_SUPPORTED',
  'SIGNATURE_INVALID',
  'SIGNED_CONTENT_INVALID',
  'CERTIFICATE_MISSING',
  'CERTIFICATE_UNTRUSTED',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_NOT_YET_VALID',
  'CERTIFICATE_REVOKED',
  'CERTIFICATE_REVOCATION_UNKNOWN',
  'CERTIFICATE_WITHOUT_IIN',
  'CERTIFICATE_HOLDER_UNKNOWN',
  'WRONG_KEY_USAGE',
] as const;

export type SignatureRefusalCode = (typeof SIGNATURE_REFUSALS)[number];

/**
 * Why a signed document was refused. The verifier knows nothing of HTTP: the API maps each code to
 * the problem of the same name (api/problems.ts), a command-line tool may print it.
 */
export class SignatureRefusal extends Error {
  constructor(
    readonly code: SignatureRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureRefusal';
  }
}
