import { loadConfigOrExit } from './config/load-or-exit.js';
import { openDatabaseServer } from './storage/embedded.js';
import { migrate } from './storage/migrate.js';

/**
 * `npm run migrate`: applies pending migrations and exits, for deployments that migrate in a
 * separate step. The service also migrates on start, under the same advisory lock.
 */
async function run(): Promise<void> {
  const config = loadConfigOrExit();
  const database = await openDatabaseServer(config);
  try {
    const applied = await migrate(database.url);
    process.stdout.write(applied.length === 0 ? 'Database is up to date.\n' : `Applied: ${applied.join(', ')}\n`);
  } finally {
    await database.stop();
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
