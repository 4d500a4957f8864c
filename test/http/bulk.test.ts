import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminClient, uniqueTenantId } from '../helpers/admin.js';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';
import {
  ENTERPRISE_SCHEMA,
  ERROR_SCHEMA,
  expectScimError,
  GROUP_SCHEMA,
  patchBody,
  scimClient,
  scimTenant,
  USER_SCHEMA,
  type ScimClient,
} from '../helpers/scim.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const MISSING = '00000000-0000-4000-8000-000000000000';

let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'bulk');
});
afterAll(() => t.close());

interface Result {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: { schemas: string[]; status: string; scimType?: string; detail: string };
}

const bulkBody = (operations: unknown[], extra: Record<string, unknown> = {}) => ({
  schemas: [BULK_REQUEST],
  ...extra,
  Operations: operations,
});

async function bulk(operations: unknown[], extra: Record<string, unknown> = {}, client = scim): Promise<Result[]> {
  const res = await client.call('POST', '/Bulk', bulkBody(operations, extra));
  if (res.statusCode !== 200) throw new Error(`POST /Bulk: ${res.statusCode} ${res.body}`);
  expect(res.headers['content-type']).toBe('application/scim+json');
  const body = res.json<{ schemas: string[]; Operations: Result[] }>();
  expect(body.schemas).toEqual([BULK_RESPONSE]);
  return body.Operations;
}

const postUser = (bulkId: string, userName: string, extra: Record<string, unknown> = {}) => ({
  method: 'POST',
  path: '/Users',
  bulkId,
  data: { schemas: [USER_SCHEMA], userName, ...extra },
});
const postGroup = (bulkId: string, displayName: string, members: unknown[] = []) => ({
  method: 'POST',
  path: '/Groups',
  bulkId,
  data: { schemas: [GROUP_SCHEMA], displayName, members },
});
const idOf = (location: string | undefined) => location?.split('/').pop() ?? '';
const usersNamed = async (userName: string, client = scim) =>
  (await client.call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).json<{
    totalResults: number;
  }>().totalResults;
const groupsNamed = async (displayName: string) =>
  (await scim.call('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`)).json<{
    totalResults: number;
  }>().totalResults;
const memberIds = async (groupId: string) =>
  ((await scim.call('GET', `/Groups/${groupId}`)).json<{ members?: { value: string }[] }>().members ?? []).map(
    (m) => m.value,
  );

function expectFailure(result: Result | undefined, status: number, scimType?: string): Result {
  expect(result).toBeDefined();
  if (result === undefined) throw new Error('no result');
  expect(result.status).toBe(String(status));
  expect(result.response).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status) });
  expect(result.response?.scimType).toBe(scimType);
  expect(result.response?.detail.length).toBeGreaterThan(5);
  return result;
}

describe('Bulk (RFC 7644 §3.7)', () => {
  it('§3.7.2: creates a User and a Group whose member is "bulkId:qwerty", replaced by the new id', async () => {
    const [user, group, ...rest] = await bulk([
      postUser('qwerty', 'alice@bulk.test'),
      postGroup('ytrewq', 'Tour Guides', [{ type: 'User', value: 'bulkId:qwerty' }]),
    ]);
    expect(rest).toEqual([]);
    const base = `${PUBLIC_URL}/scim/v2/${scim.tenantId}`;
    expect(user).toEqual({
      method: 'POST',
      bulkId: 'qwerty',
      version: 'W/"1"',
      location: expect.stringMatching(new RegExp(`^${base}/Users/[0-9a-f-]{36}$`)) as unknown,
      status: '201',
    });
    expect(group).toMatchObject({ method: 'POST', bulkId: 'ytrewq', version: 'W/"1"', status: '201' });
    expect(group?.location).toMatch(new RegExp(`^${base}/Groups/[0-9a-f-]{36}$`));
    expect(await memberIds(idOf(group?.location))).toEqual([idOf(user?.location)]);
  });

  it('§3.7.2: resolves a reference inside an extension (enterprise manager.value)', async () => {
    const [manager, report] = await bulk([
      postUser('boss', 'boss@bulk.test'),
      postUser('bob', 'bob@bulk.test', {
        schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
        [ENTERPRISE_SCHEMA]: { employeeNumber: '11250', manager: { value: 'bulkId:boss' } },
      }),
    ]);
    expect([manager?.status, report?.status]).toEqual(['201', '201']);
    const bob = (await scim.call('GET', `/Users/${idOf(report?.location)}`)).json<Record<string, unknown>>();
    expect(bob[ENTERPRISE_SCHEMA]).toMatchObject({ manager: { value: idOf(manager?.location) } });
  });

  it('§3.7: runs an operation after the POST whose bulkId it references, even when sent before it', async () => {
    const results = await bulk([
      postGroup('early', 'Early Group', [{ type: 'User', value: 'bulkId:late' }]),
      {
        method: 'PATCH',
        path: '/Users/bulkId:late',
        data: patchBody({ op: 'replace', path: 'nickName', value: 'Late' }),
      },
      postUser('late', 'late@bulk.test'),
    ]);
    // Reported in request order.
    expect(results.map((r) => [r.method, r.status])).toEqual([
      ['POST', '201'],
      ['PATCH', '200'],
      ['POST', '201'],
    ]);
    const userId = idOf(results[2]?.location);
    expect(results[1]).toMatchObject({ location: results[2]?.location, version: 'W/"2"' });
    expect(await memberIds(idOf(results[0]?.location))).toEqual([userId]);
    expect((await scim.call('GET', `/Users/${userId}`)).json()).toMatchObject({ nickName: 'Late' });
  });

  it('§3.7: a deferred operation keeps its order with later operations on the same resource (intent preserved)', async () => {
    const target = await scim.createUser({ userName: 'ordered@bulk.test' });
    const results = await bulk([
      {
        method: 'PUT',
        path: `/Users/${target.id}`,
        data: {
          schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
          userName: 'ordered@bulk.test',
          [ENTERPRISE_SCHEMA]: { manager: { value: 'bulkId:mgr' } },
        },
      },
      { method: 'DELETE', path: `/Users/${target.id}` },
      postUser('mgr', 'mgr@bulk.test'),
    ]);
    // Run as POST, PUT, DELETE: the DELETE did not overtake the PUT that waited for "mgr".
    expect(results.map((r) => r.status)).toEqual(['200', '204', '201']);
    expectScimError(await scim.call('GET', `/Users/${target.id}`), 404);
  });

  it('§3.7.3: PUT, PATCH and DELETE honour "version" as If-Match; a stale one is 412 with a location', async () => {
    const a = await scim.createUser({ userName: 'versioned-a@bulk.test' });
    const b = await scim.createUser({ userName: 'versioned-b@bulk.test' });
    const c = await scim.createUser({ userName: 'versioned-c@bulk.test' });
    const results = await bulk([
      {
        method: 'PUT',
        path: `/Users/${a.id}`,
        version: 'W/"1"',
        data: { schemas: [USER_SCHEMA], userName: 'versioned-a@bulk.test', displayName: 'A' },
      },
      {
        method: 'PATCH',
        path: `/Users/${a.id}`,
        version: 'W/"1"',
        data: patchBody({ op: 'replace', path: 'displayName', value: 'stale' }),
      },
      {
        method: 'PATCH',
        path: `/Users/${b.id}`,
        version: 'W/"1"',
        data: patchBody({ op: 'replace', path: 'displayName', value: 'B' }),
      },
      { method: 'DELETE', path: `/Users/${c.id}`, version: 'W/"9"' },
      { method: 'DELETE', path: `/Users/${b.id}`, version: 'W/"2"' },
      { method: 'DELETE', path: `/Users/${MISSING}` },
    ]);
    const base = `${PUBLIC_URL}/scim/v2/${scim.tenantId}/Users`;
    expect(results[0]).toEqual({ method: 'PUT', version: 'W/"2"', location: `${base}/${a.id}`, status: '200' });
    expect(expectFailure(results[1], 412).location).toBe(`${base}/${a.id}`);
    expect(results[2]).toEqual({ method: 'PATCH', version: 'W/"2"', location: `${base}/${b.id}`, status: '200' });
    expect(expectFailure(results[3], 412).location).toBe(`${base}/${c.id}`);
    expect(results[4]).toEqual({ method: 'DELETE', location: `${base}/${b.id}`, status: '204' });
    expect(expectFailure(results[5], 404).location).toBe(`${base}/${MISSING}`);
    expect((await scim.call('GET', `/Users/${a.id}`)).json()).toMatchObject({ displayName: 'A' });
    expect((await scim.call('GET', `/Users/${c.id}`)).statusCode).toBe(200);
  });

  it('§3.7.3: failOnErrors=1 stops after the first error and omits the operations not processed', async () => {
    const results = await bulk(
      [
        postUser('ok', 'before-error@bulk.test'),
        { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER_SCHEMA] } },
        postUser('never', 'never@bulk.test'),
      ],
      { failOnErrors: 1 },
    );
    expect(results.map((r) => r.status)).toEqual(['201', '400']);
    const failed = expectFailure(results[1], 400, 'invalidValue');
    // §3.7.3: a failed POST has no location.
    expect(failed).toEqual({ method: 'POST', bulkId: 'qwerty', status: '400', response: failed.response });
    expect(await usersNamed('before-error@bulk.test')).toBe(1);
    expect(await usersNamed('never@bulk.test')).toBe(0);
  });

  it('§3.7: without failOnErrors every operation is processed; each is atomic, a failure leaves the others committed', async () => {
    const member = await scim.createUser({ userName: 'kept-member@bulk.test' });
    const group = await scim.createGroup({ displayName: 'Atomic Bulk', members: [{ value: member.id }] });
    const results = await bulk([
      postUser('first', 'first@bulk.test'),
      {
        method: 'PATCH',
        path: `/Groups/${group.id}`,
        data: patchBody({ op: 'remove', path: 'members' }, { op: 'add', path: 'members', value: [{ value: MISSING }] }),
      },
      postUser('dup', 'first@bulk.test'),
      postUser('last', 'last@bulk.test'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['201', '400', '409', '201']);
    expectFailure(results[1], 400, 'invalidValue');
    expectFailure(results[2], 409, 'uniqueness');
    // The failed PATCH removed no member: its own transaction rolled back.
    expect(await memberIds(group.id)).toEqual([member.id]);
    expect(await usersNamed('first@bulk.test')).toBe(1);
    expect(await usersNamed('last@bulk.test')).toBe(1);
  });

  it('§3.7.2: a reference to a bulkId no POST defines fails that operation with 409, and only it', async () => {
    const results = await bulk([
      postGroup('g', 'Dangling', [{ type: 'User', value: 'bulkId:nobody' }]),
      { method: 'DELETE', path: '/Users/bulkId:nobody' },
      postUser('fine', 'fine@bulk.test'),
    ]);
    expect(expectFailure(results[0], 409).response?.detail).toContain('"bulkId:nobody"');
    expect(results[0]?.location).toBeUndefined();
    // Its path names no resource, so it has no location either.
    expect(expectFailure(results[1], 409).location).toBeUndefined();
    expect(results[2]?.status).toBe('201');
    expect(await groupsNamed('Dangling')).toBe(0);
  });

  it('§3.7: an operation referencing a POST that failed fails too, with 409', async () => {
    const results = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'broken', data: { schemas: [USER_SCHEMA] } },
      postGroup('dependent', 'Dependent', [{ type: 'User', value: 'bulkId:broken' }]),
    ]);
    expectFailure(results[0], 400, 'invalidValue');
    expect(expectFailure(results[1], 409).response?.detail).toMatch(/POST failed/);
    expect(await groupsNamed('Dependent')).toBe(0);
  });

  it('§3.7.1: circular bulkId references that reordering cannot resolve fail with 409 and create nothing', async () => {
    const results = await bulk([
      postGroup('qwerty', 'Circle A', [{ type: 'Group', value: 'bulkId:ytrewq' }]),
      postGroup('ytrewq', 'Circle B', [{ type: 'Group', value: 'bulkId:qwerty' }]),
      postGroup('self', 'Circle Self', [{ type: 'Group', value: 'bulkId:self' }]),
      postUser('bystander', 'bystander@bulk.test'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['409', '409', '409', '201']);
    expect(expectFailure(results[0], 409).response?.detail).toMatch(/cycle/);
    expectFailure(results[1], 409);
    expect(expectFailure(results[2], 409).response?.detail).toMatch(/cycle/);
    for (const name of ['Circle A', 'Circle B', 'Circle Self']) expect(await groupsNamed(name)).toBe(0);
  });

  it('§3.7.4: more than maxOperations (1000) is 413 naming the limit, and nothing runs', async () => {
    const operations = Array.from({ length: 1001 }, (_, i) => postUser(`u${i}`, `too-many-${i}@bulk.test`));
    const res = await scim.call('POST', '/Bulk', bulkBody(operations));
    const body = expectScimError(res, 413);
    expect(body['scimType']).toBeUndefined();
    expect(body['detail']).toMatch(/maxOperations \(1000\)/);
    expect(await usersNamed('too-many-0@bulk.test')).toBe(0);
  });

  it('§3.7.4: a payload over maxPayloadSize (1 MiB) is 413 with a SCIM Error naming the limit', async () => {
    const filler = 'x'.repeat(1_048_576);
    const res = await scim.call('POST', '/Bulk', bulkBody([postUser('big', 'big@bulk.test', { nickName: filler })]));
    const body = expectScimError(res, 413);
    expect(body['detail']).toBe('The size of the bulk operation exceeds the maxPayloadSize (1048576).');
    expect(await usersNamed('big@bulk.test')).toBe(0);
  });

  it('§3.7: a body without the BulkRequest schema is 400 invalidSyntax', async () => {
    const res = await scim.call('POST', '/Bulk', { Operations: [postUser('a', 'no-schema@bulk.test')] });
    expectScimError(res, 400, 'invalidSyntax');
    expect(await usersNamed('no-schema@bulk.test')).toBe(0);
  });

  it('a token for tenant A cannot bulk-write tenant B (401), and B is unchanged', async () => {
    const admin = adminClient(t.app, t.adminToken);
    const a = uniqueTenantId('bulk-a');
    await admin.createTenant(a);
    const { token: tokenOfA } = await admin.issueToken(a);
    const b = await scimTenant(t, 'bulk-b');
    const intruder = scimClient(t.app, b.tenantId, tokenOfA, b.base);
    expectScimError(await intruder.call('POST', '/Bulk', bulkBody([postUser('x', 'intruder@bulk.test')])), 401);
    expect(await usersNamed('intruder@bulk.test', b)).toBe(0);
  });

  it('an unexpected error inside an operation is a 500 that leaks nothing; earlier operations stay committed', async () => {
    const users = t.deps.users;
    const create = users.create.bind(users);
    const spy = vi
      .spyOn(users, 'create')
      .mockImplementationOnce(create)
      .mockRejectedValueOnce(new Error('connection to 10.0.0.7 lost'));
    try {
      const res = await scim.call(
        'POST',
        '/Bulk',
        bulkBody([
          postUser('one', 'committed@bulk.test'),
          postUser('two', 'boom@bulk.test'),
          postUser('three', 'not-run@bulk.test'),
        ]),
      );
      expectScimError(res, 500);
      expect(res.body).not.toContain('10.0.0.7');
    } finally {
      spy.mockRestore();
    }
    expect(await usersNamed('committed@bulk.test')).toBe(1);
    expect(await usersNamed('not-run@bulk.test')).toBe(0);
  });
});
