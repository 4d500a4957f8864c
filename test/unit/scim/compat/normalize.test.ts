import { describe, expect, it } from 'vitest';
import { normalizePatchBody, normalizeResourceBody } from '../../../../src/scim/compat/normalize.js';
import { RULES } from '../../../../src/scim/compat/rules.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../../../src/scim/schema/built-in-types.js';

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

  it('reads the pre-RFC schema URNs Google Workspace and OneLogin send as the RFC 7643 ones', () => {
    const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
    const google = normalizeResourceBody(USER_RESOURCE_TYPE, {
      schemas: ['urn:scim:schemas:core:1.0', USER],
      userName: 'u',
    });
    expect(google.value).toEqual({ schemas: [USER], userName: 'u' });
    expect([...google.fired]).toEqual([RULES.legacySchemaUrns.name]);

    const onelogin = normalizeResourceBody(USER_RESOURCE_TYPE, {
      schemas: ['urn:scim:schemas:core:2.0', 'urn:scim:schemas:extension:enterprise:2.0'],
      userName: 'u',
      'urn:scim:schemas:extension:enterprise:2.0': { department: 'R&D', manager: 'm1' },
    });
    expect(onelogin.value).toEqual({
      schemas: [USER, ENTERPRISE],
      userName: 'u',
      [ENTERPRISE]: { department: 'R&D', manager: { value: 'm1' } },
    });

    // A Group's core is the Group schema; a Group has no enterprise extension to rename to.
    const group = normalizeResourceBody(GROUP_RESOURCE_TYPE, {
      schemas: ['urn:scim:schemas:core:1.0'],
      displayName: 'g',
    });
    expect(group.value).toEqual({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'g' });
  });

  it('leaves out a schema the resource type does not have when nothing is sent under it, as Entra ID lists one', () => {
    const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
    const ADSCIM = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
    const entra = normalizeResourceBody(GROUP_RESOURCE_TYPE, { schemas: [GROUP, ADSCIM], displayName: 'g' });
    expect(entra.value).toEqual({ schemas: [GROUP], displayName: 'g' });
    expect([...entra.fired]).toEqual([RULES.unknownSchemaWithoutAttributes.name]);
    // With attributes under it, dropping it would lose them: the strict core refuses it instead.
    const carrying = { schemas: [GROUP, 'urn:example:custom'], displayName: 'g', 'urn:example:custom': { a: 1 } };
    const kept = normalizeResourceBody(GROUP_RESOURCE_TYPE, carrying);
    expect(kept.value).toEqual(carrying);
    expect(kept.fired.size).toBe(0);
  });

  it('reads a pre-RFC enterprise URN in a PATCH path and in a pathless value', () => {
    const { value, fired } = normalizePatchBody(
      USER_RESOURCE_TYPE,
      body(
        { op: 'replace', path: 'urn:scim:schemas:extension:enterprise:1.0:department', value: 'Ops' },
        { op: 'add', value: { 'urn:scim:schemas:extension:enterprise:2.0': { costCenter: 'c1' } } },
      ),
    );
    expect(ops(value)).toEqual([
      { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Ops' },
      { op: 'add', value: { [ENTERPRISE]: { costCenter: 'c1' } } },
    ]);
    expect([...fired]).toEqual([RULES.legacySchemaUrns.name]);
  });
});
