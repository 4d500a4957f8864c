import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { statementsDuring } from '../helpers/pg-statements.js';
import { ENTERPRISE_SCHEMA, expectScimError, scimTenant, USER_SCHEMA, type ScimClient } from '../helpers/scim.js';

let t: TestApp;
let scim: ScimClient;
const ids: Record<string, string> = {};

interface ListBody {
  schemas: string[];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: { id: string; userName: string }[];
}

const people = [
  {
    userName: 'alice@example.com',
    name: { givenName: 'Alice', familyName: 'Archer' },
    title: 'Engineer',
    userType: 'Employee',
    active: true,
    emails: [{ value: 'alice@example.com', type: 'work' }],
    employeeNumber: '3',
  },
  {
    userName: 'Bob@Example.com',
    name: { givenName: 'Bob', familyName: 'Baker' },
    title: 'Manager',
    userType: 'Contractor',
    active: false,
    emails: [{ value: 'bob@example.org', type: 'home' }],
    employeeNumber: '1',
  },
  {
    userName: 'carol@example.com',
    name: { givenName: 'Carol', familyName: "O'Malley" },
    userType: 'Employee',
    active: true,
    emails: [
      { value: 'carol@example.com', type: 'work' },
      { value: 'carol@example.org', type: 'home' },
    ],
    employeeNumber: '2',
  },
  { userName: 'dave@example.net', name: { givenName: 'Dave' }, title: 'engineer', active: true },
];

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'list');
  for (const { employeeNumber, ...p } of people) {
    const body =
      employeeNumber === undefined
        ? p
        : { ...p, schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA], [ENTERPRISE_SCHEMA]: { employeeNumber } };
    ids[p.userName.toLowerCase()] = (await scim.createUser(body)).id;
  }
});
afterAll(() => t.close());

async function names(query: string): Promise<string[]> {
  const res = await scim.call('GET', `/Users?${query}`);
  if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`);
  return res
    .json<ListBody>()
    .Resources.map((r) => r.userName.toLowerCase())
    .sort();
}
const filter = (f: string) => names(`filter=${encodeURIComponent(f)}`);

describe('filtering (RFC 7644 §3.4.2.2)', () => {
  it.each([
    ['userName eq "BOB@example.com"', ['bob@example.com']],
    ['userName ne "bob@example.com"', ['alice@example.com', 'carol@example.com', 'dave@example.net']],
    ['userName co "EXAMPLE.COM"', ['alice@example.com', 'bob@example.com', 'carol@example.com']],
    ['userName sw "a"', ['alice@example.com']],
    ['userName ew ".net"', ['dave@example.net']],
    ['userName gt "bob@example.com"', ['carol@example.com', 'dave@example.net']],
    ['userName le "bob@example.com"', ['alice@example.com', 'bob@example.com']],
    ['title eq "engineer"', ['alice@example.com', 'dave@example.net']],
    ['title pr', ['alice@example.com', 'bob@example.com', 'dave@example.net']],
    ['not (title pr)', ['carol@example.com']],
    ['name.familyName co "\'mal"', ['carol@example.com']],
    ['name.givenName pr and not (name.familyName pr)', ['dave@example.net']],
    ['active eq false', ['bob@example.com']],
    ['active eq true and userType eq "Employee"', ['alice@example.com', 'carol@example.com']],
    [
      'userType eq "Employee" or title eq "manager" and active eq false',
      ['alice@example.com', 'bob@example.com', 'carol@example.com'],
    ],
    ['(userType eq "Employee" or title eq "manager") and active eq false', ['bob@example.com']],
    ['emails.value eq "carol@example.org"', ['carol@example.com']],
    ['emails co "example.org"', ['bob@example.com', 'carol@example.com']],
    ['emails[type eq "work" and value co "@example.com"]', ['alice@example.com', 'carol@example.com']],
    ['emails[type eq "home" and value ew ".com"]', []],
    ['emails[type eq "work"] and emails[type eq "home"]', ['carol@example.com']],
    ['emails pr', ['alice@example.com', 'bob@example.com', 'carol@example.com']],
    [`${ENTERPRISE_SCHEMA}:employeeNumber eq "2"`, ['carol@example.com']],
    [`${ENTERPRISE_SCHEMA}:employeeNumber pr`, ['alice@example.com', 'bob@example.com', 'carol@example.com']],
    [`${USER_SCHEMA}:name.givenName eq "alice"`, ['alice@example.com']],
    [
      'meta.created gt "2000-01-01T00:00:00Z"',
      ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.net'],
    ],
    ['meta.lastModified lt "2000-01-01T00:00:00Z"', []],
    ['externalId pr', []],
    ['title eq null', ['carol@example.com']],
  ])('%s', async (f, expected) => {
    expect(await filter(f)).toEqual(expected);
  });

  it('finds a user by id, and nothing by a malformed id', async () => {
    expect(await filter(`id eq "${ids['carol@example.com'] ?? ''}"`)).toEqual(['carol@example.com']);
    expect(await filter('id eq "nope"')).toEqual([]);
  });

  it('pages a unique-key lookup like any other list (RFC 7644 §3.4.2.4)', async () => {
    const list = async (query: string) => {
      const res = await scim.call('GET', `/Users?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ totalResults: number; startIndex: number; itemsPerPage: number; Resources: unknown[] }>();
    };
    const byName = `filter=${encodeURIComponent('userName eq "CAROL@example.com"')}`;
    expect(await list(byName)).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(await list(`${byName}&startIndex=2`)).toMatchObject({ totalResults: 1, startIndex: 2, itemsPerPage: 0 });
    expect(await list(`${byName}&count=0`)).toMatchObject({ totalResults: 1, itemsPerPage: 0 });
    const byId = `filter=${encodeURIComponent(`id eq "${ids['carol@example.com'] ?? ''}"`)}&sortBy=title&sortOrder=descending`;
    expect(await list(byId)).toMatchObject({ totalResults: 1, itemsPerPage: 1 });
    const page = await list(`filter=${encodeURIComponent('userName eq "nobody@example.com"')}&cursor=`);
    expect(page).toMatchObject({ totalResults: 0, itemsPerPage: 0 });
    expect(page).not.toHaveProperty('nextCursor');
  });

  it.each([
    ['userName equals "x"', 'invalidFilter'],
    ['shoeSize eq 42', 'invalidFilter'],
    ['active gt true', 'invalidFilter'],
    ['active eq "yes"', 'invalidFilter'],
    ['meta.created gt "yesterday"', 'invalidFilter'],
    ['emails[type eq "work"', 'invalidFilter'],
  ])('refuses %s with 400 %s', async (f, scimType) => {
    const res = await scim.call('GET', `/Users?filter=${encodeURIComponent(f)}`);
    expectScimError(res, 400, scimType);
  });

  it('treats values as data, never as SQL', async () => {
    expect(await filter(`userName eq "x' OR '1'='1"`)).toEqual([]);
    expect(await filter('userName co "%"')).toEqual([]);
    expect(await filter('userName sw "_"')).toEqual([]);
  });
});

describe('sorting and paging (RFC 7644 §3.4.2.3, §3.4.2.4)', () => {
  it('sorts by any singular attribute, both ways', async () => {
    const asc = await scim.call('GET', '/Users?sortBy=name.givenName&sortOrder=ascending');
    expect(asc.json<ListBody>().Resources.map((r) => r.userName)).toEqual([
      'alice@example.com',
      'Bob@Example.com',
      'carol@example.com',
      'dave@example.net',
    ]);
    const desc = await scim.call(
      'GET',
      `/Users?sortBy=${encodeURIComponent(`${ENTERPRISE_SCHEMA}:employeeNumber`)}&sortOrder=descending`,
    );
    expect(desc.json<ListBody>().Resources.map((r) => r.userName)).toEqual([
      'dave@example.net',
      'alice@example.com',
      'carol@example.com',
      'Bob@Example.com',
    ]);
    expectScimError(await scim.call('GET', '/Users?sortBy=emails'), 400, 'invalidValue');
  });

  it('pages with 1-based startIndex and count, reporting totalResults', async () => {
    const page = (await scim.call('GET', '/Users?sortBy=userName&startIndex=2&count=2')).json<ListBody>();
    expect(page).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 4,
      startIndex: 2,
      itemsPerPage: 2,
    });
    expect(page.Resources.map((r) => r.userName)).toEqual(['Bob@Example.com', 'carol@example.com']);
    const past = (await scim.call('GET', '/Users?startIndex=10')).json<ListBody>();
    expect(past).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
    const clamped = (await scim.call('GET', '/Users?startIndex=0&count=-5')).json<ListBody>();
    expect(clamped).toMatchObject({ totalResults: 4, startIndex: 1, itemsPerPage: 0 });
  });

  it('answers count=0 with the total only', async () => {
    const res = (
      await scim.call('GET', `/Users?count=0&filter=${encodeURIComponent('active eq true')}`)
    ).json<ListBody>();
    expect(res).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
  });

  it('refuses non-numeric paging parameters', async () => {
    expectScimError(await scim.call('GET', '/Users?count=ten'), 400, 'invalidValue');
  });
});

describe('cursor paging (RFC 9865)', () => {
  interface CursorPage {
    totalResults: number;
    itemsPerPage: number;
    startIndex?: number;
    nextCursor?: string;
    Resources: { id: string; userName: string }[];
  }
  const page = async (query: string) => {
    const res = await scim.call('GET', `/Users?${query}`);
    if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`);
    return res.json<CursorPage>();
  };

  it('walks every resource once in creation order, and reaches one added behind the cursor', async () => {
    const first = await page('cursor=&count=3');
    expect(first.startIndex).toBeUndefined();
    expect(first.itemsPerPage).toBe(3);
    expect(first.totalResults).toBe(4);
    expect(first.nextCursor).toEqual(expect.any(String));
    const late = await scim.createUser({ userName: 'late@example.com' });
    const second = await page(`cursor=${encodeURIComponent(first.nextCursor ?? '')}&count=3`);
    expect(second.nextCursor).toBeUndefined();
    const seen = [...first.Resources, ...second.Resources].map((r) => r.id);
    expect(seen).toEqual([...Object.values(ids), late.id]);
    expect((await scim.call('DELETE', `/Users/${late.id}`)).statusCode).toBe(204);
  });

  it('counts totalResults on the first page and carries it in the cursor, not counting again (RFC 9865 §2)', async () => {
    const first = await page('cursor=&count=2');
    expect(first.totalResults).toBe(4);
    const late = await scim.createUser({ userName: 'counted-once@example.com' });
    await t.deps.requestLog.flush();
    const sent = await statementsDuring(() =>
      scim.call('GET', `/Users?cursor=${encodeURIComponent(first.nextCursor ?? '')}&count=2`),
    );
    expect(sent.filter((s) => /count\(\*\)/.test(s))).toEqual([]);
    const second = await page(`cursor=${encodeURIComponent(first.nextCursor ?? '')}&count=2`);
    // The export's total as it began; the user created since is still returned, at its end.
    expect(second.totalResults).toBe(4);
    const third = await page(`cursor=${encodeURIComponent(second.nextCursor ?? '')}&count=2`);
    expect(third.totalResults).toBe(4);
    expect(third.Resources.map((r) => r.id)).toContain(late.id);
    expect((await page('cursor=&count=2')).totalResults).toBe(5);
    expect((await scim.call('DELETE', `/Users/${late.id}`)).statusCode).toBe(204);
  });

  it('keeps the filter, and refuses a cursor replayed with another filter or a forged one', async () => {
    const active = encodeURIComponent('active eq true');
    const first = await page(`filter=${active}&cursor=&count=2`);
    expect(first.Resources.map((r) => r.userName)).toEqual(['alice@example.com', 'carol@example.com']);
    const next = await page(`filter=${active}&cursor=${encodeURIComponent(first.nextCursor ?? '')}&count=2`);
    expect(next.Resources.map((r) => r.userName)).toEqual(['dave@example.net']);
    expectScimError(
      await scim.call('GET', `/Users?cursor=${encodeURIComponent(first.nextCursor ?? '')}`),
      400,
      'invalidCursor',
    );
    expectScimError(await scim.call('GET', '/Users?cursor=bm90LWEtY3Vyc29y'), 400, 'invalidCursor');
    expectScimError(await scim.call('GET', '/Users?cursor=&startIndex=1'), 400, 'invalidValue');
  });
});

describe('POST /Users/.search (RFC 7644 §3.4.3)', () => {
  it('runs the query from the body', async () => {
    const res = await scim.call('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userType eq "Employee"',
      attributes: ['userName'],
      sortBy: 'userName',
      sortOrder: 'descending',
      startIndex: 1,
      count: 10,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<ListBody>();
    expect(body.totalResults).toBe(2);
    expect(body.Resources).toEqual([
      { schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA], id: ids['carol@example.com'], userName: 'carol@example.com' },
      { schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA], id: ids['alice@example.com'], userName: 'alice@example.com' },
    ]);
  });

  it('requires the SearchRequest schema', async () => {
    expectScimError(await scim.call('POST', '/Users/.search', { filter: 'title pr' }), 400, 'invalidSyntax');
  });
});
