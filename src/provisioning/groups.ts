import { randomUUID } from 'node:crypto';
import { ScimError } from '../scim/errors.js';
import type { Filter } from '../scim/filter/ast.js';
import { matchesFilter } from '../scim/filter/evaluate.js';
import type { ListQuery } from '../scim/list-query.js';
import { applyPatch } from '../scim/patch/apply.js';
import { checkPatchSize, DEFAULT_PATCH_LIMITS, parsePatchRequest, type PatchLimits } from '../scim/patch/request.js';
import { isRequested, type Projection } from '../scim/projection.js';
import type { JsonObject, JsonValue } from '../scim/resource/json.js';
import { representation } from '../scim/resource/representation.js';
import { buildSearchDocument } from '../scim/resource/search-document.js';
import { validateResource } from '../scim/resource/validate.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import { inTransaction, sqlOf, type Database, type Sql, type Transaction } from '../storage/db.js';
import { MemberRefused } from '../storage/errors.js';
import type { FilterOptions } from '../storage/filter-sql.js';
import type { GroupStore, GroupWrite } from '../storage/group-store.js';
import type { Member, MemberRef, MemberStore } from '../storage/member-store.js';
import type { EventToAppend, OutboxStore } from '../storage/outbox.js';
import { created, deleted, membershipChanged, updated } from './events.js';
import { MembershipDelta } from './membership-delta.js';
import type { StoredResource } from '../storage/resource-rows.js';
import { noteRules, type TenantContext, requireAuthenticated } from './context.js';
import { normalizePatchBody, normalizeResourceBody } from '../scim/compat/normalize.js';
import { planPage } from '../storage/page-plan.js';
import { memberReferences, splitGroupPatch, type MemberChange, type MemberReference } from './member-changes.js';
import { checkIfMatch } from './preconditions.js';
import type { ListResult, ResourceResult } from './resources.js';
import type { UndeclaredExtensions } from './undeclared-extensions.js';
import type { AgentLifecycle } from './agent-lifecycle.js';
import { isUuid } from '../scim/resource/ids.js';

const notFound = (id: string) => new ScimError(404, undefined, `Group ${id} not found.`);
/** The tenant's Group type: the built-in one with the tenant's extensions (TenantContext.registry). */
const groupType = (ctx: TenantContext): ResourceTypeDefinition => ctx.registry.type('Group');

/** The /Groups use cases (RFC 7644 §3.3–§3.6); memberships live in their own table. */
export class Groups {
  private readonly sql: Sql;

  constructor(
    private readonly db: Database,
    private readonly groups: GroupStore,
    private readonly members: MemberStore,
    private readonly outbox: OutboxStore,
    private readonly undeclared: UndeclaredExtensions,
    private readonly agents: AgentLifecycle,
    private readonly patchLimits: PatchLimits = DEFAULT_PATCH_LIMITS,
  ) {
    this.sql = sqlOf(db);
  }

  async create(ctx: TenantContext, body: unknown, projection: Projection = {}): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    const sent = this.undeclared.inResource(ctx, groupType(ctx), body);
    const type = this.undeclared.typeFor(groupType(ctx), sent);
    const { write, members } = this.prepare(type, this.lenient(ctx, type, body), undefined);
    await this.undeclared.record(ctx, type, sent);
    const id = randomUUID();
    const stored = await inTransaction(this.db, async (tx) => {
      const group = await this.groups.insert(tx, ctx.tenantId, id, write);
      const delta = new MembershipDelta();
      delta.added(await this.addMembers(tx, ctx.tenantId, id, members));
      await this.appendEvents(tx, ctx, group, [created(ctx, type, id, write.document, group)], delta);
      return group;
    });
    return this.result(ctx, stored, projection, this.sql);
  }

  async get(ctx: TenantContext, id: string, projection: Projection): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    const stored = await this.groups.find(this.sql, ctx.tenantId, id);
    if (stored === undefined) throw notFound(id);
    return this.result(ctx, stored, projection, this.sql);
  }

  /** PUT (RFC 7644 §3.5.1): the body's members replace the current ones. */
  async replace(
    ctx: TenantContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    projection: Projection = {},
  ): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    const sent = this.undeclared.inResource(ctx, groupType(ctx), body);
    const type = this.undeclared.typeFor(groupType(ctx), sent);
    const lenient = this.lenient(ctx, type, body);
    await this.undeclared.record(ctx, type, sent);
    const stored = await inTransaction(this.db, async (tx) => {
      const current = await this.locked(tx, ctx.tenantId, id, ifMatch);
      const { write, members } = this.prepare(type, lenient, current.document);
      const written = await this.groups.update(tx, ctx.tenantId, id, write);
      const delta = new MembershipDelta();
      delta.removed(await this.members.clear(tx, ctx.tenantId, id));
      delta.added(await this.addMembers(tx, ctx.tenantId, id, members));
      const events = updated(ctx, type, id, current.document, write.document, { stored: written });
      await this.appendEvents(tx, ctx, written, events, delta);
      return written;
    });
    return this.result(ctx, stored, projection, this.sql);
  }

  /** PATCH (RFC 7644 §3.5.2): member operations touch only the members they name. */
  async patch(
    ctx: TenantContext,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    projection: Projection = {},
  ): Promise<ResourceResult> {
    requireAuthenticated(ctx);
    checkPatchSize(body, this.patchLimits);
    const normalized = normalizePatchBody(groupType(ctx), body, id);
    noteRules(ctx, normalized.fired);
    const { memberChanges, documentOperations } = splitGroupPatch(parsePatchRequest(normalized.value));
    const sent = this.undeclared.inPatch(ctx, groupType(ctx), normalized.value);
    await this.undeclared.record(ctx, groupType(ctx), sent);
    const additions =
      documentOperations.length === 0 && ifMatch === undefined ? onlyAdditions(memberChanges) : undefined;
    if (additions !== undefined) {
      return this.result(ctx, await this.addMembersAtOnce(ctx, id, additions), projection, this.sql);
    }
    const stored = await inTransaction(this.db, async (tx) => {
      if (documentOperations.length === 0 && ifMatch === undefined && memberChanges.every(removesOnly)) {
        return this.removeMembersOnly(tx, ctx, id, memberChanges);
      }
      let written: StoredResource;
      let events: EventToAppend[] = [];
      if (documentOperations.length > 0) {
        const current = await this.locked(tx, ctx.tenantId, id, ifMatch);
        const type = this.undeclared.typeFor(groupType(ctx), sent, current.document);
        const { document, rules } = applyPatch(type, current.document, documentOperations, {
          createMissingFilteredElements: true,
        });
        noteRules(ctx, rules);
        const { write } = this.prepare(type, document, current.document);
        written = await this.groups.update(tx, ctx.tenantId, id, write);
        events = updated(ctx, type, id, current.document, write.document, { stored: written });
      } else {
        // Membership only, with If-Match: one UPDATE takes the row lock and makes the new
        // version, checked against the one it replaced before any member changes.
        const touched = await this.groups.touch(tx, ctx.tenantId, id);
        if (touched === undefined) throw notFound(id);
        checkIfMatch(ifMatch, touched.version - 1);
        written = touched;
      }
      const delta = new MembershipDelta();
      for (const change of memberChanges) await this.applyMemberChange(tx, ctx, id, change, delta);
      await this.appendEvents(tx, ctx, written, events, delta);
      return written;
    });
    return this.result(ctx, stored, projection, this.sql);
  }

  /**
   * A PATCH that only adds members, the commonest one (providers push a group's members a few at
   * a time): one statement, outside a transaction of round trips (MemberStore.addToGroup), so
   * writers to one group hold its row lock for that statement alone.
   */
  private async addMembersAtOnce(
    ctx: TenantContext,
    id: string,
    members: readonly MemberReference[],
  ): Promise<StoredResource> {
    if (members.some((m) => m.value === id)) throw ownMember();
    // An event for each kind a member may turn out to be: the statement keeps the one of the
    // kind it is, for the members it added. The group's externalId comes from its row there too.
    const ref = { id, externalId: undefined };
    const events = membershipChanged(
      ctx,
      'member_added',
      ref,
      members.flatMap((m) => (m.type === undefined ? KINDS : [m.type]).map((type) => ({ id: m.value, type }))),
    );
    try {
      const stored = await this.members.addToGroup(this.sql, ctx.tenantId, id, members, events, ctx.declaredVersion);
      if (stored === undefined) throw notFound(id);
      return stored;
    } catch (error) {
      if (error instanceof MemberRefused) {
        const claimed = members.find((m) => m.value === error.memberId)?.type;
        throw refusedMember(error.memberId, error.kind, claimed);
      }
      throw error;
    }
  }

  /**
   * A PATCH that only removes members: the member rows first, then one statement that takes the
   * group's row lock, makes its new version and appends the events, so writers to one group
   * hold its lock for that statement and the commit, not for every round trip of the
   * transaction. (Removing takes no lock on the group: adding does, through the members' foreign
   * key, which is why additions go first to the group row, in addMembersAtOnce.)
   */
  private async removeMembersOnly(
    tx: Transaction,
    ctx: TenantContext,
    id: string,
    changes: readonly MemberChange[],
  ): Promise<StoredResource> {
    const delta = new MembershipDelta();
    for (const change of changes) await this.applyMemberChange(tx, ctx, id, change, delta);
    // The group's externalId goes into the events from its row, in the statement (withMembershipEvents).
    const ref = { id, externalId: undefined };
    const touched = await this.groups.touchWithEvents(
      tx,
      ctx.tenantId,
      id,
      membershipChanged(ctx, 'member_removed', ref, delta.changes.removed),
      ctx.declaredVersion,
    );
    if (touched === undefined) throw notFound(id);
    return touched;
  }

  async delete(ctx: TenantContext, id: string, ifMatch: string | undefined): Promise<void> {
    requireAuthenticated(ctx);
    await inTransaction(this.db, async (tx) => {
      // The agents the group owns, locked first, as their writers lock them (AgentLifecycle.lockHolders).
      await this.agents.lockHolders(tx, ctx, id);
      const current = await this.locked(tx, ctx.tenantId, id, ifMatch);
      await this.groups.delete(tx, ctx.tenantId, id);
      // Its own memberships go with it (no event each: group.deleted says it); the groups it
      // was a member of lose a member.
      const parents = await this.members.removeEverywhere(tx, ctx.tenantId, id);
      // Agents it owned lose it as an owner (docs/agents.md).
      const agents = await this.agents.removed(tx, ctx, id);
      await this.outbox.append(tx, ctx.tenantId, [
        deleted(ctx, groupType(ctx), current),
        ...parents.flatMap((g) => membershipChanged(ctx, 'member_removed', g, [{ id, type: groupType(ctx).id }])),
        ...agents,
      ]);
    });
  }

  /** options.unknownAsUnassigned: for searches across resource types (RFC 7644 §3.4.2.2). */
  async list(ctx: TenantContext, query: ListQuery, options: FilterOptions = {}): Promise<ListResult> {
    requireAuthenticated(ctx);
    const plan = planPage(groupType(ctx), query, { ...options, tenantId: ctx.tenantId, baseUrl: ctx.baseUrl });
    const page = await this.groups.page(this.sql, ctx.tenantId, plan.request);
    const nextCursor = plan.nextCursor(page);
    const members = isRequested(groupType(ctx), 'members', query.projection)
      ? await this.members.ofGroups(
          this.sql,
          ctx.tenantId,
          page.resources.map((r) => r.id),
        )
      : new Map<string, Member[]>();
    return {
      total: page.total,
      resources: page.resources.map((r) => this.representation(ctx, r, members.get(r.id))),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  }

  private async locked(
    tx: Transaction,
    tenantId: string,
    id: string,
    ifMatch: string | undefined,
  ): Promise<StoredResource> {
    // The row lock serializes writers to one group, membership changes included.
    const current = await this.groups.find(tx, tenantId, id, true);
    if (current === undefined) throw notFound(id);
    checkIfMatch(ifMatch, current.version);
    return current;
  }

  /** The body as the provider meant it (scim/compat), the rules it took noted on the request. */
  private lenient(ctx: TenantContext, type: ResourceTypeDefinition, body: unknown): unknown {
    const normalized = normalizeResourceBody(type, body);
    noteRules(ctx, normalized.fired);
    return normalized.value;
  }

  /** Validates the whole group, then keeps members apart from the stored document. */
  private prepare(
    type: ResourceTypeDefinition,
    body: unknown,
    existing: JsonObject | undefined,
  ): { write: GroupWrite; members: MemberReference[] } {
    const { document } = validateResource(type, body, existing === undefined ? {} : { existing });
    const { members, ...rest } = document;
    const displayName = rest['displayName'];
    if (typeof displayName !== 'string') throw new ScimError(400, 'invalidValue', 'displayName is required.');
    const externalId = rest['externalId'];
    return {
      write: {
        displayName,
        externalId: typeof externalId === 'string' ? externalId : undefined,
        document: rest,
        search: buildSearchDocument(type, rest),
      },
      members: memberReferences(members, 'members'),
    };
  }

  /**
   * The request's events, last in its transaction so the tenant's event counter is locked only
   * until the commit that follows: the group's own, then one per member removed and added.
   */
  private async appendEvents(
    tx: Transaction,
    ctx: TenantContext,
    group: StoredResource,
    events: readonly EventToAppend[],
    delta: MembershipDelta,
  ): Promise<void> {
    const externalId = group.document['externalId'];
    const ref = { id: group.id, externalId: typeof externalId === 'string' ? externalId : undefined };
    const { added, removed } = delta.changes;
    await this.outbox.append(
      tx,
      ctx.tenantId,
      [
        ...events,
        ...membershipChanged(ctx, 'member_removed', ref, removed),
        ...membershipChanged(ctx, 'member_added', ref, added),
      ],
      ctx.declaredVersion,
    );
  }

  /** Members must be users or groups of the same tenant, of the kind the client says. */
  private async addMembers(
    tx: Transaction,
    tenantId: string,
    groupId: string,
    members: readonly MemberReference[],
  ): Promise<MemberRef[]> {
    if (members.length === 0) return [];
    const ids = [...new Set(members.map((m) => m.value))];
    if (ids.includes(groupId)) throw ownMember();
    const kinds = await this.members.kinds(tx, tenantId, ids);
    const rows: MemberRef[] = [];
    for (const member of members) {
      const kind = kinds.get(member.value);
      if (kind === undefined || (member.type !== undefined && member.type !== kind))
        throw refusedMember(member.value, kind, member.type);
      rows.push({ id: member.value, type: kind });
    }
    return this.members.add(tx, tenantId, groupId, rows);
  }

  private async applyMemberChange(
    tx: Transaction,
    ctx: TenantContext,
    groupId: string,
    change: MemberChange,
    delta: MembershipDelta,
  ): Promise<void> {
    const { tenantId } = ctx;
    switch (change.kind) {
      case 'add':
        delta.added(await this.addMembers(tx, tenantId, groupId, change.members));
        return;
      case 'replace':
        delta.removed(await this.members.clear(tx, tenantId, groupId));
        delta.added(await this.addMembers(tx, tenantId, groupId, change.members));
        return;
      case 'removeAll':
        delta.removed(await this.members.clear(tx, tenantId, groupId));
        return;
      case 'removeMatching': {
        const ids = valueEqualities(change.filter) ?? (await this.membersMatching(tx, ctx, groupId, change.filter));
        const removed = await this.members.remove(tx, tenantId, groupId, ids);
        // RFC 7644 §3.12 noTarget: "a filter that yields no match".
        if (removed.length === 0) throw new ScimError(400, 'noTarget', 'No member of the group matches the filter.');
        delta.removed(removed);
        if (change.replacement !== undefined)
          delta.added(await this.addMembers(tx, tenantId, groupId, change.replacement));
        return;
      }
    }
  }

  /** Filters other than `value eq …` are evaluated on each member (RFC 7644 §3.5.2.2). */
  private async membersMatching(
    tx: Transaction,
    ctx: TenantContext,
    groupId: string,
    filter: Filter,
  ): Promise<string[]> {
    const type = groupType(ctx);
    const members = type.schema.attributes.find((a) => a.name === type.storage.membership?.attribute);
    if (members === undefined) return [];
    const all = (await this.members.ofGroups(tx, ctx.tenantId, [groupId])).get(groupId) ?? [];
    return all
      .filter((m) =>
        matchesFilter(
          type,
          members,
          { value: m.id, type: m.type, ...(m.display === undefined ? {} : { display: m.display }) },
          filter,
        ),
      )
      .map((m) => m.id);
  }

  private async result(
    ctx: TenantContext,
    stored: StoredResource,
    projection: Projection,
    q: Transaction,
  ): Promise<ResourceResult> {
    const members = isRequested(groupType(ctx), 'members', projection)
      ? (await this.members.ofGroups(q, ctx.tenantId, [stored.id])).get(stored.id)
      : undefined;
    return { resource: this.representation(ctx, stored, members), version: stored.version };
  }

  private representation(
    ctx: TenantContext,
    stored: StoredResource,
    members: readonly Member[] | undefined,
  ): JsonObject {
    const list: JsonValue[] = (members ?? []).map((m) => ({
      value: m.id,
      $ref: `${ctx.baseUrl}${ctx.registry.type(m.type).endpoint}/${m.id}`,
      type: m.type,
      ...(m.display === undefined ? {} : { display: m.display }),
    }));
    return representation(
      stored.document,
      stored.id,
      {
        resourceType: groupType(ctx).name,
        created: stored.createdAt,
        lastModified: stored.updatedAt,
        version: stored.version,
        location: `${ctx.baseUrl}${groupType(ctx).endpoint}/${stored.id}`,
      },
      list.length === 0 ? {} : { members: list },
    );
  }
}

/** `value eq "a" or value eq "b"` → ["a", "b"], removed by primary key; undefined otherwise. */
function valueEqualities(filter: Filter): string[] | undefined {
  if (
    filter.kind === 'compare' &&
    filter.operator === 'eq' &&
    filter.path.attribute.toLowerCase() === 'value' &&
    typeof filter.value === 'string'
  ) {
    // A value that is no UUID names no member (and must not reach the uuid[] cast).
    return isUuid(filter.value) ? [filter.value.toLowerCase()] : [];
  }
  if (filter.kind === 'or') {
    const left = valueEqualities(filter.left);
    const right = valueEqualities(filter.right);
    return left === undefined || right === undefined ? undefined : [...left, ...right];
  }
  return undefined;
}

/**
 * The members a PATCH adds when adding is all it does, each id named once; undefined otherwise
 * (and for the odd request naming a member twice, which the general path checks entry by entry).
 */
function onlyAdditions(changes: readonly MemberChange[]): MemberReference[] | undefined {
  const members: MemberReference[] = [];
  for (const change of changes) {
    if (change.kind !== 'add') return undefined;
    members.push(...change.members);
  }
  if (members.length === 0 || new Set(members.map((m) => m.value)).size !== members.length) return undefined;
  return members;
}

const KINDS = ['User', 'Group'] as const;

function removesOnly(change: MemberChange): boolean {
  return change.kind === 'removeAll' || (change.kind === 'removeMatching' && change.replacement === undefined);
}

const ownMember = () => new ScimError(400, 'invalidValue', 'A group cannot be a member of itself.');

/**
 * The 400 for a member that is no User or Group of the tenant (`kind` undefined), or not of the
 * type the client said it is (`claimed`).
 */
function refusedMember(memberId: string, kind: string | undefined, claimed: string | undefined): ScimError {
  if (kind === undefined || claimed === undefined) {
    return new ScimError(400, 'invalidValue', `Member ${memberId} is not a User or Group of this tenant.`);
  }
  return new ScimError(400, 'invalidValue', `Member ${memberId} is a ${kind}, not a ${claimed}.`);
}
