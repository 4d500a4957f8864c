import { describe, expect, it } from 'vitest';
import { userUpdateType } from '../../../src/events/changes.js';
// As change events name the changed attributes: sorted, server-kept ones left out.
import { changedBetween as changedAttributes } from '../../../src/provisioning/events.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('changedAttributes', () => {
  it('names the core attributes whose values differ, sorted, ignoring meta, schemas and id', () => {
    expect(
      changedAttributes(
        'User',
        { id: '1', userName: 'a', title: 'x', name: { givenName: 'A' }, meta: { version: 'W/"1"' } },
        { id: '1', userName: 'a', title: 'y', name: { givenName: 'B' }, nickName: 'n', meta: { version: 'W/"2"' } },
      ),
    ).toEqual(['name', 'nickName', 'title']);
  });

  it('names a removed attribute', () => {
    expect(changedAttributes('User', { userName: 'a', title: 'x' }, { userName: 'a' })).toEqual(['title']);
  });

  it('does not count key order inside values, and does count element order', () => {
    expect(changedAttributes('User', { name: { a: 1, b: 2 } }, { name: { b: 2, a: 1 } })).toEqual([]);
    expect(
      changedAttributes(
        'User',
        { emails: [{ value: 'a' }, { value: 'b' }] },
        { emails: [{ value: 'b' }, { value: 'a' }] },
      ),
    ).toEqual(['emails']);
  });

  it('names extension attributes by URN and name', () => {
    expect(
      changedAttributes(
        'User',
        { [ENTERPRISE]: { department: 'R&D', manager: { value: 'm1' } } },
        { [ENTERPRISE]: { department: 'R&D', manager: { value: 'm2' }, costCenter: 'c' } },
      ),
    ).toEqual([`${ENTERPRISE}:costCenter`, `${ENTERPRISE}:manager`]);
    expect(changedAttributes('User', {}, { [ENTERPRISE]: { division: 'd' } })).toEqual([`${ENTERPRISE}:division`]);
  });

  it('is empty when nothing changed', () => {
    expect(changedAttributes('User', { userName: 'a', active: true }, { active: true, userName: 'a' })).toEqual([]);
  });
});

describe('userUpdateType', () => {
  it.each([
    [{ active: true }, { active: false }, 'user.deactivated'],
    [{}, { active: false }, 'user.deactivated'],
    [{ active: false }, { active: true }, 'user.reactivated'],
    [{ active: false }, {}, 'user.reactivated'],
    [{ active: true }, { active: true, title: 'x' }, 'user.updated'],
    [{ active: false }, { active: false, title: 'x' }, 'user.updated'],
  ])('%j → %j is %s', (before, after, type) => {
    expect(userUpdateType(before, after)).toBe(type);
  });
});
