import { documentXml } from '../../api/signature/xml';
import { signXml } from '../../scripts/pki/signer';
import { startApi, type ApiHarness } from './api';
import { buildFamily, type Family } from './factories';
import { credentials, newNonce } from './pki';

type Reply = { status: number; type: string; body: any };

export interface SignatureSuite {
  api: ApiHarness;
  /** A family whose parent has filed `number`. */
  family: Family;
  number: string;
  /** A confirmInterest document for `number`, fresh nonce and signedAt; `fields` override. */
  confirmDoc(fields?: Record<string, unknown>): string;
  /** POSTs a body to `number`'s confirm-interest as `iin` (the parent by default). */
  postConfirm(body: unknown, iin?: string): Promise<Reply>;
  /** The body of a signed action: `xml` signed with the parent's SIGN (or AUTH) key. */
  signAs(xml: string, purpose?: 'auth' | 'sign'): Promise<{ signedXml: string }>;
  /** Sends, and expects a problem with this status and code that changed nothing (no history entry, evidence or session). */
  expectRefused(send: () => Promise<Reply>, status: number, code: string): Promise<void>;
}

/**
 * Registers jest hooks for a file of signature tests: the real API, and a family whose parent has
 * filed an application. Read the fields inside tests, not at module load; `ready` is given them
 * once they are set (to copy them into the test file's own variables).
 */
export function useSignatureSuite(ready?: (suite: SignatureSuite) => void): SignatureSuite {
  const suite = {} as SignatureSuite;
  beforeAll(async () => {
    suite.api = await startApi();
    suite.family = await buildFamily(suite.api.db);
    const filed = await suite.api.file(suite.family);
    expect(filed.status).toBe(201);
    suite.number = filed.body.number;
    ready?.(suite);
  });
  afterAll(() => suite.api?.close());

  const confirmPath = () => `/api/v1/applications/${suite.number}/confirm-interest`;
  suite.confirmDoc = (fields = {}) => documentXml('confirmInterest', { applicationNumber: suite.number, nonce: newNonce(), signedAt: new Date().toISOString(), ...fields });

  /** What an accepted action would change: the application's history and the evidence kept. */
  async function footprint() {
    const { api, number } = suite;
    const [events, docs, sessions] = await Promise.all([
      api.db('application_events').where({ application_number: number }).count({ n: '*' }),
      api.db('signed_documents').count({ n: '*' }),
      api.db('sessions').count({ n: '*' }),
    ]);
    return { events: Number(events[0]!.n), docs: Number(docs[0]!.n), sessions: Number(sessions[0]!.n) };
  }

  suite.expectRefused = async (send, status, code) => {
    const before = await footprint();
    const res = await send();
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    expect(res.type).toContain('application/problem+json');
    expect(res.body.stack).toBeUndefined();
    expect(await footprint()).toEqual(before);
  };

  suite.postConfirm = (body, iin = suite.family.parentIin) => suite.api.request('POST', confirmPath(), { iin, body });
  suite.signAs = async (xml, purpose = 'sign') => ({ signedXml: signXml(xml, await credentials(suite.family.parentIin, purpose)) });
  return suite;
}
