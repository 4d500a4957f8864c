import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * How much of a refused body is read and thrown away so that the client can read the answer.
 * 32 MiB is 32 times the largest body any route accepts (1 MiB, the Bulk maxPayloadSize too):
 * room for a whole-membership PUT of a very large group, the realistic oversized SCIM body,
 * whose sender must learn it was too large rather than see a reset and retry. Past that the
 * sender is not a confused identity provider, and reading on spends bandwidth for nothing.
 */
export const DRAIN_LIMIT_BYTES = 32 * 1024 * 1024;
// A sender that stalls keeps a connection, not memory: nothing read is kept.
export const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Whether some of the request's body may still be on its way. A request without Content-Length
 * or Transfer-Encoding has no body (RFC 9112 §6.3); Node may mark it complete only after the
 * answer to a quick route has been decided, and there is nothing to wait for.
 */
function hasUnreadBody(raw: IncomingMessage): boolean {
  if (raw.complete || raw.readableEnded) return false;
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Reads and discards the rest of a request body, up to a bound. Resolves true once the body has
 * ended, false when the bound, the time limit or a closed connection stopped it first.
 */
export function discardBody(raw: IncomingMessage, limitBytes: number, timeoutMs: number): Promise<boolean> {
  if (!hasUnreadBody(raw)) return Promise.resolve(true);
  if (raw.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer | string) => {
      read += chunk.length;
      if (read > limitBytes) finish(false);
    };
    const onEnd = () => {
      finish(true);
    };
    const onClose = () => {
      finish(raw.complete);
    };
    const timer = setTimeout(() => {
      finish(false);
    }, timeoutMs);
    raw.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose);
    raw.resume();
  });
}

/**
 * An answer sent while the client is still sending its body (a 413 from the body limit, a 401
 * from the token check) is followed by closing the connection (Fastify asks for it after any body
 * error; so does a client's `Connection: close`). Node then closes the socket with the unread body
 * still arriving, and the client's TCP stack reports a reset, often before the response is read
 * (the "TCP reset problem" of RFC 9112 §9.6): an identity provider takes that for a network
 * failure and retries the same request. So an answer waits until the body has been read to its
 * end (bounded above), then goes.
 */
export function drainUnreadBodies(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!hasUnreadBody(request.raw)) {
      done(null, payload);
      return;
    }
    void beforeAnswering(request, reply).then(() => {
      done(null, payload);
    });
  });
}

/** Reads the rest of the request body (bounded) before an answer goes out; see drainUnreadBodies. */
export async function beforeAnswering(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const ended = await discardBody(request.raw, DRAIN_LIMIT_BYTES, DRAIN_TIMEOUT_MS);
  // A body left unread cannot be followed by another request on this connection.
  if (!ended) void reply.header('connection', 'close');
}
