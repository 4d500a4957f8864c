import type { JsonObject } from '../scim/resource/json.js';

/** What a use case hands back to http/: the full representation, projected there. */
export interface ResourceResult {
  readonly resource: JsonObject;
  readonly version: number;
}

export interface ListResult {
  readonly total: number;
  readonly resources: readonly JsonObject[];
  /** RFC 9865: present when cursor paging and more resources follow. */
  readonly nextCursor?: string;
}
