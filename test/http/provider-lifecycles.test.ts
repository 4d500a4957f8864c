import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  at,
  loadProviderFixtures,
  substitute,
  type LoadedFixture,
  type StoredGroup,
  type StoredUser,
} from '../helpers/provider-fixture.js';
import { ERROR_SCHEMA, scimTenant } from '../helpers/scim.js';

// Issue 6, "Tests": every provider's documented request sequence, first lookup to
// deprovisioning, replayed through the HTTP API against a fresh tenant configured as the
// provider's page in docs/providers/ says. Each step checks the response and what was stored:
// a lenient read must store what the provider meant. Every other *.json beside a provider's
// lifecycle.json (custom schema extensions, issue 12) is replayed the same way, its `schemas`
// registered through the admin API first.

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

const fixtures = loadProviderFixtures();
const REQUIRED = ['okta', 'entra', 'google', 'onelogin', 'jumpcloud', 'rippling', 'ping'];

async function checkStoredUser(tenantId: string, expected: StoredUser, where: string): Promise<void> {
  const [row] = await sqlOf(t.deps.db).rows<
    { user_name: string; active: boolean; deleted_at: Date | null; document: unknown }[]
  >(
    'SELECT user_name, active, deleted_at, document FROM scim_users WHERE tenant_id = $1 AND id::text = $2',
    tenantId,
    expected.user,
  );
  if (expected.exists === false) {
    expect(row, `${where}: user ${expected.user} should be gone`).toBeUndefined();
    return;
  }
  expect(row, `${where}: user ${expected.user} should be stored`).toBeDefined();
  if (row === undefined) return;
  if (expected.userName !== undefined) expect(row.user_name, where).toBe(expected.userName);
  if (expected.active !== undefined) expect(row.active, where).toBe(expected.active);
  if (expected.softDeleted !== undefined) expect(row.deleted_at !== null, where).toBe(expected.softDeleted);
  if (expected.document !== undefined) expect(row.document, where).toMatchObject(expected.document as object);
  for (const path of expected.absent ?? []) expect(at(row.document, path), `${where}: ${String(path)}`).toBeUndefined();
}

async function checkStoredGroup(tenantId: string, expected: StoredGroup, where: string): Promise<void> {
  const sql = sqlOf(t.deps.db);
  const [row] = await sql.rows<{ display_name: string; document: unknown }[]>(
    'SELECT display_name, document FROM scim_groups WHERE tenant_id = $1 AND id::text = $2',
    tenantId,
    expected.group,
  );
  if (expected.exists === false) {
    expect(row, `${where}: group ${expected.group} should be gone`).toBeUndefined();
    return;
  }
  expect(row, `${where}: group ${expected.group} should be stored`).toBeDefined();
  if (row === undefined) return;
  if (expected.displayName !== undefined) expect(row.display_name, where).toBe(expected.displayName);
  if (expected.document !== undefined) expect(row.document, where).toMatchObject(expected.document as object);
  if (expected.members !== undefined) {
    const members = await sql.rows<{ member_id: string }[]>(
      'SELECT member_id::text FROM scim_group_members WHERE tenant_id = $1 AND group_id::text = $2',
      tenantId,
      expected.group,
    );
    expect(members.map((m) => m.member_id).sort(), where).toEqual([...expected.members].sort());
  }
}

async function replay({ name, fixture }: LoadedFixture): Promise<void> {
  const scim = await scimTenant(t, fixture.provider);
  if (fixture.tenant !== undefined) {
    const res = await admin.call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, fixture.tenant);
    expect(res.statusCode, `${name}: tenant settings: ${res.body}`).toBe(200);
  }
  for (const { urn, body } of fixture.schemas ?? []) {
    const url = `/admin/v1/tenants/${scim.tenantId}/schemas/${encodeURIComponent(urn)}`;
    const res = await admin.call('PUT', url, body);
    expect(res.statusCode, `${name}: register schema ${urn}: ${res.body}`).toBe(201);
  }
  const vars = new Map<string, string>();
  for (const [index, step] of fixture.steps.entries()) {
    const where = `${name} step ${index + 1} "${step.name}" (${step.source})`;
    const request = substitute(step.request, vars);
    const headers: Record<string, string> = { ...(request.headers ?? {}) };
    if (fixture.userAgent !== '') headers['user-agent'] ??= fixture.userAgent;
    const res = await scim.call(request.method, request.path, request.body, headers);
    expect(res.statusCode, `${where}: ${res.body}`).toBe(step.response.status);
    // Strict writing: whatever the provider sent, the answer is RFC 7644's.
    if (res.body !== '') {
      expect(res.headers['content-type'], where).toBe('application/scim+json');
      const body = res.json<Record<string, unknown>>();
      if (res.statusCode >= 400) expect(body['schemas'], where).toEqual([ERROR_SCHEMA]);
      // Saved first: what the step expects and stores may name the id it just created.
      for (const [name, path] of Object.entries(step.save ?? {})) {
        const value = at(body, path);
        expect(typeof value, `${where}: save ${name}`).toBe('string');
        vars.set(name, value as string);
      }
      const response = substitute(step.response, vars);
      if (response.body !== undefined) expect(body, where).toMatchObject(response.body as object);
      for (const path of response.absent ?? []) expect(at(body, path), `${where}: ${String(path)}`).toBeUndefined();
    } else {
      expect(step.response.body, `${where}: the response has no body`).toBeUndefined();
      expect(step.save, `${where}: nothing to save from an empty response`).toBeUndefined();
    }
    if (step.stored !== undefined) {
      const stored = substitute(step.stored, vars);
      if ('user' in stored) await checkStoredUser(scim.tenantId, stored, where);
      else await checkStoredGroup(scim.tenantId, stored, where);
    }
  }
  // The request log shows the whole sequence, in order, under the provider's name.
  await t.deps.requestLog.flush();
  const logged = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/requests?limit=500`);
  const requests = logged.json<{ requests: { method: string; path: string; provider: string }[] }>().requests.reverse();
  expect(
    requests.map((r) => r.method),
    `${name}: request log`,
  ).toEqual(fixture.steps.map((s) => s.request.method));
  expect(new Set(requests.map((r) => r.provider)), `${name}: request log`).toEqual(new Set([fixture.provider]));
}

// Test names say which file: "entra/lifecycle.json", "entra/custom-extension.json".
const LIFECYCLE = 'lifecycle.json';
const lifecycles = fixtures.filter((f) => f.file === LIFECYCLE).map((f) => [`${f.name}.json`, f] as const);
const others = fixtures.filter((f) => f.file !== LIFECYCLE).map((f) => [`${f.name}.json`, f] as const);

describe('identity provider lifecycles (issue 6), replayed from test/fixtures/providers', () => {
  it('has a documented lifecycle for every provider, and every fixture cites its sources', () => {
    expect(lifecycles.map(([, f]) => f.dir).sort()).toEqual([...REQUIRED].sort());
    expect(new Set(fixtures.map((f) => f.dir))).toEqual(new Set(REQUIRED));
    for (const { name, dir, fixture } of fixtures) {
      expect(fixture.provider, `${name}: provider`).toBe(dir);
      expect(fixture.steps.length, `${name}: steps`).toBeGreaterThan(0);
      for (const step of fixture.steps) {
        const cited = step.source.split(':')[0] ?? '';
        const message = `${name} "${step.name}" cites an unknown source "${cited}"`;
        expect(fixture.sources[cited], message).toMatch(/^https:\/\//);
      }
      const urns = (fixture.schemas ?? []).map((s) => s.urn);
      expect(new Set(urns).size, `${name}: each schema registered once`).toBe(urns.length);
      for (const { urn, body } of fixture.schemas ?? []) {
        if (body['id'] !== undefined) expect(body['id'], `${name}: schema ${urn} has another id`).toBe(urn);
      }
    }
  });

  it.each(lifecycles)('%s: first lookup to deprovisioning', (_, loaded) => replay(loaded));

  it.each(others)('%s: its schemas registered, then its documented requests', (_, loaded) => replay(loaded));
});
