/**
 * A value that is slow to read and shared by every caller (the agent's
 * security posture): one read at a time. Within `freshMs` of a read it is
 * served as is; up to `staleMs` after, it is served at once while one new read
 * runs in the background (the next caller gets it); after that, callers wait
 * for a new read. forget() drops it (the host changed): a read that was under
 * way when it was forgotten is not kept.
 */
export type SharedRead<T> = {
  get(): Promise<T>;
  forget(): void;
};

export function createSharedRead<T>(options: { read: () => Promise<T>; freshMs: number; staleMs: number; now?: () => number }): SharedRead<T> {
  const now = options.now ?? Date.now;
  /** The last settled value, and the read under way (each with when it started). */
  let settled: { at: number; value: Promise<T> } | null = null;
  let pending: { at: number; value: Promise<T> } | null = null;
  let generation = 0;

  const startRead = (): Promise<T> => {
    if (pending) return pending.value;
    const started = { at: now(), value: options.read() };
    const atGeneration = generation;
    pending = started;
    started.value.then(
      () => {
        if (pending === started) pending = null;
        if (generation === atGeneration) settled = started;
      },
      () => {
        if (pending === started) pending = null;
      },
    );
    return started.value;
  };

  return {
    get() {
      const age = settled ? now() - settled.at : Infinity;
      if (settled && age < options.freshMs) return settled.value;
      if (settled && age < options.staleMs) {
        // A failed background read keeps the stale value until it expires; the next caller tries again.
        startRead().catch(() => {});
        return settled.value;
      }
      return startRead();
    },
    forget() {
      generation++;
      settled = null;
      pending = null;
    },
  };
}
