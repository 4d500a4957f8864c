import { describe, expect, it } from 'vitest';
import { redactedPath } from '../../../src/observability/redact-request.js';
import { redactedBody, redactedExchange } from '../../../src/observability/request-log.js';
import type { JsonValue } from '../../../src/scim/resource/json.js';

// What the tenant's request log keeps of a request (issue 11, finding 3): never a password.

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const SECRET = 'hunter2';

/** The body as the log keeps it, parsed back. */
function logged(body: JsonValue): unknown {
  const text = redactedBody(body);
  expect(text).toBeDefined();
  expect(text).not.toContain(SECRET);
  return JSON.parse(text ?? 'null');
}

const patch = (...operations: JsonValue[]): JsonValue => ({ schemas: [PATCH_OP], Operations: operations });

describe('redactedBody: the SCIM password in every form a request carries it', () => {
  it('replaces the value of a PATCH operation whose path is password, keeping op and path (RFC 7644 §3.5.2)', () => {
    for (const path of ['password', 'PassWord', `${USER}:password`, `${USER.toUpperCase()}:PASSWORD`]) {
      expect(logged(patch({ op: 'replace', path, value: SECRET }))).toEqual({
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path, value: '[redacted]' }],
      });
    }
  });

  it('reads the members of a PATCH operation case-insensitively, as the service does (RFC 7643 §2.1)', () => {
    expect(logged(patch({ OP: 'Replace', Value: SECRET, PATH: 'password' }))).toEqual({
      schemas: [PATCH_OP],
      Operations: [{ OP: 'Replace', Value: '[redacted]', PATH: 'password' }],
    });
  });

  it('keeps the other operations of the PATCH whole', () => {
    const body = logged(
      patch(
        { op: 'replace', path: 'title', value: 'Boss' },
        { op: 'add', path: 'password', value: SECRET },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'a@b.test' },
      ),
    );
    expect(body).toEqual({
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'title', value: 'Boss' },
        { op: 'add', path: 'password', value: '[redacted]' },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'a@b.test' },
      ],
    });
  });

  it('replaces the literal of a value filter on password in a PATCH path, and the value (RFC 7644 §3.5.2)', () => {
    expect(logged(patch({ op: 'replace', path: `password[value eq "${SECRET}"]`, value: SECRET }))).toEqual({
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'password[value eq "[redacted]"]', value: '[redacted]' }],
    });
    expect(logged(patch({ op: 'remove', path: `emails[PASSWORD eq "${SECRET}"]` }))).toEqual({
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: 'emails[PASSWORD eq "[redacted]"]' }],
    });
  });

  it('hides a PATCH path that names password but does not parse, with its value (the service answered 400)', () => {
    expect(logged(patch({ op: 'replace', path: `password[value eq ${SECRET}]`, value: SECRET }))).toEqual({
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'password[value eq "[redacted]"]', value: '[redacted]' }],
    });
    expect(logged(patch({ op: 'replace', path: `password[value eq "${SECRET}`, value: 'x' }))).toEqual({
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: '[redacted]', value: '[redacted]' }],
    });
  });

  it('replaces password members of a pathless PATCH value: plain, URN-qualified, or in the core schema object (RFC 7644 §3.5.2.3)', () => {
    expect(
      logged(
        patch(
          { op: 'replace', value: { password: SECRET, title: 'Boss' } },
          { op: 'add', value: { [`${USER}:password`]: SECRET } },
          { op: 'replace', value: { [USER]: { PassWord: SECRET, displayName: 'Ann' } } },
        ),
      ),
    ).toEqual({
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', value: { password: '[redacted]', title: 'Boss' } },
        { op: 'add', value: { [`${USER}:password`]: '[redacted]' } },
        { op: 'replace', value: { [USER]: { PassWord: '[redacted]', displayName: 'Ann' } } },
      ],
    });
  });

  it('redacts every form inside Bulk operations, keeping method, path and the other data (RFC 7644 §3.7)', () => {
    const body = logged({
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: 'ann', password: SECRET } },
        { method: 'PUT', path: '/Users/1', data: { schemas: [USER], userName: 'bob', [`${USER}:Password`]: SECRET } },
        { method: 'PATCH', path: '/Users/2', data: patch({ op: 'replace', path: `${USER}:password`, value: SECRET }) },
        { method: 'PATCH', path: '/Users/3', data: patch({ op: 'replace', value: { password: SECRET } }) },
        { method: 'PATCH', path: '/Users/4', data: patch({ op: 'add', path: `password[value eq "${SECRET}"]` }) },
        { method: 'DELETE', path: '/Users/5' },
      ],
    });
    expect(body).toEqual({
      schemas: [BULK],
      Operations: [
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'a',
          data: { schemas: [USER], userName: 'ann', password: '[redacted]' },
        },
        {
          method: 'PUT',
          path: '/Users/1',
          data: { schemas: [USER], userName: 'bob', [`${USER}:Password`]: '[redacted]' },
        },
        {
          method: 'PATCH',
          path: '/Users/2',
          data: patch({ op: 'replace', path: `${USER}:password`, value: '[redacted]' }),
        },
        { method: 'PATCH', path: '/Users/3', data: patch({ op: 'replace', value: { password: '[redacted]' } }) },
        { method: 'PATCH', path: '/Users/4', data: patch({ op: 'add', path: 'password[value eq "[redacted]"]' }) },
        { method: 'DELETE', path: '/Users/5' },
      ],
    });
  });

  it('replaces the literal compared with password in a .search filter, keeping the other comparisons (RFC 7644 §3.4.3)', () => {
    const search = (filter: string) => logged({ schemas: [SEARCH], filter, count: 5 });
    expect(search(`userName sw "ann" and password eq "${SECRET}"`)).toEqual({
      schemas: [SEARCH],
      filter: 'userName sw "ann" and password eq "[redacted]"',
      count: 5,
    });
    expect(search(`not (${USER}:PASSWORD ne "${SECRET}") or title eq "Boss"`)).toMatchObject({
      filter: `not (${USER}:PASSWORD ne "[redacted]") or title eq "Boss"`,
    });
    expect(search(`password[value co "${SECRET}"]`)).toMatchObject({ filter: 'password[value co "[redacted]"]' });
    // The compat form filter-value-path-sub-attribute: the comparison after "]" is about password too.
    expect(search(`password[type eq "${SECRET}"].value eq "${SECRET}"`)).toMatchObject({
      filter: 'password[type eq "[redacted]" and value eq "[redacted]"]',
    });
  });

  it('replaces every literal of a filter that mentions password and does not parse', () => {
    const search = (filter: string) => logged({ schemas: [SEARCH], filter });
    expect(search(`password eq ${SECRET}`)).toMatchObject({ filter: 'password eq "[redacted]"' });
    // A word after an operator may be an unquoted password, even one that says "password".
    expect(search(`"${SECRET}" eq password`)).toMatchObject({ filter: '"[redacted]" eq "[redacted]"' });
    expect(search(`password eq my-password`)).toMatchObject({ filter: 'password eq "[redacted]"' });
    expect(search(`password eq hunter two and x eq 7`)).toMatchObject({
      filter: 'password eq "[redacted]" "[redacted]" and x eq "[redacted]"',
    });
    expect(search(`password eq "${SECRET}`)).toMatchObject({ filter: '[redacted]' });
  });

  it('keeps filters and paths that compare no password as they were sent, byte for byte', () => {
    const body: JsonValue = {
      schemas: [SEARCH],
      filter: 'userName eq "password-reset@example.com"  and  title pr',
      Operations: [{ op: 'replace', path: 'emails[value eq "token@example.com"]', value: 'kept' }],
    };
    expect(logged(body)).toEqual(body);
  });

  it('keeps a body with no secret whole: resources, extensions, arrays, numbers, booleans, nulls', () => {
    const body: JsonValue = {
      schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      userName: 'ann@example.com',
      name: { givenName: 'Ann', familyName: null },
      active: true,
      emails: [{ value: 'ann@example.com', type: 'work', primary: true }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '42', manager: { value: '7' } },
      x: [[1, 2.5], []],
    };
    expect(logged(body)).toEqual(body);
  });

  it('still replaces members named secret or token, at any depth', () => {
    expect(logged({ a: { clientSecret: SECRET, list: [{ accessToken: SECRET, keep: 1 }] } })).toEqual({
      a: { clientSecret: '[redacted]', list: [{ accessToken: '[redacted]', keep: 1 }] },
    });
  });

  it('writes an entry for a body nested 100k levels deep, marking where it stopped', () => {
    const depth = 100_000;
    const text = `${'{"a":['.repeat(depth)}"${SECRET}"${']}'.repeat(depth)}`;
    const body = JSON.parse(text) as JsonValue;
    let result: string | undefined;
    expect(() => (result = redactedBody(body))).not.toThrow();
    expect(typeof result).toBe('string');
    expect(result).toContain('[too deeply nested]');
    expect(result).not.toContain(SECRET);
  });

  it('keeps a body nested as deep as real messages are, whole', () => {
    let body: JsonValue = 'leaf';
    for (let i = 0; i < 30; i += 1) body = { level: [body] };
    expect(logged(body)).toEqual(body);
  });
});

describe('redactedPath: the logged URL', () => {
  const base = '/scim/v2/t1/Users';

  it('replaces the literal compared with password in the filter parameter, percent-encoded or not (RFC 7644 §3.4.2.2)', () => {
    for (const url of [
      `${base}?filter=password eq "${SECRET}"`,
      `${base}?filter=${encodeURIComponent(`password eq "${SECRET}"`)}`,
      `${base}?filter=PassWord+eq+%22${SECRET}%22`,
      `${base}?filter=${encodeURIComponent(`${USER}:password eq "${SECRET}"`)}`,
    ]) {
      const logged = redactedPath(url);
      expect(logged).not.toContain(SECRET);
      const filter = new URL(logged, 'http://x').searchParams.get('filter');
      expect(filter?.toLowerCase()).toMatch(/password eq "\[redacted\]"$/);
    }
  });

  it('keeps the other parameters and the other comparisons of the filter', () => {
    const url = `${base}?count=5&filter=${encodeURIComponent(`userName eq "ann" or password eq "${SECRET}"`)}&startIndex=2`;
    const logged = redactedPath(url);
    expect(logged).not.toContain(SECRET);
    const params = new URL(logged, 'http://x').searchParams;
    expect(params.get('filter')).toBe('userName eq "ann" or password eq "[redacted]"');
    expect(params.get('count')).toBe('5');
    expect(params.get('startIndex')).toBe('2');
  });

  it('drops the rest of the query after a password literal that never closes: an unencoded "&" may have cut it', () => {
    const logged = redactedPath(`${base}?filter=password eq "hun&ter2" and x pr&count=1`);
    expect(logged).toBe(`${base}?filter=%5Bredacted%5D`);
  });

  it('replaces the value of a parameter named like a secret, as the body rule does for a member', () => {
    expect(redactedPath(`${base}?count=1&access_token=${SECRET}`)).toBe(`${base}?count=1&access_token=%5Bredacted%5D`);
  });

  it('hides a filter whose percent-encoding is malformed', () => {
    expect(redactedPath(`${base}?filter=password%20eq%20%22${SECRET}%ZZ`)).toBe(`${base}?filter=%5Bredacted%5D`);
  });

  it('returns a URL without a password literal exactly as it was', () => {
    for (const url of [
      `${base}/2819c223`,
      `${base}?filter=userName eq "password@example.com"`,
      `${base}?filter=${encodeURIComponent('emails[type eq "work"]')}&attributes=password`,
    ]) {
      expect(redactedPath(url)).toBe(url);
    }
  });

  it('is applied to a Bulk operation path that carries a query', () => {
    const body = logged({
      schemas: [BULK],
      Operations: [{ method: 'GET', path: `/Users?filter=${encodeURIComponent(`password eq "${SECRET}"`)}` }],
    });
    expect(body).toEqual({
      schemas: [BULK],
      Operations: [{ method: 'GET', path: `/Users?filter=${encodeURIComponent('password eq "[redacted]"')}` }],
    });
  });
});

describe('redactedExchange: what the log keeps of one request and its response', () => {
  const errorOf = (detail: string) =>
    JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', detail });

  it("takes the request's password out of an error detail that quotes it, keeping the rest of the detail", () => {
    const kept = redactedExchange(
      '/scim/v2/t1/Users/1',
      patch({ op: 'replace', path: `password[value eq "${SECRET}"]`, value: 'x' }),
      errorOf(
        `Operations[0]: "password[value eq \\"${SECRET}\\"]": a value filter selects values of a multi-valued attribute.`,
      ),
    );
    expect(JSON.stringify(kept)).not.toContain(SECRET);
    expect(JSON.parse(kept.responseBody ?? '')).toMatchObject({
      detail:
        'Operations[0]: "password[value eq \\"[redacted]\\"]": a value filter selects values of a multi-valued attribute.',
    });
  });

  it('takes out the start of a long password that an error quoted cut short with "…"', () => {
    const long = 'Correct-Horse-Battery-Staple-Is-Long-Enough';
    const kept = redactedExchange(
      `/scim/v2/t1/Users?filter=${encodeURIComponent(`password eq ${long}`)}`,
      undefined,
      errorOf(`Invalid filter at position 12: expected a value after "eq", found "${long.slice(0, 40)}…"`),
    );
    expect(kept.responseBody).not.toContain(long.slice(0, 8));
    expect(kept.responseBody).toContain('found \\"[redacted]…\\"');
    expect(kept.path).not.toContain(long.slice(0, 8));
  });

  it("scrubs the pieces of a filter it could not read, keeping the error's own words", () => {
    const kept = redactedExchange(
      '/scim/v2/t1/Users?filter=password eq "hun&ter2" and x pr',
      undefined,
      errorOf('Invalid filter at position 12: unterminated string "hun…": the closing double quote is missing'),
    );
    expect(kept.path).toBe('/scim/v2/t1/Users?filter=%5Bredacted%5D');
    expect(JSON.parse(kept.responseBody ?? '')).toMatchObject({
      detail: 'Invalid filter at position 12: unterminated string "[redacted]…": the closing double quote is missing',
    });
  });

  it('scrubs the nested error of a Bulk response, and keeps the response JSON', () => {
    const kept = redactedExchange(
      '/scim/v2/t1/Bulk',
      {
        schemas: [BULK],
        Operations: [{ method: 'POST', path: '/Users', data: { schemas: [USER], userName: 'a', password: [SECRET] } }],
      },
      JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkResponse'],
        Operations: [
          { method: 'POST', status: '400', response: { detail: `password must be a string, not ["${SECRET}"]` } },
        ],
      }),
    );
    expect(kept.responseBody).not.toContain(SECRET);
    expect(JSON.parse(kept.responseBody ?? '')).toMatchObject({
      Operations: [{ status: '400', response: { detail: 'password must be a string, not ["[redacted]"]' } }],
    });
  });

  it('scrubs a response that is not whole JSON (cut at 64 KiB) as text', () => {
    const kept = redactedExchange('/scim/v2/t1/Users', { password: SECRET }, `{"detail":"${SECRET}`);
    expect(kept.responseBody).toBe('{"detail":"[redacted]');
  });

  it('keeps the response of a request that carried no secret exactly as sent', () => {
    const response = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],  "totalResults":0}';
    const kept = redactedExchange('/scim/v2/t1/Users?filter=userName%20eq%20%22hunter2%22', undefined, response);
    expect(kept).toEqual({
      path: '/scim/v2/t1/Users?filter=userName%20eq%20%22hunter2%22',
      requestBody: undefined,
      responseBody: response,
    });
  });
});
