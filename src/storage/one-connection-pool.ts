import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

/**
 * The pool for the embedded database, whose server serves every connection from ONE PostgreSQL
 * session and interleaves their protocol messages: two connections in use at once corrupt each
 * other's unnamed statements, portals and transactions (issue 11). One connection makes pg
 * serialize the app's access exactly: a pg client sends a statement only after the previous one's
 * ReadyForQuery, a transaction keeps the client from BEGIN to COMMIT, and everyone else waits in
 * the pool's first-come queue (docs/decisions/0003-embedded-pglite.md).
 *
 * With one connection, code that holds it (a transaction) and asks the pool for another would wait
 * for itself forever, and every request after it behind it. The pool refuses that at once instead,
 * for our own SQL (sqlOf, inTransaction, copyInto, all in storage/db.ts). A Prisma call does not
 * keep the async context this relies on, so Prisma inside a transaction is not caught: none is.
 */
export class OneConnectionPool extends pg.Pool {
  constructor(connectionString: string) {
    super({
      connectionString,
      max: 1,
      // Waiters wait as long as it takes (pg's default, stated): a timeout would turn a queue
      // under load into a storm of errors.
      connectionTimeoutMillis: 0,
      // The one connection is kept: closing it when idle saves nothing.
      idleTimeoutMillis: 0,
    });
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | undefined {
    // pool.query() (Prisma's way) asks here with a callback; our own SQL without one.
    if (holder.getStore()?.holds === true) {
      const error = new WaitsForItself();
      if (callback === undefined) return Promise.reject(error);
      callback(error, undefined, () => undefined);
      return undefined;
    }
    if (callback === undefined) return super.connect();
    super.connect(callback);
    return undefined;
  }
}

/** A transaction asked the pool for a connection while holding the only one. */
export class WaitsForItself extends Error {
  override name = 'WaitsForItself';
  constructor() {
    super(
      'Asked the embedded database for a connection while holding its only one (a transaction), ' +
        'which would wait forever: run the statement on the transaction, or after it.',
    );
  }
}

/**
 * Who holds the connection: set for the work of a transaction, and cleared when it ends, so a
 * promise the work left running asks the pool as anyone else does afterwards.
 */
const holder = new AsyncLocalStorage<{ holds: boolean }>();

/** Runs work that holds a connection of `pool`; on the one-connection pool, marks it so. */
export async function holding<T>(pool: pg.Pool, work: () => Promise<T>): Promise<T> {
  // Only the embedded mode pays for the async context: there the wait is certain, on a server
  // only once every connection is taken.
  if (!(pool instanceof OneConnectionPool)) return work();
  const mark = { holds: true };
  try {
    return await holder.run(mark, work);
  } finally {
    mark.holds = false;
  }
}
