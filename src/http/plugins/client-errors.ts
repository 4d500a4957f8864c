import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyBaseLogger } from 'fastify';
import { errorPayload, isScimTarget, type Rendered } from './errors.js';

// A whole request line: method SP request-target SP HTTP-version (RFC 9112 §3), read as latin1 so
// that any byte is one character. A header line cannot be mistaken for one by accident.
const REQUEST_LINE = /(?:^|\n)[!#$%&'*+.^_`|~0-9A-Za-z-]+ (\S+) HTTP\/\d\.\d\r?(?=\n|$)/g;

/**
 * The request-target of the request Node could not parse, read from the bytes Node hands over
 * with the error (`rawPacket`: the chunk it was parsing, `bytesParsed`: where it stopped). A chunk
 * may hold an earlier, pipelined request too, so the last request line before the error counts.
 * Undefined when the request line is itself malformed, came in an earlier chunk than the error
 * (a long header section arrives in several), or never came (a timeout).
 */
export function requestTargetOf(packet: unknown, bytesParsed: unknown): string | undefined {
  if (!Buffer.isBuffer(packet)) return undefined;
  const end =
    typeof bytesParsed === 'number' && bytesParsed > 0 ? Math.min(bytesParsed + 1, packet.length) : packet.length;
  let target: string | undefined;
  for (const match of packet.subarray(0, end).toString('latin1').matchAll(REQUEST_LINE)) target = match[1];
  return target;
}

/** The status and message Node's parse error means for the client (as Node's own default answers). */
function renderClientError(error: ConnectionError): Rendered {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        message: `The request's header section is larger than the service accepts (${maxHeaderSize} bytes; RFC 6585 §5).`,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'The chunk extensions of the request body are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'The request did not arrive in time.' };
    default: {
      const reason = (error as { reason?: unknown }).reason;
      return {
        status: 400,
        message: `The request is not valid HTTP/1.1${typeof reason === 'string' ? ` (${reason})` : ''}; RFC 9112.`,
      };
    }
  }
}

/** The whole response, as bytes for a socket no HTTP response object is attached to. */
export function clientErrorResponse(error: ConnectionError): string {
  const rendered = renderClientError(error);
  const target = requestTargetOf(error.rawPacket, error.bytesParsed);
  const { type, body } = errorPayload(target !== undefined && isScimTarget(target), rendered);
  const text = JSON.stringify(body);
  return [
    `HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? 'Error'}`,
    `Content-Type: ${type}`,
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Connection: close',
    '',
    text,
  ].join('\r\n');
}

/**
 * Fastify's `clientErrorHandler` (app.ts): Node refuses a request it cannot parse (malformed
 * header, header section over the limit, headers not received in time) before any request object
 * exists. Fastify's default answers with its own JSON; this answers a SCIM Error when the
 * request-target is under /scim/v2, and Fastify's JSON shape otherwise.
 */
export function clientErrorHandler(logger: FastifyBaseLogger) {
  return (error: ConnectionError, socket: Socket): void => {
    // A reset connection has nobody to answer (https://nodejs.org/api/http.html#event-clienterror).
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // The code only: the error carries the raw packet, whose headers may hold a bearer token.
    logger.debug({ code: error.code }, 'refused a request Node could not parse');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // Ended, then destroyed once written: the connection cannot carry another request.
    socket.end(clientErrorResponse(error), () => socket.destroy());
  };
}
