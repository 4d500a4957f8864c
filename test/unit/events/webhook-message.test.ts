import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { batchMessage, eventMessage, webhookMessage } from '../../../src/events/delivery.js';
import { eventJson } from '../../../src/events/event-json.js';
import { generateWebhookSecret, webhookHeaders } from '../../../src/events/signing.js';
import type { StoredEvent } from '../../../src/storage/outbox.js';

// What one webhook POST carries: one event, or a batch (docs/events.md, "Batches").

const event = (sequence: number): StoredEvent => ({
  id: `3b241101-e2bb-4255-8caf-${String(sequence).padStart(12, '0')}`,
  type: 'user.created',
  tenantId: 'acme',
  sequence,
  occurredAt: new Date(Date.UTC(2026, 11, 7, 6, 0, sequence)),
  resourceType: 'User',
  resourceId: '2819c223-7f76-453a-919d-413861904646',
  externalId: undefined,
  data: { userName: `u${sequence}` },
  changedAttributes: [],
});

describe('webhookMessage', () => {
  it('sends an event alone with batchSize 1: the body is the event, the webhook-id its id', () => {
    const one = event(1);
    expect(webhookMessage([one], 1)).toEqual({ id: one.id, body: JSON.stringify(eventJson(one)) });
    expect(webhookMessage([one], 1)).toEqual(eventMessage(one));
  });

  it('sends a batch with a larger batchSize, even of one event: {"type": "batch", "events": [...]}', () => {
    const events = [event(1), event(2), event(3)] as const;
    const message = webhookMessage(events, 10);
    expect(JSON.parse(message.body)).toEqual({ type: 'batch', events: events.map((e) => eventJson(e)) });
    expect(JSON.parse(webhookMessage([event(1)], 10).body)).toMatchObject({ type: 'batch', events: [{ sequence: 1 }] });
  });

  it("names a batch after its events' ids: the same events the same id, any other events another", () => {
    const message = batchMessage([event(1), event(2), event(3)]);
    expect(message.id).toMatch(/^batch_[0-9a-f]{32}$/);
    // A retry carries the same events: same id, same bytes.
    expect(batchMessage([event(1), event(2), event(3)])).toEqual(message);
    // A batch that grew, lost an event (another subscription's type filter), or reordered is another message.
    for (const other of [
      [event(1), event(2), event(3), event(4)],
      [event(1), event(3)],
      [event(2), event(1), event(3)],
      [event(1)],
    ]) {
      expect(batchMessage(other).id).not.toBe(message.id);
    }
    // Not the id of a single event either.
    expect(batchMessage([event(1)]).id).not.toBe(event(1).id);
  });

  it('is verified by the standardwebhooks library as it is signed, batch or not', () => {
    const secret = generateWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    for (const message of [eventMessage(event(7)), batchMessage([event(7), event(8)])]) {
      const headers = webhookHeaders(secret, message.id, timestamp, message.body);
      expect(new Webhook(secret).verify(message.body, headers)).toEqual(JSON.parse(message.body));
    }
  });
});
