import { describe, expect, it } from 'vitest';
// As change events name the changed attributes: sorted, server-kept ones left out.
import { changedBetween, updateType } from '../../../src/provisioning/events.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../../src/scim/schema/built-in-types.js';
import type { JsonObject } from '../../../src/scim/resource/json.js';

const changedAttributes = (before: JsonObject, after: JsonObject) => changedBetween(USER_RESOURCE_TYPE, before, after);

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('changedAttributes', () => {
  it('names the core attributes whose values differ, sorted, ignoring meta, schemas and id', () => {
    expect(
      changedAttributes(
        { id: '1', userName: 'a', title: 'x', name: { givenName: 'A' }, meta: { version: 'W/"1"' } },
        { id: '1', userName: 'a', title: 'y', name: { givenName: 'B' }, nickName: 'n', meta: { version: 'W/"2"' } },
      ),
    ).toEqual(['name', 'nickName', 'title']);
  });

  it('names a removed attribute', () => {
    expect(changedAttributes({ userName: 'a', title: 'x' }, { userName: 'a' })).toEqual(['title']);
  });

  it('does not count key order inside values, and does count element order', () => {
    expect(changedAttributes({ name: { a: 1, b: 2 } }, { name: { b: 2, a: 1 } })).toEqual([]);
    expect(
      changedAttributes({ emails: [{ value: 'a' }, { value: 'b' }] }, { emails: [{ value: 'b' }, { value: 'a' }] }),
    ).toEqual(['emails']);
  });

  it('names extension attributes by URN and name', () => {
    expect(
      changedAttributes(
        { [ENTERPRISE]: { department: 'R&D', manager: { value: 'm1' } } },
        { [ENTERPRISE]: { department: 'R&D', manager: { value: 'm2' }, costCenter: 'c' } },
      ),
    ).toEqual([`${ENTERPRISE}:costCenter`, `${ENTERPRISE}:manager`]);
    expect(changedAttributes({}, { [ENTERPRISE]: { division: 'd' } })).toEqual([`${ENTERPRISE}:division`]);
  });

  it('is empty when nothing changed', () => {
    expect(changedAttributes({ userName: 'a', active: true }, { active: true, userName: 'a' })).toEqual([]);
  });
});

describe('updateType, from the event descriptor', () => {
  it.each([
    [{ active: true }, { active: false }, 'user.deactivated'],
    [{}, { active: false }, 'user.deactivated'],
    [{ active: false }, { active: true }, 'user.reactivated'],
    [{ active: false }, {}, 'user.reactivated'],
    [{ active: true }, { active: true, title: 'x' }, 'user.updated'],
    [{ active: false }, { active: false, title: 'x' }, 'user.updated'],
  ])('%j → %j is %s', (before, after, type) => {
    expect(updateType(USER_RESOURCE_TYPE, before, after)).toBe(type);
  });

  it('is group.updated for a Group, whose type has no active attribute', () => {
    expect(updateType(GROUP_RESOURCE_TYPE, { active: true }, { active: false })).toBe('group.updated');
  });
});
