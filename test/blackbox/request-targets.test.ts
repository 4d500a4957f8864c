import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_SCHEMA, MODES, startBlackBox, USER_SCHEMA, type BlackBox, type Tenant } from './harness.js';
import { rawRequest, requestText } from './raw-http.js';

/**
 * Request-targets as a client or an attacker may write them (RFC 9112 §3.2): authentication is
 * decided on the same tenant the handlers act for, whatever the form of the target.
 */
describe.each(MODES)('request-targets over raw TCP (%s database)', (mode) => {
  let box: BlackBox;
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    box = await startBlackBox(mode);
    a = await box.tenant();
    b = await box.tenant();
    const created = await box.scim(a, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'secret-user@a.test' });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await box.stop();
  });

  const send = (method: string, target: string, headers: Record<string, string> = {}, body?: string) =>
    rawRequest(box.port, requestText(method, target, headers, body));
  const forms = (path: string) => [
    `http://x${path}`,
    `HTTP://x${path}`,
    `https://x:1${path}`,
    `http://127.0.0.1${path}`,
  ];

  it('refuses absolute-form targets without a token (RFC 9112 §3.2.2), for reads and every write', async () => {
    for (const target of forms(`${a.path}/Users`)) {
      const read = await send('GET', target);
      expect(read.status, target).toBe(401);
      expect(read.body).not.toContain('secret-user');
      expect(JSON.parse(read.body)).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
      const body = JSON.stringify({ schemas: [USER_SCHEMA], userName: `intruder-${read.status}@a.test` });
      const write = await send('POST', target, { 'content-type': 'application/scim+json' }, body);
      expect(write.status, target).toBe(401);
    }
    const bulk = JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'x', data: { schemas: [USER_SCHEMA], userName: 'bulk-intruder' } },
      ],
    });
    expect(
      (await send('POST', `http://x${a.path}/Bulk`, { 'content-type': 'application/scim+json' }, bulk)).status,
    ).toBe(401);
    const listed = await box.scim(a, 'GET', '/Users');
    expect((listed.json as { totalResults: number }).totalResults).toBe(1);
  });

  it("refuses tenant B's token on tenant A's resources in absolute form", async () => {
    for (const target of forms(`${a.path}/Users`)) {
      const read = await send('GET', target, { authorization: `Bearer ${b.token}` });
      expect(read.status, target).toBe(401);
      expect(read.body).not.toContain('secret-user');
    }
  });

  it('serves an absolute-form target to the right token, as an origin-form one', async () => {
    const read = await send('GET', `http://x${a.path}/Users`, { authorization: `Bearer ${a.token}` });
    expect(read.status).toBe(200);
    expect(read.body).toContain('secret-user');
  });

  it('authenticates a percent-encoded tenant segment as the tenant the router decodes', async () => {
    const encoded = a.path.replace(/\/scim\/v2\/(.)/, (_, c: string) => `/scim/v2/%${c.charCodeAt(0).toString(16)}`);
    expect((await send('GET', `${encoded}/Users`)).status).toBe(401);
    expect((await send('GET', `${encoded}/Users`, { authorization: `Bearer ${b.token}` })).status).toBe(401);
    const own = await send('GET', `${encoded}/Users`, { authorization: `Bearer ${a.token}` });
    expect(own.status).toBe(200);
    expect(own.body).toContain('secret-user');
  });

  it('never serves dot segments or doubled slashes across tenants', async () => {
    const targets = [
      `${b.path}/../${a.id}/Users`,
      `/scim/v2/./${a.id}/Users`,
      `${a.path}//Users`,
      `/scim/v2//${a.id}/Users`,
      `${b.path}/%2e%2e/${a.id}/Users`,
      `${b.path}/..%2f${a.id}/Users`,
    ];
    for (const target of targets) {
      const variants: Record<string, string>[] = [{}, { authorization: `Bearer ${b.token}` }];
      for (const headers of variants) {
        const response = await send('GET', target, headers);
        expect(response.body, target).not.toContain('secret-user');
        expect([400, 401, 404], target).toContain(response.status);
        expect(response.headers['content-type'], target).toMatch(/^application\/(scim\+)?json/);
      }
    }
  });

  it("refuses another tenant's token on every SCIM endpoint exactly as on a tenant that does not exist", async () => {
    const json = { 'content-type': 'application/scim+json' };
    for (const path of [
      '/Users',
      '/Groups',
      '/.search',
      '/Users/.search',
      '/Bulk',
      '/ServiceProviderConfig',
      '/Schemas',
      '/Nope',
    ]) {
      const method = path.endsWith('.search') || path === '/Bulk' ? 'POST' : 'GET';
      const none = await send(method, `${a.path}${path}`, json, '{}');
      const other = await send(method, `${a.path}${path}`, { ...json, authorization: `Bearer ${b.token}` }, '{}');
      const nowhere = await send(
        method,
        `/scim/v2/no-such-tenant${path}`,
        { ...json, authorization: `Bearer ${b.token}` },
        '{}',
      );
      expect(none.status, path).toBe(401);
      expect(other.status, path).toBe(401);
      expect(other.body, path).toBe(nowhere.body);
      expect(other.headers['www-authenticate'], path).toBe('Bearer realm="SCIM", error="invalid_token"');
    }
  });

  it('lets a read-only token search (RFC 7644 §3.4.3) but not write', async () => {
    const json = { 'content-type': 'application/scim+json', authorization: `Bearer ${a.readToken}` };
    const search = JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "secret"',
    });
    for (const path of ['/.search', '/Users/.search']) {
      const found = await send('POST', `${a.path}${path}`, json, search);
      expect(found.status, path).toBe(200);
      expect(found.body, path).toContain('secret-user');
    }
    const groups = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] });
    expect((await send('POST', `${a.path}/Groups/.search`, json, groups)).status).toBe(200);
    const write = await send(
      'POST',
      `${a.path}/Users`,
      json,
      JSON.stringify({ schemas: [USER_SCHEMA], userName: 'ro@a.test' }),
    );
    expect(write.status).toBe(403);
    expect(write.headers['www-authenticate']).toContain('scope="scim:write"');
  });
});
