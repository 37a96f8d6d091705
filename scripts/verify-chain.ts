// R11.3: checks a region's hash-chained history against everything that vouches for it:
//   npm run verify-chain -- --region almaty [--export file.json]
// Recomputes the chain from its first entry, checks every signed head's XMLDSig signature against
// the service's certificates (SERVICE_SIGNING_CERT and SERVICE_FORMER_SIGNING_CERTS; the one that
// verifies it must have been valid at the head's time) and that each head equals the recomputed
// chain at its seq, and cross-checks
// the read model. Names the first entry, head or row that does not fit and exits 1; else prints OK
// with the counts and exits 0. --export writes the entries and signed heads as JSON (what the public
// routes serve), for checking elsewhere.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { auditChain } from '../db/chain-audit';
import { publicEntry } from '../db/chain';
import { verifiedChainHead } from '../activities/chain-heads';
import { serviceCertificates } from '../activities/service-key';

const USAGE = 'usage: npm run verify-chain -- --region <code> [--export file.json]';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { region: { type: 'string' }, export: { type: 'string' } } });
  if (!values.region) throw new Error(USAGE);
  const config = loadConfig();
  const certPems = await serviceCertificates(config);
  const db = createDb(config.DATABASE_URL, 2);
  try {
    if (!(await db('regions').where({ code: values.region }).first('code'))) throw new Error(`no region ${values.region}`);
    const audit = await auditChain(db, values.region, (xml) => verifiedChainHead(xml, certPems));
    if (values.export) {
      fs.writeFileSync(values.export, `${JSON.stringify({ region: values.region, entries: audit.entries.map(publicEntry), heads: audit.heads }, null, 1)}\n`);
    }
    const { entries, heads, applications, events } = audit.counts;
    if (audit.problems.length) {
      for (const p of audit.problems) process.stdout.write(`FAIL ${p}\n`);
      return 1;
    }
    process.stdout.write(`OK ${values.region}: ${entries} entries, ${heads} signed heads, ${applications} applications with ${events} events match the chain\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
