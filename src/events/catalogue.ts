import { defaultRegistry } from '../scim/schema/built-in-types.js';
import type { ResourceTypeDefinition } from '../scim/schema/registry.js';

/** An event type: `<prefix>.<what>`, from a resource type's event descriptor. */
export type EventType = string;

/**
 * The events a resource type emits (docs/events.md has an example of each). A change emits one
 * event per resource changed, and a membership change one event per member added or removed.
 */
export function eventTypesOf(type: ResourceTypeDefinition): string[] {
  const { prefix, activatable } = type.events;
  return [
    `${prefix}.created`,
    `${prefix}.updated`,
    ...(activatable ? [`${prefix}.deactivated`, `${prefix}.reactivated`] : []),
    `${prefix}.deleted`,
    ...(type.storage.membership?.side === 'group' ? [`${prefix}.member_added`, `${prefix}.member_removed`] : []),
  ];
}

/** Every event the service emits, read from the registry's resource types. */
export const EVENT_TYPES: readonly string[] = defaultRegistry.resourceTypes.flatMap(eventTypesOf);

export function isEventType(value: string): boolean {
  return EVENT_TYPES.includes(value);
}
