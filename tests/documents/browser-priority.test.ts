/**
 * R9.2: documents may trail a burst of filings, never slow it — every thread of Chromium and of the
 * processes it started runs under SCHED_IDLE (or, without `chrt`, at the lowest priority), including
 * the threads Chromium raises itself and the renderer it forks for a page after launch.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createChromiumRenderer } from '../../activities/documents/renderer';
import { ALL_DOCUMENTS, documentToRender } from './render-fixtures';

const SCHED_IDLE = 5;

/** /proc/<pid>/stat fields after the command's ')': [0] is field 3 (state), so field N is [N - 3]. */
function fieldsOf(statPath: string): string[] | undefined {
  try {
    const stat = readFileSync(statPath, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone meanwhile
  }
}

/** The process and every process descended from it. */
function familyOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = fieldsOf(`/proc/${entry}/stat`);
    if (f) parentOf.set(Number(entry), Number(f[1]));
  }
  const family = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parentOf) if (family.has(ppid) && !family.has(pid)) grew = Boolean(family.add(pid));
  }
  return [...family];
}

describe('R9.2 Chromium runs at the lowest CPU priority', () => {
  it('R9.2 every thread of the browser and of its processes (renderers forked after launch too) is SCHED_IDLE or at niceness 19', async () => {
    expect(process.platform).toBe('linux');
    const renderer = createChromiumRenderer({ concurrency: 2, rendersPerPage: 1 });
    try {
      // Pages opened after launch: their renderer processes are forked once the priority was set.
      await Promise.all(ALL_DOCUMENTS.slice(0, 2).map((d) => renderer.render(documentToRender(...d))));
      const pid = renderer.browserPid();
      expect(pid).toBeGreaterThan(0);
      const threads: { pid: number; tid: string; policy: number; nice: number }[] = [];
      for (const p of familyOf(pid!)) {
        let tids: string[] = [];
        try {
          tids = readdirSync(`/proc/${p}/task`);
        } catch {
          continue;
        }
        for (const tid of tids) {
          const f = fieldsOf(`/proc/${p}/task/${tid}/stat`);
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
