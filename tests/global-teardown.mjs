import fs from 'node:fs';

export default async function globalTeardown() {
  const state = globalThis.__KQ_TEST__;
  if (!state) return;
  for (const stop of state.stops.reverse()) await stop();
  fs.rmSync(state.workDir, { recursive: true, force: true });
}
