import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

/** A history recorded into tests/fixtures/histories (workflows live for years: each must keep replaying). */
export function loadHistory(name: string): temporal.api.history.v1.History {
  const json = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'histories', name), 'utf8'));
  return temporal.api.history.v1.History.fromObject(json);
}

/** Replays a recorded history against this run's workflow bundle; throws on any nondeterminism. */
export function replayHistory(name: string): Promise<void> {
  return Worker.runReplayHistory({ workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH! } }, loadHistory(name));
}
