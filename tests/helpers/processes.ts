import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { nodeFlags } from '../../scripts/lib/node-flags.cjs';

const ROOT = path.resolve(__dirname, '..', '..');

/** A port free now, from the project's one helper for it (ESM, so through node itself). */
export const freePort = (): number =>
  Number(execFileSync(process.execPath, ['--input-type=module', '-e', "import { freePort } from './scripts/lib/ports.mjs'; console.log(await freePort())"], { cwd: ROOT, encoding: 'utf8' }));

export interface Child {
  process: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with its exit code (null if a signal ended it) once it has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 20 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Runs an entry point as `npm start` does (node, its flags, tsx) against the jest run's PostgreSQL and
 * Temporal, with `env` over the jest process's own (which names both).
 */
export function runProcess(entry: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [...nodeFlags(entry), '--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (b) => (output += b));
  child.stderr!.on('data', (b) => (output += b));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 200, or fails with what the process said (it exited, or `withinMs` passed). */
export async function untilReady(child: Child, url: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`the process exited (${child.process.exitCode}):\n${child.output()}`);
    const status = await fetch(url).then((r) => r.status, () => 0);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer 200 within ${withinMs / 1000} s; the process said:\n${child.output()}`);
}
