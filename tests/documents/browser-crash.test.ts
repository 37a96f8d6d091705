/**
 * R9.2: the one reused Chromium fails and the documents still render — a browser killed in the
 * middle of a batch is replaced and the batch completes; a render that hangs is cut off; a browser
 * that stops answering is killed and replaced.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createChromiumRenderer, DocumentRenderTimeout, type ChromiumRenderer } from '../../activities/documents/renderer';
import type { DocumentToRender } from '../../domain/documents';
import { ALL_DOCUMENTS, documentToRender } from './render-fixtures';

const isPdf = (b: Buffer) => b.subarray(0, 5).toString('latin1') === '%PDF-';

/** True while a process with this id exists (a reaped child no longer does). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return cond();
}

describe('R9.2 the renderer outlives its Chromium', () => {
  const renderers: ChromiumRenderer[] = [];
  const renderer = (opts: Parameters<typeof createChromiumRenderer>[0]) => {
    const r = createChromiumRenderer(opts);
    renderers.push(r);
    return r;
  };
  const stopped: number[] = [];
  afterEach(async () => {
    for (const pid of stopped.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await Promise.all(renderers.splice(0).map((r) => r.close()));
  });

  it('R9.2 a batch of 12 concurrent renders all complete when Chromium is killed (SIGKILL) in the middle, and a render after it works', async () => {
    const r = renderer({ concurrency: 4, timeoutMs: 20_000 });
    const batch = Array.from({ length: 12 }, (_, i) => documentToRender(...ALL_DOCUMENTS[i % ALL_DOCUMENTS.length]!));
    let done = 0;
    const results = batch.map((doc) =>
      r.render(doc).then((pdf) => {
        done++;
        return pdf;
      }),
    );
    // Kill it when the first renders are out and the rest are in flight or waiting.
    expect(await until(() => done >= 2, 20_000)).toBe(true);
    const pid = r.browserPid()!;
    expect(pid).toBeGreaterThan(0);
    expect(done).toBeLessThan(12);
    process.kill(pid, 'SIGKILL');

    const pdfs = await Promise.all(results);
    expect(pdfs.every(isPdf)).toBe(true);
    expect(r.launches()).toBe(2);
    expect(r.browserPid()).not.toBe(pid);

    // Each is the document it was asked for.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kq-crash-'));
    try {
      pdfs.forEach((pdf, i) => {
        const file = path.join(dir, `${i}.pdf`);
        writeFileSync(file, pdf);
        const t = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
        expect(t).toContain('Әлихан');
        expect(t).toContain(batch[i]!.language === 'kk' ? 'Тексеру коды' : 'Код проверки');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    expect(isPdf(await r.render(documentToRender('referral', 'kk')))).toBe(true);
    expect(r.launches()).toBe(2);
  });

  it('R9.2 a render that hangs is cut off by the timeout, its page closed, and the next render works on the same browser', async () => {
    const hangs = (doc: DocumentToRender) => doc.snapshot.child.firstName === 'Зависание';
    const r = renderer({
      timeoutMs: 1500,
      afterContent: (_page, doc) => (hangs(doc) ? new Promise<void>(() => {}) : Promise.resolve()),
    });
    expect(isPdf(await r.render(documentToRender('child_card', 'ru')))).toBe(true);
    const pid = r.browserPid();

    const started = Date.now();
    const hung = documentToRender('child_card', 'ru', { child: { ...documentToRender('child_card', 'ru').snapshot.child, firstName: 'Зависание' } });
    await expect(r.render(hung)).rejects.toBeInstanceOf(DocumentRenderTimeout);
    expect(Date.now() - started).toBeLessThan(5000);

    expect(isPdf(await r.render(documentToRender('referral', 'ru')))).toBe(true);
    expect(r.browserPid()).toBe(pid); // the browser answered: it was kept
    expect(r.launches()).toBe(1);
  });

  it('R9.2 a browser that stops answering (SIGSTOP) is killed when its render times out, and the next render gets a fresh one', async () => {
    const r = renderer({ timeoutMs: 1500 });
    expect(isPdf(await r.render(documentToRender('registration_notice', 'kk')))).toBe(true);
    const pid = r.browserPid()!;
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);

    await expect(r.render(documentToRender('receipt_notice', 'kk'))).rejects.toBeInstanceOf(DocumentRenderTimeout);
    expect(await until(() => !alive(pid), 5000)).toBe(true);

    expect(isPdf(await r.render(documentToRender('register_entry', 'kk')))).toBe(true);
    expect(r.launches()).toBe(2);
    expect(r.browserPid()).not.toBe(pid);
  });

  it('R9.2 close() ends the browser', async () => {
    const r = renderer({});
    await r.render(documentToRender('referral', 'ru'));
    const pid = r.browserPid()!;
    await r.close();
    expect(await until(() => !alive(pid), 5000)).toBe(true);
    await expect(r.render(documentToRender('referral', 'ru'))).rejects.toThrow(/closed/);
  });
});
