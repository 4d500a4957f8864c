import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { TransactionConflict, translateError } from './errors.js';
import { statementName } from './prepared-sql.js';

export type Database = PrismaClient;
/** The client handed to code running inside a transaction. */
export type Transaction = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

// The pg pool under each client: statements outside a transaction go to it directly.
const pools = new WeakMap<object, pg.Pool>();

export function createDatabase(url: string, poolSize: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // StatementNameGenerator is typed to return a string; undefined leaves a statement unnamed.
  const adapter = new PrismaPg(pool, { statementNameGenerator: (query) => statementName(query.sql) as string });
  const client = new PrismaClient({ adapter });
  pools.set(client, pool);
  return client;
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.$disconnect();
  await pools.get(db)?.end();
}

/**
 * Runs one raw statement and returns its rows. Outside a transaction it goes straight to the pg
 * pool Prisma's adapter uses (as a named prepared statement when registered): the hot paths
 * then skip Prisma's query pipeline, which the bench showed costing a fifth to a third of
 * their CPU. Inside a transaction it runs on the transaction's connection through Prisma.
 */
export async function queryRows<T>(q: Transaction, sql: string, ...params: unknown[]): Promise<T> {
  const pool = pools.get(q);
  if (pool === undefined) return q.$queryRawUnsafe<T>(sql, ...params);
  const name = statementName(sql);
  const result = await pool.query(
    name === undefined ? { text: sql, values: params } : { name, text: sql, values: params },
  );
  return result.rows as T;
}

const ATTEMPTS = 3;

/**
 * The only place a transaction opens (STYLE.md): use cases pass the work to run inside it, and
 * everything it writes, its events included, commits or rolls back together. A transaction
 * that loses a deadlock or serialization race (40P01, 40001) rolled back whole and is run
 * again, so the work must only touch the database and values it computes itself.
 */
export async function inTransaction<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      // A write may wait on row locks (a busy group) and replace large member lists.
      return await db.$transaction(work, { maxWait: 10_000, timeout: 60_000 });
    } catch (error) {
      if (attempt < ATTEMPTS && translateError(error) instanceof TransactionConflict) continue;
      throw error;
    }
  }
}
