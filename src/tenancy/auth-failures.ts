import type { AuthFailureRecord, AuthFailureStore } from '../storage/auth-failure-store.js';

/** At most one write a tenant this often: refused requests are free to send, and many may come. */
const WRITE_EVERY_MS = 5_000;
/** Tenants tracked between writes; past it, refusals of new tenants wait for the next window. */
const MAX_TRACKED = 10_000;

interface Pending {
  at: Date;
  reason: string;
  provider: string;
  refusals: number;
}

/**
 * The connection test of the setup portal: when a request to a tenant's SCIM base URL is refused
 * for its token, the tenant learns that its identity provider reached the service and why it was
 * turned away. Recorded off the request's path, a tenant at most once every few seconds per
 * replica, so a flood of bad requests costs the database next to nothing.
 */
export class AuthFailures {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly store: AuthFailureStore,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Notes a refusal; the write, if one is due, runs in the background. */
  refused(tenantId: string, reason: 'missing' | 'invalid', provider: string): void {
    const at = new Date(this.now());
    const known = this.pending.get(tenantId);
    if (known !== undefined) {
      Object.assign(known, { at, reason, provider, refusals: known.refusals + 1 });
      return;
    }
    if (this.pending.size >= MAX_TRACKED) return;
    const entry: Pending = { at, reason, provider, refusals: 1 };
    this.pending.set(tenantId, entry);
    void this.write(tenantId, entry);
  }

  find(tenantId: string): Promise<AuthFailureRecord | null> {
    return this.store.find(tenantId);
  }

  /** Writes what is noted now, then once more at the end of the window if more came meanwhile. */
  private async write(tenantId: string, entry: Pending): Promise<void> {
    const { at, reason, provider, refusals } = entry;
    entry.refusals = 0;
    try {
      await this.store.record(tenantId, at, reason, provider, refusals);
    } catch (error) {
      this.onError(error);
    }
    setTimeout(() => {
      if (entry.refusals > 0) void this.write(tenantId, entry);
      else this.pending.delete(tenantId);
    }, WRITE_EVERY_MS).unref();
  }

  /** Writes what waits (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.pending].map(async ([tenantId, entry]) => {
        if (entry.refusals === 0) return;
        const { at, reason, provider, refusals } = entry;
        entry.refusals = 0;
        await this.store.record(tenantId, at, reason, provider, refusals);
      }),
    );
  }
}
