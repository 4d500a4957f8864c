import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { discardBody } from '../../../../src/http/plugins/unread-body.js';

/** A chunked request body still arriving, as Node's parser feeds it. */
function arriving(): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.headers['transfer-encoding'] = 'chunked';
  return request;
}

describe('discarding the rest of a refused request body', () => {
  it('reads to the end and reports the body ended', async () => {
    const request = arriving();
    const drained = discardBody(request, 1024, 1_000);
    request.push(Buffer.alloc(600));
    request.push(Buffer.alloc(400));
    request.push(null);
    await expect(drained).resolves.toBe(true);
  });

  it('stops past the byte bound, so a body of any size cannot hold the connection', async () => {
    const request = arriving();
    const drained = discardBody(request, 1024, 1_000);
    request.push(Buffer.alloc(600));
    request.push(Buffer.alloc(600));
    await expect(drained).resolves.toBe(false);
  });

  it('stops when the sender stalls past the time bound', async () => {
    const request = arriving();
    const drained = discardBody(request, 1024, 20);
    request.push(Buffer.alloc(10));
    await expect(drained).resolves.toBe(false);
  });

  it('has nothing to wait for when the request announces no body (RFC 9112 §6.3)', async () => {
    for (const headers of [{}, { 'content-length': '0' }]) {
      const request = new IncomingMessage(new Socket());
      Object.assign(request.headers, headers);
      await expect(discardBody(request, 1024, 1_000)).resolves.toBe(true);
    }
  });

  it('has nothing to do for a body already received', async () => {
    const request = arriving();
    request.complete = true;
    await expect(discardBody(request, 1024, 1_000)).resolves.toBe(true);
  });
});
