import { randomUUID } from 'node:crypto';
import type { EventType } from '../events/catalogue.js';
import { changedAttributes } from '../scim/resource/changed-attributes.js';
import { mapResource } from '../scim/mapping/attribute-mapping.js';
import type { JsonObject } from '../scim/resource/json.js';
import { representation } from '../scim/resource/representation.js';
import { withoutNeverReturned } from '../scim/projection.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';
import type { StoredResource } from '../storage/resource-rows.js';
import type { EventToAppend } from '../storage/outbox.js';
import type { TenantContext } from './context.js';

// Kept by the service, changed on every write: they say nothing about what the client changed.
const SERVER_KEPT = new Set(['id', 'meta']);

/** The attributes a write changed, as change events name them: sorted by code point. */
export const changedBetween = (type: ResourceTypeDefinition, before: JsonObject, after: JsonObject) =>
  changedAttributes(type, before, after)
    .filter((name) => !SERVER_KEPT.has(name))
    .sort();

// A statement that writes the row fills these in (withEvents); they are never left at this.
const FILLED_BY_THE_STATEMENT = new Date(0);

/** `<prefix>.<what>` for the type (its event descriptor); the catalogue lists every one. */
const named = (type: ResourceTypeDefinition, what: string): EventType => `${type.events.prefix}.${what}`;

/**
 * What an update is called: for a type with `active`, a change from true to false is a
 * deactivation, from false back to true a reactivation (the other attributes changed with it are
 * in changedAttributes either way); anything else is an update. An absent `active` counts as
 * active, as the identity providers treat it.
 */
export function updateType(type: ResourceTypeDefinition, before: JsonObject, after: JsonObject): EventType {
  if (type.events.activatable) {
    const wasActive = before['active'] !== false;
    const isActive = after['active'] !== false;
    if (wasActive && !isActive) return named(type, 'deactivated');
    if (!wasActive && isActive) return named(type, 'reactivated');
  }
  return named(type, 'updated');
}

/**
 * An event's data: the resource as the service stores and returns it, without the attributes
 * it computes from memberships (User groups, Group members: member events tell those) and never
 * with a password, which no document holds.
 */
function data(
  ctx: TenantContext,
  type: ResourceTypeDefinition,
  id: string,
  document: JsonObject,
  stored?: StoredResource,
) {
  // What SCIM never returns (writeOnly, returned "never") is not the app's to read either.
  return representation(withoutNeverReturned(type, document), id, {
    resourceType: type.name,
    created: stored?.createdAt ?? FILLED_BY_THE_STATEMENT,
    lastModified: stored?.updatedAt ?? FILLED_BY_THE_STATEMENT,
    version: stored?.version ?? 0,
    location: `${ctx.baseUrl}${type.endpoint}/${id}`,
  });
}

function event(
  ctx: TenantContext,
  eventType: EventType,
  type: ResourceTypeDefinition,
  id: string,
  document: JsonObject,
  changed: readonly string[],
  stored?: StoredResource,
): EventToAppend {
  const externalId = document['externalId'];
  const resource = data(ctx, type, id, document, stored);
  // Without the attributes computed from memberships, which data does not hold either.
  const mapped = mapResource(ctx.mapping, type.id, resource, { withoutMemberships: true });
  return {
    id: randomUUID(),
    type: eventType,
    resourceType: type.id,
    resourceId: id,
    externalId: typeof externalId === 'string' ? externalId : undefined,
    data: resource,
    changedAttributes: changed,
    ...(mapped === undefined ? {} : { mapped }),
  };
}

/** Without `stored`, for a statement that writes the row itself: withEvents fills meta in. */
export function created(
  ctx: TenantContext,
  type: ResourceTypeDefinition,
  id: string,
  document: JsonObject,
  stored?: StoredResource,
): EventToAppend {
  return event(ctx, named(type, 'created'), type, id, document, [], stored);
}

/**
 * The update of a resource from `before` to `after`, or nothing when nothing a client can see
 * changed. A new password counts as a change of `password`, which is never in the data.
 */
export function updated(
  ctx: TenantContext,
  type: ResourceTypeDefinition,
  id: string,
  before: JsonObject,
  after: JsonObject,
  options: { passwordChanged?: boolean; stored?: StoredResource } = {},
): EventToAppend[] {
  const changed = changedBetween(type, before, after);
  if (options.passwordChanged === true) changed.push('password');
  if (changed.length === 0) return [];
  return [event(ctx, updateType(type, before, after), type, id, after, changed.sort(), options.stored)];
}

/**
 * DELETE under the tenant's "deactivate" policy: always `<prefix>.deactivated`, so the app can
 * tell it from a deletion, even for a resource that was inactive already.
 */
export function deactivatedByDelete(
  ctx: TenantContext,
  type: ResourceTypeDefinition,
  before: JsonObject,
  kept: StoredResource,
): EventToAppend {
  return event(
    ctx,
    named(type, 'deactivated'),
    type,
    kept.id,
    kept.document,
    changedBetween(type, before, kept.document),
    kept,
  );
}

export function deleted(ctx: TenantContext, type: ResourceTypeDefinition, stored: StoredResource): EventToAppend {
  return event(ctx, named(type, 'deleted'), type, stored.id, stored.document, [], stored);
}

/**
 * One event per member added to or removed from a group; data names the group and the member.
 * `group` is the type whose rows hold members (its storage membership side is "group").
 */
export function membershipChanged(
  ctx: TenantContext,
  what: 'member_added' | 'member_removed',
  group: { readonly id: string; readonly externalId: string | undefined },
  members: readonly { readonly id: string; readonly type: string }[],
): EventToAppend[] {
  const groupType =
    ctx.registry.resourceTypes.find((t) => t.storage.membership?.side === 'group') ?? ctx.registry.type('Group');
  const membership = groupType.storage.membership?.attribute ?? 'members';
  return members.map((m) => {
    const memberType = ctx.registry.type(m.type);
    return {
      id: randomUUID(),
      type: named(groupType, what),
      resourceType: groupType.id,
      resourceId: group.id,
      externalId: group.externalId,
      data: {
        groupId: group.id,
        member: { value: m.id, type: memberType.id, $ref: `${ctx.baseUrl}${memberType.endpoint}/${m.id}` },
      },
      changedAttributes: [membership],
    };
  });
}
