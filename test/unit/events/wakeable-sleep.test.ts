import { describe, expect, it } from 'vitest';
import { wakeableSleep } from '../../../src/events/wakeable-sleep.js';

/** A waker as the dispatcher and the events reader keep one: a list of wakes. */
function waker() {
  const wakes = new Set<() => void>();
  return {
    register: (wake: () => void) => {
      wakes.add(wake);
      return () => wakes.delete(wake);
    },
    wakeAll: () => {
      for (const wake of [...wakes]) wake();
    },
    get filed() {
      return wakes.size;
    },
  };
}

describe('wakeableSleep', () => {
  it('ends at its time when nobody wakes it, and takes its wake back', async () => {
    const w = waker();
    const started = Date.now();
    await wakeableSleep(30, w.register);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(w.filed).toBe(0);
  });

  it('ends at once when woken, long before its time', async () => {
    const w = waker();
    const started = Date.now();
    const sleeping = wakeableSleep(60_000, w.register);
    expect(w.filed).toBe(1);
    w.wakeAll();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(w.filed).toBe(0);
  });

  it('ends when its signal aborts, or at once when it already had', async () => {
    const w = waker();
    const controller = new AbortController();
    const sleeping = wakeableSleep(60_000, w.register, controller.signal);
    controller.abort();
    await sleeping;
    expect(w.filed).toBe(0);
    await wakeableSleep(60_000, w.register, controller.signal);
    expect(w.filed).toBe(0);
  });

  it('survives a wake during its own registration', async () => {
    let undone = 0;
    await wakeableSleep(60_000, (wake) => {
      wake();
      return () => (undone += 1);
    });
    expect(undone).toBe(1);
  });
});
