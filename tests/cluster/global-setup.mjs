// Once per `npm run test:cluster`: PostgreSQL, a real Temporal server on it (free ports, its own
// databases beside the tests' one), then the usual setup (tests/global-setup.mjs), which sees
// DATABASE_URL and TEMPORAL_ADDRESS set and starts neither of its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgresProcess } from '../../scripts/lib/postgres-process.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { freeClusterPorts, startTemporalCluster } from '../../scripts/lib/temporal-cluster.mjs';
import globalSetup from '../global-setup.mjs';

export default async function clusterGlobalSetup() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-cluster-'));
  const stops = [];
  globalThis.__KQ_CLUSTER__ = { workDir, stops };
  const log = (msg) => console.log(`[cluster] ${msg}`);

  const pg = await startPostgresProcess({ dataDir: path.join(workDir, 'postgres'), port: await freePort(), logFile: path.join(workDir, 'postgres.log') });
  stops.push(pg.stop);
  const ports = await freeClusterPorts();
  const cluster = await startTemporalCluster({ databaseUrl: pg.url, dataDir: path.join(workDir, 'temporal'), ...ports, logFile: path.join(workDir, 'temporal.log'), log });
  stops.push(cluster.stop);
  process.env.DATABASE_URL = pg.url;
  process.env.TEMPORAL_ADDRESS = cluster.address;

  await globalSetup();
}
