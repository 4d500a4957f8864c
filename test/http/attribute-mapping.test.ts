import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { ENTERPRISE_SCHEMA, patchBody, scimTenant, USER_SCHEMA, type ScimClient } from '../helpers/scim.js';
import { webhookSink, type WebhookSink } from '../helpers/webhook-sink.js';

// Attribute mapping (issue 12): the app's own model of users and groups, in every user and group
// event as `mapped` beside `data`, and in the admin user read.

let t: TestApp;
let admin: ReturnType<typeof adminClient>;
const sinks: WebhookSink[] = [];

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
  t.deps.dispatcher.start();
});
afterAll(() => t.close());
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
const mappingUrl = (tenantId: string) => `/admin/v1/tenants/${tenantId}/attribute-mapping`;

interface Event {
  type: string;
  data: Record<string, unknown>;
  mapped: Record<string, unknown> | null;
}

async function events(tenantId: string): Promise<Event[]> {
  const res = await admin.call('GET', `/admin/v1/tenants/${tenantId}/events?limit=1000`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ events: Event[] }>().events;
}

const okta = {
  schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
  userName: 'ada@example.com',
  externalId: '00u1',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  displayName: 'Ada Lovelace',
  emails: [
    { value: 'ada.home@example.org', type: 'home' },
    { value: 'ada@example.com', type: 'work', primary: true },
  ],
  active: true,
  [ENTERPRISE_SCHEMA]: { department: 'Engineering', manager: { value: 'm-1' } },
};

describe('the default mapping', () => {
  it('gives every user event the normalized user a directory-sync product gives, beside data', async () => {
    const scim = await scimTenant(t, 'map-default');
    const got = await admin.call('GET', mappingUrl(scim.tenantId));
    expect(got.json()).toMatchObject({ isDefault: true });
    expect(got.json<{ mapping: { User: { email: unknown } } }>().mapping.User.email).toBeInstanceOf(Array);
    const user = await scim.createUser(okta);
    const [created] = await events(scim.tenantId);
    expect(created?.type).toBe('user.created');
    expect(created?.mapped).toEqual({
      id: user.id,
      externalId: '00u1',
      userName: 'ada@example.com',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada Lovelace',
      active: true,
      department: 'Engineering',
      manager: 'm-1',
    });
    expect(created?.data['userName']).toBe('ada@example.com');
  });

  it('falls back to the first work email, then the first email, when none is primary (Entra, Google)', async () => {
    const scim = await scimTenant(t, 'map-email');
    await scim.createUser({
      userName: 'w@x.test',
      emails: [
        { value: 'home@x.test', type: 'home' },
        { value: 'work@x.test', type: 'work' },
      ],
    });
    await scim.createUser({ userName: 'o@x.test', emails: [{ value: 'other@x.test', type: 'other' }] });
    await scim.createUser({ userName: 'n@x.test' });
    expect((await events(scim.tenantId)).map((e) => e.mapped?.['email'])).toEqual([
      'work@x.test',
      'other@x.test',
      null,
    ]);
  });

  it('maps groups, and names members and groups in reads only: member events carry ids', async () => {
    const scim = await scimTenant(t, 'map-group');
    const user = await scim.createUser({ userName: 'm@x.test' });
    const group = await scim.createGroup({ displayName: 'Eng', externalId: 'g-1', members: [{ value: user.id }] });
    const all = await events(scim.tenantId);
    expect(all.map((e) => e.type)).toEqual(['user.created', 'group.created', 'group.member_added']);
    expect(all[1]?.mapped).toEqual({ id: group.id, externalId: 'g-1', displayName: 'Eng' });
    expect(all[2]?.mapped).toBeNull();
    // The admin read has the whole user, so its mapped form has the groups too.
    const read = await admin.call('GET', `/admin/v1/tenants/${scim.tenantId}/users/${user.id}`);
    expect(read.json<{ mapped: Record<string, unknown> }>().mapped).toMatchObject({
      userName: 'm@x.test',
      groups: [{ value: group.id, display: 'Eng', type: 'direct' }],
    });
  });
});

describe('a tenant mapping', () => {
  it('validates every path against the tenant registry: 400 names each path that can never match', async () => {
    const scim = await scimTenant(t, 'map-bad');
    const res = await admin.call('PUT', mappingUrl(scim.tenantId), {
      User: {
        email: 'emails[type eq "work"].valu',
        costCenter: `${CUSTOM}:costCenter`,
        ok: 'userName',
        primaryFlag: 'emails[primary eq "yes"].value',
      },
      Device: { id: 'id' },
    });
    expect(res.statusCode).toBe(400);
    const message = res.json<{ message: string }>().message;
    expect(message).toContain('User.email');
    expect(message).toContain('valu');
    expect(message).toContain('User.costCenter');
    expect(message).toContain('User.primaryFlag');
    expect(message).toContain('Device');
    expect(message).not.toContain('User.ok');
    expect((await admin.call('GET', mappingUrl(scim.tenantId))).json()).toMatchObject({ isDefault: true });
  });

  it('maps extension attributes once the schema is registered, applies to later events only, and resets', async () => {
    const scim = await scimTenant(t, 'map-ext');
    await scim.createUser({ userName: 'before@x.test' });
    const schema = await admin.call('PUT', `/admin/v1/tenants/${scim.tenantId}/schemas/${encodeURIComponent(CUSTOM)}`, {
      resourceType: 'User',
      attributes: [{ name: 'costCenter' }],
    });
    expect(schema.statusCode).toBe(201);
    const mapping = {
      User: { email: 'emails[type eq "work"].value', costCenter: `${CUSTOM}:costCenter`, login: 'userName' },
    };
    const put = await admin.call('PUT', mappingUrl(scim.tenantId), mapping);
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({ isDefault: false, mapping });
    await scim.createUser({
      schemas: [USER_SCHEMA, CUSTOM],
      userName: 'after@x.test',
      emails: [{ value: 'after@x.test', type: 'work' }],
      [CUSTOM]: { costCenter: 'CC-7' },
    });
    const [first, second] = await events(scim.tenantId);
    expect(first?.mapped).toMatchObject({ userName: 'before@x.test', firstName: null });
    expect(second?.mapped).toEqual({ email: 'after@x.test', costCenter: 'CC-7', login: 'after@x.test' });
    // Groups have no mapping in this tenant's: their events carry none.
    await scim.createGroup({ displayName: 'G' });
    expect((await events(scim.tenantId)).at(-1)?.mapped).toBeNull();
    // The mapping names the extension's attribute: removing the extension is refused until it changes.
    const removal = await admin.call(
      'DELETE',
      `/admin/v1/tenants/${scim.tenantId}/schemas/${encodeURIComponent(CUSTOM)}`,
    );
    expect(removal.statusCode).toBe(409);
    expect(removal.json<{ message: string }>().message).toContain('attribute mapping');
    const reset = await admin.call('DELETE', mappingUrl(scim.tenantId));
    expect(reset.json()).toMatchObject({ isDefault: true });
  });

  it("keeps each tenant's mapping and schemas to itself", async () => {
    const a = await scimTenant(t, 'map-a');
    const b = await scimTenant(t, 'map-b');
    await admin.call('PUT', mappingUrl(a.tenantId), { User: { login: 'userName' } });
    await a.createUser({ userName: 'a@x.test' });
    await b.createUser({ userName: 'b@x.test' });
    expect((await events(a.tenantId))[0]?.mapped).toEqual({ login: 'a@x.test' });
    expect((await events(b.tenantId))[0]?.mapped).toMatchObject({ userName: 'b@x.test', email: null });
    expect((await admin.call('GET', mappingUrl(b.tenantId))).json()).toMatchObject({ isDefault: true });
    expect((await admin.call('GET', mappingUrl('no-such-tenant'))).statusCode).toBe(404);
  });

  it('webhooks carry mapped beside data, and PATCH events carry the mapping too', async () => {
    const scim: ScimClient = await scimTenant(t, 'map-hook');
    const sink = await webhookSink();
    sinks.push(sink);
    const sub = await admin.call('POST', `/admin/v1/tenants/${scim.tenantId}/webhooks`, { url: sink.url });
    expect(sub.statusCode, sub.body).toBe(201);
    await admin.call('PUT', mappingUrl(scim.tenantId), { User: { login: 'userName', title: 'title' } });
    const user = await scim.createUser({ userName: 'hook@x.test' });
    await scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'add', path: 'title', value: 'CTO' }));
    const deliveries = await sink.waitFor(2);
    const bodies = deliveries.map((d) => JSON.parse(d.body) as Event);
    expect(bodies.map((b) => [b.type, b.mapped])).toEqual([
      ['user.created', { login: 'hook@x.test', title: null }],
      ['user.updated', { login: 'hook@x.test', title: 'CTO' }],
    ]);
  });
});
