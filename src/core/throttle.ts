/**
 * Rate limiter: FIFO token buckets with a cost per request, CCXT-compatible.
 *
 * `rateLimit` has CCXT's meaning: milliseconds per unit of cost, so a bucket refills at `1 / rateLimit` tokens per
 * millisecond and holds at most `capacity` tokens (default 1: strict spacing of `rateLimit` ms, like CCXT). A request
 * is granted when the bucket holds `min(cost, capacity)` tokens; its whole cost is then deducted (the bucket may go
 * into debt, so a request costing more than the capacity is still served, and delays the ones after it).
 *
 * Requests are served strictly in arrival order: a cheap request never overtakes an expensive one waiting ahead of
 * it. At most one timer is pending at a time, and none when nothing is waiting, so a Node process exits naturally.
 */

/** Name of the bucket configured by the top-level `rateLimit` / `capacity` options. */
export const DEFAULT_BUCKET = 'default';

const RESOLVED: Promise<void> = Promise.resolve();
/** setTimeout clamps longer delays to 1 ms; longer waits are done in several steps. */
const MAX_DELAY = 0x7fffffff;
/** Tolerance for floating-point refill arithmetic, in tokens. */
const EPSILON = 1e-9;

export interface ThrottleBucketOptions {
  /** Milliseconds per unit of cost (CCXT's `rateLimit`); 0 means unlimited. */
  rateLimit: number;
  /** Most tokens the bucket holds, i.e. the largest burst, in units of cost. Default 1. */
  capacity?: number;
}

export interface ThrottlerOptions extends ThrottleBucketOptions {
  /** Most requests that may wait; one more makes `take` reject at once. Default 1000. */
  maxQueue?: number;
  /** Named buckets besides the default one (which is named {@link DEFAULT_BUCKET}). */
  buckets?: Record<string, ThrottleBucketOptions>;
  /** Error for a request refused because the queue is full. Default: `new Error('rate limit queue overflow')`. */
  onOverflow?: () => Error;
  /** Clock in milliseconds. Default `Date.now` (so `sync`'s `resetAt` is epoch milliseconds). */
  now?: () => number;
  /** Replaces the internal `setTimeout`, for tests. A sleep superseded by a later one is ignored when it resolves. */
  sleep?: (ms: number) => Promise<void>;
  /** Where bucket state lives. Default: a private {@link MemoryThrottleStore}. */
  store?: ThrottleStore;
  /** Prefix of the bucket names passed to the store, to keep several exchanges apart in a shared store. */
  keyPrefix?: string;
}

/** One bucket charged by a request and how much. */
export interface ThrottleCost {
  bucket: string;
  cost: number;
}

/** Usage reported by an exchange (e.g. Binance `X-MBX-USED-WEIGHT-1M`). */
export interface ThrottleSyncState {
  /** Units used in the current window: the bucket is left with `capacity - used` tokens. */
  used?: number;
  /** Units left in the current window (wins over `used`). */
  remaining?: number;
  /** When the window resets, on the throttler's clock (ms): no refill until then, then the bucket is full. */
  resetAt?: number;
}

/** State written into a store by {@link Throttler.sync}. */
export interface ThrottleStoreSyncState {
  tokens?: number;
  resetAt?: number;
}

/**
 * Bucket state storage, possibly shared between processes (e.g. backed by Redis). `rate` is in tokens per
 * millisecond; a bucket not seen before starts full.
 */
export interface ThrottleStore {
  /**
   * Atomically: refill the bucket up to `now`; if it holds `min(cost, capacity)` tokens, deduct `cost` and resolve
   * to 0 (granted), else deduct nothing and resolve to the milliseconds to wait before asking again.
   */
  take(bucket: string, cost: number, rate: number, capacity: number, now: number): Promise<number>;
  /** Synchronous `take`, for in-process stores: used when present, to keep the uncontended path cheap. */
  takeSync?(bucket: string, cost: number, rate: number, capacity: number, now: number): number;
  /** Overwrite the bucket state (from an exchange's usage headers). Without it, `Throttler.sync` does nothing. */
  sync?(
    bucket: string,
    state: ThrottleStoreSyncState,
    rate: number,
    capacity: number,
    now: number,
  ): void | Promise<void>;
}

interface BucketState {
  tokens: number;
  last: number;
  /** No refill before this time; at it the bucket becomes full. Infinity when not set. */
  resetAt: number;
}

/** In-memory {@link ThrottleStore}; share one instance between throttlers to share their buckets. */
export class MemoryThrottleStore implements ThrottleStore {
  private readonly states = new Map<string, BucketState>();

  take(bucket: string, cost: number, rate: number, capacity: number, now: number): Promise<number> {
    return Promise.resolve(this.takeSync(bucket, cost, rate, capacity, now));
  }

  takeSync(bucket: string, cost: number, rate: number, capacity: number, now: number): number {
    const s = this.state(bucket, rate, capacity, now);
    if (cost <= 0) return 0;
    const need = cost < capacity ? cost : capacity;
    const deficit = need - s.tokens;
    if (deficit <= EPSILON) {
      s.tokens -= cost;
      return 0;
    }
    const wait = s.resetAt !== Infinity ? s.resetAt - now : Math.ceil(deficit / rate - EPSILON);
    return wait < 1 ? 1 : wait;
  }

  sync(bucket: string, state: ThrottleStoreSyncState, rate: number, capacity: number, now: number): void {
    const s = this.state(bucket, rate, capacity, now);
    if (state.tokens !== undefined) s.tokens = state.tokens < capacity ? state.tokens : capacity;
    if (state.resetAt !== undefined) s.resetAt = state.resetAt > now ? state.resetAt : Infinity;
  }

  /** The bucket, created full or refilled up to `now`. */
  private state(bucket: string, rate: number, capacity: number, now: number): BucketState {
    let s = this.states.get(bucket);
    if (s === undefined) {
      s = { tokens: capacity, last: now, resetAt: Infinity };
      this.states.set(bucket, s);
      return s;
    }
    if (now >= s.resetAt) {
      s.tokens = capacity;
      s.resetAt = Infinity;
    } else if (s.resetAt === Infinity && now > s.last && s.tokens < capacity) {
      const tokens = s.tokens + (now - s.last) * rate;
      s.tokens = tokens < capacity ? tokens : capacity;
    }
    // A clock going backwards just refills nothing.
    s.last = now;
    return s;
  }
}

interface BucketConfig {
  name: string;
  key: string;
  /** Tokens per millisecond. */
  rate: number;
  capacity: number;
  unlimited: boolean;
}

interface Part {
  cfg: BucketConfig;
  cost: number;
}

interface Waiter {
  /** The single bucket charged, when `parts` is undefined. */
  cfg: BucketConfig;
  cost: number;
  parts: Part[] | undefined;
  /** Index of the next part to acquire: parts are acquired in turn, the earlier ones stay taken. */
  stage: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function bucketConfig(name: string, key: string, options: ThrottleBucketOptions): BucketConfig {
  const { rateLimit, capacity = 1 } = options;
  if (!(rateLimit >= 0 && rateLimit < Infinity)) throw new RangeError(`invalid rateLimit for bucket ${name}`);
  if (!(capacity > 0 && capacity < Infinity)) throw new RangeError(`invalid capacity for bucket ${name}`);
  return { name, key, rate: rateLimit > 0 ? 1 / rateLimit : Infinity, capacity, unlimited: rateLimit === 0 };
}

function invalidCost(cost: number): boolean {
  return !(cost >= 0 && cost < Infinity);
}

export class Throttler {
  private readonly buckets = new Map<string, BucketConfig>();
  private readonly defaultBucket: BucketConfig;
  private readonly maxQueue: number;
  private readonly onOverflow: () => Error;
  private readonly now: () => number;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;
  private readonly store: ThrottleStore;
  private readonly syncStore: boolean;

  /** Ring buffer of waiting requests; its length is a power of two. */
  private queue: (Waiter | undefined)[] = new Array<Waiter | undefined>(8).fill(undefined);
  private head = 0;
  private size = 0;

  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped whenever the pending (injected) sleep is superseded. */
  private generation = 0;
  /** An asynchronous store call is in flight for the head of the queue. */
  private busy = false;
  private pausedUntil = -Infinity;
  private closed = false;

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.pump();
  };
  private readonly kick = (): void => {
    if (this.size === 0 || this.busy || this.closed) return;
    this.cancelTimer();
    this.pump();
  };

  constructor(options: ThrottlerOptions) {
    const prefix = options.keyPrefix ?? '';
    this.defaultBucket = bucketConfig(DEFAULT_BUCKET, prefix + DEFAULT_BUCKET, options);
    this.buckets.set(DEFAULT_BUCKET, this.defaultBucket);
    for (const [name, bucket] of Object.entries(options.buckets ?? {})) {
      if (name === DEFAULT_BUCKET) throw new Error(`bucket name "${DEFAULT_BUCKET}" is reserved`);
      this.buckets.set(name, bucketConfig(name, prefix + name, bucket));
    }
    const maxQueue = options.maxQueue ?? 1000;
    if (!(maxQueue >= 0)) throw new RangeError('invalid maxQueue');
    this.maxQueue = maxQueue;
    this.onOverflow = options.onOverflow ?? (() => new Error('rate limit queue overflow'));
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep;
    this.store = options.store ?? new MemoryThrottleStore();
    this.syncStore = typeof this.store.takeSync === 'function';
  }

  /** Number of requests waiting. */
  get queued(): number {
    return this.size;
  }

  /**
   * Resolves when the request may be sent. `bucket` omitted: `cost` is charged to the default bucket; a name:
   * `cost` is charged to that bucket; a list: each entry is charged its own cost (`cost` is ignored; include
   * {@link DEFAULT_BUCKET} to charge the default bucket too). Rejects at once when the queue is full, the throttler
   * is closed, a bucket is unknown or a cost is invalid.
   */
  take(cost = 1, bucket?: string | readonly ThrottleCost[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('throttler closed'));
    let cfg = this.defaultBucket;
    let parts: Part[] | undefined;
    if (bucket === undefined || typeof bucket === 'string') {
      if (invalidCost(cost)) return Promise.reject(new RangeError(`invalid rate limit cost: ${cost}`));
      if (bucket !== undefined) {
        const named = this.buckets.get(bucket);
        if (named === undefined) return Promise.reject(new Error(`unknown rate limit bucket: ${bucket}`));
        cfg = named;
      }
    } else {
      parts = [];
      for (const entry of bucket) {
        const named = this.buckets.get(entry.bucket);
        if (named === undefined) return Promise.reject(new Error(`unknown rate limit bucket: ${entry.bucket}`));
        if (invalidCost(entry.cost)) return Promise.reject(new RangeError(`invalid rate limit cost: ${entry.cost}`));
        if (!named.unlimited && entry.cost > 0) parts.push({ cfg: named, cost: entry.cost });
      }
    }

    let stage = 0;
    if (this.size === 0) {
      // Nothing waiting (and, the queue being empty, nothing in flight): try to grant at once.
      const now = this.now();
      if (now < this.pausedUntil) {
        return this.enqueue(cfg, cost, parts, 0, this.pausedUntil - now);
      }
      if (this.syncStore) {
        const store = this.store as Required<ThrottleStore>;
        if (parts === undefined) {
          if (cfg.unlimited) return RESOLVED;
          const wait = store.takeSync(cfg.key, cost, cfg.rate, cfg.capacity, now);
          return wait > 0 ? this.enqueue(cfg, cost, parts, 0, wait) : RESOLVED;
        }
        for (; stage < parts.length; stage++) {
          const part = parts[stage] as Part;
          const wait = store.takeSync(part.cfg.key, part.cost, part.cfg.rate, part.cfg.capacity, now);
          if (wait > 0) return this.enqueue(cfg, cost, parts, stage, wait);
        }
        return RESOLVED;
      }
      if (parts === undefined ? cfg.unlimited || cost <= 0 : parts.length === 0) return RESOLVED;
      return this.enqueue(cfg, cost, parts, 0, -1);
    }
    return this.enqueue(cfg, cost, parts, stage, undefined);
  }

  /**
   * Set a bucket's state from an exchange's usage headers (overwriting the local estimate). With an asynchronous
   * store the update is best effort: its failure is ignored.
   */
  sync(bucket: string, state: ThrottleSyncState): void {
    const cfg = this.buckets.get(bucket);
    if (cfg === undefined) throw new Error(`unknown rate limit bucket: ${bucket}`);
    if (cfg.unlimited || this.store.sync === undefined) return;
    const update: ThrottleStoreSyncState = {};
    const tokens = state.remaining ?? (state.used !== undefined ? cfg.capacity - state.used : undefined);
    if (tokens !== undefined && Number.isFinite(tokens)) update.tokens = tokens;
    if (state.resetAt !== undefined && !Number.isNaN(state.resetAt)) update.resetAt = state.resetAt;
    const result: unknown = this.store.sync(cfg.key, update, cfg.rate, cfg.capacity, this.now());
    if (result !== undefined && typeof (result as PromiseLike<void>).then === 'function') {
      (result as PromiseLike<void>).then(this.kick, this.kick);
    } else {
      this.kick();
    }
  }

  /** Grant nothing before `now + ms` (on HTTP 429/418 with Retry-After). Buckets keep refilling meanwhile. */
  penalize(ms: number): void {
    if (!(ms > 0)) return;
    const until = this.now() + ms;
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.kick();
  }

  /** Reject every waiting request and all later ones, and clear the timer. */
  close(reason: Error = new Error('throttler closed')): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimer();
    while (this.size > 0) this.dequeue().reject(reason);
  }

  /**
   * Queue a request. `wait`: undefined when others are waiting ahead (they keep the timer going), -1 to start the
   * asynchronous store, else the milliseconds before the next attempt.
   */
  private enqueue(
    cfg: BucketConfig,
    cost: number,
    parts: Part[] | undefined,
    stage: number,
    wait: number | undefined,
  ): Promise<void> {
    if (this.size >= this.maxQueue) return Promise.reject(this.onOverflow());
    return new Promise<void>((resolve, reject) => {
      if (this.size === this.queue.length) this.grow();
      this.queue[(this.head + this.size) & (this.queue.length - 1)] = { cfg, cost, parts, stage, resolve, reject };
      this.size++;
      if (wait === undefined) return;
      if (wait < 0) this.pump();
      else this.schedule(wait);
    });
  }

  private grow(): void {
    const queue = new Array<Waiter | undefined>(this.queue.length * 2).fill(undefined);
    for (let i = 0; i < this.size; i++) queue[i] = this.queue[(this.head + i) & (this.queue.length - 1)];
    this.queue = queue;
    this.head = 0;
  }

  private dequeue(): Waiter {
    const waiter = this.queue[this.head] as Waiter;
    this.queue[this.head] = undefined;
    this.head = (this.head + 1) & (this.queue.length - 1);
    this.size--;
    return waiter;
  }

  /** Serve waiting requests in order until one has to wait; then schedule the next attempt. */
  private pump(): void {
    while (this.size > 0 && !this.closed && !this.busy) {
      const waiter = this.queue[this.head] as Waiter;
      const now = this.now();
      if (now < this.pausedUntil) return this.schedule(this.pausedUntil - now);
      const count = waiter.parts === undefined ? 1 : waiter.parts.length;
      while (waiter.stage < count) {
        const part = waiter.parts === undefined ? waiter : (waiter.parts[waiter.stage] as Part);
        const { cfg, cost } = part;
        if (cfg.unlimited || cost <= 0) {
          waiter.stage++;
        } else if (this.syncStore) {
          const wait = (this.store as Required<ThrottleStore>).takeSync(cfg.key, cost, cfg.rate, cfg.capacity, now);
          if (wait > 0) return this.schedule(wait);
          waiter.stage++;
        } else {
          return this.takeAsync(waiter, cfg, cost, now);
        }
      }
      this.dequeue().resolve();
    }
  }

  private takeAsync(waiter: Waiter, cfg: BucketConfig, cost: number, now: number): void {
    this.busy = true;
    let pending: Promise<number>;
    try {
      pending = this.store.take(cfg.key, cost, cfg.rate, cfg.capacity, now);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (wait) => {
        this.busy = false;
        if (this.closed) return;
        if (wait > 0) return this.schedule(wait);
        waiter.stage++;
        this.pump();
      },
      (error: unknown) => {
        this.busy = false;
        if (this.closed) return;
        this.dequeue().reject(error);
        this.pump();
      },
    );
  }

  private schedule(ms: number): void {
    this.cancelTimer();
    const delay = ms < 1 ? 1 : ms > MAX_DELAY ? MAX_DELAY : Math.ceil(ms);
    if (this.sleep === undefined) {
      this.timer = setTimeout(this.onTimer, delay);
      return;
    }
    const generation = this.generation;
    const wake = (): void => {
      if (generation === this.generation) this.onTimer();
    };
    this.sleep(delay).then(wake, wake);
  }

  private cancelTimer(): void {
    this.generation++;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
