import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { PATCH_SCHEMA, scimTenant, USER_SCHEMA } from '../helpers/scim.js';

// The per-tenant request log (issue 6, point 4).

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

interface Entry {
  id: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  provider: string;
  rules: string[];
  requestId: string;
  requestBody: unknown;
  responseBody: unknown;
}

async function log(tenantId: string, query = ''): Promise<{ requests: Entry[]; nextCursor: string | null }> {
  await t.deps.requestLog.flush();
  const res = await admin.call('GET', `/admin/v1/tenants/${tenantId}/requests${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('the request log', () => {
  it('keeps every SCIM request with its response, provider and rules, passwords redacted, newest first', async () => {
    const scim = await scimTenant(t, 'reqlog');
    const created = await scim.call(
      'POST',
      '/Users',
      {
        schemas: [USER_SCHEMA],
        userName: 'logged@req.test',
        password: 'Sup3r-Secret!',
        title: 'back\\slash\ttab\nline',
      },
      { 'user-agent': 'Okta SCIM Client 1.0.0' },
    );
    const id = created.json<{ id: string }>().id;
    await scim.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'Replace', path: 'title', value: 'x' }],
    });
    await scim.call('GET', `/Users/00000000-0000-4000-8000-000000000000`);

    const { requests, nextCursor } = await log(scim.tenantId);
    expect(nextCursor).toBeNull();
    expect(requests.map((r) => [r.method, r.status])).toEqual([
      ['GET', 404],
      ['PATCH', 200],
      ['POST', 201],
    ]);
    const post = requests[2];
    expect(post).toMatchObject({ path: `/scim/v2/${scim.tenantId}/Users`, provider: 'okta', rules: [] });
    expect(post?.requestBody).toMatchObject({
      userName: 'logged@req.test',
      password: '[redacted]',
      title: 'back\\slash\ttab\nline',
    });
    expect(post?.responseBody).toMatchObject({ id, userName: 'logged@req.test' });
    expect(JSON.stringify(requests)).not.toContain('Sup3r-Secret!');
    expect(requests[1]?.rules).toEqual(['patch-op-case']);
    expect(requests[0]?.responseBody).toMatchObject({ status: '404' });
    expect(typeof post?.durationMs).toBe('number');
    expect(post?.requestId).toBe(created.headers['x-request-id']);
  });

  it('filters by status and pages with nextCursor', async () => {
    const scim = await scimTenant(t, 'reqpage');
    for (let i = 0; i < 5; i += 1) await scim.call('GET', '/Users');
    await scim.call('GET', '/Users/not-an-id');
    expect((await log(scim.tenantId, '?status=404')).requests).toHaveLength(1);
    const first = await log(scim.tenantId, '?limit=4');
    expect(first.requests).toHaveLength(4);
    const rest = await log(scim.tenantId, `?limit=4&after=${first.nextCursor ?? ''}`);
    expect(rest.requests).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...first.requests, ...rest.requests].map((r) => r.id)).size).toBe(6);
  });

  it('logs nothing for a request that did not prove it belongs to the tenant, and refuses bad parameters', async () => {
    const scim = await scimTenant(t, 'reqanon');
    await t.app.inject({ url: `/scim/v2/${scim.tenantId}/Users`, headers: { authorization: 'Bearer forged' } });
    expect((await log(scim.tenantId)).requests).toEqual([]);
    for (const query of ['?status=99', '?after=abc', '?limit=0']) {
      expect((await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/requests${query}`)).statusCode).toBe(400);
    }
    expect((await admin.call('GET', '/admin/v1/tenants/no-such/requests')).statusCode).toBe(404);
  });

  it('prunes lines past the retention', async () => {
    const scim = await scimTenant(t, 'reqprune');
    await scim.call('GET', '/Users');
    await t.deps.requestLog.flush();
    await sqlOf(t.deps.db).execute(
      `UPDATE scim_request_log SET received_at = now() - interval '8 days' WHERE tenant_id = $1`,
      scim.tenantId,
    );
    await t.deps.requestLogStore.prune(sqlOf(t.deps.db), 7);
    expect((await log(scim.tenantId)).requests).toEqual([]);
  });

  it("goes with its tenant: a deletion removes the tenant's lines, and a batch written after it keeps none of them", async () => {
    const gone = await scimTenant(t, 'reqgone');
    const stays = await scimTenant(t, 'reqstays');
    const count = async (tenantId: string) =>
      Number(
        (
          await sqlOf(t.deps.db).rows<{ n: string }[]>(
            'SELECT count(*) AS n FROM scim_request_log WHERE tenant_id = $1',
            tenantId,
          )
        )[0]?.n,
      );
    await gone.call('GET', '/Users');
    await t.deps.requestLog.flush();
    expect(await count(gone.tenantId)).toBe(1);
    // Recorded, not yet written, when the tenant goes; the same batch carries another tenant's.
    await gone.call('GET', '/Groups');
    await stays.call('GET', '/Groups');
    expect((await admin.call('DELETE', `/admin/v1/tenants/${gone.tenantId}`)).statusCode).toBe(204);
    await t.deps.requestLog.flush();
    expect(await count(gone.tenantId)).toBe(0);
    expect(await count(stays.tenantId)).toBe(1);
  });
});
