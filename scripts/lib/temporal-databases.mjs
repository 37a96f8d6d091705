// Temporal's two PostgreSQL databases (`temporal`, `temporal_visibility`), created and migrated
// with the server's own `sql` tool and the schemas its module ships; safe to run at every start.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';

/** Where the server reaches PostgreSQL, from a URL such as postgres://user:pw@host:port/db. */
export function parseDatabaseUrl(databaseUrl) {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/** A superuser connection to another database on the same server. */
function adminClient(db, database) {
  return new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database });
}

async function databaseState(db, database) {
  const admin = adminClient(db, 'postgres');
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
      return 'created';
    }
  } finally {
    await admin.end();
  }
  const client = adminClient(db, database);
  await client.connect();
  try {
    const { rows } = await client.query("SELECT to_regclass('public.schema_version') IS NOT NULL AS versioned");
    return rows[0].versioned ? 'versioned' : 'empty';
  } finally {
    await client.end();
  }
}

function runSql(sql, db, database, args) {
  const res = spawnSync(sql, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: db.host,
      SQL_PORT: String(db.port),
      SQL_USER: db.user,
      SQL_PASSWORD: db.password,
      SQL_DATABASE: database,
    },
  });
  if (res.status !== 0) throw new Error(`temporal sql ${args.join(' ')} on ${database} failed: ${(res.stderr || res.stdout).trim().slice(-2000)}`);
}

/** Creates and migrates Temporal’s two databases; a second run only applies newer schema versions. */
export async function setupDatabases({ sql, schemaDir, db, databases, log }) {
  const fresh = [];
  for (const [name, dir] of [
    [databases.main, 'temporal'],
    [databases.visibility, 'visibility'],
  ]) {
    const state = await databaseState(db, name);
    if (state !== 'versioned') {
      log(`setting up the ${name} database`);
      runSql(sql, db, name, ['setup-schema', '-v', '0.0']);
      fresh.push(name);
    }
    runSql(sql, db, name, ['update-schema', '-d', path.join(schemaDir, dir, 'versioned')]);
  }
  return fresh;
}
