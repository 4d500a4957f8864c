export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export interface ListResponse<T> {
  readonly schemas: readonly [typeof LIST_RESPONSE_SCHEMA];
  readonly totalResults: number;
  readonly startIndex: number;
  readonly itemsPerPage: number;
  readonly Resources: readonly T[];
}

/** RFC 7644 §3.4.2: a complete, unpaged list (startIndex 1, every item on the page). */
export function completeList<T>(items: readonly T[]): ListResponse<T> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: items.length,
    startIndex: 1,
    itemsPerPage: items.length,
    Resources: items,
  };
}
