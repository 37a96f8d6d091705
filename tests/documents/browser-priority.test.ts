/**
 * R9.2: documents may trail a burst of filings, never slow it — every thread of Chromium and of the
 * processes it started runs under SCHED_IDLE (or, without `chrt`, at the lowest priority), including
 * the threads Chromium raises itself and the renderer it forks for a page after launch.
 */
import { familyOf, statFields, threadsOf } from '../../activities/documents/process-family';
import { createChromiumRenderer } from '../../activities/documents/renderer';
import { ALL_DOCUMENTS, documentToRender } from './render-fixtures';

const SCHED_IDLE = 5;

describe('R9.2 Chromium runs at the lowest CPU priority', () => {
  it('R9.2 every thread of the browser and of its processes (renderers forked after launch too) is SCHED_IDLE or at niceness 19', async () => {
    expect(process.platform).toBe('linux');
    const renderer = createChromiumRenderer({ concurrency: 2, rendersPerPage: 1 });
    try {
      // Pages opened after launch: their renderer processes are forked once the priority was set.
      await Promise.all(ALL_DOCUMENTS.slice(0, 2).map((d) => renderer.render(documentToRender(...d))));
      const pid = renderer.browserPid();
      expect(pid).toBeGreaterThan(0);
      const threads: { pid: number; tid: number; policy: number; nice: number }[] = [];
      for (const p of familyOf(pid!)) {
        for (const tid of threadsOf(p)) {
          const f = statFields(`/proc/${p}/task/${tid}/stat`);
          if (f) threads.push({ pid: p, tid, policy: Number(f[41 - 3]), nice: Number(f[19 - 3]) });
        }
      }
      // A browser, its zygotes, a renderer, and their many threads.
      expect(new Set(threads.map((t) => t.pid)).size).toBeGreaterThanOrEqual(3);
      expect(threads.length).toBeGreaterThan(20);
      expect(threads.filter((t) => t.policy !== SCHED_IDLE && t.nice < 19)).toEqual([]);
    } finally {
      await renderer.close();
    }
  });
});
