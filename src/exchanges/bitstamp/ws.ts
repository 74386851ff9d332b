/**
 * Bitstamp streaming over websocket API v2 (wss://ws.bitstamp.net), on the shared StreamHandler.
 * Written from https://www.bitstamp.net/websocket/v2/ and the websockets_token/ section of the HTTP API.
 *
 * Protocol. One socket carries every channel. `{event: 'bts:subscribe', data: {channel}}` is answered by
 * `bts:subscription_succeeded` naming the channel, or by `bts:error` ({code, message}, often without a channel).
 * Private channels are named `<channel>_<pair>-<user_id>` and their subscribe carries `auth`: a token from
 * POST websockets_token/ (which also names the user id), good for `valid_sec` seconds, so each new socket subscribes
 * with a fresh one. `{event: 'bts:heartbeat'}` is answered in kind and serves as the application ping; a server
 * going into maintenance sends `bts:request_reconnect`, and the socket is replaced at once.
 *
 * Channels used:
 *   diff_order_book_<pair>              changed price levels [price, amount] (0 removes), stamped by microtimestamp
 *   order_book_<pair>                   the top 100 levels of each side, whole, in every message (options.ws.bookChannel)
 *   live_trades_<pair>                  one public trade per `trade` message
 *   private-my_orders_<pair>-<user>     the account's orders after each order_created / order_changed / order_deleted
 *   private-my_trades_<pair>-<user>     the account's fills
 * There is no ticker, candle or balance channel, so watchTicker(s), watchOHLCV and watchBalance are not served.
 *
 * Books. The diff channel sends no snapshot and no sequence numbers. A book is built from the REST order book
 * (fetched once the subscription is acknowledged): diffs that arrive meanwhile are held, the snapshot must not be
 * older than the first of them (else it is fetched again: the REST book lags the stream), held diffs up to the
 * snapshot's microtimestamp are dropped and the rest applied. From then on every diff must be newer than the last one
 * applied; a diff older than the book's state (other than the ones the snapshot already covers) is out of order and
 * rebuilds that symbol's book from a new snapshot, as does a crossed book. Watch calls of a book that is being
 * rebuilt wait for the rebuilt one. A dropped socket rebuilds the books it carried once the new socket resubscribes.
 *
 * Private streams after a drop. Bitstamp does not replay order events or fills to a new socket. Once every private
 * channel that was live on the dropped socket is acknowledged again on a new one, REST tells what the gap hid (the
 * rules are in ws/reconcile.ts): open_orders/all/ against the orders held, order_status/ for the ones no longer open,
 * user_transactions/{pair}/ since the newest fill held (or the drop). What changed goes into the same caches and
 * hashes as a streamed event; a socket event repeating what the catch-up published is dropped (by order state and
 * trade id). There is no balance channel, so nothing to catch up there.
 */
import { AuthenticationError, ArgumentsRequired, BadRequest, BaseError, ExchangeError } from '../../core/errors.js';
import type { WatchMethod } from '../../core/spec.js';
import type { Dict, Market, Order, OrderBook, Trade } from '../../core/types.js';
import { filterBySinceLimit, given, int, isPlainObject, str } from '../../core/util.js';
import { onePerId, RingCache } from '../../ws/cache.js';
import type { Connection } from '../../ws/connection.js';
import { cutOrderBook, StreamHandler } from '../../ws/handler.js';
import type { LocalOrderBook } from '../../ws/orderbook.js';
import { ordersChangedInGap, tradesInGap } from '../../ws/reconcile.js';
import type { Subscription } from '../../ws/streams.js';
import type { bitstamp } from './bitstamp.js';
import {
  parseWsMyTrade,
  parseWsOrder,
  parseWsTrade,
  wsTime,
  type RawWsBook,
  type RawWsMyTrade,
  type RawWsOrder,
  type RawWsTrade,
} from './parse.js';

type Kind = 'diff' | 'top' | 'trades' | 'orders' | 'mytrades';

/** One subscribed channel. */
interface Topic {
  key: string;
  kind: Kind;
  channel: string;
  market: Market;
  isPrivate: boolean;
  sub: Subscription;
  /** Acknowledged on the current socket. */
  confirmed: boolean;
  /** When its subscribe left on the current socket (an error naming no channel belongs to the oldest unanswered). */
  sentSeq: number | undefined;
  /** Private: exchange time (ms) of its first acknowledgement; until then no socket of it has dropped while live. */
  liveSince?: number;
  /** Private: a socket it was live on dropped; from this time (ms) on, events may have been missed. */
  gapSince?: number;
}

/** A diff as it arrived, with its microtimestamp read once. */
interface HeldDiff {
  micro: number;
  raw: RawWsBook;
}

/** Where one symbol's book stands with respect to the stream. */
interface BookSync {
  /** Bumped whenever the book starts over: answers to older snapshot requests are ignored. */
  epoch: number;
  phase: 'idle' | 'fetching' | 'waiting' | 'live';
  held: HeldDiff[];
  /** Microtimestamp of the snapshot the book was built from, and of the last change applied. */
  snapshotMicro: number;
  lastMicro: number;
  /** Failed snapshot attempts in a row. */
  failures: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface WsAuth {
  token: string;
  userId: string;
  /** Local time (ms) after which a new token is fetched. */
  renewAt: number;
}

const TERMINAL = new Set(['closed', 'canceled', 'expired', 'rejected']);

/** What an order keeps for life; order_status/ leaves most of it out, so a looked-up order takes it from the stream. */
const LASTING = [
  'clientOrderId',
  'type',
  'timeInForce',
  'postOnly',
  'reduceOnly',
  'side',
  'price',
  'amount',
  'triggerPrice',
  'stopPrice',
] as const;

/** Fills the fields `order` (from REST) lacks with what the stream said of the same order. */
function completeFrom(order: Order, known: Order | undefined): Order {
  if (known === undefined) return order;
  const out = order as unknown as Record<string, unknown>;
  for (const k of LASTING) if (order[k] === undefined && known[k] !== undefined) out[k] = known[k];
  if (order.timestamp === undefined && known.timestamp !== undefined) {
    order.timestamp = known.timestamp;
    order.datetime = known.datetime;
  }
  return order;
}

const ORDER_EVENTS = new Set(['order_created', 'order_changed', 'order_deleted', 'stop_active', 'stop_inactive']);

const rowsOf = (x: unknown): unknown[][] => (Array.isArray(x) ? x.filter((r): r is unknown[] => Array.isArray(r)) : []);

/** Applies [price, amount, ...] rows to one side; false when a row cannot be read (the book is then suspect). */
function applyRows(book: LocalOrderBook, side: 'bids' | 'asks', rows: unknown): boolean {
  if (rows === undefined) return true;
  if (!Array.isArray(rows)) return false;
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row)) return false;
    const price = row[0];
    const amount = row[1];
    if (
      (typeof price !== 'string' && typeof price !== 'number') ||
      (typeof amount !== 'string' && typeof amount !== 'number')
    )
      return false;
    if (!Number.isFinite(Number(price)) || !Number.isFinite(Number(amount))) return false;
    book.update(side, price, amount);
  }
  return true;
}

export class bitstampStreams extends StreamHandler<bitstamp> {
  private readonly topics = new Map<string, Topic>();
  private readonly byChannel = new Map<string, Topic>();
  private readonly syncs = new Map<string, BookSync>();
  /** Symbol -> most levels a waiting caller asked for (Infinity: all), so a publish copies no more than that. */
  /** Message hash -> cache position handed out last (CCXT's newUpdates). */
  private readonly cursors = new Map<string, number>();
  private readonly orderCaches = new Map<string, RingCache<Order>>();
  private readonly fillCaches = new Map<string, RingCache<Trade>>();
  /** Private topics acknowledged on a new socket after a drop, waiting for the others to catch up together. */
  private readonly caughtUp = new Set<Topic>();
  /** What catch-ups published, so the same state arriving on the socket is not handed out twice. */
  private readonly recoveredOrders = new Map<string, Order>();
  private readonly recoveredFills = new Set<string>();
  /** Local time (Date.now) of the last frame each socket brought: a silent socket lost events since then. */
  private readonly lastFrame = new Map<Connection, number>();
  private auth: WsAuth | undefined;
  private authFlight: Promise<WsAuth> | undefined;
  private sendSeq = 0;
  private closed = false;

  // ---------------------------------------------------------------------------------------------------------------
  // Settings

  /** Application heartbeats ({event: 'bts:heartbeat'}, answered by the server) and the silence watchdog. */
  protected override connectionDefaults(): { pingInterval: number; staleAfter: number; ping: () => unknown } {
    return { pingInterval: 10_000, staleAfter: 30_000, ping: () => ({ event: 'bts:heartbeat' }) };
  }

  private async marketOf(symbol: unknown, method: string): Promise<Market> {
    if (typeof symbol !== 'string' || symbol === '') {
      throw new ArgumentsRequired(`${this.exchange.id} ${method}() requires a symbol argument`, {
        exchange: this.exchange.id,
      });
    }
    await this.exchange.loadMarkets();
    return this.exchange.market(symbol);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Topics

  private addTopic(key: string, kind: Kind, channel: string, market: Market, isPrivate: boolean): Topic {
    const topic: Topic = {
      key,
      kind,
      channel,
      market,
      isPrivate,
      confirmed: false,
      sentSeq: undefined,
      sub: { key, url: this.wsUrl(isPrivate ? 'private' : 'public'), subscribe: undefined, private: isPrivate },
    };
    // Built when sent (JSON.stringify calls toJSON): a resubscribe carries the token of the moment.
    topic.sub.subscribe = { toJSON: () => this.subscribeMessage(topic) };
    topic.sub.unsubscribe = { event: 'bts:unsubscribe', data: { channel } };
    this.topics.set(key, topic);
    this.byChannel.set(channel, topic);
    return topic;
  }

  private subscribeMessage(topic: Topic): Dict {
    topic.confirmed = false;
    topic.sentSeq = ++this.sendSeq;
    const data: Dict = { channel: topic.channel };
    if (topic.isPrivate) data['auth'] = this.auth?.token;
    return { event: 'bts:subscribe', data };
  }

  /** Stops a topic and forgets everything kept for it. */
  private forget(key: string): void {
    const topic = this.topics.get(key);
    this.streams.unsubscribe(key);
    if (topic === undefined) return;
    this.topics.delete(key);
    if (this.byChannel.get(topic.channel) === topic) this.byChannel.delete(topic.channel);
    const s = topic.market.symbol;
    for (const hash of this.hashesOf(topic)) this.cursors.delete(hash);
    switch (topic.kind) {
      case 'diff':
      case 'top': {
        const sync = this.syncs.get(s);
        if (sync !== undefined) this.restartSync(sync);
        this.syncs.delete(s);
        this.books.delete(s);
        break;
      }
      case 'trades':
        this.tradeCaches.delete(s);
        break;
      case 'orders':
        this.orderCaches.delete(s);
        for (const [id, o] of this.recoveredOrders) if (o.symbol === s) this.recoveredOrders.delete(id);
        break;
      case 'mytrades':
        this.fillCaches.delete(s);
        for (const k of this.recoveredFills) if (k.startsWith(`${s} `)) this.recoveredFills.delete(k);
        break;
    }
    if (topic.isPrivate) {
      this.caughtUp.delete(topic);
      // it may have been the last one the others were waiting for
      this.startCatchUp();
    }
  }

  /** A topic the exchange refused: its watch calls reject and it is not sent again. */
  private drop(topic: Topic, error: unknown): void {
    // nothing to unsubscribe from on the exchange's side
    delete topic.sub.unsubscribe;
    for (const hash of this.hashesOf(topic)) this.streams.reject(hash, error);
    this.forget(topic.key);
  }

  private hashesOf(topic: Topic): string[] {
    const s = topic.market.symbol;
    switch (topic.kind) {
      case 'diff':
      case 'top':
        return [`orderbook:${s}`];
      case 'trades':
        return [`trades:${s}`];
      case 'orders':
        return [`orders:${s}`];
      case 'mytrades':
        return [`mytrades:${s}`];
    }
  }

  protected override subscriptionKey(method: WatchMethod, args: unknown[]): string | undefined {
    const raw = args[0];
    if (typeof raw !== 'string') return undefined;
    let symbol = raw;
    try {
      symbol = this.exchange.market(raw).symbol;
    } catch {
      // not a listed market: the key is looked up as given
    }
    switch (method) {
      case 'watchOrderBook':
        return `book:${symbol}`;
      case 'watchTrades':
        return `trades:${symbol}`;
      case 'watchOrders':
        return `orders:${symbol}`;
      case 'watchMyTrades':
        return `mytrades:${symbol}`;
      default:
        return undefined;
    }
  }

  /** Ends a stream nobody watches any more (each bitstamp topic serves one method); its pending calls reject. */
  override unwatch(method: WatchMethod, args: unknown[]): void {
    const key = this.subscriptionKey(method, args);
    const topic = key === undefined ? undefined : this.topics.get(key);
    if (topic === undefined) return;
    for (const hash of this.hashesOf(topic)) this.endWatchers(hash);
    this.forget(topic.key);
  }

  protected override onReconnect(conn: Connection, keys: string[]): void {
    super.onReconnect(conn, keys);
    const downSince = this.downSince(conn);
    this.lastFrame.delete(conn);
    for (const key of keys) {
      const topic = this.topics.get(key);
      if (topic === undefined) continue;
      if (topic.liveSince !== undefined) {
        // the earliest drop not caught up yet counts (a socket can drop again before its channels are back)
        topic.gapSince ??= Math.max(topic.liveSince, downSince);
        this.caughtUp.delete(topic);
      }
      topic.confirmed = false;
      topic.sentSeq = undefined;
      const sync = this.syncs.get(topic.market.symbol);
      // rebuilt once the new socket's subscription is acknowledged (diffs) or sends a book (top 100)
      if (sync !== undefined) this.restartSync(sync);
    }
  }

  override close(): void {
    this.closed = true;
    for (const sync of this.syncs.values()) this.restartSync(sync);
    super.close();
    this.topics.clear();
    this.byChannel.clear();
    this.syncs.clear();
    this.cursors.clear();
    this.orderCaches.clear();
    this.fillCaches.clear();
    this.caughtUp.clear();
    this.recoveredOrders.clear();
    this.recoveredFills.clear();
    this.lastFrame.clear();
    this.auth = undefined;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Private channels: the token

  /** A token from websockets_token/, reused while valid (unless `fresh`) and shared by concurrent callers. */
  private authorize(fresh = false): Promise<WsAuth> {
    const auth = this.auth;
    if (!fresh && auth !== undefined && Date.now() < auth.renewAt) return Promise.resolve(auth);
    this.authFlight ??= (async () => {
      try {
        const res: unknown = await this.exchange.privatePostWebsocketsToken();
        const token = str(res, 'token');
        const userId = str(res, 'user_id');
        if (token === undefined || userId === undefined) {
          throw new AuthenticationError(`${this.exchange.id} websockets_token/ returned no token and user id`, {
            exchange: this.exchange.id,
          });
        }
        // renewed at 80 % of its life so a subscribe never leaves with an expired token
        const validMs = (int(res, 'valid_sec') ?? 60) * 1000;
        const fresh: WsAuth = { token, userId, renewAt: Date.now() + validMs * 0.8 };
        if (!this.closed) this.auth = fresh;
        return fresh;
      } finally {
        this.authFlight = undefined;
      }
    })();
    return this.authFlight;
  }

  /**
   * Every (re)connect: nothing is acknowledged yet, and private topics need a token before they are sent: the one
   * at hand on the first socket, a new one on each later socket (a token is not reused across connections).
   */
  protected override async onConnected(conn: Connection): Promise<void> {
    const mine = [...this.topics.values()].filter((t) => t.sub.url === conn.url && this.streams.isSubscribed(t.key));
    for (const t of mine) {
      t.confirmed = false;
      t.sentSeq = undefined;
    }
    const privateTopics = mine.filter((t) => t.isPrivate);
    if (privateTopics.length === 0) return;
    try {
      await this.authorize(conn.generation > 1);
    } catch (e) {
      // public topics of this socket go on; the private ones fail their callers and are not sent
      for (const t of privateTopics) this.drop(t, e);
    }
  }

  private async privateTopic(key: string, kind: Kind, prefix: string, market: Market): Promise<Topic> {
    const existing = this.topics.get(key);
    if (existing !== undefined) return existing;
    const auth = await this.authorize();
    return this.topics.get(key) ?? this.addTopic(key, kind, `${prefix}_${market.id}-${auth.userId}`, market, true);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Watch methods

  /**
   * The book from diff_order_book (full depth, synchronised with the REST book), or from order_book (the top 100
   * levels in every message) with options.ws.bookChannel or params.channel = 'order_book'. `limit` cuts the copy
   * handed out; the book kept is whole.
   */
  async watchOrderBook(symbol: string, limit?: number, params: Dict = {}): Promise<OrderBook> {
    const depth = given(limit);
    if (depth !== undefined && !(Number.isInteger(depth) && depth > 0)) {
      throw new BadRequest(`${this.exchange.id} watchOrderBook() limit must be a positive integer`, {
        exchange: this.exchange.id,
      });
    }
    const market = await this.marketOf(symbol, 'watchOrderBook');
    const s = market.symbol;
    const key = `book:${s}`;
    let topic = this.topics.get(key);
    if (topic === undefined) {
      const channel =
        str(params, 'channel') ?? this.wsOption<string | undefined>('bookChannel', undefined) ?? 'diff_order_book';
      if (channel !== 'diff_order_book' && channel !== 'order_book') {
        throw new BadRequest(`${this.exchange.id} watchOrderBook() channel must be diff_order_book or order_book`, {
          exchange: this.exchange.id,
        });
      }
      this.books.delete(s);
      this.book(s);
      this.syncs.set(s, {
        epoch: 0,
        phase: 'idle',
        held: [],
        snapshotMicro: 0,
        lastMicro: 0,
        failures: 0,
        timer: undefined,
      });
      topic = this.addTopic(key, channel === 'order_book' ? 'top' : 'diff', `${channel}_${market.id}`, market, false);
    }
    this.wantDepth(s, depth);
    const book = await this.streams.watch<OrderBook>(topic.sub, `orderbook:${s}`);
    return cutOrderBook(book, depth);
  }

  /** Public trades that arrived since the previous call resolved. */
  async watchTrades(symbol: string, since?: number, limit?: number, _params: Dict = {}): Promise<Trade[]> {
    const market = await this.marketOf(symbol, 'watchTrades');
    const key = `trades:${market.symbol}`;
    const topic = this.topics.get(key) ?? this.addTopic(key, 'trades', `live_trades_${market.id}`, market, false);
    return this.updates(topic, this.tradeCache(market.symbol), since, limit);
  }

  /** The account's orders in `symbol` that changed since the previous call resolved, each in its latest state. */
  async watchOrders(symbol?: string, since?: number, limit?: number, _params: Dict = {}): Promise<Order[]> {
    const market = await this.marketOf(symbol, 'watchOrders');
    const topic = await this.privateTopic(`orders:${market.symbol}`, 'orders', 'private-my_orders', market);
    return this.updates(topic, this.ring(this.orderCaches, market.symbol), since, limit);
  }

  /** The account's fills in `symbol` since the previous call resolved. */
  async watchMyTrades(symbol?: string, since?: number, limit?: number, _params: Dict = {}): Promise<Trade[]> {
    const market = await this.marketOf(symbol, 'watchMyTrades');
    const topic = await this.privateTopic(`mytrades:${market.symbol}`, 'mytrades', 'private-my_trades', market);
    return this.updates(topic, this.ring(this.fillCaches, market.symbol), since, limit);
  }

  /**
   * Waits for the next batch of a cached stream: what its cache took since the previous batch (from this call on,
   * for the first one), cut by since/limit.
   */
  private async updates<T extends { timestamp?: number | undefined }>(
    topic: Topic,
    cache: RingCache<T>,
    since: number | undefined,
    limit: number | undefined,
  ): Promise<T[]> {
    const hash = this.hashesOf(topic)[0]!;
    if (!this.cursors.has(hash)) this.cursors.set(hash, cache.appended);
    const items = await this.streams.watch<T[]>(topic.sub, hash);
    return filterBySinceLimit(items, given(since), given(limit), true);
  }

  private ring<T>(caches: Map<string, RingCache<T>>, symbol: string): RingCache<T> {
    let cache = caches.get(symbol);
    if (cache === undefined) {
      cache = new RingCache<T>(this.limits.orders);
      caches.set(symbol, cache);
    }
    return cache;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Incoming frames

  handleMessage(data: unknown, conn: Connection): void {
    this.lastFrame.set(conn, Date.now());
    if (!isPlainObject(data)) return;
    const event = str(data, 'event');
    const channel = str(data, 'channel') ?? '';
    switch (event) {
      case 'bts:subscription_succeeded':
        this.onSubscribed(channel);
        return;
      case 'bts:error':
        this.onFeedError(data, conn);
        return;
      case 'bts:request_reconnect':
        // the server is about to go away: move to another one now (the new socket resubscribes everything)
        conn.restart('bitstamp requested a reconnect');
        return;
      case 'bts:heartbeat':
      case 'bts:unsubscription_succeeded':
        return;
      default:
        break;
    }
    const topic = this.byChannel.get(channel);
    const payload = data['data'];
    if (topic === undefined || !isPlainObject(payload)) return;
    switch (topic.kind) {
      case 'diff':
        this.onDiff(topic, payload as RawWsBook);
        return;
      case 'top':
        this.onTopBook(topic, payload as RawWsBook);
        return;
      case 'trades':
        if (event === 'trade') this.onTrade(topic, payload as RawWsTrade);
        return;
      case 'orders':
        if (event !== undefined && ORDER_EVENTS.has(event)) this.onOrder(topic, payload as RawWsOrder, event);
        return;
      case 'mytrades':
        if (event === 'trade') this.onFill(topic, payload as RawWsMyTrade);
        return;
    }
  }

  private onSubscribed(channel: string): void {
    const topic = this.byChannel.get(channel);
    if (topic === undefined) return;
    topic.confirmed = true;
    if (topic.isPrivate) {
      if (topic.liveSince === undefined) topic.liveSince = this.exchange.milliseconds();
      else if (topic.gapSince !== undefined) {
        this.caughtUp.add(topic);
        this.startCatchUp();
      }
      return;
    }
    if (topic.kind !== 'diff') return;
    const s = topic.market.symbol;
    const sync = this.syncs.get(s);
    if (sync !== undefined && sync.phase === 'idle') this.fetchSnapshot(topic, sync);
  }

  /**
   * An error answers a subscribe: the topic it names, else (the usual case: no channel) one of the subscribes this
   * socket sent that are still unanswered — a pending one named in the message, a private one for an authorization
   * failure, else the oldest. An error no subscribe can own goes to the handler's error sink.
   */
  private onFeedError(msg: Dict, conn: Connection): void {
    const data = isPlainObject(msg['data']) ? msg['data'] : {};
    const code = str(data, 'code');
    const message = str(data, 'message') ?? 'error';
    const error = this.errorOf(code, message, JSON.stringify(msg));
    const pending = [...this.topics.values()]
      .filter((t) => t.sub.url === conn.url && !t.confirmed && t.sentSeq !== undefined)
      .sort((a, b) => a.sentSeq! - b.sentSeq!);
    const channel = str(msg, 'channel');
    let hit = channel === undefined ? undefined : this.byChannel.get(channel);
    hit ??= pending.find((t) => message.includes(t.channel));
    if (hit === undefined && error instanceof AuthenticationError) hit = pending.find((t) => t.isPrivate);
    hit ??= pending[0];
    if (hit !== undefined) this.drop(hit, error);
    else this.onError(error);
  }

  /** The class spec.exceptions maps the code or message to (ExchangeError otherwise). */
  private errorOf(code: string | undefined, message: string, text: string): BaseError {
    const ex = this.exchange;
    try {
      ex.throwExactlyMatched(code, text);
      ex.throwExactlyMatched(message, text);
      ex.throwBroadlyMatched(message, text, code);
    } catch (e) {
      return e as BaseError;
    }
    return new ExchangeError(`${ex.id} ${text}`, { exchange: ex.id, code });
  }

  // ---- books: diff_order_book ----

  private onDiff(topic: Topic, raw: RawWsBook): void {
    const s = topic.market.symbol;
    const sync = this.syncs.get(s);
    const book = this.books.get(s);
    if (sync === undefined || book === undefined) return;
    const micro = int(raw, 'microtimestamp');
    if (sync.phase !== 'live' || book.state !== 'live') {
      if (micro === undefined) return;
      sync.held.push({ micro, raw });
      if (sync.held.length > this.wsOption('bookBuffer', 2000)) sync.held.shift();
      if (sync.phase === 'idle') this.fetchSnapshot(topic, sync);
      return;
    }
    if (micro === undefined) {
      this.resync(s, 'diff without microtimestamp');
      return;
    }
    if (this.applyDiff(s, book, sync, micro, raw)) this.publish(s);
  }

  /**
   * One diff on a live book. A diff not newer than the last change is either covered by the snapshot (nothing was
   * applied since) and dropped, or out of order, which rebuilds the book. False when the book was not changed.
   */
  private applyDiff(symbol: string, book: LocalOrderBook, sync: BookSync, micro: number, raw: RawWsBook): boolean {
    if (micro <= sync.lastMicro) {
      if (sync.lastMicro !== sync.snapshotMicro) this.resync(symbol, `diff ${micro} after ${sync.lastMicro}`);
      return false;
    }
    if (!applyRows(book, 'bids', raw.bids) || !applyRows(book, 'asks', raw.asks)) {
      this.resync(symbol, `unreadable diff ${micro}`);
      return false;
    }
    sync.lastMicro = micro;
    book.nonce = micro;
    book.timestamp = Math.floor(micro / 1000);
    return true;
  }

  private fetchSnapshot(topic: Topic, sync: BookSync): void {
    if (this.closed) return;
    sync.phase = 'fetching';
    const epoch = sync.epoch;
    const s = topic.market.symbol;
    this.exchange
      .publicGetOrderBookMarketSymbol({ market_symbol: topic.market.id })
      .then((raw: unknown) => this.onSnapshot(s, sync, epoch, raw))
      .catch((e: unknown) => this.snapshotFailed(topic, sync, epoch, e));
  }

  private onSnapshot(symbol: string, sync: BookSync, epoch: number, raw: unknown): void {
    if (this.closed || sync.epoch !== epoch || sync.phase !== 'fetching' || this.syncs.get(symbol) !== sync) return;
    const topic = this.topics.get(`book:${symbol}`);
    const book = this.books.get(symbol);
    if (topic === undefined || book === undefined) return;
    const micro = int(raw, 'microtimestamp');
    const first = sync.held[0];
    if (micro === undefined) {
      this.snapshotFailed(topic, sync, epoch, this.snapshotError(symbol, 'has no microtimestamp'));
      return;
    }
    if (first !== undefined && micro < first.micro) {
      // changes between the snapshot and the first diff held would be missing: ask again
      this.snapshotFailed(topic, sync, epoch, this.snapshotError(symbol, `of ${micro} is older than the stream`));
      return;
    }
    const r = raw as RawWsBook;
    book.reset(rowsOf(r.bids), rowsOf(r.asks), micro, Math.floor(micro / 1000));
    sync.snapshotMicro = micro;
    sync.lastMicro = micro;
    sync.failures = 0;
    sync.phase = 'live';
    const held = sync.held;
    sync.held = [];
    for (const d of held) {
      this.applyDiff(symbol, book, sync, d.micro, d.raw);
      if (sync.epoch !== epoch) return; // out of order: rebuilding
    }
    this.publish(symbol);
  }

  private snapshotError(symbol: string, what: string): ExchangeError {
    return new ExchangeError(`${this.exchange.id} ${symbol} order book snapshot ${what}`, {
      exchange: this.exchange.id,
    });
  }

  /** Tries again later; after snapshotMaxRetries failures in a row the book's callers get the error meanwhile. */
  private snapshotFailed(topic: Topic, sync: BookSync, epoch: number, error: unknown): void {
    if (this.closed || sync.epoch !== epoch || sync.phase !== 'fetching') return;
    if (this.syncs.get(topic.market.symbol) !== sync) return;
    sync.failures++;
    sync.phase = 'waiting';
    if (sync.failures >= this.wsOption('snapshotMaxRetries', 3)) {
      this.streams.reject(`orderbook:${topic.market.symbol}`, error);
    }
    const delay = Math.min(10_000, this.wsOption('snapshotDelay', 1000) * 2 ** (sync.failures - 1));
    sync.timer = setTimeout(() => {
      sync.timer = undefined;
      if (sync.epoch === epoch && sync.phase === 'waiting') this.fetchSnapshot(topic, sync);
    }, delay);
  }

  /** Forgets the sync under way (held diffs, timer, requests in flight) and waits to start over. */
  private restartSync(sync: BookSync): void {
    sync.epoch++;
    if (sync.timer !== undefined) clearTimeout(sync.timer);
    sync.timer = undefined;
    sync.held = [];
    sync.phase = 'idle';
  }

  /** A resync of one symbol: the diff stream goes on, the book is rebuilt from a new REST snapshot. */
  protected override requestSnapshot(symbol: string): void {
    const sync = this.syncs.get(symbol);
    const topic = this.topics.get(`book:${symbol}`);
    if (sync === undefined || topic === undefined) return;
    this.restartSync(sync);
    // the top-100 channel sends a whole book every time: its next message rebuilds the book
    if (topic.kind === 'diff' && topic.confirmed) this.fetchSnapshot(topic, sync);
  }

  // ---- books: order_book (top 100, whole) ----

  private onTopBook(topic: Topic, raw: RawWsBook): void {
    const s = topic.market.symbol;
    const sync = this.syncs.get(s);
    const book = this.books.get(s);
    if (sync === undefined || book === undefined) return;
    const micro = int(raw, 'microtimestamp') ?? 0;
    // an older book than the one held is not worth publishing
    if (sync.phase === 'live' && book.state === 'live' && micro <= sync.lastMicro) return;
    book.reset(rowsOf(raw.bids), rowsOf(raw.asks), micro === 0 ? undefined : micro, wsTime(raw));
    sync.lastMicro = micro;
    sync.phase = 'live';
    this.publish(s);
  }

  private publish(symbol: string): void {
    this.publishBook(symbol);
  }

  // ---- trades, orders, fills ----

  private onTrade(topic: Topic, raw: RawWsTrade): void {
    const s = topic.market.symbol;
    const cache = this.tradeCache(s);
    cache.push(parseWsTrade(raw, topic.market));
    this.flush(`trades:${s}`, cache, false);
  }

  private onOrder(topic: Topic, raw: RawWsOrder, event: string): void {
    const s = topic.market.symbol;
    const order = parseWsOrder(raw, event, topic.market);
    if (this.repeatsRecovered(order)) return;
    const cache = this.ring(this.orderCaches, s);
    cache.push(order);
    this.flush(`orders:${s}`, cache, true);
  }

  private onFill(topic: Topic, raw: RawWsMyTrade): void {
    const s = topic.market.symbol;
    const trade = parseWsMyTrade(raw, topic.market);
    // a fill a catch-up already handed out
    if (trade.id !== undefined && this.recoveredFills.delete(`${s} ${trade.id}`)) return;
    const cache = this.ring(this.fillCaches, s);
    cache.push(trade);
    this.flush(`mytrades:${s}`, cache, false);
  }

  /**
   * A socket event for an order a catch-up published is a repeat when the catch-up saw the order end (nothing
   * follows an end) or saw the same fill, size and price; the first event that says more replaces it.
   */
  private repeatsRecovered(order: Order): boolean {
    const seen = this.recoveredOrders.get(order.id);
    if (seen === undefined) return false;
    if (TERMINAL.has(seen.status ?? '')) return true;
    const same =
      seen.status === order.status &&
      seen.filled === order.filled &&
      seen.remaining === order.remaining &&
      seen.price === order.price;
    if (!same) this.recoveredOrders.delete(order.id);
    return same;
  }

  // ---- private streams: catching up after a drop ----

  /**
   * When a dropped socket stopped bringing news, in exchange time: its last frame (a silent socket is only declared
   * stale after a while), less options.ws.gapMargin for the clock difference with the exchange. REST rows from
   * before it that were already streamed are recognised by id.
   */
  private downSince(conn: Connection): number {
    const now = this.exchange.milliseconds();
    const last = this.lastFrame.get(conn);
    const silent = last === undefined ? 0 : Math.max(0, Date.now() - last);
    return now - silent - this.wsOption('gapMargin', 2000);
  }

  /**
   * Runs the catch-up of the private topics acknowledged again, once none of those that dropped is still waiting
   * for its acknowledgement (one open-orders call serves every symbol). Each acknowledged topic is caught up once.
   */
  private startCatchUp(): void {
    if (this.closed || this.caughtUp.size === 0) return;
    for (const t of this.topics.values()) {
      if (t.isPrivate && t.gapSince !== undefined && !this.caughtUp.has(t) && this.streams.isSubscribed(t.key)) return;
    }
    const batch = [...this.caughtUp];
    this.caughtUp.clear();
    const since = new Map<Topic, number>();
    for (const t of batch) {
      since.set(t, t.gapSince!);
      delete t.gapSince;
    }
    const orders = batch.filter((t) => t.kind === 'orders');
    if (orders.length > 0) void this.catchUpOrders(orders);
    for (const t of batch) if (t.kind === 'mytrades') void this.catchUpFills(t, since.get(t)!);
  }

  /** A topic that is still the one subscribed (not unwatched or closed while REST answered). */
  private current(topic: Topic): boolean {
    return !this.closed && this.topics.get(topic.key) === topic;
  }

  /** Orders of the watched symbols that changed in the gap, published per symbol as if streamed. */
  private async catchUpOrders(topics: Topic[]): Promise<void> {
    const symbols = new Set(topics.map((t) => t.market.symbol));
    const marks = new Map<Topic, number>();
    const latest = new Map<string, Order>();
    for (const t of topics) {
      const cache = this.ring(this.orderCaches, t.market.symbol);
      marks.set(t, cache.appended);
      for (const o of cache.toArray()) {
        latest.delete(o.id);
        latest.set(o.id, o);
      }
    }
    let changed: Order[];
    try {
      changed = await ordersChangedInGap({
        known: [...latest.values()],
        fetchOpenOrders: async () =>
          (await this.exchange.fetchOpenOrders()).filter((o) => o.symbol !== undefined && symbols.has(o.symbol)),
        fetchOrder: (o) => this.exchange.fetchOrder(o.id, o.symbol),
        maxLookups: this.wsOption('gapLookups', 50),
      });
    } catch (e) {
      this.catchUpFailed(topics, e);
      return;
    }
    for (const t of topics) {
      if (!this.current(t)) continue;
      const s = t.market.symbol;
      const cache = this.ring(this.orderCaches, s);
      // what the socket brought since the catch-up began is newer than the REST view
      const streamed = new Set(cache.newSince(marks.get(t)!).map((o) => o.id));
      const fresh = changed.filter((o) => o.symbol === s && !streamed.has(o.id));
      if (fresh.length === 0) continue;
      for (const found of fresh) {
        const o = completeFrom(found, latest.get(found.id));
        cache.push(o);
        this.recoveredOrders.delete(o.id);
        this.recoveredOrders.set(o.id, o);
      }
      this.trimRecovered();
      this.flush(`orders:${s}`, cache, true);
    }
  }

  /** The symbol's fills after the newest one held (or the drop), published as if streamed. */
  private async catchUpFills(topic: Topic, downSince: number): Promise<void> {
    const s = topic.market.symbol;
    const cache = this.ring(this.fillCaches, s);
    const mark = cache.appended;
    let trades: Trade[];
    try {
      trades = await tradesInGap(cache.toArray(), downSince, (since) =>
        this.exchange.fetchMyTrades(s, since, this.wsOption('gapTrades', 1000)),
      );
    } catch (e) {
      this.catchUpFailed([topic], e);
      return;
    }
    if (!this.current(topic)) return;
    const streamed = new Set(cache.newSince(mark).map((t) => t.id));
    const fresh = trades
      .filter((t) => t.id === undefined || !streamed.has(t.id))
      .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    if (fresh.length === 0) return;
    for (const t of fresh) {
      cache.push(t);
      if (t.id !== undefined) this.recoveredFills.add(`${s} ${t.id}`);
    }
    this.trimRecovered();
    this.flush(`mytrades:${s}`, cache, false);
  }

  /** Only the latest catch-ups matter for repeats on the socket: the oldest entries go past options.ws.orders. */
  private trimRecovered(): void {
    const cap = this.limits.orders;
    for (const id of this.recoveredOrders.keys()) {
      if (this.recoveredOrders.size <= cap) break;
      this.recoveredOrders.delete(id);
    }
    for (const k of this.recoveredFills) {
      if (this.recoveredFills.size <= cap) break;
      this.recoveredFills.delete(k);
    }
  }

  /** The stream goes on; the error is reported, and the watch calls waiting on it get it when it is typed. */
  private catchUpFailed(topics: Topic[], error: unknown): void {
    if (this.closed) return;
    this.onError(error);
    if (!(error instanceof BaseError)) return;
    for (const t of topics) if (this.current(t)) for (const hash of this.hashesOf(t)) this.streams.reject(hash, error);
  }

  /** Resolves `hash` with what its cache took since the last resolution (one entry per id where asked). */
  private flush<T extends { id?: string | undefined }>(hash: string, cache: RingCache<T>, latestPerId: boolean): void {
    if (!this.streams.hasWaiters(hash)) return;
    let fresh = cache.newSince(this.cursors.get(hash) ?? cache.appended - 1);
    this.cursors.set(hash, cache.appended);
    if (fresh.length === 0) return;
    if (latestPerId) {
      fresh = onePerId(fresh);
    }
    this.streams.resolve(hash, fresh);
  }
}
