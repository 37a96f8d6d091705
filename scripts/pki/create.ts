// Creates (or completes) the development test PKI: `node --import tsx scripts/pki/create.ts [dir]`.
import path from 'node:path';
import { demoPersons } from './demo-persons';
import { ensureTestPki } from './test-pki';
import { ensureServiceCertificate } from './service-certificate';

export const DEFAULT_PKI_DIR = path.resolve(__dirname, '..', '..', '.data', 'test-pki');

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? DEFAULT_PKI_DIR);
  const persons = demoPersons();
  const pki = await ensureTestPki(dir, persons);
  await ensureServiceCertificate(dir); // R11.3: the service's own key, for the chain's signed heads
  process.stderr.write(`[pki] test PKI in ${pki.dir}: trust store ${pki.trustDir}, ${persons.length} persons (${persons.map((p) => p.iin).join(', ')})\n`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
