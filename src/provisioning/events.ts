import { randomUUID } from 'node:crypto';
import type { EventType } from '../events/catalogue.js';
import { userUpdateType } from '../events/changes.js';
import { changedAttributes } from '../scim/resource/changed-attributes.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../scim/schema/registry.js';
import type { JsonObject } from '../scim/resource/json.js';
import { representation } from '../scim/resource/representation.js';
import type { StoredResource } from '../storage/resource-rows.js';
import type { EventToAppend } from '../storage/outbox.js';
import type { TenantContext } from './context.js';

type ResourceType = 'User' | 'Group';

const ENDPOINTS: Readonly<Record<ResourceType, string>> = { User: 'Users', Group: 'Groups' };
const TYPES = { User: USER_RESOURCE_TYPE, Group: GROUP_RESOURCE_TYPE } as const;

// Kept by the service, changed on every write: they say nothing about what the client changed.
const SERVER_KEPT = new Set(['id', 'meta']);

/** The attributes a write changed, as change events name them: sorted by code point. */
export const changedBetween = (type: ResourceType, before: JsonObject, after: JsonObject) =>
  changedAttributes(TYPES[type], before, after)
    .filter((name) => !SERVER_KEPT.has(name))
    .sort();

// A statement that writes the row fills these in (withEvents); they are never left at this.
const FILLED_BY_THE_STATEMENT = new Date(0);

/**
 * An event's data: the resource as the service stores and returns it, without the attributes
 * it computes from memberships (User groups, Group members: member events tell those) and never
 * with a password, which no document holds.
 */
function data(ctx: TenantContext, type: ResourceType, id: string, document: JsonObject, stored?: StoredResource) {
  return representation(document, id, {
    resourceType: type,
    created: stored?.createdAt ?? FILLED_BY_THE_STATEMENT,
    lastModified: stored?.updatedAt ?? FILLED_BY_THE_STATEMENT,
    version: stored?.version ?? 0,
    location: `${ctx.baseUrl}/${ENDPOINTS[type]}/${id}`,
  });
}

function event(
  ctx: TenantContext,
  type: EventType,
  resourceType: ResourceType,
  id: string,
  document: JsonObject,
  changed: readonly string[],
  stored?: StoredResource,
): EventToAppend {
  const externalId = document['externalId'];
  return {
    id: randomUUID(),
    type,
    resourceType,
    resourceId: id,
    externalId: typeof externalId === 'string' ? externalId : undefined,
    data: data(ctx, resourceType, id, document, stored),
    changedAttributes: changed,
  };
}

/** Without `stored`, for a statement that writes the row itself: withEvents fills meta in. */
export function created(
  ctx: TenantContext,
  type: ResourceType,
  id: string,
  document: JsonObject,
  stored?: StoredResource,
): EventToAppend {
  return event(ctx, type === 'User' ? 'user.created' : 'group.created', type, id, document, [], stored);
}

/**
 * The update of a resource from `before` to `after`, or nothing when nothing a client can see
 * changed. A new password counts as a change of `password`, which is never in the data.
 */
export function updated(
  ctx: TenantContext,
  type: ResourceType,
  id: string,
  before: JsonObject,
  after: JsonObject,
  options: { passwordChanged?: boolean; stored?: StoredResource } = {},
): EventToAppend[] {
  const changed = changedBetween(type, before, after);
  if (options.passwordChanged === true) changed.push('password');
  if (changed.length === 0) return [];
  const kind = type === 'User' ? userUpdateType(before, after) : 'group.updated';
  return [event(ctx, kind, type, id, after, changed.sort(), options.stored)];
}

/**
 * DELETE under the tenant's "deactivate" policy: always user.deactivated, so the app can tell it
 * from user.deleted, even for a user that was inactive already.
 */
export function deactivatedByDelete(ctx: TenantContext, before: JsonObject, kept: StoredResource): EventToAppend {
  return event(
    ctx,
    'user.deactivated',
    'User',
    kept.id,
    kept.document,
    changedBetween('User', before, kept.document),
    kept,
  );
}

export function deleted(ctx: TenantContext, type: ResourceType, stored: StoredResource): EventToAppend {
  return event(ctx, type === 'User' ? 'user.deleted' : 'group.deleted', type, stored.id, stored.document, [], stored);
}

/** One event per member added to or removed from a group; data names the group and the member. */
export function membershipChanged(
  ctx: TenantContext,
  type: 'group.member_added' | 'group.member_removed',
  group: { readonly id: string; readonly externalId: string | undefined },
  members: readonly { readonly id: string; readonly type: ResourceType }[],
): EventToAppend[] {
  return members.map((m) => ({
    id: randomUUID(),
    type,
    resourceType: 'Group',
    resourceId: group.id,
    externalId: group.externalId,
    data: {
      groupId: group.id,
      member: { value: m.id, type: m.type, $ref: `${ctx.baseUrl}/${ENDPOINTS[m.type]}/${m.id}` },
    },
    changedAttributes: ['members'],
  }));
}
