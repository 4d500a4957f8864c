import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { PATCH_SCHEMA, scimTenant, USER_SCHEMA } from '../helpers/scim.js';

// The per-tenant request log (issue 6, point 4).

const URN_PASSWORD = `${USER_SCHEMA}:password`;
const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const LONG_PASSWORD = 'Unquoted-Long-Password-Cut-Short-By-The-Error-Quote';

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

  describe('never keeps a password (issue 11, finding 3)', () => {
    /** The tenant's whole log as the admin API returns it: the password must appear nowhere in it. */
    async function logText(tenantId: string): Promise<string> {
      await t.deps.requestLog.flush();
      const res = await admin.call('GET', `/admin/v1/tenants/${tenantId}/requests`);
      expect(res.statusCode, res.body).toBe(200);
      return res.body;
    }

    it('in PATCH operations whose path names password, in any case or URN-qualified (RFC 7644 §3.5.2)', async () => {
      const scim = await scimTenant(t, 'reqpatchpw');
      const { id } = await scim.createUser({ userName: 'patched@req.test' });
      const paths = ['password', 'PassWord', URN_PASSWORD, 'password[value eq "Value-Filter-Pw1"]'];
      for (const [i, path] of paths.entries()) {
        await scim.call('PATCH', `/Users/${id}`, {
          schemas: [PATCH_SCHEMA],
          Operations: [{ op: 'replace', path, value: `Patch-Path-Pw${i}` }],
        });
      }
      const text = await logText(scim.tenantId);
      for (const i of paths.keys()) expect(text).not.toContain(`Patch-Path-Pw${i}`);
      expect(text).not.toContain('Value-Filter-Pw1');
      const { requests } = await log(scim.tenantId);
      expect(requests.at(-2)?.requestBody).toEqual({
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'password', value: '[redacted]' }],
      });
    });

    it('in pathless PATCH values, plain, URN-qualified or in the core schema object (RFC 7644 §3.5.2.3)', async () => {
      const scim = await scimTenant(t, 'reqpathless');
      const { id } = await scim.createUser({ userName: 'pathless@req.test' });
      for (const value of [
        { password: 'Pathless-Pw-A' },
        { [URN_PASSWORD]: 'Pathless-Pw-B' },
        { [USER_SCHEMA]: { password: 'Pathless-Pw-C' } },
      ]) {
        await scim.call('PATCH', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value }] });
      }
      expect(await logText(scim.tenantId)).not.toMatch(/Pathless-Pw-/);
    });

    it('in Bulk operations of every method (RFC 7644 §3.7)', async () => {
      const scim = await scimTenant(t, 'reqbulk');
      const { id } = await scim.createUser({ userName: 'bulked@req.test' });
      const res = await scim.call('POST', '/Bulk', {
        schemas: [BULK_REQUEST],
        Operations: [
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'b1',
            data: { schemas: [USER_SCHEMA], userName: 'bulk-new@req.test', password: 'Bulk-Pw-Post' },
          },
          {
            method: 'PUT',
            path: `/Users/${id}`,
            data: { schemas: [USER_SCHEMA], userName: 'bulked@req.test', [URN_PASSWORD]: 'Bulk-Pw-Put' },
          },
          {
            method: 'PATCH',
            path: `/Users/${id}`,
            data: {
              schemas: [PATCH_SCHEMA],
              Operations: [{ op: 'replace', path: 'PASSWORD', value: 'Bulk-Pw-Patch' }],
            },
          },
          {
            method: 'PATCH',
            path: `/Users/${id}`,
            data: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', value: { password: 'Bulk-Pw-Pathless' } }] },
          },
          // Refused, and its error quotes the value it refused.
          {
            method: 'PATCH',
            path: `/Users/${id}`,
            data: {
              schemas: [PATCH_SCHEMA],
              Operations: [{ op: 'replace', path: 'password[value eq "Bulk-Pw-Echoed"]', value: 'Bulk-Pw-Value' }],
            },
          },
        ],
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).toContain('Bulk-Pw-Echoed');
      const text = await logText(scim.tenantId);
      expect(text).not.toMatch(/Bulk-Pw-/);
      expect(text).toContain('bulk-new@req.test');
    });

    it('in filters: a .search body and the logged URL, percent-encoded or not (RFC 7644 §3.4.2.2, §3.4.3)', async () => {
      const scim = await scimTenant(t, 'reqfilter');
      await scim.call('POST', '/Users/.search', {
        schemas: [SEARCH_REQUEST],
        filter: 'userName sw "kept" and password eq "Search-Filter-Pw"',
      });
      await scim.call('GET', `/Users?filter=${encodeURIComponent('password eq "Url-Filter-Pw-A"')}&count=1`);
      await scim.call('GET', '/Users?filter=PASSWORD+eq+%22Url-Filter-Pw-B%22');
      await scim.call('GET', '/Users?filter=password eq "Url-Filter-Pw-C"');
      // Refused (unquoted), and the error quotes the value, cut at 40 characters with "…".
      const unquoted = await scim.call('GET', `/Users?filter=${encodeURIComponent(`password eq ${LONG_PASSWORD}`)}`);
      expect(unquoted.body).toContain(LONG_PASSWORD.slice(0, 30));
      const text = await logText(scim.tenantId);
      expect(text).not.toMatch(/Search-Filter-Pw|Url-Filter-Pw/);
      expect(text).not.toContain(LONG_PASSWORD.slice(0, 8));
      const { requests } = await log(scim.tenantId);
      expect(requests).toHaveLength(5);
      expect(requests.at(-1)?.requestBody).toMatchObject({
        filter: 'userName sw "kept" and password eq "[redacted]"',
      });
      expect(requests.at(-2)?.path).toContain('&count=1');
      expect(requests[0]?.responseBody).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    });

    it('writes the entry of a body nested 100k levels deep, cut where it gets too deep', async () => {
      const scim = await scimTenant(t, 'reqdeep');
      // The client stringifies its bodies, which this one would overflow: the text goes as it is.
      const { token } = await admin.issueToken(scim.tenantId);
      const depth = 100_000;
      const res = await t.app.inject({
        method: 'POST',
        url: `/scim/v2/${scim.tenantId}/Users`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        payload: `${'['.repeat(depth)}"Deep-Pw"${']'.repeat(depth)}`,
      });
      expect(res.statusCode).toBe(400);
      const { requests } = await log(scim.tenantId);
      expect(requests).toHaveLength(1);
      expect(JSON.stringify(requests[0]?.requestBody)).toContain('[too deeply nested]');
    });
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
