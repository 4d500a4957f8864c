import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createLogger } from '../../src/observability/logger.js';
import { readMigrations } from '../../src/storage/migrate.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const PUBLIC_URL = 'https://scim.example.test';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly deps: Deps;
  readonly database: TestDatabase;
  readonly adminToken: string;
  /** Every line the app logged, parsed. */
  readonly logLines: Record<string, unknown>[];
  /** The raw log text, to search for secrets that must not be there. */
  logText(): string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly database?: TestDatabase;
  readonly tokenCacheTtlMs?: number;
  /** The database is the embedded PGlite server. */
  readonly embedded?: boolean;
  /** More configuration, as environment variables (WEBHOOK_RETRY_BASE_MS, …). */
  readonly env?: Record<string, string>;
}

/** The app on a fresh database clone, as main.ts wires it, but not listening. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: database.url,
    ADMIN_TOKEN: adminToken,
    JWT_SECRET: randomBytes(32).toString('hex'),
    PUBLIC_URL: PUBLIC_URL,
    LOG_LEVEL: 'info',
    DATABASE_POOL_SIZE: '4',
    // Webhook receivers in tests listen on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    ...options.env,
  });
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const migrations = (await readMigrations()).map((m) => m.name);
  const deps = createDeps({
    config,
    secrets: { adminToken, jwtSecret: config.jwtSecret ?? '', adminTokenFromEnvironment: true, generated: [] },
    logger,
    databaseUrl: database.url,
    migrations,
    ...(options.tokenCacheTtlMs === undefined ? {} : { tokenCacheTtlMs: options.tokenCacheTtlMs }),
    ...(options.embedded === undefined ? {} : { embedded: options.embedded }),
  });
  const app = await buildApp(deps);
  await app.ready();
  const logText = () => chunks.join('');
  return {
    app,
    deps,
    database,
    adminToken,
    get logLines() {
      return logText()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logText,
    async close() {
      await app.close();
      await deps.dispatcher.stop();
      await deps.close();
      if (options.database === undefined) await database.drop();
    },
  };
}
