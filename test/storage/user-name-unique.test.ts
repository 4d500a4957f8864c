import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`INSERT INTO tenants (id, name) VALUES ('one', 'One'), ('two', 'Two')`);
});
afterAll(async () => {
  await client.end();
  await database.drop();
});

const insertUser = (tenant: string, userName: string, deleted = false) =>
  client.query(
    `INSERT INTO scim_users (tenant_id, id, user_name, document, search, deleted_at) VALUES ($1, $2, $3, '{}', '{}', $4)`,
    [tenant, randomUUID(), userName, deleted ? new Date() : null],
  );

describe('userName uniqueness, enforced by the database (RFC 7643 §4.1.1: caseExact false, uniqueness server)', () => {
  it('refuses a second userName differing only in case within one tenant', async () => {
    await insertUser('one', 'Ada.Lovelace@example.com');
    await expect(insertUser('one', 'ada.lovelace@EXAMPLE.com')).rejects.toMatchObject({ code: '23505' });
  });

  it('allows the same userName in another tenant', async () => {
    await insertUser('one', 'grace@example.com');
    await expect(insertUser('two', 'Grace@example.com')).resolves.toBeDefined();
  });

  it('lets a soft-deleted user release its userName', async () => {
    await insertUser('one', 'alan@example.com', true);
    await expect(insertUser('one', 'Alan@example.com')).resolves.toBeDefined();
  });

  it('keeps exactly one winner when inserts race', async () => {
    const others = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const c = new pg.Client({ connectionString: database.url });
        await c.connect();
        return c;
      }),
    );
    try {
      const results = await Promise.allSettled(
        others.map((c, i) =>
          c.query(
            `INSERT INTO scim_users (tenant_id, id, user_name, document, search) VALUES ('two', $1, $2, '{}', '{}')`,
            [randomUUID(), i % 2 === 0 ? 'race@example.com' : 'RACE@example.com'],
          ),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    } finally {
      await Promise.all(others.map((c) => c.end()));
    }
  });

  it('serves userName lookups from the unique index', async () => {
    await client.query('ANALYZE scim_users');
    await client.query('SET enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id FROM scim_users WHERE tenant_id = 'one' AND lower(user_name) = lower('Ada.Lovelace@example.com') AND deleted_at IS NULL`,
    );
    await client.query('RESET enable_seqscan');
    expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('scim_users_user_name_key');
  });
});
