import { describe, expect, it } from 'vitest';
import { isRequested, project } from '../../../src/scim/projection.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../../src/scim/schema/built-in-types.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  userName: 'bjensen',
  password: 'never-shown',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
  [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations' },
  meta: { resourceType: 'User', location: 'https://example.com/Users/2819c223' },
};

describe('projection (RFC 7644 §3.4.2.5, RFC 7643 §7 "returned")', () => {
  it('returns default attributes, never the password', () => {
    const out = project(USER_RESOURCE_TYPE, user);
    expect(out['password']).toBeUndefined();
    expect(out).toMatchObject({
      userName: 'bjensen',
      name: user.name,
      [ENTERPRISE]: user[ENTERPRISE],
      meta: user.meta,
    });
  });

  it('with attributes, returns only those plus the "always" ones (id) and schemas', () => {
    const out = project(USER_RESOURCE_TYPE, user, { attributes: [{ attribute: 'name', subAttribute: 'familyName' }] });
    expect(out).toEqual({ schemas: user.schemas, id: user.id, name: { familyName: 'Jensen' } });
  });

  it('names extension attributes by URN, or the whole extension by its URN alone', () => {
    const one = project(USER_RESOURCE_TYPE, user, { attributes: [{ schema: ENTERPRISE, attribute: 'department' }] });
    expect(one[ENTERPRISE]).toEqual({ department: 'Tour Operations' });
    const whole = project(USER_RESOURCE_TYPE, user, { attributes: [{ schema: ENTERPRISE, attribute: '' }] });
    expect(whole[ENTERPRISE]).toEqual(user[ENTERPRISE]);
  });

  it('with excludedAttributes, drops those but never id', () => {
    const out = project(USER_RESOURCE_TYPE, user, {
      excludedAttributes: [
        { attribute: 'emails' },
        { attribute: 'id' },
        { attribute: 'name', subAttribute: 'givenName' },
      ],
    });
    expect(out['emails']).toBeUndefined();
    expect(out['id']).toBe(user.id);
    expect(out['name']).toEqual({ familyName: 'Jensen' });
  });

  it('tells whether a computed attribute will be shown, so it is loaded only then', () => {
    expect(isRequested(GROUP_RESOURCE_TYPE, 'members', {})).toBe(true);
    expect(isRequested(GROUP_RESOURCE_TYPE, 'members', { excludedAttributes: [{ attribute: 'MEMBERS' }] })).toBe(false);
    expect(isRequested(GROUP_RESOURCE_TYPE, 'members', { attributes: [{ attribute: 'displayName' }] })).toBe(false);
    expect(
      isRequested(GROUP_RESOURCE_TYPE, 'members', { attributes: [{ attribute: 'members', subAttribute: 'value' }] }),
    ).toBe(true);
  });
});
