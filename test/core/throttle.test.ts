import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUCKET,
  MemoryThrottleStore,
  Throttler,
  type ThrottleStore,
  type ThrottleStoreSyncState,
} from '../../src/core/throttle.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Manual clock: `sleep` resolves when `advance` moves the time past its deadline. */
function fakeClock() {
  let time = 0;
  let sleepers: { at: number; resolve: () => void }[] = [];
  return {
    now: (): number => time,
    sleep: (ms: number): Promise<void> => new Promise<void>((resolve) => sleepers.push({ at: time + ms, resolve })),
    async advance(ms: number): Promise<void> {
      const end = time + ms;
      for (;;) {
        await flush();
        const next = sleepers.reduce<(typeof sleepers)[number] | undefined>(
          (a, b) => (a && a.at <= b.at ? a : b),
          undefined,
        );
        if (next === undefined || next.at > end) break;
        sleepers = sleepers.filter((s) => s !== next);
        time = next.at;
        next.resolve();
      }
      time = end;
      await flush();
    },
  };
}

/** Start `take`s and record when (on `clock`) and in which order each is granted. */
function recorder(now: () => number) {
  const grants: { id: number; at: number }[] = [];
  const errors: { id: number; error: unknown }[] = [];
  const track = (id: number, promise: Promise<void>): Promise<void> =>
    promise.then(
      () => void grants.push({ id, at: now() }),
      (error: unknown) => void errors.push({ id, error }),
    );
  return { grants, errors, track };
}

/** Most grants within any window [t, t + w). */
function maxInWindow(times: number[], w: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= w) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('Throttler', () => {
  it('default: strict spacing of rateLimit ms, first request immediate', async () => {
    const clock = fakeClock();
    const t = new Throttler({ rateLimit: 100, now: clock.now, sleep: clock.sleep });
    const { grants, track } = recorder(clock.now);
    for (let i = 0; i < 3; i++) void track(i, t.take());
    await clock.advance(0);
    expect(grants).toEqual([{ id: 0, at: 0 }]);
    expect(t.queued).toBe(2);
    await clock.advance(250);
    expect(grants).toEqual([
      { id: 0, at: 0 },
      { id: 1, at: 100 },
      { id: 2, at: 200 },
    ]);
    expect(t.queued).toBe(0);
  });

  it('default: cost, burst capacity and a cost above the capacity', async () => {
    const clock = fakeClock();
    const t = new Throttler({ rateLimit: 10, capacity: 3, now: clock.now, sleep: clock.sleep });
    const { grants, track } = recorder(clock.now);
    for (let i = 0; i < 4; i++) void track(i, t.take());
    void track(4, t.take(5)); // more than the capacity: waits for a full bucket, then goes into debt
    void track(5, t.take(1));
    await clock.advance(200);
    expect(grants.map((g) => g.at)).toEqual([0, 0, 0, 10, 40, 70]);
  });

  it('default: uncontended take is granted without waiting', async () => {
    const t = new Throttler({ rateLimit: 1000, capacity: 2 });
    let granted = 0;
    void t.take().then(() => granted++);
    void t.take().then(() => granted++);
    await Promise.resolve();
    expect(granted).toBe(2);
    expect(t.queued).toBe(0);
  });

  it('default: rateLimit 0 is unlimited', async () => {
    const t = new Throttler({ rateLimit: 0 });
    await Promise.all(Array.from({ length: 50 }, () => t.take(10)));
    expect(t.queued).toBe(0);
  });

  it('behavior: fifo', async () => {
    const clock = fakeClock();
    const t = new Throttler({ rateLimit: 10, capacity: 5, now: clock.now, sleep: clock.sleep });
    const { grants, track } = recorder(clock.now);
    void track(0, t.take(5));
    void track(1, t.take(5)); // needs 50 ms of refill
    void track(2, t.take(1)); // would fit after 10 ms, but must not overtake
    void track(3, t.take(1, [])); // charges nothing, still waits its turn
    await clock.advance(100);
    expect(grants).toEqual([
      { id: 0, at: 0 },
      { id: 1, at: 50 },
      { id: 2, at: 60 },
      { id: 3, at: 60 },
    ]);
  });

  it('behavior: never exceeds rate under 200 concurrent calls', async () => {
    const rateLimit = 5;
    const capacity = 1;
    const t = new Throttler({ rateLimit, capacity });
    const { grants, errors, track } = recorder(Date.now);
    const start = Date.now();
    await Promise.all(Array.from({ length: 200 }, (_, i) => track(i, t.take())));
    const elapsed = Date.now() - start;
    expect(errors).toEqual([]);
    expect(grants.map((g) => g.id)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const times = grants.map((g) => g.at);
    for (const w of [1, 5, 10, 25, 50, 100, 500]) {
      expect(maxInWindow(times, w)).toBeLessThanOrEqual(Math.ceil(w / rateLimit) + capacity);
    }
    expect(elapsed).toBeGreaterThanOrEqual(199 * rateLimit - 2);
    expect(t.queued).toBe(0);
  });

  it('behavior: bursts never exceed capacity plus rate', async () => {
    const clock = fakeClock();
    const rateLimit = 7;
    const capacity = 4;
    const t = new Throttler({ rateLimit, capacity, now: clock.now, sleep: clock.sleep });
    const { grants, track } = recorder(clock.now);
    for (let i = 0; i < 30; i++) void track(i, t.take());
    await clock.advance(100);
    for (let i = 30; i < 60; i++) void track(i, t.take(1 + (i % 3)));
    await clock.advance(2000);
    expect(grants.map((g) => g.id)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // Weight each grant by its cost: total cost in any window is bounded by capacity + window / rateLimit
    // (plus one request's overshoot above the capacity, none here since costs <= capacity).
    const weighted = grants.flatMap((g) => Array<number>(g.id < 30 ? 1 : 1 + (g.id % 3)).fill(g.at));
    for (const w of [1, 7, 14, 50, 300]) {
      expect(maxInWindow(weighted, w)).toBeLessThanOrEqual(Math.ceil(w / rateLimit) + capacity);
    }
  });

  it('behavior: several buckets', async () => {
    const clock = fakeClock();
    const t = new Throttler({
      rateLimit: 1,
      buckets: { orders: { rateLimit: 100, capacity: 2 }, weight: { rateLimit: 10, capacity: 10 } },
      now: clock.now,
      sleep: clock.sleep,
    });
    const { grants, track } = recorder(clock.now);
    const order = [
      { bucket: 'weight', cost: 5 },
      { bucket: 'orders', cost: 1 },
    ];
    void track(0, t.take(1, order));
    void track(1, t.take(1, order));
    void track(2, t.take(1, order)); // weight refilled at 50, orders at 100
    void track(3, t.take(1, 'weight')); // weight has 5 again at 100
    void track(4, t.take(1, [{ bucket: DEFAULT_BUCKET, cost: 1 }]));
    await clock.advance(0);
    expect(grants).toEqual([
      { id: 0, at: 0 },
      { id: 1, at: 0 },
    ]);
    await clock.advance(200);
    expect(grants.slice(2)).toEqual([
      { id: 2, at: 100 },
      { id: 3, at: 100 },
      { id: 4, at: 100 },
    ]);
    // The default bucket is independent of the named ones.
    const again = recorder(clock.now);
    void again.track(5, t.take());
    void again.track(6, t.take(1, 'orders'));
    void again.track(7, t.take(1, 'orders'));
    void again.track(8, t.take(1, 'orders'));
    await clock.advance(0);
    expect(again.grants).toEqual([
      { id: 5, at: 200 },
      { id: 6, at: 200 }, // orders: one token refilled since 100
    ]);
    await clock.advance(200);
    expect(again.grants.slice(2)).toEqual([
      { id: 7, at: 300 },
      { id: 8, at: 400 },
    ]);
  });

  it('behavior: sync from headers', async () => {
    const clock = fakeClock();
    const t = new Throttler({
      rateLimit: 1,
      buckets: { weight: { rateLimit: 50, capacity: 1200 } },
      now: clock.now,
      sleep: clock.sleep,
    });
    const { grants, track } = recorder(clock.now);
    t.sync('weight', { used: 1200 }); // X-MBX-USED-WEIGHT-1M: 1200
    void track(0, t.take(1, 'weight'));
    await clock.advance(49);
    expect(grants).toEqual([]);
    await clock.advance(1);
    expect(grants).toEqual([{ id: 0, at: 50 }]);

    // Fixed window: nothing before the reset, then the bucket is full.
    t.sync('weight', { remaining: 0, resetAt: 1000 });
    void track(1, t.take(10, 'weight'));
    await clock.advance(900);
    expect(grants).toHaveLength(1);
    await clock.advance(100);
    expect(grants[1]).toEqual({ id: 1, at: 1000 });
    for (let i = 0; i < 119; i++) void track(2 + i, t.take(10, 'weight'));
    await clock.advance(0);
    expect(grants).toHaveLength(121);

    // More headroom reported: a waiting request goes at once.
    void track(200, t.take(5, 'weight'));
    await clock.advance(10);
    expect(grants).toHaveLength(121);
    t.sync('weight', { remaining: 100 });
    await clock.advance(0);
    expect(grants.at(-1)).toEqual({ id: 200, at: 1060 });
    expect(() => t.sync('nope', { used: 1 })).toThrow(/unknown rate limit bucket/);
  });

  it('behavior: penalize pauses every bucket', async () => {
    const clock = fakeClock();
    const t = new Throttler({
      rateLimit: 10,
      buckets: { orders: { rateLimit: 10 } },
      now: clock.now,
      sleep: clock.sleep,
    });
    const { grants, track } = recorder(clock.now);
    void track(0, t.take());
    await clock.advance(0);
    t.penalize(500); // HTTP 429, Retry-After: 0.5
    void track(1, t.take());
    void track(2, t.take(1, 'orders'));
    await clock.advance(499);
    expect(grants).toHaveLength(1);
    await clock.advance(1);
    expect(grants).toEqual([
      { id: 0, at: 0 },
      { id: 1, at: 500 },
      { id: 2, at: 500 },
    ]);
  });

  it('error: queue overflow', async () => {
    const clock = fakeClock();
    const t = new Throttler({ rateLimit: 10, maxQueue: 2, now: clock.now, sleep: clock.sleep });
    const { grants, errors, track } = recorder(clock.now);
    for (let i = 0; i < 4; i++) void track(i, t.take()); // one granted, two waiting, one refused
    await clock.advance(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.id).toBe(3);
    expect(errors[0]?.error).toBeInstanceOf(Error);
    expect((errors[0]?.error as Error).message).toBe('rate limit queue overflow');
    await clock.advance(20);
    expect(grants.map((g) => g.id)).toEqual([0, 1, 2]);

    class RateLimitExceeded extends Error {}
    const custom = new Throttler({ rateLimit: 10, maxQueue: 0, onOverflow: () => new RateLimitExceeded('full') });
    await custom.take();
    await expect(custom.take()).rejects.toBeInstanceOf(RateLimitExceeded);
  });

  it('error: unknown bucket, invalid cost or options', async () => {
    const t = new Throttler({ rateLimit: 10, buckets: { orders: { rateLimit: 10 } } });
    await expect(t.take(1, 'nope')).rejects.toThrow(/unknown rate limit bucket: nope/);
    await expect(t.take(1, [{ bucket: 'nope', cost: 1 }])).rejects.toThrow(/unknown/);
    await expect(t.take(-1)).rejects.toBeInstanceOf(RangeError);
    await expect(t.take(Number.NaN, 'orders')).rejects.toBeInstanceOf(RangeError);
    await expect(t.take(1, [{ bucket: 'orders', cost: Infinity }])).rejects.toBeInstanceOf(RangeError);
    expect(() => new Throttler({ rateLimit: -1 })).toThrow(RangeError);
    expect(() => new Throttler({ rateLimit: 1, capacity: 0 })).toThrow(RangeError);
    expect(() => new Throttler({ rateLimit: 1, buckets: { default: { rateLimit: 1 } } })).toThrow(/reserved/);
  });

  it('behavior: close rejects waiting requests', async () => {
    const before = timeouts();
    const t = new Throttler({ rateLimit: 60_000 });
    await t.take();
    const waiting = [t.take(), t.take(2)];
    expect(timeouts()).toBe(before + 1);
    t.close(new Error('closed by user'));
    expect(timeouts()).toBe(before);
    for (const p of waiting) await expect(p).rejects.toThrow('closed by user');
    await expect(t.take()).rejects.toThrow('throttler closed');
    expect(t.queued).toBe(0);
  });

  it('behavior: no timer left behind', async () => {
    const before = timeouts();
    const t = new Throttler({ rateLimit: 20, buckets: { orders: { rateLimit: 10, capacity: 2 } } });
    const all = Promise.all([t.take(), t.take(), t.take(1, 'orders'), t.take(2, 'orders'), t.take()]);
    expect(timeouts()).toBe(before + 1); // a single timer however many are waiting
    t.penalize(10);
    expect(timeouts()).toBe(before + 1);
    await all;
    expect(timeouts()).toBe(before);
    t.penalize(1000); // nothing waiting: nothing scheduled
    t.sync('orders', { used: 2 });
    expect(timeouts()).toBe(before);
  });

  it('behavior: pluggable shared store', async () => {
    const clock = fakeClock();
    const memory = new MemoryThrottleStore();
    const calls: string[] = [];
    // An asynchronous store (as a Redis one would be), shared by two throttlers.
    const store: ThrottleStore = {
      async take(bucket, cost, rate, capacity, now) {
        calls.push(bucket);
        await Promise.resolve();
        return memory.takeSync(bucket, cost, rate, capacity, now);
      },
      async sync(bucket, state: ThrottleStoreSyncState, rate, capacity, now) {
        memory.sync(bucket, state, rate, capacity, now);
      },
    };
    const options = { rateLimit: 10, store, keyPrefix: 'binance:', now: clock.now, sleep: clock.sleep };
    const a = new Throttler(options);
    const b = new Throttler(options);
    const { grants, track } = recorder(clock.now);
    for (let i = 0; i < 3; i++) {
      void track(2 * i, a.take());
      void track(2 * i + 1, b.take());
    }
    await clock.advance(100);
    expect(grants.map((g) => g.at)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(new Set(calls)).toEqual(new Set(['binance:default']));

    b.sync(DEFAULT_BUCKET, { remaining: 0, resetAt: 500 });
    await clock.advance(0);
    void track(6, a.take());
    await clock.advance(399);
    expect(grants).toHaveLength(6);
    await clock.advance(1);
    expect(grants.at(-1)).toEqual({ id: 6, at: 500 });
  });

  it('error: store failure rejects the request and the queue moves on', async () => {
    let fail = true;
    const store: ThrottleStore = {
      take: () => (fail ? Promise.reject(new Error('redis down')) : Promise.resolve(0)),
    };
    const t = new Throttler({ rateLimit: 10, store });
    const first = t.take();
    fail = false;
    const second = t.take();
    await expect(first).rejects.toThrow('redis down');
    await expect(second).resolves.toBeUndefined();
    expect(t.queued).toBe(0);
  });
});
