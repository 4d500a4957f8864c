import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { resolveSecrets } from '../../src/config/secrets.js';
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
  /** The environment the app was configured from, for processes that must share its secrets (the worker). */
  readonly env: Readonly<Record<string, string>>;
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
  /** What "now" is for agent expiry (deps.agentLifecycle.sweep() reads it). */
  readonly clock?: () => Date;
}

// Apps on one database share its webhook secret key, as replicas must: each can then deliver
// for subscriptions the other made.
const webhookKeys = new Map<string, string>();
function webhookKeysOf(database: TestDatabase): string {
  let keys = webhookKeys.get(database.url);
  if (keys === undefined) {
    keys = `test:${randomBytes(32).toString('base64')}`;
    webhookKeys.set(database.url, keys);
  }
  return keys;
}

/** The app on a fresh database clone, as main.ts wires it, but not listening. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const env = {
    DATABASE_URL: database.url,
    ADMIN_TOKEN: adminToken,
    JWT_SECRET: randomBytes(32).toString('hex'),
    WEBHOOK_SECRET_ENCRYPTION_KEYS: webhookKeysOf(database),
    PUBLIC_URL: PUBLIC_URL,
    LOG_LEVEL: 'info',
    DATABASE_POOL_SIZE: '4',
    // Webhook receivers in tests listen on 127.0.0.1.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    // Many tests race one tenant's requests on purpose (row locks, uniqueness, event order): the
    // per-tenant limit, which would answer some 429, is tested on its own (tenant-limits.test.ts).
    TENANT_MAX_CONCURRENT_REQUESTS: '0',
    ...options.env,
  };
  const config = loadConfig(env);
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
    // With DATABASE_URL, everything comes from the environment: nothing is read or written on disk.
    secrets: await resolveSecrets(config),
    logger,
    databaseUrl: database.url,
    migrations,
    ...(options.tokenCacheTtlMs === undefined ? {} : { tokenCacheTtlMs: options.tokenCacheTtlMs }),
    ...(options.embedded === undefined ? {} : { embedded: options.embedded }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const app = await buildApp(deps);
  await app.ready();
  deps.startEventFlow();
  const logText = () => chunks.join('');
  return {
    app,
    deps,
    database,
    adminToken,
    env,
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
