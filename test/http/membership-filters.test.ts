import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/scim/filter/parse.js';
import { matchesFilter } from '../../src/scim/filter/evaluate.js';
import type { JsonObject } from '../../src/scim/resource/json.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../src/scim/schema/built-in-types.js';
import { type ResourceTypeDefinition } from '../../src/scim/schema/registry.js';
import type { AttributeDefinition } from '../../src/scim/schema/types.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { expectScimError, scimTenant, type ScimClient } from '../helpers/scim.js';

// Filters on every sub-attribute of Group.members and User.groups, and on every meta
// sub-attribute, match what the representation shows (RFC 7644 §3.4.2.2).

let t: TestApp;
let scim: ScimClient;
let ada: { id: string };
let bob: { id: string };
let inner: { id: string };
let outer: { id: string };
let empty: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'mfilter');
  ada = await scim.createUser({ userName: 'ada@mf.test', displayName: 'Ada Lovelace' });
  bob = await scim.createUser({ userName: 'bob@mf.test' });
  inner = await scim.createGroup({ displayName: 'Inner Circle', members: [{ value: ada.id }] });
  outer = await scim.createGroup({
    displayName: 'Outer Ring',
    members: [{ value: inner.id, type: 'Group' }, { value: bob.id }],
  });
  empty = await scim.createGroup({ displayName: 'Nobody' });
});
afterAll(() => t.close());

interface ListBody {
  Resources: (JsonObject & { id: string })[];
}

const ids = async (endpoint: string, filter: string) => {
  const res = await scim.call('GET', `${endpoint}?filter=${encodeURIComponent(filter)}&count=1000`);
  expect(res.statusCode, res.body).toBe(200);
  return res
    .json<ListBody>()
    .Resources.map((r) => r.id)
    .sort();
};
const sorted = (...resources: { id: string }[]) => resources.map((r) => r.id).sort();

/** The resources of which some element of `attribute` matches `inside`, by the in-memory evaluator. */
async function expectedBy(type: ResourceTypeDefinition, attribute: string, inside: string): Promise<string[]> {
  const all = (await scim.call('GET', `${type.endpoint}?count=1000`)).json<ListBody>().Resources;
  const definition = type.schema.attributes.find((a) => a.name === attribute) as AttributeDefinition;
  const filter = parseFilter(inside);
  return all
    .filter((r) => ((r[attribute] ?? []) as JsonObject[]).some((e) => matchesFilter(type, definition, e, filter)))
    .map((r) => r.id)
    .sort();
}

describe('Group members sub-attributes in filters (RFC 7643 §4.2)', () => {
  it('compares members.display, members.type and members.$ref as the representation shows them', async () => {
    expect(await ids('/Groups', 'members.display co "lovelace"')).toEqual(sorted(inner));
    // A member user without displayName shows its userName.
    expect(await ids('/Groups', 'members.display eq "BOB@mf.test"')).toEqual(sorted(outer));
    expect(await ids('/Groups', 'members.display eq "Inner Circle"')).toEqual(sorted(outer));
    expect(await ids('/Groups', 'members.type eq "group"')).toEqual(sorted(outer));
    expect(await ids('/Groups', 'members.type eq "User"')).toEqual(sorted(inner, outer));
    const ref = `${scim.base}/Users/${ada.id}`;
    expect(await ids('/Groups', `members.$ref eq "${ref}"`)).toEqual(sorted(inner));
    // $ref is caseExact.
    expect(await ids('/Groups', `members.$ref eq "${ref.toUpperCase()}"`)).toEqual([]);
    expect(await ids('/Groups', `members.$ref ew "/Groups/${inner.id}"`)).toEqual(sorted(outer));
    expect(await ids('/Groups', `members.value sw "${ada.id.slice(0, 8)}"`)).toEqual(sorted(inner));
  });

  it('treats ne, eq null and pr on a member sub-attribute as on other multi-valued attributes', async () => {
    expect(await ids('/Groups', 'members.display pr')).toEqual(sorted(inner, outer));
    expect(await ids('/Groups', 'members.display eq null')).toEqual(sorted(empty));
    // ne: no member has that display.
    expect(await ids('/Groups', 'members.display ne "Ada Lovelace"')).toEqual(sorted(outer, empty));
    expect(await ids('/Groups', 'members pr')).toEqual(sorted(inner, outer));
    expect(await ids('/Groups', 'not (members pr)')).toEqual(sorted(empty));
  });

  it('matches a value filter on members as the in-memory evaluator does on each element', async () => {
    for (const inside of [
      'type eq "User" and display sw "ada"',
      'type eq "Group" or display co "bob"',
      'not (type eq "User")',
      'display pr and value co "-"',
      'display gt "b"',
    ]) {
      const expected = await expectedBy(GROUP_RESOURCE_TYPE, 'members', inside);
      expect(await ids('/Groups', `members[${inside}]`), inside).toEqual(expected);
    }
  });
});

describe('User groups sub-attributes in filters (RFC 7643 §4.1.2)', () => {
  it('compares groups.display, groups.type (direct or indirect) and groups.$ref', async () => {
    expect(await ids('/Users', 'groups.display eq "outer ring"')).toEqual(sorted(ada, bob));
    expect(await ids('/Users', 'groups.type eq "indirect"')).toEqual(sorted(ada));
    expect(await ids('/Users', 'groups[type eq "direct" and display eq "Outer Ring"]')).toEqual(sorted(bob));
    expect(await ids('/Users', 'groups[type eq "indirect" and display eq "Outer Ring"]')).toEqual(sorted(ada));
    expect(await ids('/Users', `groups.$ref eq "${scim.base}/Groups/${inner.id}"`)).toEqual(sorted(ada));
    expect(await ids('/Users', 'groups.display pr')).toEqual(sorted(ada, bob));
  });

  it('agrees with the groups each user shows', async () => {
    for (const inside of ['type eq "direct"', 'display sw "inner" or type eq "indirect"', `value eq "${outer.id}"`]) {
      const expected = await expectedBy(USER_RESOURCE_TYPE, 'groups', inside);
      expect(await ids('/Users', `groups[${inside}]`), inside).toEqual(expected);
    }
  });
});

describe('meta sub-attributes in filters (RFC 7643 §3.1)', () => {
  it('filters on meta.resourceType, meta.location and meta.version, and meta pr holds for all', async () => {
    expect(await ids('/Users', 'meta.resourceType eq "User"')).toEqual(sorted(ada, bob));
    expect(await ids('/Users', 'meta.resourceType eq "Group"')).toEqual([]);
    expect(await ids('/Users', `meta.location eq "${scim.base}/Users/${bob.id}"`)).toEqual(sorted(bob));
    expect(await ids('/Groups', `meta.location sw "${scim.base}/Groups/"`)).toEqual(sorted(inner, outer, empty));
    expect(await ids('/Groups', 'meta.version eq "W/\\"1\\""')).toEqual(sorted(inner, outer, empty));
    expect(await ids('/Users', 'meta pr')).toEqual(sorted(ada, bob));
    expectScimError(await scim.call('GET', `/Users?filter=${encodeURIComponent('meta eq "x"')}`), 400, 'invalidFilter');
  });

  it('tells resource types apart by meta.resourceType at the root /.search (RFC 7644 §3.4.3)', async () => {
    const res = await scim.call('POST', '/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'meta.resourceType eq "Group"',
      count: 100,
    });
    expect(res.statusCode, res.body).toBe(200);
    const found = res.json<ListBody>().Resources.map((r) => r.id);
    expect(found.sort()).toEqual(sorted(inner, outer, empty));
  });
});
