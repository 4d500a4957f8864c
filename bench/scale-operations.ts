import { randomInt } from 'node:crypto';
import type { Answer, Connection, ScaleRequest } from './scale-load.js';
import { groupId, LARGE_GROUP_KEY, nameFragment, userId, userName, type TenantShape } from './scale-seed.js';

/** A seeded tenant under load, with the add-a-member load's place in its users. */
export interface MeasuredTenant {
  readonly shape: TenantShape;
  /** The next user to add to Engineering, shared by the connections and kept across runs. */
  nextMember: number;
  /**
   * Set once every user is a member: the add-a-member connections then stop (an add of a member
   * changes nothing, and would be timed as a cheaper request).
   */
  outOfMembers: boolean;
}

export interface ScaleOperation {
  readonly name: string;
  /** One connection's requests against the tenant. */
  connection(tenant: MeasuredTenant): Connection;
}

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patch = (operation: Record<string, unknown>) => JSON.stringify({ schemas: [PATCH_OP], Operations: [operation] });
const base = (tenant: MeasuredTenant) => `/scim/v2/${tenant.shape.id}`;
const randomUser = (tenant: MeasuredTenant) => randomInt(1, tenant.shape.users + 1);
const get = (path: string): ScaleRequest => ({ method: 'GET', path });
const filter = (text: string) => `filter=${encodeURIComponent(text)}`;

/** How many pages a connection reads before it starts over from the first. */
export const PAGES = 10;
export const PAGE_SIZE = 100;
export const CO_COUNT = 10;

/** The nextCursor of a list answer (RFC 9865), if it has one. */
function nextCursorOf(answer: Answer | undefined): string | undefined {
  if (answer === undefined || answer.status !== 200) return undefined;
  const body = JSON.parse(answer.body) as { nextCursor?: unknown };
  return typeof body.nextCursor === 'string' ? body.nextCursor : undefined;
}

export const OPERATIONS: readonly ScaleOperation[] = [
  {
    name: 'GET /Users/{id}',
    connection: (tenant) => () => get(`${base(tenant)}/Users/${userId(tenant.shape.id, randomUser(tenant))}`),
  },
  {
    name: 'GET filter userName eq',
    connection: (tenant) => () =>
      get(`${base(tenant)}/Users?${filter(`userName eq "${userName(tenant.shape.id, randomUser(tenant))}"`)}`),
  },
  {
    // A fragment of one random user's name ("chen4821@"): one match in either tenant.
    name: `GET filter userName co, count=${CO_COUNT}`,
    connection: (tenant) => () =>
      get(`${base(tenant)}/Users?${filter(`userName co "${nameFragment(randomUser(tenant))}"`)}&count=${CO_COUNT}`),
  },
  {
    // The service refuses sortBy with cursor (scim/list-query.ts): sorted pages go by startIndex.
    name: `GET sortBy=userName, count=${PAGE_SIZE}, pages 1–${PAGES} by startIndex`,
    connection: (tenant) => {
      let page = 0;
      return () => {
        const startIndex = 1 + (page % PAGES) * PAGE_SIZE;
        page += 1;
        return get(`${base(tenant)}/Users?sortBy=userName&count=${PAGE_SIZE}&startIndex=${startIndex}`);
      };
    },
  },
  {
    // RFC 9865 cursor paging in the only order it follows here, creation order: the first page
    // (cursor=), then each page's nextCursor, PAGES pages, then the first page again.
    name: `GET cursor, count=${PAGE_SIZE}, pages 1–${PAGES} (creation order)`,
    connection: (tenant) => {
      let page = 0;
      return (previous) => {
        const cursor = page % PAGES === 0 ? undefined : nextCursorOf(previous);
        page = cursor === undefined ? 1 : page + 1;
        return get(`${base(tenant)}/Users?count=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor ?? '')}`);
      };
    },
  },
  {
    name: 'PATCH /Users replace title',
    connection: (tenant) => () => ({
      method: 'PATCH',
      path: `${base(tenant)}/Users/${userId(tenant.shape.id, randomUser(tenant))}`,
      body: patch({ op: 'replace', path: 'title', value: `Title ${randomInt(1_000_000)}` }),
    }),
  },
  {
    // Each request adds a user that is not yet a member; answered 204 (no member list).
    name: 'PATCH /Groups add 1 member to the largest group',
    connection: (tenant) => () => {
      const n = tenant.nextMember;
      if (n > tenant.shape.users) {
        tenant.outOfMembers = true;
        return undefined;
      }
      tenant.nextMember = n + 1;
      return {
        method: 'PATCH',
        path: `${base(tenant)}/Groups/${groupId(tenant.shape.id, LARGE_GROUP_KEY)}`,
        body: patch({ op: 'add', path: 'members', value: [{ value: userId(tenant.shape.id, n) }] }),
      };
    },
  },
];
