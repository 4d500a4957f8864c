import type { ConnectionError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { clientErrorResponse, requestTargetOf } from '../../../../src/http/plugins/client-errors.js';

/** An error as Node's HTTP parser raises it: a code, the chunk it was parsing, where it stopped. */
function parseError(code: string, packet?: string, bytesParsed?: number): ConnectionError {
  return Object.assign(new Error(code), {
    code,
    ...(packet === undefined ? {} : { rawPacket: Buffer.from(packet, 'latin1') }),
    ...(bytesParsed === undefined ? {} : { bytesParsed }),
  }) as unknown as ConnectionError;
}

function split(response: string) {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  return { head, body: JSON.parse(body) as Record<string, unknown> };
}

describe('the request-target of a request Node could not parse', () => {
  it('is read from the request line in the packet', () => {
    const packet = 'GET /scim/v2/acme/Users HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n';
    expect(requestTargetOf(Buffer.from(packet), 43)).toBe('/scim/v2/acme/Users');
  });

  it('is the last request line before the error when requests were pipelined', () => {
    const packet =
      'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /scim/v2/acme/Users HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n';
    expect(requestTargetOf(Buffer.from(packet), packet.indexOf('Bad Header'))).toBe('/scim/v2/acme/Users');
    // A request line after the error belongs to a later request that was never parsed.
    const later = 'GET /healthz HTTP/1.1\r\nBad Header\r\n\r\nGET /scim/v2/acme/Users HTTP/1.1\r\n\r\n';
    expect(requestTargetOf(Buffer.from(later), later.indexOf('Bad Header'))).toBe('/healthz');
  });

  it('is unknown when the packet holds no whole request line (a later chunk, a malformed line, a timeout)', () => {
    expect(requestTargetOf(Buffer.from(`X-Big: ${'a'.repeat(100)}`), 100)).toBeUndefined();
    expect(requestTargetOf(Buffer.from('GET /scim/v2/a b HTTP/1.1\r\n\r\n'), 15)).toBeUndefined();
    expect(requestTargetOf(Buffer.from('Bad Header\r\n'), 3)).toBeUndefined();
    expect(requestTargetOf(undefined, undefined)).toBeUndefined();
  });
});

describe('the answer to a request Node could not parse', () => {
  it('is a SCIM Error (RFC 7644 §3.12) when the target is under /scim/v2, closing the connection', () => {
    const packet = 'GET http://x/scim/v2/acme/Users HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n';
    const { head, body } = split(clientErrorResponse(parseError('HPE_INVALID_HEADER_TOKEN', packet, 50)));
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain('\r\nContent-Type: application/scim+json\r\n');
    expect(head).toContain('\r\nConnection: close');
    expect(body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400' });
  });

  it('is 431 for a header section over the limit (RFC 6585 §5) and 408 for headers that never came in time', () => {
    const overflow = split(
      clientErrorResponse(parseError('HPE_HEADER_OVERFLOW', 'GET /scim/v2/a HTTP/1.1\r\nX: y', 29)),
    );
    expect(overflow.head).toMatch(/^HTTP\/1\.1 431 /);
    expect(overflow.body).toMatchObject({ status: '431' });
    // A timeout carries no packet: the target is unknown, so the answer is the plain shape.
    const timeout = split(clientErrorResponse(parseError('ERR_HTTP_REQUEST_TIMEOUT')));
    expect(timeout.head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(timeout.head).toContain('\r\nContent-Type: application/json\r\n');
    expect(timeout.body).toEqual({ statusCode: 408, error: 'Request Timeout', message: expect.any(String) as string });
  });

  it('states its Content-Length in bytes, the detail not being ASCII', () => {
    const response = clientErrorResponse(parseError('HPE_HEADER_OVERFLOW'));
    const [head = '', body = ''] = response.split('\r\n\r\n');
    expect(body).toContain('§');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  });
});
