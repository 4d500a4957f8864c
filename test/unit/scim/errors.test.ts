import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../src/scim/errors.js';

describe('SCIM errors (RFC 7644 §3.12)', () => {
  it('renders status as a string, with scimType only when one applies', () => {
    expect(new ScimError(409, 'uniqueness', 'userName "ada" is taken').toBody()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
      detail: 'userName "ada" is taken',
    });
    expect(new ScimError(404, undefined, 'not found').toBody()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
      detail: 'not found',
    });
  });
});
