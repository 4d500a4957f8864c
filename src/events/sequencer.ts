import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observability/logger.js';
import { sqlOf, type Database, type Sql } from '../storage/db.js';
import type { OutboxStore } from '../storage/outbox.js';

export interface SequencerOptions {
  readonly logger: Logger;
  /**
   * How often every tenant's waiting events are looked for (default 100 ms): the ones a write
   * in this process settles go at once; this catches those another process committed and could
   * not number (it died, or lost its connection, between commit and numbering).
   */
  readonly sweepMs?: number;
  /** Transactions numbered per statement (default 500). */
  readonly batch?: number;
  /** Called with a tenant whose events this process just numbered. */
  readonly onSequenced?: (tenantId: string) => void;
}

interface TenantRun {
  /** The pass that will start after the one under way: settle() calls made since wait for it. */
  next: { promise: Promise<void>; resolve: () => void } | undefined;
  running: boolean;
}

/**
 * Numbers committed events per tenant (decision 0007), off the writers' path: a write settles
 * its tenant after its commit, and every call made while a pass is under way shares the next
 * pass, so under load one statement numbers many writes' events. Any number of processes may
 * run one; they take turns per tenant on the tenant row.
 */
export class EventSequencer {
  private readonly sql: Sql;
  private readonly runs = new Map<string, TenantRun>();
  private sweeping: Promise<void> | undefined;
  private stopped = new AbortController();

  constructor(
    db: Database,
    private readonly outbox: OutboxStore,
    private readonly options: SequencerOptions,
  ) {
    this.sql = sqlOf(db);
  }

  /** Starts the sweep; settle() works without it. */
  start(): void {
    if (this.sweeping !== undefined) return;
    this.stopped = new AbortController();
    this.sweeping = this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.sweeping;
    this.sweeping = undefined;
    await Promise.all([...this.runs.values()].flatMap((run) => (run.next === undefined ? [] : [run.next.promise])));
  }

  /**
   * Resolves once a pass that began after this call has numbered the tenant's committed events:
   * a write that settles after its commit finds its events in the outbox. Never rejects: events
   * a failed pass left behind are numbered by the next pass or the sweep.
   */
  settle(tenantId: string): Promise<void> {
    let run = this.runs.get(tenantId);
    if (run === undefined) {
      run = { next: undefined, running: false };
      this.runs.set(tenantId, run);
    }
    if (run.next === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      run.next = { promise, resolve };
    }
    const { promise } = run.next;
    if (!run.running) void this.drive(tenantId, run);
    return promise;
  }

  private async drive(tenantId: string, run: TenantRun): Promise<void> {
    run.running = true;
    while (run.next !== undefined) {
      const pass = run.next;
      run.next = undefined;
      try {
        await this.sequenceAll(tenantId);
      } catch (error) {
        this.options.logger.warn({ err: error, tenant: tenantId }, 'event sequencer: numbering failed; retried later');
      }
      pass.resolve();
    }
    run.running = false;
    this.runs.delete(tenantId);
  }

  private async sequenceAll(tenantId: string): Promise<void> {
    const batch = this.options.batch ?? 500;
    let numbered = 0;
    for (;;) {
      const moved = await this.outbox.sequence(this.sql, tenantId, batch);
      numbered += moved;
      // Fewer events than the batch were fewer transactions: none was left behind.
      if (moved < batch) break;
    }
    if (numbered > 0) this.options.onSequenced?.(tenantId);
  }

  private async sweep(): Promise<void> {
    const every = this.options.sweepMs ?? 100;
    while (!this.stopped.signal.aborted) {
      try {
        const tenants = await this.outbox.pendingTenants(this.sql);
        await Promise.all(tenants.map((tenantId) => this.settle(tenantId)));
      } catch (error) {
        this.options.logger.warn({ err: error }, 'event sequencer: sweep failed');
      }
      try {
        await sleep(every, undefined, { signal: this.stopped.signal });
      } catch {
        // Stopped.
      }
    }
  }
}
