/**
 * A local order book kept from snapshots and deltas. Each side is one sorted array of numbers (price, amount,
 * price, amount, ...) kept worst first, searched by bisection: no per-level objects, so a delta costs one search
 * and at most one splice, which moves only the levels better than the change. Raw strings are kept on request for exchanges whose checksums are computed over the text.
 *
 * Snapshots hand out [price, amount] rows. Making 1000 rows a side for every update was most of the cost of a
 * watcher that takes each update, so once a full snapshot has been taken a side keeps its rows beside the arrays
 * and each delta edits them too, copy-on-write: a row array handed out is never changed afterwards (the next
 * delta edits a copy, one pointer memcpy) and a row is never mutated, so snapshots share unchanged rows. When no
 * snapshot is taken for a quarter of the book's depth in changes, the rows are dropped and deltas cost only
 * the arrays again.
 */
import type { BookLevel, OrderBook } from '../core/types.js';
import { iso8601 } from '../core/util.js';

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Number(s), faster for the plain decimals feeds send ("67431.65000000"): with at most 15 digits the digits are an
 * exact integer and the power of ten is exact, so one division rounds exactly as Number would (Clinger's fast
 * path). Anything else (signs, exponents, longer strings) goes to Number. Parsing was half of a delta's cost.
 */
export function decimalNumber(s: string): number {
  const n = s.length;
  if (n === 0 || n > 16) return Number(s);
  let m = 0;
  let dot = -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) m = m * 10 + c;
    else if (c === -2 && dot < 0) dot = i;
    else return Number(s);
  }
  if (dot < 0) return n <= 15 ? m : Number(s);
  if (dot === n - 1) return Number(s);
  return m / POW10[n - 1 - dot]!;
}

/** Spare room appended to a copied row array (see editRows). */
const SLACK: BookLevel[] = new Array<BookLevel>(16).fill([0, 0]);

export class BookSide {
  /**
   * Levels worst first, best last, as [price, amount, price, amount, ...]: one array, so a level comes or goes
   * with one splice, and most changes land near the top of the book, which is the cheap end of the array.
   */
  private flat: number[] = [];
  /** The raw strings, in the same order as `flat`; kept on request (see raw()). */
  private rawPrices: string[] | undefined;
  private rawAmounts: string[] | undefined;
  /** Rows best first, mirroring the levels while full snapshots are being taken; undefined otherwise. */
  private rows: BookLevel[] | undefined;
  /** `rows` has been handed out: the next change edits a copy. */
  private rowsShared = false;
  /** Changes since the last snapshot. */
  private rowChanges = 0;

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
    return this.flat.length >> 1;
  }

  /** Position (in levels, worst first) of `price`, or of where it would be inserted. */
  private find(price: number): number {
    const flat = this.flat;
    let lo = 0;
    let hi = flat.length >> 1;
    if (this.descending) {
      // bids: worst first is ascending price
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (flat[mid << 1]! < price) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (flat[mid << 1]! > price) lo = mid + 1;
        else hi = mid;
      }
    }
    return lo;
  }

  /** Sets the amount at a price level; an amount of 0 removes the level. */
  set(price: number, amount: number, rawPrice?: string, rawAmount?: string): void {
    const j = this.find(price);
    const flat = this.flat;
    const at = j << 1;
    const exists = at < flat.length && flat[at] === price;
    if (this.rows !== undefined)
      this.editRows(exists ? (flat.length >> 1) - 1 - j : (flat.length >> 1) - j, exists, price, amount);
    if (amount === 0) {
      if (exists) {
        flat.splice(at, 2);
        this.rawPrices?.splice(j, 1);
        this.rawAmounts?.splice(j, 1);
      }
      return;
    }
    if (exists) {
      flat[at + 1] = amount;
      if (this.rawAmounts !== undefined) this.rawAmounts[j] = rawAmount ?? String(amount);
      return;
    }
    if (at === flat.length) {
      flat.push(price, amount);
      this.rawPrices?.push(rawPrice ?? String(price));
      this.rawAmounts?.push(rawAmount ?? String(amount));
    } else {
      flat.splice(at, 0, price, amount);
      this.rawPrices?.splice(j, 0, rawPrice ?? String(price));
      this.rawAmounts?.splice(j, 0, rawAmount ?? String(amount));
    }
  }

  /** The change set() is making, on the rows (`i`: the level's index best first, as it is or will be). */
  private editRows(i: number, exists: boolean, price: number, amount: number): void {
    // past a quarter of the book without a snapshot, rebuilding the rows later costs less than keeping them
    if (++this.rowChanges > 64 && this.rowChanges * 8 > this.flat.length) {
      this.rows = undefined;
      return;
    }
    let rows = this.rows!;
    if (amount === 0 && !exists) return;
    if (this.rowsShared) {
      // the copy gets spare capacity: a splice that grows a 1000-element array costs as much as five copies
      const n = rows.length;
      rows = this.rows = rows.concat(SLACK);
      rows.length = n;
      this.rowsShared = false;
    }
    if (amount === 0) rows.splice(i, 1);
    else if (exists) rows[i] = [price, amount];
    else if (i === rows.length) rows.push([price, amount]);
    else rows.splice(i, 0, [price, amount]);
  }

  /** Keeps the best `depth` levels. */
  truncate(depth: number): void {
    const excess = (this.flat.length >> 1) - depth;
    if (excess <= 0) return;
    if (this.rows !== undefined) {
      if (this.rowsShared) this.rows = this.rows.slice(0, depth);
      else this.rows.length = depth;
      this.rowsShared = false;
    }
    this.flat.splice(0, excess << 1);
    this.rawPrices?.splice(0, excess);
    this.rawAmounts?.splice(0, excess);
  }

  clear(): void {
    this.rows = undefined;
    this.flat = [];
    if (this.rawPrices !== undefined) {
      this.rawPrices = [];
      this.rawAmounts = [];
    }
  }

  best(): number | undefined {
    const n = this.flat.length;
    return n === 0 ? undefined : this.flat[n - 2];
  }

  /** The best `limit` levels' strings as the exchange sent them, best first (for checksums over the text). */
  raw(limit?: number): { prices: string[]; amounts: string[] } {
    const prices = this.rawPrices;
    const amounts = this.rawAmounts;
    if (prices === undefined || amounts === undefined) throw new Error('this book keeps no raw strings');
    const n = prices.length;
    const k = limit === undefined ? n : Math.min(limit, n);
    const out = { prices: new Array<string>(k), amounts: new Array<string>(k) };
    for (let i = 0; i < k; i++) {
      out.prices[i] = prices[n - 1 - i]!;
      out.amounts[i] = amounts[n - 1 - i]!;
    }
    return out;
  }

  /** The best `limit` levels as rows. The array is the caller's: it is never changed afterwards. */
  levels(limit?: number): BookLevel[] {
    const n = this.flat.length >> 1;
    const cut = limit !== undefined && limit < n;
    // a short cut is cheaper made fresh each time than kept in a mirror of the whole side (which, if there is
    // one, is left to lapse: rowChanges goes on counting)
    if (cut && limit <= 64) return this.cutRows(limit);
    let rows = this.rows;
    if (rows === undefined) {
      rows = this.rows = this.fresh(n);
      this.rowsShared = false;
    }
    this.rowChanges = 0;
    if (cut) return rows.slice(0, limit);
    this.rowsShared = true;
    return rows;
  }

  private fresh(k: number): BookLevel[] {
    const out = new Array<BookLevel>(k);
    const flat = this.flat;
    for (let i = 0, at = flat.length - 2; i < k; i++, at -= 2) out[i] = [flat[at]!, flat[at + 1]!];
    return out;
  }
  /**
   * The same as fresh(), from a literal of its own: V8 decides per allocation site whether to allocate straight in
   * the old generation, and the mirror's long-lived rows made it do so for these short-lived ones too (2 µs an
   * update instead of 0.2 µs, measured in bench/ws.ts).
   */
  private cutRows(k: number): BookLevel[] {
    const out = new Array<BookLevel>(k);
    const flat = this.flat;
    for (let i = 0, at = flat.length - 2; i < k; i++, at -= 2) out[i] = [flat[at]!, flat[at + 1]!];
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
    const p = typeof price === 'number' ? price : decimalNumber(price);
    const a = typeof amount === 'number' ? amount : decimalNumber(amount);
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
