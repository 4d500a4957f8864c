import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { TransactionConflict, translateError } from './errors.js';
import { statementName } from './prepared-sql.js';

export type Database = PrismaClient;
/** The client handed to code running inside a transaction. */
export type Transaction = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export function createDatabase(url: string, poolSize: number): Database {
  // StatementNameGenerator is typed to return a string; undefined leaves a statement unnamed.
  const adapter = new PrismaPg(
    { connectionString: url, max: poolSize },
    { statementNameGenerator: (query) => statementName(query.sql) as string },
  );
  return new PrismaClient({ adapter });
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
