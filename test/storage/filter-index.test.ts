import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/scim/filter/parse.js';
import {
  GROUP_RESOURCE_TYPE,
  USER_RESOURCE_TYPE,
  type ResourceTypeDefinition,
} from '../../src/scim/schema/registry.js';
import { compileFilter } from '../../src/storage/filter-sql.js';
import { SqlParams } from '../../src/storage/sql-params.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
let client: pg.Client;

// Enough rows in two tenants that a sequential scan is the planner's last resort.
beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`INSERT INTO tenants (id, name) VALUES ('t1', 'One'), ('t2', 'Two')`);
  await client.query(`
    INSERT INTO scim_users (tenant_id, id, user_name, external_id, document, search)
    SELECT t, gen_random_uuid(), 'user' || g || '@example.com', 'ext-' || g, '{}',
           jsonb_build_object('username', 'user' || g || '@example.com',
                              'emails', jsonb_build_array(jsonb_build_object('value', 'user' || g || '@example.com', 'type', 'work')),
                              '$pr', jsonb_build_array('emails', 'emails.value', 'username'))
      FROM generate_series(1, 30000) g, unnest(ARRAY['t1', 't2']) t`);
  await client.query(`
    INSERT INTO scim_groups (tenant_id, id, display_name, external_id, document, search)
    SELECT t, gen_random_uuid(), 'Group ' || g, 'gext-' || g, '{}', jsonb_build_object('displayname', 'group ' || g)
      FROM generate_series(1, 30000) g, unnest(ARRAY['t1', 't2']) t`);
  await client.query('ANALYZE');
});
afterAll(async () => {
  await client.end();
  await database.drop();
});

async function plan(type: ResourceTypeDefinition, filter: string): Promise<string> {
  const params = new SqlParams();
  const where = compileFilter(type, parseFilter(filter), params);
  const table = type === USER_RESOURCE_TYPE ? 'scim_users' : 'scim_groups';
  // The same shape as the list query: users exclude soft-deleted rows, as the partial unique index does.
  const live = type === USER_RESOURCE_TYPE ? ' AND r.deleted_at IS NULL' : '';
  const sql = `EXPLAIN SELECT r.id FROM ${table} r WHERE r.tenant_id = $${params.values.length + 1}${live} AND ${where}`;
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(sql, [...params.values, 't1']);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('the filters identity providers match with are index lookups (EXPLAIN)', () => {
  it.each([
    ['User', 'userName eq "User42@example.com"', 'scim_users_user_name_key'],
    ['User', 'externalId eq "ext-42"', 'scim_users_tenant_id_external_id_idx'],
    ['User', 'emails.value eq "user42@example.com"', 'scim_users_search_idx'],
    ['User', 'emails[type eq "work" and value eq "user42@example.com"]', 'scim_users_search_idx'],
    ['User', 'id eq "8f1b8d2e-1c1a-4b59-9f4e-7c9c3f1d2a10"', 'scim_users_pkey'],
    ['Group', 'displayName eq "group 42"', 'scim_groups_display_name_idx'],
    ['Group', 'externalId eq "gext-42"', 'scim_groups_tenant_id_external_id_idx'],
  ])('%s: %s uses %s', async (typeName, filter, index) => {
    const text = await plan(typeName === 'User' ? USER_RESOURCE_TYPE : GROUP_RESOURCE_TYPE, filter);
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan/);
  });
});
