import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, MigrationError, readMigrations, type Migration } from '../../src/storage/migrate.js';
import { createEmptyDatabase, type TestDatabase } from '../helpers/database.js';

const created: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(created.splice(0).map((d) => d.drop()));
});

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createEmptyDatabase();
  created.push(db);
  return db;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const migration = (name: string, sql: string): Migration => ({
  name,
  sql,
  checksum: createHash('sha256').update(sql).digest('hex'),
});

describe('migrator', () => {
  it('applies every migration once and records it in _prisma_migrations as Prisma does', async () => {
    const db = await emptyDatabase();
    const shipped = await readMigrations();
    expect(await migrate(db.url)).toEqual(shipped.map((m) => m.name));
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      db.url,
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(shipped.map((m) => [m.name, m.checksum]));
    for (const r of rows) {
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.applied_steps_count).toBe(1);
    }
    expect(await migrate(db.url)).toEqual([]);
  });

  it('every migration starts with a one-line comment saying its intent', async () => {
    for (const m of await readMigrations()) expect(m.sql, m.name).toMatch(/^-- \S.*\n/);
  });

  it('lets concurrent starts race safely: the advisory lock applies each migration exactly once', async () => {
    const db = await emptyDatabase();
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
    const shipped = (await readMigrations()).map((m) => m.name);
    expect(results.flat().sort()).toEqual(shipped.sort());
    const [count] = await query<{ n: string }>(db.url, 'SELECT count(*) AS n FROM _prisma_migrations');
    expect(Number(count?.n)).toBe(shipped.length);
  });

  it('rolls a failing migration back whole and leaves the earlier ones applied', async () => {
    const db = await emptyDatabase();
    const good = migration('001_good', '-- a table\nCREATE TABLE good (id int);');
    const bad = migration(
      '002_bad',
      '-- half of it would work\nCREATE TABLE half (id int);\nSELECT no_such_function();',
    );
    await expect(migrate(db.url, [good, bad])).rejects.toThrow(/002_bad failed/);
    const tables = await query<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(['_prisma_migrations', 'good']);
    const names = await query<{ migration_name: string }>(db.url, 'SELECT migration_name FROM _prisma_migrations');
    expect(names.map((n) => n.migration_name)).toEqual(['001_good']);
  });

  it('refuses to run when an applied migration was edited afterwards', async () => {
    const db = await emptyDatabase();
    await migrate(db.url, [migration('001_a', '-- a\nCREATE TABLE a (id int);')]);
    await expect(migrate(db.url, [migration('001_a', '-- a, edited\nCREATE TABLE a (id bigint);')])).rejects.toThrow(
      MigrationError,
    );
  });

  it('refuses to run against a database migrated by a newer version', async () => {
    const db = await emptyDatabase();
    await migrate(db.url, [migration('001_a', '-- a\nSELECT 1;'), migration('002_b', '-- b\nSELECT 1;')]);
    await expect(migrate(db.url, [migration('001_a', '-- a\nSELECT 1;')])).rejects.toThrow(
      /002_b, which this version does not know/,
    );
  });
});
