/**
 * watch* for the paper exchange, without sockets: watchers wait on the paper exchange's own events (engine changes
 * and source updates). A book, balance or ticker watch answers its first call with the current state and later
 * calls with the next change; trades, orders and my-trades watches answer with what changed since the last call.
 * With a live source, book, trades and ticker are pulled from it every pollInterval while someone is watching.
 */
import { buildBalance } from '../core/build.js';
import { ExchangeClosedByUser } from '../core/errors.js';
import type { StreamHandlerLike } from '../core/exchange.js';
import type { WatchMethod } from '../core/spec.js';
import type { Balances, Dict, Order, OrderBook, Ticker, Trade } from '../core/types.js';
import { filterBySinceLimit, given } from '../core/util.js';
import { onePerId, RingCache } from '../ws/cache.js';
import type { MatchingEngine } from './engine.js';
import type { PaperEvent, paper } from './paper.js';

interface Waiter {
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
  map: ((value: any) => unknown) | undefined;
}

export class PaperStreams implements StreamHandlerLike {
  private readonly waiters = new Map<string, Waiter[]>();
  /** Hashes whose first call was answered with a snapshot. */
  private readonly started = new Set<string>();
  private readonly cursors = new Map<string, number>();
  private readonly tape = new Map<string, RingCache<Trade>>();
  private readonly orders: RingCache<Order>;
  private readonly myTrades: RingCache<Trade>;
  private readonly limit: number;
  private engine: MatchingEngine | undefined;
  private off: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly due = new Map<string, () => void>();

  constructor(readonly exchange: paper) {
    const ws = (exchange.options['ws'] ?? {}) as Dict;
    this.limit = typeof ws['orders'] === 'number' ? ws['orders'] : 1000;
    this.orders = new RingCache<Order>(this.limit);
    this.myTrades = new RingCache<Trade>(this.limit);
    this.off = exchange.subscribe((e) => this.onEvent(e));
  }

  private async ready(symbol?: string): Promise<string | undefined> {
    if (this.closed) throw new ExchangeClosedByUser(`${this.exchange.id} streams are closed`);
    this.engine ??= await this.exchange.matchingEngine();
    return given(symbol) === undefined ? undefined : this.exchange.market(symbol!).symbol;
  }

  private wait<T>(hash: string, map?: (value: any) => T): Promise<T> {
    if (this.closed) return Promise.reject(new ExchangeClosedByUser(`${this.exchange.id} streams are closed`));
    return new Promise<T>((resolve, reject) => {
      const list = this.waiters.get(hash) ?? [];
      list.push({ resolve, reject, map });
      this.waiters.set(hash, list);
      this.schedule();
    });
  }

  private hasWaiters(hash: string): boolean {
    return (this.waiters.get(hash)?.length ?? 0) > 0;
  }

  private resolve(hash: string, value: unknown): void {
    const list = this.waiters.get(hash);
    if (list === undefined || list.length === 0) return;
    this.waiters.delete(hash);
    for (const w of list) w.resolve(w.map === undefined ? value : w.map(value));
  }

  // ---- watch methods ----
  async watchOrderBook(symbol: string, limit?: number, _params: Dict = {}): Promise<OrderBook> {
    const s = (await this.ready(symbol))!;
    const hash = `orderbook:${s}`;
    const l = given(limit);
    if (!this.started.has(hash)) {
      this.started.add(hash);
      return this.exchange.fetchOrderBook(s, l);
    }
    return this.wait<OrderBook>(
      hash,
      l === undefined ? undefined : (b: OrderBook) => ({ ...b, bids: b.bids.slice(0, l), asks: b.asks.slice(0, l) }),
    );
  }

  async watchTicker(symbol: string, _params: Dict = {}): Promise<Ticker> {
    const s = (await this.ready(symbol))!;
    const hash = `ticker:${s}`;
    if (!this.started.has(hash)) {
      this.started.add(hash);
      return this.exchange.fetchTicker(s);
    }
    return this.wait<Ticker>(hash);
  }

  async watchBalance(params: Dict = {}): Promise<Balances> {
    await this.ready();
    const account = this.accountOf(params);
    const hash = `balance:${account}`;
    const version = this.balanceVersions.get(account) ?? 0;
    // a change since this caller's last answer is answered at once, not lost while no call was waiting
    if (!this.started.has(hash) || (this.balanceSeen.get(hash) ?? 0) < version) {
      this.started.add(hash);
      this.balanceSeen.set(hash, version);
      return this.exchange.fetchBalance(params);
    }
    return this.wait<Balances>(hash);
  }
  /** Balance changes per account, and the count each balance hash last answered with. */
  private readonly balanceVersions = new Map<string, number>();
  private readonly balanceSeen = new Map<string, number>();

  async watchTrades(symbol: string, since?: number, limit?: number, _params: Dict = {}): Promise<Trade[]> {
    // what arrives from this call on counts, even while the call is still getting ready
    const mark = this.tape.get(symbol)?.appended ?? 0;
    const s = (await this.ready(symbol))!;
    const hash = `trades:${s}`;
    if (!this.cursors.has(hash)) this.cursors.set(hash, s === symbol ? mark : this.tapeOf(s).appended);
    const trades = await this.wait<Trade[]>(hash);
    return filterBySinceLimit(trades, given(since), given(limit), true);
  }

  async watchOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    const mark = this.orders.appended;
    const s = await this.ready(symbol);
    const hash = `orders:${this.accountOf(params)}:${s ?? ''}`;
    if (!this.cursors.has(hash)) this.cursors.set(hash, mark);
    const orders = await this.wait<Order[]>(hash);
    return filterBySinceLimit(orders, given(since), given(limit), true);
  }

  async watchMyTrades(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    const mark = this.myTrades.appended;
    const s = await this.ready(symbol);
    const hash = `mytrades:${this.accountOf(params)}:${s ?? ''}`;
    if (!this.cursors.has(hash)) this.cursors.set(hash, mark);
    const trades = await this.wait<Trade[]>(hash);
    return filterBySinceLimit(trades, given(since), given(limit), true);
  }

  private accountOf(params: Dict): string {
    const a = params['account'];
    return typeof a === 'string' && a !== '' ? a : this.exchange.account;
  }

  private tapeOf(symbol: string): RingCache<Trade> {
    let c = this.tape.get(symbol);
    if (c === undefined) {
      c = new RingCache<Trade>(this.limit);
      this.tape.set(symbol, c);
    }
    return c;
  }

  // ---- events ----
  private onEvent(e: PaperEvent): void {
    if (this.closed) return;
    if (e.type === 'book') {
      const hash = `orderbook:${e.symbol}`;
      if (this.hasWaiters(hash) && this.engine !== undefined) {
        this.resolve(hash, this.exchange.bookOf(this.engine, e.symbol));
      }
    } else if (e.type === 'ticker') {
      this.resolve(`ticker:${e.symbol}`, e.ticker);
    } else if (e.type === 'balance') {
      const version = (this.balanceVersions.get(e.account) ?? 0) + 1;
      this.balanceVersions.set(e.account, version);
      const hash = `balance:${e.account}`;
      if (this.hasWaiters(hash) && this.engine !== undefined) {
        const b = this.engine.balance(e.account);
        this.balanceSeen.set(hash, version);
        this.resolve(hash, buildBalance(b, { account: e.account, balances: b }, this.exchange.milliseconds()));
      }
    } else if (e.type === 'trades') {
      const cache = this.tapeOf(e.symbol);
      for (const t of e.trades) cache.push(t);
      this.later(`trades:${e.symbol}`, () => this.drain(`trades:${e.symbol}`, cache, () => true, false));
    } else if (e.type === 'order') {
      this.orders.push(e.order);
      this.later(`orders:${e.account}`, () => this.drainPrefix(`orders:${e.account}:`, this.orders, true));
    } else {
      this.myTrades.push(e.trade);
      this.later(`mytrades:${e.account}`, () => this.drainPrefix(`mytrades:${e.account}:`, this.myTrades, false));
    }
  }

  /** Lists are handed out once the operation that changed them is complete: one answer for a fill of many parts. */
  private later(key: string, run: () => void): void {
    if (this.due.has(key)) return;
    this.due.set(key, run);
    if (this.due.size === 1) {
      queueMicrotask(() => {
        const jobs = [...this.due.values()];
        this.due.clear();
        if (!this.closed) for (const job of jobs) job();
      });
    }
  }

  /** Resolves the hash's waiters with what arrived since its cursor (orders: each once, in its latest state). */
  private drain<T extends { id?: string | undefined }>(
    hash: string,
    cache: RingCache<T>,
    keep: (x: T) => boolean,
    latestPerId: boolean,
  ): void {
    if (!this.hasWaiters(hash)) return;
    let fresh = cache.newSince(this.cursors.get(hash) ?? 0).filter(keep);
    this.cursors.set(hash, cache.appended);
    if (latestPerId) {
      fresh = onePerId(fresh);
    }
    if (fresh.length > 0) this.resolve(hash, fresh);
  }

  private drainPrefix<T extends { id?: string | undefined; symbol?: string | undefined }>(
    prefix: string,
    cache: RingCache<T>,
    latestPerId: boolean,
  ): void {
    for (const hash of [...this.waiters.keys()]) {
      if (!hash.startsWith(prefix)) continue;
      const symbol = hash.slice(prefix.length);
      this.drain(hash, cache, (x) => symbol === '' || x.symbol === symbol, latestPerId);
    }
  }

  // ---- live sources: pull while someone waits ----
  private schedule(): void {
    if (this.closed || this.timer !== undefined || !this.exchange.source.pull) return;
    this.timer = setTimeout(() => void this.poll(), this.exchange.pollInterval);
  }

  private async poll(): Promise<void> {
    try {
      const symbols = new Set<string>();
      for (const [hash, list] of this.waiters) {
        if (list.length === 0) continue;
        const [kind, ...rest] = hash.split(':');
        if (kind === 'orderbook' || kind === 'trades' || kind === 'ticker') symbols.add(rest.join(':'));
      }
      for (const s of Object.keys(this.exchange.markets)) if (this.engine?.hasResting(s) === true) symbols.add(s);
      await this.exchange.pull([...symbols], true);
      for (const [hash, list] of [...this.waiters]) {
        if (list.length === 0 || !hash.startsWith('ticker:')) continue;
        try {
          this.resolve(hash, await this.exchange.fetchTicker(hash.slice('ticker:'.length)));
        } catch {
          // the next poll tries again
        }
      }
    } finally {
      this.timer = undefined;
      if ([...this.waiters.values()].some((l) => l.length > 0)) this.schedule();
    }
  }

  // ---- lifecycle ----
  unwatch(method: WatchMethod, args: unknown[]): void {
    const symbol = typeof args[0] === 'string' ? args[0] : '';
    const prefix =
      method === 'watchOrderBook'
        ? 'orderbook:'
        : method === 'watchTicker'
          ? 'ticker:'
          : method === 'watchTrades'
            ? 'trades:'
            : undefined;
    if (prefix !== undefined) {
      let s = symbol;
      try {
        s = this.exchange.market(symbol).symbol;
      } catch {
        // unknown symbols never started
      }
      this.started.delete(prefix + s);
      this.cursors.delete(prefix + s);
    } else if (method === 'watchBalance') {
      for (const h of [...this.started]) if (h.startsWith('balance:')) this.started.delete(h);
    }
  }

  status(): Record<string, string> {
    return { paper: this.closed ? 'closed' : 'connected' };
  }

  close(): void {
    this.closed = true;
    this.off?.();
    this.off = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const error = new ExchangeClosedByUser(`${this.exchange.id} closed by user`, { exchange: this.exchange.id });
    for (const list of this.waiters.values()) for (const w of list) w.reject(error);
    this.waiters.clear();
  }
}
