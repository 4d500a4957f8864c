import { ScimError } from '../errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../resource/json.js';
import { caseInsensitiveMembers } from '../message-members.js';
import { defaultRegistry } from '../schema/built-in-types.js';
import { endpointName } from '../schema/registry.js';

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** RFC 7644 §3.7.4: the service provider MUST define both limits; /ServiceProviderConfig shows them. */
export interface BulkLimits {
  readonly maxOperations: number;
  /** Bytes of request body; enforced by http/ before the body is parsed. */
  readonly maxPayloadSize: number;
}

export const BULK_LIMITS: BulkLimits = { maxOperations: 1000, maxPayloadSize: 1_048_576 };

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** The resource endpoint a bulk operation addresses (RFC 7644 §3.7 "path"): "Users". */
export type BulkEndpoint = string;

interface OperationCommon {
  /** Position in the request's Operations array, so results can be reported in request order. */
  readonly index: number;
  readonly endpoint: BulkEndpoint;
  /** The path exactly as sent. */
  readonly path: string;
}

/**
 * One operation of a BulkRequest (RFC 7644 §3.7). A POST names a resource type endpoint and carries
 * the client's bulkId; the others name one resource, whose id may be "bulkId:<id>" (§3.7.2).
 * `version` is the If-Match value for PUT, PATCH and DELETE (§3.7 "version", §3.14).
 */
export type BulkOperation =
  | (OperationCommon & { readonly method: 'POST'; readonly bulkId: string; readonly data: JsonObject })
  | (OperationCommon & {
      readonly method: 'PUT' | 'PATCH';
      readonly id: string;
      readonly bulkId?: string;
      readonly version?: string;
      readonly data: JsonObject;
    })
  | (OperationCommon & {
      readonly method: 'DELETE';
      readonly id: string;
      readonly bulkId?: string;
      readonly version?: string;
    });

export interface BulkRequest {
  /** RFC 7644 §3.7: how many errors are accepted before the rest is not processed. */
  readonly failOnErrors?: number;
  readonly operations: readonly BulkOperation[];
}

const METHODS: ReadonlySet<string> = new Set<BulkMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);
const PATH = /^\/([^/?#]+)(?:\/([^/?#]+))?$/;

/**
 * Parses a BulkRequest body (RFC 7644 §3.7). Anything that breaks the message's structure is 400
 * invalidSyntax for the whole request ("did not conform to the request schema", §3.12): without a
 * method, path or bulkId an operation cannot even be reported on. Too many operations is 413 with
 * the limit named in the detail (§3.7.4).
 */
export function parseBulkRequest(
  body: unknown,
  limits: BulkLimits = BULK_LIMITS,
  endpoints: readonly string[] = defaultRegistry.resourceTypes.map(endpointName),
): BulkRequest {
  if (!isJsonObject(body)) throw syntax('a bulk request body must be a JSON object.');
  const members = caseInsensitiveMembers(body, 'the bulk request');
  const schemas = members.get('schemas');
  if (
    !Array.isArray(schemas) ||
    !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase())
  ) {
    throw syntax(`"schemas" must be ["${BULK_REQUEST_SCHEMA}"].`);
  }
  const operations = members.get('operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    // §3.7: Operations is REQUIRED; a bulk job without operations asks for nothing.
    throw syntax('"Operations" must be an array of one or more operations.');
  }
  if (operations.length > limits.maxOperations) {
    throw new ScimError(
      413,
      undefined,
      `The bulk request has ${operations.length} operations, more than the maxOperations (${limits.maxOperations}).`,
    );
  }
  const failOnErrors = members.get('failonerrors');
  if (
    failOnErrors !== undefined &&
    (typeof failOnErrors !== 'number' || !Number.isInteger(failOnErrors) || failOnErrors < 1)
  ) {
    throw syntax(`"failOnErrors" must be a positive integer, found ${JSON.stringify(failOnErrors)}.`);
  }
  const parsed = operations.map((operation, index) => parseOperation(operation, index, endpoints));
  checkUniqueBulkIds(parsed);
  return { ...(failOnErrors === undefined ? {} : { failOnErrors }), operations: parsed };
}

function parseOperation(input: JsonValue, index: number, endpoints: readonly string[]): BulkOperation {
  const where = `Operations[${index}]`;
  if (!isJsonObject(input)) throw syntax(`${where}: an operation must be a JSON object.`);
  const members = caseInsensitiveMembers(input, where);
  const rawMethod = members.get('method');
  const method = typeof rawMethod === 'string' ? rawMethod.toUpperCase() : undefined;
  if (method === undefined || !isMethod(method)) {
    throw syntax(`${where}: "method" must be POST, PUT, PATCH or DELETE, found ${JSON.stringify(rawMethod ?? null)}.`);
  }
  const path = members.get('path');
  const match = typeof path === 'string' ? PATH.exec(path) : null;
  const endpoint = match?.[1];
  if (typeof path !== 'string' || endpoint === undefined || !endpoints.includes(endpoint)) {
    const allowed = endpoints.flatMap((e) => [`/${e}`, `/${e}/{id}`]).join(', ');
    throw syntax(`${where}: "path" must be one of ${allowed}; found ${JSON.stringify(path ?? null)}.`);
  }
  const id = match?.[2];
  const bulkId = optionalString(members, 'bulkId', where);
  const version = optionalString(members, 'version', where);
  const data = members.get('data');
  if (method === 'DELETE') {
    if (id === undefined) throw syntax(`${where}: a DELETE path names one resource, such as /${endpoint}/{id}.`);
    return { index, method, endpoint, path, id, ...optional({ bulkId, version }) };
  }
  if (!isJsonObject(data)) {
    // §3.7 "data": REQUIRED when "method" is "POST", "PUT", or "PATCH".
    throw syntax(`${where}: ${method} requires "data", a JSON object.`);
  }
  if (method === 'POST') {
    // §3.7 "path": a POST names a resource type endpoint; "bulkId": REQUIRED when "method" is "POST".
    if (id !== undefined) throw syntax(`${where}: a POST path names an endpoint such as /${endpoint}, not a resource.`);
    if (bulkId === undefined) throw syntax(`${where}: a POST requires a "bulkId".`);
    return { index, method, endpoint, path, bulkId, data };
  }
  if (id === undefined) throw syntax(`${where}: a ${method} path names one resource, such as /${endpoint}/{id}.`);
  return { index, method, endpoint, path, id, data, ...optional({ bulkId, version }) };
}

/** Leaves absent members out rather than present as undefined. */
function optional(members: { bulkId: string | undefined; version: string | undefined }) {
  return {
    ...(members.bulkId === undefined ? {} : { bulkId: members.bulkId }),
    ...(members.version === undefined ? {} : { version: members.version }),
  };
}

/** §3.7 "bulkId": "unique within a bulk request", or references to it would be ambiguous. */
function checkUniqueBulkIds(operations: readonly BulkOperation[]): void {
  const seen = new Set<string>();
  for (const operation of operations) {
    if (operation.bulkId === undefined) continue;
    if (seen.has(operation.bulkId)) {
      throw syntax(`Operations[${operation.index}]: bulkId "${operation.bulkId}" is used more than once.`);
    }
    seen.add(operation.bulkId);
  }
}

function optionalString(members: Map<string, JsonValue>, name: string, where: string): string | undefined {
  const value = members.get(name.toLowerCase());
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw syntax(`${where}: "${name}" must be a non-empty string.`);
  return value;
}

function isMethod(method: string): method is BulkMethod {
  return METHODS.has(method);
}

function syntax(detail: string): ScimError {
  return new ScimError(400, 'invalidSyntax', detail);
}
