import { randomUUID } from 'node:crypto';
import { ScimError } from '../scim/errors.js';
import type { ListQuery } from '../scim/list-query.js';
import { mapResource } from '../scim/mapping/attribute-mapping.js';
import { applyPatch } from '../scim/patch/apply.js';
import { checkPatchSize, DEFAULT_PATCH_LIMITS, parsePatchRequest, type PatchLimits } from '../scim/patch/request.js';
import { isRequested, withoutNeverReturned, type Projection } from '../scim/projection.js';
import type { JsonObject } from '../scim/resource/json.js';
import { representation } from '../scim/resource/representation.js';
import { buildSearchDocument } from '../scim/resource/search-document.js';
import { validateResource } from '../scim/resource/validate.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { inTransaction, sqlOf, type Database, type Sql } from '../storage/db.js';
import type { FilterOptions } from '../storage/filter-sql.js';
import { UniqueViolation } from '../storage/errors.js';
import type { MemberStore } from '../storage/member-store.js';
import type { OutboxStore } from '../storage/outbox.js';
import { created, deactivatedByDelete, deleted, membershipChanged, updated } from './events.js';
import type { StoredResource } from '../storage/resource-rows.js';
import type { UserStore, UserWrite } from '../storage/user-store.js';
import { noteRules, type TenantContext, requireAuthenticated } from './context.js';
import { normalizePatchBody, normalizeResourceBody } from '../scim/compat/normalize.js';
import { planPage } from '../storage/page-plan.js';
import { hashPassword } from './password.js';
import { checkIfMatch } from './preconditions.js';
import type { ListResult, ResourceResult } from './resources.js';
import type { UndeclaredExtensions } from './undeclared-extensions.js';
import type { AgentLifecycle } from './agent-lifecycle.js';

const notFound = (id: string) => new ScimError(404, undefined, `User ${id} not found.`);
const OPTIMISTIC_ATTEMPTS = 3;
/** The tenant's User type: the built-in one with the tenant's extensions (TenantContext.registry). */
const userType = (ctx: TenantContext): ResourceTypeDefinition => ctx.registry.type('User');
/**
 * Whether the response shows User.groups (read-only, direct and indirect, computed from
 * memberships): only then does the statement that reads the user compute them.
 */
const showsGroups = (ctx: TenantContext, projection: Projection): boolean =>
  isRequested(userType(ctx), 'groups', projection);

/** The /Users use cases (RFC 7644 §3.3–§3.6): each write is one transaction. */
export class Users {
  private readonly sql: Sql;

  constructor(
    private readonly db: Database,
    private readonly users: UserStore,
    private readonly members: MemberStore,
    private readonly outbox: OutboxStore,
    private readonly undeclared: UndeclaredExtensions,
    private readonly agents: AgentLifecycle,
    private readonly patchLimits: PatchLimits = DEFAULT_PATCH_LIMITS,
  ) {
    this.sql = sqlOf(db);
  }

  /** A new user belongs to no group yet, so the projection has nothing to spare it. */
  async create(ctx: TenantContext, body: unknown, _projection: Projection = {}): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    const sent = this.undeclared.inResource(ctx, userType(ctx), body);
    const type = this.undeclared.typeFor(userType(ctx), sent);
    const write = await this.prepare(type, this.lenient(ctx, type, body), undefined);
    await this.undeclared.record(ctx, type, sent);
    const id = randomUUID();
    // One statement inserts the user and appends user.created, and commits on its own: no
    // BEGIN/COMMIT round trips on the hottest write.
    const stored = await this.uniquely(write.userName, () =>
      this.users.insert(
        this.sql,
        ctx.tenantId,
        id,
        write,
        [created(ctx, type, id, write.document)],
        ctx.declaredVersion,
      ),
    );
    return this.result(ctx, stored);
  }

  /** One statement: the user row and, when the response shows them, its groups. */
  async get(ctx: TenantContext, id: string, projection: Projection): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    const withGroups = showsGroups(ctx, projection);
    const stored = await this.users.find(this.sql, ctx.tenantId, id, { withGroups });
    if (stored === undefined) throw notFound(id);
    return this.result(ctx, stored);
  }

  /** PUT (RFC 7644 §3.5.1): the body replaces every writable attribute. */
  async replace(
    ctx: TenantContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    projection: Projection = {},
  ): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    const sent = this.undeclared.inResource(ctx, userType(ctx), body);
    const type = this.undeclared.typeFor(userType(ctx), sent);
    const lenient = this.lenient(ctx, type, body);
    await this.undeclared.record(ctx, type, sent);
    return this.modify(ctx, id, ifMatch, projection, async (stored) => ({
      type,
      write: await this.prepare(type, lenient, stored.document),
    }));
  }

  /** PATCH (RFC 7644 §3.5.2): all operations apply, or none. */
  async patch(
    ctx: TenantContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    projection: Projection = {},
  ): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    checkPatchSize(body, this.patchLimits);
    const normalized = normalizePatchBody(userType(ctx), body, id);
    noteRules(ctx, normalized.fired);
    const operations = parsePatchRequest(normalized.value);
    const sent = this.undeclared.inPatch(ctx, userType(ctx), normalized.value);
    await this.undeclared.record(ctx, userType(ctx), sent);
    return this.modify(ctx, id, ifMatch, projection, async (stored) => {
      const type = this.undeclared.typeFor(userType(ctx), sent, stored.document);
      const { document, rules } = applyPatch(type, stored.document, operations, {
        createMissingFilteredElements: true,
      });
      noteRules(ctx, rules);
      return { type, write: await this.prepare(type, document, stored.document) };
    });
  }

  async delete(ctx: TenantContext, id: string, ifMatch: string | undefined): Promise<void> {
    requireAuthenticated(ctx);
    await inTransaction(this.db, async (tx) => {
      // The agents the user owns, locked first, as their writers lock them (AgentLifecycle.lockHolders).
      await this.agents.lockHolders(tx, ctx, id);
      const stored = await this.users.find(tx, ctx.tenantId, id, { lock: true });
      if (stored === undefined) throw notFound(id);
      checkIfMatch(ifMatch, stored.version);
      // The tenant's policy (issue 6): remove the user, or deactivate it and keep it for the app.
      let event = deleted(ctx, userType(ctx), stored);
      if (ctx.deletePolicy === 'deactivate') {
        const kept = await this.users.softDelete(tx, ctx.tenantId, id);
        if (kept === undefined) throw notFound(id);
        event = deactivatedByDelete(ctx, userType(ctx), stored.document, kept);
      } else {
        await this.users.delete(tx, ctx.tenantId, id);
      }
      const groups = await this.members.removeEverywhere(tx, ctx.tenantId, id);
      // Either way the user leaves SCIM: the agents it owned lose it (docs/agents.md).
      const agents = await this.agents.removed(tx, ctx, id);
      await this.outbox.append(tx, ctx.tenantId, [
        event,
        ...groups.flatMap((g) => membershipChanged(ctx, 'member_removed', g, [{ id, type: userType(ctx).id }])),
        ...agents,
      ]);
    });
  }

  /**
   * A user as the app may still read it through the admin API: deactivated ones (soft-deleted
   * under the "deactivate" policy) too, with `deletedAt`.
   */
  async forApp(
    ctx: TenantContext,
    id: string,
  ): Promise<{ resource: JsonObject; deletedAt: Date | undefined; mapped: JsonObject }> {
    requireAuthenticated(ctx);
    const found = await this.users.findForApp(this.sql, ctx.tenantId, id);
    if (found === undefined) throw notFound(id);
    // A user deactivated by DELETE left its groups then; one SCIM serves has them.
    const stored: StoredResource = found.deletedAt === undefined ? found : { ...found, groups: [] };
    // As the app may read it: never what SCIM itself never returns (writeOnly, returned "never").
    const resource = withoutNeverReturned(userType(ctx), this.representation(ctx, stored));
    return {
      resource,
      deletedAt: found.deletedAt,
      mapped: mapResource(ctx.mapping, userType(ctx).id, resource) ?? {},
    };
  }

  /** options.unknownAsUnassigned: for searches across resource types (RFC 7644 §3.4.2.2). */
  async list(ctx: TenantContext, query: ListQuery, options: FilterOptions = {}): Promise<ListResult> {
    requireAuthenticated(ctx);
    const plan = planPage(userType(ctx), query, { ...options, tenantId: ctx.tenantId, baseUrl: ctx.baseUrl });
    const withGroups = showsGroups(ctx, query.projection);
    const page = await this.users.page(this.sql, ctx.tenantId, plan.request, withGroups);
    const nextCursor = plan.nextCursor(page);
    return {
      total: page.total,
      resources: page.resources.map((r) => this.representation(ctx, r)),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  }

  private async modify(
    ctx: TenantContext,
    id: string,
    ifMatch: string | undefined,
    projection: Projection,
    change: (stored: StoredResource) => Promise<{ type: ResourceTypeDefinition; write: UserWrite }>,
  ): Promise<ResourceResult> {
    // Optimistic first: read, change, and write only if nobody wrote in between (two
    // statements, no transaction). Under contention, fall back to taking the row lock, so
    // concurrent writers to one user take turns and no update is ever lost. The write reads the
    // groups the response shows; the read before it needs none. A deactivation takes the
    // transaction at once: the agents the user owns may have to follow it (docs/agents.md).
    const withGroups = showsGroups(ctx, projection);
    let stored: StoredResource | undefined;
    let deactivating = false;
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS && stored === undefined; attempt += 1) {
      const current = await this.users.find(this.sql, ctx.tenantId, id);
      if (current === undefined) throw notFound(id);
      checkIfMatch(ifMatch, current.version);
      const { type, write } = await change(current);
      deactivating = deactivates(current.document, write);
      if (deactivating) break;
      // The events ride in the compare-and-set statement: appended only if it wins.
      const events = updated(ctx, type, id, current.document, write.document, {
        passwordChanged: write.passwordHash !== undefined,
      });
      stored = await this.uniquely(write.userName, () =>
        this.users.updateIfVersion(
          this.sql,
          ctx.tenantId,
          id,
          current.version,
          write,
          events,
          withGroups,
          ctx.declaredVersion,
        ),
      );
    }
    stored ??= await inTransaction(this.db, async (tx) => {
      if (deactivating) await this.agents.lockHolders(tx, ctx, id);
      const current = await this.users.find(tx, ctx.tenantId, id, { lock: true });
      if (current === undefined) throw notFound(id);
      checkIfMatch(ifMatch, current.version);
      const { type, write } = await change(current);
      const written = await this.uniquely(write.userName, () =>
        this.users.update(tx, ctx.tenantId, id, write, withGroups),
      );
      const agents = deactivates(current.document, write) ? await this.agents.ownerDeprovisioned(tx, ctx, id) : [];
      await this.outbox.append(
        tx,
        ctx.tenantId,
        [
          ...updated(ctx, type, id, current.document, write.document, {
            passwordChanged: write.passwordHash !== undefined,
            stored: written,
          }),
          ...agents,
        ],
        ctx.declaredVersion,
      );
      return written;
    });
    return this.result(ctx, stored);
  }

  /** The body as the provider meant it (scim/compat), the rules it took noted on the request. */
  private lenient(ctx: TenantContext, type: ResourceTypeDefinition, body: unknown): unknown {
    const normalized = normalizeResourceBody(type, body);
    noteRules(ctx, normalized.fired);
    return normalized.value;
  }

  /** A write without a password keeps the stored hash; the document never holds one. */
  private async prepare(
    type: ResourceTypeDefinition,
    body: unknown,
    existing: JsonObject | undefined,
  ): Promise<UserWrite> {
    const { document, password } = validateResource(type, body, existing === undefined ? {} : { existing });
    const userName = document['userName'];
    if (typeof userName !== 'string') throw new ScimError(400, 'invalidValue', 'userName is required.');
    const externalId = document['externalId'];
    return {
      userName,
      externalId: typeof externalId === 'string' ? externalId : undefined,
      active: document['active'] !== false,
      document,
      search: buildSearchDocument(type, document),
      passwordHash: password === undefined ? undefined : await hashPassword(password),
    };
  }

  /** RFC 7644 §3.3: a userName taken in the tenant (case-insensitively) is 409 uniqueness. */
  private async uniquely<T>(userName: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof UniqueViolation)
        throw new ScimError(409, 'uniqueness', `userName "${userName}" is already taken in this tenant.`);
      throw error;
    }
  }

  private result(ctx: TenantContext, stored: StoredResource): ResourceResult {
    return { resource: this.representation(ctx, stored), version: stored.version };
  }

  /** The groups, when the statement read them, are the read-only User.groups (RFC 7643 §4.1.2). */
  private representation(ctx: TenantContext, stored: StoredResource): JsonObject {
    const groups = stored.groups ?? [];
    const endpoint = `${ctx.baseUrl}${ctx.registry.type('Group').endpoint}`;
    return representation(
      stored.document,
      stored.id,
      {
        resourceType: userType(ctx).name,
        created: stored.createdAt,
        lastModified: stored.updatedAt,
        version: stored.version,
        location: `${ctx.baseUrl}${userType(ctx).endpoint}/${stored.id}`,
      },
      groups.length === 0
        ? {}
        : {
            groups: groups.map((g) => ({
              value: g.value,
              $ref: `${endpoint}/${g.value}`,
              display: g.display,
              type: g.type,
            })),
          },
    );
  }
}

/** The write turns an active user inactive (an absent `active` counts as active). */
function deactivates(before: JsonObject, write: UserWrite): boolean {
  return before['active'] !== false && !write.active;
}
