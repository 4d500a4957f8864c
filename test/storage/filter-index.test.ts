import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GROUP_RESOURCE_TYPE,
  USER_RESOURCE_TYPE,
  type ResourceTypeDefinition,
} from '../../src/scim/schema/registry.js';
import type { Sql } from '../../src/storage/db.js';
import { GroupStore } from '../../src/storage/group-store.js';
import { planPage } from '../../src/storage/page-plan.js';
import { UserStore } from '../../src/storage/user-store.js';
import { parseListQuery } from '../../src/scim/list-query.js';
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
  // Memberships too, so the planner sees a real table behind members and groups.
  await client.query(`
    INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type)
    SELECT g.tenant_id, g.id, u.id, 'User'
      FROM (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS n FROM scim_groups) g
      JOIN (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS n FROM scim_users) u
        ON u.tenant_id = g.tenant_id AND u.n = g.n
     WHERE g.n <= 20000`);
  await client.query('ANALYZE');
});
afterAll(async () => {
  await client.end();
  await database.drop();
});

/**
 * The plan of the list query the service really sends: the stores run against a recording Sql,
 * and the statement they would send is EXPLAINed on the seeded database.
 */
async function plan(type: ResourceTypeDefinition, filter: string): Promise<string> {
  const sent: { sql: string; params: unknown[] }[] = [];
  const recorder: Sql = {
    rows: async <T>(sql: string, ...params: unknown[]) => {
      sent.push({ sql, params });
      return [] as T;
    },
    execute: async () => 0,
  };
  const query = parseListQuery(type, { filter }, { defaultCount: 100, maxCount: 1000 });
  const { request } = planPage(type, query, { tenantId: 't1' });
  const store = type === USER_RESOURCE_TYPE ? new UserStore() : new GroupStore();
  await store.page(recorder, 't1', request);
  const statement = sent[0];
  if (statement === undefined) throw new Error('the store sent no statement');
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.sql}`, statement.params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('the list queries identity providers match with are index lookups (EXPLAIN)', () => {
  it.each([
    ['User', 'userName eq "User42@example.com"', 'scim_users_user_name_key'],
    ['User', 'externalId eq "ext-42"', 'scim_users_tenant_id_external_id_idx'],
    ['User', 'emails.value eq "user42@example.com"', 'scim_users_search_idx'],
    ['User', 'emails[type eq "work" and value eq "user42@example.com"]', 'scim_users_search_idx'],
    ['User', 'id eq "8f1b8d2e-1c1a-4b59-9f4e-7c9c3f1d2a10"', 'scim_users_pkey'],
    ['Group', 'displayName eq "group 42"', 'scim_groups_display_name_idx'],
    ['Group', 'externalId eq "gext-42"', 'scim_groups_tenant_id_external_id_idx'],
    ['Group', 'members.value eq "8f1b8d2e-1c1a-4b59-9f4e-7c9c3f1d2a10"', 'scim_group_members_tenant_id_member_id_idx'],
  ])('%s: %s uses %s', async (typeName, filter, index) => {
    const text = await plan(typeName === 'User' ? USER_RESOURCE_TYPE : GROUP_RESOURCE_TYPE, filter);
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan on scim_(users|groups|group_members)/);
  });
});
