/**
 * `npm run worker`: the webhook dispatcher as its own process, for deployments that keep it
 * apart from the HTTP replicas (set DISPATCHER=off on those). Several workers and in-process
 * dispatchers share one database's work through leases (docs/events.md, "Webhooks").
 */
import { loadConfigOrExit } from './config/load-or-exit.js';
import { resolveSecrets } from './config/secrets.js';
import { createDeps, type Deps } from './deps.js';
import { createLogger } from './observability/logger.js';
import { readMigrations } from './storage/migrate.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
let deps: Deps | undefined;
let stopping = false;

async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'worker stopping: finishing deliveries under way');
  const force = setTimeout(() => process.exit(1), config.shutdownTimeoutMs);
  force.unref();
  await deps?.dispatcher.stop();
  await deps?.close();
  process.exit(0);
}

async function main(): Promise<void> {
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // The embedded database serves one process: a separate worker needs a shared PostgreSQL.
  if (config.databaseUrl === undefined) {
    throw new Error('DATABASE_URL is required: the worker shares the service’s PostgreSQL database.');
  }
  deps = createDeps({
    config,
    secrets: await resolveSecrets(config),
    logger,
    databaseUrl: config.databaseUrl,
    migrations: (await readMigrations()).map((m) => m.name),
  });
  // The HTTP service migrates; a worker that starts first waits for it.
  for (;;) {
    const readiness = await deps.readiness();
    if (readiness.ready) break;
    if (stopping) return;
    logger.info({ reason: readiness.reason }, 'worker waiting for the database to be migrated');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  deps.startEventFlow();
  deps.dispatcher.start();
  logger.info('webhook worker started');
}

main().catch(async (error: unknown) => {
  process.stderr.write(`Worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  await deps?.close().catch(() => undefined);
  process.exit(1);
});
