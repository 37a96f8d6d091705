/**
 * R9.2: documents to PDF with one reused Chromium (DESIGN.md: "PDFs render on their own task queue
 * with one reused Chromium"). Debian's `chromium`, driven by puppeteer-core 24 with an explicit
 * executablePath: nothing ever downloads a browser.
 *
 * - One browser, launched on the first render and shared by every render after it; at most
 *   `concurrency` renders at once, each on a page of its own.
 * - Pages: with `rendersPerPage: 1` every render gets a new page, closed after it. Opening a page
 *   costs Chromium a renderer process (≈ 100 ms of CPU, more than the PDF itself), so by default a
 *   page that rendered cleanly serves up to `rendersPerPage` renders, one at a time, and is then
 *   closed. Nothing carries over: setContent replaces the whole document, scripts never run, no
 *   request ever leaves the page, and a page whose render failed or timed out is closed at once.
 * - The HTML is ours but the data is a family's: JavaScript is off on the page, every request but
 *   a data: URL is aborted (request interception), and the page's own CSP allows nothing else.
 * - A render that takes longer than `timeoutMs` is rejected and its page closed; if the page cannot
 *   even be closed, or the browser does not answer, the browser is unresponsive and is killed.
 * - A browser that crashed or was killed ('disconnected') is replaced on the next render, and a
 *   render that failed because its browser died is retried (`retries` times) on a fresh one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import type { DocumentRenderer, DocumentToRender } from '../../domain/documents';
import { familyOf, threadsOf } from './process-family';
import { renderHtml } from './templates';

export { renderHtml } from './templates';

/** Where Debian (and Ubuntu, and Google's packages) put the browser. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'];

/**
 * Documents may trail a burst of filings, never slow it: every thread of Chromium and of the
 * processes it has started (its zygotes, from which every later renderer is forked) runs under
 * SCHED_IDLE, so it gets a core only when the worker, the API and the databases leave one idle.
 * Every thread, not each process's first: Chromium starts its threads before we see its PID and
 * raises the niceness of some (to -8 as root), which a nice value on the process's main thread
 * never reached — measured during a burst of filings, a third of Chromium's CPU ran at niceness 0
 * or -8. A thread it starts later inherits its starter's policy, and Chromium's own priority
 * changes (nice values) do not apply under SCHED_IDLE. Where `chrt` is missing, each thread gets
 * CHROMIUM_NICENESS instead. Linux only; elsewhere, or without the right, nothing.
 */
export const CHROMIUM_NICENESS = 19;
function lowerPriority(root: number | undefined): void {
  if (root === undefined || process.platform !== 'linux') return;
  for (const pid of familyOf(root)) {
    // --all-tasks: every thread of the process.
    if (spawnSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(pid)], { stdio: 'ignore', timeout: 5000 }).status === 0) continue;
    for (const tid of threadsOf(pid)) {
      try {
        os.setPriority(tid, CHROMIUM_NICENESS);
      } catch {
        /* not ours to change */
      }
    }
  }
}

/** The Chromium executable: CHROMIUM_PATH when set, otherwise the first that exists of the usual paths. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return configured;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium at ${CANDIDATES.join(', ')}: run the bootstrap as root, or apt-get install chromium, or set CHROMIUM_PATH`);
  return found;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The flags (on top of puppeteer's defaults): headless, no GPU, no background traffic (without
 * these Debian's build makes many refused connections), /tmp instead of a small /dev/shm
 * (containers), no site isolation (only our own pages, scripts off: it would only cost processes),
 * and no sandbox only as root, where Chromium refuses to start with one.
 */
export function chromiumArgs(sandbox = !isRoot()): string[] {
  return [
    '--headless=new',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--disable-default-apps',
    '--disable-domain-reliability',
    '--disable-client-side-phishing-detection',
    '--disable-site-isolation-trials',
    '--no-default-browser-check',
    '--no-first-run',
    '--no-pings',
    '--mute-audio',
    '--font-render-hinting=none',
    ...(sandbox ? [] : ['--no-sandbox']),
  ];
}

export interface ChromiumRendererOptions {
  /** The browser; default findChromium() (CHROMIUM_PATH or /usr/bin/chromium). */
  executablePath?: string;
  /** One render (page, content, PDF) may take this long; default 20 s. */
  timeoutMs?: number;
  /** Renders at once in the one browser; default 4 (2 cores: 20/s at 2, 22/s at 4, 25/s at 8 — scripts/bench/documents.ts). */
  concurrency?: number;
  /** Renders a page serves before it is closed; 1 = a new page per render. Default 25. */
  rendersPerPage?: number;
  /** How often a render that failed because the browser died is tried again on a fresh one; default 2. */
  retries?: number;
  /** Launching the browser may take this long; default 30 s. */
  launchTimeoutMs?: number;
  /** Run Chromium's sandbox; default: only when not root. */
  sandbox?: boolean;
  /** More Chromium flags. */
  args?: string[];
  /** Tests only: runs after the content is set and before the PDF is printed. */
  afterContent?: (page: Page, doc: DocumentToRender) => Promise<void>;
}

export interface ChromiumRenderer extends DocumentRenderer {
  /** The running browser's process id, if one is running (tests kill it). */
  browserPid(): number | undefined;
  /** How many browsers this renderer has launched (1 unless one died). */
  launches(): number;
}

export class DocumentRenderTimeout extends Error {
  constructor(doc: DocumentToRender, ms: number) {
    super(`rendering ${doc.kind}.${doc.language} of ${doc.snapshot.number} took longer than ${ms} ms`);
    this.name = 'DocumentRenderTimeout';
  }
}

/** A small semaphore: at most `n` holders. */
function limiter(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Resolves to the value, or to `fallback` after `ms` or on an error (never rejects). */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise.catch(() => fallback), new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const allowOnlyData = (req: HTTPRequest): void => {
  if (req.isInterceptResolutionHandled()) return;
  if (req.url().startsWith('data:')) void req.continue().catch(() => {});
  else void req.abort('blockedbyclient').catch(() => {});
};

/** A page of one browser, and how many renders it has served. */
interface Pooled {
  browser: Browser;
  page: Page;
  uses: number;
}

export function createChromiumRenderer(options: ChromiumRendererOptions = {}): ChromiumRenderer {
  const executablePath = options.executablePath ?? findChromium();
  const timeoutMs = options.timeoutMs ?? 20_000;
  const retries = options.retries ?? 2;
  const rendersPerPage = Math.max(1, options.rendersPerPage ?? 25);
  const launchTimeoutMs = options.launchTimeoutMs ?? 30_000;
  const args = [...chromiumArgs(options.sandbox), ...(options.args ?? [])];
  const slot = limiter(Math.max(1, options.concurrency ?? 4));

  /** The shared browser, or its launch; null when the next render must launch one. */
  let current: Promise<Browser> | null = null;
  /** What `current` resolved to (null while it is launching). */
  let active: Browser | null = null;
  let launched = 0;
  let closed = false;
  /** Browsers given up on (disconnected, or killed as unresponsive). */
  const dead = new WeakSet<Browser>();
  /** Pages that rendered cleanly and may serve again. */
  let idle: Pooled[] = [];

  function kill(browser: Browser): void {
    dead.add(browser);
    const proc = browser.process();
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      try {
        proc.kill('SIGKILL');
      } catch {
        /* gone already */
      }
    }
  }

  /** The shared browser; launched when there is none or the last one died. */
  function browser(): Promise<Browser> {
    if (closed) return Promise.reject(new Error('the document renderer is closed'));
    if (!current) {
      const launching = puppeteer
        .launch({
          executablePath,
          headless: true,
          args,
          pipe: true,
          timeout: launchTimeoutMs,
          protocolTimeout: Math.max(timeoutMs * 2, 30_000),
          handleSIGINT: false,
          handleSIGTERM: false,
          handleSIGHUP: false,
        })
        .then((b) => {
          launched++;
          lowerPriority(b.process()?.pid);
          if (current === launching) active = b;
          b.once('disconnected', () => forget(b));
          if (closed) kill(b); // closed while launching
          return b;
        });
      launching.catch(() => {
        if (current === launching) current = null;
      });
      current = launching;
      active = null;
    }
    return current;
  }

  /** `b` is dead or given up on: the next render launches a fresh browser. */
  function forget(b: Browser): void {
    dead.add(b);
    idle = idle.filter((p) => p.browser !== b);
    if (active === b) {
      active = null;
      current = null;
    }
  }

  function replace(b: Browser): void {
    kill(b);
    forget(b);
  }

  async function openPage(b: Browser): Promise<Pooled> {
    const i = idle.findIndex((p) => p.browser === b && !p.page.isClosed());
    if (i >= 0) return idle.splice(i, 1)[0]!;
    const page = await b.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', allowOnlyData);
    return { browser: b, page, uses: 0 };
  }

  function release(p: Pooled, clean: boolean): void {
    p.uses++;
    if (clean && !closed && p.uses < rendersPerPage && !dead.has(p.browser) && p.browser.connected) idle.push(p);
    else void p.page.close().catch(() => {});
  }

  async function attempt(b: Browser, doc: DocumentToRender, html: string): Promise<Buffer> {
    let pooled: Pooled | undefined;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const work = (async () => {
      pooled = await openPage(b);
      if (timedOut) {
        void pooled.page.close().catch(() => {});
        return Buffer.alloc(0);
      }
      const { page } = pooled;
      await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
      if (options.afterContent) await options.afterContent(page, doc);
      const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true, outline: false, timeout: timeoutMs });
      return Buffer.from(pdf);
    })();
    try {
      const pdf = await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(new DocumentRenderTimeout(doc, timeoutMs));
          }, timeoutMs);
        }),
      ]);
      release(pooled!, true);
      return pdf;
    } catch (err) {
      if (timedOut) {
        work.catch(() => {});
        // A page that will not close, or a browser that does not answer, is a hung browser: kill it.
        const page = (pooled as Pooled | undefined)?.page;
        const closedInTime = page ? await within(page.close().then(() => true), 2000, false) : false;
        const answers = closedInTime && (await within(b.version().then(() => true), 2000, false));
        if (!answers) replace(b);
      } else if (pooled) {
        release(pooled, false);
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async function render(doc: DocumentToRender): Promise<Buffer> {
    const html = await renderHtml(doc);
    return slot(async () => {
      for (let tries = 0; ; tries++) {
        const b = await browser();
        try {
          if (dead.has(b) || !b.connected) throw new Error('the browser died before this render began');
          return await attempt(b, doc, html);
        } catch (err) {
          // The browser died under this render (a crash, a kill): try again on a fresh one.
          const browserDied = !(err instanceof DocumentRenderTimeout) && (dead.has(b) || !b.connected);
          if (!browserDied || tries >= retries || closed) throw err;
          replace(b);
        }
      }
    });
  }

  return {
    render,
    async close() {
      closed = true;
      idle = [];
      const b = await current?.catch(() => null);
      current = null;
      active = null;
      if (b && b.connected) {
        const done = await within(b.close().then(() => true), 5000, false);
        if (!done) kill(b);
      } else if (b) kill(b);
    },
    browserPid: () => (active?.connected ? active.process()?.pid : undefined),
    launches: () => launched,
  };
}
