/**
 * Binance spot streams. Written from:
 *   https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
 *     SUBSCRIBE / UNSUBSCRIBE answered by {"result": null, "id"} or {"code", "msg"}; at most 1024 streams and 5 incoming
 *     messages a second per connection; the server pings every 20 s; a connection lives 24 h; the diff-depth stream
 *     and "How to manage a local order book correctly".
 *   https://developers.binance.com/docs/binance-spot-api-docs/user-data-stream
 *     executionReport, outboundAccountPosition, eventStreamTerminated; the deprecated listenKey from
 *     POST api/v3/userDataStream (valid 60 min, kept alive with PUT), listenKeyExpired.
 *   https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/user-data-stream-requests
 *     userDataStream.subscribe.signature (apiKey, timestamp, signature; websocket-api/request-security) answered by
 *     {id, status: 200, result: {subscriptionId}} or {id, status, error: {code, msg}}; events then arrive as
 *     {subscriptionId, event}; userDataStream.unsubscribe {subscriptionId} stops them.
 *
 * The user data stream (watchBalance, watchOrders, watchMyTrades) is a signed subscription on the WebSocket API,
 * signed afresh on every (re)subscription; options.ws.userDataStream = 'listenKey' keeps the deprecated listenKey
 * stream instead.
 *
 * Order books: the diff-depth stream sends no snapshot. Its events are buffered while a book is not in sync; the REST
 * snapshot (GET api/v3/depth through the exchange's own fetchOrderBook) is asked for once the stream is live (the
 * subscription is acknowledged or an event arrived). Events with u <= lastUpdateId are dropped, the first one applied
 * must straddle lastUpdateId + 1, then every event's U must be the previous u + 1. A gap resynchronises that symbol
 * alone: its stream stays, a new snapshot is fetched, and its watch calls wait for the rebuilt book.
 *
 * Subscribe pacing: the core sends a topic's SUBSCRIBE as soon as the topic is new, and every topic again after a
 * reconnect; Binance drops a connection that receives more than 5 messages a second. Each connection's send is
 * therefore wrapped when it opens: SUBSCRIBE / UNSUBSCRIBE messages are queued, merged (many streams per message) and
 * sent at most `subscribeRate` times a second. A merged message that fails is retried stream by stream, so one bad
 * stream fails only its own watch calls.
 *
 * Private streams after a gap: Binance does not replay the user data stream. When its subscription is live again on a
 * new socket (or under a new listenKey), REST is asked what changed while it was down (src/ws/reconcile.ts): watched
 * orders (open orders, then the known open ones that are no longer open, one by one), fills since the newest one seen
 * or the drop (on the watched symbols, those of orders that filled more, and with an all-symbol watch those of known
 * orders and of markets whose two assets moved in the balance), the orders those fills name that nothing knew (placed
 * and finished in the gap), and the balance (reseeded as on every connect, published when it changed). The results go
 * through the same caches and hashes as streamed events; orders merge by id, fills by trade id, so nothing is
 * published twice.
 */
import {
  AuthenticationError,
  BadResponse,
  BaseError,
  NetworkError,
  OperationFailed,
  OrderNotFound,
  type ErrorName,
} from '../../core/errors.js';
import { dAdd, dEq, dLt, toDecimal } from '../../core/decimal.js';
import type { ActiveWatches } from '../../core/exchange.js';
import type { WatchMethod } from '../../core/spec.js';
import type { Balances, Dict, Market, OHLCV, Order, OrderBook, Ticker, Tickers, Trade } from '../../core/types.js';
import { filterBySinceLimit, given } from '../../core/util.js';
import { KeyedCache, RingCache } from '../../ws/cache.js';
import type { Connection } from '../../ws/connection.js';
import { StreamHandler, cutBook } from '../../ws/handler.js';
import type { LocalOrderBook } from '../../ws/orderbook.js';
import { ordersChangedInGap, sameState, tradesInGap } from '../../ws/reconcile.js';
import type { binance } from './binance.js';
import {
  fillOfTrade,
  parseOrder,
  parseWsBalance,
  parseWsFill,
  parseWsKline,
  parseWsMyTrade,
  parseWsOrder,
  parseWsTicker,
  parseWsTrade,
  type RawFill,
  type RawOrder,
  type RawSpotAccount,
  type RawTrade,
  type WsAccountPosition,
  type WsAggTrade,
  type WsDepthUpdate,
  type WsEvent,
  type WsExecutionReport,
  type WsKline,
  type WsTicker,
  type WsTrade,
} from './parse.js';

type Method = 'SUBSCRIBE' | 'UNSUBSCRIBE';
interface StreamOp {
  method: Method;
  params: string[];
}
const op = (method: Method, stream: string): StreamOp => ({ method, params: [stream] });

/** Subscription key of the user data stream (one per exchange instance). */
const USER = 'user';
/** Hash prefixes of the watch calls the user data stream serves. */
const PRIVATE_HASHES = ['balance', 'orders', 'mytrades'] as const;
/** Account trades asked for in one catch-up request (GET api/v3/myTrades allows 1000, at the same weight). */
const MY_TRADES_PAGE = 1000;
/**
 * A catch-up's bound on orders looked up one by one (those no longer open, those only gap fills name) and on symbols
 * searched for fills beyond those watched by name: each is a REST call (GET order weighs 4, GET myTrades 20).
 */
const GAP_LOOKUPS = 50;
/** Depth events kept while a book waits for its snapshot. */
const MAX_BUFFER = 5000;
/** Snapshot failures after which the book's watch calls hear about them (fetching goes on behind them). */
const REPORT_AFTER_FAILURES = 3;
/** Resyncs closer together than this (ms) count as a streak and wait before fetching (a feed that keeps gapping). */
const RESYNC_WINDOW = 10_000;

type TopicKind = 'book' | 'trades' | 'ticker' | 'tickers' | 'ohlcv' | 'user';
interface Topic {
  key: string;
  kind: TopicKind;
  /** Unified symbol ('' for the all-market tickers and the user data stream). */
  symbol: string;
}

interface BookSync {
  /** Bumped whenever the book is invalidated: a snapshot asked for before that is thrown away. */
  epoch: number;
  fetching: boolean;
  /** Events received while the book waits for a snapshot. */
  buffer: WsDepthUpdate[];
  /** False until the first event after the snapshot has been applied (it may straddle; later ones must follow). */
  bridged: boolean;
  /** Consecutive snapshot failures (errors, a snapshot older than the stream, a crossed book). */
  failures: number;
  /** Resyncs in quick succession (each within RESYNC_WINDOW of the previous): they back off too. */
  streak: number;
  lastResync: number;
  retry: ReturnType<typeof setTimeout> | undefined;
  /** The stream's subscription is acknowledged on the current socket. */
  live: boolean;
}

interface Outbox {
  conn: Connection;
  generation: number;
  /** Stream -> what to do with it, in arrival order; `solo` streams go in a message of their own. */
  pending: Map<string, { method: Method; solo: boolean }>;
  timer: ReturnType<typeof setTimeout> | undefined;
  lastSent: number;
}

interface SentRequest {
  method: Method;
  streams: string[];
  conn: Connection;
}

interface OrderState {
  order: Order;
  fills: RawFill[];
  trades: Trade[];
  /** The order is as REST reported it after a gap: a report of the same state merges without a new update. */
  caughtUp?: boolean;
}

interface BalanceAsset {
  free: string;
  used: string;
  /** Account update time the amounts are from. */
  time: number;
}

export class binanceStreams extends StreamHandler<binance> {
  /** Stream name -> what it carries. */
  private readonly topics = new Map<string, Topic>();
  private readonly streamOfKey = new Map<string, string>();
  private readonly symbolById = new Map<string, string>();
  private readonly syncs = new Map<string, BookSync>();
  private readonly outboxes = new Map<Connection, Outbox>();
  private readonly requests = new Map<number, SentRequest>();
  private requestId = 0;
  /** watchTickers(symbols) hashes -> their symbols. */
  private readonly tickerLists = new Map<string, Set<string>>();
  /** Trades hash -> the trade cache's `appended` at its last resolution. */
  private readonly tradeCursors = new Map<string, number>();
  /** Candles changed since the hash's last resolution, by open time. */
  private readonly candles = new Map<string, KeyedCache<OHLCV>>();
  private timeframeById: Map<string, string> | undefined;

  private listenKey: string | undefined;
  /** The WebSocket API's id of our user data subscription on the current socket. */
  private subscriptionId: number | undefined;
  /** WebSocket API requests awaiting their answer, by id. */
  private readonly apiRequests = new Map<number, 'subscribe' | 'unsubscribe'>();
  private listenKeyLoading: Promise<string> | undefined;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private readonly balances = new Map<string, BalanceAsset>();
  /** The user data subscription is acknowledged on the current socket. */
  private userLive = false;
  private balanceWatched = false;
  private balanceLoaded = false;
  /** The balance seed under way; after a gap it answers the assets whose total moved. */
  private balanceLoading: Promise<Set<string> | undefined> | undefined;
  private readonly orders = new KeyedCache<OrderState>(this.limits.orders);
  /** Orders hash -> keys of the orders changed since its last resolution. */
  private readonly freshOrders = new Map<string, KeyedCache<string>>();
  private readonly myTrades = new RingCache<Trade>(this.limits.orders);
  private readonly myTradeCursors = new Map<string, number>();
  /** Fills seen (symbol:trade id:order id), streamed or caught up: none is published twice. */
  private readonly seenTrades = new KeyedCache<boolean>(this.limits.orders);
  /** When the user stream went down (ms); cleared once it is live again and the catch-up has started. */
  private userDownSince: number | undefined;
  /** Catch-ups started (diagnostics and tests). */
  catchUps = 0;
  private closed = false;

  // ---- settings ----

  /** The server pings every 20 s; our pings get pongs, so a quiet user stream stays alive for the watchdog. */
  protected override connectionDefaults(): { pingInterval: number; staleAfter: number } {
    return { pingInterval: 20_000, staleAfter: 60_000 };
  }

  protected override maxTopicsPerConnection(): number {
    return this.wsOption('maxStreamsPerConnection', 1024);
  }

  private snapshotDepth(): number {
    return this.wsOption('orderBookLimit', 1000);
  }

  // ---- public streams ----

  watchOrderBook(symbol: string, limit?: number, params: Dict = {}): Promise<OrderBook> {
    // A watch loop calls this once per update: once markets are loaded it goes straight to the waiting list,
    // without async hops or new topic objects.
    if (this.exchange.symbols.length === 0)
      return this.spot(symbol, 'watchOrderBook').then(() => this.watchOrderBook(symbol, limit, params));
    try {
      const market = this.exchange.spotMarket(symbol, 'watchOrderBook');
      symbol = market.symbol;
      let topic = this.bookTopics.get(symbol);
      if (topic === undefined) {
        this.symbolById.set(market.id, symbol);
        const rate = this.wsOption<number>('orderBookRate', 100);
        const stream = `${market.id.toLowerCase()}@depth${rate === 1000 ? '' : `@${rate}ms`}`;
        topic = {
          key: `book:${symbol}`,
          hash: this.bookHash(symbol),
          stream,
          topic: { key: `book:${symbol}`, kind: 'book', symbol },
        };
        this.bookTopics.set(symbol, topic);
      }
      if (!this.books.has(symbol)) this.book(symbol, this.snapshotDepth());
      let sync = this.syncs.get(symbol);
      if (sync === undefined) {
        sync = {
          epoch: 0,
          fetching: false,
          buffer: [],
          bridged: false,
          failures: 0,
          streak: 0,
          lastResync: 0,
          retry: undefined,
          live: false,
        };
        this.syncs.set(symbol, sync);
      }
      const wanted = limit === undefined || limit === null ? Infinity : limit;
      this.wantDepth(symbol, wanted);
      return this.subscribe<OrderBook>(
        topic.topic,
        topic.stream,
        topic.hash,
        wanted === Infinity ? undefined : cutBook(wanted),
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** Per symbol, the names its book is watched under (made once, not on every watch call). */
  private readonly bookTopics = new Map<string, { key: string; hash: string; stream: string; topic: Topic }>();

  async watchTrades(symbol: string, since?: number, limit?: number, _params: Dict = {}): Promise<Trade[]> {
    const market = await this.spot(symbol, 'watchTrades');
    symbol = market.symbol;
    const hash = `trades:${symbol}`;
    if (!this.tradeCursors.has(hash)) this.tradeCursors.set(hash, this.tradeCache(symbol).appended);
    const channel = this.wsOption<string>('tradesChannel', 'trade');
    const trades = await this.subscribe<Trade[]>(
      { key: hash, kind: 'trades', symbol },
      `${market.id.toLowerCase()}@${channel}`,
      hash,
    );
    return filterBySinceLimit(trades, given(since), given(limit), true);
  }

  async watchOHLCV(
    symbol: string,
    timeframe = '1m',
    since?: number,
    limit?: number,
    _params: Dict = {},
  ): Promise<OHLCV[]> {
    const market = await this.spot(symbol, 'watchOHLCV');
    symbol = market.symbol;
    const interval = this.exchange.timeframeId(timeframe);
    const hash = `ohlcv:${symbol}:${timeframe}`;
    if (!this.candles.has(hash)) this.candles.set(hash, new KeyedCache<OHLCV>(this.limits.ohlcv));
    const rows = await this.subscribe<OHLCV[]>(
      { key: hash, kind: 'ohlcv', symbol },
      `${market.id.toLowerCase()}@kline_${interval}`,
      hash,
    );
    since = given(since);
    limit = given(limit);
    const out = since === undefined ? rows : rows.filter((r) => r[0] >= since);
    return limit === undefined ? out : out.slice(-limit);
  }

  async watchTicker(symbol: string, _params: Dict = {}): Promise<Ticker> {
    const market = await this.spot(symbol, 'watchTicker');
    symbol = market.symbol;
    return this.subscribe<Ticker>(
      { key: `ticker:${symbol}`, kind: 'ticker', symbol },
      `${market.id.toLowerCase()}@ticker`,
      `ticker:${symbol}`,
    );
  }

  /** Without symbols: every market (!ticker@arr); with symbols: their <symbol>@ticker streams. */
  async watchTickers(symbols?: string[], _params: Dict = {}): Promise<Tickers> {
    await this.exchange.loadMarkets();
    if (symbols === undefined || symbols === null || symbols.length === 0) {
      return this.subscribe<Tickers>({ key: 'tickers:all', kind: 'tickers', symbol: '' }, '!ticker@arr', 'tickers');
    }
    const markets: Market[] = [];
    for (const s of symbols) markets.push(await this.spot(s, 'watchTickers'));
    const list = [...new Set(markets.map((m) => m.symbol))].sort();
    const hash = `tickers:${list.join(',')}`;
    this.tickerLists.set(hash, new Set(list));
    const calls = markets.map((m) =>
      this.subscribe<Tickers>(
        { key: `ticker:${m.symbol}`, kind: 'ticker', symbol: m.symbol },
        `${m.id.toLowerCase()}@ticker`,
        hash,
      ),
    );
    // Each call waits on the same hash and settles with the same value: one is returned, the others only subscribe.
    for (const c of calls.slice(1)) c.catch(() => undefined);
    return calls[0]!;
  }

  // ---- private streams (the user data stream) ----

  async watchBalance(_params: Dict = {}): Promise<Balances> {
    this.balanceWatched = true;
    const result = this.watchUser<Balances>('balance');
    // Otherwise the snapshot is taken once the user stream is live, so that no change falls between the two.
    if (this.userLive) this.seedBalance();
    return result;
  }

  async watchOrders(symbol?: string, since?: number, limit?: number, _params: Dict = {}): Promise<Order[]> {
    const market = symbol === undefined || symbol === null ? undefined : await this.spot(symbol, 'watchOrders');
    const hash = market === undefined ? 'orders' : `orders:${market.symbol}`;
    if (!this.freshOrders.has(hash)) this.freshOrders.set(hash, new KeyedCache<string>(this.limits.orders));
    const orders = await this.watchUser<Order[]>(hash);
    return filterBySinceLimit(orders, given(since), given(limit), true);
  }

  async watchMyTrades(symbol?: string, since?: number, limit?: number, _params: Dict = {}): Promise<Trade[]> {
    const market = symbol === undefined || symbol === null ? undefined : await this.spot(symbol, 'watchMyTrades');
    const hash = market === undefined ? 'mytrades' : `mytrades:${market.symbol}`;
    if (!this.myTradeCursors.has(hash)) this.myTradeCursors.set(hash, this.myTrades.appended);
    const trades = await this.watchUser<Trade[]>(hash);
    return filterBySinceLimit(trades, given(since), given(limit), true);
  }

  private async watchUser<T>(hash: string): Promise<T> {
    // Without an await once markets are loaded: the call waits on its hash at once, so an unWatch made after it
    // is one it hears about.
    if (this.exchange.symbols.length === 0) await this.exchange.loadMarkets();
    if (this.userViaApi()) {
      this.exchange.checkRequiredCredentials();
      return this.streams.watch<T>(
        {
          key: USER,
          url: this.wsUrl('api'),
          // Made at send time: every (re)subscription carries a fresh timestamp and signature.
          subscribe: () => this.userApiRequest('subscribe'),
          unsubscribe: () => this.userApiRequest('unsubscribe'),
          private: true,
        },
        hash,
      );
    }
    const key = this.listenKey ?? (await this.obtainListenKey());
    const stream = this.streams.isSubscribed(USER) ? undefined : key;
    if (stream !== undefined) {
      this.topics.set(stream, { key: USER, kind: 'user', symbol: '' });
      this.streamOfKey.set(USER, stream);
    }
    return this.streams.watch<T>(
      {
        key: USER,
        url: this.wsUrl('private'),
        subscribe: op('SUBSCRIBE', key),
        unsubscribe: op('UNSUBSCRIBE', key),
        private: true,
      },
      hash,
    );
  }

  /** The user data stream comes from the WebSocket API (default) rather than a listenKey. */
  private userViaApi(): boolean {
    return this.wsOption<string>('userDataStream', 'wsApi') !== 'listenKey';
  }

  /**
   * userDataStream.subscribe.signature (apiKey, timestamp, signature: signed as REST requests are) or
   * userDataStream.unsubscribe of our subscription; the answer is matched by id in onApiReply.
   */
  private userApiRequest(kind: 'subscribe' | 'unsubscribe'): Dict {
    const id = ++this.requestId;
    this.apiRequests.set(id, kind);
    if (this.apiRequests.size > 100) this.apiRequests.delete(this.apiRequests.keys().next().value!);
    if (kind === 'subscribe') {
      return { id, method: 'userDataStream.subscribe.signature', params: this.exchange.wsSignedParams() };
    }
    const subscriptionId = this.subscriptionId;
    this.subscriptionId = undefined;
    // Without an id it would close every subscription of the socket; the socket carries only ours.
    return subscriptionId === undefined
      ? { id, method: 'userDataStream.unsubscribe' }
      : { id, method: 'userDataStream.unsubscribe', params: { subscriptionId } };
  }

  /**
   * A WebSocket API answer: {id, status: 200, result: {subscriptionId}} confirms the user data subscription, which is
   * then live; {id, status, error: {code, msg}} refuses it (a bad signature is an AuthenticationError for the watch
   * calls). A 5xx leaves the outcome unknown: the socket is replaced and the subscription sent again.
   */
  private onApiReply(msg: Dict, conn: Connection): void {
    const id = Number(msg['id']);
    const kind = this.apiRequests.get(id);
    if (kind === undefined) return;
    this.apiRequests.delete(id);
    if (kind !== 'subscribe' || !this.streams.isSubscribed(USER)) return;
    const status = Number(msg['status']);
    if (status === 200) {
      const result = msg['result'] as { subscriptionId?: unknown } | undefined;
      const subscriptionId = result?.subscriptionId;
      this.subscriptionId = typeof subscriptionId === 'number' ? subscriptionId : undefined;
      this.userStreamLive();
      return;
    }
    if (status >= 500) {
      conn.restart(`userDataStream.subscribe.signature answered ${status}`);
      return;
    }
    const failure = (msg['error'] ?? {}) as { code?: unknown; msg?: unknown };
    this.failUser(this.wsError(failure));
  }

  /**
   * eventStreamTerminated of our current subscription: it ended while we still want it (Binance ends signature
   * subscriptions only on request, but a gap is a gap): subscribe again, and catch up once it is live. The end of
   * one we unsubscribed ourselves names an older id and is ignored.
   */
  private onUserTerminated(subscriptionId: unknown): void {
    const sub = this.streams.subscription(USER);
    if (sub === undefined || !this.userViaApi() || this.closed) return;
    if (this.subscriptionId === undefined || subscriptionId !== this.subscriptionId) return;
    this.subscriptionId = undefined;
    this.subscribeUserAgain();
  }

  /**
   * The user data subscription ended on the server's side (an expired listenKey, a terminated subscription) while
   * the socket stays: subscribe again without unsubscribing. Events went unreported meanwhile, so once it is live the
   * balance is seeded again and the watched orders and fills catch up, as after a reconnect.
   */
  private subscribeUserAgain(): void {
    const sub = this.streams.subscription(USER);
    if (sub === undefined) return;
    this.userLive = false;
    this.balanceLoaded = false;
    this.userDownSince ??= Date.now();
    const unsubscribe = sub.unsubscribe;
    delete sub.unsubscribe;
    this.streams.resubscribe(USER);
    if (unsubscribe !== undefined) sub.unsubscribe = unsubscribe;
  }

  /** POST api/v3/userDataStream: the active listenKey (a new one when none is active), valid 60 more minutes. */
  private obtainListenKey(): Promise<string> {
    this.listenKeyLoading ??= (async () => {
      try {
        const res = (await this.exchange.publicPostUserDataStream()) as { listenKey?: string } | undefined;
        const key = res?.listenKey;
        if (typeof key !== 'string' || key === '') {
          throw new AuthenticationError(`${this.exchange.id} userDataStream answered without a listenKey`, {
            exchange: this.exchange.id,
          });
        }
        if (this.closed) return key;
        this.setListenKey(key);
        this.startKeepAlive();
        return key;
      } finally {
        this.listenKeyLoading = undefined;
      }
    })();
    return this.listenKeyLoading;
  }

  /** Points the user data subscription at `key` (sent on the next (re)subscribe). */
  private setListenKey(key: string): void {
    this.listenKey = key;
    const sub = this.streams.subscription(USER);
    const previous = this.streamOfKey.get(USER);
    if (sub === undefined || previous === key) return;
    if (previous !== undefined) this.topics.delete(previous);
    this.topics.set(key, { key: USER, kind: 'user', symbol: '' });
    this.streamOfKey.set(USER, key);
    sub.subscribe = op('SUBSCRIBE', key);
    sub.unsubscribe = op('UNSUBSCRIBE', key);
  }

  private startKeepAlive(): void {
    if (this.keepAlive !== undefined) return;
    this.keepAlive = setInterval(() => void this.pingListenKey(), this.wsOption('listenKeyRefresh', 1_800_000));
  }

  private stopKeepAlive(): void {
    if (this.keepAlive !== undefined) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  /** PUT api/v3/userDataStream. A key Binance no longer knows (-1125) is replaced; network trouble waits a round. */
  private async pingListenKey(): Promise<void> {
    const key = this.listenKey;
    if (key === undefined) return;
    try {
      await this.exchange.publicPutUserDataStream({ listenKey: key });
    } catch (e) {
      if (this.closed || key !== this.listenKey) return;
      if (e instanceof AuthenticationError) await this.renewListenKey();
    }
  }

  /** The listenKey expired: take a new one and subscribe to it on the live connection. */
  private async renewListenKey(): Promise<void> {
    this.listenKey = undefined;
    try {
      await this.obtainListenKey();
    } catch (e) {
      if (!this.closed) this.failUser(e);
      return;
    }
    // The expired key is gone on the server's side already: subscribe the new one only.
    if (!this.closed) this.subscribeUserAgain();
  }

  /** The user data stream cannot go on: its watch calls hear why, and the next call starts it afresh. */
  private failUser(error: unknown): void {
    this.stopKeepAlive();
    const sub = this.streams.subscription(USER);
    if (sub !== undefined) {
      delete sub.unsubscribe;
      this.streams.unsubscribe(USER);
    }
    const stream = this.streamOfKey.get(USER);
    if (stream !== undefined) this.topics.delete(stream);
    this.streamOfKey.delete(USER);
    this.listenKey = undefined;
    this.subscriptionId = undefined;
    this.userLive = false;
    this.balanceLoaded = false;
    this.userDownSince = undefined;
    for (const prefix of PRIVATE_HASHES) this.streams.rejectMatching(prefix, error);
  }

  /**
   * GET api/v3/account (what fetchBalance reads for spot) seeds the balance; an asset already updated by a newer event
   * keeps the event's amounts. After a gap (`gap`), a balance that changed meanwhile is published as an update, and
   * the load answers the assets whose total (free + locked) moved, for the catch-up to look for fills.
   */
  private seedBalance(gap = false): void {
    if (!this.balanceWatched || this.balanceLoaded || !this.wsOption('fetchBalanceSnapshot', true)) return;
    if (gap) this.balanceGap = true;
    this.balanceLoading ??= (async () => {
      try {
        const raw = (await this.exchange.privateGetAccount()) as RawSpotAccount;
        if (this.closed) return;
        const time = Number(raw.updateTime ?? 0);
        const ctx = this.exchange.parseContext;
        let changed = false;
        const moved = new Set<string>();
        for (const b of raw.balances ?? []) {
          const code = ctx.code(b.asset);
          const prev = this.balances.get(code);
          // Moved in the gap, or by an event since the reconnect (the stream has its fills; one more look is harmless).
          if (!sameTotal(prev === undefined ? ['0'] : [prev.free, prev.used], [b.free, b.locked])) moved.add(code);
          if (prev !== undefined && prev.time > time) continue;
          if (prev === undefined || prev.free !== b.free || prev.used !== b.locked) changed = true;
          this.balances.set(code, { free: b.free, used: b.locked, time });
        }
        this.balanceLoaded = true;
        const gap = this.balanceGap;
        this.balanceGap = false;
        if (gap && changed && this.streams.hasWaiters('balance')) {
          this.streams.resolve('balance', parseWsBalance(this.balances, raw, time === 0 ? undefined : time));
        }
        return gap ? moved : undefined;
      } catch (e) {
        this.balanceGap = false;
        this.onError(e);
        this.streams.reject('balance', e);
        return undefined;
      } finally {
        this.balanceLoading = undefined;
      }
    })();
  }
  /** A reseed after a gap is under way: its result is published when it changed anything. */
  private balanceGap = false;

  // ---- connections ----

  /** Every (re)connect: a reconnected user stream checks its listenKey. */
  protected override async onConnected(conn: Connection): Promise<void> {
    if (this.userViaApi() || conn.url !== this.wsUrl('private') || !this.streams.isSubscribed(USER)) return;
    if (conn.generation <= 1 && this.listenKey !== undefined) return;
    try {
      // POST answers the active key (or a new one when it expired while the socket was down).
      this.listenKey = undefined;
      await this.obtainListenKey();
    } catch (e) {
      // Public topics sharing this socket still get subscribed.
      this.failUser(e);
      return;
    }
  }

  /** A dropped socket: its books wait for a new snapshot (asked once the new socket's stream is live). */
  protected override onReconnect(conn: Connection, keys: string[]): void {
    super.onReconnect(conn, keys);
    for (const key of keys) {
      const symbol = this.bookSymbolOfKey(key);
      const sync = symbol === undefined ? undefined : this.syncs.get(symbol);
      if (sync !== undefined) {
        restart(sync);
        sync.live = false;
      }
      if (key === USER) {
        // Events of the gap are not replayed: the catch-up asks REST once the subscription is live again.
        this.userLive = false;
        this.balanceLoaded = false;
        this.subscriptionId = undefined;
        // The gap starts at the last frame the socket heard (a silent socket is replaced only after a while).
        this.userDownSince ??= conn.lastMessageTime > 0 ? conn.lastMessageTime : Date.now();
      }
    }
    const box = this.outboxes.get(conn);
    if (box !== undefined) {
      box.pending.clear();
      if (box.timer !== undefined) clearTimeout(box.timer);
      box.timer = undefined;
    }
  }

  /** SUBSCRIBE / UNSUBSCRIBE messages are merged and paced per socket (Binance caps them at 5 a second). */
  protected override sendControl(conn: Connection, message: unknown): void {
    if (!isStreamOp(message)) {
      conn.send(message);
      return;
    }
    if (conn.status !== 'connected') {
      throw new NetworkError(`${this.exchange.id} ${conn.url} is not connected`, { exchange: this.exchange.id });
    }
    this.enqueue(this.outboxOf(conn), message.method, message.params, false);
  }

  private outboxOf(conn: Connection): Outbox {
    let box = this.outboxes.get(conn);
    if (box === undefined) {
      box = { conn, generation: conn.generation, pending: new Map(), timer: undefined, lastSent: 0 };
      this.outboxes.set(conn, box);
    }
    return box;
  }

  private enqueue(box: Outbox, method: Method, streams: readonly string[], solo: boolean): void {
    if (box.generation !== box.conn.generation) {
      box.pending.clear();
      box.generation = box.conn.generation;
    }
    for (const stream of streams) {
      const prev = box.pending.get(stream);
      // Subscribing and unsubscribing a stream before either is sent leaves the server as it is.
      if (prev !== undefined && prev.method !== method) box.pending.delete(stream);
      else box.pending.set(stream, { method, solo: solo || prev?.solo === true });
    }
    this.scheduleFlush(box);
  }

  private scheduleFlush(box: Outbox): void {
    if (box.pending.size === 0 || box.timer !== undefined || this.closed) return;
    const interval = 1000 / this.wsOption('subscribeRate', 4);
    // A burst of topics (a reconnect, several watch calls in one tick) leaves in one message after this tick.
    const wait = Math.max(0, box.lastSent + interval - Date.now());
    box.timer = setTimeout(() => {
      box.timer = undefined;
      this.flush(box);
    }, wait);
  }

  private flush(box: Outbox): void {
    const conn = box.conn;
    if (this.closed || conn.status !== 'connected' || box.generation !== conn.generation) {
      box.pending.clear();
      return;
    }
    const max = this.wsOption('streamsPerMessage', 200);
    let method: Method | undefined;
    const streams: string[] = [];
    for (const [stream, next] of box.pending) {
      if (method === undefined) {
        method = next.method;
        streams.push(stream);
        box.pending.delete(stream);
        if (next.solo) break;
        continue;
      }
      if (streams.length >= max) break;
      if (next.method === method && !next.solo) {
        streams.push(stream);
        box.pending.delete(stream);
      }
    }
    if (method === undefined) return;
    const id = ++this.requestId;
    this.requests.set(id, { method, streams, conn });
    if (this.requests.size > 1000) this.requests.delete(this.requests.keys().next().value!);
    try {
      conn.send({ method, params: streams, id });
    } catch {
      // The socket went away: the reconnect sends every topic again.
      box.pending.clear();
      return;
    }
    box.lastSent = Date.now();
    this.scheduleFlush(box);
  }

  // ---- messages ----

  handleMessage(data: unknown, conn: Connection): void {
    if (Array.isArray(data)) {
      this.onTickers(data as WsTicker[], true);
      return;
    }
    if (data === null || typeof data !== 'object') return;
    const msg = data as Dict;
    let payload: unknown = msg;
    let subscriptionId: unknown;
    if (typeof msg['stream'] === 'string' && 'data' in msg) {
      // Combined stream: {"stream": "<streamName>", "data": <rawPayload>}
      payload = msg['data'];
      if (Array.isArray(payload)) {
        this.onTickers(payload as WsTicker[], true);
        return;
      }
    } else if ('event' in msg && typeof msg['event'] === 'object') {
      // WebSocket API user data: {"subscriptionId": 0, "event": <rawPayload>}
      payload = msg['event'];
      subscriptionId = msg['subscriptionId'];
    } else if ('id' in msg && 'status' in msg) {
      this.onApiReply(msg, conn);
      return;
    } else if ('id' in msg && !('e' in msg)) {
      this.onReply(msg, conn);
      return;
    }
    if (payload === null || typeof payload !== 'object') return;
    const ev = payload as WsEvent;
    switch (ev.e) {
      case 'depthUpdate':
        this.onDepth(ev as WsDepthUpdate);
        return;
      case 'trade':
      case 'aggTrade':
        this.onTrade(ev as WsTrade | WsAggTrade);
        return;
      case 'kline':
        this.onKline(ev as WsKline);
        return;
      case '24hrTicker':
        this.onTickers([ev as WsTicker], false);
        return;
      case 'executionReport':
        this.onExecutionReport(ev as WsExecutionReport);
        return;
      case 'outboundAccountPosition':
        this.onAccountPosition(ev as WsAccountPosition);
        return;
      case 'listenKeyExpired':
        if (!this.userViaApi()) void this.renewListenKey();
        return;
      case 'eventStreamTerminated':
        this.onUserTerminated(subscriptionId);
        return;
      case 'serverShutdown':
        conn.restart('server shutting down');
        return;
    }
  }

  /** {"result": null, "id"} acknowledges a request; {"code", "msg", "id"} (or {"error": {...}, "id"}) refuses it. */
  private onReply(msg: Dict, _conn: Connection): void {
    const id = Number(msg['id']);
    const req = this.requests.get(id);
    if (req === undefined) return;
    this.requests.delete(id);
    const failure = (msg['error'] ?? ('code' in msg ? msg : undefined)) as
      { code?: unknown; msg?: unknown } | undefined;
    if (failure === undefined) {
      if (req.method !== 'SUBSCRIBE') return;
      for (const stream of req.streams) {
        const topic = this.topics.get(stream);
        // The stream is live: its events are being buffered, so the snapshot can be taken.
        if (topic?.kind === 'book') {
          const sync = this.syncs.get(topic.symbol);
          if (sync !== undefined) sync.live = true;
          this.fetchSnapshot(topic.symbol);
        } else if (topic?.kind === 'user') this.userStreamLive();
      }
      return;
    }
    if (req.method !== 'SUBSCRIBE') return;
    const box = this.outboxes.get(req.conn);
    if (req.streams.length > 1 && box !== undefined) {
      // One bad stream fails the whole message: send each again alone to find it.
      const alive = req.streams.filter((s) => this.topics.has(s));
      this.enqueue(box, 'SUBSCRIBE', alive, true);
      return;
    }
    const error = this.wsError(failure);
    for (const stream of req.streams) this.failTopic(stream, error);
  }

  private wsError(failure: { code?: unknown; msg?: unknown }): Error {
    const code = typeof failure.code === 'number' || typeof failure.code === 'string' ? failure.code : undefined;
    const text = typeof failure.msg === 'string' ? failure.msg : JSON.stringify(failure);
    const exceptions = this.exchange.spec.exceptions;
    let name: ErrorName | undefined = exceptions?.exact?.[text];
    if (name === undefined && exceptions?.broad !== undefined) {
      for (const needle in exceptions.broad) {
        if (text.includes(needle)) {
          name = exceptions.broad[needle];
          break;
        }
      }
    }
    if (name === undefined && code !== undefined) name = exceptions?.exact?.[String(code)];
    return this.exchange.makeError(name ?? 'ExchangeError', text, code);
  }

  /**
   * A topic that cannot go on (the exchange refused its subscription, or its book's snapshot): its watch calls reject
   * with the typed error and the topic is forgotten (UNSUBSCRIBE only when the server had accepted it).
   */
  private failTopic(stream: string, error: unknown, subscribed = false): void {
    const topic = this.topics.get(stream);
    if (topic === undefined) return;
    if (topic.kind === 'user') {
      this.failUser(error);
      return;
    }
    const sub = this.streams.subscription(topic.key);
    if (sub !== undefined && !subscribed) delete sub.unsubscribe;
    this.forget(topic.key);
    const symbol = topic.symbol;
    switch (topic.kind) {
      case 'book':
        this.streams.reject(`orderbook:${symbol}`, error);
        break;
      case 'trades':
      case 'ohlcv':
        this.streams.reject(topic.key, error);
        break;
      case 'ticker':
        this.streams.reject(`ticker:${symbol}`, error);
        for (const [hash, list] of this.tickerLists) if (list.has(symbol)) this.streams.reject(hash, error);
        break;
      case 'tickers':
        this.streams.reject('tickers', error);
        break;
    }
  }

  // ---- order books ----

  private onDepth(ev: WsDepthUpdate): void {
    const symbol = this.symbolOf(ev.s);
    const book = this.books.get(symbol);
    const sync = this.syncs.get(symbol);
    if (book === undefined || sync === undefined) return;
    if (book.state !== 'live') {
      sync.buffer.push(ev);
      if (sync.buffer.length > MAX_BUFFER) sync.buffer.shift();
      this.fetchSnapshot(symbol);
      return;
    }
    const result = applyDepth(book, sync, ev);
    if (result === 'gap') {
      this.resync(symbol, `update ids ${ev.U}..${ev.u} after ${book.nonce}`);
      // The event after the gap belongs to the next snapshot's replay.
      sync.buffer.push(ev);
    } else if (result === 'applied') this.publish(symbol);
  }

  /** Resolves the book's watch calls (publishBook holds them back while it is not in sync). */
  private publish(symbol: string): void {
    this.publishBook(symbol);
  }

  /** A gap or a crossed book (via resync): the stream stays, a new snapshot is fetched at once. */
  protected override requestSnapshot(symbol: string): void {
    const sync = this.syncs.get(symbol);
    if (sync === undefined) return;
    restart(sync);
    const now = Date.now();
    sync.streak = now - sync.lastResync < RESYNC_WINDOW ? sync.streak + 1 : 0;
    sync.lastResync = now;
    this.fetchSnapshot(symbol);
  }

  private fetchSnapshot(symbol: string): void {
    const sync = this.syncs.get(symbol);
    if (sync === undefined || sync.fetching || sync.retry !== undefined || this.closed) return;
    if (this.books.get(symbol)?.state !== 'syncing') return;
    const tries = sync.failures + sync.streak;
    const delay = tries === 0 ? 0 : Math.min(30_000, 250 * 2 ** (tries - 1));
    if (delay === 0) {
      this.startFetch(symbol, sync);
      return;
    }
    sync.retry = setTimeout(() => {
      sync.retry = undefined;
      this.startFetch(symbol, sync);
    }, delay);
  }

  private startFetch(symbol: string, sync: BookSync): void {
    if (this.closed || sync.fetching || this.syncs.get(symbol) !== sync) return;
    if (this.books.get(symbol)?.state !== 'syncing') return;
    sync.fetching = true;
    const epoch = sync.epoch;
    this.exchange.fetchOrderBook(symbol, this.snapshotDepth()).then(
      (snapshot) => {
        sync.fetching = false;
        if (this.closed || this.syncs.get(symbol) !== sync) return;
        if (sync.epoch !== epoch) {
          // Invalidated meanwhile (a reconnect): start over once the new stream is live.
          if (sync.live || sync.buffer.length > 0) this.fetchSnapshot(symbol);
          return;
        }
        this.applySnapshot(symbol, sync, snapshot);
      },
      (e: unknown) => {
        sync.fetching = false;
        if (this.closed || this.syncs.get(symbol) !== sync || sync.epoch !== epoch) return;
        this.snapshotFailed(symbol, sync, e);
      },
    );
  }

  private applySnapshot(symbol: string, sync: BookSync, snapshot: OrderBook): void {
    const book = this.books.get(symbol);
    if (book === undefined) return;
    const last = snapshot.nonce;
    if (last === undefined) {
      this.snapshotFailed(symbol, sync, new BadResponse(`${this.exchange.id} depth snapshot without lastUpdateId`));
      return;
    }
    const events = sync.buffer.filter((ev) => ev.u > last);
    sync.buffer = [];
    const first = events[0];
    if (first !== undefined && first.U > last + 1) {
      // The snapshot is older than the first buffered event: it cannot be bridged, ask again.
      sync.buffer = events;
      sync.failures++;
      this.fetchSnapshot(symbol);
      return;
    }
    book.reset(snapshot.bids, snapshot.asks, last, snapshot.timestamp);
    sync.bridged = false;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (applyDepth(book, sync, ev) === 'gap') {
        this.resync(symbol, `update ids ${ev.U}..${ev.u} after ${book.nonce}`);
        sync.buffer.push(...events.slice(i));
        return;
      }
    }
    // A crossed snapshot resyncs from inside publish: it counts as a failure, so the next try waits.
    sync.failures++;
    this.publish(symbol);
    if (book.state === 'live') sync.failures = 0;
  }

  /** Network trouble retries with backoff (watch calls hear of it after a few tries); anything else ends the topic. */
  private snapshotFailed(symbol: string, sync: BookSync, error: unknown): void {
    if (error instanceof OperationFailed) {
      sync.failures++;
      if (sync.failures >= REPORT_AFTER_FAILURES) this.streams.reject(`orderbook:${symbol}`, error);
      this.fetchSnapshot(symbol);
      return;
    }
    const stream = this.streamOfKey.get(`book:${symbol}`);
    if (stream !== undefined) this.failTopic(stream, error, true);
    else this.streams.reject(`orderbook:${symbol}`, error);
  }

  // ---- trades, candles, tickers ----

  private onTrade(ev: WsTrade | WsAggTrade): void {
    const symbol = this.symbolOf(ev.s);
    const hash = `trades:${symbol}`;
    const cursor = this.tradeCursors.get(hash);
    if (cursor === undefined) return;
    const cache = this.tradeCache(symbol);
    cache.push(parseWsTrade(ev, this.exchange.parseContext, this.exchange.markets[symbol]));
    if (!this.streams.hasWaiters(hash)) return;
    // Everything since the previous resolution (CCXT's newUpdates), at most the cache.
    this.tradeCursors.set(hash, cache.appended);
    this.streams.resolve(hash, cache.newSince(cursor));
  }

  private onKline(ev: WsKline): void {
    const symbol = this.symbolOf(ev.s);
    const hash = `ohlcv:${symbol}:${this.timeframeOf(ev.k.i)}`;
    const fresh = this.candles.get(hash);
    if (fresh === undefined) return;
    const row = parseWsKline(ev);
    fresh.upsert(row[0], row);
    if (!this.streams.hasWaiters(hash)) return;
    const rows = fresh.toArray().sort((a, b) => a[0] - b[0]);
    fresh.clear();
    this.streams.resolve(hash, rows);
  }

  private onTickers(events: WsTicker[], all: boolean): void {
    const ctx = this.exchange.parseContext;
    const everything = all && this.streams.hasWaiters('tickers');
    const out: Tickers = {};
    const byList = new Map<string, Tickers>();
    for (const ev of events) {
      if (ev === null || typeof ev !== 'object' || ev.e !== '24hrTicker') continue;
      const symbol = this.symbolOf(ev.s);
      const single = this.streams.hasWaiters(`ticker:${symbol}`);
      const lists: string[] = [];
      for (const [hash, list] of this.tickerLists) {
        if (list.has(symbol) && this.streams.hasWaiters(hash)) lists.push(hash);
      }
      if (!everything && !single && lists.length === 0) continue;
      const ticker = parseWsTicker(ev, ctx, this.exchange.markets[symbol]);
      if (everything) out[symbol] = ticker;
      if (single) this.streams.resolve(`ticker:${symbol}`, ticker);
      for (const hash of lists) {
        let t = byList.get(hash);
        if (t === undefined) byList.set(hash, (t = {}));
        t[symbol] = ticker;
      }
    }
    if (everything) this.streams.resolve('tickers', out);
    for (const [hash, tickers] of byList) this.streams.resolve(hash, tickers);
  }

  // ---- the user data stream ----

  private onExecutionReport(ev: WsExecutionReport): void {
    const ctx = this.exchange.parseContext;
    const symbol = this.symbolOf(ev.s);
    const market = this.exchange.markets[symbol];
    // Order ids count per symbol: two markets may both have an order 42.
    const key = `${symbol}:${String(ev.i)}`;
    const state = this.orders.get(key) ?? { order: undefined as unknown as Order, fills: [], trades: [] };
    let trade: Trade | undefined;
    // A fill the catch-up already published (fetched from REST while the report was on its way) is not added again.
    if (ev.x === 'TRADE' && this.newTrade(symbol, String(ev.t), String(ev.i))) {
      state.fills.push(parseWsFill(ev));
      trade = parseWsMyTrade(ev, ctx, market);
      state.trades.push(trade);
    }
    const order = parseWsOrder(ev, state.fills, ctx, market);
    // The order's trades as their own reports described them (with times and maker/taker); fees come from the fills.
    order.trades = state.trades.slice();
    const before = state.order as Order | undefined;
    const progress = before === undefined || state.caughtUp !== true ? 1 : orderProgress(before, order);
    // After a catch-up, a report of a state REST already gave merges silently, and an older one leaves it alone.
    if (progress >= 0) {
      state.order = order;
      state.caughtUp = false;
    }
    this.orders.upsert(key, state);
    if (progress > 0) {
      this.markOrder(key, symbol);
      this.resolveOrders([symbol]);
    }
    if (trade === undefined) return;
    this.myTrades.push(trade);
    this.resolveMyTrades([symbol]);
  }

  /**
   * False when the fill was seen already (streamed or caught up); otherwise remembers it. A trade id with the order's
   * id: a self-trade is one trade id for two of the account's orders.
   */
  private newTrade(symbol: string, id: string, order: string | undefined): boolean {
    const key = `${symbol}:${id}:${order ?? ''}`;
    if (this.seenTrades.get(key) !== undefined) return false;
    this.seenTrades.upsert(key, true);
    return true;
  }

  /** Queues an order change for the watchOrders hashes that cover it (every symbol, and its own). */
  private markOrder(key: string, symbol: string): void {
    for (const hash of ['orders', `orders:${symbol}`]) this.freshOrders.get(hash)?.upsert(key, key);
  }

  /** Resolves the waiting watchOrders calls of these symbols with every change queued since their last answer. */
  private resolveOrders(symbols: Iterable<string>): void {
    const hashes = new Set(['orders']);
    for (const symbol of symbols) hashes.add(`orders:${symbol}`);
    for (const hash of hashes) {
      const fresh = this.freshOrders.get(hash);
      if (fresh === undefined || fresh.length === 0 || !this.streams.hasWaiters(hash)) continue;
      const changed: Order[] = [];
      for (const k of fresh.toArray()) {
        const o = this.orders.get(k)?.order;
        if (o !== undefined) changed.push(o);
      }
      fresh.clear();
      this.streams.resolve(hash, changed);
    }
  }

  /** Resolves the waiting watchMyTrades calls of these symbols with the trades since their last answer. */
  private resolveMyTrades(symbols: Iterable<string>): void {
    const hashes = new Map<string, string | undefined>([['mytrades', undefined]]);
    for (const symbol of symbols) hashes.set(`mytrades:${symbol}`, symbol);
    for (const [hash, symbol] of hashes) {
      const cursor = this.myTradeCursors.get(hash);
      if (cursor === undefined || !this.streams.hasWaiters(hash)) continue;
      let fresh = this.myTrades.newSince(cursor);
      if (symbol !== undefined) fresh = fresh.filter((t) => t.symbol === symbol);
      this.myTradeCursors.set(hash, this.myTrades.appended);
      if (fresh.length > 0) this.streams.resolve(hash, fresh);
    }
  }

  // ---- catching up after the user stream was down ----

  /**
   * The user data subscription is confirmed on the current socket. After a drop (not on the first connect) the
   * balance is reseeded and published, and REST is asked what happened to the watched orders and fills meanwhile.
   */
  private userStreamLive(): void {
    this.userLive = true;
    const downSince = this.userDownSince;
    this.userDownSince = undefined;
    this.seedBalance(downSince !== undefined);
    if (downSince !== undefined) void this.catchUp(downSince);
  }

  /**
   * What the watched streams missed while the user stream was down, published as if it had been streamed: orders by
   * ordersChangedInGap (fetchOpenOrders for the watched symbols or all, fetchOrder for known open orders that are no
   * longer open), then fills by tradesInGap per symbol (fetchMyTrades needs one, see gapFillSymbols), then the orders
   * those fills name that nothing knew (ordersOfGapFills). Only streams someone watches are asked for. A failure is
   * reported and rejects the waiting calls of that stream; the stream goes on.
   */
  private async catchUp(downSince: number): Promise<void> {
    const ordersWatched = this.freshOrders.size > 0;
    const tradesWatched = this.myTradeCursors.size > 0;
    if (!ordersWatched && !tradesWatched) return;
    this.catchUps++;
    // The balance reseed of this reconnect, started just before: the assets it saw move point at markets.
    const balanceSeed = this.balanceLoading;
    const ex = this.exchange;
    const orderSymbols = ordersWatched ? watchedSymbols(this.freshOrders.keys(), 'orders') : new Set<string>();
    let changed: Order[] = [];
    if (ordersWatched) {
      const known: Order[] = [];
      for (const state of this.orders.toArray()) {
        const o = state.order as Order | undefined;
        if (o !== undefined && (orderSymbols === undefined || orderSymbols.has(o.symbol ?? ''))) known.push(o);
      }
      try {
        changed = await ordersChangedInGap({
          known,
          fetchOpenOrders: async () =>
            orderSymbols === undefined
              ? ex.fetchOpenOrders()
              : (await Promise.all([...orderSymbols].map((s) => ex.fetchOpenOrders(s)))).flat(),
          fetchOrder: async (o) => {
            try {
              return await ex.fetchOrder(o.id, o.symbol);
            } catch (e) {
              if (e instanceof OrderNotFound) return undefined;
              throw e;
            }
          },
          maxLookups: GAP_LOOKUPS,
        });
      } catch (e) {
        this.catchUpFailed(e, 'orders');
      }
    }
    if (this.closed) return;
    const moved = (await balanceSeed) ?? new Set<string>();
    const symbols = this.gapFillSymbols({
      changed,
      orders: ordersWatched ? (orderSymbols ?? 'all') : 'none',
      trades: tradesWatched ? (watchedSymbols(this.myTradeCursors.keys(), 'mytrades') ?? 'all') : 'none',
      moved,
    });
    let trades: Trade[] = [];
    if (symbols.size > 0 && !this.closed) {
      const seen = this.myTrades.toArray();
      const bySymbol = await Promise.allSettled(
        [...symbols].map((symbol) =>
          tradesInGap(
            seen.filter((t) => t.symbol === symbol),
            downSince,
            (since) => ex.fetchMyTrades(symbol, since, MY_TRADES_PAGE),
            { pageSize: MY_TRADES_PAGE },
          ),
        ),
      );
      // A symbol that failed loses its fills only (they come with a later catch-up or not at all); it is reported.
      const failed = bySymbol.find((r) => r.status === 'rejected');
      if (failed !== undefined) this.catchUpFailed(failed.reason, 'mytrades');
      trades = bySymbol
        .flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
        .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    }
    if (ordersWatched && trades.length > 0 && !this.closed) {
      changed = changed.concat(await this.ordersOfGapFills(trades, changed, orderSymbols));
    }
    if (this.closed) return;
    this.applyCaughtUp(changed, trades);
  }

  /**
   * The symbols whose gap fills are asked for (GET myTrades needs one). Always those watched by name: watchMyTrades
   * (symbol), and watchOrders(symbol) too (an order placed and filled in the gap is never open, only its fills show
   * it). Then, at most GAP_LOOKUPS more, in this order: the symbols of caught-up orders that filled more (their fees
   * and trades come from those fills); with watchMyTrades() for all symbols, those of every changed order and of the
   * known open ones; with watchOrders() or watchMyTrades() for all symbols, the markets whose base and quote totals
   * both moved in the balance reseed (a fill moves both; only while watchBalance runs, its reseed is the baseline).
   */
  private gapFillSymbols(scope: {
    changed: readonly Order[];
    orders: Set<string> | 'all' | 'none';
    trades: Set<string> | 'all' | 'none';
    moved: ReadonlySet<string>;
  }): Set<string> {
    const named = new Set<string>();
    for (const watched of [scope.orders, scope.trades])
      if (watched instanceof Set) for (const s of watched) named.add(s);
    const more = new Set<string>();
    const add = (symbol: string | undefined): void => {
      if (symbol !== undefined && !named.has(symbol) && more.size < GAP_LOOKUPS) more.add(symbol);
    };
    for (const o of scope.changed) {
      const before = this.orders.get(`${o.symbol}:${o.id}`)?.order as Order | undefined;
      if ((o.filled ?? 0) > (before?.filled ?? 0)) add(o.symbol);
    }
    if (scope.trades === 'all') {
      for (const o of scope.changed) add(o.symbol);
      const held = this.orders.toArray();
      for (let i = held.length - 1; i >= 0; i--) {
        const o = held[i]!.order as Order | undefined;
        if (o?.status === 'open') add(o.symbol);
      }
    }
    if ((scope.orders === 'all' || scope.trades === 'all') && scope.moved.size > 1) {
      for (const m of Object.values(this.exchange.markets)) {
        if (m.spot && scope.moved.has(m.base) && scope.moved.has(m.quote)) add(m.symbol);
      }
    }
    return new Set([...named, ...more]);
  }

  /**
   * The orders gap fills name that neither the handler nor the catch-up knows: placed while the socket was down and
   * filled, or cancelled after some fills, they were never open to fetchOpenOrders. Fetched by id, newest fill first,
   * at most GAP_LOOKUPS, on the symbols watchOrders covers; a failed lookup is skipped (as reconcile skips one).
   */
  private async ordersOfGapFills(
    trades: readonly Trade[],
    changed: readonly Order[],
    symbols: Set<string> | undefined,
  ): Promise<Order[]> {
    const found = new Set(changed.map((o) => `${o.symbol}:${o.id}`));
    const wanted = new Map<string, { id: string; symbol: string }>();
    for (let i = trades.length - 1; i >= 0 && wanted.size < GAP_LOOKUPS; i--) {
      const { symbol, order } = trades[i]!;
      if (symbol === undefined || order === undefined || (symbols !== undefined && !symbols.has(symbol))) continue;
      const key = `${symbol}:${order}`;
      if (!found.has(key) && this.orders.get(key) === undefined) wanted.set(key, { id: order, symbol });
    }
    const looked = await Promise.all(
      [...wanted.values()].map(({ id, symbol }) => this.exchange.fetchOrder(id, symbol).catch(() => undefined)),
    );
    return looked.filter((o) => o !== undefined);
  }

  /**
   * Gap fills first (their orders gain the fills and fees; an order the cache does not hold yet gets them as it is
   * added), then the changed orders; each merges by id. An order's fees are summed from its fills only when those
   * cover all it filled: a partial sum would understate them.
   */
  private applyCaughtUp(changed: Order[], trades: Trade[]): void {
    const ctx = this.exchange.parseContext;
    const newcomers = new Map<string, OrderState>();
    for (const o of changed) {
      const key = `${o.symbol}:${o.id}`;
      if (o.symbol !== undefined && this.orders.get(key) === undefined) {
        newcomers.set(key, { order: o, fills: [], trades: [] });
      }
    }
    const tradeSymbols = new Set<string>();
    for (const trade of trades) {
      const symbol = trade.symbol;
      if (symbol === undefined || trade.id === undefined || !this.newTrade(symbol, trade.id, trade.order)) continue;
      const key = `${symbol}:${trade.order}`;
      const state = trade.order === undefined ? undefined : (this.orders.get(key) ?? newcomers.get(key));
      if (state !== undefined) {
        state.fills.push(fillOfTrade(trade.info as RawTrade));
        state.trades.push(trade);
        trade.type ??= (state.order as Order | undefined)?.type;
      }
      this.myTrades.push(trade);
      tradeSymbols.add(symbol);
    }
    const orderSymbols = new Set<string>();
    for (const now of changed) {
      const symbol = now.symbol;
      if (symbol === undefined) continue;
      const key = `${symbol}:${now.id}`;
      const held = this.orders.get(key);
      const state = held ?? newcomers.get(key)!;
      let order = now;
      if (state.fills.length > 0 && fillsCover(state.fills, now)) {
        // The REST order with the fills known for it: fees summed as a streamed order's are.
        order = parseOrder({ ...(now.info as RawOrder), fills: state.fills }, ctx, this.exchange.markets[symbol]);
        order.info = now.info;
      }
      order.trades = state.trades.slice();
      const before = held?.order as Order | undefined;
      // A report streamed meanwhile may already say as much, or more (REST can lag the stream).
      if (before !== undefined && orderProgress(before, order) <= 0) continue;
      state.order = order;
      state.caughtUp = true;
      this.orders.upsert(key, state);
      this.markOrder(key, symbol);
      orderSymbols.add(symbol);
    }
    if (orderSymbols.size > 0) this.resolveOrders(orderSymbols);
    if (tradeSymbols.size > 0) this.resolveMyTrades(tradeSymbols);
  }

  /** A catch-up that failed: reported, and a typed exchange error reaches the waiting calls of that stream. */
  private catchUpFailed(error: unknown, family: 'orders' | 'mytrades'): void {
    this.onError(error);
    if (error instanceof BaseError) this.streams.rejectMatching(family, error);
  }

  private onAccountPosition(ev: WsAccountPosition): void {
    const ctx = this.exchange.parseContext;
    for (const b of ev.B ?? []) {
      const code = ctx.code(b.a);
      const prev = this.balances.get(code);
      if (prev === undefined || prev.time <= ev.u) this.balances.set(code, { free: b.f, used: b.l, time: ev.u });
    }
    if (this.streams.hasWaiters('balance')) this.streams.resolve('balance', parseWsBalance(this.balances, ev, ev.E));
  }

  // ---- helpers ----

  private async spot(symbol: string, method: string): Promise<Market> {
    await this.exchange.loadMarkets();
    const market = this.exchange.spotMarket(symbol, method);
    this.symbolById.set(market.id, market.symbol);
    return market;
  }

  private symbolOf(marketId: string): string {
    return this.symbolById.get(marketId) ?? this.exchange.parseContext.symbol(marketId);
  }

  private timeframeOf(interval: string): string {
    if (this.timeframeById === undefined) {
      this.timeframeById = new Map();
      for (const [tf, id] of Object.entries(this.exchange.timeframes)) this.timeframeById.set(String(id), tf);
    }
    return this.timeframeById.get(interval) ?? interval;
  }

  private subscribe<T>(topic: Topic, stream: string, hash: string, map?: (value: any) => T): Promise<T> {
    if (this.streams.isSubscribed(topic.key)) return this.streams.next<T>(hash, map);
    this.topics.set(stream, topic);
    this.streamOfKey.set(topic.key, stream);
    return this.streams.watch<T>(
      {
        key: topic.key,
        url: this.wsUrl('public'),
        subscribe: op('SUBSCRIBE', stream),
        unsubscribe: op('UNSUBSCRIBE', stream),
      },
      hash,
      map,
    );
  }

  /** Stops a topic (UNSUBSCRIBE when the server has it) and drops what it kept. */
  private forget(key: string): void {
    this.streams.unsubscribe(key);
    const stream = this.streamOfKey.get(key);
    if (stream !== undefined && this.topics.get(stream)?.key === key) this.topics.delete(stream);
    this.streamOfKey.delete(key);
    const symbol = this.bookSymbolOfKey(key);
    if (symbol !== undefined) {
      this.books.delete(symbol);
      const sync = this.syncs.get(symbol);
      if (sync?.retry !== undefined) clearTimeout(sync.retry);
      this.syncs.delete(symbol);
    }
    if (key.startsWith('trades:')) {
      this.tradeCursors.delete(key);
      this.tradeCaches.delete(key.slice(7));
    }
    if (key.startsWith('ohlcv:')) this.candles.delete(key);
  }

  override unwatch(method: WatchMethod, args: unknown[], active: ActiveWatches): void {
    const symbolArg = (x: unknown): string | undefined => {
      if (typeof x !== 'string') return undefined;
      try {
        return this.exchange.market(x).symbol;
      } catch {
        return x;
      }
    };
    switch (method) {
      case 'watchBalance':
      case 'watchOrders':
      case 'watchMyTrades': {
        // one user data stream serves all three: it stays while any of them is watched
        const symbol = symbolArg(args[0]);
        const family = method === 'watchBalance' ? 'balance' : method === 'watchOrders' ? 'orders' : 'mytrades';
        const hash = symbol === undefined || family === 'balance' ? family : `${family}:${symbol}`;
        this.freshOrders.delete(hash);
        this.myTradeCursors.delete(hash);
        this.endWatchers(hash);
        if (method === 'watchBalance') {
          this.balanceWatched = false;
          this.balanceLoaded = false;
        }
        if (active.watching('watchBalance') || active.watching('watchOrders') || active.watching('watchMyTrades'))
          return;
        this.stopKeepAlive();
        this.forget(USER);
        this.userLive = false;
        this.userDownSince = undefined;
        this.balanceWatched = false;
        this.balanceLoaded = false;
        return;
      }
      case 'watchTickers': {
        const symbols = args[0];
        if (!Array.isArray(symbols) || symbols.length === 0) {
          this.forget('tickers:all');
          this.endWatchers('tickers');
          return;
        }
        const list = [...new Set(symbols.map(symbolArg))].filter((s) => s !== undefined).sort();
        const hash = `tickers:${list.join(',')}`;
        this.tickerLists.delete(hash);
        this.endWatchers(hash);
        // a symbol's ticker topic stays while watchTicker or another list still watches it
        for (const s of list)
          if (!active.watching('watchTicker', s) && !active.watching('watchTickers', s)) this.forget(`ticker:${s}`);
        return;
      }
      case 'watchOHLCV': {
        const symbol = symbolArg(args[0]);
        const timeframe = typeof args[1] === 'string' ? args[1] : '1m';
        const key = `ohlcv:${symbol}:${timeframe}`;
        this.forget(key);
        this.endWatchers(key);
        return;
      }
      default: {
        const symbol = symbolArg(args[0]);
        const key = symbol === undefined ? undefined : this.subscriptionKey(method, [symbol]);
        if (key === undefined || symbol === undefined) return;
        const hash = method === 'watchOrderBook' ? this.bookHash(symbol) : key;
        this.endWatchers(hash);
        if (method === 'watchTicker' && active.watching('watchTickers', symbol)) return;
        this.forget(key);
      }
    }
  }

  override close(): void {
    this.closed = true;
    this.stopKeepAlive();
    for (const box of this.outboxes.values()) {
      if (box.timer !== undefined) clearTimeout(box.timer);
      box.pending.clear();
    }
    this.outboxes.clear();
    for (const sync of this.syncs.values()) if (sync.retry !== undefined) clearTimeout(sync.retry);
    this.syncs.clear();
    this.requests.clear();
    this.apiRequests.clear();
    this.topics.clear();
    this.streamOfKey.clear();
    this.candles.clear();
    this.orders.clear();
    this.freshOrders.clear();
    this.myTrades.clear();
    this.seenTrades.clear();
    this.balances.clear();
    super.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------------

/**
 * One diff-depth event against a book in sync. Stale (u <= the book's id): ignored. The first event after the
 * snapshot must straddle id + 1 (U <= id + 1 <= u), every later one must start at id + 1; anything else is a gap.
 */
function applyDepth(book: LocalOrderBook, sync: BookSync, ev: WsDepthUpdate): 'applied' | 'stale' | 'gap' {
  const id = book.nonce ?? 0;
  if (ev.u <= id) return 'stale';
  if (sync.bridged ? ev.U !== id + 1 : ev.U > id + 1) return 'gap';
  for (const level of ev.b) book.update('bids', level[0], level[1]);
  for (const level of ev.a) book.update('asks', level[0], level[1]);
  book.nonce = ev.u;
  book.timestamp = ev.E;
  book.trim();
  sync.bridged = true;
  return 'applied';
}

/** Forgets the buffered events and any snapshot under way; the next snapshot starts a new epoch. */
function restart(sync: BookSync): void {
  sync.epoch++;
  sync.buffer = [];
  sync.bridged = false;
  if (sync.retry !== undefined) clearTimeout(sync.retry);
  sync.retry = undefined;
}

function isStreamOp(message: unknown): message is StreamOp {
  if (message === null || typeof message !== 'object') return false;
  const m = message as Partial<StreamOp> & { id?: unknown };
  return (m.method === 'SUBSCRIBE' || m.method === 'UNSUBSCRIBE') && Array.isArray(m.params) && m.id === undefined;
}

/**
 * The symbols a family of private hashes watches ('orders:ETH/BTC' -> ETH/BTC); undefined when one of them watches
 * every symbol ('orders').
 */
function watchedSymbols(hashes: Iterable<string>, family: 'orders' | 'mytrades'): Set<string> | undefined {
  const symbols = new Set<string>();
  for (const hash of hashes) {
    if (hash === family) return undefined;
    symbols.add(hash.slice(family.length + 1));
  }
  return symbols;
}

/**
 * How `next` stands against `current` for the same order: -1 older (a late report, or a REST answer behind the
 * stream), 0 the same state, 1 newer. A finished order never reopens and the filled amount never shrinks.
 */
function orderProgress(current: Order, next: Order): -1 | 0 | 1 {
  const doneBefore = current.status !== undefined && current.status !== 'open';
  const doneNow = next.status !== undefined && next.status !== 'open';
  if (doneBefore !== doneNow) return doneNow ? 1 : -1;
  const before = current.filled ?? 0;
  const now = next.filled ?? 0;
  if (before !== now) return now > before ? 1 : -1;
  return sameState(current, next) ? 0 : 1;
}

/** Two amounts (free + locked) are the same total; an amount that is not a decimal counts as moved. */
function sameTotal(a: readonly string[], b: readonly string[]): boolean {
  const sum = (parts: readonly string[]): string | undefined => {
    let total = '0';
    for (const p of parts) {
      const d = toDecimal(p);
      if (d === undefined) return undefined;
      total = dAdd(total, d);
    }
    return total;
  };
  const x = sum(a);
  const y = sum(b);
  return x !== undefined && y !== undefined && dEq(x, y);
}

/** The fills add up to all the order filled (its executedQty): fees summed from them are the order's. */
function fillsCover(fills: readonly RawFill[], order: Order): boolean {
  const filled = toDecimal((order.info as RawOrder | undefined)?.executedQty);
  if (filled === undefined) return false;
  let sum = '0';
  for (const f of fills) {
    const qty = toDecimal(f.qty);
    if (qty === undefined) return false;
    sum = dAdd(sum, qty);
  }
  return !dLt(sum, filled);
}
