import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { chromiumArgs, findChromium } from '../../activities/documents/renderer';
import { serviceCredentials } from '../../activities/service-key';
import { signChainHeadXml } from '../../activities/chain-heads';
import { printVerificationCode } from '../../contracts/documents';
import { BOARD_CSP } from '../../api/routes/board';
import type { Language } from '../../domain/queue';
import { addToMonth, almatyMonth } from '../../domain/turn-estimate';
import { BOARD_WORDS, fill } from '../../templates/board/words';
import { LABELS } from '../../templates/labels';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily } from '../helpers/factories';
import { eventually } from '../helpers/waits';
import { serveBeside } from '../helpers/app-beside';
import { credentials } from '../helpers/pki';
import {
  seedAhead, seedBoardRegion, seedPublicationYear, seedReferral, signHead, tamperWithEntry, tamperWithHead,
  WORKED_EXAMPLE_QUEUE_NUMBER, WORKED_EXAMPLE_SEATS, type BoardRegionSeed,
} from './board-seed';

/**
 * Issue 21: the public board in Debian's Chromium, against the real API, worker, PostgreSQL and
 * Temporal. One region of its own: today's publication, the worked example's year of places, 36
 * applications ahead of one filed through the API, a referral, and its chain signed at the head.
 */

const OUTPUT = path.join(__dirname, '..', '..', 'test-output', 'board');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const LANGS: Language[] = ['kk', 'ru'];
const VIEWPORTS = { phone: { width: 390, height: 844, isMobile: true, hasTouch: true }, desktop: { width: 1280, height: 800 } } as const;

let api: ApiHarness;
let browser: Browser;
let region: BoardRegionSeed;
let number: string;
let groupYear: number;
let verificationCode: string;

beforeAll(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  api = await startApi();
  browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: chromiumArgs(), pipe: true });
  const family = await buildFamily(api.db, { childBirthDate: '2023-05-05' });
  const groupYearOf = async (n: string) => (await api.db('applications').where({ number: n }).first('group_year')).group_year as number;
  region = await seedBoardRegion(api.db, 2023);
  const filed = await api.file(family, { regionCode: region.code });
  expect(filed.status).toBe(201);
  number = filed.body.number;
  groupYear = await groupYearOf(number);
  await seedPublicationYear(api.db, region.kindergartens[0]!.id, groupYear);
  const ahead = await seedAhead(api.db, region.code, groupYear, WORKED_EXAMPLE_QUEUE_NUMBER - 1, Date.now() - 86_400_000);
  await seedReferral(api.db, ahead[0]!, region.todayPlaceIds[1]!, 1);
  const doc = await eventually(
    () => api.db('documents').where({ application_number: number }).first('verification_code'),
    (row) => row !== undefined,
    'the filing’s documents',
  );
  verificationCode = printVerificationCode(doc.verification_code);
  await signHead(api.db, region.code);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

/** A fresh page whose CSP reports and page errors are collected: a board page must cause none. */
async function openPage(url: string, viewport: { width: number; height: number } = VIEWPORTS.desktop) {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.setViewport(viewport);
  const res = await page.goto(api.baseUrl + url, { waitUntil: 'load' });
  return { page, res: res!, problems };
}

const text = (page: Page, selector: string) => page.$eval(selector, (el) => (el as any).innerText);

/** axe-core in the page (evaluated through the DevTools protocol: the page's CSP admits no injected script). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const g = globalThis as any;
    const result = await g.axe.run(g.document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(' ')) }));
  });
  return found.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical').map((v: any) => `${v.id} (${v.impact}): ${v.nodes.join(', ')}`);
}

/** Runs the check and waits for its verdict. */
async function runCheck(page: Page): Promise<{ state: string; text: string }> {
  await page.click('[data-chain-button]');
  await page.waitForSelector('[data-chain-result][data-state]:not([data-state="running"])', { timeout: 30_000 });
  return page.$eval('[data-chain-result]', (el) => ({ state: el.getAttribute('data-state')!, text: (el as any).innerText }));
}

const pages = () => ({
  regions: '/',
  region: `/regions/${region.code}`,
  referrals: `/regions/${region.code}/referrals`,
  lookup: `/lookup?number=${encodeURIComponent(number)}`,
  verify: `/verify?code=${verificationCode}`,
});
const withLang = (url: string, lang: Language) => `${url}${url.includes('?') ? '&' : '?'}lang=${lang}`;

describe('issue 21 the public board in a browser', () => {
  it('R11.1 loads in Kazakh and Russian: the regions, today’s places by kindergarten, group year, language and kind, the referrals; the switch changes the language', async () => {
    for (const lang of LANGS) {
      const w = BOARD_WORDS[lang];
      const { page, res, problems } = await openPage(withLang('/', lang));
      expect(res.status()).toBe(200);
      expect(res.headers()['content-security-policy']).toBe(BOARD_CSP);
      expect(await page.$eval('html', (el) => el.getAttribute('lang'))).toBe(lang);
      expect(await text(page, 'h1')).toBe(w.regionsTitle);
      await page.click(`a[href^="/regions/${region.code}?"]`);
      await page.waitForSelector('table.places');
      expect(await text(page, 'h1')).toBe(lang === 'kk' ? region.nameKk : region.nameRu);
      const rows = await page.$$eval('table.places tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c as any).innerText.trim())));
      expect(rows).toHaveLength(3);
      const kg = lang === 'kk' ? region.kindergartens[0]!.nameKk : region.kindergartens[0]!.nameRu;
      expect(rows).toContainEqual([expect.stringContaining(kg), w.kinds.state, String(groupYear), w.languages.kk, expect.any(String), '3 / 3', '15.01.2027']);
      expect(rows).toContainEqual([expect.stringContaining(kg), w.kinds.state, String(groupYear), w.languages.ru, expect.any(String), '1 / 2', '15.01.2027']);
      const referrals = await page.$$eval('table.referrals tbody tr', (trs) => trs.map((tr) => (tr as any).innerText));
      expect(referrals).toHaveLength(1);
      expect(referrals[0]).toContain('1');
      // Nothing personal: no IIN anywhere on the page.
      expect(await page.content()).not.toMatch(/\b\d{12}\b/);
      // The switch: the other language, the same page.
      const other = lang === 'kk' ? 'ru' : 'kk';
      await Promise.all([page.waitForNavigation(), page.click(`nav.languages a[lang="${other}"]`)]);
      expect(await page.$eval('html', (el) => el.getAttribute('lang'))).toBe(other);
      expect(await text(page, 'h1')).toBe(other === 'kk' ? region.nameKk : region.nameRu);
      expect(problems).toEqual([]);
      await page.close();
    }
  });

  it('R11.1 filters the places by language and kind, readable without JavaScript', async () => {
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.goto(`${api.baseUrl}/regions/${region.code}?lang=ru&language=kk`);
    expect(await page.$$eval('table.places tbody tr', (trs) => trs.length)).toBe(1);
    expect(await page.$eval('[data-chain-nojs]', (el) => (el as any).innerText)).toBe(BOARD_WORDS.ru.checkNoJs);
    expect(await page.$eval('[data-chain-button]', (el) => (el as any).hidden)).toBe(true);
    await page.goto(`${api.baseUrl}/regions/${region.code}?lang=ru&kind=private`);
    expect(await page.$$eval('table.places tbody tr th', (ths) => ths.map((th) => (th as any).innerText))).toEqual([expect.stringContaining(region.kindergartens[1]!.nameRu)]);
    const bad = await page.goto(`${api.baseUrl}/regions/${region.code}?lang=ru&groupYear=abc`);
    expect(bad!.status()).toBe(400);
    expect(await page.$eval('.alert', (el) => (el as any).innerText)).toBe(BOARD_WORDS.ru.badFilter);
    expect((await page.goto(`${api.baseUrl}/regions/no-such-region?lang=ru`))!.status()).toBe(404);
    await page.close();
  });

  it('R11.2 a look-up typed into the form shows the status and the queue numbers, its own chain entries and the worked example’s estimate', async () => {
    for (const lang of LANGS) {
      const w = BOARD_WORDS[lang];
      const { page, problems } = await openPage(withLang('/', lang));
      await page.type('#lookup-number', number);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      expect(await page.$eval('[data-status]', (el) => el.getAttribute('data-status'))).toBe('queued');
      expect(await text(page, '[data-status]')).toBe(lang === 'kk' ? 'Кезекте' : 'В очереди');
      expect(await text(page, '[data-queue-whole]')).toBe(String(WORKED_EXAMPLE_QUEUE_NUMBER));
      expect(await text(page, '[data-queue-category]')).toBe(String(WORKED_EXAMPLE_QUEUE_NUMBER));
      // R11.2: 37 places needed; busiest quarter 12 a month, the year 5 a month: 4 to 8 months.
      const current = almatyMonth(Date.now());
      const monthName = (m: string) => `${w.months[Number(m.slice(5)) - 1]} ${m.slice(0, 4)}`;
      expect(await text(page, '[data-estimate]')).toBe(fill(w.estimateRange, { from: 4, to: 8, fromMonth: monthName(addToMonth(current, 4)), toMonth: monthName(addToMonth(current, 8)) }));
      expect(await page.$$eval('table.months tbody td', (tds) => tds.map((td) => Number((td as any).innerText)))).toEqual(WORKED_EXAMPLE_SEATS);
      const own = await page.$$eval('table.entries tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-chain-seq')));
      expect(own.length).toBeGreaterThanOrEqual(1);
      expect(await text(page, 'table.entries tbody tr td:nth-child(3)')).toBe(w.events.filed);
      // R11.3: the entry's category in words (a general application: its benefit category).
      const { benefit_category: category } = await api.db('applications').where({ number }).first('benefit_category');
      expect(await text(page, 'table.entries tbody tr td:nth-child(5)')).toBe(LABELS[lang].benefitCategory[category as keyof (typeof LABELS)['ru']['benefitCategory']]);
      expect(problems).toEqual([]);
      await page.close();
    }
    const invalid = await openPage('/lookup?number=not-a-number&lang=ru');
    expect(invalid.res.status()).toBe(400);
    expect(await text(invalid.page, '.alert')).toBe(BOARD_WORDS.ru.lookupInvalid);
    await invalid.page.close();
  });

  it('R9.2 a document’s verification code confirms the document', async () => {
    const { page, res } = await openPage(withLang(pages().verify, 'ru'));
    expect(res.status()).toBe(200);
    expect(await text(page, '#document-title')).toBe(BOARD_WORDS.ru.verifyFound);
    expect(await page.content()).toContain(number);
    await page.close();
  });

  it('issue 21 every page, in both languages, has no serious or critical axe-core violation, and is photographed at phone and desktop width', async () => {
    const found: string[] = [];
    for (const [name, url] of Object.entries(pages())) {
      for (const lang of LANGS) {
        for (const [size, viewport] of Object.entries(VIEWPORTS)) {
          const { page, res, problems } = await openPage(withLang(url, lang), viewport);
          expect([name, res.status()]).toEqual([name, 200]);
          // Nothing wider than the phone's screen but the tables' own scrolling boxes.
          if (size === 'phone') expect([name, await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)]).toEqual([name, viewport.width]);
          await page.screenshot({ path: path.join(OUTPUT, `${name}.${lang}.${size}.png`), fullPage: true });
          if (size === 'desktop') found.push(...(await seriousViolations(page)).map((v) => `${name} ${lang}: ${v}`));
          expect([name, problems]).toEqual([name, []]);
          await page.close();
        }
      }
    }
    expect(found).toEqual([]);
  }, 180_000);

  it('R11.3 the in-browser check goes green on a clean chain with the heads’ signatures and their certificate, finds the look-up’s own entries in it, and goes red at a head whose signature was changed, at one re-signed with another key and at the entry edited in PostgreSQL', async () => {
    const w = BOARD_WORDS.ru;
    const entries = await api.db('chain_entries').where({ region_code: region.code }).count({ n: '*' }).first();
    const { page, problems } = await openPage(withLang(pages().region, 'ru'));
    const green = await runCheck(page);
    // The heads' signatures checked too, and the certificate that made them named by its fingerprint, as openssl prints it.
    const service = new X509Certificate((await serviceCredentials({ NODE_ENV: 'test', SERVICE_SIGNING_KEY: undefined, SERVICE_SIGNING_CERT: undefined })).certPem);
    expect(green).toEqual({ state: 'ok', text: fill(w.checkMessages.ok, { n: Number(entries!.n), h: 1, f: service.fingerprint256 }) });
    await (await page.$('.check'))!.screenshot({ path: path.join(OUTPUT, 'check-green.ru.desktop.png') });
    await page.close();

    const lookup = await openPage(withLang(pages().lookup, 'ru'));
    expect((await runCheck(lookup.page)).state).toBe('ok');
    expect(await lookup.page.$$eval('[data-chain-mark]', (tds) => tds.map((td) => (td as any).innerText))).toEqual(expect.arrayContaining([w.checkMessages['own-ok']]));
    expect(await lookup.page.$$eval('[data-chain-mark]', (tds) => tds.every((td) => td.className === 'mark-ok'))).toBe(true);
    await lookup.page.close();

    // A signed head whose signature was replaced (as a rewritten history's heads would have to be): red at the head.
    const head = await api.db('chain_signed_heads').where({ region_code: region.code }).first('seq');
    const original = await tamperWithHead(api.db, region.code, head.seq, (xml) => xml.replace(/<ds:SignatureValue>(.)/, (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`));
    const forged = await openPage(withLang(pages().region, 'ru'));
    expect(await runCheck(forged.page)).toEqual({ state: 'bad', text: fill(w.checkMessages.broken, { seq: head.seq, reason: w.checkMessages['reason-signature'] }) });
    await forged.page.close();
    // Re-signed with a key of someone's own (a valid signature): not a certificate the service names as its own.
    const { hash, at } = await api.db('chain_signed_heads').where({ region_code: region.code, seq: head.seq }).first('hash', 'at');
    const person = await credentials('920417401013', 'sign');
    await tamperWithHead(api.db, region.code, head.seq, () => signChainHeadXml({ region: region.code, seq: head.seq, hash, at: at.toISOString() }, person));
    const resigned = await openPage(withLang(pages().region, 'ru'));
    expect(await runCheck(resigned.page)).toEqual({ state: 'bad', text: fill(w.checkMessages.broken, { seq: head.seq, reason: w.checkMessages['reason-signer'] }) });
    await resigned.page.close();
    await tamperWithHead(api.db, region.code, head.seq, () => original);

    // Queue-jumping by editing a row: the application's filing entry backdated by a year.
    const filedEntry = await api.db('chain_entries').where({ region_code: region.code, application_number: number, event: 'filed' }).first('seq', 'at');
    await tamperWithEntry(api.db, region.code, filedEntry.seq, { at: new Date(filedEntry.at.getTime() - 365 * 86_400_000) });
    const again = await openPage(withLang(pages().region, 'ru'));
    const red = await runCheck(again.page);
    expect(red).toEqual({ state: 'bad', text: fill(w.checkMessages.broken, { seq: filedEntry.seq, reason: w.checkMessages['reason-hash'] }) });
    expect(await again.page.$eval('[data-chain-result]', (el) => (globalThis as any).getComputedStyle(el).backgroundColor)).toBe('rgb(253, 236, 234)');
    await (await again.page.$('.check'))!.screenshot({ path: path.join(OUTPUT, 'check-red.ru.desktop.png') });
    expect([...problems, ...forged.problems, ...resigned.problems, ...again.problems]).toEqual([]);
    await again.page.close();
  });

  it('issue 21 the pages count against the anonymous limit per address (their files do not); other methods are refused as problems', async () => {
    const beside = await serveBeside({ ...api.deps, limits: { anonymousPerMinute: 2, exempt: [] } });
    try {
      for (let i = 0; i < 3; i++) expect((await beside.fetch('/board/assets/board.css')).status).toBe(200);
      expect((await beside.fetch('/?lang=ru')).status).toBe(200);
      expect((await beside.fetch(`/regions/${region.code}?lang=ru`)).status).toBe(200);
      const refused = await beside.fetch('/lookup?lang=ru');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('content-type')).toContain('text/html');
      expect(await refused.text()).toContain(BOARD_WORDS.ru.tooManyTitle);
      const posted = await api.request('POST', '/', { body: {} });
      expect([posted.status, posted.type]).toEqual([405, expect.stringContaining('application/problem+json')]);
      expect((await fetch(`${api.baseUrl}/board/assets/../../config.ts`)).status).toBe(404);
      expect((await fetch(`${api.baseUrl}/board/assets/words.ts`)).status).toBe(404);
    } finally {
      await beside.close();
    }
  });
});
