// Signs a document as a test person, for driving the API by hand:
//   npm run sign -- --iin 920417401013 [--key auth|sign] [--pki DIR] <file.xml | ->
// Prints the signed XML; add --json to print the request body {"signedXml": "…"} instead.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { signXml } from './signer';
import { readCredentials } from './test-pki';

const USAGE = 'usage: npm run sign -- --iin <IIN> [--key auth|sign] [--json] [--pki DIR] <file.xml | ->';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { iin: { type: 'string' }, key: { type: 'string', default: 'sign' }, pki: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!values.iin || !file || (values.key !== 'auth' && values.key !== 'sign')) throw new Error(USAGE);
  const dir = path.resolve(values.pki ?? path.join(__dirname, '..', '..', '.data', 'test-pki'));
  // Only the person's files are read: signing never creates or changes the PKI.
  const credentials = await readCredentials(dir, values.iin, values.key).catch(() => {
    throw new Error(`no test certificate for IIN ${values.iin} in ${dir}/persons (run npm start once, or scripts/pki/create.ts)`);
  });
  const xml = fs.readFileSync(file === '-' ? 0 : file, 'utf8').trim();
  const signed = signXml(xml, credentials);
  process.stdout.write(values.json ? `${JSON.stringify({ signedXml: signed })}\n` : `${signed}\n`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
