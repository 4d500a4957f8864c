import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type DeliveryOutcomeLabel = 'delivered' | 'failed' | 'gave_up';

/** What the dispatcher reports as it delivers; per process, summed by Prometheus across them. */
export interface DispatcherMetrics {
  delivery(outcome: DeliveryOutcomeLabel, seconds: number): void;
  retryScheduled(): void;
  pruned(count: number): void;
}

/**
 * The service's Prometheus metrics (GET /metrics). No label carries a tenant: they would leak
 * customer names into monitoring and grow without bound.
 */
export class Metrics implements DispatcherMetrics {
  readonly registry = new Registry();
  private readonly deliveries: Counter<'outcome'>;
  private readonly retries: Counter;
  private readonly prunedEvents: Counter;
  private readonly deliverySeconds: Histogram<'outcome'>;
  private readonly compatRules: Counter<'rule' | 'provider'>;
  private readonly tenantRefusals: Counter<'reason'>;

  /** `outboxLagSeconds` is asked at scrape time: the age of the oldest event still to deliver. */
  constructor(outboxLagSeconds: () => Promise<number>) {
    collectDefaultMetrics({ register: this.registry });
    this.deliveries = new Counter({
      name: 'scim_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered (2xx), failed (to be retried), gave_up (retry window over).',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.retries = new Counter({
      name: 'scim_webhook_retries_total',
      help: 'Retries scheduled after a failed webhook delivery.',
      registers: [this.registry],
    });
    this.prunedEvents = new Counter({
      name: 'scim_outbox_events_pruned_total',
      help: 'Outbox events deleted past EVENT_RETENTION_DAYS.',
      registers: [this.registry],
    });
    this.deliverySeconds = new Histogram({
      name: 'scim_webhook_delivery_duration_seconds',
      help: 'Duration of one webhook delivery attempt.',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.compatRules = new Counter({
      name: 'scim_compat_rules_total',
      help: 'Requests that needed a provider rule (docs/providers/README.md), by rule and provider.',
      labelNames: ['rule', 'provider'],
      registers: [this.registry],
    });
    this.tenantRefusals = new Counter({
      name: 'scim_tenant_requests_refused_total',
      help: 'SCIM requests answered 429 because their tenant was over its limit, by limit: concurrency or rate.',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'scim_outbox_lag_seconds',
      help: 'Age of the oldest event not yet delivered to an enabled webhook subscription (0 when none waits).',
      registers: [this.registry],
      async collect() {
        this.set(await outboxLagSeconds());
      },
    });
  }

  delivery(outcome: DeliveryOutcomeLabel, seconds: number): void {
    this.deliveries.inc({ outcome });
    this.deliverySeconds.observe({ outcome }, seconds);
  }

  compatRule(rule: string, provider: string): void {
    this.compatRules.inc({ rule, provider });
  }

  tenantRequestRefused(reason: 'concurrency' | 'rate'): void {
    this.tenantRefusals.inc({ reason });
  }

  retryScheduled(): void {
    this.retries.inc();
  }

  pruned(count: number): void {
    this.prunedEvents.inc(count);
  }
}
