import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { statementsDuring } from '../helpers/pg-statements.js';
import { GROUP_SCHEMA, patchBody, scimTenant, USER_SCHEMA, type ScimClient } from '../helpers/scim.js';
import { EXCEPTIONS, checkStatement, type Catalog } from '../helpers/tenant-pinning.js';

// Issue 13, item 6: every statement a request sends pins tenant_id to one value, which is what lets
// the tenant-owned tables be distributed by tenant_id (test/helpers/tenant-pinning.ts: the checker
// and its limits).

// ---------------------------------------------------------------------------------------------
// The checker itself can fail

const UNIT_CATALOG: Catalog = {
  columns: new Map(
    Object.entries({
      tenants: ['id', 'name', 'event_sequence'],
      scim_users: ['tenant_id', 'id', 'user_name', 'active'],
      scim_groups: ['tenant_id', 'id', 'display_name'],
      scim_group_members: ['tenant_id', 'group_id', 'member_id'],
      webhook_subscriptions: ['tenant_id', 'id', 'delivered_sequence'],
      outbox_pending: ['tenant_id', 'position'],
      settings: ['key', 'value'],
    }).map(([table, columns]) => [table, new Set(columns)]),
  ),
  functions: new Set(['scim_sequence_events', 'scim_purge', 'scim_user_groups']),
};

describe('the tenant_id checker', () => {
  const verdict = (sql: string) => checkStatement(sql, UNIT_CATALOG).violations;

  it.each([
    'SELECT * FROM scim_users WHERE id = $1',
    'SELECT u.id FROM scim_users u JOIN scim_group_members m ON m.member_id = u.id WHERE u.tenant_id = $1',
    'SELECT * FROM scim_users WHERE tenant_id = $1 OR id = $2',
    'SELECT * FROM scim_users WHERE tenant_id = ANY($1::text[])',
    'SELECT * FROM scim_users WHERE tenant_id IN ($1, $2)',
    'SELECT * FROM scim_users WHERE NOT tenant_id = $1',
    'SELECT * FROM scim_users WHERE tenant_id = $1::text || user_name',
    "SELECT * FROM scim_users WHERE id = 'tenant_id = $1'",
    'SELECT * FROM scim_users -- WHERE tenant_id = $1\n WHERE id = $2',
    'SELECT * FROM scim_users r WHERE r.id = $2 AND EXISTS (SELECT 1 FROM scim_groups g WHERE r.tenant_id = $1)',
    'SELECT r.id, (SELECT count(*) FROM scim_group_members m WHERE m.member_id = r.id) FROM scim_users r WHERE r.tenant_id = $1',
    'SELECT id FROM scim_users WHERE tenant_id = $1 UNION SELECT id FROM scim_groups',
    'SELECT * FROM scim_users u LEFT JOIN scim_groups g ON u.tenant_id = $1 AND g.tenant_id = u.tenant_id',
    'SELECT * FROM scim_users u, scim_groups g WHERE u.tenant_id = $1 AND g.id = u.id',
    'SELECT * FROM scim_users u JOIN scim_groups g ON g.tenant_id = u.tenant_id',
    'SELECT u.id FROM scim_users u, (SELECT $1::text AS tid) s WHERE u.tenant_id = tid',
    'UPDATE tenants SET name = $2 WHERE id = (SELECT id FROM tenants WHERE name = $1)',
    'UPDATE tenants SET name = $2 WHERE id = (SELECT tenant_id FROM scim_users WHERE id = $1)',
    'SELECT * FROM tenants',
    'SELECT * FROM tenants WHERE name = $1',
    'SELECT * FROM settings WHERE key = $1',
    'INSERT INTO scim_users (id, user_name) VALUES ($1, $2)',
    'INSERT INTO scim_users (tenant_id, id) VALUES ($1, $2), ($3, $4)',
    'INSERT INTO scim_users (tenant_id, id) SELECT tenant_id, id FROM scim_groups',
    'INSERT INTO webhook_subscriptions (tenant_id, id) SELECT id, $2 FROM tenants t',
    'UPDATE scim_users SET active = false WHERE id = $1',
    'UPDATE scim_users SET active = false WHERE tenant_id = tenant_id',
    'DELETE FROM scim_group_members WHERE member_id = $1',
    'WITH w AS (DELETE FROM scim_group_members WHERE member_id = $2 RETURNING group_id) SELECT * FROM w',
    'SELECT scim_sequence_events(tenant_id, 10) FROM scim_users WHERE tenant_id = $1',
    'SELECT scim_user_groups(r.tenant_id, r.id) FROM scim_users r WHERE r.id = $1',
    'SELECT scim_user_groups(g.tenant_id, r.id) FROM scim_users r WHERE r.tenant_id = $1',
    'SELECT scim_purge($1)',
    'TABLE scim_users',
    'SELECT * FROM scim_users WHERE tenant_id = $1 AND (SELECT 1 FROM scim_groups) = 1',
  ])('rejects %s', (sql) => {
    expect(verdict(sql)).not.toEqual([]);
  });

  it.each([
    'SELECT * FROM scim_users WHERE tenant_id = $1 AND id = $2',
    "SELECT * FROM scim_users WHERE tenant_id = 'acme'",
    'SELECT u.id FROM scim_users u JOIN scim_group_members m ON m.tenant_id = u.tenant_id AND m.member_id = u.id WHERE u.tenant_id = $1',
    'SELECT m.member_id, u.user_name FROM scim_group_members m LEFT JOIN scim_users u ON u.tenant_id = m.tenant_id AND u.id = m.member_id WHERE m.tenant_id = $1',
    'SELECT r.id, (SELECT count(*) FROM scim_group_members m WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id) FROM scim_users r WHERE r.tenant_id = $1::text',
    'SELECT * FROM scim_users r WHERE r.tenant_id = $1 AND (r.active OR r.user_name = $2)',
    'SELECT "public"."tenants"."id" FROM "public"."tenants" WHERE ("public"."tenants"."id" = $1 AND 1=1) LIMIT $2',
    'UPDATE "public"."tenants" SET "name" = $1 WHERE "public"."tenants"."id" = $2',
    'INSERT INTO scim_users AS r (tenant_id, id) VALUES ($1, $2::uuid), ($1, $3::uuid) RETURNING r.id',
    'INSERT INTO tenants (id, name) VALUES ($1, $2)',
    'INSERT INTO scim_group_members (tenant_id, group_id, member_id) SELECT $1, $2::uuid, m.id FROM unnest($3::uuid[]) AS m(id)',
    'INSERT INTO webhook_subscriptions (tenant_id, id, delivered_sequence) SELECT id, $2, event_sequence + (SELECT count(*) FROM outbox_pending p WHERE p.tenant_id = t.id) FROM tenants t WHERE id = $1',
    'WITH removed AS (DELETE FROM scim_group_members WHERE tenant_id = $1 AND member_id = $2 RETURNING group_id) UPDATE scim_groups SET display_name = $3 WHERE tenant_id = $1 AND id IN (SELECT group_id FROM removed)',
    'SELECT id FROM scim_users WHERE tenant_id = $1 UNION ALL SELECT id FROM scim_groups WHERE tenant_id = $1',
    'SELECT scim_sequence_events($1, $2) AS moved',
    'SELECT scim_user_groups(r.tenant_id, r.id) FROM scim_users r WHERE r.tenant_id = $1',
    'SELECT * FROM scim_users, unnest($2::uuid[]) AS x(id) WHERE tenant_id = $1',
    'UPDATE tenants SET name = $2 WHERE id = (SELECT id FROM tenants WHERE id = $1 FOR UPDATE)',
    'SELECT id FROM tenants, pg_advisory_xact_lock(hashtextextended($1, 0)) WHERE id = $1',
    'BEGIN',
  ])('accepts %s', (sql) => {
    expect(verdict(sql)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The request path

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const AGENT_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Agent';
const APPLICATION_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:AgenticApplication';
const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const ACME = 'urn:example:acme:2.0:User';
const OKTA = 'urn:okta:custom:user:1.0';

function expectStatus(res: LightMyRequestResponse, status: number): LightMyRequestResponse {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  return res;
}

const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;

/** What an identity provider and the app's admin do with one tenant, end to end. */
async function provisionAndAdminister(
  t: TestApp,
  scim: ScimClient,
  name: string,
  deletePolicy: 'delete' | 'deactivate',
): Promise<void> {
  const admin = adminClient(t.app, t.adminToken);
  const tenant = `/admin/v1/tenants/${scim.tenantId}`;
  const schemaUrl = `${tenant}/schemas/${encodeURIComponent(ACME)}`;

  // The tenant's settings: delete policy, undeclared extensions, a declared one, a mapping.
  expectStatus(await admin.call('PATCH', tenant, { deletePolicy, unknownExtensions: 'accept' }), 200);
  expectStatus(await admin.call('GET', tenant), 200);
  const acme = {
    resourceType: 'User',
    attributes: [
      { name: 'costCenter', caseExact: false },
      { name: 'level', type: 'integer' },
    ],
  };
  expectStatus(await admin.call('PUT', schemaUrl, acme), 201);
  expectStatus(await admin.call('GET', `${tenant}/schemas`), 200);
  expectStatus(await admin.call('GET', schemaUrl), 200);
  const mapping = { User: { login: 'userName', costCenter: `${ACME}:costCenter` } };
  expectStatus(await admin.call('PUT', `${tenant}/attribute-mapping`, mapping), 200);
  expectStatus(await admin.call('GET', `${tenant}/attribute-mapping`), 200);

  const ada = await scim.createUser({
    schemas: [USER_SCHEMA, ACME, OKTA],
    userName: `ada@${name}.test`,
    externalId: `ext-ada-${name}`,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    title: 'Engineer',
    emails: [{ value: `ada@${name}.test`, type: 'work', primary: true }],
    [ACME]: { costCenter: 'CC-1', level: 3 },
    [OKTA]: { isAdmin: true },
  });
  const bob = await scim.createUser({ userName: `bob@${name}.test`, name: { givenName: 'Bob', familyName: 'Byte' } });
  const cat = await scim.createUser({ userName: `cat@${name}.test`, title: 'Manager' });
  const team = await scim.createGroup({ displayName: `Team ${name}`, members: [{ value: ada.id }] });
  const outer = await scim.createGroup({
    displayName: `Outer ${name}`,
    externalId: `ext-outer-${name}`,
    members: [{ value: team.id, type: 'Group' }],
  });
  expectStatus(await admin.call('GET', `${tenant}/unregistered-attributes`), 200);

  // Reads by id, with attribute selection (RFC 7644 §3.4.1, §3.9).
  expectStatus(await scim.call('GET', `/Users/${ada.id}`), 200);
  expectStatus(await scim.call('GET', `/Users/${ada.id}?attributes=userName,groups`), 200);
  expectStatus(await scim.call('GET', `/Users/${ada.id}?excludedAttributes=groups`), 200);
  expectStatus(await scim.call('GET', `/Groups/${team.id}`), 200);
  expectStatus(await scim.call('GET', `/Groups/${team.id}?excludedAttributes=members`), 200);
  expectStatus(await scim.call('GET', `/Groups/${outer.id}?attributes=members.display`), 200);

  // Filters (RFC 7644 §3.4.2.2), sorting (§3.4.2.3), index paging (§3.4.2.4), cursor paging (RFC 9865).
  const userFilters = [
    `userName eq "ada@${name}.test"`,
    `externalId eq "ext-ada-${name}"`,
    `id eq "${bob.id}"`,
    'name.givenName co "d"',
    'userName sw "b"',
    'title pr',
    `emails[type eq "work" and value co "${name}"]`,
    'title eq "Engineer" or title eq "Manager"',
    'title pr and not (title eq "Manager")',
    `groups.value eq "${team.id}"`,
    'meta.lastModified gt "2000-01-01T00:00:00Z"',
    'meta.created ge "2000-01-01T00:00:00Z"',
    `${ACME}:costCenter eq "cc-1"`,
    `${ACME}:level gt 2`,
  ];
  for (const filter of userFilters) expectStatus(await scim.call('GET', `/Users?${q(filter)}`), 200);
  const groupFilters = [
    `displayName eq "Team ${name}"`,
    `members.value eq "${ada.id}"`,
    `members.value eq "${team.id}" or displayName sw "team"`,
    `externalId eq "ext-outer-${name}"`,
    'meta.lastModified gt "2000-01-01T00:00:00Z"',
  ];
  for (const filter of groupFilters) expectStatus(await scim.call('GET', `/Groups?${q(filter)}`), 200);
  expectStatus(await scim.call('GET', '/Users'), 200);
  expectStatus(await scim.call('GET', '/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=1'), 200);
  expectStatus(await scim.call('GET', '/Users?sortBy=name.givenName&count=2&excludedAttributes=groups'), 200);
  expectStatus(await scim.call('GET', '/Users?count=0'), 200);
  const first = expectStatus(await scim.call('GET', '/Users?cursor=&count=2'), 200).json<{ nextCursor?: string }>();
  expectStatus(await scim.call('GET', `/Users?cursor=${encodeURIComponent(first.nextCursor ?? '')}&count=2`), 200);
  const filtered = expectStatus(await scim.call('GET', `/Users?${q('userName co "@"')}&cursor=&count=1`), 200);
  const next = encodeURIComponent(filtered.json<{ nextCursor?: string }>().nextCursor ?? '');
  expectStatus(await scim.call('GET', `/Users?${q('userName co "@"')}&cursor=${next}&count=1`), 200);
  expectStatus(await scim.call('GET', `/Users?${q(`userName eq "ada@${name}.test"`)}&cursor=`), 200);
  expectStatus(await scim.call('GET', '/Groups?sortBy=displayName&startIndex=1&count=5'), 200);
  expectStatus(await scim.call('GET', '/Groups?cursor=&count=1&attributes=displayName'), 200);

  // POST /.search, at the root and per type (RFC 7644 §3.4.3).
  const search = (filter: string, extra: Record<string, unknown> = {}) => ({
    schemas: [SEARCH_REQUEST],
    filter,
    ...extra,
  });
  expectStatus(await scim.call('POST', '/.search', search('userName sw "a" or displayName sw "team"')), 200);
  expectStatus(await scim.call('POST', '/.search', search('meta.lastModified gt "2000-01-01T00:00:00Z"')), 200);
  expectStatus(await scim.call('POST', '/Users/.search', search('title pr', { sortBy: 'userName', count: 2 })), 200);
  expectStatus(await scim.call('POST', '/Groups/.search', search(`members.value eq "${ada.id}"`)), 200);

  // Discovery (RFC 7644 §4), which serves the tenant's extensions too.
  expectStatus(await scim.call('GET', '/ServiceProviderConfig'), 200);
  expectStatus(await scim.call('GET', '/Schemas'), 200);
  expectStatus(await scim.call('GET', `/Schemas/${ACME}`), 200);
  expectStatus(await scim.call('GET', '/ResourceTypes'), 200);

  // Replace, with a matching and then a stale ETag (RFC 7644 §3.5.1, §3.14).
  const etag = String(expectStatus(await scim.call('GET', `/Users/${bob.id}`), 200).headers.etag);
  const bobBody = { schemas: [USER_SCHEMA], userName: `bob@${name}.test`, title: 'Builder' };
  expectStatus(await scim.call('PUT', `/Users/${bob.id}`, bobBody, { 'if-match': etag }), 200);
  expectStatus(await scim.call('PUT', `/Users/${bob.id}`, bobBody, { 'if-match': etag }), 412);
  const outerBody = {
    schemas: [GROUP_SCHEMA],
    displayName: `Outer ${name}`,
    members: [
      { value: team.id, type: 'Group' },
      { value: cat.id, type: 'User' },
    ],
  };
  expectStatus(await scim.call('PUT', `/Groups/${outer.id}`, outerBody), 200);

  // PATCH (RFC 7644 §3.5.2): replace, add members, remove members by a value filter.
  const replaceTitle = patchBody(
    { op: 'replace', path: 'title', value: 'Lead' },
    { op: 'replace', value: { active: true } },
  );
  expectStatus(await scim.call('PATCH', `/Users/${ada.id}`, replaceTitle), 200);
  const addMembers = patchBody({ op: 'add', path: 'members', value: [{ value: bob.id }, { value: cat.id }] });
  expectStatus(await scim.call('PATCH', `/Groups/${team.id}`, addMembers), 204);
  const removeMember = patchBody({ op: 'remove', path: `members[value eq "${cat.id}"]` });
  expectStatus(await scim.call('PATCH', `/Groups/${team.id}?excludedAttributes=members`, removeMember), 200);
  const teamTag = String(expectStatus(await scim.call('GET', `/Groups/${team.id}`), 200).headers.etag);
  const rename = patchBody({ op: 'replace', path: 'displayName', value: `Team ${name} renamed` });
  expectStatus(await scim.call('PATCH', `/Groups/${team.id}`, rename, { 'if-match': teamTag }), 204);

  // Bulk (RFC 7644 §3.7), with bulkId references.
  const bulk = await scim.call('POST', '/Bulk', {
    schemas: [BULK_REQUEST],
    Operations: [
      { method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: [USER_SCHEMA], userName: `dan@${name}.test` } },
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'g1',
        data: { schemas: [GROUP_SCHEMA], displayName: `Bulk ${name}`, members: [{ value: 'bulkId:u1' }] },
      },
      { method: 'PATCH', path: `/Users/${cat.id}`, data: patchBody({ op: 'replace', path: 'title', value: 'Chief' }) },
      { method: 'PUT', path: `/Users/${bob.id}`, data: { schemas: [USER_SCHEMA], userName: `bob@${name}.test` } },
      { method: 'DELETE', path: '/Groups/bulkId:g1' },
    ],
  });
  const statuses = expectStatus(bulk, 200)
    .json<{ Operations: { status: string }[] }>()
    .Operations.map((o) => o.status);
  expect(statuses).toEqual(['201', '201', '200', '200', '204']);

  // Agents and AgenticApplications (docs/agents.md): references checked, shown and removed.
  const agentBody = (agentName: string, extra: Record<string, unknown>) => ({
    schemas: [AGENT_SCHEMA],
    name: agentName,
    ...extra,
  });
  const helper = expectStatus(
    await scim.call(
      'POST',
      '/Agents',
      agentBody(`Helper ${name}`, { owners: [{ value: cat.id }, { value: team.id }] }),
    ),
    201,
  ).json<{ id: string }>();
  const child = expectStatus(
    await scim.call(
      'POST',
      '/Agents',
      agentBody(`Child ${name}`, { owners: [{ value: bob.id }], parent: { value: helper.id } }),
    ),
    201,
  ).json<{ id: string }>();
  const host = expectStatus(
    await scim.call('POST', '/AgenticApplications', {
      schemas: [APPLICATION_SCHEMA],
      name: `Host ${name}`,
      agents: [{ value: helper.id, type: 'owned' }],
    }),
    201,
  ).json<{ id: string }>();
  expectStatus(await scim.call('GET', `/Agents/${helper.id}`), 200);
  expectStatus(await scim.call('GET', `/Agents?${q(`owners.value eq "${cat.id}"`)}`), 200);
  expectStatus(await scim.call('GET', `/AgenticApplications?${q(`name eq "Host ${name}"`)}`), 200);
  const dropTeam = patchBody({ op: 'remove', path: `owners[value eq "${team.id}"]` });
  expectStatus(await scim.call('PATCH', `/Agents/${helper.id}`, dropTeam), 200);
  // Bob's deactivation leaves the child with no active owner: the ownerless-agent policy.
  const deactivateBob = patchBody({ op: 'replace', path: 'active', value: false });
  expectStatus(await scim.call('PATCH', `/Users/${bob.id}`, deactivateBob), 200);
  expectStatus(await scim.call('DELETE', `/Agents/${child.id}`), 204);
  expectStatus(await scim.call('GET', `/AgenticApplications/${host.id}`), 200);

  // DELETE (RFC 7644 §3.6) under the tenant's policy, then reads of what is gone; Cat's takes her
  // out of the helper agent's owners.
  expectStatus(await scim.call('DELETE', `/Users/${cat.id}`), 204);
  expectStatus(await scim.call('GET', `/Users/${cat.id}`), 404);
  expectStatus(await scim.call('DELETE', `/Groups/${outer.id}`), 204);
  expectStatus(await scim.call('GET', `/Groups/${outer.id}`), 404);
  expectStatus(await admin.call('GET', `${tenant}/users/${cat.id}`), deletePolicy === 'delete' ? 404 : 200);
  expectStatus(await admin.call('GET', `${tenant}/users/${ada.id}`), 200);

  // The tenant's events, webhooks, tokens and request log, through the admin API.
  expectStatus(await admin.call('GET', `${tenant}/events`), 200);
  expectStatus(await admin.call('GET', `${tenant}/events?after=2&limit=3`), 200);
  const hook = expectStatus(await admin.call('POST', `${tenant}/webhooks`, { url: 'http://127.0.0.1:9/hook' }), 201);
  const hookUrl = `${tenant}/webhooks/${hook.json<{ id: string }>().id}`;
  expectStatus(await admin.call('GET', `${tenant}/webhooks`), 200);
  expectStatus(await admin.call('GET', hookUrl), 200);
  expectStatus(await admin.call('GET', `${hookUrl}/failures`), 200);
  expectStatus(await admin.call('PATCH', hookUrl, { events: ['user.created'] }), 200);
  expectStatus(await admin.call('DELETE', hookUrl), 204);
  const issued = (await admin.issueToken(scim.tenantId, { description: 'second' })).id;
  expectStatus(await admin.call('GET', `${tenant}/tokens`), 200);
  expectStatus(await admin.call('DELETE', `${tenant}/tokens/${issued}`), 204);
  await t.deps.requestLog.flush();
  expectStatus(await admin.call('GET', `${tenant}/requests`), 200);
  expectStatus(await admin.call('GET', `${tenant}/requests?status=404&limit=5`), 200);

  // An extension withdrawn: the schema fence takes the tenant row (docs/schemas.md).
  expectStatus(await admin.call('DELETE', `${tenant}/attribute-mapping`), 200);
  const clearAcme = patchBody({ op: 'remove', path: `${ACME}:costCenter` }, { op: 'remove', path: `${ACME}:level` });
  expectStatus(await scim.call('PATCH', `/Users/${ada.id}`, clearAcme), 200);
  expectStatus(await admin.call('DELETE', schemaUrl), 204);
}

describe('the request path', () => {
  let t: TestApp;
  let catalog: Catalog;

  beforeAll(async () => {
    t = await createTestApp();
    // The sequencer's sweep (a cross-tenant SELECT DISTINCT tenant_id FROM outbox_pending every
    // 100 ms) is background work, not a request's; each write still settles its own tenant. So
    // is the agent expiry sweep, which looks across tenants for agents past their expiresAt.
    await t.deps.sequencer.stop();
    await t.deps.agentLifecycle.stop();
    const sql = sqlOf(t.deps.db);
    const columns = await sql.rows<{ table_name: string; column_name: string }[]>(
      `SELECT c.table_name, c.column_name
         FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'`,
    );
    const functions = await sql.rows<{ proname: string }[]>(
      `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
    );
    const byTable = new Map<string, Set<string>>();
    for (const { table_name, column_name } of columns) {
      const set = byTable.get(table_name) ?? new Set<string>();
      set.add(column_name);
      byTable.set(table_name, set);
    }
    catalog = { columns: byTable, functions: new Set(functions.map((f) => f.proname)) };
  });
  afterAll(() => t.close());

  it('pins tenant_id to one value in every statement two tenants’ requests send', async () => {
    const sent = await statementsDuring(async () => {
      const first = await scimTenant(t, 'scoped-a');
      const second = await scimTenant(t, 'scoped-b');
      await provisionAndAdminister(t, first, 'alpha', 'delete');
      await provisionAndAdminister(t, second, 'beta', 'deactivate');
      await t.deps.requestLog.flush();
    }, true);

    const distinct = [...new Set(sent.map((s) => s.replace(/\s+/g, ' ').trim()))];
    const violations: string[] = [];
    const excepted = new Set<string>();
    const covered = new Set<string>();
    let checked = 0;
    for (const statement of distinct) {
      if (EXCEPTIONS.has(statement)) {
        excepted.add(statement);
        continue;
      }
      const result = checkStatement(statement, catalog);
      for (const table of result.tables) covered.add(table);
      if (result.tables.length > 0) checked += 1;
      if (result.violations.length > 0) violations.push(`${statement}\n  ${result.violations.join('\n  ')}`);
    }

    expect(violations.join('\n\n')).toBe('');
    // Prisma's statements (tenants, tokens) came through the same pg Client, so they were checked too.
    expect(distinct.some((s) => s.includes('FROM "public"."scim_tokens"'))).toBe(true);
    // Every named exception is still sent, or it must go.
    expect([...EXCEPTIONS.keys()].filter((s) => !excepted.has(s))).toEqual([]);
    // Not vacuous: the requests reached every tenant-owned table they are meant to, in many shapes.
    expect([...covered].sort()).toEqual(
      expect.arrayContaining([
        'outbox_events',
        'outbox_pending',
        'scim_agentic_applications',
        'scim_agents',
        'scim_group_members',
        'scim_groups',
        'scim_references',
        'scim_request_log',
        'scim_tokens',
        'scim_users',
        'tenant_schemas',
        'tenant_undeclared_attributes',
        'tenants',
        'webhook_failures',
        'webhook_subscriptions',
      ]),
    );
    expect(checked).toBeGreaterThanOrEqual(60);
  });
});
