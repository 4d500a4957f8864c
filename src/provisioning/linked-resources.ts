import { randomUUID } from 'node:crypto';
import { normalizePatchBody, normalizeResourceBody } from '../scim/compat/normalize.js';
import { ScimError } from '../scim/errors.js';
import type { ListQuery } from '../scim/list-query.js';
import { applyPatch } from '../scim/patch/apply.js';
import { checkPatchSize, DEFAULT_PATCH_LIMITS, parsePatchRequest, type PatchLimits } from '../scim/patch/request.js';
import type { Projection } from '../scim/projection.js';
import type { JsonObject } from '../scim/resource/json.js';
import { representation } from '../scim/resource/representation.js';
import { validateResource } from '../scim/resource/validate.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { inTransaction, sqlOf, type Database, type Sql } from '../storage/db.js';
import { translateError, UniqueViolation } from '../storage/errors.js';
import type { FilterOptions } from '../storage/filter-sql.js';
import type { LinkedResourceStore } from '../storage/linked-resource-store.js';
import type { OutboxStore } from '../storage/outbox.js';
import { planPage } from '../storage/page-plan.js';
import type { StoredResource } from '../storage/resource-rows.js';
import type { AgentLifecycle } from './agent-lifecycle.js';
import { noteRules, requireAuthenticated, type TenantContext } from './context.js';
import { created, updated } from './events.js';
import { checkIfMatch } from './preconditions.js';
import { linkedWrite } from './linked-write.js';
import type { References } from './references.js';
import type { ListResult, ResourceResult } from './resources.js';
import type { UndeclaredExtensions } from './undeclared-extensions.js';

/**
 * The use cases of a resource type whose references to other resources are kept
 * (references.ts): Agents and AgenticApplications (draft-abbey-scim-agent-extension-00 §5), over
 * RFC 7644 §3.3–§3.6 as Users and Groups. Every write is one transaction with its events.
 */
export class LinkedResources {
  private readonly sql: Sql;

  constructor(
    private readonly typeId: string,
    private readonly db: Database,
    private readonly store: LinkedResourceStore,
    private readonly references: References,
    private readonly lifecycle: AgentLifecycle,
    private readonly outbox: OutboxStore,
    private readonly undeclared: UndeclaredExtensions,
    private readonly patchLimits: PatchLimits = DEFAULT_PATCH_LIMITS,
  ) {
    this.sql = sqlOf(db);
  }

  /** The tenant's type: the built-in one with the tenant's extensions. */
  private type(ctx: TenantContext): ResourceTypeDefinition {
    return ctx.registry.type(this.typeId);
  }

  private notFound(id: string): ScimError {
    return new ScimError(404, undefined, `${this.typeId} ${id} not found.`);
  }

  async create(ctx: TenantContext, body: unknown, _projection: Projection = {}): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    const sent = this.undeclared.inResource(ctx, this.type(ctx), body);
    const type = this.undeclared.typeFor(this.type(ctx), sent);
    const { document } = validateResource(type, this.lenient(ctx, type, body));
    await this.undeclared.record(ctx, type, sent);
    const id = randomUUID();
    const stored = await inTransaction(this.db, async (tx) => {
      const checked = await this.references.check(tx, ctx, type, id, document);
      const write = linkedWrite(type, checked.document);
      const row = await this.uniquely(write.name, () => this.store.insert(tx, ctx.tenantId, id, write));
      await this.references.sync(tx, ctx, this.typeId, id, checked.references);
      await this.outbox.append(tx, ctx.tenantId, [created(ctx, type, id, write.document, row)], ctx.declaredVersion);
      return row;
    });
    return this.result(ctx, stored, this.sql);
  }

  async get(ctx: TenantContext, id: string, _projection: Projection): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    const stored = await this.store.find(this.sql, ctx.tenantId, id);
    if (stored === undefined) throw this.notFound(id);
    return this.result(ctx, stored, this.sql);
  }

  /** PUT (RFC 7644 §3.5.1): the body replaces every writable attribute, references included. */
  async replace(
    ctx: TenantContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    _projection: Projection = {},
  ): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    const sent = this.undeclared.inResource(ctx, this.type(ctx), body);
    const type = this.undeclared.typeFor(this.type(ctx), sent);
    const lenient = this.lenient(ctx, type, body);
    await this.undeclared.record(ctx, type, sent);
    return this.modify(ctx, id, ifMatch, (current) => ({
      type,
      document: validateResource(type, lenient, { existing: current.document }).document,
    }));
  }

  /** PATCH (RFC 7644 §3.5.2): all operations apply, or none; references are checked after. */
  async patch(
    ctx: TenantContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    _projection: Projection = {},
  ): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    checkPatchSize(body, this.patchLimits);
    const normalized = normalizePatchBody(this.type(ctx), body, id);
    noteRules(ctx, normalized.fired);
    const operations = parsePatchRequest(normalized.value);
    const sent = this.undeclared.inPatch(ctx, this.type(ctx), normalized.value);
    await this.undeclared.record(ctx, this.type(ctx), sent);
    return this.modify(ctx, id, ifMatch, (current) => {
      const type = this.undeclared.typeFor(this.type(ctx), sent, current.document);
      const { document, rules } = applyPatch(type, current.document, operations, {
        createMissingFilteredElements: true,
      });
      noteRules(ctx, rules);
      return { type, document: validateResource(type, document, { existing: current.document }).document };
    });
  }

  /**
   * DELETE removes the resource (RFC 7644 §3.6) and, in the same transaction, every reference to
   * it: an application's agents, an agent's parent.
   */
  async delete(ctx: TenantContext, id: string, ifMatch: string | undefined): Promise<void> {
    requireAuthenticated(ctx);
    await inTransaction(this.db, async (tx) => {
      await this.lifecycle.lockHolders(tx, ctx, id);
      const current = await this.store.find(tx, ctx.tenantId, id, true);
      if (current === undefined) throw this.notFound(id);
      checkIfMatch(ifMatch, current.version);
      await this.lifecycle.deleteLinked(tx, ctx, this.store, this.type(ctx), current);
    });
  }

  async list(ctx: TenantContext, query: ListQuery, options: FilterOptions = {}): Promise<ListResult> {
    requireAuthenticated(ctx);
    const type = this.type(ctx);
    const plan = planPage(type, query, { ...options, tenantId: ctx.tenantId, baseUrl: ctx.baseUrl });
    const page = await this.store.page(this.sql, ctx.tenantId, plan.request);
    const nextCursor = plan.nextCursor(page);
    const computed = await this.references.computed(this.sql, ctx, type, page.resources);
    return {
      total: page.total,
      resources: page.resources.map((r) => this.representation(ctx, r, computed.get(r.id))),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  }

  private async modify(
    ctx: TenantContext,
    id: string,
    ifMatch: string | undefined,
    change: (current: StoredResource) => { type: ResourceTypeDefinition; document: JsonObject },
  ): Promise<ResourceResult> {
    const stored = await inTransaction(this.db, async (tx) => {
      // The row lock serializes writers to one resource.
      const current = await this.store.find(tx, ctx.tenantId, id, true);
      if (current === undefined) throw this.notFound(id);
      checkIfMatch(ifMatch, current.version);
      const { type, document } = change(current);
      const checked = await this.references.check(tx, ctx, type, id, document);
      const write = linkedWrite(type, checked.document);
      const written = await this.uniquely(write.name, () => this.store.update(tx, ctx.tenantId, id, write));
      await this.references.sync(tx, ctx, this.typeId, id, checked.references);
      const events = updated(ctx, type, id, current.document, write.document, { stored: written });
      await this.outbox.append(tx, ctx.tenantId, events, ctx.declaredVersion);
      return written;
    });
    return this.result(ctx, stored, this.sql);
  }

  /** The body as the provider meant it (scim/compat), the rules it took noted on the request. */
  private lenient(ctx: TenantContext, type: ResourceTypeDefinition, body: unknown): unknown {
    const normalized = normalizeResourceBody(type, body);
    noteRules(ctx, normalized.fired);
    return normalized.value;
  }

  /** A name unique per tenant (Agent, uniqueness "server") taken already: 409 (RFC 7644 §3.3). */
  private async uniquely<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (translateError(error) instanceof UniqueViolation)
        throw new ScimError(
          409,
          'uniqueness',
          `name "${name}" is already taken by another ${this.typeId} of this tenant.`,
        );
      throw error;
    }
  }

  private async result(ctx: TenantContext, stored: StoredResource, q: Sql): Promise<ResourceResult> {
    const computed = await this.references.computed(q, ctx, this.type(ctx), [stored]);
    return { resource: this.representation(ctx, stored, computed.get(stored.id)), version: stored.version };
  }

  private representation(ctx: TenantContext, stored: StoredResource, computed: JsonObject | undefined): JsonObject {
    const type = this.type(ctx);
    return representation(
      stored.document,
      stored.id,
      {
        resourceType: type.name,
        created: stored.createdAt,
        lastModified: stored.updatedAt,
        version: stored.version,
        location: `${ctx.baseUrl}${type.endpoint}/${stored.id}`,
      },
      computed,
    );
  }
}
