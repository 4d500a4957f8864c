import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ScimError } from '../../../../src/scim/errors.js';
import { parsePatchPath } from '../../../../src/scim/filter/parse.js';
import { applyPatch } from '../../../../src/scim/patch/apply.js';
import type { PatchOperation } from '../../../../src/scim/patch/request.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../../src/scim/resource/json.js';
import { USER_RESOURCE_TYPE } from '../../../../src/scim/schema/built-in-types.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SCHEMA_URNS = [USER_SCHEMA, ENTERPRISE];

const operation = (op: PatchOperation['op'], path: string | undefined, value?: JsonValue): PatchOperation => ({
  op,
  ...(path === undefined ? {} : { path: parsePatchPath(path, { schemaUrns: SCHEMA_URNS }) }),
  ...(value === undefined ? {} : { value }),
});

const text = fc.string({ minLength: 1, maxLength: 12 });

const email = fc.record(
  { value: text, type: fc.constantFrom('work', 'home', 'other'), display: text },
  { requiredKeys: ['value'] },
);

/** A stored User: consistent "schemas", at most one primary email (RFC 7643 §2.4). */
const storedUser: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      userName: text,
      nickName: text,
      title: text,
      active: fc.boolean(),
      name: fc.record({ givenName: text, familyName: text }, { requiredKeys: ['familyName'] }),
      emails: fc.array(email, { minLength: 1, maxLength: 4 }),
      primaryFirst: fc.boolean(),
      enterprise: fc.record(
        { employeeNumber: text, manager: fc.record({ value: text }) },
        { requiredKeys: ['employeeNumber'] },
      ),
    },
    { requiredKeys: ['userName'] },
  )
  .map(({ primaryFirst, enterprise, emails, ...attributes }) => {
    const user: JsonObject = { schemas: [USER_SCHEMA], id: 'c0ffee', meta: { resourceType: 'User' }, ...attributes };
    if (emails !== undefined) {
      user.emails = emails.map((element, index) =>
        index === 0 && primaryFirst ? { ...element, primary: true } : element,
      );
    }
    if (enterprise !== undefined) {
      user.schemas = [USER_SCHEMA, ENTERPRISE];
      user[ENTERPRISE] = enterprise;
    }
    return user;
  });

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** Attributes a plain User lacks, with the path that names each, in any letter case (RFC 7643 §2.1). */
const absentPath = fc.mixedCase(
  fc.constantFrom(
    'nickName',
    'title',
    'displayName',
    'userType',
    'locale',
    'profileUrl',
    'externalId',
    'name.middleName',
    `${ENTERPRISE}:employeeNumber`,
    `${ENTERPRISE}:department`,
    `${ENTERPRISE}:manager.value`,
  ),
);

describe('PATCH invariants (RFC 7644 §3.5.2)', () => {
  it('add then remove of an absent single-valued attribute restores the document', () => {
    const plain: JsonObject = {
      schemas: [USER_SCHEMA],
      id: 'c0ffee',
      userName: 'bjensen',
      name: { familyName: 'Jensen' },
    };
    fc.assert(
      fc.property(absentPath, text, (path, value) => {
        const added = applyPatch(USER_RESOURCE_TYPE, plain, [operation('add', path, value)]);
        expect(added.changed).toHaveLength(1);
        const removed = applyPatch(USER_RESOURCE_TYPE, added.document, [operation('remove', path)]);
        expect(removed.document).toEqual(plain);
      }),
    );
  });

  it('replacing an attribute with its own current value changes nothing, readOnly ones included', () => {
    fc.assert(
      fc.property(storedUser, (user) => {
        const paths = Object.keys(user)
          .filter((key) => key !== 'schemas' && key !== ENTERPRISE)
          .map((key): [string, JsonValue | undefined] => [key, user[key]]);
        const extension = user[ENTERPRISE];
        if (isJsonObject(extension)) {
          for (const [key, value] of Object.entries(extension)) paths.push([`${ENTERPRISE}:${key}`, value]);
        }
        for (const [path, value] of paths) {
          const result = applyPatch(USER_RESOURCE_TYPE, user, [operation('replace', path, value)]);
          expect(result.document).toEqual(user);
          expect(result.changed).toEqual([]);
        }
        const { schemas: _schemas, ...attributes } = user;
        const whole = applyPatch(USER_RESOURCE_TYPE, user, [operation('replace', undefined, attributes)]);
        expect(whole.document).toEqual(user);
        expect(whole.changed).toEqual([]);
      }),
    );
  });

  const anyValue: fc.Arbitrary<JsonValue> = fc.oneof(
    text,
    fc.boolean(),
    fc.constant(null),
    email,
    fc.record({ value: text, primary: fc.boolean() }),
    fc.array(email, { maxLength: 2 }),
    fc.record({ employeeNumber: text }),
  );
  const anyOperation: fc.Arbitrary<PatchOperation> = fc
    .tuple(
      fc.constantFrom<PatchOperation['op']>('add', 'remove', 'replace'),
      fc.constantFrom(
        'nickName',
        'userName',
        'id',
        'name',
        'name.givenName',
        'emails',
        'emails[type eq "work"]',
        'emails[type eq "work"].value',
        'emails[type eq "home"].primary',
        'emails[value pr]',
        ENTERPRISE,
        `${ENTERPRISE}:manager`,
        `${ENTERPRISE}:manager.value`,
        `${ENTERPRISE}:employeeNumber`,
      ),
      anyValue,
    )
    .map(([op, path, value]) => operation(op, path, op === 'remove' ? undefined : value));

  it('never mutates its input, applies all operations or none, and keeps its bookkeeping', () => {
    fc.assert(
      fc.property(storedUser, fc.array(anyOperation, { minLength: 1, maxLength: 5 }), (user, operations) => {
        const before = structuredClone(user);
        let result: ReturnType<typeof applyPatch>;
        try {
          result = applyPatch(USER_RESOURCE_TYPE, deepFreeze(user), operations);
        } catch (error) {
          // A frozen input makes any write to it a TypeError, which would fail here.
          expect(error).toBeInstanceOf(ScimError);
          expect(user).toEqual(before);
          return;
        }
        expect(user).toEqual(before);
        const { document, changed } = result;
        // RFC 7644 §3.5.2: at most one value stays primary.
        const emails = Array.isArray(document.emails) ? document.emails : [];
        expect(emails.filter((e) => isJsonObject(e) && e.primary === true).length).toBeLessThanOrEqual(1);
        // "schemas" lists the extension exactly when the document holds some of its attributes.
        const extension = document[ENTERPRISE];
        const hasExtension = isJsonObject(extension) && Object.keys(extension).length > 0;
        expect(document.schemas).toEqual(hasExtension ? [USER_SCHEMA, ENTERPRISE] : [USER_SCHEMA]);
        // "changed" is empty exactly when no attribute changed.
        const { schemas: _a, ...after } = document;
        const { schemas: _b, ...original } = before;
        expect(changed.length === 0).toBe(JSON.stringify(sorted(after)) === JSON.stringify(sorted(original)));
      }),
    );
  });
});

/** JSON with object keys in order, so that equal documents print equal. */
function sorted(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sorted);
  if (isJsonObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sorted(value[key] ?? null)]),
    );
  }
  return value;
}
