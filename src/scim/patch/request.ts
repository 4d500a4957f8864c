import { ScimError } from '../errors.js';
import type { PatchPath } from '../filter/ast.js';
import { parsePatchPath, type PatchPathOptions } from '../filter/parse.js';
import { isJsonObject, type JsonValue } from '../resource/json.js';
import { caseInsensitiveMembers } from '../message-members.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** One PATCH operation (RFC 7644 §3.5.2), its path parsed, before any schema is consulted. */
export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path?: PatchPath;
  /**
   * Required for "add" and "replace" (§3.5.2.1, §3.5.2.3). A "remove" may carry one too: the RFC
   * gives it no meaning there and the engine ignores it, but it is kept so that a provider rule
   * (some clients list the members to remove in "value") can still see it.
   */
  readonly value?: JsonValue;
}

const OPS: ReadonlySet<string> = new Set<PatchOperation['op']>(['add', 'remove', 'replace']);

/** How much one PATCH request may ask for (SCIM_MAX_PATCH_OPERATIONS). */
export interface PatchLimits {
  readonly maxOperations: number;
}

export const DEFAULT_PATCH_LIMITS: PatchLimits = { maxOperations: 1000 };

/**
 * Refuses a PatchOp with more operations than the service applies in one request, before any
 * work is spent on them: each is parsed, normalized and applied to the resource in memory, inside
 * the transaction that holds its row lock, so their number bounds how long the lock and the
 * connection are held. RFC 7644 defines no such limit for PATCH (§3.5.2; ServiceProviderConfig's
 * "patch" has only "supported", RFC 7643 §5), so it is documented (docs/scim.md#limits) and named
 * in the error. 400 invalidValue: §3.12 lists it for PATCH ("the value specified was not
 * compatible with the operation"); "tooMany" is for a filter that "yields many more results than
 * the server is willing to calculate", listed for GET and search only, and clients read it so.
 * The count is of the operations as sent, before any provider rule (scim/compat) reshapes them.
 */
export function checkPatchSize(body: unknown, limits: PatchLimits): void {
  if (!isJsonObject(body)) return;
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() !== 'operations' || !Array.isArray(value)) continue;
    if (value.length > limits.maxOperations) {
      throw new ScimError(
        400,
        'invalidValue',
        `The PATCH request has ${value.length} operations; this service applies at most ${limits.maxOperations} in one request: send the rest in further requests.`,
      );
    }
  }
}

/**
 * Parses a PATCH request body (RFC 7644 §3.5.2) into operations. Structure errors are 400
 * invalidSyntax ("did not conform to the request schema", §3.12), a malformed path is 400
 * invalidPath, a "remove" without path is 400 noTarget (§3.5.2.2), a missing "value" is 400
 * invalidValue ("A required value was missing", §3.12).
 *
 * `options.schemaUrns` lets a path that is a bare extension URN name the whole extension (see
 * parsePatchPath). "op" values must be lower case here; accepting "Add" or "Replace" is a separate
 * provider rule.
 */
export function parsePatchRequest(body: unknown, options: PatchPathOptions = {}): PatchOperation[] {
  if (!isJsonObject(body)) throw syntax('a PATCH request body must be a JSON object.');
  const members = caseInsensitiveMembers(body, 'the PATCH request');
  const schemas = members.get('schemas');
  if (
    !Array.isArray(schemas) ||
    schemas.length !== 1 ||
    typeof schemas[0] !== 'string' ||
    schemas[0].toLowerCase() !== PATCH_OP_SCHEMA.toLowerCase()
  ) {
    // §3.5.2: "The body of each request MUST contain the 'schemas' attribute with the URI value of ...PatchOp".
    throw syntax(`"schemas" must be ["${PATCH_OP_SCHEMA}"].`);
  }
  const operations = members.get('operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    // §3.5.2: "Operations", "whose value is an array of one or more PATCH operations".
    throw syntax('"Operations" must be an array of one or more PATCH operations.');
  }
  return operations.map((operation, index) => parseOperation(operation, `Operations[${index}]`, options));
}

function parseOperation(input: JsonValue, where: string, options: PatchPathOptions): PatchOperation {
  if (!isJsonObject(input)) throw syntax(`${where}: an operation must be a JSON object.`);
  const members = caseInsensitiveMembers(input, where);
  const op = members.get('op');
  if (typeof op !== 'string' || !isOp(op)) {
    // §3.5.2: "exactly one 'op' member, whose value ... MAY be one of 'add', 'remove', or 'replace'".
    throw syntax(`${where}: "op" must be "add", "remove" or "replace", found ${JSON.stringify(op ?? null)}.`);
  }
  const rawPath = members.get('path');
  let path: PatchPath | undefined;
  if (rawPath !== undefined) {
    if (typeof rawPath !== 'string') {
      throw new ScimError(400, 'invalidPath', `${where}: "path" must be a string.`);
    }
    path = withPrefix(where, () => parsePatchPath(rawPath, options));
  }
  if (op === 'remove' && path === undefined) {
    // §3.5.2.2: 'If "path" is unspecified, the operation fails with ... "noTarget"'.
    throw new ScimError(400, 'noTarget', `${where}: "remove" requires a "path".`);
  }
  const value = members.get('value');
  if (op !== 'remove' && value === undefined) {
    // §3.5.2.1 and §3.5.2.3: the operation "MUST contain a 'value' member".
    throw new ScimError(400, 'invalidValue', `${where}: "${op}" requires a "value".`);
  }
  return {
    op,
    ...(path === undefined ? {} : { path }),
    ...(value === undefined ? {} : { value }),
  };
}

function isOp(op: string): op is PatchOperation['op'] {
  return OPS.has(op);
}

function withPrefix<T>(where: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ScimError) throw new ScimError(error.status, error.scimType, `${where}: ${error.detail}`);
    throw error;
  }
}

function syntax(detail: string): ScimError {
  return new ScimError(400, 'invalidSyntax', detail);
}
