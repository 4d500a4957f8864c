import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, createDatabase, inTransaction, sqlOf, type Database } from '../../src/storage/db.js';
import { startEmbeddedDatabase, type DatabaseServer } from '../../src/storage/embedded.js';
import { migrate } from '../../src/storage/migrate.js';
import { WaitsForItself } from '../../src/storage/one-connection-pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// The embedded PGlite server serves every connection from one session, so the app uses one
// connection there and every statement and transaction takes its turn on it (issue 11,
// docs/decisions/0003-embedded-pglite.md).
describe('the embedded database’s one connection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scim-pglite-pool-'));
  let server: DatabaseServer;
  let db: Database;

  beforeAll(async () => {
    server = await startEmbeddedDatabase(dir);
    await migrate(server.url);
    // The pool size asked for is what a server gets; the embedded database gets one connection.
    db = createDatabase(server.url, 4, { embedded: true });
    await sqlOf(db).execute('CREATE TABLE scratch (n integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
  }, 60_000);
  afterAll(async () => {
    await closeDatabase(db);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (where = 'true', ...params: unknown[]) =>
    Number(
      (await sqlOf(db).rows<{ n: string }[]>(`SELECT count(*) AS n FROM scratch WHERE ${where}`, ...params))[0]?.n,
    );

  it('runs concurrent transactions and statements one at a time, each transaction atomic and alone', async () => {
    await sqlOf(db).execute('DELETE FROM scratch');
    const inside: number[] = [];
    const transactions = Array.from({ length: 24 }, (_, n) =>
      inTransaction(db, async (tx) => {
        await tx.execute('INSERT INTO scratch (n) VALUES ($1)', n);
        // Give every other request the chance to run in between: none may.
        await sleep(2);
        const seen = (await tx.rows<{ n: number }[]>('SELECT n FROM scratch')).map((r) => r.n);
        // Its own row, and only rows that committed: no odd row of a transaction still open.
        inside.push(seen.includes(n) && seen.every((m) => m === n || m % 2 === 0) ? 1 : 0);
        if (n % 2 === 1) throw new Error(`roll ${n} back`);
      }).then(
        () => 'committed',
        (error: unknown) => (error as Error).message,
      ),
    );
    // Statements outside any transaction queue for the connection as well: none times out.
    const statements = Array.from({ length: 200 }, (_, i) =>
      sqlOf(db)
        .rows<{ i: number }[]>('SELECT $1::int AS i', i)
        .then((rows) => rows[0]?.i),
    );
    const outcomes = await Promise.all(transactions);
    expect(outcomes).toEqual(outcomes.map((_, n) => (n % 2 === 1 ? `roll ${n} back` : 'committed')));
    expect(await Promise.all(statements)).toEqual(statements.map((_, i) => i));
    // No transaction saw another's uncommitted work in its session.
    expect(inside).toEqual(inside.map(() => 1));
    expect(await count()).toBe(12);
    expect(await count('n % 2 = 1')).toBe(0);
  });

  it('rolls back a transaction whose statement failed or whose work threw, and serves the next one', async () => {
    await sqlOf(db).execute('DELETE FROM scratch');
    await expect(
      inTransaction(db, async (tx) => {
        await tx.execute('INSERT INTO scratch (n) VALUES (1)');
        await tx.execute('INSERT INTO scratch (n) VALUES (1 / 0)');
      }),
    ).rejects.toMatchObject({ code: '22012' });
    await expect(
      inTransaction(db, async (tx) => {
        await tx.execute('INSERT INTO scratch (n) VALUES (2)');
        throw new Error('not found');
      }),
    ).rejects.toThrow('not found');
    // A statement outside a transaction that fails (a unique violation, a 409) leaves the
    // connection as sound as before.
    await sqlOf(db).execute('INSERT INTO scratch (n) VALUES (3)');
    await expect(sqlOf(db).execute('INSERT INTO scratch (n) VALUES (3)')).rejects.toMatchObject({ code: '23505' });
    await inTransaction(db, (tx) => tx.execute('INSERT INTO scratch (n) VALUES (4)'));
    expect((await sqlOf(db).rows<{ n: number }[]>('SELECT n FROM scratch ORDER BY n')).map((r) => r.n)).toEqual([3, 4]);
  });

  it('refuses at once, instead of waiting forever, a transaction that asks for a second connection', async () => {
    await expect(inTransaction(db, () => sqlOf(db).rows('SELECT 1'))).rejects.toBeInstanceOf(WaitsForItself);
    await expect(inTransaction(db, () => inTransaction(db, (tx) => tx.rows('SELECT 1')))).rejects.toBeInstanceOf(
      WaitsForItself,
    );
    // Work the transaction left running asks like anyone else once it has ended.
    let later: Promise<unknown> = Promise.resolve();
    await inTransaction(db, async () => {
      later = sleep(20).then(() => sqlOf(db).rows('SELECT 1'));
    });
    await expect(later).resolves.toEqual([{ '?column?': 1 }]);
  });

  it('lets a Prisma transaction wait for the connection longer than Prisma’s default 2 s', async () => {
    const holder = inTransaction(db, async (tx) => {
      await tx.rows('SELECT 1');
      await sleep(2_500);
    });
    await sleep(50);
    const [tenants, total] = await db.$transaction([db.tenant.findMany(), db.tenant.count()]);
    expect(tenants).toEqual([]);
    expect(total).toBe(0);
    await holder;
  });

  it('rolls back the transaction of a connection that broke, and serves the next one', async () => {
    await sqlOf(db).execute('DELETE FROM scratch');
    // A client whose socket breaks mid-transaction: the app's connection waits meanwhile.
    const other = new pg.Client({ connectionString: server.url });
    other.on('error', () => undefined);
    await other.connect();
    await other.query('BEGIN');
    await other.query('INSERT INTO scratch (n) VALUES (7)');
    const waiting = inTransaction(db, (tx) => tx.execute('INSERT INTO scratch (n) VALUES (8)'));
    await sleep(50);
    other.connection.stream.destroy();
    await waiting;
    expect((await sqlOf(db).rows<{ n: number }[]>('SELECT n FROM scratch ORDER BY n')).map((r) => r.n)).toEqual([8]);
  });
});

describe('a PostgreSQL server’s pool', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase(database.url, 1);
  });
  afterAll(async () => {
    await closeDatabase(db);
    await database.drop();
  });

  it('keeps a connection whose statement failed (a 409 costs no reconnect)', async () => {
    const pid = async () => (await sqlOf(db).rows<{ pid: number }[]>('SELECT pg_backend_pid() AS pid'))[0]?.pid;
    const before = await pid();
    await expect(sqlOf(db).rows('SELECT 1 / 0')).rejects.toMatchObject({ code: '22012' });
    expect(await pid()).toBe(before);
  });

  it('closes a connection the server ended, and the next statement gets a new one', async () => {
    const pid = async () => (await sqlOf(db).rows<{ pid: number }[]>('SELECT pg_backend_pid() AS pid'))[0]?.pid;
    const before = await pid();
    const killer = new pg.Client({ connectionString: database.url });
    await killer.connect();
    try {
      // Ended between two statements of a transaction: the error event finds no query waiting.
      const broken = inTransaction(db, async (tx) => {
        await tx.rows('SELECT 1');
        await killer.query('SELECT pg_terminate_backend($1)', [before]);
        await sleep(100);
        await tx.rows('SELECT 1');
      });
      await expect(broken).rejects.toThrow();
    } finally {
      await killer.end();
    }
    const after = await pid();
    expect(after).not.toBe(before);
  });

  it('runs without JIT, which compiled a 0.3 ms unique-key lookup for 300 ms, keeping options the URL gives', async () => {
    expect((await sqlOf(db).rows<{ jit: string }[]>('SHOW jit'))[0]?.jit).toBe('off');
    const url = new URL(database.url);
    url.searchParams.set('options', '-c application_name=from-url');
    const withOptions = createDatabase(url.toString(), 1);
    try {
      const [row] = await sqlOf(withOptions).rows<{ jit: string; name: string }[]>(
        `SELECT current_setting('jit') AS jit, current_setting('application_name') AS name`,
      );
      expect(row).toEqual({ jit: 'off', name: 'from-url' });
    } finally {
      await closeDatabase(withOptions);
    }
  });
});
