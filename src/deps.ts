import type { Config } from './config/config.js';
import type { Secrets } from './config/secrets.js';
import type { Logger } from './observability/logger.js';
import { defaultRegistry } from './scim/schema/built-in-types.js';
import type { SchemaRegistry } from './scim/schema/registry.js';
import type { ResourceService } from './provisioning/resources.js';
import { closeDatabase, createDatabase, sqlOf, type Database } from './storage/db.js';
import { Metrics } from './observability/metrics.js';
import { RequestLog } from './observability/request-log.js';
import { RequestLogStore } from './storage/request-log-store.js';
import { OutboxStore } from './storage/outbox.js';
import { checkReadiness, type Readiness } from './storage/readiness.js';
import { TenantStore } from './storage/tenant-store.js';
import { TokenStore } from './storage/token-store.js';
import { ScimTokens } from './tenancy/scim-tokens.js';
import { Dispatcher } from './events/dispatcher.js';
import { EventsReader } from './events/events-reader.js';
import { EventSequencer } from './events/sequencer.js';
import { EventNotifications } from './storage/event-notifications.js';
import { Webhooks } from './events/webhooks.js';
import { WebhookSecrets } from './events/webhook-secrets.js';
import { WebhookStore } from './storage/webhook-store.js';
import { Bulk } from './provisioning/bulk.js';
import { Groups } from './provisioning/groups.js';
import { Users } from './provisioning/users.js';
import { UndeclaredExtensions } from './provisioning/undeclared-extensions.js';
import { GroupStore } from './storage/group-store.js';
import { MemberStore } from './storage/member-store.js';
import { UserStore } from './storage/user-store.js';
import { Tenants } from './tenancy/tenants.js';
import { TenantRegistries } from './tenancy/tenant-registries.js';
import { TenantSchemas } from './tenancy/tenant-schemas.js';
import { AttributeMappings } from './tenancy/attribute-mappings.js';
import { TenantSchemaStore } from './storage/tenant-schema-store.js';
import { TenantRequestLimiter } from './tenancy/request-limiter.js';
import { PortalLinks } from './tenancy/portal-links.js';
import { AuthFailures } from './tenancy/auth-failures.js';
import { PortalStatus } from './tenancy/portal-status.js';
import { PortalLinkStore } from './storage/portal-link-store.js';
import { AuthFailureStore } from './storage/auth-failure-store.js';
import { AgentLifecycle } from './provisioning/agent-lifecycle.js';
import { tenantContext } from './provisioning/context.js';
import { LinkedResources } from './provisioning/linked-resources.js';
import { References } from './provisioning/references.js';
import { LinkedResourceStore } from './storage/linked-resource-store.js';
import { ReferenceStore } from './storage/reference-store.js';
import { servicePrincipal } from './tenancy/principal.js';

/** Everything the HTTP layer needs, wired once; tests build it against their own database. */
export interface Deps {
  readonly config: Config;
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly db: Database;
  /** The built-in resource types; a tenant's own registry adds its extensions (TenantContext). */
  readonly registry: SchemaRegistry;
  /** The use cases of each resource type, by type id: routes and Bulk find them here. */
  readonly resources: ReadonlyMap<string, ResourceService>;
  readonly tenants: Tenants;
  /** Each tenant's schema extensions (admin API). */
  readonly tenantSchemas: TenantSchemas;
  /** Each tenant's attribute mapping: the app's model, carried in events (admin API). */
  readonly attributeMappings: AttributeMappings;
  readonly scimTokens: ScimTokens;
  /** Setup links for a tenant's IT admin, and the portal sessions they open (docs/portals.md). */
  readonly portalLinks: PortalLinks;
  /** The last refused request to each tenant's SCIM URL: the setup portal's connection test. */
  readonly authFailures: AuthFailures;
  /** What the setup portal shows of a tenant's provisioning: counts, connection, failures explained. */
  readonly portalStatus: PortalStatus;
  readonly users: Users;
  readonly groups: Groups;
  /** Ownerless agents and expiry (docs/agents.md); its sweep runs with the event flow. */
  readonly agentLifecycle: AgentLifecycle;
  readonly bulk: Bulk;
  /** The pull side of the outbox: the events API reads through it. */
  readonly events: EventsReader;
  /** Numbers committed events (decision 0007): SCIM writes settle their tenant through it. */
  readonly sequencer: EventSequencer;
  /**
   * Starts what keeps events flowing in every process, dispatcher or not: the sequencer's sweep,
   * and on a server the notifications of other processes' events. close() stops them.
   */
  startEventFlow(): void;
  readonly webhooks: Webhooks;
  /** Delivers webhooks; main.ts starts it in-process unless DISPATCHER=off, worker.ts always. */
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  /** Every authenticated SCIM request, per tenant (docs/providers/README.md). */
  readonly requestLog: RequestLog;
  readonly requestLogStore: RequestLogStore;
  /** Per-tenant concurrency and rate of SCIM requests in this process (http/scim/index.ts). */
  readonly requestLimiter: TenantRequestLimiter;
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

export interface DepsOptions {
  readonly config: Config;
  readonly secrets: Secrets;
  readonly logger: Logger;
  /** The database actually used: config.databaseUrl, or the embedded server's URL. */
  readonly databaseUrl: string;
  /** Serving from the embedded PGlite server: one session, so one connection (storage/db.ts). */
  readonly embedded?: boolean;
  /** Migration names this build ships; /readyz waits for all of them. */
  readonly migrations: readonly string[];
  /** Revocation reaches every replica within this long (default 2 s; the issue allows 5 s). */
  readonly tokenCacheTtlMs?: number;
  /** What "now" is for agent expiry (tests move it). */
  readonly clock?: () => Date;
}

export function createDeps(options: DepsOptions): Deps {
  const { config, secrets, logger, databaseUrl, migrations } = options;
  const db = createDatabase(databaseUrl, config.databasePoolSize, {
    embedded: options.embedded === true,
    statementTimeoutMs: config.limits.statementTimeoutMs,
  });
  const tenantStore = new TenantStore(db);
  const tenantSchemaStore = new TenantSchemaStore();
  const registries = new TenantRegistries(db, tenantSchemaStore, defaultRegistry);
  const tenants = new Tenants(tenantStore, config.publicUrl, registries);
  const members = new MemberStore();
  const outbox = new OutboxStore();
  const webhookStore = new WebhookStore();
  const requestLogStore = new RequestLogStore();
  const requestLog = new RequestLog(db, requestLogStore, logger);
  const authFailureStore = new AuthFailureStore(db);
  const authFailures = new AuthFailures(authFailureStore, (error) => {
    logger.warn({ err: error }, "the setup portal's connection test could not record a refused request");
  });
  const metrics = new Metrics(() => webhookStore.oldestUndeliveredAgeSeconds(sqlOf(db)));
  const webhookSecrets = new WebhookSecrets(secrets.webhookSecretKeys);
  const patchLimits = { maxOperations: config.limits.maxPatchOperations };
  const undeclared = new UndeclaredExtensions(db, tenantSchemaStore, (tenantId) => {
    tenants.forgetProfile(tenantId);
  });
  const agentStore = new LinkedResourceStore('scim_agents', true);
  const applicationStore = new LinkedResourceStore('scim_agentic_applications', false);
  const referenceStore = new ReferenceStore();
  const references = new References(
    referenceStore,
    new Map([
      ['Agent', agentStore],
      ['AgenticApplication', applicationStore],
    ]),
  );
  const agentLifecycle = new AgentLifecycle(db, agentStore, references, referenceStore, outbox, {
    contextOf: async (tenantId) =>
      tenantContext(
        tenantId,
        servicePrincipal(tenantId),
        tenants.scimBaseUrl(tenantId),
        await tenants.profile(tenantId),
      ),
    clock: options.clock,
    sweepIntervalMs: config.agentExpirySweepMs,
    onError: (error) => {
      logger.error({ err: error }, 'the agent expiry sweep failed; the next one will try again');
    },
  });
  const users = new Users(db, new UserStore(), members, outbox, undeclared, agentLifecycle, patchLimits);
  const groups = new Groups(db, new GroupStore(), members, outbox, undeclared, agentLifecycle, patchLimits);
  const linked = (typeId: string, store: LinkedResourceStore) =>
    new LinkedResources(typeId, db, store, references, agentLifecycle, outbox, undeclared, patchLimits);
  const resources = new Map<string, ResourceService>([
    ['User', users],
    ['Group', groups],
    ['Agent', linked('Agent', agentStore)],
    ['AgenticApplication', linked('AgenticApplication', applicationStore)],
  ]);
  const events = new EventsReader(db, outbox);
  const dispatcher = new Dispatcher(db, webhookStore, outbox, {
    webhooks: config.webhooks,
    secrets: webhookSecrets,
    retentionDays: config.eventRetentionDays,
    logger,
    metrics,
    requestLog: { store: requestLogStore, retentionDays: config.requestLogRetentionDays },
  });
  // Events numbered here or, heard through the database, elsewhere: wake what waits for them.
  const numbered = (tenantId: string) => {
    events.notify(tenantId);
    dispatcher.wake();
  };
  const sequencer = new EventSequencer(db, outbox, { logger, onSequenced: numbered });
  // The embedded database serves this process alone: every numbering happens here.
  const notifications = options.embedded === true ? undefined : new EventNotifications(databaseUrl, numbered, logger);
  return {
    config,
    secrets,
    logger,
    db,
    registry: defaultRegistry,
    tenants,
    tenantSchemas: new TenantSchemas(db, tenantSchemaStore, tenants, registries),
    attributeMappings: new AttributeMappings(db, tenantSchemaStore, tenants, registries),
    users,
    groups,
    agentLifecycle,
    resources,
    bulk: new Bulk(resources, (tenantId) => {
      tenants.forgetProfile(tenantId);
    }),
    events,
    sequencer,
    startEventFlow: () => {
      sequencer.start();
      notifications?.start();
      agentLifecycle.start();
    },
    webhooks: new Webhooks(db, webhookStore, outbox, config.webhooks, webhookSecrets),
    dispatcher,
    metrics,
    requestLog,
    requestLogStore,
    requestLimiter: new TenantRequestLimiter({
      maxConcurrent: config.limits.tenantMaxConcurrentRequests,
      perSecond: config.limits.tenantRateLimitPerSecond,
    }),
    scimTokens: new ScimTokens(new TokenStore(db), tenantStore, { cacheTtlMs: options.tokenCacheTtlMs ?? 2_000 }),
    portalLinks: new PortalLinks(new PortalLinkStore(db), tenantStore, secrets.jwtSecret),
    authFailures,
    portalStatus: new PortalStatus(db, requestLogStore, authFailureStore),
    readiness: () => checkReadiness(db, migrations),
    close: async () => {
      await notifications?.stop();
      await agentLifecycle.stop();
      await sequencer.stop();
      await requestLog.flush();
      await authFailures.flush().catch((error: unknown) => {
        logger.warn({ err: error }, "the setup portal's connection test could not record a refused request");
      });
      await closeDatabase(db);
    },
  };
}
