import type { Database } from './db.js';
import { postgresCode } from './errors.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

/** Ready means the database answers and every migration this build ships has been applied. */
export async function checkReadiness(db: Database, expectedMigrations: readonly string[]): Promise<Readiness> {
  try {
    const rows = await db.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    const applied = new Set(rows.map((r) => r.migration_name));
    const missing = expectedMigrations.filter((name) => !applied.has(name));
    return missing.length === 0
      ? { ready: true }
      : { ready: false, reason: `pending migrations: ${missing.join(', ')}` };
  } catch (error) {
    // 42P01: no _prisma_migrations table, so the database answers but was never migrated.
    if (postgresCode(error) === '42P01') return { ready: false, reason: 'database not migrated' };
    return { ready: false, reason: 'database unreachable' };
  }
}
