import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Sleeps `ms`, less when the function `register` is handed gets called or `signal` aborts; never
 * throws. `register` files the wake where the waker finds it and returns how to take it back,
 * which happens however the sleep ends.
 */
export async function wakeableSleep(
  ms: number,
  register: (wake: () => void) => () => void,
  signal?: AbortSignal,
): Promise<void> {
  const woken = new AbortController();
  const unregister = register(() => {
    woken.abort();
  });
  try {
    await sleep(ms, undefined, {
      signal: signal === undefined ? woken.signal : AbortSignal.any([woken.signal, signal]),
    });
  } catch {
    // Woken, or aborted.
  } finally {
    unregister();
  }
}
