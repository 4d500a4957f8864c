import { setTimeout as sleep } from 'node:timers/promises';
import { sqlOf, type Database, type Sql } from '../storage/db.js';
import type { OutboxStore, StoredEvent } from '../storage/outbox.js';

export interface ReadEvents {
  readonly events: StoredEvent[];
  /** The sequence to ask after next time: the last event's, or the one asked after. */
  readonly next: number;
}

/** How often a waiting reader looks again: new events show within this long of their commit. */
const POLL_MS = 100;

/**
 * The pull side of the outbox (issue 5, point 5): a tenant's events after a sequence, oldest
 * first, optionally waiting for the first new one. Sequences are handed out in commit order
 * (docs/events.md, "Order"), so following `next` never skips an event.
 */
export class EventsReader {
  private readonly sql: Sql;

  constructor(
    db: Database,
    private readonly outbox: OutboxStore,
  ) {
    this.sql = sqlOf(db);
  }

  /**
   * Waits up to `waitMs` while there is nothing after `after`; `signal` ends the wait early
   * (the client went away, or the service is stopping) with whatever there is: nothing.
   */
  async read(tenantId: string, after: number, limit: number, waitMs = 0, signal?: AbortSignal): Promise<ReadEvents> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const events = await this.outbox.after(this.sql, tenantId, after, limit);
      if (events.length > 0) return { events, next: events.at(-1)?.sequence ?? after };
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted === true) return { events, next: after };
      try {
        await sleep(Math.min(POLL_MS, left), undefined, { signal });
      } catch {
        return { events: [], next: after };
      }
    }
  }
}
