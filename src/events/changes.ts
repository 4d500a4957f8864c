import type { JsonObject, JsonValue } from '../scim/resource/json.js';
import { isJsonObject } from '../scim/resource/json.js';
import type { EventType } from './catalogue.js';

/** Structural equality of JSON values; key order does not matter, array order does. */
function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!sameJson(a[key], b[key])) return false;
    return true;
  }
  return false;
}

// Server-kept attributes change on every write and say nothing about what the client changed.
const IGNORED = new Set(['meta', 'schemas', 'id']);

/**
 * The attributes a write changed, as the app's developers name them: core attributes by name
 * (`title`, `name`, `emails`), extension attributes by URN and name
 * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`), sorted.
 */
export function changedAttributes(before: JsonObject, after: JsonObject): string[] {
  const changed: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (IGNORED.has(key)) continue;
    const was = before[key];
    const now = after[key];
    if (key.includes(':') && (isJsonObject(was) || isJsonObject(now))) {
      const inner = changedAttributes(isJsonObject(was) ? was : {}, isJsonObject(now) ? now : {});
      changed.push(...inner.map((name) => `${key}:${name}`));
      continue;
    }
    if (!sameJson(was, now)) changed.push(key);
  }
  return changed.sort();
}

/**
 * What an update of a user is called: a change of `active` from true to false is a
 * deactivation, from false back to true a reactivation (the other attributes changed with it
 * are in changedAttributes either way); anything else is an update. An absent `active` counts
 * as active, as the identity providers treat it.
 */
export function userUpdateType(before: JsonObject, after: JsonObject): EventType {
  const wasActive = before['active'] !== false;
  const isActive = after['active'] !== false;
  if (wasActive && !isActive) return 'user.deactivated';
  if (!wasActive && isActive) return 'user.reactivated';
  return 'user.updated';
}
