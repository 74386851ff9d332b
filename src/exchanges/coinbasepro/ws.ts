/**
 * Coinbase Exchange websocket feed (wss://ws-feed.exchange.coinbase.com), on the shared StreamHandler.
 *
 * Protocol (Exchange websocket docs): JSON messages with a `type`; `{type: 'subscribe', product_ids, channels}`
 * answered by a `subscriptions` message listing everything the socket now carries; `unsubscribe` likewise; failures
 * come as `{type: 'error', message, reason}`. Signed subscribes add key / passphrase / timestamp / signature, the
 * signature being the REST one over timestamp + 'GET' + '/users/self/verify'.
 *
 * Channels used: level2 (signed) or level2_batch (public, 50 ms batches) for books — a `snapshot`, then `l2update`
 * changes [side, price, size] where size is the new total at that price and 0 removes it; ticker; matches (first a
 * `last_match`, then one `match` per trade, trade ids consecutive per product); user (the signed, per-profile part of
 * the full channel: received / open / match / change / activate / done); heartbeat, once a second per product with
 * the product's feed `sequence` and `last_trade_id`.
 *
 * Integrity. Level 2 messages carry no sequence number; the documented way to see that messages were missed is the
 * heartbeat. Every subscription here brings the product's heartbeat along, and a book is rebuilt (unsubscribe +
 * subscribe, which makes the feed send a fresh snapshot) when:
 *   - a heartbeat's sequence is lower than the previous one (the feed went back: a failover),
 *   - two heartbeats are further apart than options.ws.heartbeatGap in server time (the feed dropped messages),
 *   - a product's heartbeats stop for options.ws.productStaleAfter while the socket still delivers others,
 *   - an l2update is older than the one before it, a change cannot be read, or the book crosses.
 * Trades: a trade id that skips ids (or a heartbeat whose last_trade_id is ahead of the trades seen) fetches the
 * missing trades from REST before anything newer is handed out, so watchTrades sees every trade once, in order.
 *
 * The user channel repeats `match` messages that the matches channel also sends, with nothing on them to tell the two
 * apart, so private topics get a socket of their own.
 *
 * Catch-up. The feed does not replay the user channel after a reconnect, so what happened while the private socket
 * was down is asked from REST once the `subscriptions` answer on the new socket lists the user topic again (never on
 * a topic's first subscription): open orders and the known ones that left that list (ws/reconcile), when watchOrders
 * runs, and the fills since the newest one seen or since the socket last heard anything, when watchMyTrades runs. What
 * changed goes into the same caches and to the same watchers as a streamed event. Fills merge by trade and order id
 * (a fill the catch-up handed out is not handed out again when the feed delivers its match). Orders merge by id (an
 * order the feed already closed is left alone; a feed event that changes nothing on a restored order is not news),
 * and a match counts on an order exactly once: an order REST found open and partly filled is read with its own fills
 * (GET /fills?order_id, asked after the order), which name the newest trade its filled size counts. A match up to
 * that trade is in it already, a later one is not, whether the feed delivers it before the REST answer or after; an
 * order whose fills cannot be read (or do not add up) is left as the feed has it. What the feed still says about an
 * order REST found finished changes nothing. The user channel carries no balances, so there is nothing to fetch.
 */
import {
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BaseError,
  ExchangeError,
  OrderNotFound,
} from '../../core/errors.js';
import type { ActiveWatches } from '../../core/exchange.js';
import type { WatchMethod } from '../../core/spec.js';
import type { Dict, Market, Order, OrderBook, Ticker, Tickers, Trade } from '../../core/types.js';
import { filterBySinceLimit, given, isPlainObject, parse8601, parseJson, str } from '../../core/util.js';
import { KeyedCache, RingCache } from '../../ws/cache.js';
import type { Connection } from '../../ws/connection.js';
import { cutOrderBook, StreamHandler } from '../../ws/handler.js';
import { ordersChangedInGap, tradesInGap } from '../../ws/reconcile.js';
import type { Subscription } from '../../ws/streams.js';
import type { coinbasepro } from './coinbasepro.js';
import {
  feedMatchRoles,
  feedStateOfOrder,
  foldFeedOrder,
  lastCountedTrade,
  parseFeedFill,
  parseFeedOrder,
  parseFeedTicker,
  parsePublicTrade,
  type FeedOrderState,
  type FeedRole,
  type RawFeedEvent,
  type RawFeedTicker,
  type RawFill,
  type RawOrder,
  type RawPublicTrade,
} from './parse.js';

type BookChannel = 'level2' | 'level2_batch';

/** One subscribed (channel, product) pair and the watch methods using it. */
interface Topic {
  key: string;
  url: string;
  channel: string;
  productId: string;
  symbol: string;
  users: Set<WatchMethod>;
  /** Its subscribe carries the signed fields. */
  signed: boolean;
  /** Listed in the feed's last `subscriptions` answer on this socket. */
  confirmed: boolean;
}

/** The last heartbeat of a product on one socket. */
interface Beat {
  sequence: number;
  /** Server time, ms. */
  time: number | undefined;
  /** Local time it arrived, ms. */
  seenAt: number;
}

/** A user-channel match of one of the user's orders (role: which side of it the order is). */
interface SeenMatch {
  e: RawFeedEvent;
  role: FeedRole;
}

/** The feed's matches of a product while an order catch-up of it runs, by order id, in the order they came. */
interface MatchLog {
  productId: string;
  byOrder: Map<string, SeenMatch[]>;
}

/** Trades of one symbol held back while the ones the feed skipped are fetched. */
interface Backfill {
  held: RawPublicTrade[];
}

const USER_EVENTS = new Set(['received', 'open', 'done', 'change', 'activate']);

/** What a reader of two versions of one order would compare (money as numbers, so '0.50000000' is '0.5'). */
function sameOrderState(a: FeedOrderState, b: FeedOrderState): boolean {
  const x = parseFeedOrder(a, undefined);
  const y = parseFeedOrder(b, undefined);
  return (
    x.status === y.status &&
    x.filled === y.filled &&
    x.remaining === y.remaining &&
    x.amount === y.amount &&
    x.price === y.price
  );
}

const isRawOrder = (x: unknown): x is RawOrder => isPlainObject(x) && typeof x['id'] === 'string';

const asRows = (x: unknown): unknown[][] => (Array.isArray(x) ? x.filter((r): r is unknown[] => Array.isArray(r)) : []);

export class coinbaseproStreams extends StreamHandler<coinbasepro> {
  private readonly topics = new Map<string, Topic>();
  /** `${url} ${productId}` -> last heartbeat. */
  private readonly beats = new Map<string, Beat>();
  /** Symbol -> most levels a waiting caller asked for (Infinity: all), so a publish copies no more than that. */
  /** Symbol -> time of the last l2update applied since the snapshot (updates must not go back in time). */
  private readonly updateTimes = new Map<string, number>();
  /** Message hash -> cache position handed out last (newUpdates). */
  private readonly cursors = new Map<string, number>();
  private readonly lastTradeIds = new Map<string, number>();
  private readonly backfills = new Map<string, Backfill>();
  /** Symbol -> last trade id a heartbeat announced that the feed had not sent yet. */
  private readonly tradeClaims = new Map<string, number>();
  private readonly privateUrls = new Set<string>();
  private readonly orderStates: KeyedCache<FeedOrderState>;
  /** Ids of orders in the order they changed: watchOrders hands out the ones changed since its last answer. */
  private readonly orderLog: RingCache<string>;
  private readonly fills: RingCache<Trade>;
  /** Trade id + order id of the fills handed out lately (streamed or caught up), so none is handed out twice. */
  private readonly fillKeys = new Set<string>();
  /** Private url -> exchange time of the last message on it (where a gap starts when the socket dies silently). */
  private readonly lastHeard = new Map<string, number>();
  /** User topic key -> start of the gap to catch up once the topic is confirmed on a new socket. */
  private readonly gaps = new Map<string, number>();
  /** One per order catch-up under way: REST may or may not have counted the matches streamed meanwhile. */
  private readonly matchLogs = new Set<MatchLog>();
  private lastSweep = 0;
  private closed = false;
  /** Trade id gaps seen per symbol (diagnostics). */
  readonly tradeGaps = new Map<string, number>();

  constructor(exchange: coinbasepro) {
    super(exchange);
    this.orderStates = new KeyedCache<FeedOrderState>(this.limits.orders);
    this.orderLog = new RingCache<string>(this.limits.orders);
    this.fills = new RingCache<Trade>(this.limits.orders);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Settings and urls

  protected override connectionDefaults(): { pingInterval: number; staleAfter: number } {
    return { pingInterval: 10_000, staleAfter: 30_000 };
  }

  /** Private topics live on their own socket: the same feed url, told apart by an empty query string. */
  private feedUrl(isPrivate: boolean): string {
    const pub = this.wsUrl('public');
    if (!isPrivate) return pub;
    const url = this.wsUrl('private');
    const own = url === pub ? `${url}${url.includes('?') ? '&' : '?'}` : url;
    this.privateUrls.add(own);
    return own;
  }

  private hasCredentials(): boolean {
    const ex = this.exchange;
    return [ex.apiKey, ex.secret, ex.password].every((v) => typeof v === 'string' && v !== '');
  }

  /** The signed fields of a subscribe message, fresh for every send (the feed rejects old timestamps). */
  private signature(): Dict {
    const signed = this.exchange.sign('users/self/verify', 'private', 'GET', {});
    const h = signed.headers ?? {};
    return {
      signature: h['CB-ACCESS-SIGN'],
      key: h['CB-ACCESS-KEY'],
      passphrase: h['CB-ACCESS-PASSPHRASE'],
      timestamp: h['CB-ACCESS-TIMESTAMP'],
    };
  }

  private async marketOf(symbol: unknown): Promise<Market> {
    if (typeof symbol !== 'string' || symbol === '') {
      throw new ArgumentsRequired(`${this.exchange.id} needs a symbol argument`, { exchange: this.exchange.id });
    }
    await this.exchange.loadMarkets();
    return this.exchange.market(symbol);
  }

  private marketById(id: unknown): Market | undefined {
    return typeof id === 'string' ? this.exchange.marketsById[id]?.[0] : undefined;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Subscriptions

  private subscription(
    key: string,
    channel: string,
    market: Market,
    isPrivate: boolean,
    signed: boolean,
  ): Subscription {
    const url = this.feedUrl(isPrivate);
    const message = { type: 'subscribe', product_ids: [market.id], channels: [channel, 'heartbeat'] };
    // Signed messages are built when sent (JSON.stringify calls toJSON), so a resubscribe after a reconnect or a
    // resync carries a fresh timestamp.
    const subscribe = signed ? { toJSON: () => ({ ...message, ...this.signature() }) } : message;
    return {
      key,
      url,
      subscribe,
      unsubscribe: { type: 'unsubscribe', product_ids: [market.id], channels: [channel] },
      private: isPrivate,
    };
  }

  /** Subscribes (once) and waits for the next value of `hash`. */
  private open<T>(
    method: WatchMethod,
    key: string,
    channel: string,
    market: Market,
    hash: string,
    isPrivate = false,
    signed = isPrivate,
  ): Promise<T> {
    const sub = this.subscription(key, channel, market, isPrivate, signed);
    let topic = this.topics.get(key);
    if (topic === undefined || !this.streams.isSubscribed(key)) {
      topic = {
        key,
        url: sub.url,
        channel,
        productId: market.id,
        symbol: market.symbol,
        users: new Set(),
        signed,
        confirmed: false,
      };
      this.topics.set(key, topic);
    }
    topic.users.add(method);
    return this.streams.watch<T>(sub, hash);
  }

  /** Stops a topic: the feed's unsubscribe, and the product's heartbeat when nothing else on that socket needs it. */
  private forget(key: string): void {
    const topic = this.topics.get(key);
    this.topics.delete(key);
    this.gaps.delete(key);
    this.streams.unsubscribe(key);
    if (topic === undefined) return;
    const { symbol, url, productId } = topic;
    if (key.startsWith('book:')) {
      this.books.delete(symbol);
      this.updateTimes.delete(symbol);
    } else if (key.startsWith('trades:')) {
      this.tradeCaches.delete(symbol);
      this.lastTradeIds.delete(symbol);
      this.backfills.delete(symbol);
      this.tradeClaims.delete(symbol);
      this.cursors.delete(`trades:${symbol}`);
    }
    for (const other of this.topics.values()) if (other.url === url && other.productId === productId) return;
    this.beats.delete(`${url} ${productId}`);
    const conn = this.streams.connection(url);
    if (conn?.status !== 'connected') return;
    try {
      conn.send({ type: 'unsubscribe', product_ids: [productId], channels: ['heartbeat'] });
    } catch {
      // The socket went away meanwhile: nothing is left to stop.
    }
  }

  private static keyOf(method: WatchMethod, symbol: string): string | undefined {
    switch (method) {
      case 'watchOrderBook':
        return `book:${symbol}`;
      case 'watchTrades':
        return `trades:${symbol}`;
      case 'watchTicker':
      case 'watchTickers':
        return `ticker:${symbol}`;
      case 'watchOrders':
      case 'watchMyTrades':
        return `user:${symbol}`;
      default:
        return undefined;
    }
  }

  /** Stops what nobody watches any more: a ticker topic serves watchTicker and watchTickers, a user topic orders and fills. */
  override unwatch(method: WatchMethod, args: unknown[], active: ActiveWatches): void {
    const symbols = method === 'watchTickers' ? (Array.isArray(args[0]) ? (args[0] as unknown[]) : []) : [args[0]];
    for (const raw of symbols) {
      if (typeof raw !== 'string') continue;
      let symbol = raw;
      try {
        symbol = this.exchange.market(raw).symbol;
      } catch {
        // Not a known market: the key is looked up as given.
      }
      const key = coinbaseproStreams.keyOf(method, symbol);
      if (key === undefined) continue;
      const hash: Partial<Record<WatchMethod, string>> = {
        watchOrderBook: `orderbook:${symbol}`,
        watchTrades: `trades:${symbol}`,
        watchTicker: key,
        watchOrders: `orders:${symbol}`,
        watchMyTrades: `mytrades:${symbol}`,
      };
      const own = hash[method];
      if (own !== undefined) this.endWatchers(own);
      const topic = this.topics.get(key);
      if (topic === undefined) continue;
      topic.users.delete(method);
      const shared: WatchMethod[] = key.startsWith('ticker:')
        ? ['watchTicker', 'watchTickers']
        : key.startsWith('user:')
          ? ['watchOrders', 'watchMyTrades']
          : [method];
      if (!shared.some((m) => active.watching(m, symbol))) this.forget(key);
    }
  }

  protected override subscriptionKey(method: WatchMethod, args: unknown[]): string | undefined {
    return typeof args[0] === 'string' ? coinbaseproStreams.keyOf(method, args[0]) : undefined;
  }

  protected override onReconnect(conn: Connection, keys: string[]): void {
    super.onReconnect(conn, keys);
    // A new socket is a new feed session: heartbeats start over, and nothing is confirmed yet.
    const prefix = `${conn.url} `;
    for (const id of [...this.beats.keys()]) if (id.startsWith(prefix)) this.beats.delete(id);
    // A user topic that was live has a gap from the last message the socket brought (a socket declared stale went
    // quiet well before it was dropped), less options.ws.catchUpOverlap for the difference between the clocks.
    const heard = this.lastHeard.get(conn.url) ?? this.exchange.milliseconds();
    const since = heard - this.wsOption('catchUpOverlap', 5_000);
    for (const topic of this.topics.values()) {
      if (topic.url !== conn.url) continue;
      if (topic.confirmed && topic.channel === 'user')
        this.gaps.set(topic.key, Math.min(since, this.gaps.get(topic.key) ?? since));
      topic.confirmed = false;
    }
  }

  override close(): void {
    this.closed = true;
    super.close();
    this.topics.clear();
    this.beats.clear();
    this.updateTimes.clear();
    this.cursors.clear();
    this.lastTradeIds.clear();
    this.backfills.clear();
    this.tradeClaims.clear();
    this.orderStates.clear();
    this.orderLog.clear();
    this.fills.clear();
    this.fillKeys.clear();
    this.lastHeard.clear();
    this.gaps.clear();
    this.matchLogs.clear();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Watch methods

  async watchOrderBook(symbol: string, limit?: number, params: Dict = {}): Promise<OrderBook> {
    const depth = given(limit);
    if (depth !== undefined && !(Number.isInteger(depth) && depth > 0)) {
      throw new BadRequest(`${this.exchange.id} watchOrderBook() limit must be a positive integer`, {
        exchange: this.exchange.id,
      });
    }
    const market = await this.marketOf(symbol);
    const s = market.symbol;
    const channel = this.bookChannel(params);
    const signed = channel === 'level2';
    // Signing problems (no or malformed credentials) surface here, not later inside a send.
    if (signed) this.signature();
    // The whole book is kept: a delta can uncover a level below any cut-off. Only the copy handed out is cut.
    this.book(s);
    this.wantDepth(s, depth);
    const book = await this.open<OrderBook>(
      'watchOrderBook',
      `book:${s}`,
      channel,
      market,
      `orderbook:${s}`,
      false,
      signed,
    );
    return cutOrderBook(book, depth);
  }

  private bookChannel(params: Dict): BookChannel {
    const asked = params['channel'] ?? this.wsOption<unknown>('orderBookChannel', undefined);
    if (asked === 'level2' || asked === 'level2_batch') return asked;
    return this.hasCredentials() ? 'level2' : 'level2_batch';
  }

  async watchTicker(symbol: string, _params: Dict = {}): Promise<Ticker> {
    const market = await this.marketOf(symbol);
    const key = `ticker:${market.symbol}`;
    return this.open<Ticker>('watchTicker', key, 'ticker', market, key);
  }

  /** Resolves with the next ticker of any of `symbols`, as `{ [symbol]: ticker }` (CCXT's newUpdates). */
  async watchTickers(symbols?: string[], _params: Dict = {}): Promise<Tickers> {
    const list = given(symbols) ?? [];
    if (list.length === 0) {
      throw new ArgumentsRequired(`${this.exchange.id} watchTickers() needs a list of symbols`, {
        exchange: this.exchange.id,
      });
    }
    await this.exchange.loadMarkets();
    const markets = list.map((s) => this.exchange.market(s));
    const wanted = new Set(markets.map((m) => m.symbol));
    for (const market of markets) {
      const key = `ticker:${market.symbol}`;
      const topic = this.topics.get(key);
      if (topic !== undefined && this.streams.isSubscribed(key)) {
        topic.users.add('watchTickers');
        continue;
      }
      // Only the first call of a topic waits on its own hash; a failure to subscribe fails the tickers wait too.
      this.open<Ticker>('watchTickers', key, 'ticker', market, key).catch((e: unknown) =>
        this.streams.reject('tickers', e),
      );
    }
    for (;;) {
      const ticker = await this.streams.next<Ticker>('tickers');
      if (wanted.has(ticker.symbol)) return { [ticker.symbol]: ticker };
    }
  }

  /** The trades since this symbol's previous answer (at most the cache size), then since / limit. */
  async watchTrades(symbol: string, since?: number, limit?: number, _params: Dict = {}): Promise<Trade[]> {
    const market = await this.marketOf(symbol);
    const hash = `trades:${market.symbol}`;
    if (!this.cursors.has(hash)) this.cursors.set(hash, this.tradeCache(market.symbol).appended);
    const trades = await this.open<Trade[]>('watchTrades', hash, 'matches', market, hash);
    return filterBySinceLimit(trades, given(since), given(limit), true);
  }

  /** Orders of the profile on `symbol` that changed since the previous answer (user channel, signed). */
  async watchOrders(symbol?: string, since?: number, limit?: number, _params: Dict = {}): Promise<Order[]> {
    const market = await this.privateMarket(symbol, 'watchOrders');
    const hash = `orders:${market.symbol}`;
    if (!this.cursors.has(hash)) this.cursors.set(hash, this.orderLog.appended);
    const orders = await this.open<Order[]>('watchOrders', `user:${market.symbol}`, 'user', market, hash, true);
    return filterBySinceLimit(orders, given(since), given(limit), true);
  }

  /** Fills of the profile on `symbol` since the previous answer (user channel, signed). */
  async watchMyTrades(symbol?: string, since?: number, limit?: number, _params: Dict = {}): Promise<Trade[]> {
    const market = await this.privateMarket(symbol, 'watchMyTrades');
    const hash = `mytrades:${market.symbol}`;
    if (!this.cursors.has(hash)) this.cursors.set(hash, this.fills.appended);
    const trades = await this.open<Trade[]>('watchMyTrades', `user:${market.symbol}`, 'user', market, hash, true);
    return filterBySinceLimit(trades, given(since), given(limit), true);
  }

  /** The user channel subscribes per product, so a symbol is required; credentials are checked before anything. */
  private async privateMarket(symbol: string | undefined, method: string): Promise<Market> {
    if (given(symbol) === undefined) {
      throw new ArgumentsRequired(`${this.exchange.id} ${method}() requires a symbol argument`, {
        exchange: this.exchange.id,
      });
    }
    this.exchange.checkRequiredCredentials();
    this.signature();
    return this.marketOf(symbol);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Messages

  handleMessage(data: unknown, conn: Connection): void {
    if (this.privateUrls.has(conn.url)) this.lastHeard.set(conn.url, this.exchange.milliseconds());
    if (!isPlainObject(data)) return;
    switch (data['type']) {
      case 'snapshot':
        this.onSnapshot(data);
        break;
      case 'l2update':
        this.onL2Update(data);
        break;
      case 'heartbeat':
        this.onHeartbeat(data, conn);
        break;
      case 'ticker':
        this.onTicker(data as unknown as RawFeedTicker);
        break;
      case 'match':
      case 'last_match':
        if (!this.privateUrls.has(conn.url)) this.onMatch(data as unknown as RawPublicTrade & Dict);
        else if (data['type'] === 'match') this.onUserEvent(data as unknown as RawFeedEvent);
        break;
      case 'subscriptions':
        this.onSubscriptions(data, conn);
        break;
      case 'error':
        this.onFeedError(data, conn);
        break;
      default:
        if (USER_EVENTS.has(String(data['type']))) this.onUserEvent(data as unknown as RawFeedEvent);
    }
    this.sweep();
  }

  // ---- books ----

  private onSnapshot(msg: Dict): void {
    const market = this.marketById(msg['product_id']);
    if (market === undefined || !this.topics.has(`book:${market.symbol}`)) return;
    const book = this.book(market.symbol);
    book.reset(asRows(msg['bids']), asRows(msg['asks']), undefined, parse8601(msg['time']));
    // The snapshot's own time is not compared with the updates: a batch may have opened before it was taken.
    this.updateTimes.delete(market.symbol);
    this.publish(market.symbol);
  }

  private onL2Update(msg: Dict): void {
    const market = this.marketById(msg['product_id']);
    if (market === undefined) return;
    const symbol = market.symbol;
    const book = this.books.get(symbol);
    // Updates before the snapshot (or during a resync) belong to a book that is being replaced.
    if (book === undefined || book.state !== 'live') return;
    const time = parse8601(msg['time']);
    const previous = this.updateTimes.get(symbol);
    if (time !== undefined && previous !== undefined && time < previous) {
      this.resync(symbol, `l2update of ${String(msg['time'])} is older than the one before`);
      return;
    }
    const changes = msg['changes'];
    if (!Array.isArray(changes)) {
      this.resync(symbol, 'l2update without changes');
      return;
    }
    for (const change of changes as unknown[]) {
      const row = Array.isArray(change) ? (change as unknown[]) : [];
      const side = row[0] === 'buy' ? 'bids' : row[0] === 'sell' ? 'asks' : undefined;
      const price = row[1];
      const size = row[2];
      if (side === undefined || typeof price !== 'string' || typeof size !== 'string') {
        this.resync(symbol, `unreadable change ${JSON.stringify(change)}`);
        return;
      }
      book.update(side, price, size);
    }
    if (time !== undefined) {
      book.timestamp = time;
      this.updateTimes.set(symbol, time);
    }
    this.publish(symbol);
  }

  private publish(symbol: string): void {
    this.publishBook(symbol);
  }

  // ---- heartbeats: gaps and silent products ----

  private onHeartbeat(msg: Dict, conn: Connection): void {
    const productId = msg['product_id'];
    if (typeof productId !== 'string') return;
    const id = `${conn.url} ${productId}`;
    const prev = this.beats.get(id);
    const sequence = Number(msg['sequence']);
    const time = parse8601(msg['time']);
    this.beats.set(id, { sequence, time, seenAt: Date.now() });
    const market = this.marketById(productId);
    if (market === undefined || this.privateUrls.has(conn.url)) return;
    const symbol = market.symbol;
    this.checkLastTrade(symbol, market, msg['last_trade_id']);
    if (prev === undefined || this.books.get(symbol)?.state !== 'live') return;
    if (sequence < prev.sequence) {
      this.resync(symbol, `heartbeat sequence went back from ${prev.sequence} to ${sequence}`);
      return;
    }
    const gap = this.wsOption('heartbeatGap', 3_000);
    if (gap > 0 && time !== undefined && prev.time !== undefined && time - prev.time > gap) {
      this.resync(symbol, `no heartbeat for ${time - prev.time} ms`);
    }
  }

  /** Rebuilds books whose product went quiet while the socket carries other messages (checked at most once a second). */
  private sweep(): void {
    const quiet = this.wsOption('productStaleAfter', 10_000);
    if (quiet <= 0) return;
    const now = Date.now();
    if (now - this.lastSweep < Math.min(1_000, quiet / 4)) return;
    this.lastSweep = now;
    for (const topic of this.topics.values()) {
      if (!topic.key.startsWith('book:')) continue;
      const id = `${topic.url} ${topic.productId}`;
      const beat = this.beats.get(id);
      if (beat === undefined || now - beat.seenAt <= quiet) continue;
      if (this.books.get(topic.symbol)?.state !== 'live') continue;
      // Forgotten so the next heartbeat starts afresh (and one quiet spell means one resync).
      this.beats.delete(id);
      this.resync(topic.symbol, `no heartbeat for ${topic.productId} in ${now - beat.seenAt} ms`);
    }
  }

  // ---- tickers ----

  private onTicker(msg: RawFeedTicker): void {
    const market = this.marketById(msg.product_id);
    if (market === undefined) return;
    const ticker = parseFeedTicker(msg, market.symbol);
    this.streams.resolve(`ticker:${market.symbol}`, ticker);
    this.streams.resolve('tickers', ticker);
  }

  // ---- public trades ----

  private onMatch(msg: RawPublicTrade & Dict): void {
    const market = this.marketById(msg['product_id']);
    if (market === undefined || !this.topics.has(`trades:${market.symbol}`)) return;
    const symbol = market.symbol;
    const pending = this.backfills.get(symbol);
    if (pending !== undefined) {
      if (pending.held.length < this.limits.trades) pending.held.push(msg);
      return;
    }
    const id = Number(msg.trade_id);
    const last = this.lastTradeIds.get(symbol);
    if (Number.isSafeInteger(id)) {
      if (last !== undefined && id <= last) return; // seen already (a last_match after a resubscribe)
      // The first last_match of a subscription is history: it only anchors the trade ids.
      if (msg['type'] === 'last_match' && last === undefined) {
        this.lastTradeIds.set(symbol, id);
        return;
      }
      if (last !== undefined && id > last + 1) {
        this.backfill(symbol, market, last, id, msg);
        return;
      }
      this.lastTradeIds.set(symbol, id);
    }
    this.tradeCache(symbol).push(parsePublicTrade(msg, market));
    this.resolveTrades(symbol);
  }

  /**
   * A heartbeat names the product's last trade. One the previous heartbeat already announced and the feed has still
   * not sent (a second later) was skipped: it is fetched. The grace of one heartbeat lets in-flight matches land.
   */
  private checkLastTrade(symbol: string, market: Market, lastTradeId: unknown): void {
    const last = this.lastTradeIds.get(symbol);
    const id = Number(lastTradeId);
    if (last === undefined || !Number.isSafeInteger(id) || this.backfills.has(symbol)) return;
    if (!this.topics.has(`trades:${symbol}`)) return;
    const claimed = this.tradeClaims.get(symbol);
    if (id <= last) {
      this.tradeClaims.delete(symbol);
      return;
    }
    this.tradeClaims.set(symbol, id);
    if (claimed !== undefined && claimed > last) {
      this.tradeClaims.delete(symbol);
      this.backfill(symbol, market, last, claimed + 1, undefined);
    }
  }

  /**
   * Fetches trades last+1 .. upTo-1 from REST (GET /products/{id}/trades?after=upTo answers the trades older than
   * upTo, newest first), holding back what the feed sends meanwhile; then hands everything out in trade id order.
   */
  private backfill(symbol: string, market: Market, last: number, upTo: number, next: RawPublicTrade | undefined): void {
    const missing = upTo - last - 1;
    this.tradeGaps.set(symbol, (this.tradeGaps.get(symbol) ?? 0) + 1);
    const max = this.wsOption('tradeBackfill', 100);
    const state: Backfill = { held: next === undefined ? [] : [next] };
    this.backfills.set(symbol, state);
    if (missing > max || max <= 0) {
      // Too many to fetch: carry on from here.
      this.release(symbol, market, state, []);
      return;
    }
    const request = { id: market.id, after: String(upTo), limit: missing };
    void this.exchange.publicGetProductsIdTrades(request).then(
      (rows: unknown) => this.release(symbol, market, state, Array.isArray(rows) ? (rows as RawPublicTrade[]) : []),
      () => this.release(symbol, market, state, []),
    );
  }

  private release(symbol: string, market: Market, state: Backfill, fetched: RawPublicTrade[]): void {
    // A backfill that was superseded (the topic stopped, or the handler closed) hands out nothing.
    if (this.closed || this.backfills.get(symbol) !== state) return;
    this.backfills.delete(symbol);
    if (!this.topics.has(`trades:${symbol}`)) return;
    const cache = this.tradeCache(symbol);
    const rows = [...fetched, ...state.held]
      .map((t) => ({ t, id: Number(t.trade_id) }))
      .filter((x) => Number.isSafeInteger(x.id))
      .sort((a, b) => a.id - b.id);
    let last = this.lastTradeIds.get(symbol) ?? -Infinity;
    for (const { t, id } of rows) {
      if (id <= last) continue;
      last = id;
      cache.push(parsePublicTrade(t, market));
    }
    if (Number.isFinite(last)) this.lastTradeIds.set(symbol, last);
    this.resolveTrades(symbol);
  }

  private resolveTrades(symbol: string): void {
    const hash = `trades:${symbol}`;
    if (!this.streams.hasWaiters(hash)) return;
    const cache = this.tradeCache(symbol);
    const trades = cache.newSince(this.cursors.get(hash) ?? cache.appended - 1);
    if (trades.length === 0) return;
    this.cursors.set(hash, cache.appended);
    this.streams.resolve(hash, trades);
  }

  // ---- private: orders and fills ----

  private onUserEvent(e: RawFeedEvent): void {
    const market = this.marketById(e.product_id);
    if (market === undefined) return;
    let changed = false;
    let filled = false;
    if (e.type === 'match') {
      let roles = feedMatchRoles(e);
      if (roles.length === 0) {
        // No role fields: the user's order is the one already known.
        roles = (['maker', 'taker'] as const).filter(
          (r) => this.orderStates.get(this.orderIdOf(e, r) ?? '') !== undefined,
        );
      }
      for (const role of roles) {
        const orderId = this.orderIdOf(e, role);
        const known = orderId === undefined ? undefined : this.orderStates.get(orderId);
        // A match already folded into the order (same or older sequence) is a repeat.
        if (known?.sequence !== undefined && e.sequence !== undefined && e.sequence <= known.sequence) continue;
        // The fill goes out once: a catch-up may have handed it out already. Whether the order counts it is the
        // order's own question (a catch-up may have read the order before this match or after it).
        const fillKey = e.trade_id === undefined ? undefined : `${String(e.trade_id)} ${orderId ?? ''}`;
        if (fillKey === undefined || !this.fillKeys.has(fillKey)) {
          if (fillKey !== undefined) this.rememberFill(fillKey);
          this.fills.push(parseFeedFill(e, role, market));
          filled = true;
        }
        if (orderId === undefined) continue;
        for (const log of this.matchLogs) {
          if (log.productId !== e.product_id) continue;
          const seen = log.byOrder.get(orderId);
          if (seen === undefined) log.byOrder.set(orderId, [{ e, role }]);
          else seen.push({ e, role });
        }
        changed = this.applyOrder(e, orderId, role) || changed;
      }
    } else if (e.order_id !== undefined) {
      changed = this.applyOrder(e, e.order_id);
    }
    if (changed) this.resolveOrders(market.symbol);
    if (filled) this.resolveFills(market.symbol);
  }

  private orderIdOf(e: RawFeedEvent, role: FeedRole): string | undefined {
    return role === 'maker' ? e.maker_order_id : e.taker_order_id;
  }

  private applyOrder(e: RawFeedEvent, orderId: string, role?: FeedRole): boolean {
    const prev = this.orderStates.get(orderId);
    // REST found the order finished: whatever the feed still says about it is what REST already counted.
    if (prev?.restored === true && prev.status !== 'open') return false;
    const next = foldFeedOrder(prev, e, orderId, role);
    if (next === prev) return false;
    this.orderStates.upsert(orderId, next);
    // An order restored from REST may already show what the feed is still delivering: an event that changes nothing
    // on it is kept but not handed out again.
    if (prev?.restored === true && sameOrderState(prev, next)) return false;
    this.orderLog.push(orderId);
    return true;
  }

  private rememberFill(key: string): void {
    this.fillKeys.add(key);
    if (this.fillKeys.size > this.limits.orders * 2) {
      const oldest = this.fillKeys.values().next();
      if (oldest.done !== true) this.fillKeys.delete(oldest.value);
    }
  }

  private resolveOrders(symbol: string): void {
    const hash = `orders:${symbol}`;
    if (!this.streams.hasWaiters(hash)) return;
    const productId = this.exchange.market(symbol).id;
    const ids = this.orderLog.newSince(this.cursors.get(hash) ?? this.orderLog.appended - 1);
    const seen = new Set<string>();
    const orders: Order[] = [];
    // Newest first to keep one entry per order, then back to the order of change.
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i]!;
      const state = seen.has(id) ? undefined : this.orderStates.get(id);
      seen.add(id);
      if (state === undefined || state.productId !== productId) continue;
      orders.push(parseFeedOrder(state, this.marketById(state.productId)));
    }
    if (orders.length === 0) return;
    this.cursors.set(hash, this.orderLog.appended);
    this.streams.resolve(hash, orders.reverse());
  }

  private resolveFills(symbol: string): void {
    const hash = `mytrades:${symbol}`;
    if (!this.streams.hasWaiters(hash)) return;
    const fresh = this.fills.newSince(this.cursors.get(hash) ?? this.fills.appended - 1);
    const mine = fresh.filter((t) => t.symbol === symbol);
    if (mine.length === 0) return;
    this.cursors.set(hash, this.fills.appended);
    this.streams.resolve(hash, mine);
  }

  // ---- acknowledgements and errors ----

  private onSubscriptions(msg: Dict, conn: Connection): void {
    const listed = new Set<string>();
    const channels = Array.isArray(msg['channels']) ? (msg['channels'] as unknown[]) : [];
    for (const ch of channels) {
      if (!isPlainObject(ch)) continue;
      const ids = Array.isArray(ch['product_ids']) ? (ch['product_ids'] as unknown[]) : [];
      for (const id of ids) listed.add(`${String(ch['name'])} ${String(id)}`);
    }
    for (const topic of this.topics.values()) {
      if (topic.url !== conn.url) continue;
      const was = topic.confirmed;
      topic.confirmed = listed.has(`${topic.channel} ${topic.productId}`);
      // Live again on a new socket after a drop: ask REST what the feed did not say meanwhile.
      const since = this.gaps.get(topic.key);
      if (!was && topic.confirmed && since !== undefined) {
        this.gaps.delete(topic.key);
        this.catchUp(topic, since);
      }
    }
  }

  // ---- private: catching up after a reconnect ----

  /** Orders (watchOrders) and fills (watchMyTrades) of the gap from REST, for the streams that are watched. */
  private catchUp(topic: Topic, since: number): void {
    const market = this.exchange.market(topic.symbol);
    if (topic.users.has('watchOrders'))
      this.runCatchUp(topic, since, `orders:${topic.symbol}`, this.catchUpOrders(topic, market));
    if (topic.users.has('watchMyTrades')) {
      this.runCatchUp(topic, since, `mytrades:${topic.symbol}`, this.catchUpFills(topic, market, since));
    }
  }

  /**
   * A failed catch-up leaves the stream as it is: the error goes to onError and, typed, to the calls waiting on that
   * stream; the gap is kept for the next reconnect to try again.
   */
  private runCatchUp(topic: Topic, since: number, hash: string, job: Promise<void>): void {
    job.catch((e: unknown) => {
      if (!this.live(topic)) return;
      this.gaps.set(topic.key, Math.min(since, this.gaps.get(topic.key) ?? since));
      this.onError(e);
      if (e instanceof BaseError) this.streams.reject(hash, e);
    });
  }

  /** The topic is still the one the catch-up started for (not stopped, not closed). */
  private live(topic: Topic): boolean {
    return !this.closed && this.topics.get(topic.key) === topic;
  }

  private async catchUpOrders(topic: Topic, market: Market): Promise<void> {
    // Matches streamed from here on may be ones REST counts or not: each is told apart by its trade id on restore.
    const log: MatchLog = { productId: market.id, byOrder: new Map() };
    this.matchLogs.add(log);
    try {
      await this.restoreGapOrders(topic, market, log);
    } finally {
      this.matchLogs.delete(log);
    }
  }

  private async restoreGapOrders(topic: Topic, market: Market, log: MatchLog): Promise<void> {
    const symbol = market.symbol;
    const productId = market.id;
    // Each answer is kept as the state it makes, against the order as the feed will know it when it is applied.
    const restored = new Map<string, (now: FeedOrderState | undefined) => FeedOrderState>();
    const fromRest = (order: Order): Order => {
      const raw = order.info;
      if (!isRawOrder(raw)) return order;
      restored.set(raw.id, (now) => feedStateOfOrder(raw, productId, now));
      return parseFeedOrder(feedStateOfOrder(raw, productId, this.orderStates.get(raw.id)), market);
    };
    const known: Order[] = [];
    for (const state of this.orderStates.toArray())
      if (state.productId === productId) known.push(parseFeedOrder(state, market));
    const maxLookups = this.wsOption('catchUpLookups', 50);
    const changed = await ordersChangedInGap({
      known,
      maxLookups,
      fetchOpenOrders: async () =>
        (await this.exchange.fetchOpenOrders(symbol, undefined, undefined, { paginate: true })).map(fromRest),
      fetchOrder: async (order) => {
        try {
          return fromRest(await this.exchange.fetchOrder(order.id, symbol));
        } catch (e) {
          // The exchange purges an order cancelled without any match: unknown now means cancelled.
          if (!(e instanceof OrderNotFound) || order.filled !== 0) throw e;
          const cancel = (now: FeedOrderState | undefined): FeedOrderState | undefined =>
            now === undefined ? undefined : { ...now, status: 'canceled', restored: true };
          const state = cancel(this.orderStates.get(order.id));
          if (state === undefined) return undefined;
          restored.set(order.id, (now) => cancel(now) ?? state);
          return parseFeedOrder(state, market);
        }
      },
    });
    if (!this.live(topic)) return;
    const counted = await this.countedTrades(changed, maxLookups);
    if (!this.live(topic)) return;
    let any = false;
    for (const order of changed) {
      const make = restored.get(order.id);
      if (make === undefined) continue;
      const rest = make(this.orderStates.get(order.id));
      if (rest.status === 'open') {
        const through = counted.get(order.id);
        // Its fills could not be read: which streamed matches it counts is unknown, so it stays as the feed has it.
        if (through === undefined) continue;
        rest.countedThrough = through;
      }
      if (this.restoreOrder(rest, log.byOrder.get(order.id) ?? [])) any = true;
    }
    if (any) this.resolveOrders(symbol);
  }

  /**
   * Order id -> trade id of the newest fill its REST state counts, for the open orders REST reported (0 when nothing
   * filled). A partly filled one needs its fills (GET /fills?order_id, asked after the order was read), at most
   * `maxLookups` of them; one whose fills fail or do not add up is left out.
   */
  private async countedTrades(orders: readonly Order[], maxLookups: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const partly: { id: string; filled: string | undefined }[] = [];
    for (const order of orders) {
      if (order.status !== 'open' || !isRawOrder(order.info)) continue;
      const filled = order.info.filled_size;
      // Nothing filled counts nothing (0); anything else needs the fills.
      const none = lastCountedTrade(filled, []);
      if (none !== undefined) out.set(order.id, none);
      else if (partly.length < maxLookups) partly.push({ id: order.id, filled });
    }
    const found = await Promise.all(
      partly.map(async ({ id, filled }) => {
        try {
          const trades = await this.exchange.fetchOrderTrades(id, undefined, undefined, undefined, { paginate: true });
          return lastCountedTrade(
            filled,
            trades.map((t) => t.info as RawFill),
          );
        } catch {
          // Skipped like a failed order lookup: the order stays as the feed has it.
          return undefined;
        }
      }),
    );
    partly.forEach(({ id }, i) => {
      const through = found[i];
      if (through !== undefined) out.set(id, through);
    });
    return out;
  }

  /**
   * Puts an order REST reported into the cache unless the feed finished it meanwhile (it stays as the feed has it).
   * On an order REST found open, the matches streamed during the catch-up that REST did not count (trade ids past its
   * countedThrough) are folded again, so each counts once whether it came before the REST answer or after it.
   */
  private restoreOrder(rest: FeedOrderState, matches: readonly SeenMatch[]): boolean {
    const now = this.orderStates.get(rest.id);
    if (now !== undefined && now.status !== 'open') return false;
    let next = rest;
    if (rest.status === 'open') {
      // Folded from no sequence, then the order keeps the newest sequence it has seen.
      next = { ...rest, sequence: undefined };
      for (const m of matches) next = foldFeedOrder(next, m.e, rest.id, m.role);
      const sequence = Math.max(next.sequence ?? -Infinity, now?.sequence ?? -Infinity);
      next = { ...next, sequence: Number.isFinite(sequence) ? sequence : undefined };
    }
    this.orderStates.upsert(rest.id, next);
    if (now !== undefined && sameOrderState(now, next)) return false;
    this.orderLog.push(rest.id);
    return true;
  }

  private async catchUpFills(topic: Topic, market: Market, since: number): Promise<void> {
    const symbol = market.symbol;
    const seen = this.fills.toArray().filter((t) => t.symbol === symbol);
    const trades = await tradesInGap(seen, since, (from) =>
      this.exchange.fetchMyTrades(symbol, from, undefined, { paginate: true }),
    );
    if (!this.live(topic)) return;
    let any = false;
    for (const t of [...trades].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0))) {
      // Streamed meanwhile: already handed out.
      const key = t.id === undefined ? undefined : `${t.id} ${t.order ?? ''}`;
      if (key !== undefined && this.fillKeys.has(key)) continue;
      if (key !== undefined) this.rememberFill(key);
      this.fills.push(t);
      any = true;
    }
    if (any) this.resolveFills(symbol);
  }

  /**
   * An error answers a subscribe of this socket: the topics it names (product, then channel), else for an
   * authentication failure the signed ones, else the ones the feed has not confirmed. Their watch calls reject with the mapped error and the topics are dropped, so a reconnect does
   * not send them again.
   */
  private onFeedError(msg: Dict, conn: Connection): void {
    const message = str(msg, 'message') ?? '';
    const reason = str(msg, 'reason') ?? '';
    const error = this.feedError(message, reason);
    const mine = [...this.topics.values()].filter((t) => t.url === conn.url);
    const text = `${message} ${reason}`;
    const named = mine.filter((t) => text.includes(t.productId));
    let hit = named;
    // A failed signature fails every signed topic of the socket, acknowledged or not.
    if (hit.length === 0) hit = error instanceof AuthenticationError ? mine.filter((t) => t.signed) : [];
    if (hit.length === 0) hit = mine.filter((t) => !t.confirmed);
    const byChannel = hit.filter((t) => new RegExp(`\\b${t.channel}\\b`).test(text));
    if (byChannel.length > 0) hit = byChannel;
    for (const topic of hit) {
      for (const hash of this.hashesOf(topic)) this.streams.reject(hash, error);
      this.forget(topic.key);
    }
  }

  private feedError(message: string, reason: string): BaseError {
    const ex = this.exchange;
    // The reason of an authentication failure is itself a REST error body: {"message": "Invalid API Key"}.
    const inner = reason.trim().startsWith('{') ? parseJson(reason) : undefined;
    const detail = isPlainObject(inner) && typeof inner['message'] === 'string' ? inner['message'] : reason;
    const text = reason === '' ? message : `${message}: ${reason}`;
    try {
      ex.throwExactlyMatched(message, text);
      ex.throwExactlyMatched(detail, text);
      ex.throwBroadlyMatched(detail, text);
      ex.throwBroadlyMatched(message, text);
    } catch (e) {
      return e as BaseError;
    }
    return new ExchangeError(`${ex.id} ${text}`, { exchange: ex.id });
  }

  private hashesOf(topic: Topic): string[] {
    const s = topic.symbol;
    if (topic.key.startsWith('book:')) return [`orderbook:${s}`];
    if (topic.key.startsWith('trades:')) return [`trades:${s}`];
    if (topic.key.startsWith('ticker:')) return [`ticker:${s}`, 'tickers'];
    return [`orders:${s}`, `mytrades:${s}`];
  }
}
