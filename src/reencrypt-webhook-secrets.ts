import { loadConfigOrExit } from './config/load-or-exit.js';
import { resolveSecrets } from './config/secrets.js';
import { WebhookSecrets } from './events/webhook-secrets.js';
import { closeDatabase, createDatabase, sqlOf } from './storage/db.js';
import { openDatabaseServer } from './storage/embedded.js';
import { readMigrations } from './storage/migrate.js';
import { checkReadiness } from './storage/readiness.js';
import { WebhookStore } from './storage/webhook-store.js';

/**
 * `npm run reencrypt-webhook-secrets`: encrypts every webhook secret with the first key of
 * WEBHOOK_SECRET_ENCRYPTION_KEYS, as every start of the service does, and tells whether a row
 * still needs another key. Run it before removing a key from the list (docs/operations.md): it
 * also catches rows that replicas still on the old list wrote during the roll-out. Exits 1 when
 * a secret could not be decrypted.
 */
async function run(): Promise<number> {
  const config = loadConfigOrExit();
  const secrets = await resolveSecrets(config);
  const database = await openDatabaseServer(config);
  const db = createDatabase(database.url, 1, { embedded: database.embedded });
  try {
    const readiness = await checkReadiness(
      db,
      (await readMigrations()).map((m) => m.name),
    );
    if (!readiness.ready) {
      process.stderr.write(
        `The database is not ready (${readiness.reason}): start the service or run npm run migrate first.\n`,
      );
      return 1;
    }
    const report = await new WebhookSecrets(secrets.webhookSecretKeys).reencrypt(sqlOf(db), new WebhookStore());
    process.stdout.write(`Re-encrypted ${report.reencrypted} webhook secret(s) with key "${report.keyId}".\n`);
    for (const failed of report.failed) {
      process.stderr.write(`Webhook ${failed.id} of tenant ${failed.tenantId}: ${failed.reason}\n`);
    }
    if (report.failed.length > 0) return 1;
    process.stdout.write(`Every webhook secret is encrypted with key "${report.keyId}"; the other keys may go.\n`);
    return 0;
  } finally {
    await closeDatabase(db);
    await database.stop();
  }
}

run().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Re-encryption failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
