import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase, type TestDatabase } from '../helpers/database.js';

const run = promisify(execFile);
const ENTRY = join(import.meta.dirname, '../../dist/migrate.js');
let database: TestDatabase;

beforeAll(async () => {
  database = await createEmptyDatabase();
});
afterAll(() => database.drop());

const migrateCommand = () =>
  run(process.execPath, [ENTRY], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      ADMIN_TOKEN: 'a'.repeat(16),
      JWT_SECRET: 'j'.repeat(32),
      WEBHOOK_SECRET_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    },
  });

describe('npm run migrate', () => {
  it('applies pending migrations, then reports the database up to date', async () => {
    expect((await migrateCommand()).stdout).toMatch(/^Applied: \d+_foundation/);
    expect((await migrateCommand()).stdout).toBe('Database is up to date.\n');
  });
});
