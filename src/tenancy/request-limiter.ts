/** Milliseconds since some fixed point; tests pass a clock they move by hand. */
export type Clock = () => number;

/** What one tenant may ask of this process at once (config LimitConfig; 0 turns a bound off). */
export interface TenantRequestLimits {
  /** Requests in flight at once. */
  readonly maxConcurrent: number;
  /** Requests started a second, on average, with a burst of one second's worth. */
  readonly perSecond: number;
}

export type Admission =
  | {
      readonly admitted: true;
      /** Gives the slot back; later calls do nothing, so every way a request can end may call it. */
      release(): void;
    }
  | {
      readonly admitted: false;
      readonly reason: 'concurrency' | 'rate';
      /** The bound that refused it: requests at once, or requests a second. */
      readonly limit: number;
      /** Whole seconds, at least 1, for Retry-After (RFC 9110 §10.2.3). */
      readonly retryAfterSeconds: number;
    };

interface TenantState {
  inFlight: number;
  /** Token bucket (rate limit): requests that may start now, refilled with time. */
  tokens: number;
  refilledAt: number;
}

/** How often idle tenants' state is dropped, so the map holds only tenants that are busy. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Per-tenant admission for SCIM requests, in this process (OWASP API4, issue 11): a concurrency
 * limit, so that one tenant cannot hold every database connection and leave the others queued
 * behind it, and an optional token-bucket rate. A refused request is answered 429 with
 * Retry-After (RFC 6585 §4), on which Okta and Entra ID back off and retry.
 *
 * The state lives in memory: each replica enforces the limits on its own, so a tenant may have
 * `maxConcurrent` requests in flight on every replica (docs/operations.md).
 */
export class TenantRequestLimiter {
  private readonly tenants = new Map<string, TenantState>();
  private sweptAt: number;

  constructor(
    private readonly limits: TenantRequestLimits,
    private readonly now: Clock = Date.now,
  ) {
    this.sweptAt = now();
  }

  /** Admits a request of `tenantId`, or says why not and when to retry. */
  admit(tenantId: string): Admission {
    const now = this.now();
    this.sweep(now);
    const { maxConcurrent, perSecond } = this.limits;
    let state = this.tenants.get(tenantId);
    if (state === undefined) {
      state = { inFlight: 0, tokens: perSecond, refilledAt: now };
      this.tenants.set(tenantId, state);
    }
    // Concurrency first: a request refused for it spends none of the rate.
    if (maxConcurrent > 0 && state.inFlight >= maxConcurrent) {
      // A slot frees when any request of the tenant ends, which cannot be foreseen: one second,
      // the least Retry-After can say, is about as long as a slow SCIM request takes.
      return { admitted: false, reason: 'concurrency', limit: maxConcurrent, retryAfterSeconds: 1 };
    }
    if (perSecond > 0) {
      state.tokens = Math.min(perSecond, state.tokens + ((now - state.refilledAt) * perSecond) / 1000);
      state.refilledAt = now;
      if (state.tokens < 1) {
        const waitMs = ((1 - state.tokens) * 1000) / perSecond;
        return {
          admitted: false,
          reason: 'rate',
          limit: perSecond,
          retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        };
      }
      state.tokens -= 1;
    }
    state.inFlight += 1;
    const held = state;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        held.inFlight -= 1;
      },
    };
  }

  /** Requests of the tenant in flight now (metrics, tests). */
  inFlight(tenantId: string): number {
    return this.tenants.get(tenantId)?.inFlight ?? 0;
  }

  /** How many tenants' state is kept: only busy ones, not every tenant ever seen. */
  tracked(): number {
    return this.tenants.size;
  }

  /**
   * Drops tenants with nothing in flight whose bucket has refilled (a full bucket is what a new
   * entry starts with, so nothing is forgiven): the map stays as small as the set of busy tenants.
   */
  private sweep(now: number): void {
    if (now - this.sweptAt < SWEEP_INTERVAL_MS) return;
    this.sweptAt = now;
    for (const [tenantId, state] of this.tenants) {
      // A bucket refills completely in one second (its size is one second's worth).
      if (state.inFlight === 0 && now - state.refilledAt >= 1000) this.tenants.delete(tenantId);
    }
  }
}
