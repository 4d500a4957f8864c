import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

// Long enough for a replacement process or replica to be listening (a rolling restart), short
// enough that an identity provider's retry comes back soon (RFC 9110 §10.2.3).
const RETRY_AFTER_SECONDS = 5;

/**
 * Once app.close() has begun (SIGTERM, src/main.ts), requests still arriving on open connections
 * (pipelined, or on a busy keep-alive one) are refused with 503 through the app's error handler,
 * so a SCIM client reads a SCIM Error. Requests already past this hook finish as usual. This
 * replaces Fastify's return503OnClosing (off in app.ts), whose fixed body is not SCIM.
 */
export function refuseRequestsWhileClosing(app: FastifyInstance): void {
  let closing = false;
  // Connections that never carried a request: Node counts them neither idle (which Fastify closes
  // on close) nor busy, so one a client opened and left unused held the close up until Node's
  // headersTimeout, a minute.
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage) => unused.delete(request.socket));
  app.addHook('preClose', (done) => {
    closing = true;
    for (const socket of unused) socket.destroy();
    done();
  });
  app.addHook('onRequest', (_request, _reply, done) => {
    if (!closing) {
      done();
      return;
    }
    // Connection: close lets server.close() finish once this answer is written (RFC 9112 §9.6).
    done(
      new HttpError(503, 'The service is stopping: retry the request shortly.', {
        'Retry-After': String(RETRY_AFTER_SECONDS),
        Connection: 'close',
      }),
    );
  });
}
