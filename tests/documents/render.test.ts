/**
 * R2.4, R5.1, R9.2: every document, in Kazakh and Russian, rendered to PDF by the real Chromium and
 * read back with poppler's pdftotext and pdffonts (independent of the renderer).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createChromiumRenderer, renderHtml, type ChromiumRenderer } from '../../activities/documents/renderer';
import { FILING_DOCUMENTS, type DocumentKind } from '../../domain/documents';
import type { Language } from '../../domain/queue';
import { ALL_DOCUMENTS, APPLICANT, CHILD, KINDERGARTEN, REGION_CONTACTS, VERIFICATION_CODE_PRINTED, documentToRender } from './render-fixtures';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kq-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function poppler(tool: 'pdftotext' | 'pdffonts' | 'pdfinfo', pdf: Buffer, name: string): string {
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const args = tool === 'pdftotext' ? ['-layout', file, '-'] : [file];
  try {
    return execFileSync(tool, args, { encoding: 'utf8' });
  } catch (err) {
    throw new Error(`${tool} failed (poppler-utils: the bootstrap installs it as root): ${(err as Error).message}`);
  }
}
/** The PDF's text with runs of whitespace (columns, wrapped lines) folded to one space. */
const text = (pdf: Buffer, name: string): string => poppler('pdftotext', pdf, name).replace(/\s+/g, ' ');

const TITLES: Record<Language, Record<DocumentKind, string>> = {
  ru: {
    registration_notice: 'УВЕДОМЛЕНИЕ О РЕГИСТРАЦИИ',
    receipt_notice: 'ИЗВЕЩЕНИЕ О ПРИЕМЕ ДОКУМЕНТОВ',
    register_entry: 'РЕГИСТРАЦИЯ РЕБЕНКА В КНИГЕ УЧЕТА',
    child_card: 'КАРТОЧКА РЕБЕНКА',
    referral: 'НАПРАВЛЕНИЕ В ДДО',
  },
  kk: {
    registration_notice: 'ТІРКЕУ ТУРАЛЫ ХАБАРЛАМА',
    receipt_notice: 'ҚҰЖАТТАРДЫ ҚАБЫЛДАУ ТУРАЛЫ ХАБАРЛАМА',
    register_entry: 'БАЛАНЫ ЕСЕПКЕ АЛУ КІТАБЫНДА ТІРКЕУ',
    child_card: 'БАЛАНЫҢ КАРТОЧКАСЫ',
    referral: 'МЕКТЕПКЕ ДЕЙІНГІ ҰЙЫМҒА ЖОЛДАМА',
  },
};

describe('R2.4, R5.1, R9.2 documents render to PDF in Kazakh and Russian (Chromium, read back by poppler)', () => {
  let renderer: ChromiumRenderer;
  const pdfs = new Map<string, Buffer>();

  beforeAll(async () => {
    renderer = createChromiumRenderer({ timeoutMs: 20_000 });
    // All ten at once: they share the one browser.
    await Promise.all(
      ALL_DOCUMENTS.map(async ([kind, language]) => {
        const filing = FILING_DOCUMENTS.includes(kind);
        pdfs.set(`${kind}.${language}`, await renderer.render(documentToRender(kind, language, filing ? { referral: undefined } : {})));
      }),
    );
  });
  afterAll(() => renderer?.close());

  it('R9.2 renders all ten with one browser, each a one-page A4 PDF whose fonts are Noto Sans (no boxes for ә ғ қ ң ө ұ ү һ і)', () => {
    expect(renderer.launches()).toBe(1);
    for (const [key, pdf] of pdfs) {
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const info = poppler('pdfinfo', pdf, key);
      expect(info).toMatch(/Pages:\s+1\n/);
      expect(info).toMatch(/Page size:\s+59[45](\.\d+)? x 841(\.\d+)? pts \(A4\)/);
      const fonts = poppler('pdffonts', pdf, key).split('\n').slice(2).filter(Boolean).map((l) => l.split(/\s+/)[0]!.replace(/^[A-Z]{6}\+/, ''));
      expect(fonts.length).toBeGreaterThan(0);
      expect(fonts.filter((f) => !/^NotoSans-/.test(f))).toEqual([]);
    }
  });

  it.each(ALL_DOCUMENTS)('R2.4/R5.1 %s in %s: title, number, child, birth date, region, issue date, contacts, verification code', (kind, language) => {
    const t = text(pdfs.get(`${kind}.${language}`)!, `${kind}.${language}`);
    expect(t).toContain(TITLES[language][kind]);
    expect(t).toContain('UO.2026.000021.1');
    expect(t).toContain(`${CHILD.lastName} ${CHILD.firstName} ${CHILD.middleName}`); // Нұрғалиев Әлихан Қайратұлы
    expect(t).toContain(`${APPLICANT.lastName} ${APPLICANT.firstName} ${APPLICANT.middleName}`); // …Шаһизада Сейітқызы
    expect(t).toContain('05.03.2022');
    expect(t).toContain(language === 'kk' ? 'Астана қаласы' : 'г. Астана');
    expect(t).toContain('25.11.2026'); // issued
    expect(t).toContain(`${REGION_CONTACTS.support}, ${REGION_CONTACTS.email}`);
    expect(t).toContain(language === 'kk' ? 'Қолдау қызметі' : 'Служба поддержки');
    expect(t).toContain(`${language === 'kk' ? 'Жұмыс уақыты' : 'Часы работы'}: ${REGION_CONTACTS.hours}`); // R10
    expect(t).toContain(VERIFICATION_CODE_PRINTED);
    expect(t).toContain('https://queue.example.kz/api/v1/public/documents/K7QF2MXD9PLA4TRC8WZN');
  });

  it('R9.2 the Kazakh documents keep every Kazakh letter as itself', () => {
    const kk = ALL_DOCUMENTS.filter(([, l]) => l === 'kk').map(([k]) => text(pdfs.get(`${k}.kk`)!, `${k}.kk`)).join(' ');
    for (const letter of 'әғқңөұүһі') expect(kk).toContain(letter);
    expect(kk).not.toMatch(/[\uFFFD\u25A1]/); // no replacement characters, no white squares
  });

  it.each(['kk', 'ru'] as const)('R5.1 the referral in %s names the kindergarten, its address and phone, the group year and the deadline as the end of the day before', (language) => {
    const t = text(pdfs.get(`referral.${language}`)!, `referral.${language}`);
    expect(t).toContain(KINDERGARTEN.name); // № 125 "Балбөбек" бөбекжай-бақшасы
    expect(t).toContain(KINDERGARTEN.address);
    expect(t).toContain(KINDERGARTEN.phone);
    expect(t).toContain(language === 'kk' ? 'Топ жылы: 2022' : 'Год группы: 2022');
    // The deadline is 24:00 on 1 December (stored as 00:00 Almaty on the 2nd).
    expect(t).toContain(language === 'kk' ? 'жолдаманы 01.12.2026 күнінің соңына дейін тіркеу қажет' : 'зарегистрировать направление необходимо до конца дня 01.12.2026');
    expect(t).not.toContain('02.12.2026');
  });

  it.each(['kk', 'ru'] as const)('R5.1 the child card in %s shows both queue numbers and the benefit category', (language) => {
    const t = text(pdfs.get(`child_card.${language}`)!, `child_card.${language}`);
    expect(t).toMatch(language === 'kk' ? /Кезек нөмірі 137/ : /Номер очереди 137/);
    expect(t).toMatch(language === 'kk' ? /Санаттағы кезек нөмірі 12/ : /Номер очереди в категории 12/);
    expect(t).toContain(language === 'kk' ? 'Бірінші кезектегі' : 'Первоочередник');
    expect(t).toContain(KINDERGARTEN.name);
  });

  it('R9.2 a <script> in a name is printed as text and nothing on the page runs', async () => {
    const hostile = '<script>document.title="pwned";window.ran=1</script><img src=x onerror="window.ran=2">';
    const doc = documentToRender('referral', 'ru', {
      child: { ...CHILD, firstName: `Әлихан${hostile}` },
      referral: { kindergarten: { ...KINDERGARTEN, name: `${KINDERGARTEN.name}</div><script>window.ran=3</script>` }, groupYear: 2022, issuedAt: '2026-11-25T06:15:00.000Z', deadline: '2026-12-01T19:00:00.000Z' },
    });
    const html = await renderHtml(doc);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;');

    let seen: { title: string; ran: unknown } | undefined;
    // One page at a time, so the hostile document lands on a page that has rendered before (reuse).
    const probe = createChromiumRenderer({
      concurrency: 1,
      afterContent: async (page) => {
        seen = (await page.evaluate('({ title: document.title, ran: window.ran })')) as typeof seen;
      },
    });
    try {
      await probe.render(documentToRender('child_card', 'kk'));
      const t = text(await probe.render(doc), 'hostile').replace(/ /g, ''); // a wrapped line may split the markup
      expect(t).toContain('Әлихан<script>document.title="pwned";window.ran=1</script><imgsrc=xonerror="window.ran=2">');
      expect(t).toContain('бөбекжай-бақшасы</div><script>window.ran=3</script>');
      expect(seen).toEqual({ title: 'Направление в ДДО UO.2026.000021.1', ran: undefined });
    } finally {
      await probe.close();
    }
  });

  it('R9.2 the page reaches nothing but data: URLs (request interception)', async () => {
    let hits = 0;
    const server = http.createServer((_req, res) => {
      hits++;
      res.end('<p>fetched</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    let navigation: string | undefined;
    let dataImage: boolean | undefined;
    const probe = createChromiumRenderer({
      afterContent: async (page) => {
        navigation = await page.goto(url).then(
          () => 'loaded',
          (err: Error) => err.message,
        );
        await page.setContent('<img id="i" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">');
        dataImage = (await page.evaluate(`document.getElementById('i').complete`)) as boolean;
      },
    });
    try {
      await probe.render(documentToRender('registration_notice', 'kk'));
      expect(navigation).toMatch(/ERR_BLOCKED_BY_CLIENT/);
      expect(dataImage).toBe(true);
      expect(hits).toBe(0);
    } finally {
      await probe.close();
      server.close();
    }
  });

  it('R2.4 a document without what its kind needs is refused, not printed blank', async () => {
    await expect(renderHtml(documentToRender('referral', 'kk', { referral: undefined }))).rejects.toThrow(/no referral/);
  });
});
