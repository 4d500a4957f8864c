const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resource and token ids are UUIDs. Anything else names nothing, and must be caught before it
 * reaches a uuid cast in SQL.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
