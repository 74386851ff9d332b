/**
 * Kraken spot streaming over websocket API v2.
 *   public  wss://ws.kraken.com/v2       ticker, book, trade, ohlc
 *   private wss://ws-auth.kraken.com/v2  executions (orders and fills), balances; every subscribe message carries a
 *                                        token from REST GetWebSocketsToken, fetched again for each new socket
 * Written from https://docs.kraken.com/api/docs/websocket-v2/ (channel pages, ping, heartbeat, status) and
 * https://docs.kraken.com/api/docs/guides/spot-ws-book-v2 (book maintenance and its CRC32 checksum).
 *
 * Kraken's books carry no sequence numbers: every snapshot and update ends with a CRC32 of the top 10 levels of
 * each side, computed here from the prices and quantities at the instrument's precision. A mismatch (or a crossed
 * book) drops that symbol's book and subscribes to it again for a fresh snapshot; its watchers wait meanwhile.
 *
 * Execution reports are not replayed after a reconnect: once executions are live on a new private socket, what
 * changed meanwhile is asked of REST (see "catching up after a reconnect") and published as if it had been streamed.
 * A balances subscription without a snapshot (snapshot: false) gets REST's balances instead of the one it skipped.
 */
import {
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BaseError,
  ChecksumError,
  ExchangeError,
  NotSupported,
} from '../../core/errors.js';
import type { ActiveWatches } from '../../core/exchange.js';
import type { WatchMethod } from '../../core/spec.js';
import type { Balances, Dict, Market, OHLCV, Order, OrderBook, Ticker, Tickers, Trade } from '../../core/types.js';
import { filterBySinceLimit, parse8601, sortBy, str } from '../../core/util.js';
import { dAdd, dIsZero, precisionFromTick, toDecimal, toNumber } from '../../core/decimal.js';
import { KeyedCache, onePerId, RingCache } from '../../ws/cache.js';
import type { Connection } from '../../ws/connection.js';
import { StreamHandler } from '../../ws/handler.js';
import type { BookSide } from '../../ws/orderbook.js';
import { ordersChangedInGap, tradesInGap } from '../../ws/reconcile.js';
import type { Subscription } from '../../ws/streams.js';
import type { kraken } from './kraken.js';
import {
  bookChecksum,
  executionOfOrder,
  parseOrder,
  parseOwnTrade,
  parseWsBalances,
  parseWsCandle,
  parseWsMyTrade,
  parseWsOrder,
  parseWsTicker,
  parseWsTrade,
  sameTotals,
  streamTotals,
  wireText,
  type WsBalance,
  type WsBook,
  type WsCandle,
  type WsExecution,
  type RawOrder,
  type RawOwnTrade,
  type WsLevel,
  type WsTicker,
  type WsTrade,
} from './parse.js';

/** Book depths the book channel accepts. */
const DEPTHS = [10, 25, 100, 500, 1000] as const;

/** A token is good for 15 minutes until a connection uses it; a fresh one is fetched well before that. */
const TOKEN_REUSE_MS = 10 * 60_000;

/** Every v2 frame: channel data, or a method response (subscribe / unsubscribe / pong acknowledgements, errors). */
interface Frame {
  channel?: string;
  type?: string;
  data?: unknown[];
  method?: string;
  success?: boolean;
  error?: string;
  req_id?: number;
  symbol?: string;
  result?: Dict;
}

/** What a failed subscription rejects, and the messages that carry its token (private channels). */
interface Topic {
  sub: Subscription;
  reject: (error: unknown) => void;
  tokenParams?: Dict[];
}

interface OrderState {
  raw: WsExecution;
  created: number | undefined;
  lastTrade: number | undefined;
  /** What a catch-up published from REST: reports streamed later that say the same are not published again. */
  fromRest?: Order | undefined;
  /** The fee REST reported for the order: it stands in for the stream's, which is in USD only. */
  restFee?: RestFee | undefined;
}

/**
 * An order's fee as REST reported it (QueryOrders, OpenOrders), in the currency charged, and the fills it counts
 * when REST listed them: a fill streamed later that it does not count adds its fee.
 */
interface RestFee {
  cost: string;
  currency: string | undefined;
  fills: Set<string> | undefined;
}

/** QueryOrders takes at most 50 ids a call. */
const QUERY_ORDERS_MAX = 50;

/** TradesHistory answers 50 fills a call, the newest first; `ofs` skips that many of the newest. */
const TRADES_PAGE = 50;

/**
 * TradesHistory calls one catch-up makes at most (each adds 2 to Kraken's private rate counter): the newest 1000
 * fills of a gap. Older ones are left out, and that is reported.
 */
const MAX_TRADE_PAGES = 20;

/**
 * A gap starts this long before the private socket's last frame: fill times are the exchange's clock, the gap's
 * is ours. Fills asked for twice are dropped by id.
 */
const CLOCK_MARGIN_MS = 5_000;

/**
 * The private socket dropped while the executions subscription was live: the next socket's catch-up covers the
 * time since `since` (ms, local clock). `generation` is the connection's at the drop: a snapshot on the same socket
 * (a resubscribe) is no reconnect.
 */
interface Gap {
  since: number;
  generation: number;
}

/** What the reconnect snapshot said, and what the handler held before it. */
interface GapContext {
  /** The watchOrders cache before the snapshot, each order in its latest state. */
  before: Order[];
  /** The open orders of the snapshot, when it lists them all (snap_orders); otherwise REST is asked. */
  open: Order[] | undefined;
  /** Each order's state object after the snapshot: a report streamed since replaces it, and wins over REST. */
  stateAt: Map<string, WsExecution>;
  /** The fills held before the snapshot (REST is asked for those after the newest, or after the drop). */
  seen: Trade[];
  /** The snapshot's fills reach back to one seen before the gap: every fill of the gap is among them. */
  fillsCovered: boolean;
}

export class krakenStreams extends StreamHandler<kraken> {
  private reqId = 0;
  /** req_id of each subscribe message -> its subscription key: errors name the request, not the topic. */
  private readonly keyOfReq = new Map<number, string>();
  private readonly topics = new Map<string, Topic>();
  /** Price and quantity decimals of each symbol's book, as the checksum formats them. */
  private readonly decimals = new Map<string, [number, number]>();
  private readonly badSnapshots = new Map<string, number>();
  private wsNames: { markets: object; index: Map<string, Market> } | undefined;
  /** Cache lengths at the last resolution of each hash: a watch call returns what arrived since. */
  private readonly cursors = new Map<string, number>();
  private readonly lastTradeId = new Map<string, number>();
  private readonly tickerGroups = new Map<string, string[]>();
  private readonly candles = new Map<string, KeyedCache<OHLCV>>();
  private readonly candlesPending = new Map<string, Set<number>>();
  private readonly orderStates: KeyedCache<OrderState>;
  private readonly orderUpdates: RingCache<Order>;
  private readonly myTrades: RingCache<Trade>;
  private readonly execIds: KeyedCache<true>;
  private readonly totals = new Map<string, string>();
  private token: { value: string; at: number } | undefined;
  private tokenFlight: Promise<string> | undefined;
  /** Symbols of the watchOrders / watchMyTrades calls on ('' = all): a catch-up asks REST only for watched streams. */
  private readonly watched = { orders: new Set<string>(), mytrades: new Set<string>() };
  /** Generation of the connection on which the executions subscription last went live. */
  private executionsLive: number | undefined;
  private gap: Gap | undefined;
  /** Generation of the connection on which the balances subscription last went live. */
  private balancesLive: number | undefined;
  /** Generation of the private socket that dropped while the balances subscription was live on it. */
  private balanceGap: number | undefined;
  /** Assets streamed while a catch-up's fetchBalance is under way: their streamed totals are newer than REST's. */
  private balanceStreamed: Set<string> | undefined;

  constructor(exchange: kraken) {
    super(exchange);
    this.orderStates = new KeyedCache<OrderState>(this.limits.orders);
    this.orderUpdates = new RingCache<Order>(this.limits.orders);
    this.myTrades = new RingCache<Trade>(this.limits.orders);
    this.execIds = new KeyedCache<true>(this.limits.orders);
  }

  /** Application pings ({method: 'ping'}); Kraken also sends a heartbeat about every second once subscribed. */
  protected override connectionDefaults(): { pingInterval: number; staleAfter: number; ping: () => unknown } {
    return { pingInterval: 10_000, staleAfter: 30_000, ping: () => ({ method: 'ping', req_id: this.nextReqId() }) };
  }

  private nextReqId(): number {
    // Kraken reads req_id as a 32-bit integer
    this.reqId = this.reqId >= 0x7fffffff ? 1 : this.reqId + 1;
    return this.reqId;
  }

  // ---- symbols ----

  /** v2 names pairs by the assets' current tickers: the v1 wsname with XBT -> BTC and XDG -> DOGE. */
  private wsName(market: Market): string {
    const wsname = str(market.info, 'wsname') ?? str(market, 'wsId');
    if (wsname === undefined || !wsname.includes('/')) return market.symbol;
    return wsname
      .split('/')
      .map((a) => (a === 'XBT' ? 'BTC' : a === 'XDG' ? 'DOGE' : a))
      .join('/');
  }

  private marketOfWs(name: string | undefined): Market | undefined {
    if (name === undefined) return undefined;
    const markets = this.exchange.markets;
    let index = this.wsNames?.markets === markets ? this.wsNames.index : undefined;
    if (index === undefined) {
      index = new Map();
      for (const m of Object.values(markets)) {
        const v1 = str(m.info, 'wsname');
        if (v1 !== undefined) index.set(v1, m);
      }
      for (const m of Object.values(markets)) index.set(this.wsName(m), m);
      this.wsNames = { markets, index };
    }
    return index.get(name) ?? markets[name];
  }

  private symbolOfWs(name: string | undefined): string | undefined {
    return this.marketOfWs(name)?.symbol ?? name;
  }

  private async marketOf(symbol: string): Promise<Market> {
    await this.exchange.loadMarkets();
    return this.exchange.market(symbol);
  }

  // ---- subscriptions ----

  /** A subscription with its own req_id; `id` holds what names the topic in both subscribe and unsubscribe. */
  private topic(key: string, url: string, id: Dict, extra: Dict, reject: (e: unknown) => void): Subscription {
    // concurrent first calls share one subscription object (the one whose token gets refreshed)
    const existing = this.topics.get(key)?.sub ?? this.streams.subscription(key);
    if (existing !== undefined) return existing;
    const reqId = this.nextReqId();
    this.keyOfReq.set(reqId, key);
    const subscribeParams = { ...id, ...extra };
    const unsubscribeParams = { ...id };
    const isPrivate = typeof id['token'] === 'string';
    const sub: Subscription = {
      key,
      url,
      subscribe: { method: 'subscribe', params: subscribeParams, req_id: reqId },
      unsubscribe: { method: 'unsubscribe', params: unsubscribeParams, req_id: reqId },
      private: isPrivate,
    };
    const topic: Topic = { sub, reject };
    if (isPrivate) topic.tokenParams = [subscribeParams, unsubscribeParams];
    this.topics.set(key, topic);
    return sub;
  }

  private forget(key: string): void {
    this.topics.delete(key);
    for (const [req, k] of this.keyOfReq) if (k === key) this.keyOfReq.delete(req);
  }

  /** The subscribe acknowledgement says the topic failed: its watchers get the typed error, the topic is dropped. */
  private onRequestError(frame: Frame): void {
    const message = frame.error ?? 'request failed';
    const key = frame.req_id === undefined ? undefined : this.keyOfReq.get(frame.req_id);
    // a failed unsubscribe leaves nothing to undo
    if (frame.method === 'unsubscribe' || key === undefined) return;
    // a duplicate subscribe leaves the existing stream running
    if (message.includes('Already subscribed')) return;
    const error = this.errorOf(message);
    const topic = this.topics.get(key);
    const sub = this.streams.subscription(key);
    // forgotten locally only: the exchange has nothing to unsubscribe
    if (sub !== undefined) delete sub.unsubscribe;
    this.streams.unsubscribe(key);
    const symbol = this.bookSymbolOfKey(key);
    if (symbol !== undefined) this.books.delete(symbol);
    this.forget(key);
    topic?.reject(error);
  }

  /** The error class Kraken's message maps to in spec.exceptions (ExchangeError otherwise). */
  private errorOf(message: string): BaseError {
    try {
      this.exchange.throwExactlyMatched(message, message);
      this.exchange.throwBroadlyMatched(message, message);
    } catch (e) {
      return e as BaseError;
    }
    return this.exchange.makeError('ExchangeError', message);
  }

  // ---- private channels: token ----

  /** A token from REST GetWebSocketsToken, shared by concurrent callers; `fresh` forces a new one. */
  private wsToken(fresh = false): Promise<string> {
    const now = Date.now();
    if (!fresh && this.token !== undefined && now - this.token.at < TOKEN_REUSE_MS) {
      return Promise.resolve(this.token.value);
    }
    this.tokenFlight ??= (async () => {
      try {
        const res = (await this.exchange.privatePostGetWebSocketsToken()) as { result?: { token?: unknown } };
        const token = res.result?.token;
        if (typeof token !== 'string' || token === '') {
          throw new AuthenticationError(`${this.exchange.id} GetWebSocketsToken returned no token`, {
            exchange: this.exchange.id,
          });
        }
        this.token = { value: token, at: Date.now() };
        return token;
      } finally {
        this.tokenFlight = undefined;
      }
    })();
    return this.tokenFlight;
  }

  /**
   * Each new private socket subscribes with a new token: a token must be used within 15 minutes of its creation
   * and stays valid only while the connection that used it lasts.
   */
  protected override async onConnected(conn: Connection): Promise<void> {
    if (conn.url !== this.wsUrl('private')) return;
    const keyed = [...this.topics].filter(([key, t]) => t.tokenParams !== undefined && this.streams.isSubscribed(key));
    if (keyed.length === 0) return;
    let token: string;
    try {
      token = await this.wsToken(conn.generation > 1);
    } catch (e) {
      for (const [, t] of keyed) t.reject(e);
      throw e;
    }
    for (const [, t] of keyed) for (const p of t.tokenParams ?? []) p['token'] = token;
  }

  private async privateTopic(key: string, channel: string, params: Dict, reject: (e: unknown) => void) {
    await this.exchange.loadMarkets();
    const existing = this.topics.get(key)?.sub ?? this.streams.subscription(key);
    if (existing !== undefined) return existing;
    const token = await this.wsToken();
    return this.topic(key, this.wsUrl('private'), { channel, token }, params, reject);
  }

  // ---- watch methods ----

  async watchTicker(symbol: string, params: Dict = {}): Promise<Ticker> {
    const market = await this.marketOf(symbol);
    return this.streams.watch<Ticker>(this.tickerTopic(market, params), `ticker:${market.symbol}`);
  }

  /** Resolves with the tickers that changed (CCXT's newUpdates): one symbol's ticker per update. */
  async watchTickers(symbols?: string[], params: Dict = {}): Promise<Tickers> {
    if (symbols === undefined || symbols === null || symbols.length === 0) {
      throw new ArgumentsRequired(`${this.exchange.id} watchTickers() requires a list of symbols`, {
        exchange: this.exchange.id,
      });
    }
    const markets = await Promise.all(symbols.map((s) => this.marketOf(s)));
    const unified = [...new Set(markets.map((m) => m.symbol))].sort();
    const hash = `tickers:${unified.join(',')}`;
    this.tickerGroups.set(hash, unified);
    return Promise.race(markets.map((m) => this.streams.watch<Tickers>(this.tickerTopic(m, params), hash)));
  }

  private tickerTopic(market: Market, params: Dict): Subscription {
    const symbol = market.symbol;
    return this.topic(
      `ticker:${symbol}`,
      this.wsUrl('public'),
      { channel: 'ticker', symbol: [this.wsName(market)] },
      params,
      (e) => {
        this.streams.reject(`ticker:${symbol}`, e);
        for (const [hash, members] of this.tickerGroups) if (members.includes(symbol)) this.streams.reject(hash, e);
      },
    );
  }

  /**
   * Subscribes at the smallest depth Kraken offers that covers `limit` (10 by default, params.depth to choose);
   * a later call asking for more levels subscribes again at the larger depth.
   */
  async watchOrderBook(symbol: string, limit?: number, params: Dict = {}): Promise<OrderBook> {
    const market = await this.marketOf(symbol);
    const s = market.symbol;
    const key = `book:${s}`;
    const wanted = this.depthFor(limit ?? undefined, params['depth']);
    const current = this.books.get(s);
    if (current?.depth !== undefined && wanted > current.depth && this.streams.isSubscribed(key)) {
      // more levels than the subscription carries: replace it (watchers keep waiting for the deeper book)
      this.streams.unsubscribe(key);
      this.forget(key);
    }
    if (!this.streams.isSubscribed(key)) {
      this.books.delete(s);
      this.book(s, wanted, true);
      this.decimals.set(s, this.wireDecimals(market));
    }
    const { depth: _depth, ...rest } = params;
    const sub = this.topic(
      key,
      this.wsUrl('public'),
      { channel: 'book', symbol: [this.wsName(market)], depth: wanted },
      rest,
      (e) => this.streams.reject(`orderbook:${s}`, e),
    );
    const book = await this.streams.watch<OrderBook>(sub, `orderbook:${s}`);
    if (limit === undefined || limit === null || limit >= book.bids.length + book.asks.length) return book;
    return { ...book, bids: book.bids.slice(0, limit), asks: book.asks.slice(0, limit) };
  }

  private depthFor(limit: number | undefined, asked: unknown): number {
    if (asked !== undefined) {
      const d = Number(asked);
      if (!(DEPTHS as readonly number[]).includes(d)) {
        throw new BadRequest(`${this.exchange.id} book depth must be one of ${DEPTHS.join(', ')}`, {
          exchange: this.exchange.id,
        });
      }
      return d;
    }
    if (limit === undefined) return 10;
    const d = DEPTHS.find((x) => x >= limit);
    if (d === undefined) {
      throw new NotSupported(`${this.exchange.id} watchOrderBook() streams at most 1000 levels`, {
        exchange: this.exchange.id,
      });
    }
    return d;
  }

  /** Decimals of price and quantity on the wire: AssetPairs' pair_decimals and lot_decimals. */
  private wireDecimals(market: Market): [number, number] {
    const info = market.info as { pair_decimals?: unknown; lot_decimals?: unknown } | undefined;
    const fromInfo = (v: unknown): number | undefined => {
      const n = toNumber(toDecimal(v));
      return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
    };
    const fromTick = (tick: number | undefined): number =>
      tick === undefined ? 0 : precisionFromTick(toDecimal(tick) ?? '1');
    return [
      fromInfo(info?.pair_decimals) ?? fromTick(market.precision.price),
      fromInfo(info?.lot_decimals) ?? fromTick(market.precision.amount),
    ];
  }

  /** The trades that arrived since the previous call resolved (the first call: since it was made). */
  async watchTrades(symbol: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    const market = await this.marketOf(symbol);
    const s = market.symbol;
    const hash = `trades:${s}`;
    if (!this.cursors.has(hash)) this.cursors.set(hash, this.tradeCache(s).appended);
    const sub = this.topic(
      hash,
      this.wsUrl('public'),
      { channel: 'trade', symbol: [this.wsName(market)] },
      params,
      (e) => this.streams.reject(hash, e),
    );
    const trades = await this.streams.watch<Trade[]>(sub, hash);
    return filterBySinceLimit(trades, since ?? undefined, limit ?? undefined, true);
  }

  /** The candles that changed since the previous call resolved, oldest first. */
  async watchOHLCV(
    symbol: string,
    timeframe = '1m',
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<OHLCV[]> {
    const market = await this.marketOf(symbol);
    const tf = timeframe ?? '1m';
    const interval = Number(this.exchange.timeframeId(tf));
    const hash = `ohlcv:${market.symbol}:${tf}`;
    if (!this.candles.has(hash)) this.candles.set(hash, new KeyedCache<OHLCV>(this.limits.ohlcv));
    const sub = this.topic(
      hash,
      this.wsUrl('public'),
      { channel: 'ohlc', symbol: [this.wsName(market)], interval },
      params,
      (e) => this.streams.reject(hash, e),
    );
    const rows = await this.streams.watch<OHLCV[]>(sub, hash);
    let out = since === undefined || since === null ? rows : rows.filter((r) => r[0] >= since);
    if (limit !== undefined && limit !== null) out = out.slice(-limit);
    return out;
  }

  async watchBalance(params: Dict = {}): Promise<Balances> {
    const sub = await this.privateTopic('balances', 'balances', params, (e) => this.streams.reject('balance', e));
    return this.streams.watch<Balances>(sub, 'balance');
  }

  /** Orders that changed since the previous call resolved, each in its latest state. */
  async watchOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    const s = symbol === undefined || symbol === null ? undefined : (await this.marketOf(symbol)).symbol;
    const hash = s === undefined ? 'orders' : `orders:${s}`;
    if (!this.cursors.has(hash)) this.cursors.set(hash, this.orderUpdates.appended);
    this.watched.orders.add(s ?? '');
    const sub = await this.executionsTopic(params);
    const orders = await this.streams.watch<Order[]>(sub, hash);
    return filterBySinceLimit(orders, since ?? undefined, limit ?? undefined, true);
  }

  /** Fills of the account's orders since the previous call resolved (the subscription's snapshot: the last 50). */
  async watchMyTrades(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    const s = symbol === undefined || symbol === null ? undefined : (await this.marketOf(symbol)).symbol;
    const hash = s === undefined ? 'mytrades' : `mytrades:${s}`;
    if (!this.cursors.has(hash)) this.cursors.set(hash, this.myTrades.appended);
    this.watched.mytrades.add(s ?? '');
    const sub = await this.executionsTopic(params);
    const trades = await this.streams.watch<Trade[]>(sub, hash);
    return filterBySinceLimit(trades, since ?? undefined, limit ?? undefined, true);
  }

  /** One executions subscription serves orders and fills: open orders and the last 50 fills come as a snapshot. */
  private executionsTopic(params: Dict): Promise<Subscription> {
    return this.privateTopic('executions', 'executions', { snap_orders: true, snap_trades: true, ...params }, (e) => {
      this.streams.rejectMatching('orders', e);
      this.streams.rejectMatching('mytrades', e);
    });
  }

  // ---- incoming frames ----

  handleMessage(data: unknown, conn: Connection): void {
    if (data === null || typeof data !== 'object') return;
    const frame = data as Frame;
    switch (frame.channel) {
      case 'book':
        this.onBook(frame);
        return;
      case 'trade':
        this.onTrades(frame);
        return;
      case 'ticker':
        this.onTicker(frame);
        return;
      case 'ohlc':
        this.onCandles(frame);
        return;
      case 'executions':
        this.onExecutions(frame, conn);
        return;
      case 'balances':
        this.onBalances(frame);
        return;
      case undefined:
        break;
      default:
        // heartbeat, status: only liveness, which any frame proves
        return;
    }
    if (frame.success === false || frame.error !== undefined) this.onRequestError(frame);
    else if (frame.method === 'subscribe' && frame.result?.['channel'] === 'executions') this.onExecutionsLive(conn);
    else if (frame.method === 'subscribe' && frame.result?.['channel'] === 'balances') this.onBalancesLive(conn);
  }

  private onBook(frame: Frame): void {
    const snapshot = frame.type === 'snapshot';
    for (const item of frame.data ?? []) {
      const entry = item as WsBook;
      const symbol = this.symbolOfWs(entry.symbol);
      if (symbol === undefined) continue;
      const book = this.books.get(symbol);
      // updates before the snapshot (or after a resync began) belong to a book that is being replaced
      if (book === undefined || (!snapshot && book.state !== 'live')) continue;
      const [pd, qd] = this.decimals.get(symbol) ?? [0, 0];
      if (snapshot) {
        book.reset([], []);
        applyLevels(book.bids, entry.bids, pd, qd);
        applyLevels(book.asks, entry.asks, pd, qd);
      } else {
        applyLevels(book.bids, entry.bids, pd, qd);
        applyLevels(book.asks, entry.asks, pd, qd);
      }
      // Kraken sends no removal for levels pushed beyond the subscribed depth
      book.trim();
      book.timestamp = parse8601(entry.timestamp) ?? (snapshot ? undefined : book.timestamp);
      if (entry.checksum !== undefined && this.wsOption<unknown>('checksum', true) !== false) {
        const asks = book.asks.raw(10);
        const bids = book.bids.raw(10);
        const local = bookChecksum(asks.prices, asks.amounts, bids.prices, bids.amounts);
        if (local !== Number(entry.checksum)) {
          if (snapshot) this.snapshotMismatch(symbol);
          else this.resync(symbol, `checksum ${local} != ${entry.checksum}`);
          continue;
        }
      }
      if (snapshot) this.badSnapshots.delete(symbol);
      this.publishBook(symbol);
    }
  }

  /**
   * A fresh snapshot that fails its own checksum means the prices or quantities are formatted with the wrong
   * decimals (the pair's precision changed since markets were loaded), not a lost update: resubscribing cannot
   * fix it, so after a few tries the watchers get a ChecksumError rather than a resubscribe loop.
   */
  private snapshotMismatch(symbol: string): void {
    const failures = (this.badSnapshots.get(symbol) ?? 0) + 1;
    if (failures < 3) {
      this.badSnapshots.set(symbol, failures);
      this.resync(symbol, 'snapshot checksum');
      return;
    }
    this.badSnapshots.delete(symbol);
    this.stop(`book:${symbol}`);
    const error = new ChecksumError(
      `${this.exchange.id} ${symbol} book snapshots fail their checksum: reload markets (the pair's precision may ` +
        'have changed) or set options.ws.checksum = false',
      { exchange: this.exchange.id },
    );
    this.streams.reject(`orderbook:${symbol}`, error);
  }

  private onTrades(frame: Frame): void {
    const touched = new Set<string>();
    for (const item of frame.data ?? []) {
      const raw = item as WsTrade;
      const market = this.marketOfWs(raw.symbol);
      const symbol = market?.symbol ?? raw.symbol;
      if (symbol === undefined) continue;
      // trade_id counts up per book: a snapshot replayed after a reconnect repeats trades already kept
      const id = Number(raw.trade_id);
      if (Number.isFinite(id)) {
        const last = this.lastTradeId.get(symbol);
        if (last !== undefined && id <= last) continue;
        this.lastTradeId.set(symbol, id);
      }
      this.tradeCache(symbol).push(parseWsTrade(raw, symbol, market));
      touched.add(symbol);
    }
    for (const symbol of touched) {
      const hash = `trades:${symbol}`;
      if (!this.streams.hasWaiters(hash)) continue;
      const cache = this.tradeCache(symbol);
      const fresh = cache.newSince(this.cursors.get(hash) ?? 0);
      this.cursors.set(hash, cache.appended);
      this.streams.resolve(hash, fresh);
    }
  }

  private onTicker(frame: Frame): void {
    for (const item of frame.data ?? []) {
      const raw = item as WsTicker;
      const market = this.marketOfWs(raw.symbol);
      const symbol = market?.symbol ?? raw.symbol;
      if (symbol === undefined) continue;
      const ticker = parseWsTicker(raw, symbol, market);
      this.streams.resolve(`ticker:${symbol}`, ticker);
      for (const [hash, members] of this.tickerGroups) {
        if (members.includes(symbol)) this.streams.resolve(hash, { [symbol]: ticker } satisfies Tickers);
      }
    }
  }

  private onCandles(frame: Frame): void {
    const touched = new Set<string>();
    for (const item of frame.data ?? []) {
      const raw = item as WsCandle;
      const symbol = this.symbolOfWs(raw.symbol);
      const tf = this.timeframeOf(raw.interval);
      if (symbol === undefined || tf === undefined) continue;
      const hash = `ohlcv:${symbol}:${tf}`;
      const cache = this.candles.get(hash);
      if (cache === undefined) continue;
      const candle = parseWsCandle(raw);
      cache.upsert(candle[0], candle);
      let pending = this.candlesPending.get(hash);
      if (pending === undefined) this.candlesPending.set(hash, (pending = new Set()));
      pending.delete(candle[0]);
      pending.add(candle[0]);
      // bounded like the cache: the oldest pending open times go first
      if (pending.size > this.limits.ohlcv) pending.delete(pending.values().next().value!);
      touched.add(hash);
    }
    for (const hash of touched) {
      if (!this.streams.hasWaiters(hash)) continue;
      const cache = this.candles.get(hash)!;
      const pending = this.candlesPending.get(hash)!;
      const rows: OHLCV[] = [];
      for (const ts of [...pending].sort((a, b) => a - b)) {
        const c = cache.get(ts);
        if (c !== undefined) rows.push(c);
      }
      pending.clear();
      this.streams.resolve(hash, rows);
    }
  }

  private timeframeOf(interval: number | undefined): string | undefined {
    if (interval === undefined) return undefined;
    for (const [tf, id] of Object.entries(this.exchange.timeframes)) if (Number(id) === interval) return tf;
    return undefined;
  }

  private onExecutions(frame: Frame, conn: Connection): void {
    const snapshot = frame.type === 'snapshot';
    // the first snapshot on a new socket after a drop: what it says is compared with what was held before it
    const gap = snapshot ? this.gapDue(conn) : undefined;
    this.executionsLive = conn.generation;
    const before = gap === undefined ? [] : this.heldOrders();
    const seen = gap === undefined ? [] : this.myTrades.toArray();
    const snapshotOrders: string[] = [];
    let fillsCovered = false;
    const orderSymbols = new Set<string>();
    const tradeSymbols = new Set<string>();
    const codeOf = (id: string | undefined): string | undefined => this.exchange.safeCurrencyCode(id);
    for (const item of frame.data ?? []) {
      const raw = item as WsExecution;
      const known = raw.order_id === undefined ? undefined : this.orderStates.get(raw.order_id);
      const market = this.marketOfWs(raw.symbol ?? known?.raw.symbol);
      const symbol = market?.symbol ?? raw.symbol ?? known?.raw.symbol;
      const at = parse8601(raw.timestamp);
      const isFill = raw.exec_type === 'trade';
      let fresh = false;
      if (isFill && raw.exec_id !== undefined) {
        if (this.execIds.get(raw.exec_id) === undefined) {
          fresh = true;
          this.execIds.upsert(raw.exec_id, true);
          this.myTrades.push(parseWsMyTrade(raw, symbol, codeOf, market));
          if (symbol !== undefined) tradeSymbols.add(symbol);
          tradeSymbols.add('');
        } else if (gap !== undefined && at !== undefined && at <= gap.since) {
          // the snapshot holds the latest fills: one seen from before the gap means every fill since is in it
          fillsCovered = true;
        }
      }
      // Fills from the snapshot's trade history belong to orders long gone: only known orders take them.
      if (raw.order_id === undefined || (isFill && known === undefined && snapshot)) continue;
      const state: OrderState = known ?? { raw: {}, created: at, lastTrade: undefined };
      state.raw = { ...state.raw, ...raw };
      if (isFill && at !== undefined) state.lastTrade = at;
      if (isFill && state.restFee !== undefined) this.addFillFee(state, raw, fresh);
      this.orderStates.upsert(raw.order_id, state);
      if (gap !== undefined) {
        // published by the catch-up, and only if it changed while the socket was down
        if (!isFill) snapshotOrders.push(raw.order_id);
        continue;
      }
      const order = parseWsOrder(state.raw, symbol, state, market);
      if (state.fromRest !== undefined) {
        // a report of what the catch-up already published from REST (the fill it announced, say) is no update
        if (repeats(state.fromRest, order)) continue;
        state.fromRest = undefined;
      }
      this.orderUpdates.push(order);
      if (symbol !== undefined) orderSymbols.add(symbol);
      orderSymbols.add('');
    }
    if (gap !== undefined) {
      const listed = this.executionsSnapshot().orders;
      const open = listed ? this.currentOrders(snapshotOrders) : undefined;
      void this.catchUp(gap, conn, { before, open, stateAt: this.stateObjects(), seen, fillsCovered });
    }
    this.publishOrders(orderSymbols);
    this.publishTrades(tradeSymbols);
  }

  /**
   * A fill streamed for an order whose fee REST reported: one that fee does not count yet (not among the fills REST
   * listed; without that list, one not seen before) adds its fee when charged in the same currency. Charged in
   * another, REST's fee is dropped and the stream's (in USD) stands.
   */
  private addFillFee(state: OrderState, fill: WsExecution, fresh: boolean): void {
    const fee = state.restFee!;
    const counted = fee.fills === undefined ? !fresh : fill.exec_id !== undefined && fee.fills.has(fill.exec_id);
    if (counted) return;
    let cost = fee.cost;
    for (const part of Array.isArray(fill.fees) ? fill.fees : []) {
      const qty = toDecimal(part.qty);
      if (qty === undefined || dIsZero(qty)) continue;
      if (this.exchange.safeCurrencyCode(part.asset) !== fee.currency) {
        state.restFee = undefined;
        return;
      }
      cost = dAdd(cost, qty);
    }
    fee.cost = cost;
    if (fill.exec_id !== undefined) fee.fills?.add(fill.exec_id);
  }

  /** Resolves the watchOrders hashes of `symbols` ('' = all symbols) with what changed since their last call. */
  private publishOrders(symbols: Set<string>): void {
    for (const s of symbols) this.flushSince(s === '' ? 'orders' : `orders:${s}`, this.orderUpdates, s, true);
  }

  /** Resolves the watchMyTrades hashes of `symbols` ('' = all symbols) with the fills since their last call. */
  private publishTrades(symbols: Set<string>): void {
    for (const s of symbols) this.flushSince(s === '' ? 'mytrades' : `mytrades:${s}`, this.myTrades, s, false);
  }

  /** Resolves `hash` with what the cache took since its last resolution (for one symbol, or all when ''). */
  private flushSince<T extends { symbol: string | undefined; id?: string | undefined }>(
    hash: string,
    cache: RingCache<T>,
    symbol: string,
    latestPerId: boolean,
  ): void {
    if (!this.streams.hasWaiters(hash)) return;
    let fresh = cache.newSince(this.cursors.get(hash) ?? 0);
    if (symbol !== '') fresh = fresh.filter((x) => x.symbol === symbol);
    this.cursors.set(hash, cache.appended);
    if (latestPerId) {
      fresh = onePerId(fresh);
    }
    if (fresh.length > 0) this.streams.resolve(hash, fresh);
  }

  private onBalances(frame: Frame): void {
    if (frame.type === 'snapshot') this.totals.clear();
    for (const item of frame.data ?? []) {
      const raw = item as WsBalance;
      const code = this.exchange.safeCurrencyCode(raw.asset);
      const total = toDecimal(raw.balance);
      if (code !== undefined && total !== undefined) {
        this.totals.set(code, total);
        this.balanceStreamed?.add(code);
      }
    }
    this.streams.resolve('balance', parseWsBalances(this.totals, frame));
  }

  // ---- catching up after a reconnect ----
  //
  // Kraken replays no execution reports after a reconnect: what happened while the private socket was down is asked
  // of REST once the executions subscription is live on the new socket, and published like streamed reports. The
  // resubscribe's snapshot already lists the open orders (snap_orders) and the last 50 fills (snap_trades): REST is
  // asked only for the orders it no longer lists (closed in the gap) and for fills it may not reach back to.

  /** The private socket dropped: remember when, if the executions (or balances) subscription was live on it. */
  protected override onReconnect(conn: Connection, keys: string[]): void {
    super.onReconnect(conn, keys);
    if (keys.includes('balances') && this.balancesLive === conn.generation) this.balanceGap ??= conn.generation;
    if (!keys.includes('executions')) return;
    // still owed from an earlier drop (or a failed catch-up): it covers this one too, from the earlier time
    if (this.gap !== undefined) return;
    // a subscription that never went live on this socket had nothing streamed to miss (a first connect that failed)
    if (this.executionsLive !== conn.generation) return;
    // A silent socket is declared stale only after options.ws.staleAfter: what it missed began with its last frame
    // (Kraken sends a heartbeat every second).
    const now = Date.now();
    const lastFrame = conn.lastMessageTime > 0 ? Math.min(now, conn.lastMessageTime) : now;
    this.gap = { since: lastFrame - CLOCK_MARGIN_MS, generation: conn.generation };
  }

  /** The gap to catch up on now that executions are live on `conn`, if `conn` is a socket newer than the drop. */
  private gapDue(conn: Connection): Gap | undefined {
    const gap = this.gap;
    if (gap === undefined || conn.generation <= gap.generation) return undefined;
    this.gap = undefined;
    return gap;
  }

  /** What the executions subscription asked to get as a snapshot. */
  private executionsSnapshot(): { orders: boolean; fills: boolean } {
    const message = this.topics.get('executions')?.sub.subscribe as { params?: Dict } | undefined;
    const params = message?.params ?? {};
    return { orders: params['snap_orders'] !== false, fills: params['snap_trades'] === true };
  }

  /** The subscribe acknowledgement: without a snapshot to wait for, the subscription is live from here. */
  private onExecutionsLive(conn: Connection): void {
    this.executionsLive = conn.generation;
    const snap = this.executionsSnapshot();
    if (snap.orders || snap.fills) return;
    const gap = this.gapDue(conn);
    if (gap === undefined) return;
    const held = { before: this.heldOrders(), stateAt: this.stateObjects(), seen: this.myTrades.toArray() };
    void this.catchUp(gap, conn, { ...held, open: undefined, fillsCovered: false });
  }

  /** One held order in its latest state, as watchOrders publishes it. */
  private orderOf(state: OrderState): Order {
    const market = this.marketOfWs(state.raw.symbol);
    return parseWsOrder(state.raw, market?.symbol ?? state.raw.symbol, state, market);
  }

  /** The watchOrders cache: every held order in its latest state. */
  private heldOrders(): Order[] {
    return this.orderStates.toArray().map((state) => this.orderOf(state));
  }

  private currentOrders(ids: string[]): Order[] {
    const out: Order[] = [];
    for (const id of new Set(ids)) {
      const state = this.orderStates.get(id);
      if (state !== undefined) out.push(this.orderOf(state));
    }
    return out;
  }

  /** Each held order's state object now: a report merged later replaces it. */
  private stateObjects(): Map<string, WsExecution> {
    const out = new Map<string, WsExecution>();
    for (const state of this.orderStates.toArray())
      if (state.raw.order_id !== undefined) out.set(state.raw.order_id, state.raw);
    return out;
  }

  /**
   * Orders and fills of the gap, each asked only while someone watches it; a failed part is reported and owed to
   * the next socket. Never rejects.
   */
  private async catchUp(gap: Gap, conn: Connection, ctx: GapContext): Promise<void> {
    const parts: Promise<void>[] = [];
    if (this.watched.orders.size > 0) {
      parts.push(this.ordersAfterGap(ctx).catch((e: unknown) => this.catchUpFailed('orders', gap, conn, e)));
    }
    if (this.watched.mytrades.size > 0 && !ctx.fillsCovered) {
      parts.push(this.fillsAfterGap(gap.since, ctx).catch((e: unknown) => this.catchUpFailed('trades', gap, conn, e)));
    }
    await Promise.all(parts);
  }

  /**
   * Orders that changed in the gap (reconcile's rule): the snapshot's open orders, or REST's when the subscription
   * asked for none, against what was held; held open orders that neither lists are looked up.
   */
  private async ordersAfterGap(ctx: GapContext): Promise<void> {
    const all = this.watched.orders.has('');
    const watched = (o: Order): boolean => all || (o.symbol !== undefined && this.watched.orders.has(o.symbol));
    const lookups = this.orderLookups();
    const changed = await ordersChangedInGap({
      known: ctx.before.filter(watched),
      // with `trades`, each order lists its fills (the ones its fee counts)
      fetchOpenOrders: async () =>
        (ctx.open ?? (await this.exchange.fetchOpenOrders(undefined, undefined, undefined, { trades: true }))).filter(
          watched,
        ),
      fetchOrder: lookups.fetch,
    });
    if (!this.streams.isSubscribed('executions')) return;
    const fromSnapshot = new Set(ctx.open);
    const symbols = new Set<string>();
    for (const order of changed) {
      const state = this.orderStates.get(order.id);
      // a report streamed since the snapshot is newer than the snapshot and REST, and was published already
      if (state?.raw !== ctx.stateAt.get(order.id)) continue;
      const published = fromSnapshot.has(order) ? order : this.mergeRestOrder(order, state);
      this.orderUpdates.push(published);
      symbols.add('');
      if (published.symbol !== undefined) symbols.add(published.symbol);
    }
    this.publishOrders(symbols);
    // lookups that failed leave those orders as they were: the orders part is owed again
    if (lookups.failure !== undefined) throw lookups.failure.error;
  }

  /**
   * fetchOrder for the lookups of one catch-up, batched: the ids asked in one run go out together in QueryOrders
   * calls of up to 50 ids (each call counts against Kraken's private rate limit).
   */
  private orderLookups(): {
    fetch: (order: Order) => Promise<Order | undefined>;
    failure: { error: unknown } | undefined;
  } {
    let batch: { ids: string[]; answer: Promise<Map<string, Order>> } | undefined;
    const lookups = {
      failure: undefined as { error: unknown } | undefined,
      fetch: (order: Order): Promise<Order | undefined> => {
        if (batch === undefined) {
          const ids: string[] = [];
          const answer = Promise.resolve()
            .then(() => this.queryOrders(ids))
            .catch((error: unknown) => {
              lookups.failure = { error };
              throw error;
            });
          batch = { ids, answer };
        }
        batch.ids.push(order.id);
        return batch.answer.then((found) => found.get(order.id));
      },
    };
    return lookups;
  }

  /** QueryOrders for `ids` (what fetchOrder asks for one id), by id; ids Kraken does not return are absent. */
  private async queryOrders(ids: string[]): Promise<Map<string, Order>> {
    const found = new Map<string, Order>();
    const ctx = { marketOf: (pair: string | undefined) => this.exchange.marketOfPair(pair) };
    for (let i = 0; i < ids.length; i += QUERY_ORDERS_MAX) {
      const txid = ids.slice(i, i + QUERY_ORDERS_MAX).join(',');
      const res = (await this.exchange.privatePostQueryOrders({ trades: true, txid })) as {
        result?: Record<string, RawOrder>;
      };
      for (const [id, raw] of Object.entries(res.result ?? {})) found.set(id, parseOrder({ ...raw, id }, ctx));
    }
    return found;
  }

  /** Merges what REST said of an order into its state, as a report would, and returns the order to publish. */
  private mergeRestOrder(order: Order, known: OrderState | undefined): Order {
    const state: OrderState = known ?? { raw: {}, created: order.timestamp, lastTrade: undefined };
    const patch = executionOfOrder(order);
    // the stream's name for the pair stays (REST's is the unified symbol)
    if (state.raw.symbol !== undefined) patch.symbol = state.raw.symbol;
    state.raw = { ...state.raw, ...patch };
    state.created ??= order.timestamp;
    if (order.lastTradeTimestamp !== undefined) state.lastTrade = order.lastTradeTimestamp;
    const info = order.info as RawOrder | undefined;
    const feeCost = order.fee?.cost === undefined ? undefined : (toDecimal(info?.fee) ?? toDecimal(order.fee.cost));
    if (feeCost !== undefined) {
      const listed = info?.trades;
      const fills = Array.isArray(listed)
        ? new Set(listed.filter((t): t is string => typeof t === 'string'))
        : undefined;
      state.restFee = { cost: feeCost, currency: order.fee?.currency, fills };
    }
    this.orderStates.upsert(order.id, state);
    const published = this.orderOf(state);
    state.fromRest = published;
    return published;
  }

  /** Fills of the gap (reconcile's rule) that neither the snapshot nor the socket delivered since. */
  private async fillsAfterGap(since: number, ctx: GapContext): Promise<void> {
    const trades = await tradesInGap(ctx.seen, since, (from) => this.fillsSince(from, ctx.seen));
    if (!this.streams.isSubscribed('executions')) return;
    const symbols = new Set<string>();
    for (const trade of trades) {
      if (trade.id !== undefined) {
        // REST's trade id is the exec_id the stream reports the fill with
        if (this.execIds.get(trade.id) !== undefined) continue;
        this.execIds.upsert(trade.id, true);
      }
      this.myTrades.push(trade);
      symbols.add('');
      if (trade.symbol !== undefined) symbols.add(trade.symbol);
    }
    this.publishTrades(symbols);
  }

  /**
   * The account's fills after `from`, oldest first. TradesHistory answers a page of 50 at a time, newest first, so
   * pages are read at growing offsets (with the same `start`) until one is short, the count Kraken gives is
   * reached, or a page reaches back to a fill from before `from` or one already seen. Fills placed meanwhile shift
   * the pages towards older ones: a fill may come twice (kept once), none is skipped. After MAX_TRADE_PAGES the
   * older fills stay unread: what was read is published and the shortfall is reported (fetchMyTrades reads them).
   */
  private async fillsSince(from: number, seen: readonly Trade[]): Promise<Trade[]> {
    const seenIds = new Set<string>();
    for (const t of seen) if (t.id !== undefined) seenIds.add(t.id);
    const start = Math.floor(from / 1000);
    const read = new Map<string, Trade>();
    for (let ofs = 0, page = 0; ; page++) {
      if (page === MAX_TRADE_PAGES) {
        const oldest = [...read.values()].at(-1)?.datetime;
        this.onError(
          new ExchangeError(
            `${this.exchange.id} reconnect catch-up: more than ${MAX_TRADE_PAGES * TRADES_PAGE} fills since ` +
              `${new Date(from).toISOString()}; those before ${oldest ?? 'the last page read'} are not published`,
            { exchange: this.exchange.id },
          ),
        );
        break;
      }
      const request: Dict = { start };
      if (ofs > 0) request['ofs'] = ofs;
      const res = (await this.exchange.privatePostTradesHistory(request)) as {
        result?: { trades?: Record<string, RawOwnTrade>; count?: number | string };
      };
      const rows = Object.entries(res.result?.trades ?? {});
      let reached = false;
      for (const [id, raw] of rows) {
        const trade = parseOwnTrade({ ...raw, id }, this.exchange.marketOfPair(raw.pair));
        if (seenIds.has(id) || (trade.timestamp !== undefined && trade.timestamp < from)) reached = true;
        if (!read.has(id)) read.set(id, trade);
      }
      ofs += rows.length;
      const count = Number(res.result?.count);
      if (reached || rows.length < TRADES_PAGE || (Number.isFinite(count) && ofs >= count)) break;
    }
    // newest first as read; reversed, fills of one millisecond keep Kraken's order
    return sortBy([...read.values()].reverse(), (t) => t.timestamp);
  }

  // Balances: a subscription with a snapshot (the default) gets one on every new socket, which covers the gap. One
  // with `snapshot: false` gets only the ledger entries streamed from then on: REST's balances stand in for the
  // snapshot it did not ask for.

  /** The balances subscription is live on `conn`: a gap it has no snapshot for is asked of REST. */
  private onBalancesLive(conn: Connection): void {
    this.balancesLive = conn.generation;
    const gap = this.balanceGap;
    if (gap === undefined || conn.generation <= gap) return;
    this.balanceGap = undefined;
    const message = this.topics.get('balances')?.sub.subscribe as { params?: Dict } | undefined;
    if (message?.params?.['snapshot'] !== false) return;
    void this.balanceAfterGap(conn);
  }

  /**
   * fetchBalance, published to watchBalance when its totals (in the channel's shape) differ from those held; an
   * asset streamed meanwhile keeps its streamed total. A failure is reported, rejects the waiting watchBalance
   * calls with the typed error, and is owed to the next socket. Never rejects.
   */
  private async balanceAfterGap(conn: Connection): Promise<void> {
    const streamed = new Set<string>();
    this.balanceStreamed = streamed;
    try {
      const balance = await this.exchange.fetchBalance();
      if (!this.streams.isSubscribed('balances')) return;
      const totals = streamTotals(balance.total);
      for (const code of streamed) {
        const held = this.totals.get(code);
        if (held !== undefined) totals.set(code, held);
      }
      if (sameTotals(totals, this.totals)) return;
      this.totals.clear();
      for (const [code, total] of totals) this.totals.set(code, total);
      this.streams.resolve('balance', parseWsBalances(this.totals, balance.info));
    } catch (error) {
      this.onError(error);
      if (!this.streams.isSubscribed('balances')) return;
      if (error instanceof BaseError) this.streams.reject('balance', error);
      this.balanceGap ??= conn.generation;
    } finally {
      if (this.balanceStreamed === streamed) this.balanceStreamed = undefined;
    }
  }

  /**
   * A catch-up part failed: reported, its waiting calls get the typed error (the stream goes on), and the next new
   * socket tries again from the same drop.
   */
  private catchUpFailed(part: 'orders' | 'trades', gap: Gap, conn: Connection, error: unknown): void {
    this.onError(error);
    if (!this.streams.isSubscribed('executions')) return;
    if (error instanceof BaseError) this.streams.rejectMatching(part === 'orders' ? 'orders' : 'mytrades', error);
    const owed = (this.gap ??= { since: gap.since, generation: conn.generation });
    owed.since = Math.min(owed.since, gap.since);
  }

  // ---- ending streams ----

  protected override subscriptionKey(method: WatchMethod, args: unknown[]): string | undefined {
    const symbol = typeof args[0] === 'string' ? args[0] : undefined;
    if (method === 'watchOHLCV' && symbol !== undefined) {
      return `ohlcv:${symbol}:${typeof args[1] === 'string' ? args[1] : '1m'}`;
    }
    if (method === 'watchBalance') return 'balances';
    if (method === 'watchOrders' || method === 'watchMyTrades') return 'executions';
    return super.subscriptionKey(method, args);
  }

  override unwatch(method: WatchMethod, args: unknown[], active: ActiveWatches): void {
    const symbolOf = (x: unknown): string | undefined => {
      if (typeof x !== 'string') return undefined;
      try {
        return this.exchange.market(x).symbol;
      } catch {
        return x;
      }
    };
    if (method === 'watchTickers') {
      const symbols = Array.isArray(args[0]) ? (args[0] as unknown[]).map(symbolOf).filter((s) => s !== undefined) : [];
      const hash = `tickers:${[...new Set(symbols)].sort().join(',')}`;
      this.tickerGroups.delete(hash);
      this.endWatchers(hash);
      for (const s of symbols)
        if (!active.watching('watchTicker', s) && !active.watching('watchTickers', s)) this.stop(`ticker:${s}`);
      return;
    }
    const symbol = symbolOf(args[0]);
    const key = this.subscriptionKey(method, symbol === undefined ? args : [symbol, ...args.slice(1)]);
    if (key === undefined) return;
    const family = method === 'watchOrders' ? 'orders' : method === 'watchMyTrades' ? 'mytrades' : undefined;
    if (family !== undefined) {
      this.watched[family].delete(symbol ?? '');
      this.endWatchers(symbol === undefined ? family : `${family}:${symbol}`);
    } else if (method === 'watchOrderBook' && symbol !== undefined) this.endWatchers(this.bookHash(symbol));
    else this.endWatchers(key);
    // orders and fills share one subscription, as do a symbol's ticker and the ticker lists that name it
    if (family !== undefined && (active.watching('watchOrders') || active.watching('watchMyTrades'))) return;
    if (method === 'watchTicker' && symbol !== undefined && active.watching('watchTickers', symbol)) return;
    this.stop(key);
  }

  private stop(key: string): void {
    this.streams.unsubscribe(key);
    this.forget(key);
    // a later watch starts from what arrives after it, not from what arrived before this stop
    for (const hash of [...this.cursors.keys()]) {
      const family = key === 'executions' ? /^(orders|mytrades)(:|$)/.test(hash) : hash === key;
      if (family) this.cursors.delete(hash);
    }
    if (key === 'executions') {
      this.watched.orders.clear();
      this.watched.mytrades.clear();
      this.gap = undefined;
      this.executionsLive = undefined;
    }
    if (key === 'balances') this.forgetBalanceGap();
    const symbol = this.bookSymbolOfKey(key);
    if (symbol !== undefined) this.books.delete(symbol);
  }

  override close(): void {
    super.close();
    this.keyOfReq.clear();
    this.topics.clear();
    this.cursors.clear();
    this.tickerGroups.clear();
    this.candles.clear();
    this.candlesPending.clear();
    this.orderStates.clear();
    this.orderUpdates.clear();
    this.myTrades.clear();
    this.execIds.clear();
    this.totals.clear();
    this.badSnapshots.clear();
    this.lastTradeId.clear();
    this.watched.orders.clear();
    this.watched.mytrades.clear();
    this.gap = undefined;
    this.executionsLive = undefined;
    this.forgetBalanceGap();
  }

  private forgetBalanceGap(): void {
    this.balancesLive = undefined;
    this.balanceGap = undefined;
    this.balanceStreamed = undefined;
  }
}

/** A report that tells nothing beyond what the catch-up published for the order from REST. */
function repeats(published: Order, streamed: Order): boolean {
  return (
    published.status === streamed.status &&
    published.filled === streamed.filled &&
    published.amount === streamed.amount &&
    published.price === streamed.price
  );
}

/** Applies levels in the order sent (one message may change a level twice); a quantity of 0 removes the level. */
function applyLevels(side: BookSide, levels: WsLevel[] | undefined, priceDecimals: number, qtyDecimals: number): void {
  if (levels === undefined) return;
  for (const l of levels) {
    if (l.price === undefined || l.qty === undefined) continue;
    const price = typeof l.price === 'number' ? l.price : Number(l.price);
    const qty = typeof l.qty === 'number' ? l.qty : Number(l.qty);
    if (!Number.isFinite(price) || !Number.isFinite(qty)) continue;
    side.set(price, qty, wireText(l.price, priceDecimals), wireText(l.qty, qtyDecimals));
  }
}
