import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { patchBody, scimTenant, USER_SCHEMA } from '../helpers/scim.js';

// GET /admin/v1/tenants/{id}/events (issue 5, point 5; docs/events.md).

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

interface EventBody {
  id: string;
  type: string;
  tenantId: string;
  sequence: number;
  occurredAt: string;
  resourceType: string;
  resourceId: string;
  externalId: string | null;
  data: Record<string, unknown>;
  changedAttributes: string[];
}
interface Page {
  events: EventBody[];
  nextCursor: string;
}

async function page(tenantId: string, query = ''): Promise<Page> {
  const res = await admin.call('GET', `/admin/v1/tenants/${tenantId}/events${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>();
}

describe('the events API', () => {
  it('returns the events in sequence order, in the documented shape, and pages by nextCursor', async () => {
    const scim = await scimTenant(t, 'evapi');
    const ada = await scim.createUser({ userName: 'ada@evapi.test', externalId: 'okta-ada' });
    await scim.call('PATCH', `/Users/${ada.id}`, patchBody({ op: 'replace', path: 'title', value: 'Dr' }));
    await scim.createUser({ userName: 'bob@evapi.test' });

    const all = await page(scim.tenantId);
    expect(all.events.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'user.created'],
      [2, 'user.updated'],
      [3, 'user.created'],
    ]);
    expect(all.nextCursor).toBe('3');
    const first = all.events[0];
    expect(Object.keys(first ?? {}).sort()).toEqual(
      [
        'changedAttributes',
        'data',
        'externalId',
        'id',
        'mapped',
        'occurredAt',
        'resourceId',
        'resourceType',
        'sequence',
        'tenantId',
        'type',
      ].sort(),
    );
    expect(first).toMatchObject({
      tenantId: scim.tenantId,
      resourceType: 'User',
      resourceId: ada.id,
      externalId: 'okta-ada',
      changedAttributes: [],
      mapped: { id: ada.id, userName: 'ada@evapi.test', externalId: 'okta-ada', active: null, email: null },
    });
    expect(new Date(first?.occurredAt ?? '').toISOString()).toBe(first?.occurredAt);
    expect(first?.data).toMatchObject({ id: ada.id, userName: 'ada@evapi.test' });
    expect(all.events[2]?.externalId).toBeNull();

    const one = await page(scim.tenantId, '?limit=1');
    expect(one.events.map((e) => e.sequence)).toEqual([1]);
    const rest = await page(scim.tenantId, `?after=${one.nextCursor}&limit=5`);
    expect(rest.events.map((e) => e.sequence)).toEqual([2, 3]);
    // At the end, the cursor stays where it is.
    expect(await page(scim.tenantId, `?after=${rest.nextCursor}`)).toEqual({ events: [], nextCursor: '3' });
  });

  it('holds a request with wait until an event arrives', async () => {
    const scim = await scimTenant(t, 'evwait');
    const started = Date.now();
    const waiting = page(scim.tenantId, '?wait=10');
    setTimeout(() => void scim.createUser({ userName: 'late@evapi.test' }), 300);
    const result = await waiting;
    expect(result.events.map((e) => e.type)).toEqual(['user.created']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers an empty page when nothing arrives within wait', async () => {
    const scim = await scimTenant(t, 'evidle');
    const started = Date.now();
    expect(await page(scim.tenantId, '?wait=1')).toEqual({ events: [], nextCursor: '0' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('lets a reader following nextCursor see every event of 12 concurrent writers exactly once, in order', async () => {
    const scim = await scimTenant(t, 'evrace');
    const seen: EventBody[] = [];
    const writers = { done: false };
    const reader = (async () => {
      let cursor = '0';
      for (;;) {
        const stillWriting = !writers.done;
        const next = await page(scim.tenantId, `?after=${cursor}&limit=7`);
        seen.push(...next.events);
        cursor = next.nextCursor;
        if (next.events.length === 0 && !stillWriting) return;
      }
    })();
    await Promise.all(
      Array.from({ length: 12 }, async (_, w) => {
        for (let i = 0; i < 5; i += 1) {
          const res = await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: `w${w}-${i}@evapi.test` });
          expect(res.statusCode).toBe(201);
        }
      }),
    );
    writers.done = true;
    await reader;
    expect(seen.map((e) => e.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(seen.map((e) => e.id)).size).toBe(60);
  });

  it('ends a waiting request at once when the service stops, instead of holding the shutdown', async () => {
    const replica = await createTestApp({ database: t.database });
    const scim = await scimTenant(replica, 'evstop');
    const started = Date.now();
    const waiting = adminClient(replica.app, replica.adminToken).call(
      'GET',
      `/admin/v1/tenants/${scim.tenantId}/events?wait=30`,
    );
    await new Promise((r) => setTimeout(r, 200));
    await replica.close();
    const res = await waiting;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ events: [], nextCursor: '0' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a malformed cursor, limit or wait, an unknown tenant, and a missing admin token', async () => {
    const scim = await scimTenant(t, 'evbad');
    for (const query of ['?after=abc', '?after=-1', '?limit=0', '?limit=1001', '?wait=31', '?other=1']) {
      const res = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/events${query}`);
      expect(res.statusCode, query).toBe(400);
    }
    expect((await admin.call('GET', '/admin/v1/tenants/no-such-tenant/events')).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/admin/v1/tenants/${scim.tenantId}/events` })).statusCode).toBe(401);
  });
});
