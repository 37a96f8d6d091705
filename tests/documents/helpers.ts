/** What the document tests share: a stub renderer, applications filed into a database, render settings. */
import { createHash } from 'node:crypto';
import { createApplicationActivities } from '../../activities/applications';
import { createDocumentRenderActivities, type DocumentRenderSettings } from '../../activities/documents/dispatch';
import type { ApplicationFiling } from '../../contracts/application';
import type { Db } from '../../db/connection';
import type { DocumentRenderer, DocumentToRender } from '../../domain/documents';
import { DEFAULT_RULE_SETTINGS } from '../../domain/rule-settings';
import { days } from '../../domain/almaty-time';
import { buildFiling } from '../helpers/filings';
import { scratchDatabase } from '../notices/helpers';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDocumentWorker } from '../../worker/documents';

export const PUBLIC_BASE_URL = 'https://queue.example.kz';

/** Settings for tests: no backoff unless a test asks for one, leases and timeouts short enough to see. */
export const testRenderSettings = (overrides: Partial<DocumentRenderSettings> = {}): DocumentRenderSettings => ({
  leaseMs: 60_000,
  workTimeoutMs: 5_000,
  concurrency: 2,
  maxAttempts: 5,
  backoffBaseMs: 0,
  backoffMaxMs: 0,
  timeBudgetMs: 10_000,
  publicBaseUrl: PUBLIC_BASE_URL,
  ...overrides,
});

/** The bytes the stub makes of a document: a small PDF-looking file that names what it was given. */
export const stubPdf = (doc: DocumentToRender): Buffer =>
  Buffer.from(`%PDF-1.4\n% ${doc.kind} ${doc.language} ${doc.snapshot.number} ${doc.verificationCode} ${doc.verificationUrl} ${doc.issuedAt}\n%%EOF\n`);

export interface StubRenderer extends DocumentRenderer {
  /** Every document it was asked to render, in order (failed attempts too). */
  calls: DocumentToRender[];
}

/**
 * A renderer without Chromium. `fail` may refuse the n-th attempt (from 1) at a document with an
 * error; otherwise it answers stubPdf at once.
 */
export function stubRenderer(fail: (doc: DocumentToRender, n: number) => Error | undefined = () => undefined): StubRenderer {
  const calls: DocumentToRender[] = [];
  return {
    calls,
    async render(doc) {
      calls.push(doc);
      const error = fail(doc, calls.filter((c) => c.verificationCode === doc.verificationCode).length);
      if (error) throw error;
      return stubPdf(doc);
    },
    async close() {},
  };
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The render activity on `db`, as the documents worker builds it. */
export function renderActivity(db: Db, renderer: DocumentRenderer, settings: Partial<DocumentRenderSettings> = {}) {
  const { renderDueDocuments } = createDocumentRenderActivities({ db, renderer, settings: testRenderSettings(settings) });
  return (batchSize = 10) => renderDueDocuments({ batchSize, workerId: 'test' });
}

/**
 * Registers jest hooks for a database of the file's own (migrated; the render activity claims every
 * waiting document of its database, and the shared one holds the other files'), with Almaty in it.
 * Read `db` inside tests.
 */
export function useScratchDatabase(): { db: Db } {
  const scratch = {} as { db: Db };
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ db: scratch.db, drop } = await scratchDatabase());
    await seedAlmaty(scratch.db);
  });
  afterAll(() => drop?.());
  return scratch;
}

/** Almaty with the seed's contacts, in a scratch database that has no regions yet. */
export async function seedAlmaty(db: Db): Promise<void> {
  await db('regions')
    .insert({
      code: 'almaty',
      name_ru: 'Алматы',
      name_kk: 'Алматы қаласы',
      settings: JSON.stringify({ ...DEFAULT_RULE_SETTINGS, numberPrefix: '75' }),
      contacts: JSON.stringify({ callCentre: '1308', email: 'sp.ddoalmaty@gmail.com', note: 42 }),
    })
    .onConflict('code')
    .ignore();
}

/** Files an application by the activity the workflow calls, as a new family of `regionCode`: it issues the filing's documents. */
export async function fileApplication(db: Db, opts: { regionCode?: string; language?: 'kk' | 'ru' } = {}): Promise<ApplicationFiling> {
  const filing = { ...(await buildFiling(db, { registeredAt: Date.now(), regionCode: opts.regionCode })), ...(opts.language ? { language: opts.language } : {}) };
  const result = await createApplicationActivities({ db }).recordFiling({ filing, reconfirmBy: filing.registeredAt + days(365) });
  if (result.outcome !== 'filed') throw new Error(`filing ${filing.number}: ${result.outcome}`);
  return filing;
}

export const documentsOf = (db: Db, number: string) => db('documents').where({ application_number: number }).orderBy('id');

/** A documents worker on `taskQueue` (the run's workflow bundle) rendering with `renderer`; stop() shuts it down. */
export async function startDocumentWorker(
  env: TestWorkflowEnvironment,
  db: Db,
  { taskQueue, renderer, settings = {} }: { taskQueue: string; renderer: DocumentRenderer; settings?: Partial<DocumentRenderSettings> },
) {
  const worker = await createDocumentWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    db,
    renderer,
    settings: testRenderSettings(settings),
    workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH! },
  });
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}
