// The bench's own processes (the workers, the APIs, the Temporal server): started, stopped, and for
// the fault run killed as a crash kills them and started again.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nodeFlags } from '../lib/node-flags.cjs';

const root = path.resolve(__dirname, '..', '..');

/** A process of the stack: the running one, whichever start it came from. */
export interface BenchProcess {
  readonly name: string;
  /** The running process's ID (another after a restart). */
  readonly pid: number;
  /** Resolves once it serves. */
  ready(): Promise<void>;
  /** SIGTERM (SIGKILL after 15 s): a shutdown that drains what runs. */
  stop(): Promise<void>;
  /** SIGKILL, with every process it started (a worker's Chromium): a crash, nothing drained. */
  kill(): Promise<void>;
  /** Starts it again as it was first started; resolves once it serves. */
  restart(): Promise<void>;
}

/** `BENCH_CPU_PROF=dir`: V8 CPU profiles of the API and the worker, in dir/api and dir/worker, written when each exits. */
function nodeArgs(name: string, entry: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  // A folder per process: every thread (the loader's, the workflow threads') writes a profile of its own.
  const profile = dir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(dir, name)] : [];
  return [...profile, ...nodeFlags(entry), '--import', 'tsx', entry];
}

function spawnNode(name: string, entry: string, env: NodeJS.ProcessEnv, logDir?: string): ChildProcess {
  if (logDir) {
    // Everything the process prints, to <logDir>/<name>.log (the fuzz reads the API's errors there).
    const out = fs.openSync(path.join(logDir, `${name}.log`), 'a');
    const proc = spawn(process.execPath, nodeArgs(name, entry), { cwd: root, env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    return proc;
  }
  const proc = spawn(process.execPath, nodeArgs(name, entry), { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.on('data', (b) => {
    const text = String(b);
    if (/error/i.test(text)) process.stderr.write(`[${name}] ${text}`);
  });
  return proc;
}

const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;

const stopChild = (p: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (exited(p)) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 15_000).unref();
  });

/** Every process below `pid`, from /proc (a worker's Chromium and its helpers). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After the command's closing parenthesis: state, then the parent's ID.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** SIGKILL to a process and everything below it, at once, and wait for the process itself to exit. */
export function killTree(p: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (exited(p)) return resolve();
    p.once('exit', () => resolve());
    const below = descendants(p.pid!);
    p.kill('SIGKILL');
    for (const pid of below) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Polls `url` until it answers 2xx; fails when `proc` exits first or `withinMs` pass. */
async function waitReady(name: string, url: string, proc: ChildProcess, withinMs: number, logDir?: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(5000) })).ok) return;
    } catch {
      /* not up yet */
    }
    if (exited(proc) || Date.now() > deadline) {
      throw new Error(`the ${name} did not come up${exited(proc) ? ` (exited ${proc.exitCode ?? proc.signalCode})` : ` within ${withinMs / 1000} s`}${logDir ? `; see ${path.join(logDir, `${name}.log`)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface BenchChildOptions {
  name: string;
  /** The TypeScript entry point, run under tsx. */
  entry: string;
  env: NodeJS.ProcessEnv;
  /** Answers 2xx once the process serves (the API's or the worker's /readyz). */
  readyUrl: string;
  /** How long a start may take (a worker bundles its workflows first: on a busy machine a minute or more). */
  readyWithinMs?: number;
  logDir?: string;
}

/** A Node process of the project (worker or API), started at once; `ready()` waits for its readiness URL. */
export function benchChild({ name, entry, env, readyUrl, readyWithinMs = 300_000, logDir }: BenchChildOptions): BenchProcess {
  let proc = spawnNode(name, entry, env, logDir);
  const ready = () => waitReady(name, readyUrl, proc, readyWithinMs, logDir);
  return {
    name,
    get pid() {
      return proc.pid!;
    },
    ready,
    stop: () => stopChild(proc),
    kill: () => killTree(proc),
    async restart() {
      await killTree(proc);
      proc = spawnNode(name, entry, env, logDir);
      await ready();
    },
  };
}
