import { connect } from 'node:net';

/** A response read off the socket as bytes arrived, before any client library interpreted it. */
export interface RawResponse {
  readonly status: number;
  /** Header names in lower case; a repeated header's values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Everything the server sent. */
  readonly raw: string;
  /** The socket error seen while sending or reading (EPIPE, ECONNRESET), if any. */
  readonly error?: string;
}

export interface RawRequestOptions {
  readonly timeoutMs?: number;
}

/**
 * Sends `request` exactly as given (request line, headers, body) over a new TCP connection and
 * reads until the server closes it. inject() rewrites request-targets and never opens a socket,
 * so only this can show what a hostile or unusual client meets. Send `Connection: close`.
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    // Written, not ended: a half-closed socket may lose its response, and `Connection: close`
    // makes the server close once it has answered.
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(request);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `no complete response within ${options.timeoutMs ?? 10_000} ms: ${Buffer.concat(chunks).toString('latin1')}`,
        ),
      );
    }, options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks).toString('utf8'), error));
    });
  });
}

/** The request text for a method and target with the given headers and body (Connection: close). */
export function requestText(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

function parseResponse(raw: string, error: string | undefined): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  let body = end < 0 ? '' : raw.slice(end + 4);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  return { status, headers, body, raw, ...(error === undefined ? {} : { error }) };
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd < 0) return out;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
