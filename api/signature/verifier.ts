import type { KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { SignatureRefusal } from './errors';
import type { KeyPurpose, Signer } from '../../domain/identity';
import { checkKeyUsage, describeSigner } from './certificate';
import type { RevocationChecker, TrustStore } from './trust-store';
import { childElements, documentFields, DOCUMENT_NS, DSIG_NS, parseUntrustedXml, type Fields } from './xml';
import { nativeOf, x509 } from './x509';

/** What a verified document says, and who signed it. */
export interface VerifiedDocument {
  signer: Signer;
  /** The signed document's root element name: the action or `login`. */
  name: string;
  /** The fields of what was signed, read from the signed reference, never from the received DOM. */
  fields: Fields;
  /** The document exactly as received, kept as evidence. */
  xml: string;
}

/**
 * Verifies an enveloped XMLDSig document as NCALayer `signXml` produces it. RSA is verified here;
 * Kazakh GOST signatures need a verifier that implements them (such as an NCANode deployment)
 * plugged in as `gost`.
 */
export interface SignatureVerifier {
  verify(xml: string, purpose: KeyPurpose): Promise<VerifiedDocument>;
}

export const ALGORITHMS = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  c14nWithComments: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;
/**
 * Kazakh GOST algorithm URIs: NCALayer's 2015 ones (`urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr…`)
 * and its 2004 ones (`http://www.w3.org/2001/04/xmldsig-more#gost34310-gost34311`, `…#gost34311`).
 */
const isGost = (uri: string) => /gost/i.test(uri);
const CANONICALIZATIONS: readonly string[] = [ALGORITHMS.c14n, ALGORITHMS.c14nWithComments];
const TRANSFORMS: readonly string[] = [ALGORITHMS.enveloped, ...CANONICALIZATIONS];

export interface XmlDsigOptions {
  /** The current trust store: it is reloaded when its CRLs are refreshed. */
  trustStore: () => TrustStore;
  /** The trust store's CRLs, another checker (OCSP), or null to skip revocation (never in production). */
  revocation: 'trust-store' | RevocationChecker | null;
  /** Accept RSA-SHA1 and SHA-1 digests (older signing tools). */
  allowSha1: boolean;
  /** Verifies GOST-signed documents; without it they are refused with GOST_NOT_SUPPORTED. */
  gost?: SignatureVerifier;
  now?: () => Date;
}

const wrapping = (detail: string) => new SignatureRefusal('SIGNATURE_WRAPPING', detail);
const localNames = (els: Element[]) => els.map((e) => `${e.namespaceURI === DSIG_NS ? '' : '?'}${e.localName}`);
const algorithmOf = (el: Element | undefined) => el?.getAttribute('Algorithm') ?? '';

/** Algorithm elements carry their URI and nothing else: a nested element is a decoy for the library. */
function bare(...elements: (Element | undefined)[]): void {
  if (elements.some((e) => !e || childElements(e).length > 0)) {
    throw new SignatureRefusal('SIGNATURE_ALGORITHM_NOT_ALLOWED', 'algorithm and value elements of the signature may not hold other elements');
  }
}

/** The only shape we accept: one signature, the root's child, one reference to the whole document. */
interface SignatureShape {
  signature: Element;
  canonicalization: string;
  transforms: string[];
  signatureMethod: string;
  digestMethod: string;
  certificate: string;
}

function signatureElement(root: Element): SignatureShape {
  const signatures = root.ownerDocument!.getElementsByTagNameNS(DSIG_NS, 'Signature');
  if (signatures.length === 0) throw new SignatureRefusal('SIGNATURE_MISSING', 'the document carries no XML signature');
  if (signatures.length > 1) throw wrapping('the document carries more than one signature');
  const signature = signatures.item(0)!;
  if (signature.parentNode !== root) throw wrapping('the signature must be a child of the document root');
  const parts = childElements(signature);
  if (localNames(parts).join() !== 'SignedInfo,SignatureValue,KeyInfo') {
    throw wrapping('the signature holds something besides SignedInfo, SignatureValue and KeyInfo');
  }
  const [signedInfo, , keyInfo] = parts as [Element, Element, Element];
  const info = childElements(signedInfo);
  if (localNames(info).join() !== 'CanonicalizationMethod,SignatureMethod,Reference') {
    throw wrapping('the signature must have exactly one reference');
  }
  const [c14n, method, reference] = info as [Element, Element, Element];
  if (reference.getAttribute('URI') !== '' || reference.attributes.length !== 1) {
    throw wrapping('the signed reference must be the whole document (URI="")');
  }
  const refParts = childElements(reference);
  if (localNames(refParts).join() !== 'Transforms,DigestMethod,DigestValue') {
    throw new SignatureRefusal('SIGNATURE_ALGORITHM_NOT_ALLOWED', 'the reference must name its transforms and digest');
  }
  const transformElements = childElements(refParts[0]!);
  if (localNames(transformElements).some((n) => n !== 'Transform')) {
    throw new SignatureRefusal('SIGNATURE_ALGORITHM_NOT_ALLOWED', 'Transforms may hold only Transform elements');
  }
  bare(c14n, method, refParts[1], refParts[2], parts[1], ...transformElements);
  const transforms = transformElements.map(algorithmOf);
  if (transforms.length === 0 || transforms.length > 2 || transforms[0] !== ALGORITHMS.enveloped || !transforms.every((t) => TRANSFORMS.includes(t))) {
    throw new SignatureRefusal('SIGNATURE_ALGORITHM_NOT_ALLOWED', 'transforms must be enveloped-signature then C14N 1.0');
  }
  if (!CANONICALIZATIONS.includes(algorithmOf(c14n))) {
    throw new SignatureRefusal('SIGNATURE_ALGORITHM_NOT_ALLOWED', 'SignedInfo must be canonicalized with C14N 1.0');
  }
  const certs = keyInfo.getElementsByTagNameNS(DSIG_NS, 'X509Certificate');
  if (certs.length !== 1) throw new SignatureRefusal('CERTIFICATE_MISSING', 'KeyInfo must carry exactly one X509Certificate, the signer’s');
  return {
    signature,
    canonicalization: algorithmOf(c14n),
    transforms,
    signatureMethod: algorithmOf(method),
    digestMethod: algorithmOf(refParts[1]),
    certificate: (certs.item(0)!.textContent ?? '').replace(/\s+/g, ''),
  };
}

/**
 * What a certificate's bytes say, read once: the parse, the public key, the key usages and the
 * holder are functions of the DER alone, and a person signs every action with the same certificate
 * (and logs in with another, the AUTH key's). Trust (the chain, validity at the instant, revocation) is never cached here:
 * it is asked of the current trust store on every document.
 */
interface KnownCertificate {
  cert: x509.X509Certificate;
  /** Node's key object, made once; null when Node cannot read the key (the library then fails as before). */
  key?: KeyObject | null;
  usage: Partial<Record<KeyPurpose, SignatureRefusal | null>>;
  signer?: Signer | SignatureRefusal;
}
const KNOWN_CERTIFICATES = 10_000;

/** A refusal computed once is thrown as a new error each time, so no request shares another's stack. */
function refusalOf(run: () => void): SignatureRefusal | null {
  try {
    run();
    return null;
  } catch (err) {
    if (err instanceof SignatureRefusal) return err;
    throw err;
  }
}
const again = (r: SignatureRefusal) => new SignatureRefusal(r.code, r.message);

export class XmlDsigVerifier implements SignatureVerifier {
  constructor(private readonly options: XmlDsigOptions) {}

  private readonly known = new Map<string, KnownCertificate>();

  private certificate(base64: string): KnownCertificate {
    const hit = this.known.get(base64);
    if (hit) {
      // Least recently used leaves first.
      this.known.delete(base64);
      this.known.set(base64, hit);
      return hit;
    }
    let cert: x509.X509Certificate;
    try {
      cert = new x509.X509Certificate(Buffer.from(base64, 'base64'));
    } catch {
      throw new SignatureRefusal('CERTIFICATE_MISSING', 'the certificate in KeyInfo cannot be read');
    }
    return { cert, usage: {} };
  }

  /** Only a certificate the trust store accepted is kept: no one fills the memory with certificates of their own making. */
  private remember(base64: string, known: KnownCertificate): void {
    if (this.known.has(base64)) return;
    this.known.set(base64, known);
    if (this.known.size > KNOWN_CERTIFICATES) this.known.delete(this.known.keys().next().value!);
  }

  async verify(xml: string, purpose: KeyPurpose): Promise<VerifiedDocument> {
    const root = parseUntrustedXml(xml).documentElement!;
    const shape = signatureElement(root);
    if (isGost(shape.signatureMethod) || isGost(shape.digestMethod)) {
      if (this.options.gost) return this.options.gost.verify(xml, purpose);
      throw new SignatureRefusal('GOST_NOT_SUPPORTED', 'GOST signatures cannot be verified here; sign with your RSA key');
    }
    this.checkAlgorithms(shape.signatureMethod, shape.digestMethod);

    // The key comes from the certificate only once the certificate is trusted (SECURITY.md).
    const known = this.certificate(shape.certificate);
    const { cert } = known;
    const at = this.options.now?.() ?? new Date();
    const store = this.options.trustStore();
    const revocation = this.options.revocation === 'trust-store' ? store : this.options.revocation;
    await store.validate(cert, at, revocation);
    this.remember(shape.certificate, known);
    const usage = (known.usage[purpose] ??= refusalOf(() => checkKeyUsage(cert, purpose)));
    if (usage) throw again(usage);
    if (!known.signer) {
      const refusal = refusalOf(() => (known.signer = describeSigner(cert)));
      if (refusal) known.signer = refusal;
    }
    if (known.signer instanceof SignatureRefusal) throw again(known.signer);
    const signer = { ...known.signer! };

    if (known.key === undefined) {
      try {
        known.key = nativeOf(cert).publicKey;
      } catch {
        known.key = null;
      }
    }
    const signed = new SignedXml({ publicCert: known.key ?? cert.toString('pem'), getCertFromKeyInfo: () => null });
    let valid = false;
    let references: string[] = [];
    try {
      signed.loadSignature(shape.signature);
      this.checkLoaded(signed, shape);
      valid = signed.checkSignature(xml);
      references = signed.getSignedReferences();
    } catch (err) {
      if (err instanceof SignatureRefusal) throw err;
      valid = false;
    }
    if (!valid) throw new SignatureRefusal('SIGNATURE_INVALID', 'the signature does not match the document: it was changed after signing');
    if (references.length !== 1) throw wrapping('exactly one reference must be signed');

    const content = parseUntrustedXml(references[0]!).documentElement!;
    if (content.namespaceURI !== DOCUMENT_NS) {
      throw new SignatureRefusal('SIGNED_CONTENT_INVALID', `the signed document is not one of ours (namespace ${DOCUMENT_NS})`);
    }
    return { signer, name: content.localName ?? '', fields: documentFields(content), xml };
  }

  /** The library must verify with exactly the algorithms we allowed, not ones it found elsewhere. */
  private checkLoaded(signed: SignedXml, shape: SignatureShape): void {
    const references = signed.getReferences();
    const ref = references[0];
    const expectedTransforms = shape.transforms.at(-1) === ALGORITHMS.enveloped ? [...shape.transforms, ALGORITHMS.c14n] : shape.transforms;
    const same =
      signed.signatureAlgorithm === shape.signatureMethod &&
      signed.canonicalizationAlgorithm === shape.canonicalization &&
      references.length === 1 &&
      ref?.digestAlgorithm === shape.digestMethod &&
      JSON.stringify(ref.transforms) === JSON.stringify(expectedTransforms);
    if (!same) throw new SignatureRefusal('SIGNATURE_ALGORITHM_NOT_ALLOWED', 'the signature names its algorithms more than once or in the wrong place');
  }

  private checkAlgorithms(signatureMethod: string, digestMethod: string): void {
    const sha1 = this.options.allowSha1;
    if (!(signatureMethod === ALGORITHMS.rsaSha256 || (sha1 && signatureMethod === ALGORITHMS.rsaSha1))) {
      throw new SignatureRefusal('SIGNATURE_ALGORITHM_NOT_ALLOWED', `signature method ${signatureMethod} is not accepted; use RSA-SHA256`);
    }
    if (!(digestMethod === ALGORITHMS.sha256 || (sha1 && digestMethod === ALGORITHMS.sha1))) {
      throw new SignatureRefusal('SIGNATURE_ALGORITHM_NOT_ALLOWED', `digest method ${digestMethod} is not accepted; use SHA-256`);
    }
  }
}
