import { chainEntriesPage, publicEntry, regionExists, signedHeads } from '../../db/chain';
import { X509Certificate } from 'node:crypto';
import type { Db } from '../../db/connection';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { chainEntriesAnswer, chainEntriesQuerySchema, chainHeadsAnswer, chainParamsSchema } from '../schemas/chain';

const signers = new Map<string, { fingerprint: string; validFrom: string; validTo: string }>();
/** A service certificate as the heads' answer names it (read once per certificate). */
function signerOf(pem: string) {
  let signer = signers.get(pem);
  if (!signer) {
    // fingerprint256 is openssl's form (AB:CD:…), the one the README asks operators to publish.
    const cert = new X509Certificate(pem);
    signer = { fingerprint: cert.fingerprint256, validFrom: new Date(cert.validFrom).toISOString(), validTo: new Date(cert.validTo).toISOString() };
    signers.set(pem, signer);
  }
  return signer;
}

async function knownRegion(db: Db, region: string): Promise<void> {
  if (!(await regionExists(db, region))) throw new Problem('NOT_FOUND', `no region ${region}`);
}

/** R11.3: the queue's history, as anyone may read and check it. No login; limited per client address. */
export const CHAIN_ROUTES: AnyRoute[] = [
  route({
    operationId: 'listChainEntries',
    method: 'get',
    path: '/api/v1/public/chain/:region/entries',
    role: 'anyone',
    summary: 'R11.3: the region’s hash-chained history, ascending by sequence number, a page at a time',
    limit: 'anonymous',
    params: chainParamsSchema,
    query: chainEntriesQuerySchema,
    ok: { status: 200, schema: chainEntriesAnswer },
    async handle({ params, query }, { db }) {
      await knownRegion(db, params.region);
      const { entries, next } = await chainEntriesPage(db, params.region, query);
      return { entries: entries.map(publicEntry), next };
    },
  }),
  route({
    operationId: 'listChainHeads',
    method: 'get',
    path: '/api/v1/public/chain/:region/heads',
    role: 'anyone',
    summary: 'R11.3: every head of the region’s chain the service signed at its daily publication, oldest first',
    limit: 'anonymous',
    params: chainParamsSchema,
    ok: { status: 200, schema: chainHeadsAnswer },
    async handle({ params }, { db, serviceCertificates = [] }) {
      await knownRegion(db, params.region);
      return { heads: await signedHeads(db, params.region), signers: serviceCertificates.map(signerOf) };
    },
  }),
];
