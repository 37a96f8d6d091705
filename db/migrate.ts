// `tsx db/migrate.ts latest [--seed] | rollback`: runs the migrations against DATABASE_URL.
import { createDb, migrateLatest, migrateRollbackAll } from './connection';
import { seedDevelopment } from './seeds/development';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const [command = 'latest', ...flags] = process.argv.slice(2);
  const db = createDb(url, 2);
  try {
    if (command === 'latest') {
      await migrateLatest(db);
      if (flags.includes('--seed')) await seedDevelopment(db);
    } else if (command === 'rollback') {
      await migrateRollbackAll(db);
    } else {
      throw new Error(`unknown command ${command}; use latest [--seed] or rollback`);
    }
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
