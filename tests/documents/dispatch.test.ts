import { printVerificationCode } from '../../contracts/documents';
import type { Db } from '../../db/connection';
import { PUBLIC_BASE_URL, documentsOf, fileApplication, renderActivity, sha256, stubPdf, stubRenderer, useScratchDatabase } from './helpers';

/** The render activity on a database of its own: it renders every waiting document there is. */
describe('R9.2 rendering the waiting documents (activity, real PostgreSQL, a stub renderer)', () => {
  const scratch = useScratchDatabase();
  let db: Db;
  beforeAll(() => {
    db = scratch.db;
  });
  // Each test sees only its own documents.
  afterEach(() => db('documents').del());

  it('R9.2 renders each waiting document once and keeps its PDF, SHA-256 and media type; nothing is rendered again', async () => {
    const renderer = stubRenderer();
    const render = renderActivity(db, renderer);
    const filing = await fileApplication(db, { language: 'ru' });
    expect(await render(2)).toMatchObject({ claimed: 3, rendered: 3, retried: 0, failed: 0, released: 0, budgetSpent: false, nextDueAt: null });
    const rows = await documentsOf(db, filing.number);
    for (const row of rows) {
      const printed = printVerificationCode(row.verification_code);
      const given = renderer.calls.find((c) => c.verificationCode === printed)!;
      expect(given).toEqual({
        kind: row.kind,
        language: 'ru',
        snapshot: row.snapshot,
        verificationCode: printed,
        verificationUrl: `${PUBLIC_BASE_URL}/api/v1/public/documents/${printed}`,
        issuedAt: new Date(filing.registeredAt).toISOString(),
      });
      expect(printed).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
      expect(row).toMatchObject({ state: 'ready', attempts: 1, media_type: 'application/pdf', lease_until: null, last_error: null, template_version: 1 });
      expect(row.content).toEqual(stubPdf(given));
      expect(row.sha256).toBe(sha256(row.content));
      expect(row.rendered_at).toBeInstanceOf(Date);
    }
    expect(await render()).toMatchObject({ claimed: 0, rendered: 0 });
    expect(renderer.calls).toHaveLength(3);
    expect((await documentsOf(db, filing.number)).map((r) => r.content)).toEqual(rows.map((r) => r.content));
  });

  it('R9.2 a render that fails twice is tried again and ends ready; one that keeps failing ends failed with the reason', async () => {
    const flaky = await fileApplication(db);
    const broken = await fileApplication(db);
    const renderer = stubRenderer((doc, n) => {
      if (doc.snapshot.number === broken.number && doc.kind === 'register_entry') return new Error('Chromium crashed');
      return doc.snapshot.number === flaky.number && n <= 2 ? new Error(`page closed (attempt ${n})`) : undefined;
    });
    const result = await renderActivity(db, renderer, { maxAttempts: 3 })();
    expect(result).toMatchObject({ rendered: 5, failed: 1, retried: 8, nextDueAt: null });
    for (const row of await documentsOf(db, flaky.number)) {
      expect(row).toMatchObject({ state: 'ready', attempts: 3, last_error: 'page closed (attempt 2)' });
      expect(row.sha256).toBe(sha256(row.content));
    }
    const failed = (await documentsOf(db, broken.number)).filter((r) => r.state === 'failed');
    expect(failed).toEqual([expect.objectContaining({ kind: 'register_entry', attempts: 3, content: null, last_error: 'gave up after 3 attempts: Chromium crashed' })]);
  });

  it('R9.2 a failed render waits its backoff before the next attempt', async () => {
    const filing = await fileApplication(db);
    const render = renderActivity(db, stubRenderer((_doc, n) => (n === 1 ? new Error('busy') : undefined)), { backoffBaseMs: 60_000, backoffMaxMs: 120_000 });
    const first = await render();
    expect(first).toMatchObject({ claimed: 3, retried: 3, rendered: 0 });
    expect(Date.parse(first.nextDueAt!) - Date.now()).toBeGreaterThan(50_000);
    expect(await render()).toMatchObject({ claimed: 0 });
    await db('documents').where({ application_number: filing.number }).update({ next_attempt_at: db.fn.now() });
    expect(await render()).toMatchObject({ claimed: 3, rendered: 3 });
  });

  it('R9.2 two renderers at once never render a document twice', async () => {
    const filings = await Promise.all(Array.from({ length: 8 }, () => fileApplication(db)));
    const renderers = [stubRenderer(), stubRenderer()];
    const results = await Promise.all(renderers.map((r) => renderActivity(db, r)(3)));
    expect(results[0]!.rendered + results[1]!.rendered).toBe(24);
    const codes = renderers.flatMap((r) => r.calls.map((c) => c.verificationCode));
    expect(new Set(codes).size).toBe(24);
    const rows = await db('documents').whereIn('application_number', filings.map((f) => f.number));
    expect(rows.every((r) => r.state === 'ready' && r.attempts === 1)).toBe(true);
  });
});
