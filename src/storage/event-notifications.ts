import pg from 'pg';
import type { Logger } from '../observability/logger.js';

/** The channel scim_sequence_events() notifies, with the tenant as payload. */
const CHANNEL = 'scim_events';
const RECONNECT_MS = 1_000;

/**
 * Listens, on a connection of its own, for the tenants whose events another process just
 * numbered: this process's events API waits and dispatcher wake on it instead of at their next
 * poll. While the connection is down they still poll, so nothing depends on a notification
 * arriving; it reconnects every second until stopped.
 */
export class EventNotifications {
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onTenant: (tenantId: string) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      void client.end().catch(() => undefined);
      this.later();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload !== undefined) this.onTenant(message.payload);
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      this.logger.warn({ err: error }, 'event notifications: cannot listen; polling until reconnected');
      lost();
    }
  }

  private later(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), RECONNECT_MS);
    this.retry.unref();
  }
}
