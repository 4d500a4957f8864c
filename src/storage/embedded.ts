import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface DatabaseServer {
  readonly url: string;
  /** True when serving from the embedded database (zero-setup mode). */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/** The configured database, or the embedded one when no DATABASE_URL is set. */
export async function openDatabaseServer(config: {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
}): Promise<DatabaseServer> {
  if (config.databaseUrl !== undefined) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  return startEmbeddedDatabase(config.dataDir);
}

/**
 * Connections the socket server admits. Every one is served by the same PGlite session, with the
 * protocol messages of connections in use at once interleaved, so only one may be in use: the
 * app's (storage/one-connection-pool.ts), or before it the migrator's. The second is room for a
 * replacement to connect while a broken connection, or the migrator's, is still closing.
 */
const EMBEDDED_SERVER_CONNECTIONS = 2;

/**
 * The zero-setup default: PGlite (PostgreSQL compiled to WebAssembly) persisted under
 * DATA_DIR, served to Prisma and the migrator through the same pg driver as a real server.
 *
 * - One process at a time: PGlite is a single in-process database, so a second process on the
 *   same directory would silently fork the data. A lock file refuses it.
 * - Nobody else on the machine: the socket is a Unix socket inside DATA_DIR (mode 0700), not a
 *   TCP port any local user could reach without a password.
 * - One session for every connection: clients must use one connection at a time (see
 *   EMBEDDED_SERVER_CONNECTIONS); the app does, through one connection.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  maxConnections = EMBEDDED_SERVER_CONNECTIONS,
): Promise<DatabaseServer> {
  const directory = resolve(dataDir);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  const release = await lockDataDir(directory);
  try {
    // pg_trgm: the trigram indexes of co, sw and ew filters (migration *_substring_indexes).
    const db = await PGlite.create({ dataDir: join(directory, 'pgdata'), extensions: { pg_trgm } });
    // libpq's socket naming: <directory>/.s.PGSQL.<port>, port 5432 by default.
    const socketPath = join(directory, '.s.PGSQL.5432');
    await rm(socketPath, { force: true });
    const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections });
    await server.start();
    return {
      url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(directory)}`,
      embedded: true,
      async stop() {
        await server.stop();
        await db.close();
        await rm(socketPath, { force: true });
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Takes DATA_DIR/lock for this process; a lock left by a process that died is taken over. */
async function lockDataDir(directory: string): Promise<() => Promise<void>> {
  const path = join(directory, 'lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
      throw new DataDirInUseError(
        `DATA_DIR ${directory} is in use by process ${holder}: the embedded database serves one process at a time.`,
      );
    }
    await rm(path, { force: true });
  }
  throw new DataDirInUseError(`Could not lock DATA_DIR ${directory}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
