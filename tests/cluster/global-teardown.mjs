import fs from 'node:fs';
import globalTeardown from '../global-teardown.mjs';

export default async function clusterGlobalTeardown() {
  await globalTeardown();
  const state = globalThis.__KQ_CLUSTER__;
  if (!state) return;
  for (const stop of state.stops.reverse()) await stop();
  fs.rmSync(state.workDir, { recursive: true, force: true });
}
