import type { JsonObject } from '../scim/resource/json.js';
import type { EventType } from './catalogue.js';

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
