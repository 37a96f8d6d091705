import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { MirroredPersonRegistry } from '../db/person-registry';
import { createApp } from './app';
import { listen } from './server';
import { authSettings } from './auth-settings';
import { createVerifier } from './signature';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const { verifier, trustDir, stop: stopVerifier } = await createVerifier(config);
  const app = createApp({ db, temporal, registry: new MirroredPersonRegistry(db), verifier, auth: authSettings(config) });
  const server = await listen(app, config.PORT);
  console.log(`API listening on http://localhost:${config.PORT} (trust store ${trustDir})`);
  const stop = () => {
    stopVerifier();
    server.close(async () => {
      await connection.close();
      await db.destroy();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
