/**
 * Binance streams against a local websocket server that speaks the documented protocol (SUBSCRIBE with acks, combined
 * stream wrapping, diff depth with U/u ids, the user data stream) and a local REST answering through the injected
 * fetch. Order books are checked against a plain Map-based book that plays the exchange's part: it applies every
 * update, produces the events (several update ids folded into one event, as Binance does) and the REST snapshots.
 */
import { createHmac, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import {
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BadSymbol,
  ExchangeClosedByUser,
  UnsubscribeError,
} from '../../src/core/errors.js';
import type { OrderBook, Trade } from '../../src/core/types.js';
import { binance } from '../../src/exchanges/binance/binance.js';
import { LocalOrderBook } from '../../src/ws/orderbook.js';

const FIXTURES = new URL('../../src/exchanges/binance/fixtures/', import.meta.url);
const markets = JSON.parse(readFileSync(new URL('markets/binance.json', FIXTURES), 'utf8')) as Record<string, never>;

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------------------
// the exchange's side

interface Client {
  socket: ServerSocket;
  path: string;
  streams: Set<string>;
  /** WebSocket API: the user data subscription this socket holds. */
  subscriptionId?: number | undefined;
}

interface Received {
  path: string;
  at: number;
  msg: Json;
}

class FakeBinance {
  clients: Client[] = [];
  received: Received[] = [];
  /** Streams the server refuses; a SUBSCRIBE naming one of them is refused whole. */
  refuse = new Map<string, { code: number; msg: string }>();
  onSubscribe: (stream: string, client: Client) => void = () => undefined;
  /** WebSocket API: how signed requests are checked (HMAC-SHA256 of the sorted params by default). */
  verify: (payload: string, signature: string) => boolean = (payload, signature) =>
    createHmac('sha256', 'test-secret').update(payload).digest('hex') === signature;
  /** WebSocket API: the answer to every userDataStream.subscribe.signature, when set. */
  refuseUser: { status: number; error: Json } | undefined;
  private subscriptions = 0;

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (socket, req) => {
      const client: Client = { socket, path: req.url ?? '/', streams: new Set() };
      this.clients.push(client);
      socket.on('message', (raw) => this.onMessage(client, JSON.parse(raw.toString()) as Json));
    });
  }

  static async start(): Promise<FakeBinance> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    return new FakeBinance(wss, `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  }

  private onMessage(client: Client, msg: Json): void {
    this.received.push({ path: client.path, at: Date.now(), msg });
    if (client.path.startsWith('/ws-api')) {
      this.onApiRequest(client, msg);
      return;
    }
    const params = (msg['params'] ?? []) as string[];
    if (msg['method'] === 'SUBSCRIBE') {
      const refused = params.map((p) => this.refuse.get(p)).find((r) => r !== undefined);
      if (refused !== undefined) {
        client.socket.send(JSON.stringify({ ...refused, id: msg['id'] }));
        return;
      }
      for (const p of params) client.streams.add(p);
      client.socket.send(JSON.stringify({ result: null, id: msg['id'] }));
      for (const p of params) this.onSubscribe(p, client);
    } else if (msg['method'] === 'UNSUBSCRIBE') {
      for (const p of params) client.streams.delete(p);
      client.socket.send(JSON.stringify({ result: null, id: msg['id'] }));
    }
  }

  /** The WebSocket API (websocket-api/user-data-stream-requests): signed subscription, unsubscribe. */
  private onApiRequest(client: Client, msg: Json): void {
    const reply = (body: Json): void => client.socket.send(JSON.stringify({ id: msg['id'], ...body }));
    const params = (msg['params'] ?? {}) as Json;
    if (msg['method'] === 'userDataStream.subscribe.signature') {
      const { signature, ...signed } = params;
      const payload = Object.keys(signed)
        .sort()
        .map((k) => `${k}=${String(signed[k])}`)
        .join('&');
      if (this.refuseUser !== undefined) reply(this.refuseUser);
      else if (signed['apiKey'] !== 'test-api-key' || !this.verify(payload, String(signature))) {
        reply({ status: 400, error: { code: -1022, msg: 'Signature for this request is not valid.' } });
      } else {
        client.subscriptionId = this.subscriptions++;
        reply({ status: 200, result: { subscriptionId: client.subscriptionId } });
      }
    } else if (msg['method'] === 'userDataStream.unsubscribe') {
      client.subscriptionId = undefined;
      reply({ status: 200, result: {} });
    }
  }

  /** Sends a user data event to every WebSocket API socket with a subscription, wrapped as the API does. */
  emitUser(event: Json): void {
    for (const c of this.clients) {
      if (c.subscriptionId === undefined || c.socket.readyState !== c.socket.OPEN) continue;
      c.socket.send(JSON.stringify({ subscriptionId: c.subscriptionId, event }));
    }
  }

  /** Ends every WebSocket API user data subscription with eventStreamTerminated. */
  terminateUser(): void {
    for (const c of this.clients) {
      if (c.subscriptionId === undefined) continue;
      c.socket.send(JSON.stringify({ subscriptionId: c.subscriptionId, event: { e: 'eventStreamTerminated', E: 1 } }));
      c.subscriptionId = undefined;
    }
  }

  /** WebSocket API user data subscriptions asked for, and the ones granted. */
  userSubscribes(): Json[] {
    return this.received.filter((r) => r.msg['method'] === 'userDataStream.subscribe.signature').map((r) => r.msg);
  }

  /** Sends an event to every socket subscribed to `stream` (wrapped on the combined endpoint). */
  emit(stream: string, payload: unknown): void {
    for (const c of this.clients) {
      if (!c.streams.has(stream) || c.socket.readyState !== c.socket.OPEN) continue;
      c.socket.send(JSON.stringify(c.path.startsWith('/stream') ? { stream, data: payload } : payload));
    }
  }

  subscribes(path?: string): string[][] {
    return this.received
      .filter((r) => r.msg['method'] === 'SUBSCRIBE' && (path === undefined || r.path === path))
      .map((r) => r.msg['params'] as string[]);
  }

  live(): Client[] {
    return this.clients.filter((c) => c.socket.readyState === c.socket.OPEN);
  }

  close(): Promise<void> {
    return new Promise<void>((r) => {
      for (const c of this.wss.clients) c.terminate();
      this.wss.close(() => r());
    });
  }
}

type Side = 'b' | 'a';

/** The exchange's book: every update id changes one level; events fold several ids; snapshots come from history. */
class TrueBook {
  id: number;
  private bids = new Map<string, string>();
  private asks = new Map<string, string>();
  private readonly history = new Map<number, { bids: Map<string, string>; asks: Map<string, string> }>();

  constructor(
    readonly marketId: string,
    id: number,
    bids: [string, string][],
    asks: [string, string][],
  ) {
    this.id = id;
    for (const [p, q] of bids) this.bids.set(p, q);
    for (const [p, q] of asks) this.asks.set(p, q);
    this.save();
  }

  private save(): void {
    this.history.set(this.id, { bids: new Map(this.bids), asks: new Map(this.asks) });
  }

  /** Applies the changes (one update id each) and returns the diff-depth event Binance would send for them. */
  next(changes: [Side, string, string][], E = 1_700_000_000_000 + this.id): Json {
    const U = this.id + 1;
    const folded = { b: new Map<string, string>(), a: new Map<string, string>() };
    for (const [side, price, qty] of changes) {
      const book = side === 'b' ? this.bids : this.asks;
      if (Number(qty) === 0) book.delete(price);
      else book.set(price, qty);
      folded[side].set(price, qty);
      this.id++;
      this.save();
    }
    return { e: 'depthUpdate', E, s: this.marketId, U, u: this.id, b: [...folded.b], a: [...folded.a] };
  }

  /** GET api/v3/depth as of update id `at`. */
  snapshot(at = this.id): Json {
    const state = this.history.get(at)!;
    return {
      lastUpdateId: at,
      bids: [...state.bids].sort((x, y) => Number(y[0]) - Number(x[0])),
      asks: [...state.asks].sort((x, y) => Number(x[0]) - Number(y[0])),
    };
  }

  levels(at: number): { bids: number[][]; asks: number[][] } {
    const state = this.history.get(at);
    if (state === undefined) throw new Error(`no exchange book at update id ${at}`);
    const side = (m: Map<string, string>, desc: boolean): number[][] =>
      [...m].map(([p, q]) => [Number(p), Number(q)]).sort((x, y) => (desc ? y[0]! - x[0]! : x[0]! - y[0]!));
    return { bids: side(state.bids, true), asks: side(state.asks, false) };
  }
}

function expectExchangeBook(book: OrderBook, truth: TrueBook): void {
  expect(book.nonce).toBeDefined();
  const ref = truth.levels(book.nonce!);
  expect(book.bids).toEqual(ref.bids);
  expect(book.asks).toEqual(ref.asks);
}

interface RestCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}

const ACCOUNT_PATHS = new Set(['/api/v3/openOrders', '/api/v3/order', '/api/v3/myTrades']);

/** The REST side, answered through the injected fetch. */
class FakeRest {
  calls: RestCall[] = [];
  books: Record<string, TrueBook> = {};
  /** Update id each depth snapshot is taken at (default: the latest), in turn. */
  snapshotAt: (number | undefined)[] = [];
  /** Depth answers wait for this while set. */
  depthGate: Promise<void> | undefined;
  /** Failed depth answers, given before any snapshot. */
  depthErrors: { status: number; body: Json }[] = [];
  listenKeys = ['pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1'];
  putError: Json | undefined;
  account: Json = { updateTime: 0, balances: [] };
  /** GET api/v3/openOrders (all symbols, or the one asked for). */
  openOrders: Json[] = [];
  /** GET api/v3/order by orderId; an unknown id answers -2013. */
  orders: Record<string, Json> = {};
  /** GET api/v3/myTrades (by symbol, from startTime). */
  myTrades: Json[] = [];
  /** Paths that answer with this error instead. */
  failures: Record<string, { status: number; body: Json }> = {};
  /** Order, open-order and trade answers wait for this while set. */
  accountGate: Promise<void> | undefined;

  fetch = async (url: string, init: { method: string; headers?: Record<string, string> }): Promise<unknown> => {
    const u = new URL(url);
    const call: RestCall = {
      method: init.method,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: init.headers ?? {},
    };
    this.calls.push(call);
    let status = 200;
    let body: unknown = {};
    if (call.path === '/api/v3/depth') {
      await this.depthGate;
      const failure = this.depthErrors.shift();
      if (failure !== undefined) {
        status = failure.status;
        body = failure.body;
      } else body = this.books[call.query['symbol']!]!.snapshot(this.snapshotAt.shift());
    } else if (call.path === '/api/v3/userDataStream') {
      if (call.method === 'POST') body = { listenKey: this.listenKeys[0] };
      else if (call.method === 'PUT' && this.putError !== undefined) {
        status = 400;
        body = this.putError;
      }
    } else if (call.path === '/api/v3/account') body = this.account;
    else if (ACCOUNT_PATHS.has(call.path)) {
      await this.accountGate;
      const q = call.query;
      if (call.path === '/api/v3/openOrders') {
        body = this.openOrders.filter((o) => q['symbol'] === undefined || o['symbol'] === q['symbol']);
      } else if (call.path === '/api/v3/order') {
        const order = this.orders[q['orderId'] ?? ''];
        if (order === undefined) {
          status = 400;
          body = { code: -2013, msg: 'Order does not exist.' };
        } else body = order;
      } else {
        body = this.myTrades.filter(
          (t) => t['symbol'] === q['symbol'] && Number(t['time']) >= Number(q['startTime'] ?? 0),
        );
      }
    }
    const failure = this.failures[call.path];
    if (failure !== undefined) {
      status = failure.status;
      body = failure.body;
    }
    const text = JSON.stringify(body);
    return {
      status,
      statusText: status === 200 ? 'OK' : 'Error',
      headers: new Headers({ 'content-type': 'application/json' }),
      text: async () => text,
    };
  };

  /** REST calls a catch-up makes (open orders, single orders, account trades). */
  catchUpCalls(): RestCall[] {
    return this.calls.filter((c) => ACCOUNT_PATHS.has(c.path));
  }

  depthCalls(symbol?: string): RestCall[] {
    return this.calls.filter(
      (c) => c.path === '/api/v3/depth' && (symbol === undefined || c.query['symbol'] === symbol),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// helpers

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(): Promise<{ server: FakeBinance; rest: FakeRest }> {
  const server = await FakeBinance.start();
  cleanup.push(() => server.close());
  return { server, rest: new FakeRest() };
}

function make(server: FakeBinance, rest: FakeRest, ws: Json = {}, config: Json = {}): binance {
  const ex = new binance({
    apiKey: 'test-api-key',
    secret: 'test-secret',
    enableRateLimit: false,
    fetch: rest.fetch as never,
    urls: {
      ws: { public: `${server.url}/stream`, private: `${server.url}/ws`, api: `${server.url}/ws-api/v3` },
    } as never,
    options: {
      ws: { backoff: { initial: 10, max: 40, jitter: 0 }, pingInterval: 0, staleAfter: 0, subscribeRate: 100, ...ws },
    },
    ...config,
  });
  ex.setMarkets(markets);
  cleanup.push(() => ex.close());
  return ex;
}

async function until(cond: () => boolean, what = 'condition', timeout = 3000): Promise<void> {
  const end = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const btcBook = (): TrueBook =>
  new TrueBook(
    'BTCUSDT',
    100,
    [
      ['30000.00', '1.5'],
      ['29999.50', '2'],
      ['29998.00', '0.25'],
    ],
    [
      ['30001.00', '0.5'],
      ['30002.50', '3'],
    ],
  );
const bnbBook = (): TrueBook =>
  new TrueBook(
    'BNBUSDT',
    5000,
    [
      ['300.1', '10'],
      ['300.0', '4'],
    ],
    [['300.3', '7']],
  );

/** Sends the next update of `truth` on its depth stream and returns the event. */
function step(server: FakeBinance, truth: TrueBook, changes: [Side, string, string][]): Json {
  const ev = truth.next(changes);
  server.emit(`${truth.marketId.toLowerCase()}@depth@100ms`, ev);
  return ev;
}

// Documented payloads (developers.binance.com/docs/binance-spot-api-docs/web-socket-streams and user-data-stream),
// with symbols of the test markets.
const TICKER = {
  e: '24hrTicker',
  E: 1672515782136,
  s: 'BTCUSDT',
  p: '0.0015',
  P: '250.00',
  w: '0.0018',
  x: '0.0009',
  c: '0.0025',
  Q: '10',
  b: '0.0024',
  B: '10',
  a: '0.0026',
  A: '100',
  o: '0.0010',
  h: '0.0025',
  l: '0.0010',
  v: '10000',
  q: '18',
  O: 0,
  C: 86400000,
  F: 0,
  L: 18150,
  n: 18151,
};
const TRADE = {
  e: 'trade',
  E: 1672515782136,
  s: 'BTCUSDT',
  t: 12345,
  p: '0.001',
  q: '100',
  T: 1672515782136,
  m: true,
  M: true,
};
const KLINE = {
  e: 'kline',
  E: 1672515782136,
  s: 'BTCUSDT',
  k: {
    t: 1672515780000,
    T: 1672515839999,
    s: 'BTCUSDT',
    i: '1m',
    f: 100,
    L: 200,
    o: '0.0010',
    c: '0.0020',
    h: '0.0025',
    l: '0.0015',
    v: '1000',
    n: 100,
    x: false,
    q: '1.0000',
    V: '500',
    Q: '0.500',
    B: '123456',
  },
};
const EXECUTION_NEW = {
  e: 'executionReport',
  E: 1499405658658,
  s: 'ETHBTC',
  c: 'mUvoqJxFIILMdfAW5iGSOW',
  S: 'BUY',
  o: 'LIMIT',
  f: 'GTC',
  q: '1.00000000',
  p: '0.10264410',
  P: '0.00000000',
  F: '0.00000000',
  g: -1,
  C: '',
  x: 'NEW',
  X: 'NEW',
  r: 'NONE',
  i: 4293153,
  l: '0.00000000',
  z: '0.00000000',
  L: '0.00000000',
  n: '0',
  N: null,
  T: 1499405658657,
  t: -1,
  I: 8641984,
  w: true,
  m: false,
  M: false,
  O: 1499405658657,
  Z: '0.00000000',
  Y: '0.00000000',
  Q: '0.00000000',
  W: 1499405658657,
  V: 'NONE',
};
const fill = (t: number, qty: string, cum: string, cumQuote: string, fee: string, status: string): Json => ({
  ...EXECUTION_NEW,
  E: EXECUTION_NEW.E + t,
  T: EXECUTION_NEW.T + t,
  x: 'TRADE',
  X: status,
  l: qty,
  z: cum,
  L: '0.10264410',
  Y: (Number(qty) * 0.1026441).toFixed(8),
  Z: cumQuote,
  n: fee,
  N: 'BNB',
  t: 100 + t,
  I: 8641984 + t,
  m: t % 2 === 1,
});
const ACCOUNT_POSITION = {
  e: 'outboundAccountPosition',
  E: 1564034571105,
  u: 1564034571073,
  B: [{ a: 'ETH', f: '10000.000000', l: '0.000000' }],
};

/** GET api/v3/order of EXECUTION_NEW's order once it has filled (documented fields, the test market's symbol). */
const ORDER_FILLED: Json = {
  symbol: 'ETHBTC',
  orderId: 4293153,
  orderListId: -1,
  clientOrderId: 'mUvoqJxFIILMdfAW5iGSOW',
  price: '0.10264410',
  origQty: '1.00000000',
  executedQty: '1.00000000',
  cummulativeQuoteQty: '0.10264410',
  status: 'FILLED',
  timeInForce: 'GTC',
  type: 'LIMIT',
  side: 'BUY',
  stopPrice: '0.00000000',
  icebergQty: '0.00000000',
  time: 1499405658657,
  updateTime: 1499405700000,
  isWorking: true,
  workingTime: 1499405658657,
  origQuoteOrderQty: '0.00000000',
  selfTradePreventionMode: 'NONE',
};
/** GET api/v3/myTrades entry of that order. */
const myTrade = (id: number, time: number, qty = '1.00000000', commission = '0.00100000'): Json => ({
  symbol: 'ETHBTC',
  id,
  orderId: 4293153,
  orderListId: -1,
  price: '0.10264410',
  qty,
  quoteQty: (Number(qty) * 0.1026441).toFixed(8),
  commission,
  commissionAsset: 'BNB',
  time,
  isBuyer: true,
  isMaker: true,
  isBestMatch: true,
});

/** GET api/v3/order of another order of the test market, in the state given. */
const restOrder = (id: number, status: string, executedQty: string, extra: Json = {}): Json => ({
  ...ORDER_FILLED,
  orderId: id,
  clientOrderId: `order-${id}`,
  status,
  executedQty,
  cummulativeQuoteQty: (Number(executedQty) * 0.1026441).toFixed(8),
  ...extra,
});
/** GET api/v3/myTrades entry of another order. */
const fillOf = (order: number, id: number, time: number, qty = '1.00000000', commission = '0.00100000'): Json => ({
  ...myTrade(id, time, qty, commission),
  orderId: order,
});

/** `while (true) await watch()` in the background, as a user's loop: every answer and error kept, ends on close. */
function loop<T>(watch: () => Promise<T>): { batches: T[]; errors: unknown[] } {
  const out = { batches: [] as T[], errors: [] as unknown[] };
  void (async () => {
    while (out.errors.length < 10) {
      try {
        out.batches.push(await watch());
      } catch (e) {
        out.errors.push(e);
        if (e instanceof ExchangeClosedByUser || e instanceof UnsubscribeError) return;
      }
    }
  })();
  return out;
}

/** The account's side of the private stream: send an event, drop the socket, count the subscriptions. */
interface UserSide {
  emit(event: Json): void;
  drop(): void;
  subscribed(): number;
}

function listenKeySide(server: FakeBinance, rest: FakeRest): UserSide {
  return {
    emit: (event) => server.emit(rest.listenKeys[0]!, event),
    drop: () =>
      server
        .live()
        .find((c) => c.path === '/ws')
        ?.socket.terminate(),
    subscribed: () => server.subscribes('/ws').length,
  };
}

function apiSide(server: FakeBinance): UserSide {
  return {
    emit: (event) => server.emitUser(event),
    drop: () =>
      server
        .live()
        .find((c) => c.path.startsWith('/ws-api'))
        ?.socket.terminate(),
    subscribed: () => server.userSubscribes().length,
  };
}

const LISTEN_KEY = { userDataStream: 'listenKey' };
/** Both ways of opening the user data stream: the WebSocket API (default) and a listenKey. */
const USER_SIDES = [
  { name: 'WebSocket API', ws: {}, side: (server: FakeBinance, _rest: FakeRest) => apiSide(server) },
  { name: 'listenKey', ws: LISTEN_KEY, side: listenKeySide },
];

// ---------------------------------------------------------------------------------------------------------------------

describe('binance streams', () => {
  describe('order book', () => {
    it('args: limit; one full-book call does not make every later publication a full copy', async () => {
      const { server, rest } = await setup();
      const truth = (rest.books['BTCUSDT'] = btcBook());
      const ex = make(server, rest);
      const first = ex.watchOrderBook('BTC/USDT');
      await until(() => server.live()[0]?.streams.size === 1, 'the SUBSCRIBE');
      step(server, truth, [['b', '30000.00', '1.4']]);
      await first;
      const cuts: (number | undefined)[] = [];
      const snapshot = LocalOrderBook.prototype.snapshot;
      LocalOrderBook.prototype.snapshot = function (this: LocalOrderBook, limit?: number) {
        cuts.push(limit);
        return snapshot.call(this, limit);
      };
      try {
        for (let i = 0; i < 3; i++) {
          const next = ex.watchOrderBook('BTC/USDT', 1);
          step(server, truth, [['a', `3000${i + 2}.00`, '1']]);
          const book = await next;
          expect(book.bids).toHaveLength(1);
          expect(book.asks).toHaveLength(1);
        }
      } finally {
        LocalOrderBook.prototype.snapshot = snapshot;
      }
      expect(cuts).toEqual([1, 1, 1]);
    });

    it('default: the REST snapshot is bridged with the buffered diffs; the book is the exchange book', async () => {
      const { server, rest } = await setup();
      const truth = (rest.books['BTCUSDT'] = btcBook());
      let release!: () => void;
      rest.depthGate = new Promise<void>((r) => (release = r));
      const ex = make(server, rest);
      const first = ex.watchOrderBook('BTC/USDT');
      await until(() => rest.depthCalls().length === 1, 'the snapshot request');
      expect(server.subscribes('/stream')).toEqual([['btcusdt@depth@100ms']]);
      expect(rest.depthCalls()[0]!.query).toEqual({ symbol: 'BTCUSDT', limit: '1000' });
      // While the snapshot is under way the stream runs on: 101..103 (older than the snapshot), 104..106 (straddles).
      step(server, truth, [
        ['b', '30000.00', '1.4'],
        ['a', '30001.00', '0'],
        ['a', '30001.50', '2'],
      ]);
      step(server, truth, [
        ['b', '29999.50', '0'],
        ['b', '30000.50', '0.1'],
        ['a', '30002.50', '2.5'],
      ]);
      await sleep(30);
      rest.snapshotAt.push(104);
      release();
      const book = await first;
      expect(book.symbol).toBe('BTC/USDT');
      expect(book.nonce).toBe(106);
      expect(book.timestamp).toBe(1_700_000_000_103);
      expectExchangeBook(book, truth);
      const next = ex.watchOrderBook('BTC/USDT', 1);
      step(server, truth, [['b', '30000.75', '3']]);
      const top = await next;
      expect(top.bids).toEqual([[30000.75, 3]]);
      expect(top.asks).toEqual([[30001.5, 2]]);
      expect(rest.depthCalls()).toHaveLength(1);
    });

    it('behavior: a sequence gap resyncs that symbol alone; no watch resolves with a book from before the gap', async () => {
      const { server, rest } = await setup();
      const btc = (rest.books['BTCUSDT'] = btcBook());
      const bnb = (rest.books['BNBUSDT'] = bnbBook());
      const ex = make(server, rest);
      // A consumer that sees every book the library hands out.
      const seen: OrderBook[] = [];
      const consumer = (async () => {
        for await (const book of ex.stream('orderBook', 'BTC/USDT')) {
          seen.push(book);
          if (book.nonce === btc.id && seen.length > 1) break;
        }
      })();
      await until(() => seen.length === 1, 'the first BTC book');
      await ex.watchOrderBook('BNB/USDT');
      step(server, btc, [['b', '29999.00', '1']]);
      await until(() => seen.length === 2, 'a BTC update');
      const beforeGap = seen.at(-1)!.nonce!;
      const pending = ex.watchOrderBook('BTC/USDT');
      btc.next([['b', '30000.00', '0']]); // lost: the best bid goes away, the client never hears of it
      const afterGap = step(server, btc, [['a', '30001.00', '0.75']]);
      const book = await pending;
      expect(book.nonce).toBe(afterGap['u']);
      expect(book.nonce).toBeGreaterThan(beforeGap);
      expectExchangeBook(book, btc);
      expect(book.bids[0]).toEqual([29999.5, 2]);
      await consumer;
      // Every book handed out is the exchange's book at its update id, and ids only go forward.
      for (const b of seen) expectExchangeBook(b, btc);
      const nonces = seen.map((b) => b.nonce!);
      expect([...nonces].sort((x, y) => x - y)).toEqual(nonces);
      expect(new Set(nonces).size).toBe(nonces.length);
      // BTC fetched a second snapshot; BNB, on the same connection, was left alone and still flows.
      expect(rest.depthCalls('BTCUSDT')).toHaveLength(2);
      expect(rest.depthCalls('BNBUSDT')).toHaveLength(1);
      const nextBnb = ex.watchOrderBook('BNB/USDT');
      step(server, bnb, [['a', '300.4', '1']]);
      expectExchangeBook(await nextBnb, bnb);
      expect(
        server
          .subscribes()
          .flat()
          .filter((s) => s.startsWith('btcusdt')),
      ).toHaveLength(1);
    });

    it('behavior: a snapshot older than the buffered stream is asked for again', async () => {
      const { server, rest } = await setup();
      const truth = (rest.books['BTCUSDT'] = btcBook());
      let release!: () => void;
      rest.depthGate = new Promise<void>((r) => (release = r));
      const ex = make(server, rest);
      const first = ex.watchOrderBook('BTC/USDT');
      await until(() => rest.depthCalls().length === 1, 'the snapshot request');
      truth.next([['b', '29990.00', '1']]); // 101: before the stream reached the client
      step(server, truth, [['b', '29991.00', '1']]); // 102
      await sleep(20);
      rest.snapshotAt.push(100); // cannot be bridged to U = 102
      release();
      const book = await first;
      expect(rest.depthCalls()).toHaveLength(2);
      expect(book.nonce).toBe(102);
      expectExchangeBook(book, truth);
    });

    it('behavior: after a dropped connection the subscription is restored, a new snapshot taken and data flows', async () => {
      const { server, rest } = await setup();
      const truth = (rest.books['BTCUSDT'] = btcBook());
      const ex = make(server, rest);
      await ex.watchOrderBook('BTC/USDT');
      const pending = ex.watchOrderBook('BTC/USDT');
      server.live()[0]!.socket.terminate();
      // The exchange moves on while the client is away.
      truth.next([['b', '30000.00', '0']]);
      truth.next([['a', '30003.00', '1']]);
      const book = await pending;
      // The rebuilt book: the snapshot taken after the reconnect, never the book from before the drop.
      expect(book.nonce).toBe(102);
      expectExchangeBook(book, truth);
      expect(server.subscribes()).toEqual([['btcusdt@depth@100ms'], ['btcusdt@depth@100ms']]);
      expect(rest.depthCalls()).toHaveLength(2);
      const next = ex.watchOrderBook('BTC/USDT');
      step(server, truth, [['b', '29999.75', '4']]);
      const after = await next;
      expect(after.nonce).toBe(103);
      expectExchangeBook(after, truth);
      expect(server.clients).toHaveLength(2);
    });

    it('behavior: a silent connection is declared stale, replaced, and the book rebuilt', async () => {
      const { server, rest } = await setup();
      const truth = (rest.books['BTCUSDT'] = btcBook());
      const ex = make(server, rest, { staleAfter: 300, backoff: { initial: 60, max: 60, jitter: 0 } });
      const statuses = new Set<string>();
      await ex.watchOrderBook('BTC/USDT');
      const watcher = setInterval(() => {
        void ex.streamStatus().then((s) => {
          for (const v of Object.values(s)) statuses.add(v);
        });
      }, 5);
      cleanup.push(() => clearInterval(watcher));
      // The server keeps the socket open but sends nothing more; the exchange moves on meanwhile.
      const pending = ex.watchOrderBook('BTC/USDT');
      truth.next([['b', '29999.50', '2.5']]);
      const rebuilt = await pending;
      expect(server.clients).toHaveLength(2);
      expect(server.subscribes()).toHaveLength(2);
      expect(rebuilt.nonce).toBe(101);
      expectExchangeBook(rebuilt, truth);
      expect(server.clients[0]!.socket.readyState).not.toBe(server.clients[0]!.socket.OPEN);
      expect([...statuses]).toEqual(expect.arrayContaining(['connected', 'reconnecting']));
      const next = ex.watchOrderBook('BTC/USDT');
      step(server, truth, [['a', '30001.00', '0.2']]);
      const after = await next;
      expect(after.nonce).toBe(102);
      expectExchangeBook(after, truth);
    });

    it('behavior: a crossed book is not published; it resyncs from a new snapshot', async () => {
      const { server, rest } = await setup();
      const truth = (rest.books['BTCUSDT'] = btcBook());
      const ex = make(server, rest);
      await ex.watchOrderBook('BTC/USDT');
      const pending = ex.watchOrderBook('BTC/USDT');
      // A corrupted event, in sequence, whose bid lands above the best ask; the exchange's book never had it.
      server.emit('btcusdt@depth@100ms', {
        e: 'depthUpdate',
        E: 1,
        s: 'BTCUSDT',
        U: 101,
        u: 101,
        b: [['30005.00', '1']],
        a: [],
      });
      truth.next([['a', '30004.00', '1']]); // what 101 really was
      const book = await pending;
      expect(book.nonce).toBe(101);
      expectExchangeBook(book, truth);
      expect(rest.depthCalls()).toHaveLength(2);
    });

    it('behavior: a failing snapshot is retried with backoff; a refused one rejects the watch call and ends the stream', async () => {
      const { server, rest } = await setup();
      const truth = (rest.books['BTCUSDT'] = btcBook());
      rest.depthErrors.push({ status: 503, body: {} }, { status: 502, body: {} });
      const ex = make(server, rest);
      const book = await ex.watchOrderBook('BTC/USDT');
      expectExchangeBook(book, truth);
      const times = rest.calls.filter((c) => c.path === '/api/v3/depth');
      expect(times).toHaveLength(3);
      rest.books['BNBUSDT'] = bnbBook();
      rest.depthErrors.push({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
      await expect(ex.watchOrderBook('BNB/USDT')).rejects.toBeInstanceOf(BadSymbol);
      await until(() => server.received.some((r) => r.msg['method'] === 'UNSUBSCRIBE'), 'the UNSUBSCRIBE');
      expect(server.received.find((r) => r.msg['method'] === 'UNSUBSCRIBE')!.msg['params']).toEqual([
        'bnbusdt@depth@100ms',
      ]);
      // BTC goes on.
      const next = ex.watchOrderBook('BTC/USDT');
      step(server, truth, [['b', '29999.90', '1']]);
      expectExchangeBook(await next, truth);
    });

    it('args: the local book keeps the snapshot depth and answers each call at its limit', async () => {
      const { server, rest } = await setup();
      const truth = (rest.books['BTCUSDT'] = btcBook());
      const ex = make(server, rest, { orderBookLimit: 3, orderBookRate: 1000 });
      const [all, two] = await Promise.all([ex.watchOrderBook('BTC/USDT'), ex.watchOrderBook('BTC/USDT', 2)]);
      expect(server.subscribes()).toEqual([['btcusdt@depth']]);
      expect(rest.depthCalls()[0]!.query['limit']).toBe('3');
      expect(all.bids).toHaveLength(3);
      expect(two.bids).toHaveLength(2);
      expect(two.asks).toHaveLength(2);
      const next = ex.watchOrderBook('BTC/USDT');
      server.emit('btcusdt@depth', truth.next([['b', '30000.50', '1']]));
      // A fourth bid arrived: the book stays at three levels, the best ones.
      expect((await next).bids).toEqual([
        [30000.5, 1],
        [30000, 1.5],
        [29999.5, 2],
      ]);
    });
  });

  describe('subscriptions', () => {
    it('error: a refused stream rejects its own watch call with the typed error; the others carry on', async () => {
      const { server, rest } = await setup();
      server.refuse.set('bnbusdt@trade', { code: 2, msg: 'Invalid request: invalid stream' });
      const ex = make(server, rest);
      const btc = ex.watchTrades('BTC/USDT');
      const bnb = ex.watchTrades('BNB/USDT');
      await expect(bnb).rejects.toBeInstanceOf(BadRequest);
      await expect(bnb).rejects.toThrow(/invalid stream/);
      // One message for both, refused whole; then each alone.
      expect(server.subscribes()).toEqual([['btcusdt@trade', 'bnbusdt@trade'], ['btcusdt@trade'], ['bnbusdt@trade']]);
      server.emit('btcusdt@trade', TRADE);
      expect((await btc).map((t) => t.id)).toEqual(['12345']);
      // A later call for the refused stream asks again (and is refused again).
      await expect(ex.watchTrades('BNB/USDT')).rejects.toBeInstanceOf(BadRequest);
    });

    it('behavior: subscribes are merged into few messages, paced per connection', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, { subscribeRate: 5 });
      void ex.watchTicker('BTC/USDT').catch(() => undefined);
      void ex.watchTicker('BNB/USDT').catch(() => undefined);
      await until(() => server.subscribes().length >= 1, 'the first SUBSCRIBE');
      // Right after a SUBSCRIBE, new topics wait for the pace (5 a second: 200 ms apart) and then go together.
      void ex.watchTicker('ETH/BTC').catch(() => undefined);
      void ex.watchTrades('BTC/USDT').catch(() => undefined);
      await until(() => server.subscribes().length >= 2, 'the second SUBSCRIBE');
      await sleep(20);
      expect(server.subscribes()).toEqual([
        ['btcusdt@ticker', 'bnbusdt@ticker'],
        ['ethbtc@ticker', 'btcusdt@trade'],
      ]);
      const times = server.received.filter((r) => r.msg['method'] === 'SUBSCRIBE').map((r) => r.at);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(180);
      expect(server.clients).toHaveLength(1);
    });

    it('behavior: topics beyond the per-connection cap get another socket', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, { maxStreamsPerConnection: 2 });
      void ex.watchTicker('BTC/USDT').catch(() => undefined);
      void ex.watchTicker('BNB/USDT').catch(() => undefined);
      void ex.watchTicker('ETH/BTC').catch(() => undefined);
      await until(() => server.subscribes().length >= 2, 'two SUBSCRIBEs');
      expect(server.clients).toHaveLength(2);
      expect(server.clients.map((c) => [...c.streams])).toEqual([
        ['btcusdt@ticker', 'bnbusdt@ticker'],
        ['ethbtc@ticker'],
      ]);
      expect(Object.keys(await ex.streamStatus())).toEqual([`${server.url}/stream#0`, `${server.url}/stream#1`]);
    });

    it('behavior: stream() yields updates and unsubscribes on break', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      server.onSubscribe = (stream) => {
        if (stream === 'btcusdt@trade') setTimeout(() => server.emit(stream, TRADE), 5);
      };
      const ids: string[] = [];
      for await (const trades of ex.stream('trades', 'BTC/USDT')) {
        for (const t of trades as { id: string }[]) ids.push(t.id);
        if (ids.length === 1) setTimeout(() => server.emit('btcusdt@trade', { ...TRADE, t: 12346 }), 5);
        else break;
      }
      expect(ids).toEqual(['12345', '12346']);
      await until(() => server.received.some((r) => r.msg['method'] === 'UNSUBSCRIBE'), 'the UNSUBSCRIBE');
      expect(server.received.find((r) => r.msg['method'] === 'UNSUBSCRIBE')!.msg['params']).toEqual(['btcusdt@trade']);
      expect(server.live()).toHaveLength(1);
    });

    it('behavior: a stream() loop that ends keeps the topic while another call still waits on it', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      server.onSubscribe = (stream) => setTimeout(() => server.emit(stream, TRADE), 5);
      let other: Promise<Trade[]> | undefined;
      for await (const trades of ex.stream('trades', 'BTC/USDT')) {
        expect(trades).toHaveLength(1);
        other = ex.watchTrades('BTC/USDT');
        break;
      }
      await sleep(20);
      server.emit('btcusdt@trade', { ...TRADE, t: 2 });
      expect((await other!).map((t) => t.id)).toEqual(['2']);
      expect(server.received.filter((r) => r.msg['method'] === 'UNSUBSCRIBE')).toEqual([]);
    });

    it('behavior: two stream() loops on one topic: the first to end leaves the other flowing', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const a = ex.stream('trades', 'BTC/USDT');
      const b = ex.stream('trades', 'BTC/USDT');
      const first = Promise.all([a.next(), b.next()]);
      await until(() => server.live()[0]?.streams.has('btcusdt@trade') === true, 'the SUBSCRIBE');
      server.emit('btcusdt@trade', TRADE);
      await first;
      await a.return(undefined);
      // b is between calls now: nothing waits on the topic, and still it must stay
      await sleep(20);
      expect(server.received.filter((r) => r.msg['method'] === 'UNSUBSCRIBE')).toEqual([]);
      const next = b.next();
      server.emit('btcusdt@trade', { ...TRADE, t: 7 });
      expect(((await next).value as Trade[]).map((t) => t.id)).toContain('7');
      await b.return(undefined);
      await until(() => server.received.some((r) => r.msg['method'] === 'UNSUBSCRIBE'), 'the UNSUBSCRIBE');
    });

    it('behavior: a plain watch call pins its topic; a stream() loop ending does not unsubscribe it', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      server.onSubscribe = (stream) => setTimeout(() => server.emit(stream, TRADE), 5);
      await ex.watchTrades('BTC/USDT');
      const it = ex.stream('trades', 'BTC/USDT');
      const one = it.next();
      await sleep(5);
      server.emit('btcusdt@trade', { ...TRADE, t: 3 });
      expect(((await one).value as Trade[]).map((t) => t.id)).toContain('3');
      await it.return(undefined);
      await sleep(20);
      expect(server.received.filter((r) => r.msg['method'] === 'UNSUBSCRIBE')).toEqual([]);
    });

    it('unWatchOrderBook: sends UNSUBSCRIBE and a pending watch call rejects with UnsubscribeError', async () => {
      const { server, rest } = await setup();
      const truth = (rest.books['BTCUSDT'] = btcBook());
      const ex = make(server, rest);
      const first = ex.watchOrderBook('BTC/USDT');
      await until(() => server.live()[0]?.streams.size === 1, 'the SUBSCRIBE');
      step(server, truth, [['b', '30000.00', '1.4']]);
      await first;
      await sleep(30);
      const pending = ex.watchOrderBook('BTC/USDT');
      expect(ex.has['unWatchOrderBook']).toBe(true);
      expect(await ex.unWatchOrderBook('BTC/USDT')).toBe(true);
      await expect(pending).rejects.toBeInstanceOf(UnsubscribeError);
      await until(() => server.received.some((r) => r.msg['method'] === 'UNSUBSCRIBE'), 'the UNSUBSCRIBE');
      expect(server.received.find((r) => r.msg['method'] === 'UNSUBSCRIBE')!.msg['params']).toEqual([
        'btcusdt@depth@100ms',
      ]);
      expect(await ex.bookStatus()).toEqual({});
    });

    it('unWatchTicker: a symbol a watchTickers list still names keeps its ticker topic', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      void ex.watchTicker('BTC/USDT').catch(() => undefined);
      void ex.watchTickers(['BTC/USDT', 'BNB/USDT']).catch(() => undefined);
      await until(() => server.live()[0]?.streams.size === 2, 'both ticker streams');
      await ex.unWatchTicker('BTC/USDT');
      await sleep(20);
      expect(server.received.filter((r) => r.msg['method'] === 'UNSUBSCRIBE')).toEqual([]);
      await ex.unWatchTickers(['BNB/USDT', 'BTC/USDT']);
      await until(() => server.live()[0]!.streams.size === 0, 'both tickers unsubscribed');
    });

    it('watchTradesForSymbols: the next trades of either symbol; the one that did not win is the next answer', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      expect(ex.has['watchTradesForSymbols']).toBe('emulated');
      const first = ex.watchTradesForSymbols(['BTC/USDT', 'BNB/USDT']);
      await until(() => server.live()[0]?.streams.size === 2, 'both SUBSCRIBEs');
      server.emit('bnbusdt@trade', { ...TRADE, s: 'BNBUSDT', t: 1 });
      server.emit('btcusdt@trade', { ...TRADE, t: 2 });
      const a = await first;
      const b = await ex.watchTradesForSymbols(['BNB/USDT', 'BTC/USDT']);
      expect([...a, ...b].map((t) => [t.symbol, t.id])).toEqual([
        ['BNB/USDT', '1'],
        ['BTC/USDT', '2'],
      ]);
      await ex.unWatchTradesForSymbols(['BTC/USDT', 'BNB/USDT']);
      await until(() => server.live()[0]!.streams.size === 0, 'both UNSUBSCRIBEs');
    });

    it('watchOHLCVForSymbols: answers { symbol: { timeframe: candles } } for the pair that updated', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const next = ex.watchOHLCVForSymbols([
        ['BTC/USDT', '1m'],
        ['BNB/USDT', '1h'],
      ]);
      await until(() => server.live()[0]?.streams.size === 2, 'both SUBSCRIBEs');
      server.emit('bnbusdt@kline_1h', { ...KLINE, s: 'BNBUSDT', k: { ...KLINE.k, s: 'BNBUSDT', i: '1h' } });
      const got = await next;
      expect(Object.keys(got)).toEqual(['BNB/USDT']);
      expect(Object.keys(got['BNB/USDT']!)).toEqual(['1h']);
      expect(got['BNB/USDT']!['1h']!.length).toBeGreaterThan(0);
      await expect(ex.watchOrderBookForSymbols([])).rejects.toBeInstanceOf(ArgumentsRequired);
    });

    it('behavior: serverShutdown makes the client move to a new connection at once', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const first = ex.watchTrades('BTC/USDT');
      await until(() => server.subscribes().length === 1, 'the SUBSCRIBE');
      server.live()[0]!.socket.send(JSON.stringify({ e: 'serverShutdown', E: 1668148800000 }));
      await until(() => server.subscribes().length === 2, 'the SUBSCRIBE on a new connection');
      expect(server.live()).toHaveLength(1);
      server.emit('btcusdt@trade', TRADE);
      expect((await first).map((t) => t.id)).toEqual(['12345']);
    });

    it('args: sandbox mode streams from spec.urls.wsTest', async () => {
      const { server, rest } = await setup();
      const ex = make(
        server,
        rest,
        {},
        {
          sandbox: true,
          urls: {
            ws: { public: 'ws://127.0.0.1:9/unused', private: 'ws://127.0.0.1:9/unused' },
            wsTest: { public: `${server.url}/stream`, private: `${server.url}/ws` },
          },
        },
      );
      const pending = ex.watchTicker('BTC/USDT');
      await until(() => server.subscribes().length === 1, 'the SUBSCRIBE');
      server.emit('btcusdt@ticker', TICKER);
      expect((await pending).last).toBe(0.0025);
    });

    it('behavior: close() rejects pending calls, closes every socket and leaves no timers', async () => {
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const { server, rest } = await setup();
      rest.books['BTCUSDT'] = btcBook();
      const before = timers();
      const ex = make(server, rest, { pingInterval: 50, staleAfter: 1000, listenKeyRefresh: 60_000 });
      await ex.watchOrderBook('BTC/USDT');
      const book = ex.watchOrderBook('BTC/USDT');
      const orders = ex.watchOrders();
      const ticker = ex.watchTicker('BNB/USDT');
      await until(
        () => server.live().length === 2 && server.subscribes().length === 2 && server.userSubscribes().length === 1,
        'both sockets subscribed',
      );
      await ex.close();
      await expect(book).rejects.toBeInstanceOf(ExchangeClosedByUser);
      await expect(orders).rejects.toBeInstanceOf(ExchangeClosedByUser);
      await expect(ticker).rejects.toBeInstanceOf(ExchangeClosedByUser);
      await until(() => server.live().length === 0, 'the sockets closed');
      await sleep(20);
      expect(timers()).toBeLessThanOrEqual(before);
    });
  });

  describe('market data', () => {
    it('default: watchTicker reads the documented 24hrTicker event', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const pending = ex.watchTicker('BTC/USDT');
      await until(() => server.subscribes().length === 1, 'the SUBSCRIBE');
      expect(server.subscribes()).toEqual([['btcusdt@ticker']]);
      server.emit('btcusdt@ticker', TICKER);
      const t = await pending;
      expect(t).toMatchObject({
        symbol: 'BTC/USDT',
        timestamp: 86400000,
        datetime: '1970-01-02T00:00:00.000Z',
        last: 0.0025,
        close: 0.0025,
        open: 0.001,
        high: 0.0025,
        low: 0.001,
        bid: 0.0024,
        bidVolume: 10,
        ask: 0.0026,
        askVolume: 100,
        vwap: 0.0018,
        change: 0.0015,
        percentage: 250,
        previousClose: 0.0009,
        baseVolume: 10000,
        quoteVolume: 18,
      });
      expect(t.info).toEqual(TICKER);
    });

    it("behavior: watchTickers takes !ticker@arr without symbols and the symbols' streams with them", async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const all = ex.watchTickers();
      await until(() => server.subscribes().length === 1, 'the SUBSCRIBE');
      expect(server.subscribes()).toEqual([['!ticker@arr']]);
      server.emit('!ticker@arr', [TICKER, { ...TICKER, s: 'BNBUSDT', c: '310.5' }]);
      const tickers = await all;
      expect(Object.keys(tickers).sort()).toEqual(['BNB/USDT', 'BTC/USDT']);
      expect(tickers['BNB/USDT']!.last).toBe(310.5);
      const some = ex.watchTickers(['BNB/USDT', 'ETH/BTC']);
      await until(() => server.subscribes().length === 2, 'the second SUBSCRIBE');
      expect(server.subscribes()[1]).toEqual(['bnbusdt@ticker', 'ethbtc@ticker']);
      server.emit('ethbtc@ticker', { ...TICKER, s: 'ETHBTC', c: '0.05' });
      const got = await some;
      expect(Object.keys(got)).toEqual(['ETH/BTC']);
      expect(got['ETH/BTC']!.last).toBe(0.05);
    });

    it('behavior: watchTrades resolves with every trade since the previous call (newUpdates), at most limit', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const first = ex.watchTrades('BTC/USDT');
      await until(() => server.subscribes().length === 1, 'the SUBSCRIBE');
      server.emit('btcusdt@trade', TRADE);
      const [t] = await first;
      expect(t).toMatchObject({
        id: '12345',
        symbol: 'BTC/USDT',
        timestamp: 1672515782136,
        side: 'sell', // the buyer made the book: the taker sold
        price: 0.001,
        amount: 100,
        cost: 0.1,
      });
      expect(t!.info).toEqual(TRADE);
      server.emit('btcusdt@trade', { ...TRADE, t: 2, T: 2 });
      server.emit('btcusdt@trade', { ...TRADE, t: 3, T: 3, m: false });
      await sleep(30);
      const next = ex.watchTrades('BTC/USDT');
      const limited = ex.watchTrades('BTC/USDT', undefined, 2);
      server.emit('btcusdt@trade', { ...TRADE, t: 4, T: 4 });
      expect((await next).map((x) => x.id)).toEqual(['2', '3', '4']);
      expect((await limited).map((x) => x.id)).toEqual(['3', '4']);
    });

    it('default: watchOHLCV reads kline events and follows the open candle', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const first = ex.watchOHLCV('BTC/USDT', '1m');
      await until(() => server.subscribes().length === 1, 'the SUBSCRIBE');
      expect(server.subscribes()).toEqual([['btcusdt@kline_1m']]);
      server.emit('btcusdt@kline_1m', KLINE);
      expect(await first).toEqual([[1672515780000, 0.001, 0.0025, 0.0015, 0.002, 1000]]);
      const second = ex.watchOHLCV('BTC/USDT', '1m');
      server.emit('btcusdt@kline_1m', { ...KLINE, k: { ...KLINE.k, c: '0.0021', v: '1100' } });
      expect(await second).toEqual([[1672515780000, 0.001, 0.0025, 0.0015, 0.0021, 1100]]);
      server.emit('btcusdt@kline_1m', { ...KLINE, k: { ...KLINE.k, c: '0.0022', x: true } });
      server.emit('btcusdt@kline_1m', { ...KLINE, k: { ...KLINE.k, t: 1672515840000, o: '0.0022', c: '0.0023' } });
      await sleep(30);
      const third = ex.watchOHLCV('BTC/USDT', '1m');
      server.emit('btcusdt@kline_1m', { ...KLINE, k: { ...KLINE.k, t: 1672515840000, o: '0.0022', c: '0.0024' } });
      expect((await third).map((c) => [c[0], c[4]])).toEqual([
        [1672515780000, 0.0022],
        [1672515840000, 0.0024],
      ]);
    });
  });

  describe('user data stream', () => {
    it('default: the user data stream is a signed userDataStream.subscribe.signature on the WebSocket API; its wrapped events become orders and fills', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const orders = ex.watchOrders();
      await until(() => server.live().some((c) => c.subscriptionId !== undefined), 'the subscription');
      const [request] = server.userSubscribes();
      const params = request!['params'] as Json;
      // apiKey, recvWindow and timestamp, signed (HMAC-SHA256 of the sorted params) as REST requests are
      expect(Object.keys(params).sort()).toEqual(['apiKey', 'recvWindow', 'signature', 'timestamp']);
      expect(params['apiKey']).toBe('test-api-key');
      expect(Math.abs(Number(params['timestamp']) - Date.now())).toBeLessThan(5000);
      expect(server.live().map((c) => c.path)).toEqual(['/ws-api/v3']);
      expect(rest.calls.filter((c) => c.path === '/api/v3/userDataStream')).toEqual([]);
      server.emitUser(EXECUTION_NEW);
      expect((await orders).map((o) => [o.id, o.symbol, o.status])).toEqual([['4293153', 'ETH/BTC', 'open']]);
      const mine = ex.watchMyTrades('ETH/BTC');
      server.emitUser(fill(1, '0.40000000', '0.40000000', '0.04105764', '0.00040000', 'PARTIALLY_FILLED'));
      expect((await mine).map((t) => [t.id, t.order, t.amount, t.fee?.cost])).toEqual([
        ['101', '4293153', 0.4, 0.0004],
      ]);
    });

    it('error: a refused signature rejects the watch call with AuthenticationError; the next call subscribes afresh', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      server.verify = () => false;
      await expect(ex.watchOrders()).rejects.toBeInstanceOf(AuthenticationError);
      await expect(ex.watchBalance()).rejects.toBeInstanceOf(AuthenticationError);
      expect(server.userSubscribes()).toHaveLength(2);
      expect(rest.catchUpCalls()).toEqual([]);
      server.verify = () => true;
      const orders = ex.watchOrders();
      await until(() => server.live().some((c) => c.subscriptionId !== undefined), 'the subscription');
      server.emitUser(EXECUTION_NEW);
      expect((await orders).map((o) => o.id)).toEqual(['4293153']);
    });

    it('behavior: after serverShutdown the WebSocket API subscription moves to a new socket, signed afresh', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const first = ex.watchOrders();
      await until(() => server.userSubscribes().length === 1, 'the subscription');
      server.emitUser(EXECUTION_NEW);
      await first;
      const next = ex.watchOrders();
      server.live()[0]!.socket.send(JSON.stringify({ event: { e: 'serverShutdown', E: 1668148800000 } }));
      await until(() => server.userSubscribes().length === 2, 'the subscription on a new socket');
      const [before, after] = server.userSubscribes().map((m) => m['params'] as Json);
      expect(Number(after!['timestamp'])).toBeGreaterThan(Number(before!['timestamp']));
      expect(after!['signature']).not.toBe(before!['signature']);
      expect(server.live()).toHaveLength(1);
      await until(() => server.live()[0]!.subscriptionId === 1, 'the new subscription granted');
      server.emitUser({ ...EXECUTION_NEW, i: 7, c: 'after' });
      expect((await next).map((o) => o.id)).toEqual(['7']);
    });

    it('behavior: eventStreamTerminated of the live subscription subscribes again on the same socket and catches up', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const first = ex.watchOrders();
      await until(() => server.userSubscribes().length === 1, 'the subscription');
      server.emitUser(EXECUTION_NEW);
      await first;
      const next = ex.watchOrders();
      rest.orders['4293153'] = {
        ...ORDER_FILLED,
        status: 'CANCELED',
        executedQty: '0.00000000',
        cummulativeQuoteQty: '0.00000000',
      };
      server.terminateUser();
      const [closed] = await next;
      expect(closed).toMatchObject({ id: '4293153', status: 'canceled', filled: 0 });
      expect(server.userSubscribes()).toHaveLength(2);
      expect(server.clients).toHaveLength(1);
    });

    it('unWatchOrders: userDataStream.unsubscribe names the subscription; pending calls reject with UnsubscribeError', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const first = ex.watchOrders();
      await until(() => server.userSubscribes().length === 1, 'the subscription');
      server.emitUser(EXECUTION_NEW);
      await first;
      const pending = ex.watchOrders();
      expect(await ex.unWatchOrders()).toBe(true);
      await expect(pending).rejects.toBeInstanceOf(UnsubscribeError);
      await until(
        () => server.received.some((r) => r.msg['method'] === 'userDataStream.unsubscribe'),
        'the unsubscribe',
      );
      const unsubscribe = server.received.find((r) => r.msg['method'] === 'userDataStream.unsubscribe')!.msg;
      expect(unsubscribe['params']).toEqual({ subscriptionId: 0 });
    });

    it('args: an Ed25519 key signs the WebSocket API subscription (base64, as REST signs)', async () => {
      const { server, rest } = await setup();
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      server.verify = (payload, signature) =>
        verify(null, Buffer.from(payload), publicKey, Buffer.from(signature, 'base64'));
      const ex = make(server, rest, {}, { secret: pem });
      const orders = ex.watchOrders();
      await until(() => server.live().some((c) => c.subscriptionId !== undefined), 'the subscription');
      server.emitUser(EXECUTION_NEW);
      expect((await orders).map((o) => o.id)).toEqual(['4293153']);
    });

    it('args: userDataStream "listenKey": a listenKey from POST userDataStream; executionReports become orders and my trades', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, LISTEN_KEY);
      const orders = ex.watchOrders();
      await until(() => server.subscribes('/ws').length === 1, 'the user stream SUBSCRIBE');
      const post = rest.calls.find((c) => c.path === '/api/v3/userDataStream')!;
      expect(post.method).toBe('POST');
      expect(post.headers['X-MBX-APIKEY']).toBe('test-api-key');
      expect(server.subscribes('/ws')).toEqual([[rest.listenKeys[0]]]);
      server.emit(rest.listenKeys[0]!, EXECUTION_NEW);
      const [placed] = await orders;
      expect(placed).toMatchObject({
        id: '4293153',
        clientOrderId: 'mUvoqJxFIILMdfAW5iGSOW',
        symbol: 'ETH/BTC',
        type: 'limit',
        side: 'buy',
        timeInForce: 'GTC',
        status: 'open',
        price: 0.1026441,
        amount: 1,
        filled: 0,
        remaining: 1,
        timestamp: 1499405658657,
        trades: [],
      });
      const mine = ex.watchMyTrades('ETH/BTC');
      const next = ex.watchOrders('ETH/BTC');
      server.emit(
        rest.listenKeys[0]!,
        fill(1, '0.40000000', '0.40000000', '0.04105764', '0.00040000', 'PARTIALLY_FILLED'),
      );
      const [trade] = await mine;
      expect(trade).toMatchObject({
        id: '101',
        order: '4293153',
        symbol: 'ETH/BTC',
        type: 'limit',
        side: 'buy',
        takerOrMaker: 'maker',
        price: 0.1026441,
        amount: 0.4,
        cost: 0.04105764,
        fee: { cost: 0.0004, currency: 'BNB' },
        timestamp: 1499405658658,
      });
      const [partial] = await next;
      expect(partial).toMatchObject({ status: 'open', filled: 0.4, remaining: 0.6, cost: 0.04105764 });
      expect(partial!.fee).toEqual({ cost: 0.0004, currency: 'BNB' });
      const done = ex.watchOrders();
      server.emit(rest.listenKeys[0]!, fill(2, '0.60000000', '1.00000000', '0.10264410', '0.00060000', 'FILLED'));
      const [closed] = await done;
      expect(closed).toMatchObject({ status: 'closed', filled: 1, remaining: 0, cost: 0.1026441, average: 0.1026441 });
      expect(closed!.fees).toEqual([{ cost: 0.001, currency: 'BNB' }]); // 0.0004 + 0.0006, summed exactly
      expect(closed!.trades.map((t) => t.id)).toEqual(['101', '102']);
    });

    it('default: outboundAccountPosition updates the balance seeded from GET account', async () => {
      const { server, rest } = await setup();
      rest.account = {
        updateTime: 1564034571000,
        balances: [
          { asset: 'ETH', free: '9000.00000000', locked: '1000.00000000' },
          { asset: 'BTC', free: '0.50000000', locked: '0.00000000' },
        ],
      };
      const ex = make(server, rest);
      const pending = ex.watchBalance();
      await until(
        () => server.userSubscribes().length === 1 && rest.calls.some((c) => c.path === '/api/v3/account'),
        'the subscription and the snapshot',
      );
      await sleep(10);
      server.emitUser(ACCOUNT_POSITION);
      const balance = await pending;
      expect(balance['ETH']).toEqual({ free: 10000, used: 0, total: 10000 });
      expect(balance['BTC']).toEqual({ free: 0.5, used: 0, total: 0.5 });
      expect(balance.timestamp).toBe(1564034571105);
      expect(balance.info).toEqual(ACCOUNT_POSITION);
    });

    it('behavior: the listenKey is kept alive with PUT and replaced when it is gone', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, { ...LISTEN_KEY, listenKeyRefresh: 60 });
      const balance = ex.watchBalance();
      await until(() => rest.calls.some((c) => c.method === 'PUT'), 'a keepalive');
      const put = rest.calls.find((c) => c.method === 'PUT')!;
      expect(put.path).toBe('/api/v3/userDataStream');
      expect(put.query).toEqual({ listenKey: rest.listenKeys[0] });
      // Binance forgot the key: the next keepalive hears -1125 and a new key is subscribed on the same socket.
      rest.putError = { code: -1125, msg: 'This listenKey does not exist.' };
      rest.listenKeys.unshift('second-listen-key');
      await until(() => server.subscribes('/ws').length === 2, 'the new key subscribed');
      expect(server.subscribes('/ws')[1]).toEqual(['second-listen-key']);
      rest.putError = undefined;
      // listenKeyExpired: the same again.
      rest.listenKeys.unshift('third-listen-key');
      server.emit('second-listen-key', { e: 'listenKeyExpired', E: 1699596037418, listenKey: 'second-listen-key' });
      await until(() => server.subscribes('/ws').length === 3, 'the third key subscribed');
      expect(server.subscribes('/ws')[2]).toEqual(['third-listen-key']);
      expect(server.clients).toHaveLength(1);
      server.emit('third-listen-key', ACCOUNT_POSITION);
      expect((await balance)['ETH']).toEqual({ free: 10000, used: 0, total: 10000 });
    });

    it('error: without an API key the private streams throw AuthenticationError and open nothing', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, {}, { apiKey: undefined, secret: undefined });
      await expect(ex.watchBalance()).rejects.toBeInstanceOf(AuthenticationError);
      await expect(ex.watchMyTrades()).rejects.toBeInstanceOf(AuthenticationError);
      expect(server.clients).toHaveLength(0);
      expect(rest.calls).toEqual([]);
    });
  });

  describe.each(USER_SIDES)('catching up after the private socket was down ($name)', ({ ws, side }) => {
    it('behavior: an order filled while the private socket was down reaches watchOrders after the reconnect', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, ws);
      const user = side(server, rest);
      const orders = loop(() => ex.watchOrders());
      const trades = loop(() => ex.watchMyTrades());
      await until(() => user.subscribed() === 1, 'the user stream');
      user.emit(EXECUTION_NEW);
      await until(() => orders.batches.length === 1, 'the open order');
      expect(orders.batches[0]!.map((o) => o.status)).toEqual(['open']);
      // The first connect has nothing to catch up on.
      expect(rest.catchUpCalls()).toEqual([]);
      // While the socket is down the order fills; the stream will not replay it, REST knows.
      const downAt = Date.now();
      rest.orders['4293153'] = ORDER_FILLED;
      rest.myTrades = [myTrade(101, downAt + 1000)];
      user.drop();
      await until(() => orders.batches.length === 2 && trades.batches.length === 1, 'the caught-up order and fill');
      expect(orders.batches[1]).toHaveLength(1);
      const closed = orders.batches[1]![0]!;
      expect(closed).toMatchObject({ id: '4293153', symbol: 'ETH/BTC', status: 'closed', filled: 1, remaining: 0 });
      expect(closed.cost).toBe(0.1026441);
      expect(closed.fees).toEqual([{ cost: 0.001, currency: 'BNB' }]);
      expect(closed.trades.map((t) => t.id)).toEqual(['101']);
      expect(trades.batches[0]!.map((t) => [t.id, t.order, t.symbol, t.amount, t.type])).toEqual([
        ['101', '4293153', 'ETH/BTC', 1, 'limit'],
      ]);
      const asked = rest.catchUpCalls().map((c) => [c.path, c.query['symbol'], c.query['orderId']]);
      expect(asked).toEqual([
        ['/api/v3/openOrders', undefined, undefined],
        ['/api/v3/order', 'ETHBTC', '4293153'],
        ['/api/v3/myTrades', 'ETHBTC', undefined],
      ]);
      // The gap starts at the last frame the old socket heard.
      const startTime = Number(rest.catchUpCalls()[2]!.query['startTime']);
      expect(startTime).toBeLessThanOrEqual(downAt);
      expect(startTime).toBeGreaterThan(downAt - 3000);
      expect(rest.catchUpCalls()[2]!.query['limit']).toBe('1000');
      // The stream reports that fill after all: it merges, it is not published again.
      user.emit(fill(1, '1.00000000', '1.00000000', '0.10264410', '0.00100000', 'FILLED'));
      user.emit({ ...EXECUTION_NEW, i: 4293154, c: 'second' });
      await until(() => orders.batches.length === 3, 'the next order');
      expect(orders.batches[2]!.map((o) => o.id)).toEqual(['4293154']);
      await sleep(20);
      expect(trades.batches).toHaveLength(1);
      expect(orders.errors).toEqual([]);
    });

    it('behavior: a fill streamed after the reconnect, before the catch-up answers, is published once', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, ws);
      const user = side(server, rest);
      const orders = loop(() => ex.watchOrders('ETH/BTC'));
      const trades = loop(() => ex.watchMyTrades('ETH/BTC'));
      await until(() => user.subscribed() === 1, 'the user stream');
      user.emit(fill(1, '0.40000000', '0.40000000', '0.04105764', '0.00040000', 'PARTIALLY_FILLED'));
      await until(() => orders.batches.length === 1 && trades.batches.length === 1, 'the partial fill');
      let release!: () => void;
      rest.accountGate = new Promise<void>((r) => (release = r));
      rest.orders['4293153'] = ORDER_FILLED;
      rest.myTrades = [
        myTrade(101, Date.now() - 10_000, '0.40000000', '0.00040000'),
        myTrade(102, Date.now() + 1000, '0.60000000', '0.00060000'),
      ];
      user.drop();
      await until(() => user.subscribed() === 2 && rest.catchUpCalls().length > 0, 'the catch-up under way');
      // REST is slow: the rest of the order fills on the new socket first.
      user.emit(fill(2, '0.60000000', '1.00000000', '0.10264410', '0.00060000', 'FILLED'));
      await until(() => orders.batches.length === 2 && trades.batches.length === 2, 'the streamed fill');
      release();
      await until(() => rest.catchUpCalls().length === 3, 'the catch-up answered');
      await sleep(30);
      expect(orders.batches.map((b) => b.map((o) => [o.status, o.filled]))).toEqual([[['open', 0.4]], [['closed', 1]]]);
      expect(trades.batches.map((b) => b.map((t) => t.id))).toEqual([['101'], ['102']]);
      expect(rest.catchUpCalls().map((c) => [c.path, c.query['symbol']])).toEqual([
        ['/api/v3/openOrders', 'ETHBTC'],
        ['/api/v3/order', 'ETHBTC'],
        ['/api/v3/myTrades', 'ETHBTC'],
      ]);
    });

    it('behavior: a balance changed while the private socket was down is published after the reconnect', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, ws);
      const user = side(server, rest);
      const balances = loop(() => ex.watchBalance());
      await until(() => user.subscribed() === 1 && rest.calls.some((c) => c.path === '/api/v3/account'), 'the seed');
      user.emit(ACCOUNT_POSITION);
      await until(() => balances.batches.length === 1, 'the first balance');
      rest.account = {
        updateTime: ACCOUNT_POSITION.u + 10,
        balances: [{ asset: 'ETH', free: '9000.00000000', locked: '1000.00000000' }],
      };
      user.drop();
      await until(() => balances.batches.length === 2, 'the balance of the gap');
      expect(balances.batches[1]!['ETH']).toEqual({ free: 9000, used: 1000, total: 10000 });
      expect(rest.calls.filter((c) => c.path === '/api/v3/account')).toHaveLength(2);
    });

    it('behavior: no REST catch-up on the first connect, nor after a drop when no order or fill stream is watched', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, ws);
      const user = side(server, rest);
      const balance = ex.watchBalance();
      const trades = ex.watchTrades('BTC/USDT');
      await until(() => user.subscribed() === 1 && server.subscribes('/stream').length === 1, 'both streams');
      user.emit(ACCOUNT_POSITION);
      server.emit('btcusdt@trade', TRADE);
      await Promise.all([balance, trades]);
      for (const c of server.live()) c.socket.terminate();
      await until(() => user.subscribed() === 2 && server.subscribes('/stream').length === 2, 'both resubscribed');
      await sleep(30);
      expect(rest.catchUpCalls()).toEqual([]);
    });

    it('error: a failed catch-up rejects the waiting watchOrders call with the typed error; the stream goes on', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest, ws);
      const user = side(server, rest);
      const first = ex.watchOrders();
      await until(() => user.subscribed() === 1, 'the user stream');
      user.emit(EXECUTION_NEW);
      await first;
      rest.failures['/api/v3/openOrders'] = {
        status: 400,
        body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
      };
      const waiting = ex.watchOrders();
      user.drop();
      await expect(waiting).rejects.toBeInstanceOf(AuthenticationError);
      const next = ex.watchOrders();
      user.emit(fill(1, '0.40000000', '0.40000000', '0.04105764', '0.00040000', 'PARTIALLY_FILLED'));
      expect((await next).map((o) => o.filled)).toEqual([0.4]);
    });
  });

  describe('catching up: orders and fills only the gap saw', () => {
    it('behavior: orders placed while the socket was down, then filled or cancelled after fills, reach watchOrders with their fills', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const user = apiSide(server);
      const orders = loop(() => ex.watchOrders());
      const trades = loop(() => ex.watchMyTrades());
      await until(() => user.subscribed() === 1, 'the user stream');
      user.emit(EXECUTION_NEW);
      await until(() => orders.batches.length === 1, 'the open order');
      const downAt = Date.now();
      // 4293153 stays open; 4293154 is placed and filled, 4293155 placed, partly filled and cancelled: neither is
      // open after the gap, only their fills name them.
      rest.openOrders = [restOrder(4293153, 'NEW', '0.00000000', { clientOrderId: EXECUTION_NEW.c })];
      rest.orders['4293154'] = restOrder(4293154, 'FILLED', '1.00000000');
      rest.orders['4293155'] = restOrder(4293155, 'CANCELED', '0.30000000');
      rest.myTrades = [
        fillOf(4293154, 201, downAt + 1000),
        fillOf(4293155, 202, downAt + 2000, '0.30000000', '0.0003'),
      ];
      user.drop();
      await until(() => orders.batches.length === 2 && trades.batches.length === 1, 'the caught-up orders and fills');
      const caught = orders.batches[1]!.map((o) => [o.id, o.status, o.filled, o.fees, o.trades.map((t) => t.id)]);
      expect(caught.sort()).toEqual([
        ['4293154', 'closed', 1, [{ cost: 0.001, currency: 'BNB' }], ['201']],
        ['4293155', 'canceled', 0.3, [{ cost: 0.0003, currency: 'BNB' }], ['202']],
      ]);
      expect(trades.batches[0]!.map((t) => [t.id, t.order, t.type])).toEqual([
        ['201', '4293154', 'limit'],
        ['202', '4293155', 'limit'],
      ]);
      const lookups = rest.catchUpCalls().filter((c) => c.path === '/api/v3/order');
      expect(lookups.map((c) => [c.query['symbol'], c.query['orderId']]).sort()).toEqual([
        ['ETHBTC', '4293154'],
        ['ETHBTC', '4293155'],
      ]);
      // The stream then reports the second order's fill: it merges silently.
      user.emit({ ...fill(1, '1.00000000', '1.00000000', '0.10264410', '0.00100000', 'FILLED'), i: 4293154, t: 201 });
      user.emit({ ...EXECUTION_NEW, i: 4293156, c: 'next' });
      await until(() => orders.batches.length === 3, 'the next order');
      expect(orders.batches[2]!.map((o) => o.id)).toEqual(['4293156']);
      expect(trades.batches).toHaveLength(1);
    });

    it('behavior: watchOrders(symbol) alone looks for the gap fills of its symbol; orders they name are looked up at most 50, newest first', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const user = apiSide(server);
      const orders = loop(() => ex.watchOrders('ETH/BTC'));
      await until(() => user.subscribed() === 1, 'the user stream');
      user.emit(EXECUTION_NEW);
      await until(() => orders.batches.length === 1, 'the open order');
      const downAt = Date.now();
      rest.openOrders = [restOrder(4293153, 'NEW', '0.00000000', { clientOrderId: EXECUTION_NEW.c })];
      for (let i = 1; i <= 60; i++) {
        rest.orders[String(5000 + i)] = restOrder(5000 + i, 'FILLED', '1.00000000');
        rest.myTrades.push(fillOf(5000 + i, 300 + i, downAt + 1000 + i));
      }
      user.drop();
      await until(() => orders.batches.length === 2, 'the caught-up orders');
      const lookups = rest.catchUpCalls().filter((c) => c.path === '/api/v3/order');
      expect(lookups.map((c) => Number(c.query['orderId'])).sort()).toEqual(
        Array.from({ length: 50 }, (_, i) => 5011 + i),
      );
      expect(orders.batches[1]!.map((o) => o.status)).toEqual(Array(50).fill('closed'));
      expect(orders.batches[1]!.every((o) => o.fee?.cost === 0.001)).toBe(true);
      expect(rest.catchUpCalls().filter((c) => c.path === '/api/v3/myTrades')).toHaveLength(1);
    });

    it('behavior: with only watchOrders, an order that filled more while the socket was down gets its gap fills: fees and trades are whole', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const user = apiSide(server);
      const orders = loop(() => ex.watchOrders());
      await until(() => user.subscribed() === 1, 'the user stream');
      user.emit(fill(1, '0.40000000', '0.40000000', '0.04105764', '0.00040000', 'PARTIALLY_FILLED'));
      await until(() => orders.batches.length === 1, 'the partial fill');
      rest.orders['4293153'] = ORDER_FILLED;
      rest.myTrades = [
        myTrade(101, Date.now() - 10_000, '0.40000000', '0.00040000'),
        myTrade(102, Date.now() + 1000, '0.60000000', '0.00060000'),
      ];
      user.drop();
      await until(() => orders.batches.length === 2, 'the caught-up order');
      const [closed] = orders.batches[1]!;
      expect(closed).toMatchObject({ id: '4293153', status: 'closed', filled: 1 });
      expect(closed!.fees).toEqual([{ cost: 0.001, currency: 'BNB' }]); // 0.0004 streamed + 0.0006 of the gap
      expect(closed!.trades.map((t) => t.id)).toEqual(['101', '102']);
      expect(rest.catchUpCalls().map((c) => [c.path, c.query['symbol']])).toEqual([
        ['/api/v3/openOrders', undefined],
        ['/api/v3/order', 'ETHBTC'],
        ['/api/v3/myTrades', 'ETHBTC'],
      ]);
    });

    it('behavior: when the gap fills cannot be had, a caught-up order carries no fee rather than part of it', async () => {
      const { server, rest } = await setup();
      const ex = make(server, rest);
      const user = apiSide(server);
      const orders = loop(() => ex.watchOrders());
      const trades = loop(() => ex.watchMyTrades());
      await until(() => user.subscribed() === 1, 'the user stream');
      user.emit(fill(1, '0.40000000', '0.40000000', '0.04105764', '0.00040000', 'PARTIALLY_FILLED'));
      await until(() => orders.batches.length === 1 && trades.batches.length === 1, 'the partial fill');
      rest.orders['4293153'] = ORDER_FILLED;
      rest.failures['/api/v3/myTrades'] = { status: 503, body: { code: -1008, msg: 'Server is currently overloaded' } };
      user.drop();
      await until(() => orders.batches.length === 2, 'the caught-up order');
      const [closed] = orders.batches[1]!;
      expect(closed).toMatchObject({ id: '4293153', status: 'closed', filled: 1 });
      // 0.0004 is all that is known of the fee of 1 filled: it is not reported as the order's fee.
      expect(closed!.fees).toEqual([]);
      expect(closed!.fee?.cost).toBeUndefined();
      expect(closed!.trades.map((t) => t.id)).toEqual(['101']);
    });

    it('behavior: with watchMyTrades() and watchBalance, fills are looked for on the markets whose two assets moved in the gap', async () => {
      const { server, rest } = await setup();
      const balance = (eth: string, btc: string, bnb: string, usdtFree: string, usdtLocked: string): Json => ({
        updateTime: Date.now(),
        balances: [
          { asset: 'ETH', free: eth, locked: '0.00000000' },
          { asset: 'BTC', free: btc, locked: '0.00000000' },
          { asset: 'BNB', free: bnb, locked: '0.00000000' },
          { asset: 'USDT', free: usdtFree, locked: usdtLocked },
        ],
      });
      rest.account = balance('1.00000000', '1.00000000', '1.00000000', '100.00000000', '0.00000000');
      const ex = make(server, rest);
      const user = apiSide(server);
      const balances = loop(() => ex.watchBalance());
      const trades = loop(() => ex.watchMyTrades());
      await until(() => user.subscribed() === 1 && rest.calls.some((c) => c.path === '/api/v3/account'), 'the seed');
      await sleep(10);
      // No order is known. In the gap ETH/BTC fills (ETH, BTC and the BNB fee move); a USDT order is placed (free
      // becomes locked: the total stays, BTC/USDT and BNB/USDT are not asked about).
      rest.account = balance('2.00000000', '0.89735590', '0.99900000', '50.00000000', '50.00000000');
      rest.myTrades = [myTrade(101, Date.now() + 1000)];
      user.drop();
      await until(() => trades.batches.length === 1, 'the fill of the gap');
      expect(trades.batches[0]!.map((t) => [t.id, t.symbol, t.amount])).toEqual([['101', 'ETH/BTC', 1]]);
      expect(rest.catchUpCalls().map((c) => [c.path, c.query['symbol']])).toEqual([['/api/v3/myTrades', 'ETHBTC']]);
      await until(() => balances.batches.length === 1, 'the balance of the gap');
    });
  });
});
