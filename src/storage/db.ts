import { PrismaPg } from '@prisma/adapter-pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PrismaClient } from '../generated/prisma/client.js';
import { TransactionConflict, translateError } from './errors.js';
import { holding, OneConnectionPool } from './one-connection-pool.js';
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
   * The database is the embedded PGlite server, which serves every connection from ONE
   * session: the app then uses one connection (OneConnectionPool), whatever the pool size.
   * Statements go unnamed there: the session outlives a connection, so a name prepared on one
   * that broke would still exist for its successor, which would prepare it again and fail.
   */
  readonly embedded?: boolean;
  /**
   * PostgreSQL's statement_timeout for every connection of the pool, in ms (0 or absent: the
   * server's own), sent in the startup message: a statement running longer is canceled by the
   * server (SQLSTATE 57014, errors.ts StatementCanceled) and frees its connection, so no request
   * holds one indefinitely. Not for the embedded database: PGlite accepts the setting but
   * never cancels (docs/operations.md).
   */
  readonly statementTimeoutMs?: number;
}

/**
 * How long a Prisma transaction waits for a connection. Its default, 2 s, is shorter than the
 * queue for the embedded database's one connection can be under load, and a tenant's deletion
 * would fail for it; pg's own queue (the raw SQL's) waits without limit.
 */
const EMBEDDED_TRANSACTION_MAX_WAIT_MS = 60_000;

export function createDatabase(url: string, poolSize: number, options: DatabaseOptions = {}): Database {
  const embedded = options.embedded === true;
  const named = !embedded;
  const pool = embedded
    ? new OneConnectionPool(url)
    : new pg.Pool({
        connectionString: withoutOptions(url),
        max: poolSize,
        ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
        // No JIT: the planner overestimates rows for a correlated subquery (User.groups), and a
        // unique-key lookup then spent 300 ms compiling a statement that runs in 0.3 ms. Every
        // statement here is a short, indexed one, which JIT never pays for.
        // Options the URL gives (?options=…) are kept, before ours: pg would let them replace ours.
        options: [urlOptions(url), '-c jit=off'].filter((o) => o !== '').join(' '),
      });
  // An idle connection the server ends (restart, failover, DROP DATABASE … FORCE, shutdown)
  // is dropped from the pool by pg itself; without a listener its 'error' event would crash
  // the process. Requests that were using a connection still get their own error.
  pool.on('error', () => undefined);
  // StatementNameGenerator is typed to return a string; undefined leaves a statement unnamed.
  const adapter = new PrismaPg(
    pool,
    named ? { statementNameGenerator: (query) => statementName(query.sql) as string } : {},
  );
  const client = new PrismaClient({
    adapter,
    ...(embedded ? { transactionOptions: { maxWait: EMBEDDED_TRANSACTION_MAX_WAIT_MS } } : {}),
  });
  pools.set(client, { pool, named });
  return client;
}

function urlOptions(url: string): string {
  return URL.canParse(url) ? (new URL(url).searchParams.get('options') ?? '') : '';
}

function withoutOptions(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  parsed.searchParams.delete('options');
  return parsed.toString();
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
    const query = name === undefined ? { text: sql, values: params } : { name, text: sql, values: params };
    return runner instanceof pg.Pool ? onPool(runner, query) : runner.query(query);
  };
  return {
    rows: async <T>(sql: string, ...params: unknown[]) => (await run(sql, params)).rows as T,
    execute: async (sql: string, ...params: unknown[]) => (await run(sql, params)).rowCount ?? 0,
  };
}

/**
 * One statement on a pooled connection. pool.query() would close the connection on any error;
 * an error the server reports for a statement (a unique violation, a 409) leaves it sound, so it
 * goes back to the pool: reconnecting for every conflict costs a server a backend start, and
 * the embedded database's only connection a gap in which its replacement must wait.
 */
async function onPool(pool: pg.Pool, query: pg.QueryConfig): Promise<pg.QueryResult> {
  const lease = await leaseFrom(pool);
  try {
    return await lease.client.query(query);
  } catch (error) {
    if (!sound(error)) lease.broken = true;
    throw error;
  } finally {
    lease.release();
  }
}

/** An error the server reported for a statement: ERROR, not FATAL or PANIC, which end the session. */
function sound(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity === 'ERROR';
}

interface Lease {
  readonly client: pg.PoolClient;
  /** Set when the connection failed: it is closed on release, not pooled again. */
  broken: boolean;
  release(): void;
}

/**
 * A connection taken from the pool until release(). While it is out, its 'error' event (the
 * server ended the session, the socket broke between two statements) would crash the process
 * without a listener, as pg emits it when no query is waiting for the answer: here it marks the
 * connection broken, and the next statement on it fails on its own.
 */
async function leaseFrom(pool: pg.Pool): Promise<Lease> {
  const client = await pool.connect();
  const onError = () => {
    lease.broken = true;
  };
  const lease: Lease = {
    client,
    broken: false,
    release() {
      client.removeListener('error', onError);
      client.release(lease.broken);
    },
  };
  client.on('error', onError);
  return lease;
}

/** SQL outside any transaction: each statement commits on its own. */
export function sqlOf(db: Database): Sql {
  const { pool, named } = entryOf(db);
  return sqlOn(pool, named);
}

/**
 * Whether the database takes COPY … FROM STDIN: the embedded PGlite server (the one whose
 * statements go unnamed) does not, and a COPY to it never ends.
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
  const lease = await leaseFrom(pool);
  const { client } = lease;
  try {
    await client.query('BEGIN');
    const text = await holding(pool, () => rows(sqlOn(client, named)));
    if (text !== '') await pipeline(Readable.from([text]), client.query(copyFrom(copySql)));
    await client.query('COMMIT');
  } catch (error) {
    // A connection left mid-COPY or mid-transaction must not go back to the pool.
    lease.broken = true;
    throw translateError(error);
  } finally {
    lease.release();
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
 *
 * The work holds its connection until it returns, so it must not wait for anything that needs
 * another: on the embedded database's one connection that would wait forever (the pool refuses
 * it, see OneConnectionPool), on a server once the pool is exhausted. A statement that fails
 * leaves the transaction to ROLLBACK, and the connection goes back to the pool sound; one that
 * broke is closed, and the next request gets a new one.
 */
export async function inTransaction<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const { pool, named } = entryOf(db);
  for (let attempt = 1; ; attempt += 1) {
    const lease = await leaseFrom(pool);
    const { client } = lease;
    try {
      await client.query('BEGIN');
      const result = await holding(pool, () => work(sqlOn(client, named)));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection itself failed: it must not go back to the pool.
        lease.broken = true;
      }
      if (attempt < ATTEMPTS && translateError(error) instanceof TransactionConflict) continue;
      throw error;
    } finally {
      lease.release();
    }
  }
}
