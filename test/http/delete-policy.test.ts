import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { OutboxStore } from '../../src/storage/outbox.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { expectScimError, scimTenant, USER_SCHEMA } from '../helpers/scim.js';

// Deactivate versus delete (issue 6, point 3): a per-tenant policy for DELETE /Users/{id}.

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

const eventsOf = async (tenantId: string) => new OutboxStore().after(sqlOf(t.deps.db), tenantId, 0, 1000);

describe('the delete policy', () => {
  it('removes the user by default: user.deleted, and the admin API no longer finds it', async () => {
    const scim = await scimTenant(t, 'delpol');
    expect((await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}`)).json()).toMatchObject({
      deletePolicy: 'delete',
    });
    const user = await scim.createUser({ userName: 'gone@policy.test' });
    expect((await scim.call('DELETE', `/Users/${user.id}`)).statusCode).toBe(204);
    expect((await eventsOf(scim.tenantId)).at(-1)?.type).toBe('user.deleted');
    expect((await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/users/${user.id}`)).statusCode).toBe(404);
  });

  it('deactivates instead under "deactivate": gone from SCIM, userName free, kept inactive for the app', async () => {
    const scim = await scimTenant(t, 'deactpol');
    const set = await admin.call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, { deletePolicy: 'deactivate' });
    expect(set.json()).toMatchObject({ deletePolicy: 'deactivate' });
    const user = await scim.createUser({ userName: 'kept@policy.test', externalId: 'okta-kept', title: 'Engineer' });
    const group = await scim.createGroup({ displayName: 'Team', members: [{ value: user.id }] });

    expect((await scim.call('DELETE', `/Users/${user.id}`)).statusCode).toBe(204);
    // Gone from SCIM: get, list, filter and the group's members.
    expectScimError(await scim.call('GET', `/Users/${user.id}`), 404);
    const listed = await scim.call('GET', `/Users?filter=${encodeURIComponent('userName eq "kept@policy.test"')}`);
    expect(listed.json()).toMatchObject({ totalResults: 0 });
    expect((await scim.call('GET', `/Groups/${group.id}`)).json<{ members?: unknown[] }>().members).toBeUndefined();
    expectScimError(await scim.call('DELETE', `/Users/${user.id}`), 404);

    // Events say which happened.
    const events = await eventsOf(scim.tenantId);
    const deactivated = events.find((e) => e.type === 'user.deactivated');
    expect(deactivated).toMatchObject({ resourceId: user.id, externalId: 'okta-kept', changedAttributes: ['active'] });
    expect(deactivated?.data).toMatchObject({ userName: 'kept@policy.test', active: false, title: 'Engineer' });
    expect(events.some((e) => e.type === 'user.deleted')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'group.member_removed', resourceId: group.id });

    // Readable by the app through the admin API.
    const kept = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/users/${user.id}`);
    expect(kept.statusCode).toBe(200);
    const body = kept.json<{ user: Record<string, unknown>; deletedAt: string | null }>();
    expect(body.user).toMatchObject({ id: user.id, userName: 'kept@policy.test', active: false });
    expect(body.deletedAt).not.toBeNull();

    // The userName is free again: the provider may create the user anew.
    const again = await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'KEPT@policy.test' });
    expect(again.statusCode).toBe(201);
    expect(again.json<{ id: string }>().id).not.toBe(user.id);
  });

  it('refuses an unknown policy', async () => {
    const scim = await scimTenant(t, 'badpol');
    const res = await admin.call('PATCH', `/admin/v1/tenants/${scim.tenantId}`, { deletePolicy: 'archive' });
    expect(res.statusCode).toBe(400);
  });
});
