import type { AuthFailureRecord, AuthFailureStore } from '../storage/auth-failure-store.js';
import { ExpiringCache } from './expiring-cache.js';

/** At most one write a tenant this often: refused requests are free to send, and many may come. */
const WRITE_EVERY_MS = 5_000;
/** Tenants tracked between writes; past it, refusals of new tenants wait for the next window. */
const MAX_TRACKED = 10_000;
/** Writes a second this replica may start for first refusals, whatever the tenants named. */
const FIRST_WRITES_PER_SECOND = 20;
/** A name that is no tenant is not looked up again for this long. */
const UNKNOWN_FOR_MS = 60_000;

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
  /** Names refused requests used that are no tenant: not written, not tracked, for a while. */
  private readonly unknown: ExpiringCache<string, true>;
  private budget = { second: 0, left: FIRST_WRITES_PER_SECOND };

  constructor(
    private readonly store: AuthFailureStore,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.unknown = new ExpiringCache(MAX_TRACKED, now);
  }

  /**
   * Notes a refusal; the write, if one is due, runs in the background. A flood of refusals costs
   * the database at most FIRST_WRITES_PER_SECOND first writes a second and one write a tenant every
   * WRITE_EVERY_MS: names that are no tenant are dropped after one lookup and not tried again for
   * a minute, so they cannot crowd real tenants out of the tracked set.
   */
  refused(tenantId: string, reason: 'missing' | 'invalid', provider: string): void {
    const at = new Date(this.now());
    const known = this.pending.get(tenantId);
    if (known !== undefined) {
      Object.assign(known, { at, reason, provider, refusals: known.refusals + 1 });
      return;
    }
    if (this.pending.size >= MAX_TRACKED || this.unknown.get(tenantId) !== undefined || !this.spend()) return;
    const entry: Pending = { at, reason, provider, refusals: 1 };
    this.pending.set(tenantId, entry);
    void this.write(tenantId, entry);
  }

  find(tenantId: string): Promise<AuthFailureRecord | null> {
    return this.store.find(tenantId);
  }

  /** Writes what is noted now, then once more at the end of the window if more came meanwhile. */
  /** Writes what the entry gathered and starts it counting again; whether its tenant exists. */
  private record(tenantId: string, entry: Pending): Promise<boolean> {
    const { at, reason, provider, refusals } = entry;
    entry.refusals = 0;
    return this.store.record(tenantId, at, reason, provider, refusals);
  }

  private async write(tenantId: string, entry: Pending): Promise<void> {
    try {
      if (!(await this.record(tenantId, entry))) {
        this.pending.delete(tenantId);
        this.unknown.set(tenantId, true, this.now() + UNKNOWN_FOR_MS);
        return;
      }
    } catch (error) {
      this.onError(error);
    }
    setTimeout(() => {
      if (entry.refusals > 0) void this.write(tenantId, entry);
      else this.pending.delete(tenantId);
    }, WRITE_EVERY_MS).unref();
  }

  /** One first write from this second's budget, if any is left. */
  private spend(): boolean {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.budget.second) this.budget = { second, left: FIRST_WRITES_PER_SECOND };
    if (this.budget.left === 0) return false;
    this.budget.left -= 1;
    return true;
  }

  /** Writes what waits (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.pending].map(async ([tenantId, entry]) => {
        if (entry.refusals > 0) await this.record(tenantId, entry);
      }),
    );
  }
}
