import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry, GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../src/scim/schema/built-in-types.js';
import { parseExtensionDefinition } from '../../src/scim/schema/extension-definition.js';
import { type ResourceTypeDefinition } from '../../src/scim/schema/registry.js';
import type { Sql } from '../../src/storage/db.js';
import { GroupStore } from '../../src/storage/group-store.js';
import { statementName } from '../../src/storage/prepared-sql.js';
import { planPage } from '../../src/storage/page-plan.js';
import { UserStore } from '../../src/storage/user-store.js';
import { parseListQuery } from '../../src/scim/list-query.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const ACME = 'urn:example:acme:2.0:User';
/** The User type of a tenant that registered an extension (admin API, docs/schemas.md). */
const ACME_USER = defaultRegistry
  .withExtensions([
    parseExtensionDefinition(ACME, { resourceType: 'User', attributes: [{ name: 'costCenter' }] }, ['User', 'Group']),
  ])
  .type('User');

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
  // One in 1024 carries a tenant's extension attribute, as an identity provider's custom
  // attribute arrives (issue 12): the shadow holds it under the lowercased URN. Rare, so that a
  // presence filter is selective: on a common attribute the planner rightly prefers walking the
  // creation-order index until the page is full, for core attributes as for extensions.
  await client.query(`
    UPDATE scim_users
       SET search = search || jsonb_build_object(
             '${ACME.toLowerCase()}', jsonb_build_object('costcenter', 'cc-' || (hashtext(id::text) & 1023)),
             '$pr', (search -> '$pr') || '["${ACME.toLowerCase()}:costcenter"]'::jsonb)
     WHERE hashtext(id::text) & 1023 = 0`);
  await client.query('ANALYZE');
});
afterAll(async () => {
  await client.end();
  await database.drop();
});

// EXECUTE's arguments as SQL literals; arrays as '{"a","b"}', which coerces to any array type.
const literal = (value: unknown): string =>
  Array.isArray(value)
    ? client.escapeLiteral(`{${value.map((v) => `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`)
    : typeof value === 'number'
      ? String(value)
      : client.escapeLiteral(String(value));

/**
 * The generic plan of a statement: the service sends its statements by name, and Postgres plans
 * a named statement once for all parameter values after five executions when that looks no
 * dearer; `force_generic_plan` shows that plan now.
 */
async function genericPlan(statement: { sql: string; params: unknown[] }): Promise<string> {
  await client.query('SET plan_cache_mode = force_generic_plan');
  await client.query(`PREPARE probe AS ${statement.sql}`);
  try {
    const args = statement.params.length === 0 ? '' : `(${statement.params.map(literal).join(', ')})`;
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE probe${args}`);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('DEALLOCATE probe');
    await client.query('RESET plan_cache_mode');
  }
}

/** What a store sends, recorded instead of run. */
function recorder(): { sql: Sql; sent: { sql: string; params: unknown[] }[] } {
  const sent: { sql: string; params: unknown[] }[] = [];
  return {
    sent,
    sql: {
      rows: async <T>(sql: string, ...params: unknown[]) => {
        sent.push({ sql, params });
        return [] as T;
      },
      execute: async () => 0,
    },
  };
}

/**
 * The first statement of the list query the service really sends for these query parameters:
 * the stores run against a recording Sql, and the statement they would send is EXPLAINed on the
 * seeded database.
 */
async function pageStatement(
  type: ResourceTypeDefinition,
  parameters: { readonly filter?: string; readonly sortBy?: string },
): Promise<{ sql: string; params: unknown[] }> {
  const { sql, sent } = recorder();
  const query = parseListQuery(type, parameters, { defaultCount: 100, maxCount: 1000 });
  const { request } = planPage(type, query, { tenantId: 't1', baseUrl: 'https://scim.example.com/scim/v2/t1' });
  // Users as a list shows them, with their groups (read in the same statement).
  await (type.id === 'User'
    ? new UserStore().page(sql, 't1', request, true)
    : new GroupStore().page(sql, 't1', request));
  const statement = sent[0];
  if (statement === undefined) throw new Error('the store sent no statement');
  return statement;
}

/** The statement of a filtered list. */
const listStatement = (type: ResourceTypeDefinition, filter: string) => pageStatement(type, { filter });

async function plan(type: ResourceTypeDefinition, filter: string): Promise<string> {
  const statement = await listStatement(type, filter);
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.sql}`, statement.params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

const INDEX_LOOKUPS: [string, string, string][] = [
  ['User', 'userName eq "User42@example.com"', 'scim_users_user_name_key'],
  ['User', 'externalId eq "ext-42"', 'scim_users_tenant_id_external_id_idx'],
  ['User', 'emails.value eq "user42@example.com"', 'scim_users_search_idx'],
  ['User', 'emails[type eq "work" and value eq "user42@example.com"]', 'scim_users_search_idx'],
  ['User', 'id eq "8f1b8d2e-1c1a-4b59-9f4e-7c9c3f1d2a10"', 'scim_users_pkey'],
  ['Group', 'displayName eq "group 42"', 'scim_groups_display_name_idx'],
  ['Group', 'externalId eq "gext-42"', 'scim_groups_tenant_id_external_id_idx'],
  ['Group', 'members.value eq "8f1b8d2e-1c1a-4b59-9f4e-7c9c3f1d2a10"', 'scim_group_members_tenant_id_member_id_idx'],
  ['User', 'userName co "ser4217"', 'scim_users_user_name_trgm_idx'],
  ['User', 'userName ew "4217@example.com"', 'scim_users_user_name_trgm_idx'],
  ['Group', 'displayName co "roup 421"', 'scim_groups_display_name_trgm_idx'],
];
// Indexes whose use depends on the value: their statements go unnamed, planned per request.
const PLANNED_PER_VALUE = new Set([
  'scim_users_search_idx',
  'scim_users_user_name_trgm_idx',
  'scim_groups_display_name_trgm_idx',
]);
const typeNamed = (name: string) => (name === 'User' ? USER_RESOURCE_TYPE : GROUP_RESOURCE_TYPE);

describe('the list queries identity providers match with are index lookups (EXPLAIN)', () => {
  it.each(INDEX_LOOKUPS)('%s: %s uses %s', async (typeName, filter, index) => {
    const text = await plan(typeNamed(typeName), filter);
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan on scim_(users|groups|group_members)/);
  });

  it.each(INDEX_LOOKUPS)(
    '%s: %s uses %s in its generic plan too, or is planned per request',
    async (typeName, filter, index) => {
      const statement = await listStatement(typeNamed(typeName), filter);
      if (PLANNED_PER_VALUE.has(index)) {
        // A generic plan cannot estimate JSONB containment or a LIKE pattern: such statements go unnamed.
        expect(statementName(statement.sql)).toBeUndefined();
        return;
      }
      expect(statementName(statement.sql)).toBeDefined();
      const text = await genericPlan(statement);
      expect(text).toContain(index);
      expect(text).not.toMatch(/Seq Scan on scim_(users|groups|group_members)/);
    },
  );
});

describe('a page sorted by userName or displayName walks its sort index (EXPLAIN)', () => {
  it.each([
    ['User', 'userName', 'scim_users_user_name_sort_idx'],
    ['Group', 'displayName', 'scim_groups_display_name_sort_idx'],
  ])('%s sortBy=%s uses %s, and is planned per request', async (typeName, sortBy, index) => {
    const statement = await pageStatement(typeNamed(typeName), { sortBy });
    expect(statementName(statement.sql)).toBeUndefined();
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.sql}`, statement.params);
    const text = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan on scim_(users|groups)/);
  });
});

describe("a tenant's extension attributes are indexed like core ones (EXPLAIN)", () => {
  it.each([`${ACME}:costCenter eq "CC-42"`, `${ACME}:costCenter pr`])(
    '%s uses scim_users_search_idx and is planned per request',
    async (filter) => {
      const text = await plan(ACME_USER, filter);
      expect(text).toContain('scim_users_search_idx');
      expect(text).not.toMatch(/Seq Scan on scim_users/);
      expect(statementName((await listStatement(ACME_USER, filter)).sql)).toBeUndefined();
    },
  );
});

describe('memberships are read by index probes, in custom and generic plans alike', () => {
  let userId: string;
  beforeAll(async () => {
    const { rows } = await client.query<{ member_id: string }>(
      `SELECT member_id FROM scim_group_members WHERE tenant_id = 't1' LIMIT 1`,
    );
    userId = rows[0]?.member_id ?? '';
  });

  it('reads a user with its groups, nested ones included, without scanning memberships or groups', async () => {
    const { sql, sent } = recorder();
    await new UserStore().find(sql, 't1', userId, { withGroups: true });
    const statement = sent[0];
    if (statement === undefined) throw new Error('the store sent no statement');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.sql}`, statement.params);
    for (const text of [rows.map((r) => r['QUERY PLAN']).join('\n'), await genericPlan(statement)]) {
      expect(text).toContain('scim_users_pkey');
      expect(text).toContain('scim_group_members_tenant_id_member_id_idx');
      expect(text).not.toMatch(/Seq Scan on scim_(users|groups|group_members)/);
    }
  });

  it('filters users by groups.value through nested groups without scanning memberships', async () => {
    const statement = await listStatement(USER_RESOURCE_TYPE, `groups.value eq "${userId}"`);
    expect(await genericPlan(statement)).not.toMatch(/Seq Scan on scim_(groups|group_members)/);
    expect(await plan(USER_RESOURCE_TYPE, `groups.value eq "${userId}"`)).not.toMatch(
      /Seq Scan on scim_(groups|group_members)/,
    );
  });
});
