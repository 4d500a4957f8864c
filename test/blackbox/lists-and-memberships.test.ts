import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_SCHEMA,
  MODES,
  PATCH_SCHEMA,
  startBlackBox,
  USER_SCHEMA,
  type BlackBox,
  type Tenant,
} from './harness.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

interface ListBody {
  totalResults: number;
  nextCursor?: string;
  Resources?: { id: string; userName?: string; displayName?: string }[];
}

/**
 * Issue 13's changes to lists and memberships as a client meets them, over TCP in both database
 * modes: substring filters served by trigram indexes, cursor pages that carry their first page's
 * totalResults, and membership PATCHes that add or remove members in one statement.
 */
describe.each(MODES)('lists and memberships from the outside (%s database)', (mode) => {
  let box: BlackBox;
  let tenant: Tenant;
  const users: Record<string, string> = {};

  beforeAll(async () => {
    box = await startBlackBox(mode);
    tenant = await box.tenant();
    for (const userName of ['Ada.Lovelace@lists.test', 'Alan.Turing@lists.test', 'Grace.Hopper@other.test']) {
      const created = await box.scim(tenant, 'POST', '/Users', { schemas: [USER_SCHEMA], userName });
      expect(created.status, created.text).toBe(201);
      users[userName] = (created.json as { id: string }).id;
    }
  });
  afterAll(async () => {
    await box.stop();
  });

  const list = async (path: string): Promise<ListBody> => {
    const response = await box.scim(tenant, 'GET', path);
    expect(response.status, response.text).toBe(200);
    return response.json as ListBody;
  };
  const userNames = (body: ListBody) => (body.Resources ?? []).map((r) => r.userName).sort();
  const filtered = (filter: string) => list(`/Users?filter=${encodeURIComponent(filter)}`);

  it('matches userName co, sw and ew case-insensitively (RFC 7644 §3.4.2.2)', async () => {
    expect(userNames(await filtered('userName co "LOVELACE"'))).toEqual(['Ada.Lovelace@lists.test']);
    expect(userNames(await filtered('userName sw "a"'))).toEqual(['Ada.Lovelace@lists.test', 'Alan.Turing@lists.test']);
    expect(userNames(await filtered('userName ew "@LISTS.test"'))).toEqual([
      'Ada.Lovelace@lists.test',
      'Alan.Turing@lists.test',
    ]);
    // LIKE's wildcards in the value are matched literally.
    expect((await filtered('userName co "%"')).totalResults).toBe(0);
    expect((await filtered('userName co "_"')).totalResults).toBe(0);
  });

  it('carries the first page’s totalResults through the cursor pages (RFC 9865 §2)', async () => {
    const first = await list('/Users?cursor=&count=2');
    expect(first.totalResults).toBe(3);
    const late = await box.scim(tenant, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'late@lists.test' });
    expect(late.status).toBe(201);
    const second = await list(`/Users?cursor=${encodeURIComponent(first.nextCursor ?? '')}&count=2`);
    expect(second.totalResults).toBe(3);
    expect(second.nextCursor).toBeUndefined();
    expect(userNames(second)).toContain('late@lists.test');
    expect((await list('/Users?cursor=&count=2')).totalResults).toBe(4);
    expect((await box.scim(tenant, 'DELETE', `/Users/${(late.json as { id: string }).id}`)).status).toBe(204);
  });

  it('adds and removes members by PATCH, refuses an unknown one whole, and finds groups by displayName co', async () => {
    const group = await box.scim(tenant, 'POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Analytical Engines',
    });
    expect(group.status, group.text).toBe(201);
    const groupId = (group.json as { id: string }).id;
    const patch = (op: Record<string, unknown>) =>
      box.scim(tenant, 'PATCH', `/Groups/${groupId}`, { schemas: [PATCH_SCHEMA], Operations: [op] });
    const memberIds = async () => {
      const read = await box.scim(tenant, 'GET', `/Groups/${groupId}`);
      return ((read.json as { members?: { value: string }[] }).members ?? []).map((m) => m.value).sort();
    };
    const ada = users['Ada.Lovelace@lists.test'] ?? '';
    const alan = users['Alan.Turing@lists.test'] ?? '';

    const added = await patch({ op: 'add', path: 'members', value: [{ value: ada }, { value: alan }] });
    expect(added.status, added.text).toBeLessThan(300);
    expect(await memberIds()).toEqual([ada, alan].sort());

    const unknown = '00000000-0000-4000-8000-000000000000';
    const refused = await patch({ op: 'add', path: 'members', value: [{ value: unknown }] });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
    expect((refused.json as { detail: string }).detail).toContain(unknown);
    expect(await memberIds()).toEqual([ada, alan].sort());

    const removed = await patch({ op: 'remove', path: `members[value eq "${ada}"]` });
    expect(removed.status, removed.text).toBeLessThan(300);
    expect(await memberIds()).toEqual([alan]);

    const found = await list(`/Groups?filter=${encodeURIComponent('displayName co "ENGINE"')}`);
    expect((found.Resources ?? []).map((g) => g.id)).toEqual([groupId]);
  });
  it('counts the whole tenant for an unfiltered list as users come and go (RFC 7644 §3.4.2)', async () => {
    const own = await box.tenant();
    const total = async (query: string) => {
      const read = await box.scim(own, 'GET', `/Users?${query}`);
      expect(read.status, read.text).toBe(200);
      return (read.json as ListBody).totalResults;
    };
    const ids: string[] = [];
    for (const userName of ['one@count.test', 'two@count.test', 'three@count.test']) {
      const created = await box.scim(own, 'POST', '/Users', { schemas: [USER_SCHEMA], userName });
      expect(created.status, created.text).toBe(201);
      ids.push((created.json as { id: string }).id);
    }
    for (const query of ['count=1', 'count=0', 'startIndex=50', 'sortBy=userName&count=1', 'cursor&count=1'])
      expect(await total(query)).toBe(3);
    const deleted = await box.scim(own, 'DELETE', `/Users/${ids[0] ?? ''}`);
    expect(deleted.status, deleted.text).toBe(204);
    expect(await total('count=1')).toBe(2);
    expect(await total('cursor&count=1')).toBe(2);
  });

  it('reads User.groups, direct and through a nested group, before and after the tenant nests one (RFC 7643 §4.1.2)', async () => {
    // Its own tenant: whether any of its groups holds a group decides how User.groups is read.
    const own = await box.tenant();
    const create = async (path: string, body: Record<string, unknown>) => {
      const created = await box.scim(own, 'POST', path, body);
      expect(created.status, created.text).toBe(201);
      return (created.json as { id: string }).id;
    };
    const user = await create('/Users', { schemas: [USER_SCHEMA], userName: 'nested@lists.test' });
    const inner = await create('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Inner',
      members: [{ value: user }],
    });
    const groups = async () => {
      const read = await box.scim(own, 'GET', `/Users/${user}`);
      expect(read.status, read.text).toBe(200);
      return ((read.json as { groups?: { value: string; type: string }[] }).groups ?? []).map((g) => [g.value, g.type]);
    };
    expect(await groups()).toEqual([[inner, 'direct']]);

    const outer = await create('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Outer',
      members: [{ value: inner, type: 'Group' }],
    });
    expect(await groups()).toEqual([
      [inner, 'direct'],
      [outer, 'indirect'],
    ]);

    const unnested = await box.scim(own, 'PATCH', `/Groups/${outer}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: `members[value eq "${inner}"]` }],
    });
    expect(unnested.status, unnested.text).toBeLessThan(300);
    expect(await groups()).toEqual([[inner, 'direct']]);
  });
});
