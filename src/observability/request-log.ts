import type { Logger } from './logger.js';
import { redactedPath, redactedRequestBody, scrubbedResponse, type TakenValues } from './redact-request.js';
import type { JsonValue } from '../scim/resource/json.js';
import type { Database } from '../storage/db.js';
import type { RequestLogEntry, RequestLogStore } from '../storage/request-log-store.js';

const FLUSH_MS = 500;
const MAX_BUFFER = 5_000;
// Rows per COPY: enough to amortise it, few enough that a failed one loses little.
const MAX_BATCH = 1_000;
const MAX_BODY_CHARS = 64 * 1024;

/**
 * A request body as the log keeps it: secrets replaced (redact-request.ts says which), cut to a
 * size a person reads. `taken` collects the values replaced, for scrubbedResponse.
 */
export function redactedBody(value: JsonValue | undefined, taken?: TakenValues): string | undefined {
  if (value === undefined || value === null) return undefined;
  return cut(JSON.stringify(redactedRequestBody(value, taken)));
}

/**
 * What the log keeps of one exchange: the URL, the request body and the response body, with no
 * password in any of them. What the redaction takes out of the request it takes out of the
 * response too, where an error's detail may quote it.
 */
export function redactedExchange(
  url: string,
  requestBody: JsonValue | undefined,
  responseBody: string,
): Pick<RequestLogEntry, 'path' | 'requestBody' | 'responseBody'> {
  const taken: TakenValues = new Set();
  const path = redactedPath(url, taken);
  const request = redactedBody(requestBody, taken);
  return { path, requestBody: request, responseBody: cut(scrubbedResponse(responseBody, taken)) };
}

/**
 * A response body as sent: SCIM responses carry no secret of their own (passwords are never
 * returned), so it is kept as the text it was, unparsed, which is what makes logging every read
 * affordable; only an error quoting its request's secret needs scrubbing (redactedExchange).
 */
export function cut(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  return text.length <= MAX_BODY_CHARS ? text : text.slice(0, MAX_BODY_CHARS);
}

/**
 * Collects SCIM requests and writes them in batches, off the request's path: a request never
 * waits for its log line, and a database hiccup costs log lines, never requests.
 */
export class RequestLog {
  private buffer: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  constructor(
    private readonly db: Database,
    private readonly store: RequestLogStore,
    private readonly logger: Logger,
  ) {}

  record(entry: RequestLogEntry): void {
    if (this.buffer.length >= MAX_BUFFER) return;
    this.buffer.push(entry);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is buffered; close() and tests call it. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const buffered = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      for (let start = 0; start < buffered.length; start += MAX_BATCH) {
        const batch = buffered.slice(start, start + MAX_BATCH);
        try {
          await this.store.insert(this.db, batch);
        } catch (error) {
          this.logger.warn({ err: error, lost: batch.length }, 'request log: a batch could not be written');
        }
      }
    });
    await this.flushing;
  }
}
