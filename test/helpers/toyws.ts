/** A toy streaming protocol on the real StreamHandler, for testing the shared streaming rules. */
import type { Dict, OrderBook } from '../../src/core/types.js';
import type { Connection } from '../../src/ws/connection.js';
import { StreamHandler } from '../../src/ws/handler.js';
import { toy } from './toy.js';

interface Frame {
  type: 'snapshot' | 'delta' | 'error';
  symbol: string;
  seq: number;
  bids?: [string, string][];
  asks?: [string, string][];
  side?: 'bids' | 'asks';
  price?: string;
  amount?: string;
  message?: string;
}

export class ToyStreams extends StreamHandler<toy> {
  protected override connectionOptions(): Dict {
    return { backoff: { initial: 10, max: 50, jitter: 0 }, pingInterval: 0, staleAfter: 0 };
  }

  async watchOrderBook(symbol: string, limit?: number): Promise<OrderBook> {
    const url = this.wsUrl();
    this.book(symbol, limit);
    return this.streams.watch<OrderBook>(
      { key: `book:${symbol}`, url, subscribe: { op: 'sub', symbol }, unsubscribe: { op: 'unsub', symbol } },
      `orderbook:${symbol}`,
    );
  }

  handleMessage(data: unknown, _conn: Connection): void {
    const f = data as Frame;
    if (f.type === 'error') {
      this.streams.reject(`orderbook:${f.symbol}`, new Error(f.message));
      return;
    }
    const book = this.book(f.symbol);
    if (f.type === 'snapshot') {
      book.reset(f.bids ?? [], f.asks ?? [], f.seq);
    } else {
      if (book.state !== 'live') return; // waiting for the snapshot: deltas before it are stale
      if (f.seq !== (book.nonce ?? 0) + 1) {
        this.resync(f.symbol, `gap ${book.nonce} -> ${f.seq}`);
        return;
      }
      book.update(f.side!, f.price!, f.amount!);
      book.nonce = f.seq;
    }
    this.publishBook(f.symbol);
  }
}

export class toyws extends toy {
  static override streams = async () => ToyStreams;
  static override spec = { ...toy.spec, has: { watchOrderBook: true } };
}
