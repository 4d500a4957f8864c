import { sqlOf, type Database, type Sql } from '../storage/db.js';
import type { OutboxStore, StoredEvent } from '../storage/outbox.js';
import { wakeableSleep } from './wakeable-sleep.js';

export interface ReadEvents {
  readonly events: StoredEvent[];
  /** The sequence to ask after next time: the last event's, or the one asked after. */
  readonly next: number;
}

/**
 * How often a waiting reader looks again without being told (notify()): new events show within
 * this long of their numbering even when no notification reaches this process.
 */
const POLL_MS = 250;

/**
 * The pull side of the outbox (issue 5, point 5): a tenant's events after a sequence, oldest
 * first, optionally waiting for the first new one. Sequences become visible in order, without
 * gaps (docs/events.md, "Order"), so following `next` never skips an event.
 */
export class EventsReader {
  private readonly sql: Sql;
  /** Waiting reads, by tenant, each with the function that ends its wait. */
  private readonly waiting = new Map<string, Set<() => void>>();

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
  /** One resource's events in sequence order (the console's timeline of a user). */
  async ofResource(tenantId: string, resourceId: string, limit: number): Promise<StoredEvent[]> {
    return this.outbox.ofResource(this.sql, tenantId, resourceId, limit);
  }

  async read(tenantId: string, after: number, limit: number, waitMs = 0, signal?: AbortSignal): Promise<ReadEvents> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const events = await this.outbox.after(this.sql, tenantId, after, limit);
      if (events.length > 0) return { events, next: events.at(-1)?.sequence ?? after };
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted === true) return { events, next: after };
      if (!(await this.wait(tenantId, Math.min(POLL_MS, left), signal))) return { events: [], next: after };
    }
  }

  /** The tenant's events were just numbered: its waiting reads look again now. */
  notify(tenantId: string): void {
    const waiters = this.waiting.get(tenantId);
    if (waiters === undefined) return;
    this.waiting.delete(tenantId);
    for (const wake of waiters) wake();
  }

  /** False when `signal` ended the wait. */
  private async wait(tenantId: string, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    await wakeableSleep(
      ms,
      (wake) => {
        let waiters = this.waiting.get(tenantId);
        if (waiters === undefined) {
          waiters = new Set();
          this.waiting.set(tenantId, waiters);
        }
        waiters.add(wake);
        return () => {
          const current = this.waiting.get(tenantId);
          current?.delete(wake);
          if (current?.size === 0) this.waiting.delete(tenantId);
        };
      },
      signal,
    );
    return signal?.aborted !== true;
  }
}
