import { describe, expect, it } from 'vitest';

import { bulkIdIn, referencedBulkIds, resolveReferences } from '../../../../src/scim/bulk/references.js';
import { BULK_REQUEST_SCHEMA, parseBulkRequest, type BulkOperation } from '../../../../src/scim/bulk/request.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ID = '92b725cd-9465-4e7d-8c16-01f8e146b87a';

const operation = (input: Record<string, unknown>): BulkOperation => {
  const [parsed] = parseBulkRequest({ schemas: [BULK_REQUEST_SCHEMA], Operations: [input] }).operations;
  if (parsed === undefined) throw new Error('no operation');
  return parsed;
};

const tourGuides = operation({
  method: 'POST',
  path: '/Groups',
  bulkId: 'ytrewq',
  data: { schemas: [GROUP], displayName: 'Tour Guides', members: [{ type: 'User', value: 'bulkId:qwerty' }] },
});

const bob = operation({
  method: 'POST',
  path: '/Users',
  bulkId: 'bob',
  data: {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    userName: 'Bob',
    [ENTERPRISE]: { employeeNumber: '11250', manager: { value: 'bulkId:qwerty' } },
  },
});

describe('bulkId references (RFC 7644 §3.7.2)', () => {
  it('reads "bulkId:<id>" and nothing else as a reference', () => {
    expect(bulkIdIn('bulkId:qwerty')).toBe('qwerty');
    expect(bulkIdIn('bulkId:')).toBeUndefined();
    expect(bulkIdIn('qwerty')).toBeUndefined();
    expect(bulkIdIn('bulkid:qwerty')).toBeUndefined();
    expect(bulkIdIn(' bulkId:qwerty')).toBeUndefined();
  });

  it('finds a reference in members[].value, as in the §3.7.2 example', () => {
    expect(referencedBulkIds(tourGuides)).toEqual(new Set(['qwerty']));
  });

  it('finds a reference inside an extension, such as the enterprise manager.value (§3.7.2)', () => {
    expect(referencedBulkIds(bob)).toEqual(new Set(['qwerty']));
  });

  it('finds references in the path and in PATCH values, and none in a plain operation', () => {
    const patch = operation({
      method: 'PATCH',
      path: '/Groups/bulkId:g1',
      data: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2' }] }],
      },
    });
    expect(referencedBulkIds(patch)).toEqual(new Set(['g1', 'u1', 'u2']));
    expect(referencedBulkIds(operation({ method: 'DELETE', path: '/Users/bulkId:u3' }))).toEqual(new Set(['u3']));
    expect(referencedBulkIds(operation({ method: 'DELETE', path: `/Users/${ID}` }))).toEqual(new Set());
  });

  it('substitutes resolved ids everywhere and leaves other strings and unresolved references alone', () => {
    const patch = operation({
      method: 'PATCH',
      path: '/Groups/bulkId:g1',
      version: 'W/"1"',
      data: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'add', path: 'members', value: [{ value: 'bulkId:u1' }, { value: 'bulkId:later' }, { value: 7 }] },
          { op: 'replace', path: 'displayName', value: 'see bulkId:u1' },
        ],
      },
    });
    const resolved = resolveReferences(
      patch,
      new Map([
        ['g1', 'group-id'],
        ['u1', 'user-id'],
      ]),
    );
    expect(resolved).toEqual({
      ...patch,
      id: 'group-id',
      data: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'add', path: 'members', value: [{ value: 'user-id' }, { value: 'bulkId:later' }, { value: 7 }] },
          { op: 'replace', path: 'displayName', value: 'see bulkId:u1' },
        ],
      },
    });
    // The operation as parsed is not changed.
    expect(referencedBulkIds(patch)).toEqual(new Set(['g1', 'u1', 'later']));
  });

  it('substitutes in extensions and keeps a member named "__proto__" an ordinary member', () => {
    const data = JSON.parse(
      `{"schemas":["${GROUP}"],"displayName":"P","__proto__":{"value":"bulkId:qwerty"}}`,
    ) as Record<string, unknown>;
    const resolved = resolveReferences(
      operation({ method: 'POST', path: '/Groups', bulkId: 'p', data }),
      new Map([['qwerty', ID]]),
    );
    if (resolved.method !== 'POST') throw new Error('method changed');
    expect(Object.getPrototypeOf(resolved.data)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(resolved.data, '__proto__')?.value).toEqual({ value: ID });
    const manager = resolveReferences(bob, new Map([['qwerty', ID]]));
    if (manager.method !== 'POST') throw new Error('method changed');
    expect(manager.data[ENTERPRISE]).toEqual({ employeeNumber: '11250', manager: { value: ID } });
  });

  it('walks deeply nested data without exhausting the stack', () => {
    let data: unknown = 'bulkId:deep';
    for (let i = 0; i < 100_000; i += 1) data = [data];
    const deep = operation({ method: 'POST', path: '/Users', bulkId: 'd', data: { nested: data } });
    expect(referencedBulkIds(deep)).toEqual(new Set(['deep']));
    const resolved = resolveReferences(deep, new Map([['deep', ID]]));
    expect(referencedBulkIds(resolved)).toEqual(new Set());
  });
});
