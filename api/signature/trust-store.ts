import fs from 'node:fs/promises';
import path from 'node:path';
import { SignatureRefusal } from './errors';
import { signedBy, x509 } from './x509';

export type RevocationStatus = 'good' | 'revoked' | 'unknown';

/** Says whether `cert`, issued by `issuer`, was revoked: a CRL here; OCSP could fill it too. */
export interface RevocationChecker {
  status(cert: x509.X509Certificate, issuer: x509.X509Certificate, at: Date): Promise<RevocationStatus>;
}

const MAX_CHAIN = 6;
const DELTA_CRL_INDICATOR = '2.5.29.27';
const ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * The configured roots and intermediates (a folder of PEM files) and the CRLs beside them. A
 * certificate is trusted only through a chain that ends at one of these roots.
 */
export class TrustStore implements RevocationChecker {
  private constructor(
    readonly dir: string,
    private readonly roots: x509.X509Certificate[],
    private readonly intermediates: x509.X509Certificate[],
    private readonly crls: x509.X509Crl[],
  ) {}

  static async load(dir: string): Promise<TrustStore> {
    const certs: x509.X509Certificate[] = [];
    const crls: x509.X509Crl[] = [];
    for (const name of (await fs.readdir(dir)).sort()) {
      const file = path.join(dir, name);
      if (!(await fs.stat(file)).isFile()) continue;
      const raw = await fs.readFile(file);
      const text = raw.toString('latin1');
      const blocks = text.match(PEM_BLOCK);
      if (blocks) {
        for (const block of blocks) {
          if (block.startsWith('-----BEGIN CERTIFICATE-----')) certs.push(new x509.X509Certificate(block));
          else if (/^-----BEGIN (X509 )?CRL-----/.test(block)) crls.push(new x509.X509Crl(block));
        }
      } else if (name.endsWith('.crl')) {
        crls.push(new x509.X509Crl(raw));
      } else if (name.endsWith('.cer') || name.endsWith('.der')) {
        certs.push(new x509.X509Certificate(raw));
      }
    }
    const roots: x509.X509Certificate[] = [];
    const intermediates: x509.X509Certificate[] = [];
    for (const c of certs) ((await c.isSelfSigned()) ? roots : intermediates).push(c);
    if (roots.length === 0) throw new Error(`the trust store ${dir} holds no root certificate`);
    return new TrustStore(dir, roots, intermediates, crls);
  }

  get size() {
    return { roots: this.roots.length, intermediates: this.intermediates.length, crls: this.crls.length };
  }

  /**
   * The authorities of this store whose key signed `cert`: a fact of the two certificates, checked
   * once per certificate object and store (the verifier keeps the objects of the certificates it
   * has seen; a reloaded store starts afresh). Which of them applies, at which instant, is decided
   * on every validation.
   */
  private readonly signersOf = new WeakMap<x509.X509Certificate, x509.X509Certificate[]>();

  private signers(cert: x509.X509Certificate): x509.X509Certificate[] {
    let found = this.signersOf.get(cert);
    if (!found) {
      found = [...this.intermediates, ...this.roots].filter((candidate) => candidate.subject === cert.issuer && signedBy(cert, candidate));
      this.signersOf.set(cert, found);
    }
    return found;
  }

  /** The authority that signed `cert`; of a renewed pair with one name and key, the one valid at `at`. */
  private issuerOf(cert: x509.X509Certificate, at: Date): x509.X509Certificate | undefined {
    const signers = this.signers(cert);
    return signers.find((c) => c.notBefore <= at && at <= c.notAfter) ?? signers[0];
  }

  /** The library parses a certificate's extensions again on every look-up; the store's own are read once. */
  private readonly authorityUsage = new WeakMap<x509.X509Certificate, { ca: boolean; certSign: boolean; crlSign: boolean }>();

  private usageOf(issuer: x509.X509Certificate): { ca: boolean; certSign: boolean; crlSign: boolean } {
    let usage = this.authorityUsage.get(issuer);
    if (!usage) {
      const constraints = issuer.getExtension(x509.BasicConstraintsExtension);
      const keyUsage = issuer.getExtension(x509.KeyUsagesExtension);
      usage = {
        ca: Boolean(constraints?.ca),
        certSign: !keyUsage || Boolean(keyUsage.usages & x509.KeyUsageFlags.keyCertSign),
        crlSign: !keyUsage || Boolean(keyUsage.usages & x509.KeyUsageFlags.cRLSign),
      };
      this.authorityUsage.set(issuer, usage);
    }
    return usage;
  }

  private isRoot(cert: x509.X509Certificate): boolean {
    return this.roots.some((r) => r.equal(cert));
  }

  /**
   * The chain from `cert` up to a trusted root, every link valid at `at` and allowed to issue,
   * none revoked. Throws the problem that names the first fault found.
   */
  async validate(cert: x509.X509Certificate, at: Date, revocation: RevocationChecker | null): Promise<x509.X509Certificate[]> {
    const chain = [cert];
    let current = cert;
    while (!this.isRoot(current)) {
      if (chain.length > MAX_CHAIN) throw new SignatureRefusal('CERTIFICATE_UNTRUSTED', 'the certificate chain is too long');
      const issuer = this.issuerOf(current, at);
      if (!issuer) throw new SignatureRefusal('CERTIFICATE_UNTRUSTED', 'the certificate was not issued by a trusted certification authority');
      const usage = this.usageOf(issuer);
      if (!usage.ca || !usage.certSign) {
        throw new SignatureRefusal('CERTIFICATE_UNTRUSTED', 'the certificate was issued by a certificate that may not issue others');
      }
      chain.push(issuer);
      current = issuer;
    }
    for (const link of chain) {
      if (at < link.notBefore) throw new SignatureRefusal('CERTIFICATE_NOT_YET_VALID', `a certificate in the chain is valid only from ${link.notBefore.toISOString()}`);
      if (at > link.notAfter) throw new SignatureRefusal('CERTIFICATE_EXPIRED', `a certificate in the chain expired on ${link.notAfter.toISOString()}`);
    }
    if (revocation) {
      for (let i = 0; i < chain.length - 1; i++) {
        const status = await revocation.status(chain[i]!, chain[i + 1]!, at);
        if (status === 'revoked') throw new SignatureRefusal('CERTIFICATE_REVOKED', 'the certificate has been revoked');
        if (status === 'unknown') {
          throw new SignatureRefusal('CERTIFICATE_REVOCATION_UNKNOWN', 'whether the certificate was revoked cannot be told now; try again later');
        }
      }
    }
    return chain;
  }

  private readonly crlSignatures = new Map<string, Promise<boolean>>();

  /** A CRL's signature is checked once per trust store, not on every request. */
  private signedBy(crl: x509.X509Crl, issuer: x509.X509Certificate): Promise<boolean> {
    const key = `${this.crls.indexOf(crl)}:${issuer.serialNumber}`;
    if (!this.crlSignatures.has(key)) this.crlSignatures.set(key, crl.verify({ publicKey: issuer.publicKey }).catch(() => false));
    return this.crlSignatures.get(key)!;
  }

  /** From the newest CRL the issuer signed that is still current at `at`. */
  async status(cert: x509.X509Certificate, issuer: x509.X509Certificate, at: Date): Promise<RevocationStatus> {
    if (!this.usageOf(issuer).crlSign) return 'unknown';
    let newest: x509.X509Crl | undefined;
    for (const crl of this.crls) {
      if (crl.issuer !== issuer.subject || crl.thisUpdate > at || !crl.nextUpdate || crl.nextUpdate < at) continue;
      // Only complete CRLs answer for every certificate: a delta or a partitioned CRL does not.
      if (crl.getExtension(DELTA_CRL_INDICATOR) || crl.getExtension(ISSUING_DISTRIBUTION_POINT)) continue;
      if (newest && newest.thisUpdate >= crl.thisUpdate) continue;
      if (await this.signedBy(crl, issuer)) newest = crl;
    }
    if (!newest) return 'unknown';
    return newest.findRevoked(cert) ? 'revoked' : 'good';
  }
}
