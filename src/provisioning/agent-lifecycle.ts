import type { JsonObject } from '../scim/resource/json.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import type { StoredResource } from '../storage/resource-rows.js';
import { inTransaction, sqlOf, type Database, type Transaction } from '../storage/db.js';
import type { ExpiryKey, LinkedResourceStore } from '../storage/linked-resource-store.js';
import type { EventToAppend, OutboxStore } from '../storage/outbox.js';
import type { ReferenceStore } from '../storage/reference-store.js';
import type { TenantContext } from './context.js';
import { deleted, updated } from './events.js';
import { linkedWrite } from './linked-write.js';
import type { References } from './references.js';

export interface AgentLifecycleOptions {
  /** The context the service acts in for a tenant, outside any request (the expiry sweep). */
  readonly contextOf: (tenantId: string) => Promise<TenantContext>;
  /** What "now" is for expiry: the tests move it. */
  readonly clock?: () => Date;
  /** How often the sweep runs (default 15 s). */
  readonly sweepIntervalMs?: number;
  readonly onError?: (error: unknown) => void;
}

const SWEEP_BATCH = 100;

/**
 * What happens to agents without a client asking (issue 15): they lose an owner, parent or
 * application that leaves SCIM, they are deactivated when their last owner is deprovisioned (the
 * tenant's ownerless-agent policy), and they expire. Each change commits with its events in the
 * transaction of what caused it; expiry in a transaction of its own, per agent.
 */
export class AgentLifecycle {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    private readonly agents: LinkedResourceStore,
    private readonly references: References,
    private readonly referenceStore: ReferenceStore,
    private readonly outbox: OutboxStore,
    private readonly options: AgentLifecycleOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * A resource left SCIM (deleted, or a user deleted under the "deactivate" policy): the
   * resources that referenced it lose the reference, and agents left with no provisioned owner
   * get the tenant's policy. Returns the events, for the caller's transaction to append.
   */
  async removed(tx: Transaction, ctx: TenantContext, id: string): Promise<EventToAppend[]> {
    const { events, lostOwner } = await this.references.targetRemoved(tx, ctx, id);
    return [...events, ...(await this.applyOwnerlessPolicy(tx, ctx, lostOwner, lostOwner))];
  }

  /**
   * Deletes a locked Agent or AgenticApplication, its own references and every reference to it,
   * and appends the events: its deletion, then what the others it touched became.
   */
  async deleteLinked(
    tx: Transaction,
    ctx: TenantContext,
    store: LinkedResourceStore,
    type: ResourceTypeDefinition,
    current: StoredResource,
  ): Promise<void> {
    await store.delete(tx, ctx.tenantId, current.id);
    await this.references.sourceRemoved(tx, ctx.tenantId, current.id);
    const others = await this.removed(tx, ctx, current.id);
    await this.outbox.append(tx, ctx.tenantId, [deleted(ctx, type, current), ...others]);
  }

  /**
   * Locks what references a resource about to leave SCIM or be deactivated, before the caller
   * locks the resource itself (References.lockHolders): every deletion and deactivation that may
   * touch agents starts here.
   */
  async lockHolders(tx: Transaction, ctx: TenantContext, id: string): Promise<void> {
    await this.references.lockHolders(tx, ctx, id);
  }

  /**
   * A user was deactivated: the agents it owned that have no other provisioned owner get the
   * policy. The caller locked them first (lockHolders).
   */
  async ownerDeprovisioned(tx: Transaction, ctx: TenantContext, ownerId: string): Promise<EventToAppend[]> {
    const owned = (await this.references.lockHolders(tx, ctx, ownerId, 'owners')).get('Agent') ?? [];
    return this.applyOwnerlessPolicy(
      tx,
      ctx,
      owned.map((a) => a.id),
      [],
    );
  }

  private async applyOwnerlessPolicy(
    tx: Transaction,
    ctx: TenantContext,
    agentIds: readonly string[],
    lostOwners: readonly string[],
  ): Promise<EventToAppend[]> {
    if (agentIds.length === 0 || ctx.ownerlessAgents === 'keep') return [];
    // Locked before their owners are judged, by a statement of its own: two owners deprovisioned
    // side by side then take turns, and the second sees the first's change (no write skew).
    const locked = await this.agents.lockMany(tx, ctx.tenantId, agentIds);
    const ownerless = new Set(
      await this.referenceStore.ownerless(
        tx,
        ctx.tenantId,
        locked.map((a) => a.id),
        lostOwners,
      ),
    );
    const events: EventToAppend[] = [];
    for (const agent of locked.filter((a) => ownerless.has(a.id))) {
      events.push(...(await this.deactivate(tx, ctx, agent.id, agent.document)));
    }
    return events;
  }

  private async deactivate(
    tx: Transaction,
    ctx: TenantContext,
    id: string,
    before: JsonObject,
  ): Promise<EventToAppend[]> {
    const type = ctx.registry.type('Agent');
    const document = { ...before, active: false };
    const written = await this.agents.update(tx, ctx.tenantId, id, linkedWrite(type, document));
    return updated(ctx, type, id, before, document, { stored: written });
  }

  /**
   * Expires the agents whose expiresAt has passed: deactivated under the tenant's delete policy
   * "deactivate", deleted under "delete" (with every reference to them), each with its event.
   * Returns how many it changed. Replicas may sweep together: each agent is locked and checked
   * again before it changes, so none is expired twice.
   */
  async sweep(now: Date = this.clock()): Promise<number> {
    let changed = 0;
    // Batch after batch, each after the last one read: an agent that does not expire this time
    // (it failed, or changed meanwhile) holds up none behind it.
    for (let after: ExpiryKey | undefined; ;) {
      const due = await this.agents.dueForExpiry(sqlOf(this.db), now, SWEEP_BATCH, after);
      for (const { tenantId, id } of due) {
        try {
          if (await this.expire(tenantId, id, now)) changed += 1;
        } catch (error) {
          this.options.onError?.(error);
        }
      }
      after = due.at(-1);
      if (due.length < SWEEP_BATCH) return changed;
    }
  }

  private async expire(tenantId: string, id: string, now: Date): Promise<boolean> {
    const ctx = await this.options.contextOf(tenantId);
    const type = ctx.registry.type('Agent');
    return inTransaction(this.db, async (tx) => {
      await this.lockHolders(tx, ctx, id);
      // Checked again under the lock: another replica, or a client moving expiresAt, came first.
      const current = await this.agents.lockIfExpired(tx, tenantId, id, now);
      if (current === undefined) return false;
      if (ctx.deletePolicy === 'delete') {
        await this.deleteLinked(tx, ctx, this.agents, type, current);
        return true;
      }
      if (current.document['active'] === false) return false;
      await this.outbox.append(tx, tenantId, await this.deactivate(tx, ctx, id, current.document));
      return true;
    });
  }

  /** Sweeps every interval until stop(); a failed sweep is reported and the next one runs. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.sweeping !== undefined) return;
      this.sweeping = this.sweep()
        .catch((error: unknown) => {
          this.options.onError?.(error);
          return 0;
        })
        .finally(() => {
          this.sweeping = undefined;
        });
    }, this.options.sweepIntervalMs ?? 15_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }
}
