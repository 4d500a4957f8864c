import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, requestText } from '../blackbox/raw-http.js';
import { adminClient, uniqueTenantId } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  expectPlainErrorResponse,
  expectScimErrorResponse,
  oversizedRequest,
  pipelinedDuringStop,
} from '../helpers/http-framing.js';
import { ERROR_SCHEMA, USER_SCHEMA } from '../helpers/scim.js';

/**
 * What a client meets on the wire when its request is malformed, oversized, or arrives while the
 * service stops. inject() normalises URLs and never opens a socket, so these tests write raw
 * HTTP/1.1 to a real listener and read what comes back, resets included.
 */
let t: TestApp;
let tenant: string;
let token: string;
let port: number;

/** A listening app with a tenant and a read-write token. */
async function listening(app: TestApp) {
  const admin = adminClient(app.app, app.adminToken);
  const id = uniqueTenantId('framing');
  await admin.createTenant(id);
  const issued = await admin.issueToken(id);
  await app.app.listen({ host: '127.0.0.1', port: 0 });
  return { tenant: id, token: issued.token, port: (app.app.server.address() as AddressInfo).port };
}

beforeAll(async () => {
  t = await createTestApp();
  ({ tenant, token, port } = await listening(t));
});
afterAll(() => t.close());

const send = (method: string, target: string, headers: Record<string, string> = {}, body?: string) =>
  rawRequest(port, requestText(method, target, headers, body));
const auth = () => ({ authorization: `Bearer ${token}` });
const scimJson = () => ({ ...auth(), 'content-type': 'application/scim+json' });

async function createUser(): Promise<string> {
  const body = JSON.stringify({ schemas: [USER_SCHEMA], userName: `u-${String(Math.random()).slice(2)}@framing.test` });
  const created = await send('POST', `/scim/v2/${tenant}/Users`, scimJson(), body);
  expect(created.status, created.body).toBe(201);
  return (JSON.parse(created.body) as { id: string }).id;
}

describe('a request-target the router cannot decode gets an error in the shape of its API', () => {
  it.each([
    ['invalid UTF-8', '/Users/%ff%fe'],
    ['a lone percent sign', '/Users/%'],
    ['a percent sign without hex digits', '/Users/%zz'],
    ['overlong UTF-8 (RFC 3629 §3)', '/Users/%C0%AE%C0%AE'],
  ])(
    '%s under /scim/v2 is a SCIM 400 (RFC 3986 §2.1, RFC 7644 §3.12), in origin-form and absolute-form',
    async (_label, path) => {
      const origin = await send('GET', `/scim/v2/${tenant}${path}`, auth());
      expectScimErrorResponse(origin, 400);
      expect(origin.headers['x-request-id']).toMatch(/.+/);
      expectScimErrorResponse(await send('GET', `http://x/scim/v2/${tenant}${path}`, auth()), 400);
    },
  );

  it('lets a client that sends a 5 MB body to a malformed target read its 400', async () => {
    const request = oversizedRequest('POST', `/scim/v2/${tenant}/Users/%ff`, 5 * 1024 * 1024, {
      chunked: false,
      token,
    });
    const response = await rawRequest(port, request, { timeoutMs: 20_000 });
    expect(response.error).toBeUndefined();
    expectScimErrorResponse(response, 400);
  });

  it('keeps the admin API’s JSON shape for a malformed target', async () => {
    expectPlainErrorResponse(await send('GET', '/admin/v1/tenants/%ff%fe'), 400);
  });

  it('answers an 8 KB path segment with 404: no resource or tenant has such an id (RFC 7644 §3.12)', async () => {
    const long = 'a'.repeat(8192);
    expectScimErrorResponse(await send('GET', `/scim/v2/${tenant}/Users/${long}`, auth()), 404);
    expectScimErrorResponse(await send('DELETE', `http://x/scim/v2/${tenant}/Users/${long}`, auth()), 404);
    // A tenant segment over the router's limit is refused before routing, without echoing it.
    const refused = expectScimErrorResponse(await send('GET', `/scim/v2/${long}/Users`, auth()), 404);
    expect(String(refused['detail']).length).toBeLessThan(300);
    expectPlainErrorResponse(
      await send('GET', `/admin/v1/tenants/${long}`, { authorization: `Bearer ${t.adminToken}` }),
      404,
    );
  });
});

describe('a request Node cannot parse gets an error in the shape of its API', () => {
  it('answers a malformed header line with 400: SCIM under /scim/v2, plain JSON elsewhere', async () => {
    const raw = (target: string) => `GET ${target} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`;
    expectScimErrorResponse(await rawRequest(port, raw(`/scim/v2/${tenant}/Users`)), 400);
    expectScimErrorResponse(await rawRequest(port, raw(`http://x/scim/v2/${tenant}/Users`)), 400);
    expectPlainErrorResponse(await rawRequest(port, raw('/admin/v1/tenants')), 400);
  });

  it('answers a header section over the limit under /scim/v2 with a SCIM 431 (RFC 6585 §5)', async () => {
    const raw = `GET /scim/v2/${tenant}/Users HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    const response = await rawRequest(port, raw);
    expectScimErrorResponse(response, 431);
    expect(response.headers['connection']).toBe('close');
  });
});

describe('a client that sends a whole oversized body reads the answer, never a reset (RFC 9112 §9.6)', () => {
  const FIVE_MB = 5 * 1024 * 1024;

  it.each([
    ['POST /Users', 'POST', '/Users', false],
    ['PUT /Users/{id}', 'PUT', '/Users/ID', false],
    ['POST /Users, chunked', 'POST', '/Users', true],
    ['PUT /Users/{id}, chunked', 'PUT', '/Users/ID', true],
  ])('%s with 5 MB: a SCIM 413 (RFC 9110 §15.5.14)', async (_label, method, path, chunked) => {
    const target = `/scim/v2/${tenant}${path.includes('ID') ? path.replace('ID', await createUser()) : path}`;
    const response = await rawRequest(port, oversizedRequest(method, target, FIVE_MB, { chunked, token }), {
      timeoutMs: 20_000,
    });
    expect(response.error).toBeUndefined();
    expectScimErrorResponse(response, 413);
  });

  it('POST /Bulk with 5 MB: a 413 naming maxPayloadSize (RFC 7644 §3.7.4)', async () => {
    for (const chunked of [false, true]) {
      const response = await rawRequest(
        port,
        oversizedRequest('POST', `/scim/v2/${tenant}/Bulk`, FIVE_MB, { chunked, token }),
        {
          timeoutMs: 20_000,
        },
      );
      expect(response.error).toBeUndefined();
      expect(expectScimErrorResponse(response, 413)['detail']).toBe(
        'The size of the bulk operation exceeds the maxPayloadSize (1048576).',
      );
    }
  });

  it('POST /Users with 5 MB and no valid token: a SCIM 401, refused before the body is read', async () => {
    const response = await rawRequest(
      port,
      oversizedRequest('POST', `/scim/v2/${tenant}/Users`, FIVE_MB, { chunked: false, token: 'not-a-token' }),
      { timeoutMs: 20_000 },
    );
    expect(response.error).toBeUndefined();
    expectScimErrorResponse(response, 401);
  });
});

describe('an empty body is no body where the method defines none (RFC 9110 §9.3.5)', () => {
  it('deletes with a JSON Content-Type and an empty body, and still refuses one on POST, PUT and PATCH', async () => {
    for (const [type, framing] of [
      ['application/scim+json', { 'content-length': '0' }],
      ['application/json', { 'content-length': '0' }],
      ['application/scim+json', { 'transfer-encoding': 'chunked' }],
    ] as const) {
      const id = await createUser();
      const chunked = 'transfer-encoding' in framing;
      const request = requestText('DELETE', `/scim/v2/${tenant}/Users/${id}`, {
        ...auth(),
        'content-type': type,
        ...framing,
      });
      const response = await rawRequest(port, `${request}${chunked ? '0\r\n\r\n' : ''}`);
      expect(response.status, `${type} ${JSON.stringify(framing)}: ${response.body}`).toBe(204);
    }
    // The same empty body, or one that is not JSON, where the method needs content: 400 invalidSyntax.
    const id = await createUser();
    for (const [method, path] of [
      ['POST', '/Users'],
      ['PUT', `/Users/${id}`],
      ['PATCH', `/Users/${id}`],
    ] as const) {
      for (const body of ['', '{"schemas":']) {
        const response = await send(method, `/scim/v2/${tenant}${path}`, scimJson(), body);
        expect(expectScimErrorResponse(response, 400)['scimType'], `${method} ${JSON.stringify(body)}`).toBe(
          'invalidSyntax',
        );
      }
    }
  });
});

describe('stopping: requests in flight finish, later ones get a 503 to retry (RFC 9110 §15.6.4)', () => {
  it('answers a SCIM request arriving during close with a SCIM 503, Retry-After and Connection: close', async () => {
    const stopping = await createTestApp({ database: t.database });
    try {
      const { tenant: id, token: bearer, port: stoppingPort } = await listening(stopping);
      const user = JSON.stringify({ schemas: [USER_SCHEMA], userName: 'in-flight@framing.test' });
      const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/scim+json' };
      const { answer, refused, refusedBody } = await pipelinedDuringStop(
        stoppingPort,
        requestText('POST', `/scim/v2/${id}/Users`, headers, user).replace('Connection: close\r\n', ''),
        `GET /scim/v2/${id}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bearer}\r\n\r\n`,
        () => stopping.app.close(),
      );
      expect(answer).toMatch(/^HTTP\/1\.1 201 /);
      expect(refused).toMatch(/^HTTP\/1\.1 503 /);
      expect(refused).toMatch(/\r\nretry-after: \d+\r\n/i);
      expect(refused).toMatch(/\r\nconnection: close\r\n/i);
      expect(refused).toMatch(/\r\ncontent-type: application\/scim\+json\r\n/i);
      expect(refusedBody).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
    } finally {
      await stopping.close();
    }
  });

  it('answers an admin request arriving during close with a plain JSON 503 and Retry-After', async () => {
    const stopping = await createTestApp({ database: t.database });
    try {
      const { port: stoppingPort } = await listening(stopping);
      const admin = { authorization: `Bearer ${stopping.adminToken}`, 'content-type': 'application/json' };
      const { answer, refused, refusedBody } = await pipelinedDuringStop(
        stoppingPort,
        requestText(
          'POST',
          '/admin/v1/tenants',
          admin,
          JSON.stringify({ id: uniqueTenantId('late'), name: 'Late' }),
        ).replace('Connection: close\r\n', ''),
        `GET /admin/v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${stopping.adminToken}\r\n\r\n`,
        () => stopping.app.close(),
      );
      expect(answer).toMatch(/^HTTP\/1\.1 201 /);
      expect(refused).toMatch(/^HTTP\/1\.1 503 /);
      expect(refused).toMatch(/\r\nretry-after: \d+\r\n/i);
      expect(refusedBody).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      expect(Object.keys(refusedBody as object).sort()).toEqual(['error', 'message', 'statusCode']);
    } finally {
      await stopping.close();
    }
  });
});
