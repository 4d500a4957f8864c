import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  /** A postgres:// URL for the loopback socket that serves the embedded database. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The zero-setup default: PGlite (PostgreSQL compiled to WebAssembly) persisted under
 * DATA_DIR, served on a loopback socket so that Prisma and the migrator reach it through the
 * same pg driver as a real server. PGlite runs one statement at a time; concurrent
 * transactions from the pool are queued by the socket server, which suits one local process.
 */
export async function startEmbeddedDatabase(dataDir: string, maxConnections: number): Promise<EmbeddedDatabase> {
  const directory = join(dataDir, 'pgdata');
  await mkdir(directory, { recursive: true });
  const db = await PGlite.create({ dataDir: directory });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await server.start();
  return {
    url: `postgresql://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

export interface DatabaseServer {
  readonly url: string;
  /** True when serving from the embedded database (zero-setup mode). */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

/** The configured database, or the embedded one when no DATABASE_URL is set. */
export async function openDatabaseServer(config: {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly databasePoolSize: number;
}): Promise<DatabaseServer> {
  if (config.databaseUrl !== undefined) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  // The pool plus the migrator's own connection.
  const db = await startEmbeddedDatabase(config.dataDir, config.databasePoolSize + 1);
  return { url: db.url, embedded: true, stop: () => db.stop() };
}
