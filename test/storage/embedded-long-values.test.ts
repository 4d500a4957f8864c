import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTIFIER_MAX_LENGTH, TEXT_MAX_LENGTH } from '../../src/scim/schema/limits.js';
import { startEmbeddedDatabase, type DatabaseServer } from '../../src/storage/embedded.js';
import { migrate } from '../../src/storage/migrate.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { expectTooLong, MEGABYTE, storedCounts, threeByteText } from '../helpers/long-values.js';
import { GROUP_SCHEMA, patchBody, scimTenant, USER_SCHEMA, type ScimClient } from '../helpers/scim.js';

// The zero-setup mode (PGlite, PostgreSQL 18 in WebAssembly) answers as PostgreSQL 15 does
// (test/http/long-values.test.ts). Issue 11, finding 5: here a 1 MB displayName or title was a
// 500 too, though no index holds either. The INSERT's Bind message reached the PGlite socket
// server over many socket reads, and a statement of another connection (the request log's
// batch) ran on the one shared session between that INSERT's Parse and Bind ("bind message
// supplies 9 parameters, but prepared statement "" requires 11", electric-sql/pglite#1046).
// Values over their limit (src/scim/schema/limits.ts) now never reach the database.
const dir = mkdtempSync(join(tmpdir(), 'scim-pglite-long-'));
let server: DatabaseServer;
let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  server = await startEmbeddedDatabase(dir, 8);
  await migrate(server.url);
  t = await createTestApp({ database: { url: server.url, name: 'pglite', drop: async () => {} }, embedded: true });
  scim = await scimTenant(t, 'pglite-long');
}, 60_000);
afterAll(async () => {
  await t.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('long values on the embedded PGlite database', () => {
  it.each([
    ['userName', '/Users', { schemas: [USER_SCHEMA], userName: MEGABYTE }, 'userName', IDENTIFIER_MAX_LENGTH],
    [
      'displayName',
      '/Users',
      { schemas: [USER_SCHEMA], userName: 'long-dn@example.com', displayName: MEGABYTE },
      'displayName',
      TEXT_MAX_LENGTH,
    ],
    [
      'title',
      '/Users',
      { schemas: [USER_SCHEMA], userName: 'long-title@example.com', title: MEGABYTE },
      'title',
      TEXT_MAX_LENGTH,
    ],
    [
      'externalId',
      '/Users',
      { schemas: [USER_SCHEMA], userName: 'long-ext@example.com', externalId: MEGABYTE },
      'externalId',
      IDENTIFIER_MAX_LENGTH,
    ],
    [
      'group displayName',
      '/Groups',
      { schemas: [GROUP_SCHEMA], displayName: MEGABYTE },
      'displayName',
      IDENTIFIER_MAX_LENGTH,
    ],
  ])('refuses a 1 MB %s with 400 invalidValue and writes nothing', async (_, endpoint, body, path, max) => {
    const before = await storedCounts(t, scim.tenantId);
    expectTooLong(await scim.call('POST', endpoint, body), path, max);
    expect(await storedCounts(t, scim.tenantId)).toEqual(before);
  });

  it('refuses a PATCH that sets a 1 MB title, leaving the user as it was', async () => {
    const user = await scim.createUser({ userName: 'long-patch@example.com', title: 'Short' });
    expectTooLong(
      await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path: 'title', value: MEGABYTE })),
      'title',
      TEXT_MAX_LENGTH,
    );
    expect((await scim.call('GET', `/Users/${user.id}`)).json<{ title: string }>().title).toBe('Short');
  });

  it('stores and finds identifiers at their limit in three-byte characters', async () => {
    const userName = threeByteText(IDENTIFIER_MAX_LENGTH, 5);
    const user = await scim.createUser({ userName, externalId: threeByteText(IDENTIFIER_MAX_LENGTH, 6) });
    const group = await scim.createGroup({ displayName: threeByteText(IDENTIFIER_MAX_LENGTH, 7) });
    const ids = async (endpoint: string, filter: string) =>
      (await scim.call('GET', `${endpoint}?filter=${encodeURIComponent(filter)}`))
        .json<{ Resources: { id: string }[] }>()
        .Resources.map((r) => r.id);
    expect(await ids('/Users', `userName eq "${userName}"`)).toEqual([user.id]);
    expect(await ids('/Groups', `displayName eq "${threeByteText(IDENTIFIER_MAX_LENGTH, 7)}"`)).toEqual([group.id]);
  });
});
