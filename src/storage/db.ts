import { PrismaPg } from '@prisma/adapter-pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PrismaClient } from '../generated/prisma/client.js';
import { TransactionConflict, translateError } from './errors.js';
import { statementName } from './prepared-sql.js';

export type Database = PrismaClient;

/**
 * Raw SQL, on the pool or on a transaction's own connection. The resource stores speak only
 * this: their statements go to pg directly (as named statements when registered), without
 * Prisma's query pipeline, which the bench showed costing a fifth to a third of the CPU of the
 * hot paths. Prisma stays the typed client for tenants and tokens.
 */
export interface Sql {
  rows<T>(sql: string, ...params: unknown[]): Promise<T>;
  /** Returns the number of rows the statement touched. */
  execute(sql: string, ...params: unknown[]): Promise<number>;
}
/** What code running inside a transaction gets: SQL on the transaction's connection. */
export type Transaction = Sql;

// The pg pool under each client: Prisma's adapter and the raw SQL share it.
const pools = new WeakMap<object, { pool: pg.Pool; named: boolean }>();

export interface DatabaseOptions {
  /**
   * Send hot statements as named prepared statements (the default). The embedded PGlite server
   * serves every connection from one session, where a name prepared on one connection already
   * exists for the next: there, statements go unnamed.
   */
  readonly namedStatements?: boolean;
}

export function createDatabase(url: string, poolSize: number, options: DatabaseOptions = {}): Database {
  const named = options.namedStatements !== false;
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection the server ends (restart, failover, DROP DATABASE … FORCE, shutdown)
  // is dropped from the pool by pg itself; without a listener its 'error' event would crash
  // the process. Requests that were using a connection still get their own error.
  pool.on('error', () => undefined);
  // StatementNameGenerator is typed to return a string; undefined leaves a statement unnamed.
  const adapter = new PrismaPg(
    pool,
    named ? { statementNameGenerator: (query) => statementName(query.sql) as string } : {},
  );
  const client = new PrismaClient({ adapter });
  pools.set(client, { pool, named });
  return client;
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.$disconnect();
  await poolOf(db).end();
}

function poolOf(db: Database): pg.Pool {
  return entryOf(db).pool;
}

function entryOf(db: Database): { pool: pg.Pool; named: boolean } {
  const entry = pools.get(db);
  if (entry === undefined) throw new Error('not a database made by createDatabase');
  return entry;
}

function sqlOn(runner: pg.Pool | pg.PoolClient, named: boolean): Sql {
  const run = (sql: string, params: unknown[]) => {
    const name = named ? statementName(sql) : undefined;
    return runner.query(name === undefined ? { text: sql, values: params } : { name, text: sql, values: params });
  };
  return {
    rows: async <T>(sql: string, ...params: unknown[]) => (await run(sql, params)).rows as T,
    execute: async (sql: string, ...params: unknown[]) => (await run(sql, params)).rowCount ?? 0,
  };
}

/** SQL outside any transaction: each statement commits on its own. */
export function sqlOf(db: Database): Sql {
  const { pool, named } = entryOf(db);
  return sqlOn(pool, named);
}

/**
 * Whether the database takes COPY … FROM STDIN: the embedded PGlite server (the one made
 * without named statements) does not, and a COPY to it never ends.
 */
export function canCopy(db: Database): boolean {
  return entryOf(db).named;
}

/**
 * Streams rows into a table with COPY … FROM STDIN, the cheapest way into PostgreSQL for many
 * rows at once. `rows` runs first, in the same transaction, and returns them in COPY's text
 * format, a line per row (see copyLine); it may read or lock what the rows depend on, which a
 * foreign key would otherwise check (and lock) once per row.
 */
export async function copyInto(db: Database, copySql: string, rows: (q: Sql) => Promise<string>): Promise<void> {
  const { pool, named } = entryOf(db);
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const text = await rows(sqlOn(client, named));
    if (text !== '') await pipeline(Readable.from([text]), client.query(copyFrom(copySql)));
    await client.query('COMMIT');
  } catch (error) {
    // A connection left mid-COPY or mid-transaction must not go back to the pool.
    broken = true;
    throw translateError(error);
  } finally {
    client.release(broken);
  }
}

// COPY's text format: backslash, tab, newline and carriage return escaped; \N is NULL.
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One row of COPY's text format. */
export function copyLine(values: readonly (string | number | null)[]): string {
  return `${values.map(copyValue).join('\t')}\n`;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

function copyValue(value: string | number | null): string {
  if (value === null) return '\\N';
  const text = String(value);
  // Most values need none (a JSON body has a backslash only where it escapes a character):
  // a test is cheaper than a replace that finds nothing.
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] ?? c) : text;
}

const ATTEMPTS = 3;

/**
 * The only place a transaction opens (STYLE.md): use cases pass the work to run inside it, and
 * everything it writes, its events included, commits or rolls back together. A transaction
 * that loses a deadlock or serialization race (40P01, 40001) rolled back whole and is run
 * again, so the work must only touch the database and values it computes itself.
 */
export async function inTransaction<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const { pool, named } = entryOf(db);
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(sqlOn(client, named));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection itself failed: it must not go back to the pool.
        broken = true;
      }
      if (attempt < ATTEMPTS && translateError(error) instanceof TransactionConflict) continue;
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
