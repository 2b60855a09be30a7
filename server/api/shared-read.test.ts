import { describe, expect, it } from "vitest";

import { createSharedRead } from "./shared-read";

/** A read whose answers the test releases one by one. */
function controlledReads() {
  const calls: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  const read = () =>
    new Promise<number>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { read, calls };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A shared read that has answered 1 and gone stale (6 s later, fresh for 5 s): its next get() starts a background read. */
async function staleAfterOneRead() {
  const clock = { now: 0 };
  const { read, calls } = controlledReads();
  const shared = createSharedRead({ read, freshMs: 5_000, staleMs: 60_000, now: () => clock.now });
  const first = shared.get();
  calls[0]?.resolve(1);
  await first;
  clock.now = 6_000;
  return { shared, calls, clock };
}

describe("createSharedRead", () => {
  it("shares one read among concurrent callers, serves it fresh, then stale while one background read runs", async () => {
    let clock = 0;
    const { read, calls } = controlledReads();
    const shared = createSharedRead({ read, freshMs: 5_000, staleMs: 60_000, now: () => clock });

    const a = shared.get();
    const b = shared.get();
    expect(calls).toHaveLength(1);
    calls[0]?.resolve(1);
    expect(await a).toBe(1);
    expect(await b).toBe(1);

    clock = 4_000;
    expect(await shared.get()).toBe(1);
    expect(calls).toHaveLength(1);

    clock = 10_000; // stale: served at once, one background read
    expect(await shared.get()).toBe(1);
    expect(await shared.get()).toBe(1);
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(2);
    await tick();
    expect(await shared.get()).toBe(2);

    clock = 10_000 + 61_000; // expired: callers wait for a new read
    const c = shared.get();
    expect(calls).toHaveLength(3);
    calls[2]?.resolve(3);
    expect(await c).toBe(3);
  });

  it("keeps the stale value when a background read fails, and lets the next caller try again", async () => {
    const { shared, calls } = await staleAfterOneRead();
    expect(await shared.get()).toBe(1);
    calls[1]?.reject(new Error("agent busy"));
    await tick();
    expect(await shared.get()).toBe(1);
    expect(calls).toHaveLength(3);
  });

  it("a failed first read reaches its callers and is not kept", async () => {
    const { read, calls } = controlledReads();
    const shared = createSharedRead({ read, freshMs: 5_000, staleMs: 60_000, now: () => 0 });
    const first = shared.get();
    calls[0]?.reject(new Error("agent unavailable"));
    await expect(first).rejects.toThrow("agent unavailable");
    const second = shared.get();
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(7);
    expect(await second).toBe(7);
  });

  it("forget() drops the value, and a read under way when it was called is not kept", async () => {
    const { shared, calls } = await staleAfterOneRead();
    void shared.get(); // background read under way
    expect(calls).toHaveLength(2);
    shared.forget(); // e.g. a vif was attached
    const after = shared.get();
    expect(calls).toHaveLength(3);
    calls[1]?.resolve(99); // the read from before the change
    calls[2]?.resolve(2);
    expect(await after).toBe(2);
    await tick();
    expect(await shared.get()).toBe(2);
  });
});
