/**
 * Sleeps `ms`, less when the function `register` is handed gets called or `signal` aborts; never
 * throws. `register` files the wake where the waker finds it and returns how to take it back,
 * which happens however the sleep ends.
 *
 * A plain timer and callback rather than an AbortController: the dispatchers are woken once per
 * numbered batch of events, and aborting a controller builds a DOMException with its stack each
 * time, which the bench found in every write's profile.
 */
export function wakeableSleep(
  ms: number,
  register: (wake: () => void) => () => void,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise<void>((resolve) => {
    // An object, not a let: a wake may come from inside register(), which flow analysis cannot see.
    const state = { done: false };
    let unregister: (() => void) | undefined;
    const end = () => {
      if (state.done) return;
      state.done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', end);
      unregister?.();
      resolve();
    };
    const timer = setTimeout(end, ms);
    signal?.addEventListener('abort', end, { once: true });
    const taken = register(end);
    // A wake during register() itself ended the sleep before its undo existed.
    if (state.done) taken();
    else unregister = taken;
  });
}
