import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { patchBody, scimTenant, type ScimClient } from '../helpers/scim.js';

let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'conc');
});
afterAll(() => t.close());

describe('concurrent writes to one resource (RFC 7644 §3.14: no lost updates)', () => {
  it('keeps every one of many concurrent PATCH additions to one user', async () => {
    const user = await scim.createUser({ userName: 'busy@example.com' });
    const writers = 16;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        scim.call(
          'PATCH',
          `/Users/${user.id}`,
          patchBody({ op: 'add', path: 'emails', value: [{ value: `e${i}@example.com` }] }),
        ),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(writers).fill(200));
    const final = (await scim.call('GET', `/Users/${user.id}`)).json<{
      emails: { value: string }[];
      meta: { version: string };
    }>();
    expect(final.emails.map((e) => e.value).sort()).toEqual(
      Array.from({ length: writers }, (_, i) => `e${i}@example.com`).sort(),
    );
    expect(final.meta.version).toBe(`W/"${writers + 1}"`);
  });

  it('keeps every concurrent member addition to one group', async () => {
    const users = await Promise.all(
      Array.from({ length: 12 }, (_, i) => scim.createUser({ userName: `m${i}@example.com` })),
    );
    const group = await scim.createGroup({ displayName: 'Busy group' });
    const results = await Promise.all(
      users.map((u) =>
        scim.call(
          'PATCH',
          `/Groups/${group.id}?excludedAttributes=members`,
          patchBody({ op: 'add', path: 'members', value: [{ value: u.id }] }),
        ),
      ),
    );
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    const final = (await scim.call('GET', `/Groups/${group.id}`)).json<{ members: { value: string }[] }>();
    expect(final.members.map((m) => m.value).sort()).toEqual(users.map((u) => u.id).sort());
  });

  it('lets exactly one of two writers holding the same version win with If-Match', async () => {
    const user = await scim.createUser({ userName: 'ifmatch@example.com' });
    const [a, b] = await Promise.all(
      ['A', 'B'].map((title) =>
        scim.call('PATCH', `/Users/${user.id}`, patchBody({ op: 'replace', path: 'title', value: title }), {
          'if-match': 'W/"1"',
        }),
      ),
    );
    expect([a?.statusCode, b?.statusCode].sort()).toEqual([200, 412]);
  });
});
