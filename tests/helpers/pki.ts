import { ensureTestPki, type TestPki } from '../../scripts/pki/test-pki';
import { TestSigner } from '../../scripts/pki/test-signer';

export { newNonce } from '../../scripts/pki/test-signer';

/** The run's test PKI, made by global setup; its trust folder is what the test API trusts. */
export function testPkiDir(): string {
  const dir = process.env.KQ_TEST_PKI_DIR;
  if (!dir) throw new Error('KQ_TEST_PKI_DIR is not set: run tests through jest (global setup makes the PKI)');
  return dir;
}

let pki: Promise<TestPki> | undefined;
export const testPki = () => (pki ??= ensureTestPki(testPkiDir()));

export const signer = new TestSigner(testPki);
export const credentials = signer.credentials.bind(signer);
export const signedAction = signer.action.bind(signer);
