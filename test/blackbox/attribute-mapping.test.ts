import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSink, type WebhookSink } from '../helpers/webhook-sink.js';
import { MODES, PATCH_SCHEMA, startBlackBox, USER_SCHEMA, type BlackBox, type Reply, type Tenant } from './harness.js';

/**
 * Issue 12: each tenant's attribute mapping, the app's own model of its users and groups, as an
 * operator and an app meet it from outside the built service: set through the admin API, carried
 * as `mapped` beside `data` in the events API and in webhook deliveries, in the admin user read,
 * and guarding the schema extensions it names (docs/events.md, "The app's model"). In both
 * database modes.
 */

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
/** Headers Entra ID's provisioning client sends. */
const ENTRA_HEADERS = { 'user-agent': 'Microsoft Azure Active Directory SCIM Client', adscimversion: '2.0' };

/** The documented default mapping's fields, in events (membership fields are read-only). */
const DEFAULT_USER_FIELDS = [
  'id',
  'externalId',
  'userName',
  'email',
  'firstName',
  'lastName',
  'displayName',
  'active',
  'department',
  'manager',
];

const sortedFields = [...DEFAULT_USER_FIELDS].sort();
/** A mapped object's fields, sorted: events are stored as jsonb, which keeps no key order. */
const fieldsOf = (mapped: Record<string, unknown> | null | undefined) => Object.keys(mapped ?? {}).sort();

interface ChangeEvent {
  id: string;
  type: string;
  tenantId: string;
  sequence: number;
  resourceType: string;
  resourceId: string;
  data: Record<string, unknown>;
  mapped: Record<string, unknown> | null;
  changedAttributes: string[];
}
interface EventsPage {
  events: ChangeEvent[];
  nextCursor: string;
}
interface MappingReply {
  mapping: Record<string, Record<string, string | string[]>>;
  isDefault: boolean;
}
interface ScimResource {
  id: string;
  [key: string]: unknown;
}

const mappingPath = (tenant: Tenant | string) =>
  `/admin/v1/tenants/${typeof tenant === 'string' ? tenant : tenant.id}/attribute-mapping`;
const schemaPath = (tenant: Tenant, urn = CUSTOM) =>
  `/admin/v1/tenants/${tenant.id}/schemas/${encodeURIComponent(urn)}`;
const patchBody = (...ops: Record<string, unknown>[]) => ({ schemas: [PATCH_SCHEMA], Operations: ops });

/** The admin API's error shape: JSON { statusCode, error, message }. */
function expectAdminError(res: Reply, status: number): string {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.json).toEqual({
    statusCode: status,
    error: expect.any(String) as unknown,
    message: expect.any(String) as unknown,
  });
  return (res.json as { message: string }).message;
}

describe.each(MODES)('attribute mapping from the outside (%s database)', (mode) => {
  let box: BlackBox;
  const sinks: WebhookSink[] = [];
  /** Per tenant, the cursor after the last event read: each step reads the events its writes appended. */
  const cursors = new Map<string, string>();

  beforeAll(async () => {
    box = await startBlackBox(mode);
  });
  afterAll(async () => {
    await Promise.all(sinks.map((s) => s.close()));
    await box.stop();
  });

  /** The events appended since the last call for this tenant, by the events API's cursor. */
  const newEvents = async (tenant: Tenant): Promise<ChangeEvent[]> => {
    const after = cursors.get(tenant.id) ?? '0';
    const res = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/events?after=${after}&limit=1000`);
    expect(res.status, res.text).toBe(200);
    const page = res.json as EventsPage;
    cursors.set(tenant.id, page.nextCursor);
    return page.events;
  };
  const allEvents = async (tenant: Tenant): Promise<ChangeEvent[]> => {
    const res = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/events?after=0&limit=1000`);
    expect(res.status, res.text).toBe(200);
    return (res.json as EventsPage).events;
  };
  const create = async (
    tenant: Tenant,
    type: 'Users' | 'Groups',
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    const res = await box.scim(tenant, 'POST', `/${type}`, body, headers);
    expect(res.status, res.text).toBe(201);
    return res.json as ScimResource;
  };
  const getMapping = async (tenant: Tenant) => {
    const res = await box.admin('GET', mappingPath(tenant));
    expect(res.status, res.text).toBe(200);
    return res.json as MappingReply;
  };

  describe('the default mapping', () => {
    let tenant: Tenant;
    beforeAll(async () => {
      tenant = await box.tenant();
    });

    it('GET answers the documented default, isDefault true', async () => {
      const { mapping, isDefault } = await getMapping(tenant);
      expect(isDefault).toBe(true);
      expect(Object.keys(mapping).sort()).toEqual(['Group', 'User']);
      expect(Object.keys(mapping['User'] ?? {})).toEqual([...DEFAULT_USER_FIELDS, 'groups']);
      expect(Object.keys(mapping['Group'] ?? {})).toEqual(['id', 'externalId', 'displayName', 'members']);
      expect(mapping['User']).toMatchObject({
        userName: 'userName',
        firstName: 'name.givenName',
        department: `${ENTERPRISE}:department`,
        manager: `${ENTERPRISE}:manager.value`,
        groups: 'groups',
      });
      const email = mapping['User']?.['email'];
      expect(Array.isArray(email) ? email.slice(0, 2) : email).toEqual([
        'emails[primary eq true].value',
        'emails[type eq "work"].value',
      ]);
    });

    it('RFC 7644 §3.3: an Okta-shaped user.created carries the normalized user as mapped beside data', async () => {
      const manager = await create(tenant, 'Users', { schemas: [USER_SCHEMA], userName: 'grace@okta.test' });
      await newEvents(tenant);
      const ada = await create(tenant, 'Users', {
        schemas: [USER_SCHEMA, ENTERPRISE],
        userName: 'ada.lovelace@okta.test',
        externalId: '00u1ada2b3c4D5e6F7',
        name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
        displayName: 'Ada Lovelace',
        // Okta lists the secondary email first; the primary one is the work address.
        emails: [
          { value: 'ada@personal.test', type: 'other' },
          { value: 'ada.lovelace@okta.test', type: 'work', primary: true },
        ],
        active: true,
        [ENTERPRISE]: { department: 'Engineering', manager: { value: manager.id, displayName: 'Grace Hopper' } },
      });
      const [created, ...rest] = await newEvents(tenant);
      expect(rest).toEqual([]);
      expect(created).toMatchObject({ type: 'user.created', resourceType: 'User', resourceId: ada.id });
      expect(created?.mapped).toEqual({
        id: ada.id,
        externalId: '00u1ada2b3c4D5e6F7',
        userName: 'ada.lovelace@okta.test',
        email: 'ada.lovelace@okta.test',
        firstName: 'Ada',
        lastName: 'Lovelace',
        displayName: 'Ada Lovelace',
        active: true,
        department: 'Engineering',
        manager: manager.id,
      });
      // data is still the SCIM resource, untouched by the mapping.
      expect(created?.data).toMatchObject({
        id: ada.id,
        userName: 'ada.lovelace@okta.test',
        [ENTERPRISE]: { department: 'Engineering', manager: { value: manager.id } },
      });
    });

    it('the primary email wins over a work one; every field is present, null when the user has no value', async () => {
      const user = await create(tenant, 'Users', {
        schemas: [USER_SCHEMA],
        userName: 'primary-home@x.test',
        emails: [
          { value: 'first-work@x.test', type: 'work' },
          { value: 'home@x.test', type: 'home', primary: true },
        ],
      });
      const [created] = await newEvents(tenant);
      expect(created?.mapped).toEqual({
        id: user.id,
        externalId: null,
        userName: 'primary-home@x.test',
        email: 'home@x.test',
        firstName: null,
        lastName: null,
        displayName: null,
        // Not sent: null, as every field the user has no value for.
        active: null,
        department: null,
        manager: null,
      });
    });

    it('an Entra-shaped user without a primary email gets its work email; else the first email, else null', async () => {
      const entra = await create(
        tenant,
        'Users',
        {
          schemas: [USER_SCHEMA, ENTERPRISE],
          userName: 'alex.wilber@contoso.test',
          externalId: 'AlexW',
          active: true,
          displayName: 'Alex Wilber',
          name: { givenName: 'Alex', familyName: 'Wilber' },
          emails: [
            { type: 'home', value: 'alex@home.test' },
            { type: 'work', value: 'alex.wilber@contoso.test' },
          ],
          [ENTERPRISE]: { department: 'Retail' },
        },
        ENTRA_HEADERS,
      );
      await create(tenant, 'Users', {
        schemas: [USER_SCHEMA],
        userName: 'google@x.test',
        emails: [
          { value: 'first@x.test', type: 'other' },
          { value: 'second@x.test', type: 'home' },
        ],
      });
      await create(tenant, 'Users', { schemas: [USER_SCHEMA], userName: 'no-email@x.test' });
      const appended = await newEvents(tenant);
      expect(appended.map((e) => e.type)).toEqual(['user.created', 'user.created', 'user.created']);
      expect(appended[0]?.mapped).toEqual({
        id: entra.id,
        externalId: 'AlexW',
        userName: 'alex.wilber@contoso.test',
        email: 'alex.wilber@contoso.test',
        firstName: 'Alex',
        lastName: 'Wilber',
        displayName: 'Alex Wilber',
        active: true,
        department: 'Retail',
        manager: null,
      });
      expect(appended.map((e) => e.mapped?.['email'])).toEqual(['alex.wilber@contoso.test', 'first@x.test', null]);
    });

    it('RFC 7644 §3.5.2: Entra PATCH of manager and active appends user.updated and user.deactivated with mapped', async () => {
      const [manager, user] = await Promise.all([
        create(tenant, 'Users', { schemas: [USER_SCHEMA], userName: 'boss@contoso.test' }),
        create(tenant, 'Users', { schemas: [USER_SCHEMA], userName: 'report@contoso.test', active: true }),
      ]);
      await newEvents(tenant);
      const managed = await box.scim(
        tenant,
        'PATCH',
        `/Users/${user.id}`,
        patchBody({ op: 'Add', path: `${ENTERPRISE}:manager`, value: { value: manager.id } }),
        ENTRA_HEADERS,
      );
      expect(managed.status, managed.text).toBe(200);
      const deactivated = await box.scim(
        tenant,
        'PATCH',
        `/Users/${user.id}`,
        patchBody({ op: 'Replace', path: 'active', value: false }),
        ENTRA_HEADERS,
      );
      expect(deactivated.status, deactivated.text).toBe(200);
      const appended = await newEvents(tenant);
      expect(appended.map((e) => [e.type, e.mapped?.['manager'], e.mapped?.['active']])).toEqual([
        ['user.updated', manager.id, true],
        ['user.deactivated', manager.id, false],
      ]);
      for (const event of appended) expect(fieldsOf(event.mapped)).toEqual(sortedFields);
    });

    it('groups are mapped without members; member events carry mapped null; the admin user read has mapped.groups', async () => {
      const user = await create(tenant, 'Users', { schemas: [USER_SCHEMA], userName: 'member@x.test' });
      const other = await create(tenant, 'Users', { schemas: [USER_SCHEMA], userName: 'other-member@x.test' });
      await newEvents(tenant);
      const group = await create(tenant, 'Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Engineering',
        externalId: 'okta-grp-1',
        members: [{ value: user.id }],
      });
      const added = await box.scim(
        tenant,
        'PATCH',
        `/Groups/${group.id}`,
        patchBody({ op: 'add', path: 'members', value: [{ value: other.id }] }),
      );
      // RFC 7644 §3.5.2: 200 with the group, or 204.
      expect([200, 204], added.text).toContain(added.status);
      const appended = await newEvents(tenant);
      expect(appended.map((e) => [e.type, e.mapped])).toEqual([
        ['group.created', { id: group.id, externalId: 'okta-grp-1', displayName: 'Engineering' }],
        ['group.member_added', null],
        ['group.member_added', null],
      ]);
      expect(appended[0]?.data['members']).toBeUndefined();

      const read = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/users/${user.id}`);
      expect(read.status, read.text).toBe(200);
      const body = read.json as { user: ScimResource; deletedAt: string | null; mapped: Record<string, unknown> };
      expect(body.deletedAt).toBeNull();
      expect(body.user).toMatchObject({ id: user.id, userName: 'member@x.test' });
      expect(body.mapped).toEqual({
        id: user.id,
        externalId: null,
        userName: 'member@x.test',
        email: null,
        firstName: null,
        lastName: null,
        displayName: null,
        active: null,
        department: null,
        manager: null,
        groups: [expect.objectContaining({ value: group.id, display: 'Engineering', type: 'direct' }) as unknown],
      });

      // Deleting the user: user.deleted is mapped (the user as it was), its member_removed is not.
      const deleted = await box.scim(tenant, 'DELETE', `/Users/${user.id}`);
      expect(deleted.status, deleted.text).toBe(204);
      const afterDelete = await newEvents(tenant);
      expect(afterDelete.map((e) => e.type)).toEqual(['user.deleted', 'group.member_removed']);
      expect(afterDelete[0]?.mapped).toMatchObject({ id: user.id, userName: 'member@x.test' });
      expect(afterDelete[0]?.mapped).not.toHaveProperty('groups');
      expect(afterDelete[1]?.mapped).toBeNull();
    });
  });

  describe("a tenant's own mapping", () => {
    let tenant: Tenant;
    let other: Tenant;
    let beforeMapping: ChangeEvent | undefined;
    const mapping = {
      User: {
        email: 'emails[type eq "work"].value',
        costCenter: `${CUSTOM}:costCenter`,
        login: 'userName',
        groups: 'groups',
      },
    };

    beforeAll(async () => {
      [tenant, other] = await Promise.all([box.tenant(), box.tenant()]);
    });

    it('400 names each field and path that can never match, and changes nothing', async () => {
      const res = await box.admin('PUT', mappingPath(tenant), {
        User: {
          email: 'emails[type eq "work"].valu',
          // Not registered yet.
          costCenter: `${CUSTOM}:costCenter`,
          ok: 'userName',
          primaryFlag: 'emails[primary eq "yes"].value',
          nickname: 'name.nickName',
        },
        Device: { id: 'id' },
      });
      const message = expectAdminError(res, 400);
      for (const [field, path] of [
        ['User.email', 'emails[type eq "work"].valu'],
        ['User.costCenter', `${CUSTOM}:costCenter`],
        ['User.primaryFlag', 'emails[primary eq "yes"].value'],
        ['User.nickname', 'name.nickName'],
      ] as const) {
        expect(message).toContain(`${field}: ${JSON.stringify(path)}`);
      }
      expect(message).toContain('Device');
      expect(message).not.toContain('User.ok');
      expect(await getMapping(tenant)).toMatchObject({ isDefault: true });
      // An unknown tenant has no mapping to read or set.
      expect((await box.admin('GET', mappingPath('no-such-tenant'))).status).toBe(404);
      expect((await box.admin('PUT', mappingPath('no-such-tenant'), { User: { login: 'userName' } })).status).toBe(404);
    });

    it('maps a registered extension attribute; later events carry it at once, earlier ones keep their mapped', async () => {
      await create(tenant, 'Users', {
        schemas: [USER_SCHEMA],
        userName: 'before@x.test',
        emails: [{ value: 'before@x.test', type: 'work' }],
      });
      [beforeMapping] = await newEvents(tenant);
      expect(beforeMapping?.mapped).toMatchObject({ userName: 'before@x.test', email: 'before@x.test' });

      const registered = await box.admin('PUT', schemaPath(tenant), {
        resourceType: 'User',
        attributes: [{ name: 'costCenter' }],
      });
      expect(registered.status, registered.text).toBe(201);
      const put = await box.admin('PUT', mappingPath(tenant), mapping);
      expect(put.status, put.text).toBe(200);
      expect(put.json).toEqual({ mapping, isDefault: false });
      expect(await getMapping(tenant)).toEqual({ mapping, isDefault: false });

      const user = await create(tenant, 'Users', {
        schemas: [USER_SCHEMA, CUSTOM],
        userName: 'after@x.test',
        emails: [{ value: 'after@x.test', type: 'work' }],
        [CUSTOM]: { costCenter: 'CC-7' },
      });
      const patched = await box.scim(
        tenant,
        'PATCH',
        `/Users/${user.id}`,
        patchBody({ op: 'replace', path: `${CUSTOM}:costCenter`, value: 'CC-8' }),
      );
      expect(patched.status, patched.text).toBe(200);
      const appended = await newEvents(tenant);
      // groups is named but is a membership field: left out of events.
      expect(appended.map((e) => [e.type, e.mapped])).toEqual([
        ['user.created', { email: 'after@x.test', costCenter: 'CC-7', login: 'after@x.test' }],
        ['user.updated', { email: 'after@x.test', costCenter: 'CC-8', login: 'after@x.test' }],
      ]);
      expect(appended[1]?.changedAttributes).toEqual([`${CUSTOM}:costCenter`]);

      // The event written before the change is served as it was written.
      const [first] = await allEvents(tenant);
      expect(first).toEqual(beforeMapping);
    });

    it('a type the mapping does not name gets mapped null; the admin user read uses the mapping, groups included', async () => {
      const [user] = (
        (await box.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('userName eq "after@x.test"')}`)).json as {
          Resources: ScimResource[];
        }
      ).Resources;
      if (user === undefined) throw new Error('after@x.test not found');
      const group = await create(tenant, 'Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Finance',
        members: [{ value: user.id }],
      });
      const appended = await newEvents(tenant);
      expect(appended.map((e) => [e.type, e.mapped])).toEqual([
        ['group.created', null],
        ['group.member_added', null],
      ]);
      const read = await box.admin('GET', `/admin/v1/tenants/${tenant.id}/users/${user.id}`);
      expect(read.status, read.text).toBe(200);
      expect((read.json as { mapped: unknown }).mapped).toEqual({
        email: 'after@x.test',
        costCenter: 'CC-8',
        login: 'after@x.test',
        groups: [expect.objectContaining({ value: group.id, display: 'Finance', type: 'direct' }) as unknown],
      });
    });

    it("keeps each tenant's mapping and extensions to itself", async () => {
      await create(other, 'Users', {
        schemas: [USER_SCHEMA],
        userName: 'b@other.test',
        emails: [{ value: 'b@other.test', type: 'work' }],
      });
      const [created] = await newEvents(other);
      expect(fieldsOf(created?.mapped)).toEqual(sortedFields);
      expect(created?.mapped).toMatchObject({ userName: 'b@other.test', email: 'b@other.test' });
      expect(await getMapping(other)).toMatchObject({ isDefault: true });
      // The other tenant has not registered the extension: its mapping cannot name it.
      const refused = await box.admin('PUT', mappingPath(other), mapping);
      expect(expectAdminError(refused, 400)).toContain(`User.costCenter: ${JSON.stringify(`${CUSTOM}:costCenter`)}`);
      // A mapping of its own leaves the first tenant's as it was.
      const own = { User: { handle: 'userName' }, Group: { name: 'displayName' } };
      const put = await box.admin('PUT', mappingPath(other), own);
      expect(put.status, put.text).toBe(200);
      await create(other, 'Users', { schemas: [USER_SCHEMA], userName: 'c@other.test' });
      await create(tenant, 'Users', { schemas: [USER_SCHEMA], userName: 'isolated@x.test' });
      expect((await newEvents(other)).map((e) => e.mapped)).toEqual([{ handle: 'c@other.test' }]);
      expect((await newEvents(tenant)).map((e) => e.mapped)).toEqual([
        { email: null, costCenter: null, login: 'isolated@x.test' },
      ]);
      expect(await getMapping(tenant)).toEqual({ mapping, isDefault: false });
    });

    it('409 on deleting the mapped extension or dropping the mapped attribute; both stay', async () => {
      const message = expectAdminError(await box.admin('DELETE', schemaPath(tenant)), 409);
      expect(message).toContain('attribute mapping');
      const dropped = await box.admin('PUT', schemaPath(tenant), {
        resourceType: 'User',
        attributes: [{ name: 'region' }],
      });
      expect(expectAdminError(dropped, 409)).toContain('attribute mapping');
      const schema = await box.admin('GET', schemaPath(tenant));
      expect(schema.status, schema.text).toBe(200);
      expect(schema.json).toMatchObject({ id: CUSTOM, attributes: [{ name: 'costCenter' }] });
      expect(await getMapping(tenant)).toEqual({ mapping, isDefault: false });
    });

    it('DELETE goes back to the default mapping; events after it use the default, those before keep theirs', async () => {
      const reset = await box.admin('DELETE', mappingPath(tenant));
      expect(reset.status, reset.text).toBe(200);
      const body = reset.json as MappingReply;
      expect(body.isDefault).toBe(true);
      expect(body).toEqual(await getMapping(tenant));
      expect(Object.keys(body.mapping['User'] ?? {})).toEqual([...DEFAULT_USER_FIELDS, 'groups']);

      const user = await create(tenant, 'Users', {
        schemas: [USER_SCHEMA, CUSTOM],
        userName: 'reset@x.test',
        emails: [{ value: 'reset@x.test', type: 'work' }],
        [CUSTOM]: { costCenter: 'CC-9' },
      });
      const group = await create(tenant, 'Groups', { schemas: [GROUP_SCHEMA], displayName: 'After reset' });
      const appended = await newEvents(tenant);
      expect(appended.map((e) => [e.type, e.mapped])).toEqual([
        [
          'user.created',
          {
            id: user.id,
            externalId: null,
            userName: 'reset@x.test',
            email: 'reset@x.test',
            firstName: null,
            lastName: null,
            displayName: null,
            active: null,
            department: null,
            manager: null,
          },
        ],
        ['group.created', { id: group.id, externalId: null, displayName: 'After reset' }],
      ]);
      const everything = await allEvents(tenant);
      expect(everything[0]).toEqual(beforeMapping);
      expect(everything.find((e) => e.data['userName'] === 'after@x.test')?.mapped).toEqual({
        email: 'after@x.test',
        costCenter: 'CC-7',
        login: 'after@x.test',
      });
    });
  });

  it('webhook deliveries carry mapped, equal to the events API, for every event type', async () => {
    const tenant = await box.tenant();
    const sink = await webhookSink();
    sinks.push(sink);
    const subscribed = await box.admin('POST', `/admin/v1/tenants/${tenant.id}/webhooks`, { url: sink.url });
    expect(subscribed.status, subscribed.text).toBe(201);
    const put = await box.admin('PUT', mappingPath(tenant), {
      User: { login: 'userName', title: 'title', email: ['emails[primary eq true].value', 'emails.value'] },
    });
    expect(put.status, put.text).toBe(200);

    const user = await create(tenant, 'Users', {
      schemas: [USER_SCHEMA],
      userName: 'hook@x.test',
      emails: [{ value: 'hook@x.test', type: 'work', primary: true }],
    });
    const patched = await box.scim(
      tenant,
      'PATCH',
      `/Users/${user.id}`,
      patchBody({ op: 'add', path: 'title', value: 'CTO' }),
    );
    expect(patched.status, patched.text).toBe(200);
    await create(tenant, 'Groups', { schemas: [GROUP_SCHEMA], displayName: 'Hooked', members: [{ value: user.id }] });

    const deliveries = await sink.waitFor(4);
    const bodies = deliveries.map((d) => JSON.parse(d.body) as ChangeEvent);
    expect(bodies.map((b) => [b.type, b.mapped])).toEqual([
      ['user.created', { login: 'hook@x.test', title: null, email: 'hook@x.test' }],
      ['user.updated', { login: 'hook@x.test', title: 'CTO', email: 'hook@x.test' }],
      ['group.created', null],
      ['group.member_added', null],
    ]);
    // The body is the event exactly as the events API returns it, mapped included.
    const events = await allEvents(tenant);
    expect(bodies.map((b) => b.mapped)).toEqual(events.map((e) => e.mapped));
    expect(bodies).toEqual(events);
  });
});
