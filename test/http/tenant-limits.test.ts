import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { expectScimError, patchBody, scimTenant, USER_SCHEMA, type ScimClient } from '../helpers/scim.js';

/**
 * Issue 11, finding 10 (OWASP API4, "one tenant can starve the others"): per-tenant limits,
 * statement and request timeouts, and a bound on PATCH operations, each configurable.
 */

let database: TestDatabase;
const apps: TestApp[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});
afterAll(async () => {
  await database.drop();
});

async function appWith(env: Record<string, string>): Promise<TestApp> {
  const t = await createTestApp({ database, env });
  apps.push(t);
  return t;
}

/**
 * Holds the row lock of a user from outside the service (SELECT … FOR UPDATE in an open
 * transaction), so that a write to it waits on the database for as long as the test wants.
 */
async function lockUser(t: TestApp, tenantId: string, id: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: t.database.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM scim_users WHERE tenant_id = $1 AND id = $2::uuid FOR UPDATE', [tenantId, id]);
  return async () => {
    await client.query('ROLLBACK');
    await client.end();
  };
}

const rename = (title: string) => patchBody({ op: 'replace', path: 'title', value: title });

describe('per-tenant concurrency limit (RFC 6585 §4)', () => {
  it('answers 429 with Retry-After and a SCIM Error once a tenant has its limit in flight, and only to that tenant', async () => {
    const t = await appWith({ TENANT_MAX_CONCURRENT_REQUESTS: '2' });
    const a = await scimTenant(t, 'flood');
    const b = await scimTenant(t, 'calm');
    const user = await a.createUser({ userName: 'held@a.test' });
    const unlock = await lockUser(t, a.tenantId, user.id);
    const held = [
      a.call('PATCH', `/Users/${user.id}`, rename('one')),
      a.call('PATCH', `/Users/${user.id}`, rename('two')),
    ];
    try {
      await vi.waitFor(() => {
        expect(t.deps.requestLimiter.inFlight(a.tenantId)).toBe(2);
      });
      const refused = await a.call('GET', '/Users');
      const body = expectScimError(refused, 429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(body['detail']).toMatch(/at most 2 requests at once/);
      // Another tenant is served as usual.
      expect((await b.call('GET', '/Users')).statusCode).toBe(200);
      expect((await b.createUser({ userName: 'fine@b.test' })).id).toEqual(expect.any(String));
      // A caller without the tenant's token is refused for that, not for the tenant's load.
      const anonymous = await t.app.inject({ url: `/scim/v2/${a.tenantId}/Users` });
      expect(anonymous.statusCode).toBe(401);
    } finally {
      await unlock();
    }
    expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual([200, 200]);
    expect(t.deps.requestLimiter.inFlight(a.tenantId)).toBe(0);
    expect((await a.call('GET', '/Users')).statusCode).toBe(200);
    const metrics = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(metrics.body).toMatch(/scim_tenant_requests_refused_total\{reason="concurrency"\} 1/);
  });

  it('spends none of a tenant budget on requests that fail authentication', async () => {
    const t = await appWith({ TENANT_MAX_CONCURRENT_REQUESTS: '1', TENANT_RATE_LIMIT_PER_SECOND: '2' });
    const a = await scimTenant(t, 'target');
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.app.inject({ url: `/scim/v2/${a.tenantId}/Users`, headers: { authorization: 'Bearer not.a.token' } }),
      ),
    );
    expect(new Set(attempts.map((r) => r.statusCode))).toEqual(new Set([401]));
    expect((await a.call('GET', '/Users')).statusCode).toBe(200);
  });
});

describe('per-tenant rate limit', () => {
  it('answers 429 with Retry-After past the rate, for that tenant only', async () => {
    const t = await appWith({ TENANT_RATE_LIMIT_PER_SECOND: '2' });
    const a = await scimTenant(t, 'rate');
    const b = await scimTenant(t, 'other');
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<ScimClient['call']>> | undefined;
    for (let i = 0; i < 3; i += 1) {
      const res = await a.call('GET', '/ServiceProviderConfig');
      statuses.push(res.statusCode);
      if (res.statusCode === 429) refused = res;
    }
    expect(statuses).toEqual([200, 200, 429]);
    if (refused === undefined) throw new Error('not refused');
    expect(expectScimError(refused, 429)['detail']).toMatch(/at most 2 requests a second/);
    expect(refused.headers['retry-after']).toBe('1');
    expect((await b.call('GET', '/ServiceProviderConfig')).statusCode).toBe(200);
  });
});

describe('PATCH operation bound (SCIM_MAX_PATCH_OPERATIONS)', () => {
  const ops = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ op: 'replace', path: 'title', value: `title ${i}` }));

  it('refuses a PATCH with more operations than the bound with 400 invalidValue naming it', async () => {
    const t = await appWith({ SCIM_MAX_PATCH_OPERATIONS: '3' });
    const a = await scimTenant(t);
    const user = await a.createUser({ userName: 'many@a.test' });
    const group = await a.createGroup({ displayName: 'many' });
    for (const path of [`/Users/${user.id}`, `/Groups/${group.id}`]) {
      const refused = await a.call('PATCH', path, patchBody(...ops(4)));
      expect(expectScimError(refused, 400, 'invalidValue')['detail']).toBe(
        'The PATCH request has 4 operations; this service applies at most 3 in one request: send the rest in further requests.',
      );
    }
    const fine = await a.call('PATCH', `/Users/${user.id}`, patchBody(...ops(3)));
    expect(fine.statusCode).toBe(200);
    expect(fine.json<{ title: string }>().title).toBe('title 2');
  });

  it('holds for a PATCH inside a Bulk request, as that operation’s own error', async () => {
    const t = await appWith({ SCIM_MAX_PATCH_OPERATIONS: '3' });
    const a = await scimTenant(t);
    const user = await a.createUser({ userName: 'bulk@a.test' });
    const res = await a.call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'PATCH', path: `/Users/${user.id}`, data: patchBody(...ops(4)) },
        { method: 'PATCH', path: `/Users/${user.id}`, data: patchBody(...ops(2)) },
      ],
    });
    expect(res.statusCode).toBe(200);
    const results = res.json<{ Operations: { status: string; response?: { scimType?: string; detail?: string } }[] }>();
    expect(results.Operations.map((o) => o.status)).toEqual(['400', '200']);
    expect(results.Operations[0]?.response).toMatchObject({
      scimType: 'invalidValue',
      detail: expect.stringMatching(/at most 3/) as unknown,
    });
  });

  it('defaults to 1000 operations', async () => {
    const t = await appWith({});
    const a = await scimTenant(t);
    const user = await a.createUser({ userName: 'default@a.test' });
    expect((await a.call('PATCH', `/Users/${user.id}`, patchBody(...ops(1000)))).statusCode).toBe(200);
    expectScimError(await a.call('PATCH', `/Users/${user.id}`, patchBody(...ops(1001))), 400, 'invalidValue');
  });
});

describe('root search depth', () => {
  it('reaches at most the largest page deep (startIndex - 1 + count ≤ 1000) and says so', async () => {
    const t = await appWith({});
    const a = await scimTenant(t);
    const search = (body: Record<string, unknown>) =>
      a.call('POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...body });
    expect((await search({ startIndex: 901, count: 100 })).statusCode).toBe(200);
    const refused = await search({ startIndex: 902, count: 100 });
    expect(expectScimError(refused, 400, 'invalidValue')['detail']).toBe(
      'A root search reaches at most 1000 resources deep (startIndex - 1 + count); page per resource type beyond that.',
    );
  });
});

describe('the limits, stated where clients look', () => {
  it('are in the documentation ServiceProviderConfig.documentationUri names', async () => {
    const t = await appWith({ SCIM_MAX_PATCH_OPERATIONS: '250', TENANT_MAX_CONCURRENT_REQUESTS: '7' });
    const a = await scimTenant(t);
    const config = (await a.call('GET', '/ServiceProviderConfig')).json<{ documentationUri: string }>();
    expect(config.documentationUri).toBe('https://scim.example.test/docs');
    const openApi = await t.app.inject({ url: '/docs/json' });
    const description = openApi.json<{ info: { description: string } }>().info.description;
    expect(description).toContain('a PATCH request carries at most 250 operations');
    expect(description).toContain('at most 7 requests in flight at once');
    expect(description).toContain('429 with Retry-After');
  });
});

describe('timeouts', () => {
  it('answers 503 with Retry-After when the statement timeout cancels a statement (SQLSTATE 57014)', async () => {
    const t = await appWith({ DATABASE_STATEMENT_TIMEOUT_MS: '1000' });
    const a = await scimTenant(t);
    const user = await a.createUser({ userName: 'slow@a.test' });
    const unlock = await lockUser(t, a.tenantId, user.id);
    try {
      const res = await a.call('PATCH', `/Users/${user.id}`, rename('never'));
      expect(expectScimError(res, 503)['detail']).toMatch(/database took too long/);
      expect(res.headers['retry-after']).toBe('10');
    } finally {
      await unlock();
    }
    // Nothing was written, and the connection is sound for the next request.
    const after = await a.call('GET', `/Users/${user.id}`);
    expect(after.json<{ title?: string }>().title).toBeUndefined();
    expect(t.logLines.some((l) => l['msg'] === 'database statement canceled (statement timeout)')).toBe(true);
  });

  it('fails only the Bulk operation whose statement was canceled, as a 503 of its own (RFC 7644 §3.7.3)', async () => {
    const t = await appWith({ DATABASE_STATEMENT_TIMEOUT_MS: '1000' });
    const a = await scimTenant(t);
    const user = await a.createUser({ userName: 'locked@a.test' });
    const unlock = await lockUser(t, a.tenantId, user.id);
    let res;
    try {
      res = await a.call('POST', '/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'one', data: { schemas: [USER_SCHEMA], userName: 'one@a.test' } },
          { method: 'PATCH', path: `/Users/${user.id}`, data: rename('never') },
          { method: 'POST', path: '/Users', bulkId: 'two', data: { schemas: [USER_SCHEMA], userName: 'two@a.test' } },
        ],
      });
    } finally {
      await unlock();
    }
    expect(res.statusCode).toBe(200);
    const results = res.json<{ Operations: { status: string; response?: { status?: string } }[] }>();
    expect(results.Operations.map((o) => o.status)).toEqual(['201', '503', '201']);
  });

  it("does not hold an operator's tenant deletion to the statement timeout", async () => {
    const t = await appWith({ DATABASE_STATEMENT_TIMEOUT_MS: '1000' });
    const a = await scimTenant(t);
    // The deletion waits on the tenant's row past the timeout, as a large cascade would run past it.
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE', [a.tenantId]);
    const unlocked = new Promise((r) => setTimeout(r, 1_500)).then(async () => {
      await client.query('ROLLBACK');
      await client.end();
    });
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/admin/v1/tenants/${a.tenantId}`,
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    await unlocked;
    expect(deleted.statusCode).toBe(204);
  });

  it('answers 503 with Retry-After, a SCIM Error, when a request outlives REQUEST_TIMEOUT_MS', async () => {
    const t = await appWith({ REQUEST_TIMEOUT_MS: '500', DATABASE_STATEMENT_TIMEOUT_MS: '0' });
    const a = await scimTenant(t);
    const user = await a.createUser({ userName: 'stuck@a.test' });
    const unlock = await lockUser(t, a.tenantId, user.id);
    try {
      const started = Date.now();
      const res = await a.call('PATCH', `/Users/${user.id}`, rename('late'));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(expectScimError(res, 503)['detail']).toMatch(/did not complete within 500 ms/);
      expect(res.headers['retry-after']).toBe('10');
    } finally {
      await unlock();
    }
  });

  it('lets an events long-poll wait its full time past REQUEST_TIMEOUT_MS', async () => {
    const t = await appWith({ REQUEST_TIMEOUT_MS: '500', DATABASE_STATEMENT_TIMEOUT_MS: '0' });
    const a = await scimTenant(t);
    const started = Date.now();
    const res = await t.app.inject({
      url: `/admin/v1/tenants/${a.tenantId}/events?after=999999&wait=2`,
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(res.statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });
});
