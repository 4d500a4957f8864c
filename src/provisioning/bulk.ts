import { referencedBulkIds, resolveReferences } from '../scim/bulk/references.js';
import type { BulkMethod, BulkOperation, BulkRequest } from '../scim/bulk/request.js';
import { ScimError, type ScimErrorBody } from '../scim/errors.js';
import { etagOf } from '../scim/resource/representation.js';
import { requireAuthenticated, type TenantContext } from './context.js';
import type { ResourceService } from './resources.js';
import { ID_ONLY } from '../scim/projection.js';
import { isUuid } from '../scim/resource/ids.js';
import { SchemaChanged, StatementCanceled, translateError } from '../storage/errors.js';

export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/** The writes of one resource type that bulk operations call; the Users and Groups use cases. */
export type ResourceWriter = Pick<ResourceService, 'create' | 'replace' | 'patch' | 'delete'>;

/** One entry of BulkResponse.Operations (RFC 7644 §3.7, §3.7.3). */
export interface BulkOperationResult {
  readonly method: BulkMethod;
  readonly bulkId?: string;
  readonly version?: string;
  /** Absent only for a failed POST (no resource) or a path whose bulkId never resolved. */
  readonly location?: string;
  /** A string, as in the RFC's examples: "201", "412". */
  readonly status: string;
  /** §3.7 "response": MUST be present for a non-2xx status; omitted on success, as the RFC allows. */
  readonly response?: ScimErrorBody;
}

export interface BulkResponse {
  readonly schemas: readonly [typeof BULK_RESPONSE_SCHEMA];
  readonly Operations: readonly BulkOperationResult[];
}

// Ids are UUIDs; anything else names no resource (and must not reach a uuid cast in storage/).

/**
 * The /Bulk use case (RFC 7644 §3.7). Each operation calls one use case, so each is its own
 * transaction: a failed operation leaves the others committed, and the service "MUST continue
 * performing as many changes as possible and disregard partial failures" unless failOnErrors
 * says otherwise. Errors that are not ScimErrors are not an operation's result but a fault of the
 * service: they propagate and the whole request becomes a 500.
 */
export class Bulk {
  /** The writers of each resource type, by type id; an operation finds its type by endpoint. */
  constructor(
    private readonly writers: ReadonlyMap<string, ResourceWriter>,
    /** An operation met the schema fence: the tenant's cached profile is stale on this replica. */
    private readonly onSchemaChanged: (tenantId: string) => void = () => undefined,
  ) {}

  async run(ctx: TenantContext, request: BulkRequest): Promise<BulkResponse> {
    requireAuthenticated(ctx);
    const schedule = new Schedule(request.operations);
    const results = new Map<number, BulkOperationResult>();
    const failOnErrors = request.failOnErrors ?? Number.POSITIVE_INFINITY;
    let errors = 0;
    // §3.7.3: after failOnErrors errors the rest is not processed and not reported.
    while (errors < failOnErrors) {
      const next = schedule.next();
      if (next === undefined) break;
      const operation = resolveReferences(next.operation, schedule.created);
      const outcome =
        next.blockedBy === undefined
          ? await this.execute(ctx, operation)
          : { result: failure(ctx, operation, next.blockedBy) };
      schedule.finish(next.operation, outcome.createdId);
      results.set(operation.index, outcome.result);
      if (outcome.result.response !== undefined) errors += 1;
    }
    // Reported in request order, so a client can match results to operations by position too.
    return {
      schemas: [BULK_RESPONSE_SCHEMA],
      Operations: [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result),
    };
  }

  private async execute(
    ctx: TenantContext,
    operation: BulkOperation,
  ): Promise<{ result: BulkOperationResult; createdId?: string }> {
    const type = ctx.registry.byEndpoint(operation.endpoint);
    const service = type === undefined ? undefined : this.writers.get(type.id);
    // parseBulkRequest admitted only the tenant's endpoints, each of which has its writer.
    if (type === undefined || service === undefined)
      throw new Error(`No writer for the bulk endpoint /${operation.endpoint}.`);
    const resourceId = (id: string) => {
      if (!isUuid(id)) throw new ScimError(404, undefined, `${type.name} ${id} not found.`);
      return id.toLowerCase();
    };
    try {
      switch (operation.method) {
        case 'POST': {
          const created = await service.create(ctx, operation.data, ID_ONLY);
          const id = created.resource['id'];
          if (typeof id !== 'string') throw new Error('The create use case returned a resource without an id.');
          return { result: success(ctx, operation, id, '201', created.version), createdId: id };
        }
        case 'PUT': {
          const id = resourceId(operation.id);
          const replaced = await service.replace(ctx, id, operation.data, operation.version, ID_ONLY);
          return { result: success(ctx, operation, id, '200', replaced.version) };
        }
        case 'PATCH': {
          const id = resourceId(operation.id);
          const patched = await service.patch(ctx, id, operation.data, operation.version, ID_ONLY);
          return { result: success(ctx, operation, id, '200', patched.version) };
        }
        case 'DELETE': {
          const id = resourceId(operation.id);
          await service.delete(ctx, id, operation.version);
          return { result: success(ctx, operation, id, '204', undefined) };
        }
      }
    } catch (error) {
      if (error instanceof ScimError) return { result: failure(ctx, operation, error) };
      // The statement timeout undid this operation alone (each runs in its own transaction): it
      // fails as a 503 of its own (§3.7.3), and the operations already done stay reported done.
      if (translateError(error) instanceof StatementCanceled) {
        const canceled = new ScimError(503, undefined, 'The database took too long to carry out this operation.');
        return { result: failure(ctx, operation, canceled) };
      }
      // The schema fence undid this operation alone: the tenant's extensions changed since the
      // request was validated; sent again, it is validated against the new ones.
      if (translateError(error) instanceof SchemaChanged) {
        this.onSchemaChanged(ctx.tenantId);
        const changed = new ScimError(
          503,
          undefined,
          "The tenant's schema extensions changed while this operation was being carried out, and it was not; send it again.",
        );
        return { result: failure(ctx, operation, changed) };
      }
      throw error;
    }
  }
}

/**
 * The order operations run in. Request order, except that an operation referring to a bulkId
 * waits until that bulkId's POST has run: §3.7 lets the service reorder when "the client's intent
 * is preserved", and its own example is a User that must exist before a Group can list it. To keep
 * that intent, operations on one resource path also keep their relative order.
 */
class Schedule {
  /** bulkId → id of the resource its POST created. */
  readonly created = new Map<string, string>();
  private readonly failed = new Set<string>();
  private readonly posted: ReadonlySet<string>;
  private readonly dependencies: ReadonlyMap<BulkOperation, ReadonlySet<string>>;
  /** Pending non-POST operations per path, in request order. */
  private readonly byPath = new Map<string, BulkOperation[]>();
  private pending: BulkOperation[];

  constructor(operations: readonly BulkOperation[]) {
    this.pending = [...operations];
    this.posted = new Set(operations.flatMap((o) => (o.method === 'POST' ? [o.bulkId] : [])));
    this.dependencies = new Map(operations.map((o) => [o, referencedBulkIds(o)]));
    for (const operation of operations) {
      if (operation.method === 'POST') continue;
      this.byPath.set(operation.path, [...(this.byPath.get(operation.path) ?? []), operation]);
    }
  }

  /**
   * The first pending operation that can run or must fail; undefined when none is left. When every
   * pending operation waits, the waits form a cycle that reordering cannot break: §3.7.1 has the
   * service "try to resolve circular cross-references" but lets it "stop after a failed attempt and
   * instead return HTTP status code 409 (Conflict)", which each operation caught in it gets.
   */
  next(): { operation: BulkOperation; blockedBy?: ScimError } | undefined {
    let circular: BulkOperation | undefined;
    for (const operation of this.pending) {
      const unresolved = [...this.dependsOn(operation)].filter((bulkId) => !this.created.has(bulkId));
      const blockedBy = this.blocker(unresolved);
      if (blockedBy !== undefined) return { operation, blockedBy };
      if (unresolved.length > 0) {
        circular ??= operation;
        continue;
      }
      if (operation.method === 'POST' || this.byPath.get(operation.path)?.[0] === operation) return { operation };
    }
    if (circular === undefined) return undefined;
    const waitsFor = [...this.dependsOn(circular)].filter((bulkId) => !this.created.has(bulkId));
    return {
      operation: circular,
      blockedBy: conflict(
        `The operation references ${list(waitsFor)}, which cannot be created before it: the bulkId references of this request form a cycle (RFC 7644 §3.7.1).`,
      ),
    };
  }

  finish(operation: BulkOperation, createdId: string | undefined): void {
    this.pending = this.pending.filter((o) => o !== operation);
    const queue = this.byPath.get(operation.path);
    if (queue !== undefined)
      this.byPath.set(
        operation.path,
        queue.filter((o) => o !== operation),
      );
    if (operation.method !== 'POST') return;
    if (createdId === undefined) this.failed.add(operation.bulkId);
    else this.created.set(operation.bulkId, createdId);
  }

  private dependsOn(operation: BulkOperation): ReadonlySet<string> {
    return this.dependencies.get(operation) ?? new Set();
  }

  /**
   * A reference that can never resolve. The RFC names no status for it; 409 is the one §3.7.1
   * gives an unresolved cross-reference, and §3.12 defines no scimType for it.
   */
  private blocker(unresolved: readonly string[]): ScimError | undefined {
    const unknown = unresolved.filter((bulkId) => !this.posted.has(bulkId));
    if (unknown.length > 0) {
      return conflict(`The operation references ${list(unknown)}, but no POST in this bulk request has that bulkId.`);
    }
    const failed = unresolved.filter((bulkId) => this.failed.has(bulkId));
    if (failed.length > 0) {
      return conflict(`The operation references ${list(failed)}, whose POST failed, so no resource has that bulkId.`);
    }
    return undefined;
  }
}

function success(
  ctx: TenantContext,
  operation: BulkOperation,
  id: string,
  status: string,
  version: number | undefined,
): BulkOperationResult {
  return {
    method: operation.method,
    ...(operation.bulkId === undefined ? {} : { bulkId: operation.bulkId }),
    ...(version === undefined ? {} : { version: etagOf(version) }),
    location: `${ctx.baseUrl}/${operation.endpoint}/${id}`,
    status,
  };
}

/** §3.7.3: every operation but a failed POST has a location; the response is the §3.12 Error. */
function failure(ctx: TenantContext, operation: BulkOperation, error: ScimError): BulkOperationResult {
  // A path still holding "bulkId:…" names no resource, so it has no location either.
  const id = operation.method === 'POST' || !isUuid(operation.id) ? undefined : operation.id.toLowerCase();
  return {
    method: operation.method,
    ...(operation.bulkId === undefined ? {} : { bulkId: operation.bulkId }),
    ...(id === undefined ? {} : { location: `${ctx.baseUrl}/${operation.endpoint}/${id}` }),
    status: String(error.status),
    response: error.toBody(),
  };
}

function conflict(detail: string): ScimError {
  return new ScimError(409, undefined, detail);
}

function list(bulkIds: readonly string[]): string {
  return bulkIds.map((bulkId) => `"bulkId:${bulkId}"`).join(', ');
}
