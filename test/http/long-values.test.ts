import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTIFIER_MAX_LENGTH, TEXT_MAX_LENGTH } from '../../src/scim/schema/limits.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { expectTooLong, MEGABYTE, storedCounts, threeByteText } from '../helpers/long-values.js';
import {
  ENTERPRISE_SCHEMA,
  expectScimError,
  GROUP_SCHEMA,
  patchBody,
  scimTenant,
  USER_SCHEMA,
  type ScimClient,
} from '../helpers/scim.js';

// Issue 11, finding 5: a 1 MB userName was a 500 (PostgreSQL: "index row requires … bytes").
// Every value now has a limit (src/scim/schema/limits.ts, docs/scim.md "Limits"), and a value
// over it is refused before anything is written.
let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'long');
});
afterAll(() => t.close());

/** Runs the request and checks it changed nothing the tenant has stored. */
async function writesNothing(request: () => ReturnType<ScimClient['call']>) {
  const before = await storedCounts(t, scim.tenantId);
  const res = await request();
  expect(await storedCounts(t, scim.tenantId)).toEqual(before);
  return res;
}

describe('a value over its limit is 400 invalidValue naming the attribute and the limit (RFC 7644 §3.12)', () => {
  it.each([
    ['userName', { userName: MEGABYTE }, 'userName', IDENTIFIER_MAX_LENGTH],
    ['displayName', { userName: 'dn@long.test', displayName: MEGABYTE }, 'displayName', TEXT_MAX_LENGTH],
    ['title', { userName: 'title@long.test', title: MEGABYTE }, 'title', TEXT_MAX_LENGTH],
    [
      'emails value',
      { userName: 'mail@long.test', emails: [{ value: 'ok@long.test' }, { value: MEGABYTE, type: 'work' }] },
      'emails[1].value',
      IDENTIFIER_MAX_LENGTH,
    ],
    ['externalId', { userName: 'ext@long.test', externalId: MEGABYTE }, 'externalId', IDENTIFIER_MAX_LENGTH],
    [
      'enterprise extension attribute',
      { userName: 'emp@long.test', [ENTERPRISE_SCHEMA]: { employeeNumber: MEGABYTE } },
      `${ENTERPRISE_SCHEMA}:employeeNumber`,
      TEXT_MAX_LENGTH,
    ],
  ])('POST /Users with a 1 MB %s', async (_, attributes, path, max) => {
    const res = await writesNothing(() =>
      scim.call('POST', '/Users', { schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA], ...attributes }),
    );
    expectTooLong(res, path, max);
  });

  it('POST /Groups with a 1 MB displayName', async () => {
    const res = await writesNothing(() =>
      scim.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: MEGABYTE }),
    );
    expectTooLong(res, 'displayName', IDENTIFIER_MAX_LENGTH);
  });

  it('PATCH /Users that sets a 1 MB title or userName leaves the user as it was (RFC 7644 §3.5.2)', async () => {
    const user = await scim.createUser({ userName: 'patch@long.test', title: 'Engineer' });
    const before = await scim.call('GET', `/Users/${user.id}`);
    for (const [path, max] of [
      ['title', TEXT_MAX_LENGTH],
      ['userName', IDENTIFIER_MAX_LENGTH],
    ] as const) {
      const res = await writesNothing(() =>
        scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path, value: MEGABYTE })),
      );
      expectTooLong(res, path, max);
    }
    const after = await scim.call('GET', `/Users/${user.id}`);
    expect(after.headers['etag']).toBe(before.headers['etag']);
    expect(after.json<{ title: string }>().title).toBe('Engineer');
  });

  it('PATCH /Users that adds a 1 MB email through a value filter (the Entra ID form)', async () => {
    const user = await scim.createUser({ userName: 'patch-mail@long.test' });
    const res = await writesNothing(() =>
      scim.call(
        'PATCH',
        `/Users/${user.id}`,
        patchBody({ op: 'add', path: 'emails[type eq "work"].value', value: MEGABYTE }),
      ),
    );
    expectTooLong(res, 'emails[0].value', IDENTIFIER_MAX_LENGTH);
  });

  it('PATCH /Groups that sets a 1 MB displayName', async () => {
    const group = await scim.createGroup({ displayName: 'Patched' });
    const res = await writesNothing(() =>
      scim.call('PATCH', `/Groups/${group.id}`, patchBody({ op: 'replace', path: 'displayName', value: MEGABYTE })),
    );
    expectTooLong(res, 'displayName', IDENTIFIER_MAX_LENGTH);
    expect((await scim.call('GET', `/Groups/${group.id}`)).json<{ displayName: string }>().displayName).toBe('Patched');
  });

  it('PUT /Users with a 1 MB displayName leaves the user as it was (RFC 7644 §3.5.1)', async () => {
    const user = await scim.createUser({ userName: 'put@long.test', displayName: 'Before' });
    const res = await writesNothing(() =>
      scim.call('PUT', `/Users/${user.id}`, {
        schemas: [USER_SCHEMA],
        userName: 'put@long.test',
        displayName: MEGABYTE,
      }),
    );
    expectTooLong(res, 'displayName', TEXT_MAX_LENGTH);
    expect((await scim.call('GET', `/Users/${user.id}`)).json<{ displayName: string }>().displayName).toBe('Before');
  });

  it('PUT /Groups with a 1 MB externalId', async () => {
    const group = await scim.createGroup({ displayName: 'Put group' });
    const res = await writesNothing(() =>
      scim.call('PUT', `/Groups/${group.id}`, {
        schemas: [GROUP_SCHEMA],
        displayName: 'Put group',
        externalId: MEGABYTE,
      }),
    );
    expectTooLong(res, 'externalId', IDENTIFIER_MAX_LENGTH);
  });

  it('a Bulk operation with a 1 MB userName fails alone with 400 invalidValue (RFC 7644 §3.7.3)', async () => {
    const res = await writesNothing(() =>
      scim.call('POST', '/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'big', data: { schemas: [USER_SCHEMA], userName: MEGABYTE } },
        ],
      }),
    );
    expect(res.statusCode).toBe(200);
    const [result] = res.json<{ Operations: { status: string; response?: Record<string, string> }[] }>().Operations;
    expect(result?.status).toBe('400');
    expect(result?.response?.['scimType']).toBe('invalidValue');
    expect(result?.response?.['detail']).toContain('"userName"');
    expect(result?.response?.['detail']).toContain(`at most ${IDENTIFIER_MAX_LENGTH}`);
  });
});

describe('/Schemas advertises the limits (RFC 7643 §7: in the descriptions, having no length characteristic)', () => {
  it("states userName's, title's and the resource's limits", async () => {
    const schema = (await scim.call('GET', `/Schemas/${USER_SCHEMA}`)).json<{
      description: string;
      attributes: { name: string; description: string }[];
    }>();
    const description = (name: string) => schema.attributes.find((a) => a.name === name)?.description;
    expect(description('userName')).toMatch(
      new RegExp(`at most ${IDENTIFIER_MAX_LENGTH} characters \\(UTF-16 code units\\)\\.$`),
    );
    expect(description('title')).toMatch(
      new RegExp(`at most ${TEXT_MAX_LENGTH} characters \\(UTF-16 code units\\)\\.$`),
    );
    expect(schema.description).toContain('a resource of at most 1048576 characters as JSON');
    expect(schema.description).toContain(`externalId (RFC 7643 §3.1) at most ${IDENTIFIER_MAX_LENGTH} characters`);
  });
});

describe('the longest values accepted are stored, indexed and found', () => {
  it('stores identifiers at their limit in three-byte characters, under the 2704-byte B-tree limit', async () => {
    const userName = threeByteText(IDENTIFIER_MAX_LENGTH, 1);
    const externalId = threeByteText(IDENTIFIER_MAX_LENGTH, 2);
    const email = threeByteText(IDENTIFIER_MAX_LENGTH, 3);
    const user = await scim.createUser({
      userName,
      externalId,
      emails: [{ value: email }],
      title: MEGABYTE.slice(0, TEXT_MAX_LENGTH),
    });
    const group = await scim.createGroup({ displayName: threeByteText(IDENTIFIER_MAX_LENGTH, 4), externalId });
    const ids = async (endpoint: string, filter: string) =>
      (await scim.call('GET', `${endpoint}?filter=${encodeURIComponent(filter)}`))
        .json<{ Resources: { id: string }[] }>()
        .Resources.map((r) => r.id);
    expect(await ids('/Users', `userName eq "${userName}"`)).toEqual([user.id]);
    expect(await ids('/Users', `externalId eq "${externalId}"`)).toEqual([user.id]);
    expect(await ids('/Users', `emails.value eq "${email}"`)).toEqual([user.id]);
    expect(await ids('/Groups', `displayName eq "${threeByteText(IDENTIFIER_MAX_LENGTH, 4)}"`)).toEqual([group.id]);
  });
});

describe('a long filter literal is never a 500 (RFC 7644 §3.4.2.2)', () => {
  it('refuses a 1 MB literal with 400 invalidFilter: a filter is at most 10000 characters', async () => {
    const filter = `userName eq "${MEGABYTE}"`;
    expectScimError(await scim.call('GET', `/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
    expectScimError(
      await scim.call('POST', '/Users/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter,
      }),
      400,
      'invalidFilter',
    );
  });

  it('answers a literal longer than any stored value can be with an empty list', async () => {
    const literal = threeByteText(9_900);
    for (const [endpoint, filter] of [
      ['/Users', `userName eq "${literal}"`],
      ['/Users', `externalId eq "${literal}"`],
      ['/Users', `emails[value eq "${literal}"]`],
      ['/Users', `userName sw "${literal}"`],
      ['/Groups', `displayName co "${literal}"`],
    ] as const) {
      const res = await scim.call('GET', `${endpoint}?filter=${encodeURIComponent(filter)}`);
      expect(res.statusCode, filter.slice(0, 20)).toBe(200);
      expect(res.json<{ totalResults: number }>().totalResults).toBe(0);
    }
  });
});
