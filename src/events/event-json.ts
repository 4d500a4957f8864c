import type { JsonObject } from '../scim/resource/json.js';
import type { StoredEvent } from '../storage/outbox.js';

/**
 * An event as the app receives it, from the events API and as a webhook body alike
 * (docs/events.md, "The shape"). `externalId` is null when the resource has none.
 */
export function eventJson(event: StoredEvent): JsonObject {
  return {
    id: event.id,
    type: event.type,
    tenantId: event.tenantId,
    sequence: event.sequence,
    occurredAt: event.occurredAt.toISOString(),
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    externalId: event.externalId ?? null,
    data: event.data,
    // The app's own model of the resource (the tenant's attribute mapping, docs/events.md);
    // null for member events, which name ids only.
    mapped: event.mapped ?? null,
    changedAttributes: [...event.changedAttributes],
  };
}

/**
 * A batch as one webhook body carries it, for subscriptions with a batchSize above 1
 * (docs/events.md, "Batches"): consecutive events in sequence order, each exactly as eventJson
 * gives it. `type` tells a batch from a single event, whose `type` is never "batch".
 */
export function batchJson(events: readonly StoredEvent[]): JsonObject {
  return { type: 'batch', events: events.map(eventJson) };
}
