import { describe, expect, it } from 'vitest';
import { normalizePatchBody, normalizeResourceBody } from '../../../../src/scim/compat/normalize.js';
import { RULES } from '../../../../src/scim/compat/rules.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../../../src/scim/schema/registry.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const body = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
const ops = (value: unknown) => (value as { Operations: unknown[] }).Operations;

describe('normalizePatchBody', () => {
  it('lower-cases a known op in any case, and leaves an unknown one for the strict parser', () => {
    const { value, fired } = normalizePatchBody(
      USER_RESOURCE_TYPE,
      body({ op: 'REPLACE', path: 'title', value: 'x' }, { op: 'Explode' }),
    );
    expect(ops(value)).toEqual([{ op: 'replace', path: 'title', value: 'x' }, { op: 'Explode' }]);
    expect([...fired]).toEqual([RULES.patchOpCase.name]);
  });

  it('turns "True"/"False" into booleans only where the schema says boolean', () => {
    const { value, fired } = normalizePatchBody(
      USER_RESOURCE_TYPE,
      body(
        { op: 'replace', path: 'active', value: 'False' },
        { op: 'replace', path: 'title', value: 'True' },
        { op: 'add', path: 'emails', value: [{ value: 'a@x.test', primary: 'TRUE' }] },
      ),
    );
    expect(ops(value)).toEqual([
      { op: 'replace', path: 'active', value: false },
      { op: 'replace', path: 'title', value: 'True' },
      { op: 'add', path: 'emails', value: [{ value: 'a@x.test', primary: true }] },
    ]);
    expect([...fired]).toEqual([RULES.booleanStrings.name]);
  });

  it('splits a pathless value into operations for its dotted and URN-qualified keys, keeping the rest', () => {
    const { value, fired } = normalizePatchBody(
      USER_RESOURCE_TYPE,
      body({
        op: 'add',
        value: {
          'name.givenName': 'Ada',
          nickName: 'A',
          [`${ENTERPRISE}:manager`]: 'm1',
          [ENTERPRISE]: { division: 'D' },
        },
      }),
    );
    expect(ops(value)).toEqual([
      { op: 'add', value: { nickName: 'A', [ENTERPRISE]: { division: 'D' } } },
      { op: 'add', path: 'name.givenName', value: 'Ada' },
      { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'm1' } },
    ]);
    expect([...fired].sort()).toEqual([RULES.managerAsString.name, RULES.pathlessDottedKeys.name].sort());
  });

  it('turns a remove of members listing values into a remove of exactly those members', () => {
    const { value } = normalizePatchBody(
      GROUP_RESOURCE_TYPE,
      body({ op: 'remove', path: 'members', value: [{ value: 'a' }, { value: 'b"c' }] }),
    );
    expect(ops(value)).toEqual([{ op: 'remove', path: 'members[value eq "a" or value eq "b\\"c"]' }]);
  });

  it('leaves a strict request as it is, firing nothing', () => {
    const input = body({ op: 'replace', path: 'title', value: 'x' });
    const { value, fired } = normalizePatchBody(USER_RESOURCE_TYPE, input);
    expect(value).toEqual(input);
    expect(fired.size).toBe(0);
  });
});

describe('normalizeResourceBody', () => {
  it('reads boolean strings and a bare manager id in a POST or PUT body', () => {
    const { value, fired } = normalizeResourceBody(USER_RESOURCE_TYPE, {
      userName: 'u',
      active: 'false',
      [ENTERPRISE]: { manager: 'm1' },
    });
    expect(value).toEqual({ userName: 'u', active: false, [ENTERPRISE]: { manager: { value: 'm1' } } });
    expect([...fired].sort()).toEqual([RULES.booleanStrings.name, RULES.managerAsString.name].sort());
  });
});
