/**
 * Kraken websocket v2 against a local server that replays the documented message formats
 * (https://docs.kraken.com/api/docs/websocket-v2/): acknowledgements, snapshots, updates with CRC32 checksums,
 * lost updates, bad checksums, dropped and silent connections, subscription errors, private channels.
 * The books the library holds are compared with a plain Map-based book kept here from the same levels, whose
 * checksum uses node:zlib's CRC32 (not the library's).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import {
  ArgumentsRequired,
  BadSymbol,
  ChecksumError,
  DDoSProtection,
  ExchangeClosedByUser,
  NotSupported,
  PermissionDenied,
} from '../../src/core/errors.js';
import { kraken } from '../../src/exchanges/kraken/kraken.js';

const SHARED = new URL('../../../shared/conformance/', import.meta.url);
const markets = JSON.parse(readFileSync(new URL('markets/kraken.json', SHARED), 'utf8')) as Record<string, never>;
const currencies = JSON.parse(readFileSync(new URL('currencies/kraken.json', SHARED), 'utf8')) as Record<string, never>;

type Msg = Record<string, any>;
type Level = [number, number];

const T = '2023-10-06T17:35:55.219022Z';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
}

// ---- the exchange's side of a book: a Map per side, trimmed to the depth, checksummed as the guide says ----

class TruthBook {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();

  constructor(
    readonly symbol: string,
    readonly depth: number,
    readonly priceDecimals: number,
    readonly qtyDecimals: number,
    bids: Level[] = [],
    asks: Level[] = [],
  ) {
    this.apply(bids, asks);
  }

  apply(bids: Level[], asks: Level[]): void {
    for (const [p, q] of bids)
      if (q === 0) this.bids.delete(p);
      else this.bids.set(p, q);
    for (const [p, q] of asks)
      if (q === 0) this.asks.delete(p);
      else this.asks.set(p, q);
    for (const side of ['bids', 'asks'] as const) {
      for (const [p] of this.sorted(side).slice(this.depth)) this[side].delete(p);
    }
  }

  sorted(side: 'bids' | 'asks'): Level[] {
    const levels = [...this[side].entries()];
    return levels.sort((a, b) => (side === 'bids' ? b[0] - a[0] : a[0] - b[0]));
  }

  checksum(): number {
    const part = (v: number, d: number): string => v.toFixed(d).replace('.', '').replace(/^0+/, '');
    let text = '';
    for (const side of ['asks', 'bids'] as const) {
      for (const [p, q] of this.sorted(side).slice(0, 10))
        text += part(p, this.priceDecimals) + part(q, this.qtyDecimals);
    }
    return crc32(text);
  }

  private frame(type: string, bids: Level[], asks: Level[], checksum: number): Msg {
    const levels = (ls: Level[]): Msg[] => ls.map(([price, qty]) => ({ price, qty }));
    const data: Msg = { symbol: this.symbol, bids: levels(bids), asks: levels(asks), checksum };
    if (type === 'update') data['timestamp'] = '2023-10-06T17:35:55.440295Z';
    return { channel: 'book', type, data: [data] };
  }

  snapshot(): Msg {
    return this.frame('snapshot', this.sorted('bids'), this.sorted('asks'), this.checksum());
  }

  /** Applies the changes and returns the update frame announcing them, checksum of the result included. */
  update(bids: Level[], asks: Level[] = []): Msg {
    this.apply(bids, asks);
    return this.frame('update', bids, asks, this.checksum());
  }
}

/** The library's view must equal the exchange's. */
function expectSame(book: { bids: unknown[]; asks: unknown[] }, truth: TruthBook): void {
  expect(book.bids).toEqual(truth.sorted('bids'));
  expect(book.asks).toEqual(truth.sorted('asks'));
}

// ---- a local Kraken v2 server ----

interface Peer {
  socket: ServerSocket;
  path: string;
  /** A silent peer answers nothing, pings included. */
  silent: boolean;
}

interface Venue {
  url: string;
  peers: Peer[];
  received: Msg[];
  send: (frame: unknown, path?: string) => void;
  close: () => Promise<void>;
}

type Handler = (msg: Msg, peer: Peer) => void;

function reply(peer: Peer, frame: unknown): void {
  if (peer.socket.readyState === WebSocket.OPEN) peer.socket.send(JSON.stringify(frame));
}

const ack = (msg: Msg, result: Msg): Msg => ({
  method: msg['method'],
  result,
  success: true,
  time_in: T,
  time_out: T,
  req_id: msg['req_id'],
});

async function venue(handler: Handler): Promise<Venue> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const v: Venue = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    peers: [],
    received: [],
    send: (frame, path = '/v2') => {
      for (const p of v.peers) if (p.path === path && !p.silent) reply(p, frame);
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (socket, req: IncomingMessage) => {
    const peer: Peer = { socket, path: req.url ?? '', silent: false };
    v.peers.push(peer);
    reply(peer, {
      channel: 'status',
      type: 'update',
      data: [{ api_version: 'v2', connection_id: 12893948494, system: 'online', version: '2.0.0' }],
    });
    socket.on('message', (d) => {
      const msg = JSON.parse(String(d)) as Msg;
      v.received.push({ ...msg, path: peer.path });
      if (peer.silent) return;
      if (msg['method'] === 'ping') reply(peer, { method: 'pong', req_id: msg['req_id'], time_in: T, time_out: T });
      else handler(msg, peer);
    });
  });
  cleanup.push(v.close);
  return v;
}

/** Answers book subscriptions with an acknowledgement and a snapshot of the symbol's truth. */
function bookHandler(truths: Map<string, TruthBook>, unsupported: string[] = []): Handler {
  return (msg, peer) => {
    const p = msg['params'] as Msg;
    if (p['channel'] !== 'book') return;
    for (const symbol of p['symbol'] as string[]) {
      if (msg['method'] === 'unsubscribe') {
        reply(peer, ack(msg, { channel: 'book', depth: p['depth'], symbol }));
      } else if (unsupported.includes(symbol)) {
        reply(peer, {
          error: `Currency pair not supported ${symbol}`,
          method: 'subscribe',
          success: false,
          symbol,
          time_in: T,
          time_out: T,
          req_id: msg['req_id'],
        });
      } else {
        reply(peer, ack(msg, { channel: 'book', depth: p['depth'], snapshot: true, symbol }));
        reply(peer, truths.get(symbol)!.snapshot());
      }
    }
  };
}

const subscribes = (v: Venue, channel: string, symbol?: string): Msg[] =>
  v.received.filter(
    (m) =>
      m['method'] === 'subscribe' &&
      m['params']?.['channel'] === channel &&
      (symbol === undefined || (m['params']['symbol'] as string[]).includes(symbol)),
  );

// ---- the exchange under test ----

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface TokenFetch {
  calls: string[];
  fetch: (url: string, init: { method: string; body?: string }) => Promise<unknown>;
}

/** REST for the private channels: GetWebSocketsToken answers tok-1, tok-2, ... */
function tokenFetch(): TokenFetch {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (url) => {
      calls.push(url);
      const body = { error: [], result: { token: `tok-${calls.length}`, expires: 900 } };
      return {
        status: 200,
        statusText: 'OK',
        headers: new Headers({ 'content-type': 'application/json' }),
        text: async () => JSON.stringify(body),
      };
    },
  };
}

interface RestFake extends TokenFetch {
  /** Private endpoints called, other than GetWebSocketsToken, with their form parameters. */
  posts: { endpoint: string; params: Record<string, string> }[];
}

/**
 * Kraken's private REST for the catch-up after a reconnect: GetWebSocketsToken answers tok-1, tok-2, ...; every
 * other endpoint answers what `answers` returns for its form parameters (a result, or `{ error: [...] }`).
 */
function restFake(answers: Record<string, (params: Record<string, string>) => Msg | Promise<Msg>>): RestFake {
  const calls: string[] = [];
  const posts: RestFake['posts'] = [];
  let tokens = 0;
  return {
    calls,
    posts,
    fetch: async (url, init) => {
      calls.push(url);
      const endpoint = url.slice(url.lastIndexOf('/') + 1);
      const params = Object.fromEntries(new URLSearchParams(init.body ?? ''));
      let body: Msg;
      if (endpoint === 'GetWebSocketsToken') body = { error: [], result: { token: `tok-${++tokens}`, expires: 900 } };
      else {
        posts.push({ endpoint, params });
        const answer = answers[endpoint];
        if (answer === undefined) throw new Error(`unexpected REST call ${endpoint}`);
        const out = await answer(params);
        body = 'error' in out ? out : { error: [], result: out };
      }
      return {
        status: 200,
        statusText: 'OK',
        headers: new Headers({ 'content-type': 'application/json' }),
        text: async () => JSON.stringify(body),
      };
    },
  };
}

/** The endpoints a REST fake was asked, in order. */
const endpoints = (rest: RestFake): string[] => rest.posts.map((p) => p.endpoint);

function make(v: Venue, ws: Msg = {}, rest: TokenFetch = tokenFetch()): kraken {
  const ex = new kraken({
    apiKey: 'key',
    secret: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0',
    enableRateLimit: false,
    fetch: rest.fetch as never,
    urls: { ws: { public: `${v.url}/v2`, private: `${v.url}/auth/v2` } },
    options: { ws: { backoff: { initial: 10, max: 50, jitter: 0 }, pingInterval: 0, staleAfter: 0, ...ws } },
  });
  ex.setMarkets(markets, currencies);
  cleanup.push(() => ex.close());
  return ex;
}

// ---- an account behind the private channels: executions snapshots and the REST that reports on it agree ----

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Orders and fills of one account on BTC/USD (limit buys of 0.01 at 26000), as the executions snapshot lists them
 * (open orders, the last 50 fills) and as REST reports them (QueryOrders, OpenOrders, TradesHistory). Each fill
 * costs a fee of 0.416 USD, charged in USD or (`feeIn` BTC) as 0.000016 BTC.
 */
class Account {
  readonly open = new Map<string, Msg>();
  readonly closed = new Map<string, Msg>();
  readonly fills: Msg[] = [];
  private tradeId = 62887600;

  constructor(readonly feeIn: 'USD' | 'BTC' = 'USD') {}

  private get feePerFill(): number {
    return this.feeIn === 'USD' ? 0.416 : 0.000016;
  }

  private fillsOf(orderId: string): Msg[] {
    return this.fills.filter((f) => f['order_id'] === orderId);
  }

  /** Places an order; returns its report (pending_new and new in one, as a snapshot lists it). */
  place(id: string, at = Date.now()): Msg {
    const order: Msg = {
      order_id: id,
      symbol: 'BTC/USD',
      order_qty: 0.01,
      cum_qty: 0,
      cum_cost: 0,
      time_in_force: 'GTC',
      exec_type: 'new',
      side: 'buy',
      order_type: 'limit',
      limit_price: 26000,
      order_status: 'new',
      fee_usd_equiv: 0,
      fee_ccy_pref: this.feeIn === 'USD' ? 'fciq' : 'fcib',
      timestamp: iso(at),
    };
    this.open.set(id, { ...order, opened: at });
    return order;
  }

  /** Fills `qty` of an open order at 26000; a filled order leaves the open list. Returns the fill report. */
  fill(orderId: string, execId: string, qty: number, at = Date.now()): Msg {
    const order = this.open.get(orderId)!;
    const cum = Math.round((order['cum_qty'] + qty) * 1e8) / 1e8;
    const done = cum >= order['order_qty'];
    const feeUsd = Math.round((this.fillsOf(orderId).length + 1) * 416) / 1000;
    Object.assign(order, {
      cum_qty: cum,
      cum_cost: cum * 26000,
      avg_price: 26000,
      order_status: done ? 'filled' : 'partially_filled',
      fee_usd_equiv: feeUsd,
      timestamp: iso(at),
    });
    const fill: Msg = {
      order_id: orderId,
      exec_id: execId,
      exec_type: 'trade',
      trade_id: ++this.tradeId,
      symbol: 'BTC/USD',
      side: 'buy',
      last_qty: qty,
      last_price: 26000,
      liquidity_ind: 'm',
      cost: qty * 26000,
      order_type: 'limit',
      timestamp: iso(at),
      order_status: order['order_status'],
      cum_qty: cum,
      cum_cost: cum * 26000,
      avg_price: 26000,
      fee_usd_equiv: feeUsd,
      fees: [{ asset: this.feeIn, qty: this.feePerFill }],
    };
    this.fills.push(fill);
    if (done) {
      this.open.delete(orderId);
      this.closed.set(orderId, { ...order, rest_status: 'closed', closed: at });
    }
    return fill;
  }

  cancel(orderId: string, at = Date.now()): void {
    const order = this.open.get(orderId)!;
    this.open.delete(orderId);
    this.closed.set(orderId, { ...order, order_status: 'canceled', rest_status: 'canceled', closed: at });
  }

  /** The executions snapshot for the subscription's parameters (none when it asks for neither part). */
  snapshot(params: Msg): Msg[] | undefined {
    const orders = params['snap_orders'] !== false;
    const trades = params['snap_trades'] === true;
    if (!orders && !trades) return undefined;
    const open = orders ? [...this.open.values()].map(({ opened: _o, ...o }) => o) : [];
    return [...open, ...(trades ? this.fills.slice(-50) : [])];
  }

  /** An order as QueryOrders and OpenOrders write it (with `trades`, the ids of its fills). */
  private restOrder(o: Msg, trades: boolean): Msg {
    const fills = this.fillsOf(o['order_id']);
    const out: Msg = {
      refid: null,
      userref: 0,
      status: o['rest_status'] ?? 'open',
      opentm: o['opened'] / 1000,
      starttm: 0,
      expiretm: 0,
      descr: {
        pair: 'XBTUSD',
        type: 'buy',
        ordertype: 'limit',
        price: '26000.0',
        price2: '0',
        leverage: 'none',
        order: 'buy 0.01000000 XBTUSD @ limit 26000.0',
        close: '',
      },
      vol: '0.01000000',
      vol_exec: o['cum_qty'].toFixed(8),
      cost: o['cum_cost'].toFixed(5),
      fee: (fills.length * this.feePerFill).toFixed(8),
      price: o['cum_qty'] > 0 ? '26000.0' : '0.00000',
      stopprice: '0.00000',
      limitprice: '0.00000',
      misc: '',
      oflags: this.feeIn === 'USD' ? 'fciq' : 'fcib',
    };
    if (o['closed'] !== undefined) out['closetm'] = o['closed'] / 1000;
    if (trades && fills.length > 0) out['trades'] = fills.map((f) => f['exec_id']);
    return out;
  }

  readonly rest = {
    QueryOrders: (p: Record<string, string>): Msg => {
      const out: Msg = {};
      for (const id of (p['txid'] ?? '').split(',')) {
        const o = this.open.get(id) ?? this.closed.get(id);
        if (o !== undefined) out[id] = this.restOrder(o, p['trades'] === 'true');
      }
      return out;
    },
    OpenOrders: (p: Record<string, string>): Msg => ({
      open: Object.fromEntries([...this.open].map(([id, o]) => [id, this.restOrder(o, p['trades'] === 'true')])),
    }),
    /** 50 fills a call, newest first, after `start` (seconds, exclusive); `ofs` skips that many of the newest. */
    TradesHistory: (p: Record<string, string>): Msg => {
      const start = Number(p['start'] ?? 0);
      const rows = this.fills.filter((f) => Date.parse(f['timestamp']) / 1000 > start).reverse();
      const ofs = Number(p['ofs'] ?? 0);
      const trades: Msg = {};
      for (const f of rows.slice(ofs, ofs + 50)) {
        trades[f['exec_id']] = {
          ordertxid: f['order_id'],
          postxid: 'TKH2SE-M7IF5-CFI7LT',
          pair: 'XXBTZUSD',
          time: Date.parse(f['timestamp']) / 1000,
          type: 'buy',
          ordertype: 'limit',
          price: '26000.0',
          cost: (f['last_qty'] * 26000).toFixed(5),
          fee: '0.41600',
          vol: f['last_qty'].toFixed(8),
          margin: '0.00000',
          misc: '',
          trade_id: f['trade_id'],
          maker: true,
        };
      }
      return { trades, count: rows.length };
    },
  };
}

/** A private server for `account`: executions answer with its snapshot, balances with `balance()` (if asked). */
function accountVenue(account: Account, balance: () => Msg[] = () => []): Promise<Venue> {
  return venue((msg, peer) => {
    const p = msg['params'] as Msg;
    if (msg['method'] === 'unsubscribe') {
      reply(peer, ack(msg, { channel: p['channel'] }));
      return;
    }
    if (msg['method'] !== 'subscribe') return;
    if (p['channel'] === 'executions') {
      reply(peer, ack(msg, { channel: 'executions', snap_orders: p['snap_orders'], snap_trades: p['snap_trades'] }));
      const data = account.snapshot(p);
      if (data !== undefined) reply(peer, { channel: 'executions', type: 'snapshot', sequence: 1, data });
    } else if (p['channel'] === 'balances') {
      const snapshot = p['snapshot'] !== false;
      reply(peer, ack(msg, { channel: 'balances', snapshot }));
      if (snapshot) reply(peer, { channel: 'balances', type: 'snapshot', sequence: 1, data: balance() });
    }
  });
}

/** Executions reports streamed on the private socket. */
const execUpdate = (v: Venue, data: Msg[]): void =>
  v.send({ channel: 'executions', type: 'update', sequence: 2, data }, '/auth/v2');

/** A BTC/USD book (price 1 decimal, quantity 8) of `n` levels a side around 45000. */
function btcBook(n = 10, depth = 10): TruthBook {
  const bids: Level[] = [];
  const asks: Level[] = [];
  for (let i = 0; i < n; i++) {
    bids.push([45000 - i * 0.5, (10 + i) / 100]);
    asks.push([45001 + i * 0.5, (20 + i) / 100]);
  }
  return new TruthBook('BTC/USD', depth, 1, 8, bids, asks);
}

// ---- tests ----

describe('kraken websocket v2', () => {
  describe('order book', () => {
    it('default: subscribes at depth 10 and holds the snapshot of the checksum guide (checksum 3310070434)', async () => {
      // https://docs.kraken.com/api/docs/guides/spot-ws-book-v2: on the wire these are JSON numbers
      const doc = new TruthBook(
        'BTC/USD',
        10,
        1,
        8,
        [
          [45283.5, 0.1],
          [45283.4, 1.54582015],
          [45282.1, 0.1],
          [45281.0, 0.1],
          [45280.3, 1.54592586],
          [45279.0, 0.0799],
          [45277.6, 0.03310103],
          [45277.5, 0.3],
          [45277.3, 1.54602737],
          [45276.6, 0.15445238],
        ],
        [
          [45285.2, 0.001],
          [45286.4, 1.54571953],
          [45286.6, 1.54571109],
          [45289.6, 1.54560911],
          [45290.2, 0.1589066],
          [45291.8, 1.54553491],
          [45294.7, 0.04454749],
          [45296.1, 0.3538],
          [45297.5, 0.09945542],
          [45299.5, 0.18772827],
        ],
      );
      expect(doc.checksum()).toBe(3310070434);
      const v = await venue(bookHandler(new Map([['BTC/USD', doc]])));
      const ex = make(v);
      const book = await ex.watchOrderBook('BTC/USD');
      expectSame(book, doc);
      expect(book.symbol).toBe('BTC/USD');
      expect(subscribes(v, 'book')).toEqual([
        {
          method: 'subscribe',
          params: { channel: 'book', symbol: ['BTC/USD'], depth: 10 },
          req_id: expect.any(Number),
          path: '/v2',
        },
      ]);
    });

    it('default: the guide example as strings (a string decoder) passes the checksum too', async () => {
      const v = await venue((msg, peer) => {
        if (msg['method'] !== 'subscribe') return;
        reply(peer, ack(msg, { channel: 'book', depth: 10, snapshot: true, symbol: 'BTC/USD' }));
        reply(peer, {
          channel: 'book',
          type: 'snapshot',
          data: [
            {
              symbol: 'BTC/USD',
              bids: [
                ['45283.5', '0.10000000'],
                ['45283.4', '1.54582015'],
                ['45282.1', '0.10000000'],
                ['45281.0', '0.10000000'],
                ['45280.3', '1.54592586'],
                ['45279.0', '0.07990000'],
                ['45277.6', '0.03310103'],
                ['45277.5', '0.30000000'],
                ['45277.3', '1.54602737'],
                ['45276.6', '0.15445238'],
              ].map(([price, qty]) => ({ price, qty })),
              asks: [
                ['45285.2', '0.00100000'],
                ['45286.4', '1.54571953'],
                ['45286.6', '1.54571109'],
                ['45289.6', '1.54560911'],
                ['45290.2', '0.15890660'],
                ['45291.8', '1.54553491'],
                ['45294.7', '0.04454749'],
                ['45296.1', '0.35380000'],
                ['45297.5', '0.09945542'],
                ['45299.5', '0.18772827'],
              ].map(([price, qty]) => ({ price, qty })),
              checksum: 3310070434,
            },
          ],
        });
      });
      const ex = make(v);
      const book = await ex.watchOrderBook('BTC/USD');
      expect(book.bids[0]).toEqual([45283.5, 0.1]);
      expect(book.asks[9]).toEqual([45299.5, 0.18772827]);
      expect(subscribes(v, 'book')).toHaveLength(1);
    });

    it('default: updates apply in order; levels pushed past the depth drop without a removal; limit slices', async () => {
      const truth = btcBook();
      const v = await venue(bookHandler(new Map([['BTC/USD', truth]])));
      const ex = make(v);
      const top5 = await ex.watchOrderBook('BTC/USD', 5);
      expect(top5.bids).toEqual(truth.sorted('bids').slice(0, 5));
      expect(top5.asks).toEqual(truth.sorted('asks').slice(0, 5));
      const updates: (() => Msg)[] = [
        // a new best bid pushes the 10th bid out of the book; Kraken sends no removal for it
        () => truth.update([[45000.2, 0.5]]),
        // one message may change a level twice: the last change wins
        () =>
          truth.update(
            [
              [45000, 0],
              [44999.5, 1.25],
              [44999.5, 1.5],
            ],
            [[45001, 0.03]],
          ),
        // a removal, and the level that moves up into the top 10 from deeper down
        () =>
          truth.update(
            [],
            [
              [45001.5, 0],
              [45006, 0.7],
            ],
          ),
      ];
      for (const u of updates) {
        const next = ex.watchOrderBook('BTC/USD');
        await sleep(5);
        v.send(u());
        expectSame(await next, truth);
      }
      const limited = ex.watchOrderBook('BTC/USD', 3);
      await sleep(5);
      v.send(truth.update([[44990, 2]]));
      const top = await limited;
      expect(top.bids).toEqual(truth.sorted('bids').slice(0, 3));
      expect(top.asks).toEqual(truth.sorted('asks').slice(0, 3));
      expect(top.timestamp).toBe(Date.parse('2023-10-06T17:35:55.440Z'));
      expect(subscribes(v, 'book')).toHaveLength(1);
    });

    it('behavior: a lost update fails the next checksum; that symbol alone resyncs and no watch sees the drifted book', async () => {
      const btc = btcBook();
      const eth = new TruthBook('ETH/USDT', 10, 2, 8, [[2000, 1]], [[2001, 1]]);
      const v = await venue(
        bookHandler(
          new Map([
            ['BTC/USD', btc],
            ['ETH/USDT', eth],
          ]),
        ),
      );
      const ex = make(v);
      await Promise.all([ex.watchOrderBook('BTC/USD'), ex.watchOrderBook('ETH/USDT')]);
      const seen: { bids: unknown[] }[] = [];
      const pending = ex.watchOrderBook('BTC/USD').then((b) => {
        seen.push(b);
        return b;
      });
      await sleep(5);
      btc.update([[45000, 0]]); // lost on the way: never sent
      const drifted = btc.update([[44995, 3]]);
      v.send(drifted);
      const book = await pending;
      // the rebuilt book, with the lost change: never the local book that missed it
      expectSame(book, btc);
      expect(book.bids).not.toContainEqual([45000, 0.1]);
      expect(seen).toHaveLength(1);
      await waitFor(() => subscribes(v, 'book', 'BTC/USD').length === 2);
      expect(v.received.filter((m) => m['method'] === 'unsubscribe')).toEqual([
        {
          method: 'unsubscribe',
          params: { channel: 'book', symbol: ['BTC/USD'], depth: 10 },
          req_id: expect.any(Number),
          path: '/v2',
        },
      ]);
      // the other symbol kept its subscription and keeps flowing
      const ethNext = ex.watchOrderBook('ETH/USDT');
      await sleep(5);
      v.send(eth.update([], [[2002, 4]]));
      expectSame(await ethNext, eth);
      expect(subscribes(v, 'book', 'ETH/USDT')).toHaveLength(1);
    });

    it('behavior: a checksum that does not match the book resyncs it', async () => {
      const truth = btcBook();
      const v = await venue(bookHandler(new Map([['BTC/USD', truth]])));
      const ex = make(v);
      await ex.watchOrderBook('BTC/USD');
      const next = ex.watchOrderBook('BTC/USD');
      await sleep(5);
      const frame = truth.update([[44999, 1]]);
      (frame['data'] as Msg[])[0]!['checksum'] = 12345;
      v.send(frame);
      expectSame(await next, truth);
      expect(subscribes(v, 'book', 'BTC/USD')).toHaveLength(2);
    });

    it('behavior: a crossed book is not published; it resyncs', async () => {
      const truth = btcBook();
      const v = await venue(bookHandler(new Map([['BTC/USD', truth]])));
      const ex = make(v);
      await ex.watchOrderBook('BTC/USD');
      const next = ex.watchOrderBook('BTC/USD');
      await sleep(5);
      v.send(truth.update([[45002, 1]])); // a bid above the best ask, checksum and all
      truth.apply([[45002, 0]], []); // the exchange's book is sane again by the time of the new snapshot
      const book = await next;
      expectSame(book, truth);
      expect(book.bids[0]![0]).toBeLessThan(book.asks[0]![0]);
      expect(subscribes(v, 'book', 'BTC/USD')).toHaveLength(2);
    });

    it('behavior: after a dropped connection the subscription is restored and data flows again', async () => {
      const truth = btcBook();
      const v = await venue(bookHandler(new Map([['BTC/USD', truth]])));
      const ex = make(v);
      await ex.watchOrderBook('BTC/USD');
      const next = ex.watchOrderBook('BTC/USD');
      v.peers[0]!.socket.terminate();
      truth.update([[44990, 7]]); // changed while the client was away
      expectSame(await next, truth);
      expect(v.peers).toHaveLength(2);
      expect(subscribes(v, 'book', 'BTC/USD')).toHaveLength(2);
      const after = ex.watchOrderBook('BTC/USD');
      await sleep(5);
      v.send(truth.update([], [[45001, 0]]));
      expectSame(await after, truth);
    });

    it('behavior: a server that goes silent is declared stale and replaced', async () => {
      const truth = btcBook();
      const books = bookHandler(new Map([['BTC/USD', truth]]));
      const v = await venue((msg, peer) => {
        books(msg, peer);
        // the first connection answers the subscription, then nothing more (not even pongs)
        if (v.peers.length === 1) peer.silent = true;
      });
      const ex = make(v, { pingInterval: 40, staleAfter: 250 });
      await ex.watchOrderBook('BTC/USD');
      const next = ex.watchOrderBook('BTC/USD');
      truth.update([[44980, 2]]);
      expectSame(await next, truth);
      expect(v.peers).toHaveLength(2);
      expect(v.received.some((m) => m['method'] === 'ping')).toBe(true);
      expect(Object.values(await ex.streamStatus())).toEqual(['connected']);
    });

    it('behavior: a later call for more levels subscribes again at a larger depth', async () => {
      const truth = btcBook(30, 25);
      const v = await venue(bookHandler(new Map([['BTC/USD', truth]])));
      const ex = make(v);
      const shallow = await ex.watchOrderBook('BTC/USD', 10);
      expect(shallow.bids).toEqual(truth.sorted('bids').slice(0, 10));
      const deep = await ex.watchOrderBook('BTC/USD', 20);
      expect(deep.bids).toEqual(truth.sorted('bids').slice(0, 20));
      expect(subscribes(v, 'book').map((m) => m['params']['depth'])).toEqual([10, 25]);
    });

    it('error: a subscription error rejects that watch with the mapped error; others are unaffected', async () => {
      const truth = btcBook();
      const v = await venue(bookHandler(new Map([['BTC/USD', truth]]), ['ADA/USDT']));
      const ex = make(v);
      await expect(ex.watchOrderBook('ADA/USDT')).rejects.toBeInstanceOf(BadSymbol);
      await expect(ex.watchOrderBook('ADA/USDT')).rejects.toThrow(/Currency pair not supported/);
      expect(subscribes(v, 'book', 'ADA/USDT')).toHaveLength(2); // forgotten after the error, asked again
      expectSame(await ex.watchOrderBook('BTC/USD'), truth);
    });

    it('error: snapshots that keep failing their own checksum end in a ChecksumError, not a resubscribe loop', async () => {
      const truth = btcBook();
      const v = await venue((msg, peer) => {
        if (msg['method'] !== 'subscribe') return;
        reply(peer, ack(msg, { channel: 'book', depth: 10, snapshot: true, symbol: 'BTC/USD' }));
        const frame = truth.snapshot();
        (frame['data'] as Msg[])[0]!['checksum'] = 1; // as if the pair's precision had changed
        reply(peer, frame);
      });
      const ex = make(v);
      await expect(ex.watchOrderBook('BTC/USD')).rejects.toBeInstanceOf(ChecksumError);
      expect(subscribes(v, 'book')).toHaveLength(3);
      // with verification off the same feed is usable
      const lenient = make(v, { checksum: false });
      expectSame(await lenient.watchOrderBook('BTC/USD'), truth);
    });

    it('error: unknown symbols and depths beyond 1000 fail before anything is sent', async () => {
      const v = await venue(() => undefined);
      const ex = make(v);
      await expect(ex.watchOrderBook('NOPE/USD')).rejects.toBeInstanceOf(BadSymbol);
      await expect(ex.watchOrderBook('BTC/USD', 5000)).rejects.toBeInstanceOf(NotSupported);
      expect(v.received).toEqual([]);
    });

    it('behavior: stream() yields books and unsubscribes on break; the connection stays', async () => {
      const truth = btcBook();
      const v = await venue(bookHandler(new Map([['BTC/USD', truth]])));
      const ex = make(v);
      let n = 0;
      for await (const book of ex.stream('orderBook', 'BTC/USD')) {
        expectSame(book as { bids: unknown[]; asks: unknown[] }, truth);
        if (++n === 1) v.send(truth.update([[44999.9, 1]]));
        if (n === 2) break;
      }
      await waitFor(() => v.received.some((m) => m['method'] === 'unsubscribe'));
      expect(v.received.find((m) => m['method'] === 'unsubscribe')!['params']).toEqual({
        channel: 'book',
        symbol: ['BTC/USD'],
        depth: 10,
      });
      expect(Object.values(await ex.streamStatus())).toEqual(['connected']);
    });

    it('behavior: application pings go out and pongs keep the connection alive; close() releases everything', async () => {
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      const truth = btcBook();
      const v = await venue(bookHandler(new Map([['BTC/USD', truth]])));
      const ex = make(v, { pingInterval: 30, staleAfter: 200 });
      await ex.watchOrderBook('BTC/USD');
      await waitFor(() => v.received.filter((m) => m['method'] === 'ping').length >= 3);
      expect(v.received.find((m) => m['method'] === 'ping')).toEqual({
        method: 'ping',
        req_id: expect.any(Number),
        path: '/v2',
      });
      expect(v.peers).toHaveLength(1); // pongs count as traffic: never stale
      const pending = ex.watchOrderBook('BTC/USD');
      await ex.close();
      await expect(pending).rejects.toBeInstanceOf(ExchangeClosedByUser);
      expect(timers()).toBeLessThanOrEqual(before);
      expect(await ex.streamStatus()).toEqual({});
      await waitFor(() => v.peers[0]!.socket.readyState === WebSocket.CLOSED);
      // no heartbeat timer and no reconnection left behind
      const pings = v.received.length;
      await sleep(100);
      expect(v.received).toHaveLength(pings);
      expect(v.peers).toHaveLength(1);
    });
  });

  describe('public channels', () => {
    it('default: watchTicker parses the documented ticker and subscribes with the v2 pair name', async () => {
      const v = await venue((msg, peer) => {
        if (msg['method'] !== 'subscribe') return;
        const symbol = (msg['params']['symbol'] as string[])[0]!;
        reply(peer, ack(msg, { channel: 'ticker', symbol, snapshot: true }));
        // the documented ALGO/USD snapshot, for a pair of the test markets
        reply(peer, {
          channel: 'ticker',
          type: 'snapshot',
          data: [
            {
              symbol,
              bid: 0.10025,
              bid_qty: 740.0,
              ask: 0.10036,
              ask_qty: 1361.44813783,
              last: 0.10035,
              volume: 997038.98383185,
              vwap: 0.10148,
              low: 0.09979,
              high: 0.10285,
              change: -0.00017,
              change_pct: -0.17,
              timestamp: '2023-09-25T09:04:31.742648Z',
            },
          ],
        });
      });
      const ex = make(v);
      const ticker = await ex.watchTicker('DOGE/USDT');
      // Kraken's v1 wsname is XDG/USDT; v2 names the asset DOGE
      expect(subscribes(v, 'ticker')[0]!['params']).toEqual({ channel: 'ticker', symbol: ['DOGE/USDT'] });
      expect(ticker).toMatchObject({
        symbol: 'DOGE/USDT',
        timestamp: 1695632671742,
        datetime: '2023-09-25T09:04:31.742Z',
        bid: 0.10025,
        bidVolume: 740,
        ask: 0.10036,
        askVolume: 1361.44813783,
        last: 0.10035,
        close: 0.10035,
        open: 0.10052,
        change: -0.00017,
        percentage: -0.17,
        high: 0.10285,
        low: 0.09979,
        vwap: 0.10148,
        baseVolume: 997038.98383185,
        quoteVolume: Number('101179.516079256138'), // volume x vwap, exactly
        average: 0.10043,
      });
    });

    it('default: watchTickers resolves with the ticker that changed', async () => {
      const v = await venue((msg, peer) => {
        if (msg['method'] === 'subscribe') {
          reply(peer, ack(msg, { channel: 'ticker', symbol: msg['params']['symbol'][0], snapshot: true }));
        }
      });
      const ex = make(v);
      await expect(ex.watchTickers()).rejects.toBeInstanceOf(ArgumentsRequired);
      const first = ex.watchTickers(['BTC/USD', 'XRP/USD']);
      await waitFor(() => subscribes(v, 'ticker').length === 2);
      const tick = (symbol: string, last: number): Msg => ({
        channel: 'ticker',
        type: 'update',
        data: [{ symbol, bid: last - 1, bid_qty: 1, ask: last + 1, ask_qty: 1, last, volume: 10, vwap: last }],
      });
      v.send(tick('BTC/USD', 45000));
      const a = await first;
      expect(Object.keys(a)).toEqual(['BTC/USD']);
      expect(a['BTC/USD']!.last).toBe(45000);
      const second = ex.watchTickers(['XRP/USD', 'BTC/USD']);
      await sleep(5);
      v.send(tick('XRP/USD', 0.5));
      expect(Object.keys(await second)).toEqual(['XRP/USD']);
      expect(subscribes(v, 'ticker')).toHaveLength(2);
    });

    it('default: watchTrades returns the trades since the previous call; a replayed snapshot is not repeated', async () => {
      const trade = (id: number, price: number): Msg => ({
        symbol: 'XRP/USD',
        side: id % 2 === 0 ? 'sell' : 'buy',
        price,
        qty: 40.0,
        ord_type: 'market',
        trade_id: id,
        timestamp: '2023-09-25T07:49:37.708706Z',
      });
      let history = [trade(4665905, 0.5116), trade(4665906, 0.5117)];
      const v = await venue((msg, peer) => {
        if (msg['method'] !== 'subscribe') return;
        reply(peer, ack(msg, { channel: 'trade', symbol: 'XRP/USD', snapshot: true }));
        reply(peer, { channel: 'trade', type: 'snapshot', data: history });
      });
      const ex = make(v);
      const first = await ex.watchTrades('XRP/USD');
      expect(first.map((t) => t.id)).toEqual(['4665905', '4665906']);
      expect(first[1]).toMatchObject({
        id: '4665906',
        symbol: 'XRP/USD',
        side: 'sell',
        type: 'market',
        price: 0.5117,
        amount: 40,
        cost: 20.468,
        timestamp: 1695628177708,
      });
      v.send({ channel: 'trade', type: 'update', data: [trade(4665907, 0.5118)] });
      await sleep(20); // arrives while nobody waits: kept for the next call
      const second = ex.watchTrades('XRP/USD');
      await sleep(5);
      v.send({ channel: 'trade', type: 'update', data: [trade(4665908, 0.5119)] });
      expect((await second).map((t) => t.id)).toEqual(['4665907', '4665908']);
      // after a reconnect the snapshot repeats trades already delivered
      history = [trade(4665907, 0.5118), trade(4665908, 0.5119), trade(4665909, 0.512)];
      const third = ex.watchTrades('XRP/USD');
      v.peers[0]!.socket.terminate();
      expect((await third).map((t) => t.id)).toEqual(['4665909']);
      expect(subscribes(v, 'trade')[0]!['params']).toEqual({ channel: 'trade', symbol: ['XRP/USD'] });
    });

    it('default: watchOHLCV parses the documented candles and then the running candle', async () => {
      const candle = (begin: string, high: number, close: number, volume: number): Msg => ({
        symbol: 'XRP/USD',
        open: 0.09875,
        high,
        low: 0.09875,
        close,
        trades: 13,
        volume,
        vwap: 0.09879,
        interval_begin: begin,
        interval: 5,
        timestamp: '2023-10-04T15:35:00.000000Z',
      });
      const v = await venue((msg, peer) => {
        if (msg['method'] !== 'subscribe') return;
        reply(peer, ack(msg, { channel: 'ohlc', symbol: 'XRP/USD', interval: 5, snapshot: true }));
        reply(peer, {
          channel: 'ohlc',
          type: 'snapshot',
          timestamp: '2023-10-04T16:26:01.806315597Z',
          data: [
            candle('2023-10-04T15:25:00.000000000Z', 0.09875, 0.09875, 201.86015),
            candle('2023-10-04T15:30:00.000000000Z', 0.0988, 0.09875, 16255.46368),
          ],
        });
      });
      const ex = make(v);
      const rows = await ex.watchOHLCV('XRP/USD', '5m');
      expect(subscribes(v, 'ohlc')[0]!['params']).toEqual({ channel: 'ohlc', symbol: ['XRP/USD'], interval: 5 });
      expect(rows).toEqual([
        [Date.UTC(2023, 9, 4, 15, 25), 0.09875, 0.09875, 0.09875, 0.09875, 201.86015],
        [Date.UTC(2023, 9, 4, 15, 30), 0.09875, 0.0988, 0.09875, 0.09875, 16255.46368],
      ]);
      const next = ex.watchOHLCV('XRP/USD', '5m');
      await sleep(5);
      v.send({
        channel: 'ohlc',
        type: 'update',
        data: [candle('2023-10-04T15:30:00.000000000Z', 0.0989, 0.0989, 16300)],
      });
      expect(await next).toEqual([[Date.UTC(2023, 9, 4, 15, 30), 0.09875, 0.0989, 0.09875, 0.0989, 16300]]);
    });
  });

  describe('private channels', () => {
    it('default: watchBalance subscribes with a REST token, applies the snapshot then ledger updates', async () => {
      const v = await venue((msg, peer) => {
        if (msg['method'] !== 'subscribe') return;
        reply(peer, ack(msg, { channel: 'balances', snapshot: true }));
        reply(peer, {
          channel: 'balances',
          type: 'snapshot',
          sequence: 1,
          data: [
            {
              asset: 'BTC',
              asset_class: 'currency',
              balance: 1.2,
              wallets: [{ type: 'spot', id: 'main', balance: 1.2 }],
            },
            {
              asset: 'USD',
              asset_class: 'currency',
              balance: 80595.4943,
              wallets: [{ type: 'spot', id: 'main', balance: 80595.4943 }],
            },
          ],
        });
      });
      const rest = tokenFetch();
      const ex = make(v, {}, rest);
      const first = await ex.watchBalance();
      expect(rest.calls).toEqual(['https://api.kraken.com/0/private/GetWebSocketsToken']);
      expect(subscribes(v, 'balances')).toEqual([
        {
          method: 'subscribe',
          params: { channel: 'balances', token: 'tok-1' },
          req_id: expect.any(Number),
          path: '/auth/v2',
        },
      ]);
      expect(first.total).toEqual({ BTC: 1.2, USD: 80595.4943 });
      const next = ex.watchBalance();
      await sleep(5);
      v.send(
        {
          channel: 'balances',
          type: 'update',
          sequence: 2,
          data: [
            {
              ledger_id: 'ADKKFF-WEA5A-CNUBHG',
              ref_id: 'AGBWUJRU-LAREZ-W3UFAN',
              timestamp: '2023-09-22T10:23:42.925034Z',
              type: 'deposit',
              asset: 'BTC',
              asset_class: 'currency',
              category: 'deposit',
              wallet_type: 'spot',
              wallet_id: 'main',
              amount: 0.01,
              fee: 0.0,
              balance: 0.02,
            },
          ],
        },
        '/auth/v2',
      );
      const after = await next;
      expect(after.total).toEqual({ BTC: 0.02, USD: 80595.4943 });
      expect(after['BTC']).toEqual({ free: undefined, used: undefined, total: 0.02 });
    });

    it('behavior: a new private socket subscribes again with a new token', async () => {
      const v = await venue((msg, peer) => {
        if (msg['method'] !== 'subscribe') return;
        reply(peer, ack(msg, { channel: 'balances', snapshot: true }));
        const n = subscribes(v, 'balances').length;
        reply(peer, { channel: 'balances', type: 'snapshot', data: [{ asset: 'BTC', balance: n }] });
      });
      const rest = tokenFetch();
      const ex = make(v, {}, rest);
      // two first calls at once: one token, one subscription
      const [a, b] = await Promise.all([ex.watchBalance(), ex.watchBalance()]);
      expect([a.total, b.total]).toEqual([{ BTC: 1 }, { BTC: 1 }]);
      expect(rest.calls).toHaveLength(1);
      const next = ex.watchBalance();
      v.peers[0]!.socket.terminate();
      expect((await next).total).toEqual({ BTC: 2 });
      expect(subscribes(v, 'balances').map((m) => m['params']['token'])).toEqual(['tok-1', 'tok-2']);
      expect(rest.calls).toHaveLength(2);
    });

    it('error: a rejected private subscription rejects the watch with the mapped error', async () => {
      const v = await venue((msg, peer) => {
        if (msg['method'] !== 'subscribe') return;
        reply(peer, {
          error: 'EAccount:Invalid permissions',
          method: 'subscribe',
          success: false,
          time_in: T,
          time_out: T,
          req_id: msg['req_id'],
        });
      });
      const ex = make(v);
      await expect(ex.watchBalance()).rejects.toBeInstanceOf(PermissionDenied);
      await expect(ex.watchOrders()).rejects.toBeInstanceOf(PermissionDenied);
    });

    it('default: watchOrders and watchMyTrades share the executions channel and follow an order to its fill', async () => {
      const order = 'OK4GJX-KSTLS-7DZZO5';
      const v = await venue((msg, peer) => {
        if (msg['method'] !== 'subscribe') return;
        reply(peer, ack(msg, { channel: 'executions', maxratecount: 125, snap_orders: true, snap_trades: true }));
        reply(peer, {
          channel: 'executions',
          type: 'snapshot',
          sequence: 1,
          data: [
            // an open order
            {
              order_id: 'OLUHOB-XJ3NB-OQ6ZJW',
              symbol: 'XRP/USD',
              order_qty: 100,
              cum_qty: 0,
              cum_cost: 0,
              time_in_force: 'GTC',
              exec_type: 'new',
              side: 'buy',
              order_type: 'limit',
              limit_price: 0.5,
              order_status: 'new',
              timestamp: '2023-09-22T09:00:00.000000Z',
            },
            // a fill from the trade history, of an order long closed
            {
              order_id: 'OOLDOO-ABCDE-FGHIJK',
              exec_id: 'TOLDEX-ABCDE-FGHIJK',
              exec_type: 'trade',
              trade_id: 62887500,
              symbol: 'BTC/USD',
              side: 'buy',
              last_qty: 0.01,
              last_price: 26000,
              liquidity_ind: 'm',
              cost: 260,
              order_type: 'limit',
              timestamp: '2023-09-21T10:00:00.000000Z',
              fees: [{ asset: 'USD', qty: 0.416 }],
            },
          ],
        });
      });
      const rest = tokenFetch();
      const ex = make(v, {}, rest);
      const [orders, fills] = await Promise.all([ex.watchOrders(), ex.watchMyTrades()]);
      expect(subscribes(v, 'executions')).toEqual([
        {
          method: 'subscribe',
          params: { channel: 'executions', token: 'tok-1', snap_orders: true, snap_trades: true },
          req_id: expect.any(Number),
          path: '/auth/v2',
        },
      ]);
      expect(rest.calls).toHaveLength(1);
      expect(orders.map((o) => [o.id, o.status, o.symbol, o.price, o.amount])).toEqual([
        ['OLUHOB-XJ3NB-OQ6ZJW', 'open', 'XRP/USD', 0.5, 100],
      ]);
      expect(fills).toHaveLength(1);
      expect(fills[0]).toMatchObject({
        id: 'TOLDEX-ABCDE-FGHIJK',
        order: 'OOLDOO-ABCDE-FGHIJK',
        symbol: 'BTC/USD',
        takerOrMaker: 'maker',
        price: 26000,
        amount: 0.01,
        cost: 260,
        fee: { cost: 0.416, currency: 'USD' },
      });

      // the documented pending_new report
      const pendingNew = ex.watchOrders('BTC/USD');
      await sleep(5);
      v.send(
        {
          channel: 'executions',
          type: 'update',
          sequence: 8,
          data: [
            {
              order_id: order,
              order_userref: 3,
              symbol: 'BTC/USD',
              order_qty: 0.005,
              cum_cost: 0.0,
              time_in_force: 'GTC',
              exec_type: 'pending_new',
              side: 'sell',
              order_type: 'limit',
              limit_price_type: 'static',
              limit_price: 26500.0,
              stop_price: 0.0,
              order_status: 'pending_new',
              fee_usd_equiv: 0.0,
              fee_ccy_pref: 'fciq',
              timestamp: '2023-09-22T10:33:05.709950Z',
            },
          ],
        },
        '/auth/v2',
      );
      const [placed] = await pendingNew;
      expect(placed).toMatchObject({
        id: order,
        clientOrderId: '3',
        symbol: 'BTC/USD',
        status: 'open',
        type: 'limit',
        side: 'sell',
        price: 26500,
        amount: 0.005,
        timeInForce: 'GTC',
        timestamp: 1695378785709,
      });
      expect(placed!.triggerPrice).toBeUndefined();

      // live, then the fill, in one frame: the order comes once, in its latest state; the fill as a trade
      const nextOrders = ex.watchOrders();
      const nextFills = ex.watchMyTrades('BTC/USD');
      await sleep(5);
      v.send(
        {
          channel: 'executions',
          type: 'update',
          sequence: 9,
          data: [
            {
              timestamp: '2023-09-22T10:33:05.709993Z',
              order_status: 'new',
              exec_type: 'new',
              order_userref: 3,
              order_id: order,
            },
            {
              order_id: order,
              order_userref: 3,
              exec_id: 'TGBB7L-HT5LX-J3BZ4A',
              exec_type: 'trade',
              trade_id: 62887576,
              symbol: 'BTC/USD',
              side: 'sell',
              last_qty: 0.005,
              last_price: 26599.9,
              liquidity_ind: 't',
              cost: 132.9995,
              order_type: 'limit',
              timestamp: '2023-09-22T10:33:05.710016Z',
              order_status: 'filled',
              cum_qty: 0.005,
              cum_cost: 132.9995,
              avg_price: 26599.9,
              fee_usd_equiv: 0.3458,
              fees: [{ asset: 'USD', qty: 0.3458 }],
            },
          ],
        },
        '/auth/v2',
      );
      const updated = await nextOrders;
      expect(updated).toHaveLength(1);
      expect(updated[0]).toMatchObject({
        id: order,
        status: 'closed',
        price: 26500,
        amount: 0.005,
        filled: 0.005,
        remaining: 0,
        cost: 132.9995,
        average: 26599.9,
        timestamp: 1695378785709,
        lastTradeTimestamp: 1695378785710,
        fee: { cost: 0.3458, currency: 'USD' },
      });
      const [fill] = await nextFills;
      expect(fill).toMatchObject({
        id: 'TGBB7L-HT5LX-J3BZ4A',
        order,
        symbol: 'BTC/USD',
        side: 'sell',
        type: 'limit',
        takerOrMaker: 'taker',
        price: 26599.9,
        amount: 0.005,
        cost: 132.9995,
        fee: { cost: 0.3458, currency: 'USD' },
        timestamp: 1695378785710,
      });
    });
  });
  describe('catching up after a reconnect', () => {
    const O1 = 'OGAPFL-AAAAA-000001';
    const O2 = 'OSTAYS-AAAAA-000002';
    const O3 = 'OPARTL-AAAAA-000003';

    it('behavior: an order filled while the private socket was down reaches watchOrders after the reconnect', async () => {
      const account = new Account();
      for (const id of [O1, O2, O3]) account.place(id, Date.now() - 60_000);
      const v = await accountVenue(account);
      const rest = restFake(account.rest);
      const ex = make(v, {}, rest);
      const first = await ex.watchOrders();
      expect(first.map((o) => [o.id, o.status])).toEqual([
        [O1, 'open'],
        [O2, 'open'],
        [O3, 'open'],
      ]);
      const nextOrders = ex.watchOrders();
      const nextFills = ex.watchMyTrades();
      await sleep(5);
      // the first connect asks REST for nothing but the token
      expect(endpoints(rest)).toEqual([]);

      v.peers[0]!.socket.terminate();
      // while the client is away: O1 fills, O3 fills in part, O2 does not change
      account.fill(O1, 'TGAPFL-AAAAA-000001', 0.01);
      account.fill(O3, 'TPARTL-AAAAA-000003', 0.004);

      const orders = await nextOrders;
      expect(orders.map((o) => [o.id, o.status, o.filled, o.remaining]).sort()).toEqual([
        [O1, 'closed', 0.01, 0],
        [O3, 'open', 0.004, 0.006],
      ]);
      expect(orders.find((o) => o.id === O1)).toMatchObject({ symbol: 'BTC/USD', price: 26000, average: 26000 });
      expect((await nextFills).map((t) => [t.id, t.order, t.amount])).toEqual([
        ['TGAPFL-AAAAA-000001', O1, 0.01],
        ['TPARTL-AAAAA-000003', O3, 0.004],
      ]);
      // the snapshot listed O2 and O3 as open: only O1 is looked up; the fills' history is asked once
      await waitFor(() => endpoints(rest).length === 2);
      expect(endpoints(rest).sort()).toEqual(['QueryOrders', 'TradesHistory']);
      expect(rest.posts.find((p) => p.endpoint === 'QueryOrders')!.params['txid']).toBe(O1);
      await sleep(20);

      // the socket reports O1's fill and close once more: neither loop sees them again; what is new comes alone
      const afterOrders = ex.watchOrders();
      const afterFills = ex.watchMyTrades();
      await sleep(5);
      execUpdate(v, [
        account.fills[0]!,
        { order_id: O1, exec_type: 'filled', order_status: 'filled', cum_qty: 0.01, timestamp: iso(Date.now()) },
      ]);
      execUpdate(v, [account.fill(O2, 'TSTAYS-AAAAA-000002', 0.005)]);
      expect((await afterOrders).map((o) => [o.id, o.filled])).toEqual([[O2, 0.005]]);
      expect((await afterFills).map((t) => t.id)).toEqual(['TSTAYS-AAAAA-000002']);
    });

    it('behavior: fills beyond what the reconnect snapshot reaches back to come from REST, each once', async () => {
      const account = new Account();
      account.place(O1, Date.now() - 60_000);
      account.fill(O1, 'TSEEN0-AAAAA-000000', 0.0001, Date.now() - 60_000);
      const v = await accountVenue(account);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const rest = restFake({
        ...account.rest,
        TradesHistory: async (p) => {
          await held;
          return account.rest.TradesHistory(p);
        },
      });
      const ex = make(v, {}, rest);
      expect((await ex.watchMyTrades()).map((t) => t.id)).toEqual(['TSEEN0-AAAAA-000000']);

      // two fills in the gap: the snapshot's last 50 fills still hold the one seen before, so they are all there
      let next = ex.watchMyTrades();
      await sleep(5);
      v.peers[0]!.socket.terminate();
      account.fill(O1, 'TGAP01-AAAAA-000001', 0.0001);
      account.fill(O1, 'TGAP02-AAAAA-000002', 0.0001);
      expect((await next).map((t) => t.id)).toEqual(['TGAP01-AAAAA-000001', 'TGAP02-AAAAA-000002']);
      await sleep(20);
      // no REST: the snapshot covered the fills, and nobody watches orders
      expect(endpoints(rest)).toEqual([]);

      // 51 fills in the gap: the snapshot carries the last 50, REST's second page of 50 the one before them
      next = ex.watchMyTrades();
      await sleep(5);
      v.peers[1]!.socket.terminate();
      const burst: string[] = [];
      for (let i = 0; i < 51; i++) {
        burst.push(`TBURST-AAAAA-${String(i).padStart(6, '0')}`);
        account.fill(O1, burst[i]!, 0.0001);
      }
      expect((await next).map((t) => t.id)).toEqual(burst.slice(1));
      const fromRest = ex.watchMyTrades();
      await waitFor(() => endpoints(rest).length === 1);
      release();
      const [missed, ...others] = await fromRest;
      expect(others).toEqual([]);
      expect(missed).toMatchObject({ id: burst[0], order: O1, symbol: 'BTC/USD', amount: 0.0001, price: 26000 });
      expect(rest.posts.map((p) => [p.endpoint, p.params['ofs']])).toEqual([
        ['TradesHistory', undefined],
        ['TradesHistory', '50'],
      ]);

      // streamed again, the gap's fills are not repeated
      const after = ex.watchMyTrades();
      await sleep(5);
      execUpdate(v, account.fills.slice(-3));
      execUpdate(v, [account.fill(O1, 'TLATER-AAAAA-000001', 0.0001)]);
      expect((await after).map((t) => t.id)).toEqual(['TLATER-AAAAA-000001']);
    });

    /** An account with one order, a fill of it seen before the gap, and `n` fills of it in the gap. */
    async function longGap(
      n: number,
    ): Promise<{ rest: RestFake; burst: string[]; published: string[]; errors: string[] }> {
      const account = new Account();
      account.place(O1, Date.now() - 60_000);
      account.fill(O1, 'TSEEN0-AAAAA-000000', 0.000001, Date.now() - 60_000);
      const v = await accountVenue(account);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const rest = restFake({
        ...account.rest,
        TradesHistory: async (p) => {
          await held;
          return account.rest.TradesHistory(p);
        },
      });
      const ex = make(v, {}, rest);
      const logs: unknown[][] = [];
      ex.verbose = true;
      ex.log = (...args: unknown[]) => void logs.push(args);
      expect((await ex.watchMyTrades()).map((t) => t.id)).toEqual(['TSEEN0-AAAAA-000000']);
      const next = ex.watchMyTrades();
      await sleep(5);
      v.peers[0]!.socket.terminate();
      const burst: string[] = [];
      for (let i = 0; i < n; i++) {
        burst.push(`TBURST-AAAAA-${String(i).padStart(6, '0')}`);
        account.fill(O1, burst[i]!, 0.000001);
      }
      // the snapshot brings the last 50; REST is asked for the rest once the next call waits
      expect((await next).map((t) => t.id)).toEqual(burst.slice(-50));
      const fromRest = ex.watchMyTrades();
      await waitFor(() => endpoints(rest).length === 1);
      release();
      const published = (await fromRest).map((t) => t.id!);
      const errors = logs.filter((l) => l[0] === 'ws error').map((l) => String(l[1]));
      return { rest, burst, published, errors };
    }

    it('behavior: a gap of more fills than two pages of TradesHistory is read page by page (ofs) back to the fills seen before it', async () => {
      const { rest, burst, published, errors } = await longGap(130);
      // pages of 50, newest first: the first repeats the snapshot, the third is short and ends the reading
      expect(published).toEqual(burst.slice(0, 80));
      expect(rest.posts.map((p) => [p.endpoint, p.params['ofs']])).toEqual([
        ['TradesHistory', undefined],
        ['TradesHistory', '50'],
        ['TradesHistory', '100'],
      ]);
      expect(new Set(rest.posts.map((p) => p.params['start'])).size).toBe(1);
      expect(errors).toEqual([]);
    });

    it('behavior: past 20 pages of TradesHistory the catch-up publishes the newest 1000 fills of the gap and reports the older ones as left out', async () => {
      const { rest, burst, published, errors } = await longGap(1070);
      // 20 pages hold the newest 1000 fills, the snapshot the 50 newest of them; the oldest 70 are not read
      expect(published).toEqual(burst.slice(70, 1020));
      expect(rest.posts).toHaveLength(20);
      expect(rest.posts.at(-1)!.params['ofs']).toBe('950');
      expect(errors).toEqual([expect.stringContaining('more than 1000 fills since')]);
    });

    it('behavior: no REST catch-up on the first connect, nor for private streams nobody watches; watchBalance gets the new snapshot', async () => {
      const account = new Account();
      account.place(O1);
      let btc = 1;
      const v = await accountVenue(account, () => [{ asset: 'BTC', balance: btc }]);
      const rest = restFake(account.rest);
      const ex = make(v, {}, rest);
      expect((await ex.watchBalance()).total).toEqual({ BTC: 1 });
      expect((await ex.watchOrders()).map((o) => o.id)).toEqual([O1]);
      await ex.unWatchOrders();
      await waitFor(() => v.received.some((m) => m['method'] === 'unsubscribe'));

      const next = ex.watchBalance();
      await sleep(5);
      v.peers[0]!.socket.terminate();
      btc = 2;
      account.cancel(O1);
      expect((await next).total).toEqual({ BTC: 2 });
      await sleep(20);
      expect(endpoints(rest)).toEqual([]);
      expect(rest.calls).toHaveLength(2);
    });

    /** A balances update (a ledger entry) as the channel streams it. */
    const ledger = (v: Venue, asset: string, balance: number): void =>
      v.send({ channel: 'balances', type: 'update', sequence: 2, data: [{ asset, balance }] }, '/auth/v2');

    it("behavior: REST's fee of an order (in the currency charged) stays on the published order; fills streamed later add theirs, those REST counted do not", async () => {
      const account = new Account('BTC');
      const v = await accountVenue(account);
      const rest = restFake(account.rest);
      const ex = make(v, {}, rest);
      const params = { snap_orders: false, snap_trades: false };
      const first = ex.watchOrders(undefined, undefined, undefined, params);
      await waitFor(() => subscribes(v, 'executions').length === 1);
      await sleep(20);
      execUpdate(v, [account.place(O1), account.place(O2)]);
      expect((await first).map((o) => [o.id, o.fee])).toEqual([
        [O1, { cost: 0, currency: 'USD' }],
        [O2, { cost: 0, currency: 'USD' }],
      ]);

      const next = ex.watchOrders(undefined, undefined, undefined, params);
      await sleep(5);
      v.peers[0]!.socket.terminate();
      // in the gap: O1 fills in two parts and closes, O2 fills in part
      account.fill(O1, 'TFEE01-AAAAA-000001', 0.004);
      account.fill(O1, 'TFEE02-AAAAA-000002', 0.006);
      account.fill(O2, 'TFEE03-AAAAA-000003', 0.002);
      const orders = await next;
      expect(orders.map((o) => [o.id, o.status, o.fee, o.fees])).toEqual([
        [O2, 'open', { cost: 0.000016, currency: 'BTC' }, [{ cost: 0.000016, currency: 'BTC' }]],
        [O1, 'closed', { cost: 0.000032, currency: 'BTC' }, [{ cost: 0.000032, currency: 'BTC' }]],
      ]);
      expect(rest.posts.map((p) => [p.endpoint, p.params['trades']])).toEqual([
        ['OpenOrders', 'true'],
        ['QueryOrders', 'true'],
      ]);

      // O2's fill from the gap reported again is counted already; its next fill adds its fee in BTC
      const after = ex.watchOrders(undefined, undefined, undefined, params);
      await sleep(5);
      execUpdate(v, [account.fills.at(-1)!, account.fill(O2, 'TFEE04-AAAAA-000004', 0.003)]);
      expect((await after).map((o) => [o.id, o.filled, o.fee])).toEqual([
        [O2, 0.005, { cost: 0.000032, currency: 'BTC' }],
      ]);

      // a fill charged in another currency leaves the stream's fee (in USD) standing
      const later = ex.watchOrders(undefined, undefined, undefined, params);
      await sleep(5);
      const fill = account.fill(O2, 'TFEE05-AAAAA-000005', 0.001);
      execUpdate(v, [{ ...fill, fees: [{ asset: 'USD', qty: 0.416 }] }]);
      expect((await later).map((o) => [o.id, o.filled, o.fee])).toEqual([
        [O2, 0.006, { cost: 1.248, currency: 'USD' }],
      ]);
    });

    it('behavior: balances without a snapshot get REST balances after a reconnect when they changed; earn parts add to their asset; a ledger entry streamed meanwhile wins', async () => {
      const account = new Account();
      const v = await accountVenue(account);
      // BalanceEx: spot BTC and USD, MATIC in spot and in flexible earn (MATIC.F)
      const wallet = { XXBT: 1, ZUSD: 100, MATIC: 300, 'MATIC.F': 200 };
      let release = (): void => {};
      let held: Promise<void> = Promise.resolve();
      const rest = restFake({
        BalanceEx: async () => {
          await held;
          const out: Msg = {};
          for (const [id, balance] of Object.entries(wallet))
            out[id] = { balance: balance.toFixed(4), hold_trade: '0' };
          return out;
        },
      });
      const ex = make(v, {}, rest);
      const params = { snapshot: false };
      const first = ex.watchBalance(params);
      await waitFor(() => subscribes(v, 'balances').length === 1);
      await sleep(20);
      ledger(v, 'MATIC', 500);
      expect((await first).total).toEqual({ MATIC: 500 });

      // BTC changes while the socket is down: the totals REST reports are published
      let next = ex.watchBalance(params);
      await sleep(5);
      v.peers[0]!.socket.terminate();
      wallet.XXBT = 2;
      expect((await next).total).toEqual({ BTC: 2, USD: 100, MATIC: 500 });
      expect(endpoints(rest)).toEqual(['BalanceEx']);

      // nothing changes: REST is asked, nothing is published; the next ledger entry comes alone
      next = ex.watchBalance(params);
      await sleep(5);
      v.peers[1]!.socket.terminate();
      await waitFor(() => endpoints(rest).length === 2);
      await sleep(20);
      ledger(v, 'USD', 101);
      expect((await next).total).toEqual({ BTC: 2, USD: 101, MATIC: 500 });

      // REST answers after a ledger entry streamed on the new socket: that asset keeps the streamed total
      held = new Promise<void>((r) => (release = r));
      next = ex.watchBalance(params);
      await sleep(5);
      v.peers[2]!.socket.terminate();
      Object.assign(wallet, { XXBT: 3, ZUSD: 90 });
      await waitFor(() => endpoints(rest).length === 3);
      ledger(v, 'USD', 80);
      expect((await next).total).toEqual({ BTC: 2, USD: 80, MATIC: 500 });
      next = ex.watchBalance(params);
      await sleep(5);
      release();
      expect((await next).total).toEqual({ BTC: 3, USD: 80, MATIC: 500 });
    });

    it('error: a failed balances catch-up rejects the waiting watchBalance with the typed error; the next socket asks again', async () => {
      const account = new Account();
      const v = await accountVenue(account);
      let limited = true;
      const rest = restFake({
        BalanceEx: () => (limited ? { error: ['EAPI:Rate limit exceeded'] } : { XXBT: { balance: '2.0000' } }),
      });
      const ex = make(v, {}, rest);
      const params = { snapshot: false };
      const first = ex.watchBalance(params);
      await waitFor(() => subscribes(v, 'balances').length === 1);
      await sleep(20);
      ledger(v, 'BTC', 1);
      expect((await first).total).toEqual({ BTC: 1 });

      const pending = ex.watchBalance(params);
      await sleep(5);
      v.peers[0]!.socket.terminate();
      await expect(pending).rejects.toBeInstanceOf(DDoSProtection);

      limited = false;
      const later = ex.watchBalance(params);
      await sleep(5);
      v.peers[1]!.socket.terminate();
      expect((await later).total).toEqual({ BTC: 2 });
      expect(endpoints(rest)).toEqual(['BalanceEx', 'BalanceEx']);
    });

    it('error: a failed catch-up rejects the waiting watchOrders with the typed error; the stream goes on and the next socket catches up', async () => {
      const account = new Account();
      account.place(O1);
      const v = await accountVenue(account);
      let limited = true;
      const rest = restFake({
        ...account.rest,
        QueryOrders: (p) => (limited ? { error: ['EAPI:Rate limit exceeded'] } : account.rest.QueryOrders(p)),
      });
      const ex = make(v, {}, rest);
      const logs: unknown[][] = [];
      ex.verbose = true;
      ex.log = (...args: unknown[]) => void logs.push(args);
      expect((await ex.watchOrders()).map((o) => o.id)).toEqual([O1]);
      const pending = ex.watchOrders();
      await sleep(5);
      v.peers[0]!.socket.terminate();
      account.cancel(O1);
      await expect(pending).rejects.toBeInstanceOf(DDoSProtection);
      expect(logs.some((l) => l[0] === 'ws error' && String(l[1]).includes('Rate limit exceeded'))).toBe(true);

      // the stream goes on
      const streamed = ex.watchOrders();
      await sleep(5);
      execUpdate(v, [account.place(O2)]);
      expect((await streamed).map((o) => o.id)).toEqual([O2]);

      // the next new socket catches up on what is still owed
      limited = false;
      const later = ex.watchOrders();
      await sleep(5);
      v.peers[1]!.socket.terminate();
      expect((await later).map((o) => [o.id, o.status])).toEqual([[O1, 'canceled']]);
      expect(endpoints(rest)).toEqual(['QueryOrders', 'QueryOrders']);
    });

    it('behavior: without a snapshot the catch-up starts on the acknowledgement, OpenOrders lists the open orders; a report streamed during it wins over REST', async () => {
      const account = new Account();
      const v = await accountVenue(account);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const rest = restFake({
        ...account.rest,
        QueryOrders: async (p) => {
          await held;
          return account.rest.QueryOrders(p);
        },
      });
      const ex = make(v, {}, rest);
      const params = { snap_orders: false, snap_trades: false };
      const first = ex.watchOrders(undefined, undefined, undefined, params);
      await waitFor(() => subscribes(v, 'executions').length === 1);
      await sleep(20);
      execUpdate(v, [account.place(O1), account.place(O2)]);
      expect((await first).map((o) => o.id)).toEqual([O1, O2]);

      const next = ex.watchOrders(undefined, undefined, undefined, params);
      await sleep(5);
      v.peers[0]!.socket.terminate();
      // in the gap: O1 and O2 are cancelled, O3 is placed
      account.cancel(O1);
      account.cancel(O2);
      account.place(O3);
      await waitFor(() => endpoints(rest).includes('QueryOrders'));
      expect(endpoints(rest)).toEqual(['OpenOrders', 'QueryOrders']);
      // both lookups in one QueryOrders call
      expect(rest.posts[1]!.params['txid']!.split(',').sort()).toEqual([O1, O2]);
      // the socket reports O1's cancel before REST answers
      execUpdate(v, [{ order_id: O1, exec_type: 'canceled', order_status: 'canceled', timestamp: iso(Date.now()) }]);
      expect((await next).map((o) => [o.id, o.status])).toEqual([[O1, 'canceled']]);

      const after = ex.watchOrders(undefined, undefined, undefined, params);
      await sleep(5);
      release();
      expect((await after).map((o) => [o.id, o.status])).toEqual([
        [O3, 'open'],
        [O2, 'canceled'],
      ]);
    });
  });
});
