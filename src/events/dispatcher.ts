import { randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { DispatcherMetrics } from '../observability/metrics.js';
import { sqlOf, type Database, type Sql } from '../storage/db.js';
import type { OutboxStore, StoredEvent } from '../storage/outbox.js';
import type { RequestLogStore } from '../storage/request-log-store.js';
import type { WebhookLease, WebhookStore } from '../storage/webhook-store.js';
import { deliver, webhookMessage, type DeliveryOutcome, type WebhookMessage } from './delivery.js';
import type { SigningSecrets } from './signing.js';
import { WebhookSecretError, type WebhookSecrets } from './webhook-secrets.js';
import { wakeableSleep } from './wakeable-sleep.js';

export interface DispatcherOptions {
  readonly webhooks: WebhookConfig;
  /** Decrypts each subscription's signing secrets for its deliveries. */
  readonly secrets: WebhookSecrets;
  readonly retentionDays: number;
  readonly logger: Logger;
  /** The SCIM request log is pruned here too, past its own retention. */
  readonly requestLog?: { readonly store: RequestLogStore; readonly retentionDays: number };
  /** Loops that claim due subscriptions and start their deliveries, side by side (default 8). */
  readonly concurrency?: number;
  /**
   * How long a loop stays with one subscription (default 250 ms). A delivery still under way then,
   * to a slow or hanging endpoint or through a long backlog, goes on by itself under its lease,
   * and the loop claims the next due subscription: however many endpoints hang, the others wait
   * for none of them.
   */
  readonly handOffMs?: number;
  /** Deliveries left to go on by themselves at most (default 1,000); beyond it a loop waits for its own. */
  readonly maxHandedOff?: number;
  /**
   * Deliveries an endpoint acknowledged that may await their cursor write while the next one is
   * sent (default 8): what a dispatcher that dies can send again, at most.
   */
  readonly maxUnrecorded?: number;
  /**
   * How often an idle dispatcher looks for due work (default 20 ms): events committed by
   * another process go out within this of their commit. One loop polls at this pace; the others
   * rest until there is work for them too.
   */
  readonly pollMs?: number;
  /** Events read from the outbox at a time (default 100, the largest batch). */
  readonly pageSize?: number;
  readonly metrics?: DispatcherMetrics;
  /** Replaces the HTTP delivery (tests of the dispatcher's own logic). */
  readonly send?: (url: string, secrets: SigningSecrets, message: WebhookMessage) => Promise<DeliveryOutcome>;
}

const HOUR_MS = 3_600_000;
const PRUNE_EVERY_MS = 60_000;
/** Loops a dispatcher runs unless told otherwise: cheap (async), and no hanging endpoint holds one long. */
export const DEFAULT_CONCURRENCY = 8;

/**
 * Exponential backoff with jitter: the first retry after about `baseMs`, each next one twice as
 * late, at most an hour; the delay is drawn from its upper half so that endpoints that failed
 * together do not all come back at the same instant.
 */
export function retryDelayMs(failures: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** Math.max(0, failures - 1), HOUR_MS);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * One leased subscription's cursor, written behind its deliveries rather than between them: at
 * most one write is in flight, and each records everything handled when it starts, so when the
 * database is slower than the endpoint one write covers several deliveries. A delivery may start
 * while fewer than `window` acknowledged ones await their write: after a crash, those and the
 * one in flight are all that can come again (docs/events.md, "Guarantees").
 */
class CursorWriter {
  private landed: number;
  private handledTo: number;
  /** The last sequence of each acknowledged delivery the database has not yet recorded. */
  private unrecorded: number[] = [];
  private flight: Promise<void> | undefined;
  private lost = false;
  private failure: { readonly error: unknown } | undefined;

  constructor(
    private readonly write: (sequence: number) => Promise<boolean>,
    start: number,
    private readonly window: number,
  ) {
    this.landed = start;
    this.handledTo = start;
  }

  /** Every event up to `sequence` is handled; `delivered`: an endpoint acknowledged the last of them. */
  handle(sequence: number, delivered: boolean): void {
    if (sequence <= this.handledTo) return;
    this.handledTo = sequence;
    if (delivered) this.unrecorded.push(sequence);
    this.flush();
  }

  get handled(): number {
    return this.handledTo;
  }

  /** Waits until another delivery may start; false once the lease is lost. */
  async ready(): Promise<boolean> {
    while (this.flight !== undefined && this.unrecorded.length >= this.window) await this.flight;
    return this.healthy();
  }

  /**
   * Waits for the write in flight, so that the caller's own last write (release, retry) comes
   * after it; that write records `handled` itself. False once the lease is lost.
   */
  async settle(): Promise<boolean> {
    while (this.flight !== undefined) await this.flight;
    return this.healthy();
  }

  private healthy(): boolean {
    if (this.failure !== undefined) throw this.failure.error;
    return !this.lost;
  }

  private flush(): void {
    if (this.flight !== undefined || this.lost || this.failure !== undefined || this.handledTo <= this.landed) return;
    const target = this.handledTo;
    this.flight = this.write(target).then(
      (kept) => {
        this.flight = undefined;
        if (!kept) {
          this.lost = true;
          return;
        }
        this.landed = target;
        this.unrecorded = this.unrecorded.filter((sequence) => sequence > target);
        this.flush();
      },
      (error: unknown) => {
        this.flight = undefined;
        this.failure = { error };
      },
    );
  }
}

/** Whether `work` is still under way after `ms`; the timer goes as soon as it ends. */
function outlasts(work: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(true);
    }, ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/**
 * Delivers each subscription's events in sequence order (docs/events.md, "Webhooks"): it leases
 * a due subscription, sends the events past its cursor, one a POST or in batches of the
 * subscription's batchSize, moves the cursor behind the successes, and on a failure schedules a
 * retry of that same delivery, so later events wait. Several dispatchers, in this process or in
 * `npm run worker`, share the work through the leases; within one, loops claim and each gives a
 * subscription at most `handOffMs` before leaving it to go on alone.
 */
export class Dispatcher {
  private readonly sql: Sql;
  private running = false;
  private loops: Promise<void>[] = [];
  private stopped = new AbortController();
  /** Loops asleep for lack of work, each with the function that wakes it. */
  private readonly idle: (() => void)[] = [];
  /** Deliveries a loop left to go on by themselves. */
  private readonly handedOff = new Set<Promise<void>>();
  private busy = 0;
  private lastPrune = 0;
  private readonly leaseMs: number;

  constructor(
    db: Database,
    private readonly store: WebhookStore,
    private readonly outbox: OutboxStore,
    private readonly options: DispatcherOptions,
  ) {
    this.sql = sqlOf(db);
    // Long enough for an attempt and the writes around it; a run stops before the lease ends.
    // A dispatcher that dies holds its subscriptions no longer than this.
    this.leaseMs = Math.max(3_000, options.webhooks.timeoutMs * 3);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = new AbortController();
    const loops = this.options.concurrency ?? DEFAULT_CONCURRENCY;
    this.loops = Array.from({ length: loops }, (_, index) => this.loop(index === 0));
  }

  /** Stops claiming; deliveries under way finish (or time out) first, those handed off too. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped.abort();
    await Promise.all(this.loops);
    this.loops = [];
    await Promise.all(this.handedOff);
  }

  /**
   * Events were just committed in this process: when every loop is idle, one looks at once
   * instead of at its next poll. A delivery under way reads new events of its subscription as it
   * goes, and a busy loop finds other subscriptions' within a poll, so no more than one extra
   * claim is ever made per wake.
   */
  wake(): void {
    // A delivery handed off reads its subscription's new events itself, and the scout finds other
    // subscriptions' within a poll: waking a loop then would only claim nothing, once per commit.
    if (this.busy === 0 && this.handedOff.size === 0) this.idle.shift()?.();
  }

  /** The scout polls; the others wait for it (or a wake) to find work they could share. */
  private async loop(scout: boolean): Promise<void> {
    const pollMs = this.options.pollMs ?? 20;
    while (this.running) {
      let worked = false;
      this.busy += 1;
      try {
        await this.pruneIfDue();
        worked = await this.attend();
      } catch (error) {
        this.options.logger.error({ err: error }, 'webhook dispatcher: unexpected error');
      } finally {
        this.busy -= 1;
      }
      // Work found: more subscriptions may be due, so an idle loop joins in.
      if (worked) this.idle.shift()?.();
      else await this.rest(scout ? pollMs : pollMs * 25);
    }
  }

  /** Sleeps `ms`, less if woken; stop() ends every sleep at once. */
  private async rest(ms: number): Promise<void> {
    await wakeableSleep(
      ms,
      (wake) => {
        this.idle.push(wake);
        return () => {
          const at = this.idle.indexOf(wake);
          if (at >= 0) this.idle.splice(at, 1);
        };
      },
      this.stopped.signal,
    );
  }

  /**
   * Claims one due subscription and delivers to it for up to `handOffMs`; a delivery still under
   * way then goes on by itself, under its lease, and this loop is free to claim another. False
   * when nothing was due.
   */
  private async attend(): Promise<boolean> {
    const lease = await this.store.claim(this.sql, randomUUID(), this.leaseMs);
    if (lease === undefined) return false;
    const run = this.deliverLeased(lease).catch((error: unknown) => {
      // The lease is left to expire: another attempt comes after it.
      this.options.logger.error(
        { err: error, tenant: lease.tenantId, webhook: lease.id },
        'webhook dispatcher: unexpected error',
      );
    });
    const slow = await outlasts(run, this.options.handOffMs ?? 250);
    if (slow && this.handedOff.size < (this.options.maxHandedOff ?? 1_000)) {
      this.handedOff.add(run);
      void run.finally(() => this.handedOff.delete(run));
    } else if (slow) {
      await run;
    }
    return true;
  }

  /**
   * Sends the leased subscription's events in order, each delivery up to batchSize consecutive
   * events it wants, reading on while more arrive, until none is left, a delivery fails, or the
   * lease nears its end. A retried delivery carries exactly the events it carried when it failed.
   */
  private async deliverLeased(lease: WebhookLease): Promise<void> {
    // Stop early enough that the last delivery ends before the lease does.
    const until = Date.now() + this.leaseMs - this.options.webhooks.timeoutMs - 1_000;
    const pageSize = Math.max(this.options.pageSize ?? 100, lease.batchSize);
    const cursor = new CursorWriter(
      (sequence) => this.store.advance(this.sql, lease, sequence),
      lease.deliveredSequence,
      this.options.maxUnrecorded ?? 8,
    );
    const wanted = (event: StoredEvent) => lease.eventTypes.length === 0 || lease.eventTypes.includes(event.type);
    /** Events read and wanted, not yet sent, in sequence order. */
    const pending: StoredEvent[] = [];
    let read = lease.deliveredSequence;
    let retryLast = lease.retryLastSequence;
    let delivered = false;
    for (;;) {
      // Read on until a whole delivery is at hand or nothing more is committed (then a shorter
      // one goes at once rather than wait for more); a retry reads no further than its end.
      let caughtUp = false;
      while (!caughtUp && pending.length < lease.batchSize && (retryLast === undefined || read < retryLast)) {
        const page = await this.outbox.after(this.sql, lease.tenantId, read, pageSize);
        for (const event of page) if (wanted(event)) pending.push(event);
        read = page.at(-1)?.sequence ?? read;
        caughtUp = page.length < pageSize || !this.running || Date.now() > until;
        if (pending.length === 0) cursor.handle(read, false);
      }
      if (retryLast !== undefined && read >= retryLast && !((pending[0]?.sequence ?? Infinity) <= retryLast)) {
        // The subscription no longer wants the retried events (its types changed): on as usual.
        retryLast = undefined;
        continue;
      }
      const batch = nextDelivery(pending, lease.batchSize, retryLast);
      if (batch === undefined) break;
      if (!(await cursor.ready())) return;
      // Events the subscription does not want, before this delivery, are handled.
      cursor.handle(batch[0].sequence - 1, false);
      const started = performance.now();
      const outcome = await this.send(lease, webhookMessage(batch, lease.batchSize));
      this.options.metrics?.delivery(outcome.ok ? 'delivered' : 'failed', (performance.now() - started) / 1000);
      if (!outcome.ok) {
        // The retry state is written fenced like the cursor, after the cursor's last write.
        if (!(await cursor.settle())) return;
        await this.failed(lease, cursor.handled, batch, outcome.error, delivered);
        return;
      }
      delivered = true;
      retryLast = undefined;
      pending.splice(0, batch.length);
      cursor.handle((pending[0]?.sequence ?? read + 1) - 1, true);
      if (!this.running || Date.now() > until) break;
    }
    if (!(await cursor.settle())) return;
    await this.store.release(this.sql, lease, cursor.handled);
  }

  private async send(lease: WebhookLease, message: WebhookMessage): Promise<DeliveryOutcome> {
    const now = Date.now();
    let secrets: SigningSecrets;
    try {
      secrets = this.options.secrets.signingSecrets(lease.tenantId, lease.id, lease.secrets, now);
    } catch (error) {
      // A failed attempt like any other: retried, shown in lastError (which names the missing
      // or wrong key), and after the retry window the subscription is disabled. Restoring the
      // key in time loses nothing.
      if (error instanceof WebhookSecretError) return { ok: false, error: error.message };
      throw error;
    }
    if (this.options.send !== undefined) return this.options.send(lease.url, secrets, message);
    return deliver(lease.url, secrets, message, {
      timeoutMs: this.options.webhooks.timeoutMs,
      allowPrivateTargets: this.options.webhooks.allowPrivateTargets,
      now: () => now,
    });
  }

  /**
   * A delivery failed: retry it later, or, once the endpoint has failed for the whole window,
   * record its events as failed and disable the subscription. A success earlier in this run
   * ended the previous failure: this one starts a new count.
   */
  private async failed(
    lease: WebhookLease,
    handled: number,
    batch: readonly [StoredEvent, ...StoredEvent[]],
    error: string,
    deliveredBefore: boolean,
  ): Promise<void> {
    const { retryWindowMs, retryBaseMs } = this.options.webhooks;
    const attempts = (deliveredBefore ? 0 : lease.attempts) + 1;
    const failingSince = (deliveredBefore ? undefined : lease.failingSince) ?? new Date();
    const first = batch[0].sequence;
    const last = batch.at(-1)?.sequence ?? first;
    const log = { tenant: lease.tenantId, webhook: lease.id, sequence: first, lastSequence: last, attempts };
    if (Date.now() - failingSince.getTime() >= retryWindowMs) {
      const marked = first === last ? `event ${first} was` : `events ${first} to ${last} were`;
      const reason = `Disabled: the endpoint failed every delivery for ${describeMs(retryWindowMs)}; ${marked} marked failed. Last error: ${error}`;
      await this.store.giveUp(this.sql, lease, { events: batch, attempts }, error, reason);
      this.options.metrics?.delivery('gave_up', 0);
      this.options.logger.warn({ ...log, error }, 'webhook endpoint disabled after failing for the whole retry window');
      return;
    }
    const nextAttemptAt = new Date(Date.now() + retryDelayMs(attempts, retryBaseMs));
    await this.store.retryLater(this.sql, lease, {
      handled,
      lastSequence: last,
      attempts,
      failingSince,
      error,
      nextAttemptAt,
    });
    this.options.metrics?.retryScheduled();
    this.options.logger.info(
      { ...log, error, retryAt: nextAttemptAt.toISOString() },
      'webhook delivery failed; will retry',
    );
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    const { requestLog } = this.options;
    if (requestLog !== undefined) await requestLog.store.prune(this.sql, requestLog.retentionDays);
    // No delivery signs with them any more (WebhookSecrets.signingSecrets); this only clears them out.
    await this.store.dropExpiredPreviousSecrets(this.sql);
    const pruned = await this.outbox.prune(this.sql, this.options.retentionDays);
    if (pruned > 0) {
      this.options.metrics?.pruned(pruned);
      this.options.logger.info({ pruned }, 'pruned outbox events past their retention');
    }
  }
}

/**
 * The events of the next delivery: the first `batchSize` pending ones, and while a failed
 * delivery is retried, none after its last event, so the retry carries what it carried before.
 */
function nextDelivery(
  pending: readonly StoredEvent[],
  batchSize: number,
  retryLast: number | undefined,
): [StoredEvent, ...StoredEvent[]] | undefined {
  const [first, ...rest] = pending
    .slice(0, batchSize)
    .filter((event) => retryLast === undefined || event.sequence <= retryLast);
  return first === undefined ? undefined : [first, ...rest];
}

function describeMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS} hour${ms === HOUR_MS ? '' : 's'}`;
  return `${Math.round(ms / 1000)} seconds`;
}
