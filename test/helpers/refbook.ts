/** An independent reference order book for streaming tests: plain Maps keyed by price, sorted only when read. */
import type { OrderBook } from '../../src/core/types.js';

export type Levels = { bids: [number, number][]; asks: [number, number][] };

export class MapBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();

  reset(bids: [string, string][], asks: [string, string][]): void {
    this.bids = new Map(bids.map(([p, a]) => [Number(p), Number(a)]));
    this.asks = new Map(asks.map(([p, a]) => [Number(p), Number(a)]));
  }

  /** An amount of 0 removes the level. */
  setLevel(side: 'bids' | 'asks', price: string, amount: string): void {
    if (Number(amount) === 0) this[side].delete(Number(price));
    else this[side].set(Number(price), Number(amount));
  }

  levels(limit?: number): Levels {
    const bids = [...this.bids].sort((a, b) => b[0] - a[0]);
    const asks = [...this.asks].sort((a, b) => a[0] - b[0]);
    return limit === undefined ? { bids, asks } : { bids: bids.slice(0, limit), asks: asks.slice(0, limit) };
  }
}

/** The two sides of a book, for comparing with MapBook.levels(). */
export const sides = (b: OrderBook): Levels => ({
  bids: b.bids as [number, number][],
  asks: b.asks as [number, number][],
});
