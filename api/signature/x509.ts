// @peculiar/x509 resolves its algorithms through tsyringe, which needs the reflect polyfill loaded
// first; every module reaches the library through this one.
import 'reflect-metadata';
import { webcrypto, X509Certificate as NativeCertificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export { x509 };

const natives = new WeakMap<x509.X509Certificate, NativeCertificate>();

/**
 * Node's own reading of a certificate, made once per object. The library reads what Node does not
 * (extensions, subject fields by OID); signatures and keys go through Node, natively: a chain link
 * checked through the library's WebCrypto took 0.86 ms, through Node 0.03 ms.
 */
export function nativeOf(cert: x509.X509Certificate): NativeCertificate {
  let native = natives.get(cert);
  if (!native) {
    native = new NativeCertificate(Buffer.from(cert.rawData));
    natives.set(cert, native);
  }
  return native;
}

/** Whether `issuer`'s key signed `cert`: the signature alone (validity, usage and names are the caller's). */
export function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): boolean {
  try {
    return nativeOf(cert).verify(nativeOf(issuer).publicKey);
  } catch {
    return false; // a key or algorithm Node cannot check signs nothing here
  }
}
