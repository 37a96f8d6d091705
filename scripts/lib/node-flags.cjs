'use strict';
// Node's own flags an entry point starts with, wherever it is started: `npm start` and the cluster
// (scripts/lib/processes.mjs), the bench (scripts/bench/processes.ts), the tests' processes
// (tests/helpers/processes.ts). The image's worker passes the same in docker-compose.yml.
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

const FLAGS = {
  // Its workflow threads without the SDK's per-promise stack traces unless WORKER_STACK_TRACES=true.
  'worker/main.ts': ['--require', path.join(root, 'worker', 'workflow-threads.cjs')],
};

/** The flags before `--import tsx <entry>`. */
function nodeFlags(entry) {
  return FLAGS[entry] ?? [];
}

module.exports = { nodeFlags };
