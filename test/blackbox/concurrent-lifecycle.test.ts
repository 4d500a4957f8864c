import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectIsolatedLifecycles, runLifecycleLoad } from '../helpers/lifecycle-load.js';
import { MODES, startBlackBox, type BlackBox } from './harness.js';

/**
 * Issue 11, finding 2: concurrent requests on the embedded default corrupted each other's
 * transactions. 8 clients × 15 user lifecycles through the built service, with a webhook
 * subscription and events API long-polls running alongside: every request answers as if alone
 * and every event arrives once, in order, in both database modes.
 */
describe.each(MODES)('8 concurrent clients × 15 user lifecycles (%s database)', (mode) => {
  let box: BlackBox;
  beforeAll(async () => {
    // Eight clients of one tenant at once: above the default per-tenant admission limit, which
    // is not what this test is about.
    box = await startBlackBox(mode, { env: { TENANT_MAX_CONCURRENT_REQUESTS: '16' } });
  });
  afterAll(async () => {
    await box.stop();
  });

  it('answers every request as if alone, delivers every event once in sequence order, and long-polls never block SCIM requests', async () => {
    const run = await runLifecycleLoad({ origin: box.url, adminToken: box.adminToken }, { waitSeconds: 5 });
    expectIsolatedLifecycles(run, 5);
  }, 120_000);
});
