// Child processes of the local stacks (`npm start`, `npm run start:cluster`): the project's
// TypeScript entry points under tsx, their output prefixed with their name, and readiness polls.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from './tools.mjs';

const { nodeFlags } = createRequire(import.meta.url)('./node-flags.cjs');

/** Writes a child's stdout and stderr to ours, each line prefixed with `[name]`. */
export function prefixOutput(child, name) {
  const relay = (stream, out) =>
    stream.on('data', (buf) => {
      for (const line of String(buf).split('\n')) if (line) out.write(`[${name}] ${line}\n`);
    });
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
}

/** Starts a TypeScript entry point (worker/main.ts, api/main.ts…) under tsx with `env` and its Node flags. */
export function spawnTs(name, entry, env) {
  const child = spawn(process.execPath, [...nodeFlags(entry), '--import', 'tsx', entry], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixOutput(child, name);
  return child;
}

/** Polls `url` until it answers 2xx; false after `timeoutMs` or once `stopping()` says so. */
export async function waitForReady(url, { timeoutMs = 120_000, stopping = () => false } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping()) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {}
    await sleep(300);
  }
  return false;
}

/**
 * What a local stack does with its parts: children whose death stops the whole stack (a half-up
 * stack misleads), `stops` run in reverse order on shutdown, Ctrl-C and SIGTERM stopping it all.
 */
export function supervise(log, what = 'stack') {
  const stops = [];
  const children = new Set();
  let stopping = false;

  async function shutdown(code) {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    for (const child of children) child.kill('SIGTERM');
    await Promise.all([...children].map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode ? r() : c.once('exit', r)))));
    for (const stop of stops.reverse()) await stop().catch((e) => log(`stop failed: ${e.message}`));
    log('stopped');
    process.exit(code);
  }
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));

  /** Runs a TypeScript entry point under tsx with the stack's environment. */
  function runTs(name, entry, env) {
    const child = spawnTs(name, entry, env);
    children.add(child);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (!stopping) {
        log(`${name} exited (${code ?? signal}); stopping the ${what}`);
        shutdown(1);
      }
    });
    return child;
  }

  return { stops, runTs, shutdown, stopping: () => stopping };
}

/**
 * R9.1: with no SMTP server named (`env.SMTP_URL`), a stack's e-mail goes to a local catcher with a
 * page to read it, started with `runTs` (supervise's). Sets SMTP_URL; the page's URL, or undefined.
 */
export function ensureMailCatcher(env, runTs) {
  if (env.SMTP_URL) return undefined;
  const smtpPort = Number(env.MAIL_CATCHER_SMTP_PORT ?? 1025);
  const webPort = Number(env.MAIL_CATCHER_PORT ?? 1080);
  runTs('mail', 'scripts/mail-catcher.ts', { ...env, MAIL_CATCHER_SMTP_PORT: String(smtpPort), MAIL_CATCHER_PORT: String(webPort) });
  env.SMTP_URL = `smtp://127.0.0.1:${smtpPort}`;
  return `http://localhost:${webPort}`;
}

/** Whether the process `pid` still runs (signal 0 only checks; EPERM: it runs as another user). */
export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
