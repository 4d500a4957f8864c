import { buildApp } from './app.js';
import { firstStartBanner } from './banner.js';
import { loadConfigOrExit } from './config/load-or-exit.js';
import { resolveSecrets } from './config/secrets.js';
import { createDeps } from './deps.js';
import { signerOf } from './http/plugins/jwt.js';
import { createLogger } from './observability/logger.js';
import { openDatabaseServer } from './storage/embedded.js';
import { migrate, readMigrations } from './storage/migrate.js';
import { bootstrapDefaultTenant } from './tenancy/bootstrap.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const secrets = await resolveSecrets(config);

  const database = await openDatabaseServer(config);
  if (database.embedded) {
    logger.info({ dataDir: config.dataDir }, 'serving from the embedded database (no DATABASE_URL set)');
  }
  const migrations = await readMigrations();
  const applied = await migrate(database.url, migrations);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

  const deps = createDeps({
    config,
    secrets,
    logger,
    databaseUrl: database.url,
    migrations: migrations.map((m) => m.name),
  });
  const app = await buildApp(deps);
  await app.ready();

  // Only the zero-setup mode bootstraps: with an external database, replicas would race and
  // print tokens into production logs.
  const first = database.embedded
    ? await bootstrapDefaultTenant(deps.tenants, deps.scimTokens, signerOf(app))
    : undefined;
  await app.listen({ host: config.host, port: config.port });
  if (first !== undefined) {
    process.stdout.write(
      firstStartBanner(first, secrets.adminTokenFromEnvironment ? undefined : secrets.adminToken, config.publicUrl),
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    await app.close();
    await deps.close();
    await database.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
