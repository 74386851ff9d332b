/**
 * Bounded caches so a watch loop runs for days in flat memory. Each keeps the newest `limit` items;
 * `newSince(cursor)` lets a watcher take only what arrived after its previous call.
 */

/** Append-only ring of the newest `limit` items (trades, my trades). */
export class RingCache<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;
  /** Total ever appended: a cursor for "what is new since". */
  appended = 0;

  constructor(readonly limit = 1000) {
    if (!Number.isInteger(limit) || limit <= 0) throw new RangeError('cache limit must be a positive integer');
    this.items = new Array<T | undefined>(limit);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.limit;
    this.items[end] = item;
    if (this.count < this.limit) this.count++;
    else this.start = (this.start + 1) % this.limit;
    this.appended++;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out = new Array<T>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.start + i) % this.limit]!;
    return out;
  }

  /** Items appended after `cursor` (a previous value of `appended`), at most the cache size. */
  newSince(cursor: number): T[] {
    const fresh = Math.min(this.appended - cursor, this.count);
    if (fresh <= 0) return [];
    const out = new Array<T>(fresh);
    for (let i = 0; i < fresh; i++) out[i] = this.items[(this.start + this.count - fresh + i) % this.limit]!;
    return out;
  }

  clear(): void {
    this.items = new Array<T | undefined>(this.limit);
    this.start = 0;
    this.count = 0;
  }
}

/** Newest `limit` entries by key, updated in place (orders by id, candles by open time). */
export class KeyedCache<T> {
  // A Map iterates in insertion order, so its first key is always the oldest entry.
  private map = new Map<string | number, T>();
  appended = 0;

  constructor(readonly limit = 1000) {
    if (!Number.isInteger(limit) || limit <= 0) throw new RangeError('cache limit must be a positive integer');
  }

  get length(): number {
    return this.map.size;
  }

  upsert(key: string | number, item: T): void {
    if (!this.map.has(key) && this.map.size >= this.limit) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(key, item);
    this.appended++;
  }

  get(key: string | number): T | undefined {
    return this.map.get(key);
  }

  /** Insertion order, oldest first. */
  toArray(): T[] {
    return [...this.map.values()];
  }

  clear(): void {
    this.map.clear();
  }
}

/** Each id once, in its latest state, ordered by that latest state (an order updated twice since a call). */
export function onePerId<T extends { id?: string | undefined }>(items: readonly T[]): T[] {
  const byId = new Map<string | undefined, T>();
  for (const x of items) {
    byId.delete(x.id);
    byId.set(x.id, x);
  }
  return [...byId.values()];
}
