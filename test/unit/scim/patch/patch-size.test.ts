import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../../src/scim/errors.js';
import { checkPatchSize, PATCH_OP_SCHEMA } from '../../../../src/scim/patch/request.js';

const body = (key: string, n: number) => ({
  schemas: [PATCH_OP_SCHEMA],
  [key]: Array.from({ length: n }, () => ({ op: 'remove', path: 'title' })),
});

describe('checkPatchSize', () => {
  it('accepts up to the bound and refuses past it with 400 invalidValue naming both counts', () => {
    expect(() => {
      checkPatchSize(body('Operations', 5), { maxOperations: 5 });
    }).not.toThrow();
    let thrown: unknown;
    try {
      checkPatchSize(body('Operations', 6), { maxOperations: 5 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScimError);
    expect(thrown).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringMatching(/has 6 operations; .* at most 5/) as unknown,
    });
  });

  it('counts "Operations" under any spelling (RFC 7643 §2.1: names are case-insensitive)', () => {
    expect(() => {
      checkPatchSize(body('operations', 6), { maxOperations: 5 });
    }).toThrow(ScimError);
    expect(() => {
      checkPatchSize(body('OPERATIONS', 6), { maxOperations: 5 });
    }).toThrow(ScimError);
  });

  it('leaves a malformed body to the parser, which names what is wrong with it', () => {
    for (const malformed of [null, 'x', [], { Operations: 'many' }]) {
      expect(() => {
        checkPatchSize(malformed, { maxOperations: 1 });
      }).not.toThrow();
    }
  });
});
