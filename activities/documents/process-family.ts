/**
 * Linux's /proc as the renderer needs it: a process and all it has started, their threads, and
 * each one's stat fields. Elsewhere, or for a process gone meanwhile, empty answers.
 */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The fields of a /proc stat file after the command's ')' (the command may hold spaces): index 0 is
 * field 3 (state), so field N of proc(5) is at N - 3. Undefined once the process is gone.
 */
export function statFields(path: string): string[] | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process `root` and every process descended from it, as /proc shows them now. */
export function familyOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [root];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(`/proc/${entry}/stat`);
    if (fields) parentOf.set(Number(entry), Number(fields[4 - 3]));
  }
  const family = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parentOf) if (family.has(ppid) && !family.has(pid)) grew = Boolean(family.add(pid));
  }
  return [...family];
}

/** The thread IDs of a process; none once it is gone. */
export function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}
