import { describe, expect, it } from 'vitest';

import { BULK_LIMITS, BULK_REQUEST_SCHEMA, parseBulkRequest } from '../../../../src/scim/bulk/request.js';
import { ScimError, type ScimType } from '../../../../src/scim/errors.js';

const ID = '2819c223-7f76-453a-919d-413861904646';
const USER = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice' };
const body = (operations: unknown[], extra: Record<string, unknown> = {}) => ({
  schemas: [BULK_REQUEST_SCHEMA],
  ...extra,
  Operations: operations,
});

function caught(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

function expectRejected(input: unknown, status: number, scimType: ScimType | undefined, detail: RegExp): void {
  const error = caught(() => parseBulkRequest(input));
  expect({ status: error.status, scimType: error.scimType }).toEqual({ status, scimType });
  expect(error.detail).toMatch(detail);
}

describe('BulkRequest body (RFC 7644 §3.7)', () => {
  it('parses POST, PUT, PATCH and DELETE with their paths, bulkIds, versions and data', () => {
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] };
    expect(
      parseBulkRequest(
        body(
          [
            { method: 'POST', path: '/Users', bulkId: 'qwerty', data: USER },
            { method: 'PUT', path: `/Users/${ID}`, version: 'W/"3"', data: USER },
            { method: 'PATCH', path: '/Groups/bulkId:ytrewq', data: patch },
            { method: 'DELETE', path: `/Groups/${ID}`, version: 'W/"1"' },
          ],
          { failOnErrors: 2 },
        ),
      ),
    ).toEqual({
      failOnErrors: 2,
      operations: [
        { index: 0, method: 'POST', endpoint: 'Users', path: '/Users', bulkId: 'qwerty', data: USER },
        { index: 1, method: 'PUT', endpoint: 'Users', path: `/Users/${ID}`, id: ID, version: 'W/"3"', data: USER },
        {
          index: 2,
          method: 'PATCH',
          endpoint: 'Groups',
          path: '/Groups/bulkId:ytrewq',
          id: 'bulkId:ytrewq',
          data: patch,
        },
        { index: 3, method: 'DELETE', endpoint: 'Groups', path: `/Groups/${ID}`, id: ID, version: 'W/"1"' },
      ],
    });
  });

  it('accepts methods and member names in any case (RFC 7643 §2.1)', () => {
    const parsed = parseBulkRequest({
      SCHEMAS: [BULK_REQUEST_SCHEMA.toUpperCase()],
      operations: [{ Method: 'delete', PATH: `/Users/${ID}`, BulkId: 'x' }],
    });
    expect(parsed.operations).toEqual([
      { index: 0, method: 'DELETE', endpoint: 'Users', path: `/Users/${ID}`, id: ID, bulkId: 'x' },
    ]);
  });

  it('requires the BulkRequest schema URN (§3.7)', () => {
    expectRejected({ Operations: [{ method: 'DELETE', path: `/Users/${ID}` }] }, 400, 'invalidSyntax', /schemas/);
    expectRejected(
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] },
      400,
      'invalidSyntax',
      /BulkRequest/,
    );
    expectRejected([], 400, 'invalidSyntax', /JSON object/);
  });

  it('requires one or more Operations (§3.7 "Operations" is REQUIRED)', () => {
    expectRejected(body([]), 400, 'invalidSyntax', /Operations/);
    expectRejected({ schemas: [BULK_REQUEST_SCHEMA] }, 400, 'invalidSyntax', /Operations/);
  });

  it('answers more than maxOperations with 413 naming the limit (§3.7.4)', () => {
    const operations = Array.from({ length: BULK_LIMITS.maxOperations + 1 }, () => ({
      method: 'DELETE',
      path: `/Users/${ID}`,
    }));
    expectRejected(body(operations), 413, undefined, /maxOperations \(1000\)/);
    expect(parseBulkRequest(body(operations.slice(1))).operations).toHaveLength(BULK_LIMITS.maxOperations);
    // The count is checked before the operations, so it is what the client hears about first.
    expectRejected(body(operations.map(() => ({ method: 'GET' }))), 413, undefined, /maxOperations/);
  });

  it('honours a smaller configured maxOperations', () => {
    const error = caught(() =>
      parseBulkRequest(
        body([
          { method: 'DELETE', path: `/Users/${ID}` },
          { method: 'DELETE', path: `/Users/${ID}` },
        ]),
        {
          maxOperations: 1,
          maxPayloadSize: 10,
        },
      ),
    );
    expect(error.status).toBe(413);
  });

  it('requires failOnErrors, when present, to be a positive integer', () => {
    const ok = [{ method: 'DELETE', path: `/Users/${ID}` }];
    for (const failOnErrors of [0, -1, 1.5, '1', null]) {
      expectRejected(body(ok, { failOnErrors }), 400, 'invalidSyntax', /failOnErrors/);
    }
  });

  it('requires a known method and a path to /Users or /Groups, of an endpoint for POST and a resource otherwise', () => {
    const cases: [unknown, RegExp][] = [
      [{ method: 'GET', path: `/Users/${ID}` }, /Operations\[0\]: "method"/],
      [{ path: `/Users/${ID}` }, /"method"/],
      [{ method: 'DELETE', path: `/Schemas/${ID}` }, /"path"/],
      [{ method: 'DELETE', path: `Users/${ID}` }, /"path"/],
      [{ method: 'DELETE', path: `/Users/${ID}/extra` }, /"path"/],
      [{ method: 'DELETE', path: `/Users/${ID}?attributes=id` }, /"path"/],
      [{ method: 'DELETE', path: '/Users' }, /names one resource/],
      [{ method: 'POST', path: `/Users/${ID}`, bulkId: 'a', data: USER }, /names an endpoint/],
      ['DELETE', /JSON object/],
    ];
    for (const [operation, detail] of cases) expectRejected(body([operation]), 400, 'invalidSyntax', detail);
  });

  it('requires a bulkId for POST and data for POST, PUT and PATCH (§3.7)', () => {
    expectRejected(body([{ method: 'POST', path: '/Users', data: USER }]), 400, 'invalidSyntax', /bulkId/);
    expectRejected(body([{ method: 'POST', path: '/Users', bulkId: '', data: USER }]), 400, 'invalidSyntax', /bulkId/);
    for (const method of ['POST', 'PUT', 'PATCH']) {
      const path = method === 'POST' ? '/Users' : `/Users/${ID}`;
      expectRejected(body([{ method, path, bulkId: 'a' }]), 400, 'invalidSyntax', /"data"/);
      expectRejected(body([{ method, path, bulkId: 'a', data: [USER] }]), 400, 'invalidSyntax', /"data"/);
    }
    expectRejected(
      body([{ method: 'PUT', path: `/Users/${ID}`, version: 3, data: USER }]),
      400,
      'invalidSyntax',
      /"version"/,
    );
  });

  it('refuses a bulkId used twice: references to it would be ambiguous (§3.7 "unique within a bulk request")', () => {
    expectRejected(
      body([
        { method: 'POST', path: '/Users', bulkId: 'dup', data: USER },
        { method: 'POST', path: '/Groups', bulkId: 'dup', data: { displayName: 'G' } },
      ]),
      400,
      'invalidSyntax',
      /Operations\[1\]: bulkId "dup"/,
    );
  });
});
