import { connect } from 'node:net';
import { expect } from 'vitest';
import type { RawResponse } from '../blackbox/raw-http.js';

/**
 * Raw-socket helpers for the HTTP framing tests (test/http/http-framing.test.ts in-process,
 * test/blackbox/http-framing.test.ts against the built service). Nothing here imports src/.
 */

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12: a SCIM Error body, as application/scim+json. */
export function expectScimErrorResponse(response: RawResponse, status: number): Record<string, unknown> {
  expect(response.status, response.raw.slice(0, 300)).toBe(status);
  expect(response.headers['content-type']).toBe('application/scim+json');
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status) });
  expect(typeof body['detail']).toBe('string');
  return body;
}

/** The admin API's and operational routes' shape: {statusCode, error, message}. */
export function expectPlainErrorResponse(response: RawResponse, status: number): Record<string, unknown> {
  expect(response.status, response.raw.slice(0, 300)).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(body['statusCode']).toBe(status);
  return body;
}

/** A request with a `size`-byte body, in one Content-Length body or in 64 KiB chunks (Connection: close). */
export function oversizedRequest(
  method: string,
  target: string,
  size: number,
  options: { readonly chunked: boolean; readonly token: string },
): Buffer {
  const head = [
    `${method} ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    `Authorization: Bearer ${options.token}`,
    'Content-Type: application/scim+json',
    options.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`,
  ].join('\r\n');
  const body = Buffer.alloc(size, 'a');
  if (!options.chunked) return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body]);
  const parts: Buffer[] = [Buffer.from(`${head}\r\n\r\n`)];
  for (let at = 0; at < size; at += 65_536) {
    const chunk = body.subarray(at, at + 65_536);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

export interface StopExchange {
  /** The answer to the request in flight when the stop began. */
  readonly answer: string;
  /** The raw answer to the request pipelined behind it, which arrived during the stop. */
  readonly refused: string;
  readonly refusedBody: unknown;
}

/**
 * One keep-alive connection carrying a request whose body is still arriving when `stop` begins,
 * and a second request pipelined behind it: what a client on a busy connection sends during a
 * rolling restart. `first` must not ask for Connection: close.
 */
export async function pipelinedDuringStop(
  port: number,
  first: string,
  second: string,
  stop: () => Promise<unknown>,
): Promise<StopExchange> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => {
      resolve();
    });
  });
  const split = first.length - 10;
  await new Promise<void>((resolve) => {
    socket.write(first.slice(0, split), () => {
      resolve();
    });
  });
  await new Promise((r) => setTimeout(r, 200));
  const stopping = stop();
  await new Promise((r) => setTimeout(r, 200));
  socket.write(first.slice(split) + second);
  await closed;
  await stopping;
  const [answer = '', refused = ''] = received.split(/(?=HTTP\/1\.1 \d{3} )/);
  const refusedBody: unknown = refused.includes('\r\n\r\n')
    ? JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4))
    : undefined;
  return { answer, refused, refusedBody };
}
