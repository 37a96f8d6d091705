import path from 'node:path';
import type { Config } from '../../config';
import type { Logger } from '../../telemetry/log';
import { TrustStore } from './trust-store';
import { XmlDsigVerifier, type SignatureVerifier } from './verifier';

/** The development trust store: the test PKI that `npm start` creates (scripts/pki). */
export const DEV_TRUST_STORE_DIR = path.resolve(__dirname, '..', '..', '.data', 'test-pki', 'trust');
const RELOAD_EVERY_MS = 10 * 60_000;

/**
 * The verifier the API runs with. The trust store (and its CRLs) is read again every ten minutes,
 * so a CRL dropped into the folder takes effect without a restart.
 */
export async function createVerifier(config: Config, log: Logger): Promise<{ verifier: SignatureVerifier; trustDir: string; stop: () => void }> {
  if (config.NODE_ENV === 'production' && !config.TRUST_STORE_DIR) throw new Error('TRUST_STORE_DIR is required in production');
  if (config.NODE_ENV === 'production' && config.SIGNATURE_REVOCATION === 'off') throw new Error('SIGNATURE_REVOCATION=off is refused in production');
  const trustDir = path.resolve(config.TRUST_STORE_DIR ?? DEV_TRUST_STORE_DIR);
  let store = await TrustStore.load(trustDir);
  const timer = setInterval(() => {
    TrustStore.load(trustDir).then(
      (fresh) => (store = fresh),
      (err) => log.error({ err }, `trust store ${trustDir} could not be reloaded; keeping the last one`),
    );
  }, RELOAD_EVERY_MS);
  timer.unref();
  const verifier = new XmlDsigVerifier({
    trustStore: () => store,
    revocation: config.SIGNATURE_REVOCATION === 'crl' ? 'trust-store' : null,
    allowSha1: config.SIGNATURE_ALLOW_SHA1,
  });
  return { verifier, trustDir, stop: () => clearInterval(timer) };
}
