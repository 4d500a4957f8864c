import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { firstStartBanner, lostSecretsWarning } from './banner.js';
import { loadConfigOrExit } from './config/load-or-exit.js';
import { resolveSecrets } from './config/secrets.js';
import { createDeps, type Deps } from './deps.js';
import { signerOf } from './http/plugins/jwt.js';
import { createLogger } from './observability/logger.js';
import { DataDirInUseError, openDatabaseServer, type DatabaseServer } from './storage/embedded.js';
import { migrate, MigrationError, readMigrations } from './storage/migrate.js';
import { bootstrapDefaultTenant } from './tenancy/bootstrap.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);

// What has been opened so far, so a signal at any point closes exactly that.
let database: DatabaseServer | undefined;
let deps: Deps | undefined;
let app: FastifyInstance | undefined;
let stopping = false;

async function closeAll(): Promise<void> {
  await app?.close();
  // Deliveries under way finish before the database closes.
  await deps?.dispatcher.stop();
  await deps?.close();
  await database?.stop();
}

async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping: finishing in-flight requests');
  const force = setTimeout(() => {
    logger.error('in-flight requests did not finish in time; closing the database and exiting');
    void Promise.race([database?.stop(), new Promise((r) => setTimeout(r, 1_000))]).finally(() => process.exit(1));
  }, config.shutdownTimeoutMs);
  force.unref();
  try {
    await closeAll();
    logger.info('stopped');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'error while stopping');
    process.exit(1);
  }
}

async function main(): Promise<void> {
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const secrets = await resolveSecrets(config);
  database = await openDatabaseServer(config);
  if (database.embedded) {
    logger.info({ dataDir: config.dataDir }, 'serving from the embedded database (no DATABASE_URL set)');
  }
  const migrations = await readMigrations();
  const applied = await migrate(database.url, migrations);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

  deps = createDeps({
    config,
    secrets,
    logger,
    databaseUrl: database.url,
    embedded: database.embedded,
    migrations: migrations.map((m) => m.name),
  });
  // After the migrations, before any delivery: rows from before encryption, or encrypted with a
  // key that is no longer the first, are encrypted with the first key (docs/operations.md).
  const reencryption = await deps.webhooks.reencryptSecrets();
  if (reencryption.reencrypted > 0) {
    logger.info({ keyId: reencryption.keyId, count: reencryption.reencrypted }, 're-encrypted webhook secrets');
  }
  for (const failed of reencryption.failed) {
    logger.error({ tenant: failed.tenantId, webhook: failed.id, reason: failed.reason }, 'webhook secret unreadable');
  }
  app = await buildApp(deps);
  if (stopping) return;
  await app.listen({ host: config.host, port: config.port });
  deps.startEventFlow();
  if (config.dispatcher === 'in-process') deps.dispatcher.start();

  // Only the zero-setup mode bootstraps, and only once listening succeeded, so the printed
  // token is never lost to a failed start. With an external database, replicas would race and
  // print tokens into production logs.
  if (!database.embedded) return;
  const first = await bootstrapDefaultTenant(deps.tenants, deps.scimTokens, signerOf(app));
  const adminToken = secrets.adminTokenFromEnvironment ? undefined : secrets.adminToken;
  if (first !== undefined) {
    process.stdout.write(firstStartBanner(first, adminToken, config.publicUrl));
  } else if (secrets.generated.some((name) => name !== 'webhookSecretKey')) {
    // The webhook key alone is generated on the first start after an upgrade from before webhook
    // secrets were encrypted: nothing was lost, and the stored secrets were just encrypted with it.
    process.stdout.write(lostSecretsWarning(secrets.generated, adminToken));
  }
}

main().catch(async (error: unknown) => {
  const known = error instanceof DataDirInUseError || error instanceof MigrationError;
  const message = error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error);
  process.stderr.write(`Failed to start: ${message}\n`);
  await closeAll().catch(() => undefined);
  process.exit(1);
});
