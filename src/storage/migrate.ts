import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

export interface Migration {
  readonly name: string;
  readonly sql: string;
  /** SHA-256 of the file, as Prisma records it, so `prisma migrate deploy` agrees with us. */
  readonly checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

// Prisma's own bookkeeping table, created exactly as Prisma creates it.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                  varchar(36)  PRIMARY KEY NOT NULL,
    checksum            varchar(64)  NOT NULL,
    finished_at         timestamptz,
    migration_name      varchar(255) NOT NULL,
    logs                text,
    rolled_back_at      timestamptz,
    started_at          timestamptz  NOT NULL DEFAULT now(),
    applied_steps_count integer      NOT NULL DEFAULT 0
)`;

// Any fixed 64-bit key: every replica takes the same lock, so one migrates and the rest wait.
const LOCK_KEY = 72_707_369_2026n;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies the pending migrations, each in its own transaction, under a session advisory lock
 * so that replicas starting together never race. Refuses to run when an applied migration's
 * file has changed since, or when the database has one this build does not know: both mean
 * the code and the schema disagree.
 */
export async function migrate(databaseUrl: string, migrations?: readonly Migration[]): Promise<string[]> {
  const wanted = migrations ?? (await readMigrations());
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY.toString()]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await client.query<{ migration_name: string; checksum: string }>(
        'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
      for (const name of applied.keys()) {
        if (!wanted.some((m) => m.name === name)) {
          throw new MigrationError(
            `The database has migration ${name}, which this version does not know: refusing to start.`,
          );
        }
      }
      const done: string[] = [];
      for (const migration of wanted) {
        const checksum = applied.get(migration.name);
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) {
            throw new MigrationError(`Migration ${migration.name} was changed after it was applied.`);
          }
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(
            `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
             VALUES ($1, $2, $3, now(), now(), 1)`,
            [randomUUID(), migration.checksum, migration.name],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
        }
        done.push(migration.name);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY.toString()]);
    }
  } finally {
    await client.end();
  }
}
