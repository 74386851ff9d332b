/**
 * The base of every exchange's ws.ts: owns the Streams, the local books and the bounded caches, and holds
 * the rules every exchange shares — a book is published only while it is in sync, a gap / failed checksum /
 * crossed book resynchronises that symbol alone, and state tied to a dropped socket is rebuilt after reconnect.
 */
import type { ActiveWatches, Exchange, StreamHandlerLike } from '../core/exchange.js';
import { UnsubscribeError } from '../core/errors.js';
import type { WatchMethod } from '../core/spec.js';
import type { Dict, OrderBook, Trade } from '../core/types.js';
import { RingCache } from './cache.js';
import type { Connection, ConnectionOptions } from './connection.js';
import { LocalOrderBook } from './orderbook.js';
import { Streams } from './streams.js';

export interface StreamLimits {
  /** Trades kept per symbol (default 1000). */
  trades: number;
  /** Candles kept per symbol and timeframe (default 1000). */
  ohlcv: number;
  /** Orders and my trades kept (default 1000). */
  orders: number;
}

/** The book cut to `limit` levels a side, as a new object (the copy other callers share is left alone). */
export function cutOrderBook(book: OrderBook, limit: number | undefined): OrderBook {
  if (limit === undefined || (book.bids.length <= limit && book.asks.length <= limit)) return book;
  return { ...book, bids: book.bids.slice(0, limit), asks: book.asks.slice(0, limit) };
}

/** A watch-call map that cuts a published book to the depth one caller asked for. */
export function cutBook(limit: number | undefined): ((book: OrderBook) => OrderBook) | undefined {
  return limit === undefined ? undefined : (book) => cutOrderBook(book, limit);
}

type ConnectionSettings = Partial<Omit<ConnectionOptions, 'url' | 'onMessage' | 'onOpen'>>;

export abstract class StreamHandler<E extends Exchange = Exchange> implements StreamHandlerLike {
  readonly streams: Streams;
  readonly limits: StreamLimits;
  protected readonly books = new Map<string, LocalOrderBook>();
  protected readonly tradeCaches = new Map<string, RingCache<Trade>>();
  /** Resyncs per symbol, for diagnostics and tests. */
  readonly resyncs = new Map<string, number>();

  constructor(readonly exchange: E) {
    const ws = (exchange.options['ws'] ?? {}) as Partial<StreamLimits> & Dict;
    this.limits = {
      trades: typeof ws.trades === 'number' ? ws.trades : 1000,
      ohlcv: typeof ws.ohlcv === 'number' ? ws.ohlcv : 1000,
      orders: typeof ws.orders === 'number' ? ws.orders : 1000,
    };
    this.streams = new Streams({
      exchange: exchange.id,
      connection: (url) => this.connectionOptions(url),
      maxTopicsPerConnection: this.maxTopicsPerConnection(),
      onMessage: (data, conn) => this.handleMessage(data, conn),
      onConnected: (conn) => this.onConnected(conn),
      onReconnect: (conn, keys) => this.onReconnect(conn, keys),
      onError: (error) => this.onError(error),
      sendControl: (conn, message) => this.sendControl(conn, message),
    });
  }

  /**
   * Errors that belong to no watch call (a frame a handler could not read, a failed re-authentication). They are
   * logged when the exchange is verbose; exchanges override this to reject the watchers concerned.
   */
  protected onError(error: unknown): void {
    if (this.exchange.verbose) this.exchange.log('ws error', error instanceof Error ? error.message : String(error));
  }

  /** Routes one parsed frame. */
  abstract handleMessage(data: unknown, conn: Connection): void;

  /** `exchange.options.ws[name]`, or `fallback` when it is not set (null counts as not set). */
  protected wsOption<T>(name: string, fallback: T): T {
    const ws = this.exchange.options['ws'];
    const v = ws !== null && typeof ws === 'object' ? (ws as Dict)[name] : undefined;
    return (v === undefined || v === null ? fallback : v) as T;
  }

  /** The exchange's heartbeat protocol and cadence; users tune them through options.ws. */
  protected connectionDefaults(): { pingInterval?: number; staleAfter?: number; ping?: () => unknown } {
    return {};
  }

  /** Heartbeat, watchdog and backoff for a url: the exchange's defaults, overridden by options.ws. */
  protected connectionOptions(_url: string): ConnectionSettings {
    const d = this.connectionDefaults();
    const out: ConnectionSettings = {};
    const pingInterval = this.wsOption<number | undefined>('pingInterval', d.pingInterval);
    const staleAfter = this.wsOption<number | undefined>('staleAfter', d.staleAfter);
    const connectTimeout = this.wsOption<number | undefined>('connectTimeout', undefined);
    const backoff = this.wsOption<ConnectionOptions['backoff'] | undefined>('backoff', undefined);
    if (pingInterval !== undefined) out.pingInterval = pingInterval;
    if (staleAfter !== undefined) out.staleAfter = staleAfter;
    if (connectTimeout !== undefined) out.connectTimeout = connectTimeout;
    if (backoff !== undefined) out.backoff = backoff;
    if (d.ping !== undefined) out.ping = d.ping;
    return out;
  }
  protected maxTopicsPerConnection(): number | undefined {
    return undefined;
  }
  /** Sends a subscribe / unsubscribe message; exchanges with a cap on such messages pace them here. */
  protected sendControl(conn: Connection, message: unknown): void {
    conn.send(message);
  }

  /** Runs after every (re)connect before subscriptions are sent again (log in for private topics here). */
  protected async onConnected(_conn: Connection): Promise<void> {}

  /** A dropped socket invalidates every book it carried; they rebuild from the fresh snapshot. */
  protected onReconnect(_conn: Connection, keys: string[]): void {
    for (const key of keys) {
      const symbol = this.bookSymbolOfKey(key);
      if (symbol !== undefined) this.books.get(symbol)?.invalidate();
    }
  }

  /** Which symbol's book a subscription key carries (keys of the form 'book:<symbol>' by default). */
  protected bookSymbolOfKey(key: string): string | undefined {
    return key.startsWith('book:') ? key.slice(5) : undefined;
  }

  wsUrl(name = 'public'): string {
    const ws = this.exchange.urls.ws;
    const url = typeof ws === 'string' ? ws : ws?.[name];
    if (url === undefined) throw new Error(`${this.exchange.id} has no websocket url "${name}"`);
    return url;
  }

  protected book(symbol: string, depth?: number, keepRaw = false): LocalOrderBook {
    let book = this.books.get(symbol);
    if (book === undefined) {
      book = new LocalOrderBook(symbol, depth, keepRaw);
      this.books.set(symbol, book);
    }
    return book;
  }

  /**
   * A watch call on `symbol`'s book asks for `limit` levels (undefined: all). The next publication is cut to the
   * deepest any waiting call asked for, then the wants start over, so one caller's full book does not make every
   * later publication a full copy. Each caller's own cut is applied by its watch method.
   */
  protected wantDepth(symbol: string, limit: number | undefined | null): void {
    const want = limit === undefined || limit === null ? Infinity : limit;
    const prev = this.depthWanted.get(symbol);
    if (prev === undefined || want > prev) this.depthWanted.set(symbol, want);
  }
  private readonly depthWanted = new Map<string, number>();

  /**
   * Resolves watchers of a book that is in sync; a crossed book is not published but resynchronised.
   * Returns false when the book could not be published.
   */
  protected publishBook(symbol: string): boolean {
    const book = this.books.get(symbol);
    if (book === undefined || book.state !== 'live') return false;
    if (book.isCrossed()) {
      this.resync(symbol, 'crossed book');
      return false;
    }
    if (this.publishing.has(symbol) || !this.streams.hasWaiters(this.bookHash(symbol))) return true;
    // Frames that arrive together are handled in one synchronous run: publish once, after the run, so watchers get
    // the state after all of them (and one copy instead of one per frame). A resolved promise rather than
    // queueMicrotask, which wraps each callback in an async resource.
    this.publishing.add(symbol);
    if (this.publishing.size === 1) void Promise.resolve().then(this.flushBooks);
    return true;
  }
  private readonly flushBooks = (): void => {
    for (const symbol of this.publishing) {
      this.publishing.delete(symbol);
      const current = this.books.get(symbol);
      if (current === undefined || current.state !== 'live' || current.isCrossed()) continue;
      // the wants of every call this resolves, read now: calls made since the frame count too
      const want = this.depthWanted.get(symbol);
      this.depthWanted.delete(symbol);
      const cut = want === undefined || want === Infinity ? undefined : want;
      this.streams.resolve(this.bookHash(symbol), current.snapshot(cut) satisfies OrderBook);
    }
  };
  private readonly publishing = new Set<string>();

  /** 'orderbook:<symbol>', the hash book watchers wait on; made once per symbol (a new string is hashed anew). */
  protected bookHash(symbol: string): string {
    let hash = this.bookHashes.get(symbol);
    if (hash === undefined) {
      hash = `orderbook:${symbol}`;
      this.bookHashes.set(symbol, hash);
    }
    return hash;
  }
  private readonly bookHashes = new Map<string, string>();

  /**
   * The symbol's book cannot be trusted (gap, checksum, crossed): drop it and ask for a fresh snapshot for this
   * symbol only. Its watchers keep waiting and get the rebuilt book, never the stale one.
   */
  protected resync(symbol: string, _reason: string): void {
    this.books.get(symbol)?.invalidate();
    this.resyncs.set(symbol, (this.resyncs.get(symbol) ?? 0) + 1);
    this.requestSnapshot(symbol);
  }

  /** How an exchange refetches one symbol's book: by default, subscribe to its topic again. */
  protected requestSnapshot(symbol: string): void {
    this.streams.resubscribe(`book:${symbol}`);
  }

  protected tradeCache(symbol: string): RingCache<Trade> {
    let cache = this.tradeCaches.get(symbol);
    if (cache === undefined) {
      cache = new RingCache<Trade>(this.limits.trades);
      this.tradeCaches.set(symbol, cache);
    }
    return cache;
  }

  /**
   * Stops one stream nobody uses any more (the core counts iterators and plain watch calls; see ActiveWatches).
   * Exchanges whose topics are shared between methods override it and consult `active`.
   */
  unwatch(method: WatchMethod, args: unknown[], _active?: ActiveWatches): void {
    const key = this.subscriptionKey(method, args);
    if (key === undefined) return;
    this.streams.unsubscribe(key);
    const symbol = this.bookSymbolOfKey(key);
    if (symbol !== undefined) {
      this.books.delete(symbol);
      this.depthWanted.delete(symbol);
      this.endWatchers(this.bookHash(symbol));
    } else this.endWatchers(key);
  }

  /** Watch calls still waiting on a stopped stream reject with UnsubscribeError (as CCXT's unWatch* do). */
  protected endWatchers(hash: string): void {
    this.streams.reject(
      hash,
      new UnsubscribeError(`${this.exchange.id} stopped ${hash}`, { exchange: this.exchange.id }),
    );
  }

  protected subscriptionKey(method: WatchMethod, args: unknown[]): string | undefined {
    const symbol = typeof args[0] === 'string' ? args[0] : undefined;
    if (symbol === undefined) return undefined;
    if (method === 'watchOrderBook') return `book:${symbol}`;
    if (method === 'watchTrades') return `trades:${symbol}`;
    if (method === 'watchTicker') return `ticker:${symbol}`;
    return undefined;
  }

  status(): Record<string, string> {
    return this.streams.status();
  }

  bookStatus(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [symbol, book] of this.books) out[symbol] = book.state;
    return out;
  }

  close(): void {
    this.streams.close();
    this.books.clear();
    this.depthWanted.clear();
    this.tradeCaches.clear();
  }
}
