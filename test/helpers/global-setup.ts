import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/storage/migrate.js';
import { acquirePostgres } from './postgres-server.js';
import { databaseUrl } from './database-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The maintenance URL of the test server. */
    serverUrl: string;
    /** A migrated database that each test file clones (CREATE DATABASE … TEMPLATE). */
    templateDatabase: string;
  }
}

/** Once per run: a server and a migrated template database, both removed at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await acquirePostgres();
  const template = `scim_template_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  await migrate(databaseUrl(server.url, template));
  project.provide('serverUrl', server.url);
  project.provide('templateDatabase', template);
  return async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    } finally {
      await client.end();
    }
    await server.stop();
  };
}
