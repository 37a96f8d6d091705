import { SignedXml } from 'xml-crypto';
import { ALGORITHMS } from '../../api/signature/verifier';

export interface Credentials {
  keyPem: string;
  certPem: string;
}

/**
 * Signs a document as NCALayer `signXml` does: one enveloped signature over the whole document
 * (URI=""), enveloped-signature then C14N, RSA-SHA256, the signer's certificate in KeyInfo.
 */
export function signXml(xml: string, { keyPem, certPem }: Credentials): string {
  const sig = new SignedXml({
    privateKey: keyPem,
    publicCert: certPem,
    signatureAlgorithm: ALGORITHMS.rsaSha256,
    canonicalizationAlgorithm: ALGORITHMS.c14n,
  });
  sig.addReference({ xpath: '/*', uri: '', isEmptyUri: true, transforms: [ALGORITHMS.enveloped, ALGORITHMS.c14n], digestAlgorithm: ALGORITHMS.sha256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  return sig.getSignedXml();
}
