import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectPlainErrorResponse,
  expectScimErrorResponse,
  oversizedRequest,
  pipelinedDuringStop,
} from '../helpers/http-framing.js';
import { ERROR_SCHEMA, MODES, startBlackBox, USER_SCHEMA, type BlackBox, type Tenant } from './harness.js';
import { rawRequest, requestText } from './raw-http.js';

const FIVE_MB = 5 * 1024 * 1024;

/**
 * The service as a client meets it on the wire (test/http/http-framing.test.ts in-process):
 * malformed targets and headers, oversized bodies, empty DELETE bodies, and a stop (SIGTERM) with
 * requests still arriving. The stop is the last test: it ends the service.
 */
describe.each(MODES)('HTTP framing over raw TCP (%s database)', (mode) => {
  let box: BlackBox;
  let a: Tenant;
  beforeAll(async () => {
    box = await startBlackBox(mode);
    a = await box.tenant();
  });
  afterAll(async () => {
    await box.stop();
  });

  const send = (method: string, target: string, headers: Record<string, string> = {}, body?: string) =>
    rawRequest(box.port, requestText(method, target, headers, body));
  const auth = () => ({ authorization: `Bearer ${a.token}` });
  const createUser = async () => {
    const created = await box.scim(a, 'POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: `u-${String(Math.random()).slice(2)}@framing.test`,
    });
    expect(created.status, created.text).toBe(201);
    return (created.json as { id: string }).id;
  };

  it('answers targets the router cannot decode with a SCIM 400 under /scim/v2, plain JSON elsewhere', async () => {
    for (const path of ['/Users/%ff%fe', '/Users/%', '/Users/%zz', '/Users/%C0%AE%C0%AE']) {
      expectScimErrorResponse(await send('GET', `${a.path}${path}`, auth()), 400);
      expectScimErrorResponse(await send('GET', `http://x${a.path}${path}`, auth()), 400);
    }
    expectPlainErrorResponse(await send('GET', '/admin/v1/tenants/%ff%fe'), 400);
  });

  it('answers an 8 KB path segment with 404 in the shape of its API', async () => {
    const long = 'a'.repeat(8192);
    expectScimErrorResponse(await send('GET', `${a.path}/Users/${long}`, auth()), 404);
    expectScimErrorResponse(await send('GET', `/scim/v2/${long}/Users`, auth()), 404);
    expectPlainErrorResponse(
      await send('GET', `/admin/v1/tenants/${long}`, { authorization: `Bearer ${box.adminToken}` }),
      404,
    );
  });

  it('answers requests Node cannot parse in the shape of their API (400, 431)', async () => {
    const malformed = (target: string) => `GET ${target} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`;
    expectScimErrorResponse(await rawRequest(box.port, malformed(`${a.path}/Users`)), 400);
    expectPlainErrorResponse(await rawRequest(box.port, malformed('/admin/v1/tenants')), 400);
    const big = `GET ${a.path}/Users HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    expectScimErrorResponse(await rawRequest(box.port, big), 431);
  });

  it('lets a client that sends 5 MB read its SCIM 413: POST, PUT, Bulk, chunked', async () => {
    const id = await createUser();
    for (const [method, path, chunked] of [
      ['POST', '/Users', false],
      ['PUT', `/Users/${id}`, false],
      ['POST', '/Users', true],
      ['POST', '/Bulk', false],
      ['POST', '/Bulk', true],
    ] as const) {
      const label = `${method} ${path}${chunked ? ' chunked' : ''}`;
      const response = await rawRequest(
        box.port,
        oversizedRequest(method, `${a.path}${path}`, FIVE_MB, { chunked, token: a.token }),
        { timeoutMs: 30_000 },
      );
      expect(response.error, label).toBeUndefined();
      const body = expectScimErrorResponse(response, 413);
      if (path === '/Bulk') {
        expect(body['detail'], label).toBe('The size of the bulk operation exceeds the maxPayloadSize (1048576).');
      }
    }
  });

  it('deletes with a JSON Content-Type and an empty body, and still refuses an empty POST body', async () => {
    for (const type of ['application/scim+json', 'application/json']) {
      const id = await createUser();
      const response = await send('DELETE', `${a.path}/Users/${id}`, {
        ...auth(),
        'content-type': type,
        'content-length': '0',
      });
      expect(response.status, `${type}: ${response.body}`).toBe(204);
    }
    const empty = await send('POST', `${a.path}/Users`, { ...auth(), 'content-type': 'application/scim+json' }, '');
    expect(expectScimErrorResponse(empty, 400)['scimType']).toBe('invalidSyntax');
  });

  it('on SIGTERM, finishes the request in flight and answers one arriving after with a SCIM 503', async () => {
    const user = JSON.stringify({ schemas: [USER_SCHEMA], userName: 'in-flight@framing.test' });
    const headers = { authorization: `Bearer ${a.token}`, 'content-type': 'application/scim+json' };
    const { answer, refused, refusedBody } = await pipelinedDuringStop(
      box.port,
      requestText('POST', `${a.path}/Users`, headers, user).replace('Connection: close\r\n', ''),
      `GET ${a.path}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${a.token}\r\n\r\n`,
      async () => {
        box.service.child.kill('SIGTERM');
        return box.service.exited;
      },
    );
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    expect(refused).toMatch(/^HTTP\/1\.1 503 /);
    expect(refused).toMatch(/\r\nretry-after: \d+\r\n/i);
    expect(refused).toMatch(/\r\nconnection: close\r\n/i);
    expect(refusedBody).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
    expect(await box.service.exited).toBe(0);
  });
});
