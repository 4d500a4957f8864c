import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, uniqueTenantId } from '../helpers/admin.js';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

describe('admin API: tenants', () => {
  it('creates a tenant and returns its SCIM base URL under PUBLIC_URL', async () => {
    const id = uniqueTenantId('acme');
    const res = await admin.call('POST', '/admin/v1/tenants', { id, name: 'Acme Inc' });
    expect(res.statusCode).toBe(201);
    const { createdAt, ...rest } = res.json<{ createdAt: string }>();
    expect(rest).toEqual({
      id,
      name: 'Acme Inc',
      scimBaseUrl: `${PUBLIC_URL}/scim/v2/${id}`,
      provider: null,
      deletePolicy: 'delete',
      unknownExtensions: 'reject',
      ownerlessAgents: 'deactivate',
    });
    expect(Math.abs(Date.parse(createdAt) - Date.now())).toBeLessThan(60_000);
  });

  it.each([
    ['uppercase letters', 'Acme'],
    ['an underscore', 'acme_inc'],
    ['a slash', 'acme/x'],
    ['the empty string', ''],
    ['64 characters', 'a'.repeat(64)],
  ])('refuses an id with %s with 400', async (_label, id) => {
    const res = await admin.call('POST', '/admin/v1/tenants', { id, name: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/id/);
  });

  it('refuses values of the wrong JSON type instead of converting them', async () => {
    expect((await admin.call('POST', '/admin/v1/tenants', { id: 123, name: 'numeric id' })).statusCode).toBe(400);
    expect((await admin.call('POST', '/admin/v1/tenants', { id: uniqueTenantId(), name: 123 })).statusCode).toBe(400);
  });

  it('accepts an id of exactly 63 characters', async () => {
    const id = `${uniqueTenantId('x')}${'a'.repeat(63)}`.slice(0, 63);
    expect((await admin.call('POST', '/admin/v1/tenants', { id, name: 'long' })).statusCode).toBe(201);
  });

  it('refuses a missing name, unknown fields and a non-JSON body with 400', async () => {
    expect((await admin.call('POST', '/admin/v1/tenants', { id: uniqueTenantId() })).statusCode).toBe(400);
    expect(
      (await admin.call('POST', '/admin/v1/tenants', { id: uniqueTenantId(), name: 'x', plan: 'gold' })).statusCode,
    ).toBe(400);
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/tenants',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      payload: '{"id": ',
    });
    expect(res.statusCode).toBe(400);
  });

  it('answers 409 for an id that exists, and keeps the first tenant', async () => {
    const id = uniqueTenantId();
    await admin.createTenant(id, 'First');
    const res = await admin.call('POST', '/admin/v1/tenants', { id, name: 'Second' });
    expect(res.statusCode).toBe(409);
    expect((await admin.call('GET', `/admin/v1/tenants/${id}`)).json<{ name: string }>().name).toBe('First');
  });

  it('lists and gets tenants', async () => {
    const a = uniqueTenantId('list');
    const b = uniqueTenantId('list');
    await admin.createTenant(a);
    await admin.createTenant(b);
    const list = (await admin.call('GET', '/admin/v1/tenants')).json<{ tenants: { id: string }[] }>();
    expect(list.tenants.map((x) => x.id)).toEqual(expect.arrayContaining([a, b]));
    const one = await admin.call('GET', `/admin/v1/tenants/${a}`);
    expect(one.statusCode).toBe(200);
    expect(one.json<{ id: string; scimBaseUrl: string }>()).toMatchObject({
      id: a,
      scimBaseUrl: `${PUBLIC_URL}/scim/v2/${a}`,
    });
    expect((await admin.call('GET', `/admin/v1/tenants/${uniqueTenantId('none')}`)).statusCode).toBe(404);
  });

  it('deletes a tenant with all of its data, and its tokens stop working', async () => {
    const id = uniqueTenantId('del');
    await admin.createTenant(id);
    const { token } = await admin.issueToken(id);
    const ok = await t.app.inject({
      url: `/scim/v2/${id}/ServiceProviderConfig`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.statusCode).toBe(200);
    // Rows the tenant owns, written directly: deletion must cascade through every table.
    await t.deps.db
      .$executeRaw`INSERT INTO scim_users (tenant_id, id, user_name, document, search) VALUES (${id}, gen_random_uuid(), 'ada', '{}', '{}')`;
    await t.deps.db
      .$executeRaw`INSERT INTO scim_groups (tenant_id, id, display_name, document, search) VALUES (${id}, gen_random_uuid(), 'g', '{}', '{}')`;

    const res = await admin.call('DELETE', `/admin/v1/tenants/${id}`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await admin.call('GET', `/admin/v1/tenants/${id}`)).statusCode).toBe(404);
    for (const table of ['scim_tokens', 'scim_users', 'scim_groups', 'scim_group_members', 'outbox_events']) {
      const rows = await t.deps.db.$queryRawUnsafe<{ n: bigint }[]>(
        `SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`,
        id,
      );
      expect(Number(rows[0]?.n), table).toBe(0);
    }
    // Fresh app state would cache nothing; here the cache may hold the token for ≤ TTL.
    await new Promise((r) => setTimeout(r, 2_100));
    const after = await t.app.inject({
      url: `/scim/v2/${id}/ServiceProviderConfig`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.statusCode).toBe(401);
    expect((await admin.call('DELETE', `/admin/v1/tenants/${id}`)).statusCode).toBe(404);
  });

  it('requires the admin token: 401 with WWW-Authenticate: Bearer otherwise', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-value',
      `Basic ${t.adminToken}`,
      `Bearer ${t.adminToken}x`,
    ]) {
      const res = await t.app.inject({
        url: '/admin/v1/tenants',
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json<{ message: string }>().message).toMatch(/admin token/);
    }
  });
});
