/**
 * A local order book kept from snapshots and deltas. Each side is a pair of parallel sorted arrays
 * (prices, amounts), searched by bisection: no per-level objects, so a delta costs one search and at most
 * one splice. Raw strings are kept on request for exchanges whose checksums are computed over the text.
 */
import type { BookLevel, OrderBook } from '../core/types.js';
import { iso8601 } from '../core/util.js';

export class BookSide {
  prices: number[] = [];
  amounts: number[] = [];
  rawPrices: string[] | undefined;
  rawAmounts: string[] | undefined;

  constructor(
    readonly descending: boolean,
    keepRaw = false,
  ) {
    if (keepRaw) {
      this.rawPrices = [];
      this.rawAmounts = [];
    }
  }

  get length(): number {
    return this.prices.length;
  }

  /** Index of `price`, or of where it would be inserted. */
  private find(price: number): number {
    const prices = this.prices;
    let lo = 0;
    let hi = prices.length;
    if (this.descending) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (prices[mid]! > price) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (prices[mid]! < price) lo = mid + 1;
        else hi = mid;
      }
    }
    return lo;
  }

  /** Sets the amount at a price level; an amount of 0 removes the level. */
  set(price: number, amount: number, rawPrice?: string, rawAmount?: string): void {
    const i = this.find(price);
    const exists = i < this.prices.length && this.prices[i] === price;
    if (amount === 0) {
      if (exists) {
        this.prices.splice(i, 1);
        this.amounts.splice(i, 1);
        this.rawPrices?.splice(i, 1);
        this.rawAmounts?.splice(i, 1);
      }
      return;
    }
    if (exists) {
      this.amounts[i] = amount;
      if (this.rawAmounts !== undefined) this.rawAmounts[i] = rawAmount ?? String(amount);
      return;
    }
    if (i === this.prices.length) {
      this.prices.push(price);
      this.amounts.push(amount);
      this.rawPrices?.push(rawPrice ?? String(price));
      this.rawAmounts?.push(rawAmount ?? String(amount));
    } else {
      this.prices.splice(i, 0, price);
      this.amounts.splice(i, 0, amount);
      this.rawPrices?.splice(i, 0, rawPrice ?? String(price));
      this.rawAmounts?.splice(i, 0, rawAmount ?? String(amount));
    }
  }

  /** Keeps the best `depth` levels. */
  truncate(depth: number): void {
    if (this.prices.length <= depth) return;
    this.prices.length = depth;
    this.amounts.length = depth;
    if (this.rawPrices !== undefined) this.rawPrices.length = depth;
    if (this.rawAmounts !== undefined) this.rawAmounts.length = depth;
  }

  clear(): void {
    this.prices = [];
    this.amounts = [];
    if (this.rawPrices !== undefined) {
      this.rawPrices = [];
      this.rawAmounts = [];
    }
  }

  best(): number | undefined {
    return this.prices[0];
  }

  levels(limit?: number): BookLevel[] {
    const n = limit === undefined ? this.prices.length : Math.min(limit, this.prices.length);
    const out = new Array<BookLevel>(n);
    for (let i = 0; i < n; i++) out[i] = [this.prices[i]!, this.amounts[i]!];
    return out;
  }
}

export type BookState = 'syncing' | 'live';

export class LocalOrderBook {
  readonly bids: BookSide;
  readonly asks: BookSide;
  nonce: number | undefined;
  timestamp: number | undefined;
  /** 'syncing' until a snapshot arrives (and after a gap); watchers wait meanwhile. */
  state: BookState = 'syncing';

  /**
   * `depth` caps what the book stores, for feeds that maintain a depth-limited book (Kraken's book-10 with its
   * checksum): levels past it are dropped on reset and by trim(). A book kept from full-depth deltas must not
   * be given a depth, since a removal can uncover a level below any cut; cut the output instead.
   */
  constructor(
    readonly symbol: string,
    readonly depth?: number,
    keepRaw = false,
  ) {
    this.bids = new BookSide(true, keepRaw);
    this.asks = new BookSide(false, keepRaw);
  }

  /** Replaces the whole book. Levels are [price, amount] as strings or numbers. */
  reset(
    bids: readonly (readonly unknown[])[],
    asks: readonly (readonly unknown[])[],
    nonce?: number,
    timestamp?: number,
  ): void {
    this.bids.clear();
    this.asks.clear();
    for (const l of bids) this.bids.set(Number(l[0]), Number(l[1]), String(l[0]), String(l[1]));
    for (const l of asks) this.asks.set(Number(l[0]), Number(l[1]), String(l[0]), String(l[1]));
    this.nonce = nonce;
    this.timestamp = timestamp;
    this.state = 'live';
    this.trim();
  }

  /** Applies one level change from strings as the exchange sent them. */
  update(side: 'bids' | 'asks', price: string | number, amount: string | number): void {
    const p = typeof price === 'number' ? price : Number(price);
    const a = typeof amount === 'number' ? amount : Number(amount);
    this[side].set(
      p,
      a,
      typeof price === 'string' ? price : undefined,
      typeof amount === 'string' ? amount : undefined,
    );
  }

  trim(): void {
    if (this.depth === undefined) return;
    this.bids.truncate(this.depth);
    this.asks.truncate(this.depth);
  }

  /** A best bid at or above the best ask means the book has drifted from the exchange's. */
  isCrossed(): boolean {
    const bid = this.bids.best();
    const ask = this.asks.best();
    return bid !== undefined && ask !== undefined && bid >= ask;
  }

  invalidate(): void {
    this.state = 'syncing';
    this.bids.clear();
    this.asks.clear();
    this.nonce = undefined;
  }

  /** The unified structure, copied (the caller may keep it while the book moves on). */
  snapshot(limit?: number): OrderBook {
    return {
      symbol: this.symbol,
      bids: this.bids.levels(limit),
      asks: this.asks.levels(limit),
      timestamp: this.timestamp,
      datetime: iso8601(this.timestamp),
      nonce: this.nonce,
    };
  }
}
