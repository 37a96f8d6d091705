/**
 * R9.2 at the level of the records: the render activity renders a batch of waiting documents with
 * the real Chromium renderer, Chromium is killed in the middle of it, and every document still ends
 * `ready`, stored once — one render call that succeeded per document, its bytes a PDF.
 */
import { createChromiumRenderer, type ChromiumRenderer } from '../../activities/documents/renderer';
import type { Db } from '../../db/connection';
import type { DocumentToRender } from '../../domain/documents';
import { documentsOf, fileApplication, renderActivity, sha256, useScratchDatabase } from './helpers';

describe('R9.2 Chromium killed in the middle of a batch of documents', () => {
  const scratch = useScratchDatabase();
  let db: Db;
  let chromium: ChromiumRenderer;
  beforeAll(() => {
    db = scratch.db;
  });
  afterAll(() => chromium?.close());

  it('R9.2 every document of the batch ends ready, rendered and stored once', async () => {
    chromium = createChromiumRenderer({ timeoutMs: 20_000, concurrency: 4 });
    // Counts the renders that gave bytes; kills the browser once the batch is under way.
    const rendered = new Map<string, number>();
    let started = 0;
    let killed: number | undefined;
    const renderer = {
      async render(doc: DocumentToRender) {
        if (++started === 5 && killed === undefined) {
          killed = chromium.browserPid();
          if (killed !== undefined) process.kill(killed, 'SIGKILL');
        }
        const pdf = await chromium.render(doc);
        rendered.set(doc.verificationCode, (rendered.get(doc.verificationCode) ?? 0) + 1);
        return pdf;
      },
      close: () => chromium.close(),
    };
    const filings = [];
    for (let i = 0; i < 4; i++) filings.push(await fileApplication(db, { language: i % 2 ? 'kk' : 'ru' }));

    // The batch's bound on a render is the renderer's, as in the worker (DOCUMENT_RENDER_TIMEOUT_MS
    // is both): with the tests' 5 s, a busy machine cut off renders the renderer was still retrying
    // on a new browser, and they were claimed and rendered twice (seen in CI).
    const result = await renderActivity(db, renderer, { concurrency: 4, workTimeoutMs: 20_000, timeBudgetMs: 45_000 })(12);
    expect(killed).toBeDefined();
    expect(chromium.launches()).toBeGreaterThanOrEqual(2);
    expect(result).toMatchObject({ claimed: 12, rendered: 12, failed: 0 });

    const rows = (await Promise.all(filings.map((f) => documentsOf(db, f.number)))).flat();
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      expect(row).toMatchObject({ state: 'ready', media_type: 'application/pdf' });
      expect(row.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(row.sha256).toBe(sha256(row.content));
    }
    expect([...rendered.values()]).toEqual(rows.map(() => 1));
    // Nothing is rendered again once stored.
    expect(await renderActivity(db, renderer)()).toMatchObject({ claimed: 0, rendered: 0 });
  }, 60_000);
});
