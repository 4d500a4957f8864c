import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../src/storage/migrate.js';
import { BASELINE_OUTBOX, CREATE_BASELINE_OUTBOX } from './baseline-outbox.js';

/** The Postgres server the bench runs on: its own variable, the tests' one, or the local server. */
export function serverUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env['BENCH_DATABASE_URL'] ?? env['TEST_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  /**
   * Vacuums and analyzes the tables and checkpoints, so that the maintenance one run's writes
   * call for is done before the next run starts, not during it.
   */
  settle(): Promise<void>;
  drop(): Promise<void>;
}

// Autovacuum is off for these on the bench database: a vacuum of 100k+ rows and their GIN index
// started by one operation's inserts would otherwise land in whichever run came next, on one
// side of a ratio only. settle() does the same work between runs instead.
const TABLES = [
  'scim_users',
  'scim_groups',
  'scim_group_members',
  'outbox_events',
  'webhook_subscriptions',
  'scim_request_log',
  // Events wait here for their numbers: rows inserted and deleted thousands of times a run.
  'outbox_pending',
  // The tenant's counter, raised once per numbering: one row updated thousands of times a run.
  'tenants',
  BASELINE_OUTBOX,
];

async function onServer(server: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database on the server; drop() is safe to call more than once. */
export async function createBenchDatabase(server: string, prefix = 'scim_bench'): Promise<BenchDatabase> {
  // The name is ours (a fixed prefix, then hex), so it can be spliced into DDL, which takes no
  // parameters.
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  await onServer(server, `CREATE DATABASE ${name}`);
  let dropped = false;
  const database: BenchDatabase = {
    name,
    url: url.toString(),
    async settle() {
      await onServer(database.url, `VACUUM (ANALYZE) ${TABLES.join(', ')}`);
      // A checkpoint due to the last run's writes would otherwise stall the next one's; it needs
      // a superuser (or pg_checkpoint), which the local bench server has.
      await onServer(database.url, 'CHECKPOINT').catch(() => undefined);
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      await onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
  try {
    await migrate(database.url);
    await onServer(database.url, CREATE_BASELINE_OUTBOX);
    for (const table of TABLES) await onServer(database.url, `ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return database;
}
