// Once per `npm test`: a fresh PostgreSQL (unless DATABASE_URL is set), migrated and seeded; a
// Temporal dev server (unless TEMPORAL_ADDRESS is set); and the workflow bundle. Test files read
// where they are from the environment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { require as tsRequire } from 'tsx/cjs/api';
import { startPostgresProcess } from '../scripts/lib/postgres-process.mjs';
import { freePort } from '../scripts/lib/ports.mjs';
import { startDevServer } from '../scripts/lib/temporal.mjs';
import { projectRoot, runTsScript, temporalTestServerPath } from '../scripts/lib/tools.mjs';

export default async function globalSetup() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-test-'));
  const stops = [];
  globalThis.__KQ_TEST__ = { workDir, stops };

  // R1: a test PKI for the run; tests issue certificates from its intermediate.
  process.env.KQ_TEST_PKI_DIR = path.join(workDir, 'pki');
  process.env.AUDIT_LOG = 'off';
  runTsScript(['scripts/pki/create.ts', process.env.KQ_TEST_PKI_DIR], { what: 'making the test PKI' });

  if (!process.env.DATABASE_URL) {
    const pg = await startPostgresProcess({
      dataDir: path.join(workDir, 'postgres'),
      port: await freePort(),
      logFile: path.join(workDir, 'postgres.log'),
    });
    stops.push(pg.stop);
    process.env.DATABASE_URL = pg.url;
  }
  runTsScript(['db/migrate.ts', 'latest', '--seed'], { what: 'migrating' });

  if (!process.env.TEMPORAL_ADDRESS) {
    const temporal = await startDevServer({
      port: await freePort(),
      httpPort: await freePort(),
      metricsPort: await freePort(),
      logFile: path.join(workDir, 'temporal.log'),
    });
    stops.push(temporal.stop);
    process.env.TEMPORAL_ADDRESS = temporal.address;
  }

  // The bundle as an untraced worker runs it, and (for tests/ops/tracing.test.ts) as a traced one.
  const { workflowBundleOptions } = tsRequire('../worker/interceptor-modules.ts', import.meta.url);
  const bundle = async (tracing, file) => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(projectRoot, 'workflows', 'index.ts'),
      ...workflowBundleOptions({ tracing }),
      logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
    });
    fs.writeFileSync(path.join(workDir, file), code);
    return path.join(workDir, file);
  };
  process.env.WORKFLOW_BUNDLE_PATH = await bundle(false, 'workflow-bundle.js');
  process.env.WORKFLOW_BUNDLE_TRACED_PATH = await bundle(true, 'workflow-bundle-traced.js');
  process.env.TEMPORAL_TEST_SERVER_PATH ??= temporalTestServerPath();
}
