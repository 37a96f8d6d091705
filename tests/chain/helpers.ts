import { spawn } from 'node:child_process';
import path from 'node:path';
import { createActivities } from '../../activities';
import type { Db } from '../../db/connection';
import { CHAIN_REWRITE_SETTING } from '../../db/migrations/20261129200000-queue-chain';
import { buildFiling } from '../helpers/filings';

const ROOT = path.resolve(__dirname, '..', '..');

export type Acts = ReturnType<typeof createActivities>;

/** R2.4: files an application straight through the activity, as the workflow's first step does. */
export async function fileDirect(db: Db, acts: Acts, regionCode: string, registeredAt = Date.now()) {
  const filing = await buildFiling(db, { registeredAt, regionCode, childBirthDate: '2022-03-01' });
  await acts.recordFiling({ filing, reconfirmBy: registeredAt + 365 * 86_400_000 });
  return filing;
}

/** The region's entries as stored, in seq order. */
export const storedEntries = (db: Db, region: string) => db('chain_entries').where({ region_code: region }).orderBy('seq');

/**
 * Runs `fn` in a transaction that may rewrite the history, as a person with direct access to
 * PostgreSQL could (the append-only trigger lets the session setting through; the application never sets it).
 */
export async function behindTheSystemsBack(db: Db, fn: (trx: Db) => Promise<unknown>): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(`SELECT set_config(?, 'on', true)`, [CHAIN_REWRITE_SETTING]);
    await fn(trx);
  });
}

/** `npm run verify-chain -- --region <region> [args]` as a child process: its output and exit code. */
export function verifyChain(region: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return verifyChainWith({}, region, ...args);
}

/** `verifyChain` with settings of its own besides the tests' (`env`). */
export function verifyChainWith(env: NodeJS.ProcessEnv, region: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/verify-chain.ts', '--region', region, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b) => (output += b));
    child.stderr.on('data', (b) => (output += b));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}
