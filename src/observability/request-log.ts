import type { Logger } from './logger.js';
import type { JsonValue } from '../scim/resource/json.js';
import type { Database } from '../storage/db.js';
import type { RequestLogEntry, RequestLogStore } from '../storage/request-log-store.js';

const FLUSH_MS = 500;
const MAX_BUFFER = 5_000;
// Rows per COPY: enough to amortise it, few enough that a failed one loses little.
const MAX_BATCH = 1_000;
const MAX_BODY_CHARS = 64 * 1024;
// Keys whose values never reach the log: SCIM passwords, bearer tokens, webhook secrets.
const SECRET_KEY = /password|secret|token/i;

/** A request body as the log keeps it: secrets replaced, cut to a size a person reads. */
export function redactedBody(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const redact = (v: JsonValue): JsonValue => {
    if (Array.isArray(v)) return v.map(redact);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, inner]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(inner)]),
      );
    }
    return v;
  };
  return cut(JSON.stringify(redact(value)));
}

/**
 * A response body as sent: SCIM responses carry no secret (passwords are never returned), so
 * it is kept as the text it was, unparsed, which is what makes logging every read affordable.
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
