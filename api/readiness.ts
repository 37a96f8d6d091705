import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';

const CHECK_TIMEOUT_MS = 2000;

export type DependencyState = 'up' | 'down';
export interface DependencyChecks {
  postgres: DependencyState;
  temporal: DependencyState;
}

function withTimeout<T>(p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref())]);
}

const state = (p: Promise<unknown>): Promise<DependencyState> => withTimeout(p).then(() => 'up', () => 'down');

/** Whether PostgreSQL and the Temporal frontend answer, each within 2 s: readiness and its metric read this. */
export async function checkDependencies({ db, temporal }: { db: Db; temporal: Client }): Promise<DependencyChecks> {
  const [postgres, temporalServer] = await Promise.all([state(db.raw('SELECT 1')), state(temporal.workflowService.getSystemInfo({}))]);
  return { postgres, temporal: temporalServer };
}
