import { describe, expect, it } from 'vitest';

import { ScimError, type ScimType } from '../../../../src/scim/errors.js';
import { parsePatchRequest, PATCH_OP_SCHEMA } from '../../../../src/scim/patch/request.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function expectScimError(run: () => unknown, scimType: ScimType, detail?: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ScimError);
  if (!(caught instanceof ScimError)) return;
  expect(caught.status).toBe(400);
  expect(caught.scimType).toBe(scimType);
  if (detail !== undefined) expect(caught.detail).toMatch(detail);
}

const body = (...operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations: operations });

describe('PATCH request body (RFC 7644 §3.5.2)', () => {
  it('parses add, remove and replace with their paths and values', () => {
    expect(
      parsePatchRequest(
        body(
          { op: 'add', path: 'members', value: [{ value: '2819c223' }] },
          { op: 'remove', path: 'emails[type eq "work"].value' },
          { op: 'replace', value: { nickName: 'Babs' } },
        ),
      ),
    ).toEqual([
      { op: 'add', path: { path: { attribute: 'members' } }, value: [{ value: '2819c223' }] },
      {
        op: 'remove',
        path: {
          path: { attribute: 'emails' },
          filter: { kind: 'compare', path: { attribute: 'type' }, operator: 'eq', value: 'work' },
          subAttribute: 'value',
        },
      },
      { op: 'replace', value: { nickName: 'Babs' } },
    ]);
  });

  it('reads a bare extension URN as the whole extension when given the schema URNs', () => {
    const [operation] = parsePatchRequest(body({ op: 'remove', path: ENTERPRISE }), { schemaUrns: [ENTERPRISE] });
    expect(operation?.path).toEqual({ path: { schema: ENTERPRISE, attribute: '' } });
  });

  it('keeps null as a value: it unassigns (RFC 7643 §2.5)', () => {
    expect(parsePatchRequest(body({ op: 'replace', path: 'title', value: null }))).toEqual([
      { op: 'replace', path: { path: { attribute: 'title' } }, value: null },
    ]);
  });

  it('keeps a "value" sent with remove for provider rules, though the RFC gives it no meaning', () => {
    const [operation] = parsePatchRequest(body({ op: 'remove', path: 'members', value: [{ value: 'x' }] }));
    expect(operation?.value).toEqual([{ value: 'x' }]);
  });

  it('reads member names case-insensitively (RFC 7643 §2.1)', () => {
    expect(
      parsePatchRequest({
        Schemas: [PATCH_OP_SCHEMA.toUpperCase()],
        operations: [{ OP: 'add', Path: 'title', VALUE: 'x' }],
      }),
    ).toEqual([{ op: 'add', path: { path: { attribute: 'title' } }, value: 'x' }]);
  });

  it.each<[string, unknown]>([
    ['a body that is no object', []],
    ['missing schemas', { Operations: [{ op: 'remove', path: 'title' }] }],
    ['a wrong schema', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] }],
    ['an extra schema', { schemas: [PATCH_OP_SCHEMA, ENTERPRISE], Operations: [{ op: 'remove', path: 'title' }] }],
    ['missing Operations', { schemas: [PATCH_OP_SCHEMA] }],
    ['empty Operations', body()],
    ['Operations that are no array', { schemas: [PATCH_OP_SCHEMA], Operations: { op: 'add' } }],
    ['an operation that is no object', body('add')],
    ['a missing op', body({ path: 'title', value: 'x' })],
    ['an unknown op', body({ op: 'move', path: 'title', value: 'x' })],
    ['an op not in lower case', body({ op: 'Add', path: 'title', value: 'x' })],
    ['a name given twice in different case', body({ op: 'add', OP: 'remove', path: 'title', value: 'x' })],
  ])('rejects %s with invalidSyntax (§3.12)', (_case, input) => {
    expectScimError(() => parsePatchRequest(input), 'invalidSyntax');
  });

  it('rejects a remove without path with noTarget (§3.5.2.2)', () => {
    expectScimError(() => parsePatchRequest(body({ op: 'remove' })), 'noTarget', /^Operations\[0\]: /);
  });

  it('rejects add and replace without value with invalidValue (§3.5.2.1, §3.5.2.3)', () => {
    expectScimError(() => parsePatchRequest(body({ op: 'add', path: 'title' })), 'invalidValue');
    expectScimError(
      () => parsePatchRequest(body({ op: 'remove', path: 'title' }, { op: 'replace', path: 'title' })),
      'invalidValue',
      /^Operations\[1\]: /,
    );
  });

  it('rejects a malformed or non-string path with invalidPath, naming the operation', () => {
    expectScimError(
      () => parsePatchRequest(body({ op: 'remove', path: 'emails[type eq "work"' })),
      'invalidPath',
      /^Operations\[0\]: /,
    );
    expectScimError(() => parsePatchRequest(body({ op: 'remove', path: 42 })), 'invalidPath');
    expectScimError(() => parsePatchRequest(body({ op: 'remove', path: '' })), 'invalidPath');
  });
});
