import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { inTransaction, sqlOf } from '../../src/storage/db.js';
import { startEmbeddedDatabase, type DatabaseServer } from '../../src/storage/embedded.js';
import { OutboxStore } from '../../src/storage/outbox.js';
import { SchemaChanged } from '../../src/storage/errors.js';
import { adminPrincipal } from '../../src/tenancy/principal.js';
import { WebhookStore } from '../../src/storage/webhook-store.js';
import { migrate } from '../../src/storage/migrate.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  ENTERPRISE_SCHEMA,
  GROUP_SCHEMA,
  patchBody,
  scimTenant,
  USER_SCHEMA,
  type ScimClient,
} from '../helpers/scim.js';

// The zero-setup mode runs the same SQL on PGlite (PostgreSQL 18) that production runs on 15
// or 16: every statement shape the resource endpoints use must work on both.
const dir = mkdtempSync(join(tmpdir(), 'scim-pglite-'));
let server: DatabaseServer;
let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  server = await startEmbeddedDatabase(dir);
  await migrate(server.url);
  t = await createTestApp({ database: { url: server.url, name: 'pglite', drop: async () => {} }, embedded: true });
  scim = await scimTenant(t, 'pglite');
}, 60_000);
afterAll(async () => {
  await t.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('resource SQL on the embedded PGlite database', () => {
  it('creates, filters, sorts, pages, patches and deletes users and groups', async () => {
    const ada = await scim.createUser({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      userName: 'Ada@example.com',
      emails: [{ value: 'ada@example.com', type: 'work' }],
      [ENTERPRISE_SCHEMA]: { employeeNumber: '7' },
    });
    const bob = await scim.createUser({ userName: 'bob@example.com', title: 'Boss' });
    const filter = async (f: string, extra = '') =>
      (await scim.call('GET', `/Users?filter=${encodeURIComponent(f)}${extra}`))
        .json<{ Resources: { id: string }[] }>()
        .Resources.map((r) => r.id);
    expect(await filter('userName eq "ada@EXAMPLE.com"')).toEqual([ada.id]);
    expect(await filter('emails[type eq "work" and value co "ada"]')).toEqual([ada.id]);
    expect(await filter(`${ENTERPRISE_SCHEMA}:employeeNumber eq "7"`)).toEqual([ada.id]);
    expect(await filter('title pr or userName sw "a"', '&sortBy=userName&sortOrder=descending')).toEqual([
      bob.id,
      ada.id,
    ]);
    expect(await filter('meta.created gt "2000-01-01T00:00:00Z"', '&sortBy=title')).toEqual([bob.id, ada.id]);

    const first = (await scim.call('GET', '/Users?cursor=&count=1')).json<{
      nextCursor: string;
      Resources: { id: string }[];
    }>();
    const second = (await scim.call('GET', `/Users?cursor=${encodeURIComponent(first.nextCursor)}&count=1`)).json<{
      Resources: { id: string }[];
    }>();
    expect([...first.Resources, ...second.Resources].map((r) => r.id)).toEqual([ada.id, bob.id]);

    const group = await scim.createGroup({
      schemas: [GROUP_SCHEMA],
      displayName: 'Team',
      members: [{ value: ada.id }],
    });
    const patched = await scim.call(
      'PATCH',
      `/Groups/${group.id}?attributes=members`,
      patchBody({ op: 'add', path: 'members', value: [{ value: bob.id }] }),
    );
    expect(patched.json<{ members: unknown[] }>().members).toHaveLength(2);
    expect(
      (await scim.call('GET', `/Users/${ada.id}`)).json<{ groups: { value: string }[] }>().groups.map((g) => g.value),
    ).toEqual([group.id]);
    expect((await scim.call('DELETE', `/Users/${ada.id}`)).statusCode).toBe(204);
    expect((await scim.call('GET', `/Groups/${group.id}`)).json<{ members: unknown[] }>().members).toHaveLength(1);
    const dup = await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'BOB@example.com' });
    expect(dup.statusCode).toBe(409);
  });

  it('runs membership and meta filters, and numbers outbox events, as on PostgreSQL 15', async () => {
    const carol = await scim.createUser({ userName: 'carol@example.com', displayName: 'Carol' });
    const inner = await scim.createGroup({
      schemas: [GROUP_SCHEMA],
      displayName: 'Inner',
      members: [{ value: carol.id }],
    });
    const outer = await scim.createGroup({
      schemas: [GROUP_SCHEMA],
      displayName: 'Outer',
      members: [{ value: inner.id, type: 'Group' }],
    });
    const ids = async (endpoint: string, f: string) =>
      (await scim.call('GET', `${endpoint}?filter=${encodeURIComponent(f)}`))
        .json<{ Resources: { id: string }[] }>()
        .Resources.map((r) => r.id);
    expect(await ids('/Groups', 'members[type eq "User" and display eq "carol"]')).toEqual([inner.id]);
    expect(await ids('/Users', 'groups[type eq "indirect" and display eq "Outer"]')).toEqual([carol.id]);
    expect(await ids('/Users', `groups.value eq "${outer.id}"`)).toEqual([carol.id]);
    expect(await ids('/Users', `meta.location ew "/Users/${carol.id}"`)).toEqual([carol.id]);

    // The app's own database: the embedded server serves one connection at a time.
    const db = t.deps.db;
    const outbox = new OutboxStore();
    const events = [1, 2].map(() => ({
      id: randomUUID(),
      type: 'user.updated',
      resourceType: 'User' as const,
      resourceId: carol.id,
      externalId: undefined,
      data: { userName: 'carol@example.com' },
      changedAttributes: ['title'],
    }));
    // The requests above appended their own events first.
    const last = (await outbox.after(sqlOf(db), scim.tenantId, 0, 10_000)).at(-1)?.sequence ?? 0;
    expect(last).toBeGreaterThan(0);
    await inTransaction(db, (tx) => outbox.append(tx, scim.tenantId, events));
    expect(await outbox.sequence(sqlOf(db), scim.tenantId, 10)).toBe(2);
    const stored = await outbox.after(sqlOf(db), scim.tenantId, last, 10);
    expect(stored.map((e) => [e.id, e.sequence])).toEqual(events.map((e, i) => [e.id, last + 1 + i]));
    expect((await outbox.after(sqlOf(db), scim.tenantId, last + 1, 10)).map((e) => e.id)).toEqual([events[1]?.id]);
  });

  it('serves concurrent requests, which PGlite runs on one session, without statement name clashes', async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: `parallel${i}@example.com` }),
      ),
    );
    expect(created.map((r) => r.statusCode)).toEqual(created.map(() => 201));
    const read = await Promise.all(created.map((r) => scim.call('GET', `/Users/${r.json<{ id: string }>().id}`)));
    expect(read.map((r) => r.statusCode)).toEqual(read.map(() => 200));
    // The request log's COPY works on PGlite too.
    await t.deps.requestLog.flush();
    const logged = await sqlOf(t.deps.db).rows<{ n: string }[]>(
      'SELECT count(*) AS n FROM scim_request_log WHERE tenant_id = $1',
      scim.tenantId,
    );
    expect(Number(logged[0]?.n)).toBeGreaterThanOrEqual(24);
  });

  it('rotates, re-encrypts and forgets webhook secrets with the same SQL as on PostgreSQL 15', async () => {
    const admin = adminClient(t.app, t.adminToken);
    const base = `/admin/v1/tenants/${scim.tenantId}/webhooks`;
    const { id } = (await admin.call('POST', base, { url: 'http://127.0.0.1:9/hook' })).json<{ id: string }>();
    const rotated = await admin.call('POST', `${base}/${id}/rotate-secret`);
    expect(rotated.json<{ previousSecretExpiresAt: string | null }>().previousSecretExpiresAt).not.toBeNull();
    const q = sqlOf(t.deps.db);
    await q.execute(
      `UPDATE webhook_subscriptions SET secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' WHERE id = $1::uuid`,
      id,
    );
    expect(await t.deps.webhooks.reencryptSecrets()).toMatchObject({ reencrypted: 1, failed: [] });
    await q.execute(
      `UPDATE webhook_subscriptions SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1::uuid`,
      id,
    );
    expect(await new WebhookStore().dropExpiredPreviousSecrets(q)).toBe(1);
    const [row] = await q.rows<{ secret: string; previous_secret: string | null }[]>(
      'SELECT secret, previous_secret FROM webhook_subscriptions WHERE id = $1::uuid',
      id,
    );
    expect(row?.secret).toMatch(/^enc:v1:test:/);
    expect(row?.previous_secret).toBeNull();
  });
  it('fences a write validated before a schema change (SC001 from scim_schema_changed), one statement or a transaction', async () => {
    const admin = adminClient(t.app, t.adminToken);
    const fenced = await scimTenant(t, 'pglite-fence');
    const urn = 'urn:example:fence:2.0:User';
    const groupUrn = 'urn:example:fence:2.0:Group';
    for (const [id, resourceType] of [
      [urn, 'User'],
      [groupUrn, 'Group'],
    ] as const) {
      const put = await admin.call('PUT', `/admin/v1/tenants/${fenced.tenantId}/schemas/${encodeURIComponent(id)}`, {
        resourceType,
        attributes: [{ name: 'code' }],
      });
      expect(put.statusCode).toBe(201);
    }
    // A request's context as it was built before the change: the registry with the extensions.
    const before = await t.deps.tenants.profile(fenced.tenantId);
    const ctx = {
      tenantId: fenced.tenantId,
      principal: adminPrincipal(fenced.tenantId),
      baseUrl: fenced.base,
      registry: before.registry,
      mapping: before.mapping,
      declaredVersion: before.declaredVersion,
    };
    for (const id of [urn, groupUrn]) {
      expect(
        (await admin.call('DELETE', `/admin/v1/tenants/${fenced.tenantId}/schemas/${encodeURIComponent(id)}`))
          .statusCode,
      ).toBe(204);
    }
    await expect(
      t.deps.users.create(ctx, { schemas: [USER_SCHEMA, urn], userName: 'f@x.test', [urn]: { code: 'c' } }, {}),
    ).rejects.toBeInstanceOf(SchemaChanged);
    await expect(
      t.deps.groups.create(ctx, { schemas: [GROUP_SCHEMA, groupUrn], displayName: 'F', [groupUrn]: { code: 'c' } }, {}),
    ).rejects.toBeInstanceOf(SchemaChanged);
    expect((await fenced.call('GET', '/Users')).json()).toMatchObject({ totalResults: 0 });
    expect((await fenced.call('GET', '/Groups')).json()).toMatchObject({ totalResults: 0 });
    expect(await new OutboxStore().after(sqlOf(t.deps.db), fenced.tenantId, 0, 10)).toEqual([]);
  });
});
