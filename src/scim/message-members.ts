import { ScimError } from './errors.js';
import type { JsonObject, JsonValue } from './resource/json.js';

/**
 * The members of a request message (PatchOp, BulkRequest, …) by lower-case name: SCIM attribute
 * names, message attributes included, are case-insensitive (RFC 7643 §2.1). Two spellings of one
 * name are ambiguous and rejected.
 */
export function caseInsensitiveMembers(object: JsonObject, where: string): Map<string, JsonValue> {
  const members = new Map<string, JsonValue>();
  for (const [key, value] of Object.entries(object)) {
    const name = key.toLowerCase();
    if (members.has(name)) {
      throw new ScimError(400, 'invalidSyntax', `${where} has "${key}" more than once (names are case-insensitive).`);
    }
    members.set(name, value);
  }
  return members;
}
