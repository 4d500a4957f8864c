import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, uniqueTenantId } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createEmptyDatabase } from '../helpers/database.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('operations', () => {
  it('/healthz answers while the process is alive', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when the database is reachable and migrated', async () => {
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready' });
  });

  it('/readyz is 503 on a database that is not migrated', async () => {
    const empty = await createEmptyDatabase();
    const unmigrated = await createTestApp({ database: empty });
    try {
      const res = await unmigrated.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', reason: 'database not migrated' });
    } finally {
      await unmigrated.close();
      await empty.drop();
    }
  });

  it('/readyz is 503 when the database is unreachable', async () => {
    const gone = await createEmptyDatabase();
    await gone.drop();
    const app = await createTestApp({ database: gone });
    try {
      const res = await app.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });
    } finally {
      await app.close();
    }
  });

  it('answers unknown routes outside /scim/v2 with a JSON 404', async () => {
    const res = await t.app.inject({ url: '/nowhere' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('answers /scim/v2 paths without a tenant with a SCIM 404', async () => {
    for (const url of ['/scim/v2', '/scim/v2/']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toBe('application/scim+json');
      expect(res.json<{ schemas: string[] }>().schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    }
  });

  it('serves the admin API as OpenAPI at /docs', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const spec = res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/admin/v1/tenants',
        '/admin/v1/tenants/{id}',
        '/admin/v1/tenants/{id}/tokens',
        '/admin/v1/tenants/{id}/tokens/{tokenId}',
      ]),
    );
    const ui = await t.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });

  it('logs every request line with its request id and tenant, and echoes X-Request-Id', async () => {
    const admin = adminClient(t.app, t.adminToken);
    const tenant = uniqueTenantId('log');
    await admin.createTenant(tenant);
    const { token } = await admin.issueToken(tenant);
    const res = await t.app.inject({
      url: `/scim/v2/${tenant}/Schemas`,
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-from-idp-42' },
    });
    expect(res.headers['x-request-id']).toBe('req-from-idp-42');
    const lines = t.logLines.filter((l) => l['reqId'] === 'req-from-idp-42');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line['tenant']).toBe(tenant);
    expect(t.logText()).not.toContain(token);

    const generated = await t.app.inject({ url: '/healthz' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces an unsafe X-Request-Id instead of logging it', async () => {
    const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'evil\u0000id with spaces' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.logText()).not.toContain('id with spaces');
  });

  it('accepts application/scim+json request bodies and rejects malformed JSON with a SCIM 400 invalidSyntax', async () => {
    const admin = adminClient(t.app, t.adminToken);
    const tenant = uniqueTenantId('body');
    await admin.createTenant(tenant);
    const { token } = await admin.issueToken(tenant);
    const res = await t.app.inject({
      method: 'POST',
      url: `/scim/v2/${tenant}/Users`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      payload: '{"userName": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
  });
});
