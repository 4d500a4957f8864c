import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/storage/db.js';
import { OutboxStore, type StoredEvent } from '../../src/storage/outbox.js';
import { adminClient } from '../helpers/admin.js';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';
import { statementsDuring } from '../helpers/pg-statements.js';
import { expectScimError, patchBody, scimClient, scimTenant, type ScimClient } from '../helpers/scim.js';

// Issue 13: a PATCH that only adds members is one statement (storage/member-store.ts,
// addToGroup), and one that only removes them takes the group's row lock in its last statement
// (provisioning/groups.ts), so writers to one group hold its lock for a statement, not for every
// round trip of a transaction. What they answer, store and announce is what the general path
// does (RFC 7644 §3.5.2.1 add, §3.5.2.2 remove).

let t: TestApp;
let scim: ScimClient;
const outbox = new OutboxStore();

beforeAll(async () => {
  // A token checked once stays cached for the whole file: only the request's own SQL is counted.
  t = await createTestApp({ tokenCacheTtlMs: 600_000 });
  scim = await scimTenant(t, 'member-patches');
});
afterAll(() => t.close());

const add = (...members: Record<string, unknown>[]) => patchBody({ op: 'add', path: 'members', value: members });
const remove = (id: string) => patchBody({ op: 'remove', path: `members[value eq "${id}"]` });

async function eventsAfter(cursor: number, tenantId = scim.tenantId): Promise<StoredEvent[]> {
  await t.deps.sequencer.settle(tenantId);
  return outbox.after(sqlOf(t.deps.db), tenantId, cursor, 1000);
}
const lastSequence = async (tenantId = scim.tenantId) => (await eventsAfter(0, tenantId)).at(-1)?.sequence ?? 0;

async function members(groupId: string): Promise<string[]> {
  const res = await scim.call('GET', `/Groups/${groupId}`);
  return (res.json<{ members?: { value: string }[] }>().members ?? []).map((m) => m.value).sort();
}

describe('a PATCH that only adds members', () => {
  it('is one statement, the group row, the members and the events together', async () => {
    const user = await scim.createUser({ userName: 'one-statement@patches.test' });
    const group = await scim.createGroup({ displayName: 'One statement' });
    await t.deps.requestLog.flush();
    const sent = await statementsDuring(() => scim.call('PATCH', `/Groups/${group.id}`, add({ value: user.id })));
    const writes = sent.filter((s) => /\bscim_(users|groups|group_members)\b/.test(s));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^WITH w AS \( UPDATE scim_groups/);
    expect(sent).not.toContain('BEGIN');
  });

  it('announces each member added as the kind it is, in request order, with the group’s externalId', async () => {
    const ada = await scim.createUser({ userName: 'ada@patches.test' });
    const team = await scim.createGroup({ displayName: 'Team' });
    const group = await scim.createGroup({ displayName: 'Kinds', externalId: 'ext-kinds' });
    const before = await lastSequence();
    const res = await scim.call(
      'PATCH',
      `/Groups/${group.id}`,
      add({ value: team.id }, { value: ada.id, type: 'User' }),
    );
    expect([200, 204]).toContain(res.statusCode);
    const events = await eventsAfter(before);
    expect(events.map((e) => [e.type, e.resourceId, e.externalId, e.data])).toEqual([
      [
        'group.member_added',
        group.id,
        'ext-kinds',
        {
          groupId: group.id,
          member: { value: team.id, type: 'Group', $ref: `${PUBLIC_URL}/scim/v2/${scim.tenantId}/Groups/${team.id}` },
        },
      ],
      [
        'group.member_added',
        group.id,
        'ext-kinds',
        {
          groupId: group.id,
          member: { value: ada.id, type: 'User', $ref: `${PUBLIC_URL}/scim/v2/${scim.tenantId}/Users/${ada.id}` },
        },
      ],
    ]);
    expect(events.map((e) => e.changedAttributes)).toEqual([['members'], ['members']]);
    expect(await members(group.id)).toEqual([ada.id, team.id].sort());
  });

  it('announces nothing for a member already there, and still makes a new version', async () => {
    const bob = await scim.createUser({ userName: 'bob@patches.test' });
    const group = await scim.createGroup({ displayName: 'Again', members: [{ value: bob.id }] });
    const etag = (await scim.call('GET', `/Groups/${group.id}`)).headers['etag'];
    const before = await lastSequence();
    const res = await scim.call('PATCH', `/Groups/${group.id}`, add({ value: bob.id }));
    expect([200, 204]).toContain(res.statusCode);
    expect(await eventsAfter(before)).toEqual([]);
    expect((await scim.call('GET', `/Groups/${group.id}`)).headers['etag']).not.toBe(etag);
  });

  it('refuses a member of another tenant, an unknown one or one of another type, and writes nothing (RFC 7644 §3.12)', async () => {
    const other = await scimTenant(t, 'member-patches-other');
    const foreigner = await other.createUser({ userName: 'foreigner@patches.test' });
    const carol = await scim.createUser({ userName: 'carol@patches.test' });
    const team = await scim.createGroup({ displayName: 'A team' });
    const group = await scim.createGroup({ displayName: 'Refusing' });
    const etag = (await scim.call('GET', `/Groups/${group.id}`)).headers['etag'];
    const before = await lastSequence();
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [members, detail] of [
      [[{ value: carol.id }, { value: foreigner.id }], `Member ${foreigner.id} is not a User or Group of this tenant.`],
      [[{ value: carol.id }, { value: unknown }], `Member ${unknown} is not a User or Group of this tenant.`],
      [[{ value: carol.id }, { value: team.id, type: 'User' }], `Member ${team.id} is a Group, not a User.`],
      [[{ value: carol.id, type: 'Group' }], `Member ${carol.id} is a User, not a Group.`],
      [[{ value: group.id }], 'A group cannot be a member of itself.'],
    ] as const) {
      const res = await scim.call('PATCH', `/Groups/${group.id}`, add(...members));
      expect(expectScimError(res, 400, 'invalidValue')['detail']).toBe(detail);
    }
    expect(await members(group.id)).toEqual([]);
    expect((await scim.call('GET', `/Groups/${group.id}`)).headers['etag']).toBe(etag);
    expect(await eventsAfter(before)).toEqual([]);
  });

  it('answers 404 for a group that does not exist, whatever the members', async () => {
    const dan = await scim.createUser({ userName: 'dan@patches.test' });
    const before = await lastSequence();
    for (const value of [dan.id, '00000000-0000-4000-8000-000000000001']) {
      expectScimError(await scim.call('PATCH', '/Groups/00000000-0000-4000-8000-00000000dead', add({ value })), 404);
    }
    expect(await eventsAfter(before)).toEqual([]);
  });

  it('keeps every change and its event when 20 clients add and remove members of one group at once', async () => {
    const group = await scim.createGroup({ displayName: 'Crowded' });
    const leaving = await Promise.all(
      Array.from({ length: 5 }, (_, i) => scim.createUser({ userName: `leaving-${i}@patches.test` })),
    );
    expect(
      (await scim.call('PATCH', `/Groups/${group.id}`, add(...leaving.map((u) => ({ value: u.id }))))).statusCode,
    ).toBeLessThan(300);
    const joining = await Promise.all(
      Array.from({ length: 20 }, (_, i) => scim.createUser({ userName: `joining-${i}@patches.test` })),
    );
    const version = (await scim.call('GET', `/Groups/${group.id}`)).json<{ meta: { version: string } }>().meta.version;
    const before = await lastSequence();
    const answers = await Promise.all([
      ...joining.map((u) => scim.call('PATCH', `/Groups/${group.id}`, add({ value: u.id }))),
      ...leaving.map((u) => scim.call('PATCH', `/Groups/${group.id}`, remove(u.id))),
    ]);
    expect(answers.map((a) => a.statusCode).filter((s) => s >= 300)).toEqual([]);
    expect(await members(group.id)).toEqual(joining.map((u) => u.id).sort());
    const events = await eventsAfter(before);
    const announced = (type: string) =>
      events
        .filter((e) => e.type === type)
        .map((e) => (e.data['member'] as { value: string }).value)
        .sort();
    expect(announced('group.member_added')).toEqual(joining.map((u) => u.id).sort());
    expect(announced('group.member_removed')).toEqual(leaving.map((u) => u.id).sort());
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => before + 1 + i));
    // Every PATCH made a version of its own: 25 after the one read above.
    const after = (await scim.call('GET', `/Groups/${group.id}`)).json<{ meta: { version: string } }>().meta.version;
    expect(Number(/\d+/.exec(after)?.[0])).toBe(Number(/\d+/.exec(version)?.[0]) + 25);
  });
});

describe('a PATCH that only removes members', () => {
  it('takes the group row in its last statement, with the events, and refuses a filter matching no member', async () => {
    const erin = await scim.createUser({ userName: 'erin@patches.test' });
    const group = await scim.createGroup({
      displayName: 'Removing',
      externalId: 'ext-rm',
      members: [{ value: erin.id }],
    });
    const before = await lastSequence();
    await t.deps.requestLog.flush();
    const sent = await statementsDuring(() => scim.call('PATCH', `/Groups/${group.id}`, remove(erin.id)));
    const writes = sent.filter((s) => /\bscim_(users|groups|group_members)\b/.test(s));
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatch(/^DELETE FROM scim_group_members /);
    expect(writes[1]).toMatch(/^WITH w AS \(UPDATE scim_groups /);
    const events = await eventsAfter(before);
    expect(events.map((e) => [e.type, e.externalId, (e.data['member'] as { value: string }).value])).toEqual([
      ['group.member_removed', 'ext-rm', erin.id],
    ]);
    const etag = (await scim.call('GET', `/Groups/${group.id}`)).headers['etag'];
    expectScimError(await scim.call('PATCH', `/Groups/${group.id}`, remove(erin.id)), 400, 'noTarget');
    expect((await scim.call('GET', `/Groups/${group.id}`)).headers['etag']).toBe(etag);
    expect(await eventsAfter(events.at(-1)?.sequence ?? before)).toEqual([]);
  });
});

describe('the schema fence', () => {
  it('undoes an addition validated against schemas that changed since, with its events (issue 12)', async () => {
    const GROUP_EXT = 'urn:example:patches:2.0:Group';
    const admin = adminClient(t.app, t.adminToken);
    const other = await createTestApp({ database: t.database, env: { JWT_SECRET: t.env['JWT_SECRET'] ?? '' } });
    try {
      const fenced = await scimTenant(t, 'member-patches-fence');
      const schemaUrl = `/admin/v1/tenants/${fenced.tenantId}/schemas/${encodeURIComponent(GROUP_EXT)}`;
      const put = await admin.call('PUT', schemaUrl, { resourceType: 'Group', attributes: [{ name: 'code' }] });
      expect(put.statusCode).toBe(201);
      const user = await fenced.createUser({ userName: 'fenced@patches.test' });
      const group = await fenced.createGroup({ displayName: 'Fenced' });
      const { token } = await admin.issueToken(fenced.tenantId);
      const stale = scimClient(other.app, fenced.tenantId, token, fenced.base);
      // The other replica reads the tenant's schemas now, and keeps them for 2 s.
      expect((await stale.call('GET', `/Schemas/${GROUP_EXT}`)).statusCode).toBe(200);
      expect((await admin.call('DELETE', schemaUrl)).statusCode).toBe(204);
      const before = await lastSequence(fenced.tenantId);
      expectScimError(await stale.call('PATCH', `/Groups/${group.id}`, add({ value: user.id })), 503);
      expect(await eventsAfter(before, fenced.tenantId)).toEqual([]);
      const res = await fenced.call('GET', `/Groups/${group.id}`);
      expect(res.json<{ members?: unknown[] }>().members ?? []).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
