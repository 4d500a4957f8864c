import { explainFailure, providerName, type FailureExplanation } from '../observability/failure-explanation.js';
import { sqlOf, type Database } from '../storage/db.js';
import type { AuthFailureStore } from '../storage/auth-failure-store.js';
import type { RequestLogStore, StoredRequestLogEntry } from '../storage/request-log-store.js';
import { resourceCount } from '../storage/resource-counts.js';

const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** What an identity provider sends: the request log also holds MCP tool calls (method MCP). */
const SCIM_METHODS = ['GET', 'HEAD', ...WRITES] as const;

export interface SeenRequest {
  readonly at: Date;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The provider's name as an IT admin knows it (Okta, Entra ID, …). */
  readonly provider: string;
}

export interface ConnectionStatus {
  /** The newest request that authenticated, if any. */
  readonly lastAuthenticated: SeenRequest | undefined;
  /** The newest request refused for its token, if any, and why in plain words. */
  readonly lastRefused: { readonly at: Date; readonly provider: string; readonly reason: string } | undefined;
}

export interface PortalOverview {
  readonly users: number;
  readonly groups: number;
  readonly connection: ConnectionStatus;
  /** The newest write that succeeded: the last provisioning activity. */
  readonly lastActivity: SeenRequest | undefined;
}

export interface ExplainedFailure extends FailureExplanation {
  readonly at: Date;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly provider: string;
}

const REFUSAL_REASONS: Readonly<Record<string, string>> = {
  missing: 'it sent no token',
  invalid: 'its token is not valid for this application: it may be mistyped, revoked or expired',
};

const seen = (entry: StoredRequestLogEntry): SeenRequest => ({
  at: entry.receivedAt,
  method: entry.method,
  path: entry.path,
  status: entry.status,
  provider: providerName(entry.provider),
});

/**
 * What the setup portal tells a tenant's IT admin about provisioning: how many users and groups
 * arrived, whether the identity provider's requests get through, and the refused ones explained.
 * Read from the tenant's request log (authenticated requests), its refused-request record
 * (tenancy/auth-failures.ts) and its kept counts.
 */
export class PortalStatus {
  constructor(
    private readonly db: Database,
    private readonly requestLog: RequestLogStore,
    private readonly authFailures: AuthFailureStore,
  ) {}

  async overview(tenantId: string): Promise<PortalOverview> {
    const q = sqlOf(this.db);
    const [users, groups, [last], writes, refused] = await Promise.all([
      resourceCount(q, tenantId, 'User'),
      resourceCount(q, tenantId, 'Group'),
      this.requestLog.list(q, tenantId, { limit: 1, methods: SCIM_METHODS }),
      this.requestLog.list(q, tenantId, { limit: 20, methods: WRITES }),
      this.authFailures.find(tenantId),
    ]);
    const lastWrite = writes.find((w) => w.status < 400);
    return {
      users,
      groups,
      connection: {
        lastAuthenticated: last === undefined ? undefined : seen(last),
        lastRefused:
          refused === null
            ? undefined
            : {
                at: refused.lastAt,
                provider: providerName(refused.provider),
                reason: REFUSAL_REASONS[refused.reason] ?? REFUSAL_REASONS['invalid'] ?? '',
              },
      },
      lastActivity: lastWrite === undefined ? undefined : seen(lastWrite),
    };
  }

  /** The newest refused requests, each explained (observability/failure-explanation.ts). */
  async failures(tenantId: string, limit: number): Promise<ExplainedFailure[]> {
    const entries = await this.requestLog.list(sqlOf(this.db), tenantId, {
      failed: true,
      methods: SCIM_METHODS,
      limit,
    });
    return entries.map((entry) => ({
      ...explainFailure(entry),
      at: entry.receivedAt,
      method: entry.method,
      path: entry.path,
      status: entry.status,
      provider: providerName(entry.provider),
    }));
  }
}
