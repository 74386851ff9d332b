/**
 * Bitstamp websocket v2 against a local server (127.0.0.1) replaying the documented message formats: subscription
 * acks, diff_order_book diffs synchronised with a REST order book answered through the injected fetch, order_book
 * (top 100) books, live trades, private orders and fills with a websockets_token, heartbeats, forced reconnects and
 * errors. Books are checked against a plain Map book computed here from the same messages.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import {
  ArgumentsRequired,
  AuthenticationError,
  BadSymbol,
  ExchangeClosedByUser,
  ExchangeError,
  ExchangeNotAvailable,
  NotSupported,
} from '../../src/core/errors.js';
import type { Dict } from '../../src/core/types.js';
import { bitstamp } from '../../src/exchanges/bitstamp/bitstamp.js';
import { MapBook, sides } from '../helpers/refbook.js';

const SHARED = new URL('../../../shared/conformance/', import.meta.url);
const MARKETS = JSON.parse(readFileSync(new URL('markets/bitstamp.json', SHARED), 'utf8')) as never;
const CURRENCIES = JSON.parse(readFileSync(new URL('currencies/bitstamp.json', SHARED), 'utf8')) as never;

const NOW = 1_700_000_000_000;
const CREDS = { apiKey: 'api_key', secret: 'api_key_secret' };
/** Microtimestamps of the messages below: T0 + offset. */
const T0 = 1_583_656_800_000_000;

// ---------------------------------------------------------------------------------------------------------------
// A local server speaking websocket v2

interface Feed {
  url: string;
  received: Dict[];
  sockets: ServerSocket[];
  /** While set, nothing is answered (not even heartbeats). */
  silent: boolean;
  send: (frame: unknown) => void;
  close: () => Promise<void>;
}

/** Return true when the script answered the message itself (no default acknowledgement). */
type Script = (msg: Dict, socket: ServerSocket, feed: Feed) => boolean | void;

const channelOf = (msg: Dict): string => String((msg['data'] as Dict | undefined)?.['channel'] ?? '');

async function startFeed(script: Script = () => undefined): Promise<Feed> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const feed: Feed = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    received: [],
    sockets: [],
    silent: false,
    send: (frame) => {
      for (const s of feed.sockets) if (s.readyState === s.OPEN) s.send(JSON.stringify(frame));
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (socket) => {
    feed.sockets.push(socket);
    socket.on('message', (d) => {
      const msg = JSON.parse(d.toString()) as Dict;
      feed.received.push(msg);
      if (feed.silent) return;
      const reply = (frame: unknown) => socket.send(JSON.stringify(frame));
      if (msg['event'] === 'bts:heartbeat') {
        reply({ event: 'bts:heartbeat', channel: '', data: { status: 'success' } });
        return;
      }
      if (script(msg, socket, feed) === true) return;
      if (msg['event'] === 'bts:subscribe') {
        reply({ event: 'bts:subscription_succeeded', channel: channelOf(msg), data: {} });
      } else if (msg['event'] === 'bts:unsubscribe') {
        reply({ event: 'bts:unsubscription_succeeded', channel: channelOf(msg), data: {} });
      }
    });
  });
  return feed;
}

// Documented message shapes.
type Level = [string, string];
const diff = (pair: string, micro: number, bids: Level[], asks: Level[]) => ({
  data: {
    timestamp: String(Math.floor(micro / 1e6)),
    microtimestamp: String(micro),
    bids,
    asks,
  },
  channel: `diff_order_book_${pair}`,
  event: 'data',
});
const restBook = (micro: number, bids: Level[], asks: Level[]) => ({
  timestamp: String(Math.floor(micro / 1e6)),
  microtimestamp: String(micro),
  bids,
  asks,
});
const topBook = (pair: string, micro: number, bids: Level[], asks: Level[]) => ({
  data: { timestamp: String(Math.floor(micro / 1e6)), microtimestamp: String(micro), bids, asks },
  channel: `order_book_${pair}`,
  event: 'data',
});
const liveTrade = (pair: string, id: number, type: 0 | 1, amount: string, price: string, micro: number) => ({
  data: {
    buy_order_id: 1207733769326592,
    amount_str: amount,
    timestamp: String(Math.floor(micro / 1e6)),
    microtimestamp: String(micro),
    id,
    amount: Number(amount),
    sell_order_id: 1207733765476352,
    price_str: price,
    type,
    price: Number(price),
  },
  event: 'trade',
  channel: `live_trades_${pair}`,
});

const isSub = (channel: string) => (m: Dict) => m['event'] === 'bts:subscribe' && channelOf(m) === channel;

// ---------------------------------------------------------------------------------------------------------------
// The independent reference book: plain Maps keyed by price, sorted only when read

class RefBook extends MapBook {
  apply(bids: Level[], asks: Level[]): void {
    for (const [p, a] of bids) this.setLevel('bids', p, a);
    for (const [p, a] of asks) this.setLevel('asks', p, a);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Harness

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface RestCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
}
interface RestReply {
  status?: number;
  body: unknown;
  /** Answer only after this many ms (diffs sent meanwhile are held by the library). */
  delay?: number;
}
type Rest = (url: string, body?: string) => RestReply | Promise<RestReply>;

/**
 * REST answers: order books per market id, served in order (the last one repeats), websocket tokens, and an account
 * with no open orders and no trades (what a catch-up after a reconnect asks).
 */
function restOf(
  books: Record<string, RestReply[]>,
  tokens: Dict[] = [{ valid_sec: 60, token: 'tok-1', user_id: 4848701 }],
) {
  const served = new Map<string, number>();
  let tokenCount = 0;
  return (url: string): RestReply => {
    const m = /order_book\/([a-z0-9-]+)\//.exec(url);
    if (m !== null) {
      const list = books[m[1]!] ?? [];
      const n = served.get(m[1]!) ?? 0;
      served.set(m[1]!, n + 1);
      return list[Math.min(n, list.length - 1)] ?? { status: 404, body: { status: 'error', reason: 'not found' } };
    }
    if (url.endsWith('/websockets_token/')) return { body: tokens[Math.min(tokenCount++, tokens.length - 1)] };
    if (url.endsWith('/open_orders/all/') || url.includes('/user_transactions/')) return { body: [] };
    return { status: 404, body: { status: 'error', reason: 'unexpected' } };
  };
}

function make(feed: Feed, rest: Rest = restOf({}), options: Dict = {}, config: Dict = {}) {
  const calls: RestCall[] = [];
  const fetch = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    calls.push({ url, method: init.method, headers: init.headers, body: init.body });
    const reply = await rest(url, init.body);
    if (reply.delay !== undefined) await sleep(reply.delay);
    const text = JSON.stringify(reply.body);
    return {
      status: reply.status ?? 200,
      statusText: '',
      headers: new Headers({ 'content-type': 'application/json' }),
      text: async () => text,
    };
  };
  const ws = {
    backoff: { initial: 10, max: 50, jitter: 0 },
    snapshotDelay: 10,
    ...((options['ws'] as Dict | undefined) ?? {}),
  };
  const ex = new bitstamp({
    urls: { ws: { public: feed.url, private: feed.url } } as never,
    enableRateLimit: false,
    now: () => NOW,
    fetch: fetch as never,
    ...config,
    options: { ...options, ws },
  });
  ex.setMarkets(MARKETS, CURRENCIES);
  cleanup.push(() => ex.close());
  return { ex, calls };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
}

const bookCalls = (calls: RestCall[], id: string) => calls.filter((c) => c.url.includes(`/order_book/${id}/`));

const BIDS: Level[] = [
  ['8732', '0.5'],
  ['8730', '1.25'],
  ['8728', '2'],
];
const ASKS: Level[] = [
  ['8735', '0.75'],
  ['8737', '1.5'],
  ['8740', '3'],
];

// ---------------------------------------------------------------------------------------------------------------

describe('bitstamp ws: declared methods', () => {
  it('default: has lists exactly the streams the websocket offers', () => {
    const ex = new bitstamp();
    expect(ex.has.watchOrderBook).toBe(true);
    expect(ex.has.watchTrades).toBe(true);
    expect(ex.has.watchOrders).toBe(true);
    expect(ex.has.watchMyTrades).toBe(true);
    expect(ex.has.watchTicker).not.toBe(true);
    expect(ex.has.watchTickers).not.toBe(true);
    expect(ex.has.watchOHLCV).not.toBe(true);
    expect(ex.has.watchBalance).not.toBe(true);
    expect(ex.urls.ws).toEqual({ public: 'wss://ws.bitstamp.net', private: 'wss://ws.bitstamp.net' });
  });

  it('error: no ticker, candle or balance channel: NotSupported', async () => {
    const ex = new bitstamp();
    await expect(ex.watchTicker('BTC/USD')).rejects.toBeInstanceOf(NotSupported);
    await expect(ex.watchTickers(['BTC/USD'])).rejects.toBeInstanceOf(NotSupported);
    await expect(ex.watchOHLCV('BTC/USD', '1m')).rejects.toBeInstanceOf(NotSupported);
    await expect(ex.watchBalance()).rejects.toBeInstanceOf(NotSupported);
  });
});

describe('bitstamp ws: diff_order_book synchronised with the REST book', () => {
  it('default: diffs held during the snapshot fetch, those it covers dropped, the rest applied', async () => {
    // the server answers the subscribe with its ack and goes straight on with diffs
    const early = [
      diff('btcusd', T0 + 100, [['8732', '0.4']], []),
      diff('btcusd', T0 + 200, [], [['8735', '0']]),
      diff('btcusd', T0 + 300, [['8733', '1']], [['8736', '0.2']]),
    ];
    const feed = await startFeed((msg, socket) => {
      if (!isSub('diff_order_book_btcusd')(msg)) return;
      socket.send(JSON.stringify({ event: 'bts:subscription_succeeded', channel: channelOf(msg), data: {} }));
      for (const d of early) socket.send(JSON.stringify(d));
      return true;
    });
    cleanup.push(feed.close);
    // the REST book reflects the stream up to T0+200 and answers after the diffs are in
    const { ex, calls } = make(feed, restOf({ btcusd: [{ body: restBook(T0 + 200, BIDS, ASKS), delay: 40 }] }));
    const ref = new RefBook();
    ref.reset(BIDS, ASKS);
    ref.apply([['8733', '1']], [['8736', '0.2']]);

    const first = await ex.watchOrderBook('BTC/USD');
    expect(feed.received[0]).toEqual({ event: 'bts:subscribe', data: { channel: 'diff_order_book_btcusd' } });
    expect(bookCalls(calls, 'btcusd')).toHaveLength(1);
    expect(calls[0]!.url).toBe('https://www.bitstamp.net/api/v2/order_book/btcusd/');
    expect(first.symbol).toBe('BTC/USD');
    expect(sides(first)).toEqual(ref.levels());
    expect(first.nonce).toBe(T0 + 300);
    expect(first.timestamp).toBe(Math.floor((T0 + 300) / 1000));

    const changes: [Level[], Level[]][] = [
      [[['8734', '0.1']], []],
      [
        [
          ['8732', '0'],
          ['8730', '2.5'],
        ],
        [['8737', '0']],
      ],
      [[], [['8735.5', '4']]],
    ];
    let micro = T0 + 400;
    for (const [bids, asks] of changes) {
      const next = ex.watchOrderBook('BTC/USD');
      feed.send(diff('btcusd', micro, bids, asks));
      ref.apply(bids, asks);
      const book = await next;
      expect(sides(book)).toEqual(ref.levels());
      expect(book.nonce).toBe(micro);
      micro += 100;
    }
  });

  it('behavior: a snapshot older than the first diff held is fetched again', async () => {
    const feed = await startFeed((msg, socket) => {
      if (!isSub('diff_order_book_btcusd')(msg)) return;
      socket.send(JSON.stringify({ event: 'bts:subscription_succeeded', channel: channelOf(msg), data: {} }));
      socket.send(JSON.stringify(diff('btcusd', T0 + 100, [['8731', '1']], [])));
      socket.send(JSON.stringify(diff('btcusd', T0 + 300, [['8729', '1']], [])));
      return true;
    });
    cleanup.push(feed.close);
    const stale: Level[] = [['9000', '1']];
    const { ex, calls } = make(
      feed,
      restOf({
        btcusd: [
          { body: restBook(T0 + 50, stale, ASKS), delay: 30 }, // lags the stream: diffs in (50, 100) unknown
          { body: restBook(T0 + 200, BIDS, ASKS) },
        ],
      }),
    );
    const book = await ex.watchOrderBook('BTC/USD');
    const ref = new RefBook();
    ref.reset(BIDS, ASKS);
    ref.apply([['8729', '1']], []);
    expect(bookCalls(calls, 'btcusd')).toHaveLength(2);
    expect(sides(book)).toEqual(ref.levels());
    expect(book.nonce).toBe(T0 + 300);
  });

  it('behavior: a diff the snapshot already covers is dropped without a resync', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex, calls } = make(feed, restOf({ btcusd: [{ body: restBook(T0 + 500, BIDS, ASKS) }] }));
    await ex.watchOrderBook('BTC/USD');
    const next = ex.watchOrderBook('BTC/USD');
    // in flight when the snapshot was taken: older than the book, already in it
    feed.send(diff('btcusd', T0 + 400, [['8732', '0']], []));
    feed.send(diff('btcusd', T0 + 600, [['8731', '0.3']], []));
    const ref = new RefBook();
    ref.reset(BIDS, ASKS);
    ref.apply([['8731', '0.3']], []);
    const book = await next;
    expect(sides(book)).toEqual(ref.levels());
    expect(bookCalls(calls, 'btcusd')).toHaveLength(1);
    expect((await ex.streamStatus())[feed.url]).toBe('connected');
  });

  it('behavior: an out-of-order diff rebuilds that symbol alone; no watch resolves with the pre-gap book', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const truth: Level[] = [
      ['8720', '9'],
      ['8719', '1'],
    ];
    const { ex, calls } = make(
      feed,
      restOf({
        btcusd: [{ body: restBook(T0 + 100, BIDS, ASKS) }, { body: restBook(T0 + 900, truth, ASKS), delay: 60 }],
        ethusd: [{ body: restBook(T0 + 100, [['190.5', '3']], [['191', '2']]) }],
      }),
    );
    await Promise.all([ex.watchOrderBook('BTC/USD'), ex.watchOrderBook('ETH/USD')]);

    const w1 = ex.watchOrderBook('BTC/USD');
    feed.send(diff('btcusd', T0 + 500, [['8733', '7']], []));
    expect((await w1).bids[0]).toEqual([8733, 7]);

    const w2 = ex.watchOrderBook('BTC/USD');
    let settled = false;
    void w2.then(() => (settled = true));
    feed.send(diff('btcusd', T0 + 400, [['8734', '1']], [])); // older than the last diff applied
    feed.send(diff('btcusd', T0 + 450, [['8735.5', '1']], [])); // while rebuilding: held, covered by the snapshot
    await sleep(30);
    expect(settled).toBe(false); // waiting for the rebuilt book
    const book = await w2;
    const ref = new RefBook();
    ref.reset(truth, ASKS);
    expect(sides(book)).toEqual(ref.levels());
    expect(book.nonce).toBe(T0 + 900);

    // the other symbol kept its book and its stream
    const eth = ex.watchOrderBook('ETH/USD');
    feed.send(diff('ethusd', T0 + 700, [], [['191', '0']]));
    expect(sides(await eth)).toEqual({ bids: [[190.5, 3]], asks: [] });
    expect(bookCalls(calls, 'btcusd')).toHaveLength(2);
    expect(bookCalls(calls, 'ethusd')).toHaveLength(1);
    expect(feed.received.filter(isSub('diff_order_book_btcusd'))).toHaveLength(1);
  });

  it('behavior: a crossed book is not published; it is rebuilt from a new snapshot', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex, calls } = make(
      feed,
      restOf({ btcusd: [{ body: restBook(T0 + 100, BIDS, ASKS) }, { body: restBook(T0 + 300, BIDS, ASKS) }] }),
    );
    await ex.watchOrderBook('BTC/USD');
    const next = ex.watchOrderBook('BTC/USD');
    feed.send(diff('btcusd', T0 + 200, [['8736', '1']], [])); // bid above the best ask
    const book = await next;
    expect(book.nonce).toBe(T0 + 300);
    const ref = new RefBook();
    ref.reset(BIDS, ASKS);
    expect(sides(book)).toEqual(ref.levels());
    expect(bookCalls(calls, 'btcusd')).toHaveLength(2);
  });

  it('behavior: limit cuts the copy handed out, not the book kept', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed, restOf({ btcusd: [{ body: restBook(T0 + 100, BIDS, ASKS) }] }));
    const ref = new RefBook();
    ref.reset(BIDS, ASKS);
    expect(sides(await ex.watchOrderBook('BTC/USD', 2))).toEqual(ref.levels(2));
    const next = ex.watchOrderBook('BTC/USD', 2);
    feed.send(diff('btcusd', T0 + 200, [['8732', '0']], [['8735', '0']]));
    ref.apply([['8732', '0']], [['8735', '0']]);
    const book = await next;
    expect(sides(book)).toEqual(ref.levels(2));
    expect(book.bids[1]).toEqual([8728, 2]);
  });

  it('error: REST snapshot failures reject the watch after snapshotMaxRetries, and the book recovers', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const down = { status: 500, body: { status: 'error', reason: 'Service unavailable', response_code: '500.001' } };
    const { ex, calls } = make(feed, restOf({ btcusd: [down, down, { body: restBook(T0 + 100, BIDS, ASKS) }] }), {
      ws: { snapshotMaxRetries: 2, snapshotDelay: 100 },
    });
    await expect(ex.watchOrderBook('BTC/USD')).rejects.toBeInstanceOf(ExchangeNotAvailable);
    const book = await ex.watchOrderBook('BTC/USD');
    expect(book.bids[0]).toEqual([8732, 0.5]);
    expect(bookCalls(calls, 'btcusd')).toHaveLength(3);
  });

  it('error: an unknown symbol is BadSymbol, a bad limit BadRequest', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed);
    await expect(ex.watchOrderBook('NOPE/USD')).rejects.toBeInstanceOf(BadSymbol);
    await expect(ex.watchOrderBook('BTC/USD', 0)).rejects.toThrow(/positive integer/);
  });
});

describe('bitstamp ws: order_book (top 100 in every message)', () => {
  it('behavior: each message replaces the book; an older one is ignored', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex, calls } = make(feed, restOf({}), { ws: { bookChannel: 'order_book' } });
    const first = ex.watchOrderBook('BTC/USD', 2);
    await until(() => feed.received.some(isSub('order_book_btcusd')));
    feed.send(topBook('btcusd', T0 + 100, BIDS, ASKS));
    const ref = new RefBook();
    ref.reset(BIDS, ASKS);
    expect(sides(await first)).toEqual(ref.levels(2));

    const next = ex.watchOrderBook('BTC/USD');
    const later: Level[] = [['8800', '1']];
    feed.send(topBook('btcusd', T0 + 50, later, ASKS)); // older than the book held
    feed.send(topBook('btcusd', T0 + 200, [['8731', '2']], [['8736', '1']]));
    const book = await next;
    expect(sides(book)).toEqual({ bids: [[8731, 2]], asks: [[8736, 1]] });
    expect(book.nonce).toBe(T0 + 200);
    expect(calls).toHaveLength(0);
  });
});

describe('bitstamp ws: connection', () => {
  it('behavior: after a dropped connection the subscription is restored, the book rebuilt and data flows', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const after: Level[] = [['8700', '1']];
    const { ex, calls } = make(
      feed,
      restOf({ btcusd: [{ body: restBook(T0 + 100, BIDS, ASKS) }, { body: restBook(T0 + 5000, after, ASKS) }] }),
    );
    await ex.watchOrderBook('BTC/USD');
    const next = ex.watchOrderBook('BTC/USD');
    feed.sockets[0]!.terminate();
    const book = await next;
    expect(book.nonce).toBe(T0 + 5000);
    expect(sides(book)).toEqual({ bids: [[8700, 1]], asks: ASKS.map(([p, a]) => [Number(p), Number(a)]) });
    expect(feed.sockets).toHaveLength(2);
    expect(feed.received.filter(isSub('diff_order_book_btcusd'))).toHaveLength(2);
    expect(bookCalls(calls, 'btcusd')).toHaveLength(2);

    const flowing = ex.watchOrderBook('BTC/USD');
    feed.send(diff('btcusd', T0 + 5100, [['8701', '2']], []));
    expect((await flowing).bids).toEqual([
      [8701, 2],
      [8700, 1],
    ]);
  });

  it('behavior: a snapshot answered after its socket dropped is ignored; the new socket brings its own', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const old: Level[] = [['8000', '1']];
    const { ex, calls } = make(
      feed,
      restOf({
        btcusd: [{ body: restBook(T0 + 100, old, ASKS), delay: 80 }, { body: restBook(T0 + 5000, BIDS, ASKS) }],
      }),
    );
    const pending = ex.watchOrderBook('BTC/USD');
    await until(() => bookCalls(calls, 'btcusd').length === 1);
    feed.sockets[0]!.terminate();
    const book = await pending;
    expect(book.nonce).toBe(T0 + 5000);
    const ref = new RefBook();
    ref.reset(BIDS, ASKS);
    expect(sides(book)).toEqual(ref.levels());
    await sleep(100); // the late answer to the first request lands and changes nothing
    const next = ex.watchOrderBook('BTC/USD');
    feed.send(diff('btcusd', T0 + 5100, [], [['8740', '0']]));
    ref.apply([], [['8740', '0']]);
    expect(sides(await next)).toEqual(ref.levels());
  });

  it('behavior: a silent server is declared stale and replaced; heartbeats are sent meanwhile', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed, restOf({}), { ws: { pingInterval: 40, staleAfter: 200 } });
    const statuses: string[] = [];
    const first = ex.watchTrades('BTC/USD');
    await until(() => feed.received.some(isSub('live_trades_btcusd')));
    // heartbeats keep a quiet but live socket up
    await sleep(300);
    expect(feed.sockets).toHaveLength(1);
    expect(feed.received).toContainEqual({ event: 'bts:heartbeat' });
    feed.silent = true;
    const poll = setInterval(() => {
      void ex.streamStatus().then((s) => statuses.push(String(s[feed.url])));
    }, 10);
    cleanup.push(() => clearInterval(poll));
    await until(() => feed.sockets.length === 2, 3000);
    feed.silent = false;
    await until(() => feed.received.filter(isSub('live_trades_btcusd')).length === 2);
    feed.send(liveTrade('btcusd', 1, 0, '0.5', '8735', T0 + 100));
    const trades = await first;
    expect(trades.map((t) => t.id)).toEqual(['1']);
    expect(statuses.some((s) => s === 'stale' || s === 'reconnecting')).toBe(true);
  });

  it('behavior: bts:request_reconnect moves to a new socket at once and resubscribes everything', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed);
    const first = ex.watchTrades('BTC/USD');
    const eth = ex.watchTrades('ETH/USD');
    await until(() => feed.received.filter((m) => m['event'] === 'bts:subscribe').length === 2);
    feed.send({ event: 'bts:request_reconnect', channel: '', data: '' });
    await until(() => feed.received.filter((m) => m['event'] === 'bts:subscribe').length === 4);
    expect(feed.sockets).toHaveLength(2);
    expect(feed.sockets[0]!.readyState).not.toBe(feed.sockets[0]!.OPEN);
    feed.send(liveTrade('btcusd', 7, 1, '0.1', '8734', T0 + 100));
    feed.send(liveTrade('ethusd', 8, 0, '2', '190.5', T0 + 100));
    expect((await first).map((t) => t.id)).toEqual(['7']);
    expect((await eth).map((t) => t.symbol)).toEqual(['ETH/USD']);
  });

  it('error: a refused subscription rejects its watch call with the mapped error; other topics carry on', async () => {
    const feed = await startFeed((msg, socket) => {
      if (!isSub('live_trades_btcusd')(msg)) return;
      socket.send(
        JSON.stringify({ event: 'bts:error', channel: '', data: { code: null, message: 'Bad subscription string.' } }),
      );
      return true;
    });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    const eth = ex.watchTrades('ETH/USD');
    await until(() => feed.received.filter((m) => m['event'] === 'bts:subscribe').length === 1);
    const btc = ex.watchTrades('BTC/USD');
    const error = await btc.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExchangeError);
    expect(String((error as Error).message)).toContain('Bad subscription string.');
    feed.send(liveTrade('ethusd', 9, 0, '1', '190', T0 + 100));
    expect((await eth).map((t) => t.id)).toEqual(['9']);
    // the refused topic is not sent again after a reconnect
    feed.sockets[0]!.terminate();
    await until(() => feed.sockets.length === 2 && feed.received.filter(isSub('live_trades_ethusd')).length === 2);
    await sleep(30);
    expect(feed.received.filter(isSub('live_trades_btcusd'))).toHaveLength(1);
  });

  it('behavior: stream() yields trades and unsubscribes when the loop ends', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed);
    let seen = 0;
    const ids: string[] = [];
    const sender = setInterval(() => feed.send(liveTrade('btcusd', 100 + seen, 0, '0.1', '8735', T0 + seen)), 10);
    cleanup.push(() => clearInterval(sender));
    for await (const trades of ex.stream('trades', 'BTC/USD')) {
      ids.push(...(trades as { id: string }[]).map((t) => t.id));
      if (++seen === 3) break;
    }
    clearInterval(sender);
    await until(() => feed.received.some((m) => m['event'] === 'bts:unsubscribe'));
    expect(feed.received.filter((m) => m['event'] === 'bts:unsubscribe')).toEqual([
      { event: 'bts:unsubscribe', data: { channel: 'live_trades_btcusd' } },
    ]);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('behavior: close() rejects pending calls and leaves no socket or timer behind', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const down = { status: 500, body: { status: 'error', reason: 'Service unavailable', response_code: '500.001' } };
    // a book whose snapshot keeps failing has a retry timer armed; the socket has its heartbeat tick
    const { ex } = make(feed, restOf({ btcusd: [down] }), { ws: { snapshotDelay: 5000, snapshotMaxRetries: 99 } });
    const book = ex.watchOrderBook('BTC/USD');
    const trades = ex.watchTrades('BTC/USD');
    await until(() => feed.received.length >= 2);
    await sleep(50);
    expect(timers()).toBeGreaterThan(before);
    expect(Object.values(await ex.streamStatus())).toEqual(['connected']);
    await ex.close();
    await expect(book).rejects.toBeInstanceOf(ExchangeClosedByUser);
    await expect(trades).rejects.toBeInstanceOf(ExchangeClosedByUser);
    await sleep(20);
    expect(timers()).toBeLessThanOrEqual(before);
    expect(await ex.streamStatus()).toEqual({});
    await until(() => feed.sockets.every((s) => s.readyState === s.CLOSED));
  });
});

describe('bitstamp ws: trades', () => {
  it('default: live_trades parsed from the documented payload, exact strings', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed);
    const next = ex.watchTrades('BTC/USD');
    await until(() => feed.received.some(isSub('live_trades_btcusd')));
    feed.send({
      data: {
        buy_order_id: 1207733769326592,
        amount_str: '0.14406384',
        timestamp: '1583691851',
        microtimestamp: '1583691851934000',
        id: 106833903,
        amount: 0.14406384,
        sell_order_id: 1207733765476352,
        price_str: '8302.92',
        type: 0,
        price: 8302.92,
      },
      event: 'trade',
      channel: 'live_trades_btcusd',
    });
    const [t] = await next;
    expect(t).toMatchObject({
      id: '106833903',
      symbol: 'BTC/USD',
      timestamp: 1583691851934,
      datetime: '2020-03-08T18:24:11.934Z',
      side: 'buy',
      price: 8302.92,
      amount: 0.14406384,
      cost: 1196.1505384128,
      fee: { cost: undefined, currency: undefined },
    });
    expect((t!.info as Dict)['sell_order_id']).toBe(1207733765476352);
  });

  it('behavior: each call resolves with the trades since the previous one (newUpdates), since/limit apply', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed);
    const first = ex.watchTrades('BTC/USD');
    await until(() => feed.received.some(isSub('live_trades_btcusd')));
    feed.send(liveTrade('btcusd', 1, 0, '0.1', '8700', T0 + 1000));
    expect((await first).map((t) => t.id)).toEqual(['1']);
    // three arrive before the next call
    feed.send(liveTrade('btcusd', 2, 1, '0.2', '8701', T0 + 2000));
    feed.send(liveTrade('btcusd', 3, 0, '0.3', '8702', T0 + 3000));
    await sleep(30);
    const second = ex.watchTrades('BTC/USD');
    feed.send(liveTrade('btcusd', 4, 1, '0.4', '8703', T0 + 4000));
    const got = await second;
    expect(got.map((t) => [t.id, t.side])).toEqual([
      ['2', 'sell'],
      ['3', 'buy'],
      ['4', 'sell'],
    ]);
    const limited = ex.watchTrades('BTC/USD', Math.floor((T0 + 5000) / 1000), 1);
    feed.send(liveTrade('btcusd', 5, 0, '0.5', '8704', T0 + 5000));
    expect((await limited).map((t) => t.id)).toEqual(['5']);
  });

  it('behavior: the trade cache stays bounded by options.ws.trades', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed, restOf({}), { ws: { trades: 5 } });
    const first = ex.watchTrades('BTC/USD');
    await until(() => feed.received.some(isSub('live_trades_btcusd')));
    feed.send(liveTrade('btcusd', 0, 0, '0.1', '8700', T0));
    await first;
    for (let i = 1; i <= 20; i++) feed.send(liveTrade('btcusd', i, 0, '0.1', '8700', T0 + i));
    await sleep(30);
    const next = ex.watchTrades('BTC/USD');
    feed.send(liveTrade('btcusd', 21, 0, '0.1', '8700', T0 + 21));
    expect((await next).map((t) => t.id)).toEqual(['17', '18', '19', '20', '21']);
  });
});

describe('bitstamp ws: private channels', () => {
  const myOrder = (event: string, data: Dict, pair = 'btcusd', user = 4848701) => ({
    data,
    channel: `private-my_orders_${pair}-${user}`,
    event,
  });
  const orderData = (over: Dict = {}): Dict => ({
    id: 1463471322288128,
    id_str: '1463471322288128',
    order_type: 1,
    order_subtype: 0,
    datetime: '1646127778',
    microtimestamp: '1646127777950000',
    amount: 0.05,
    amount_str: '0.05000000',
    amount_traded: '0',
    amount_at_create: '0.05000000',
    price: 45000,
    price_str: '45000',
    trade_account_id: 0,
    ...over,
  });

  it('default: watchOrders subscribes with a websockets_token and follows the order to its end', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex, calls } = make(feed, restOf({}), {}, CREDS);
    const first = ex.watchOrders('BTC/USD');
    await until(() => feed.received.some(isSub('private-my_orders_btcusd-4848701')));
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['POST', 'https://www.bitstamp.net/api/v2/websockets_token/'],
    ]);
    expect(calls[0]!.headers['X-Auth']).toBe('BITSTAMP api_key');
    expect(feed.received[0]).toEqual({
      event: 'bts:subscribe',
      data: { channel: 'private-my_orders_btcusd-4848701', auth: 'tok-1' },
    });
    feed.send(myOrder('order_created', orderData()));
    const [created] = await first;
    expect(created).toMatchObject({
      id: '1463471322288128',
      symbol: 'BTC/USD',
      status: 'open',
      type: 'limit',
      side: 'sell',
      price: 45000,
      amount: 0.05,
      filled: 0,
      remaining: 0.05,
      timestamp: 1646127778000,
      lastUpdateTimestamp: 1646127777950,
    });

    // two updates of the same order before the next call: one entry, the latest
    feed.send(myOrder('order_changed', orderData({ amount_str: '0.03000000', amount_traded: '0.02' })));
    feed.send(myOrder('order_changed', orderData({ amount_str: '0.01000000', amount_traded: '0.04' })));
    await sleep(30);
    const second = ex.watchOrders('BTC/USD');
    feed.send(
      myOrder(
        'order_created',
        orderData({ id: 2, id_str: '2', order_type: 0, order_subtype: 2, amount_str: '1', amount_at_create: '1' }),
      ),
    );
    const changed = await second;
    expect(changed.map((o) => [o.id, o.status, o.filled, o.remaining, o.type])).toEqual([
      ['1463471322288128', 'open', 0.04, 0.01, 'limit'],
      ['2', 'open', 0, 1, 'market'],
    ]);

    const third = ex.watchOrders('BTC/USD');
    feed.send(myOrder('order_deleted', orderData({ amount: 0, amount_str: '0', amount_traded: '0.05' })));
    feed.send(myOrder('order_deleted', orderData({ id: 2, id_str: '2', order_type: 0, amount_str: '1' })));
    await sleep(30);
    const ended = await third;
    expect(ended.map((o) => [o.id, o.status])).toEqual([['1463471322288128', 'closed']]);
    // the cancel that came in between calls is handed out with the next update
    const fourth = ex.watchOrders('BTC/USD');
    feed.send(myOrder('order_created', orderData({ id: 3, id_str: '3', client_order_id: 'mine-3' })));
    expect((await fourth).map((o) => [o.id, o.status, o.clientOrderId])).toEqual([
      ['2', 'canceled', undefined],
      ['3', 'open', 'mine-3'],
    ]);
  });

  it('default: watchMyTrades parses fills, fee in the quote currency', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed, restOf({}), {}, CREDS);
    const next = ex.watchMyTrades('ETH/USDT');
    await until(() => feed.received.some(isSub('private-my_trades_ethusdt-4848701')));
    feed.send({
      data: {
        id: 635698396,
        amount: '0.005000',
        price: '2468.04',
        microtimestamp: '1789459694223000',
        fee: '0.04936',
        order_id: '2050558851342339',
        trade_account_id: 0,
        side: 'buy',
      },
      channel: 'private-my_trades_ethusdt-4848701',
      event: 'trade',
      trade_account_id: 0,
    });
    const [t] = await next;
    expect(t).toMatchObject({
      id: '635698396',
      order: '2050558851342339',
      symbol: 'ETH/USDT',
      timestamp: 1789459694223,
      side: 'buy',
      price: 2468.04,
      amount: 0.005,
      cost: 12.3402,
      fee: { cost: 0.04936, currency: 'USDT' },
    });
  });

  it('behavior: one token serves concurrent subscribes; a new socket subscribes with a fresh one', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex, calls } = make(
      feed,
      restOf({}, [
        { valid_sec: 60, token: 'tok-1', user_id: 77 },
        { valid_sec: 60, token: 'tok-2', user_id: 77 },
      ]),
      {},
      CREDS,
    );
    const orders = ex.watchOrders('BTC/USD');
    const fills = ex.watchMyTrades('BTC/USD');
    await until(() => feed.received.filter((m) => m['event'] === 'bts:subscribe').length === 2);
    expect(calls.filter((c) => c.url.endsWith('/websockets_token/'))).toHaveLength(1);
    expect(feed.received.map((m) => (m['data'] as Dict)['auth'])).toEqual(['tok-1', 'tok-1']);
    feed.sockets[0]!.terminate();
    await until(() => feed.received.filter((m) => m['event'] === 'bts:subscribe').length === 4);
    expect(feed.received.slice(2).map((m) => m['data'])).toEqual([
      { channel: 'private-my_orders_btcusd-77', auth: 'tok-2' },
      { channel: 'private-my_trades_btcusd-77', auth: 'tok-2' },
    ]);
    feed.send(myOrder('order_created', orderData(), 'btcusd', 77));
    feed.send({
      data: {
        id: 5,
        amount: '0.01',
        price: '45000',
        microtimestamp: '1646127777950000',
        fee: '1',
        order_id: '1',
        side: 'sell',
      },
      channel: 'private-my_trades_btcusd-77',
      event: 'trade',
    });
    expect((await orders).map((o) => o.id)).toEqual(['1463471322288128']);
    expect((await fills).map((t) => t.side)).toEqual(['sell']);
  });

  it('error: an unauthorized subscribe rejects with AuthenticationError; public topics carry on', async () => {
    const feed = await startFeed((msg, socket) => {
      if (!channelOf(msg).startsWith('private-') || msg['event'] !== 'bts:subscribe') return;
      socket.send(
        JSON.stringify({
          event: 'bts:error',
          channel: '',
          data: { code: 4009, message: 'Connection is unauthorized.' },
        }),
      );
      return true;
    });
    cleanup.push(feed.close);
    const { ex } = make(feed, restOf({}), {}, CREDS);
    const trades = ex.watchTrades('BTC/USD');
    await until(() => feed.received.some(isSub('live_trades_btcusd')));
    await expect(ex.watchOrders('BTC/USD')).rejects.toBeInstanceOf(AuthenticationError);
    feed.send(liveTrade('btcusd', 3, 0, '1', '8700', T0));
    expect((await trades).map((t) => t.id)).toEqual(['3']);
  });

  it('error: no credentials or no symbol fail before anything is sent', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed);
    await expect(ex.watchOrders('BTC/USD')).rejects.toBeInstanceOf(AuthenticationError);
    const { ex: withKeys } = make(feed, restOf({}), {}, CREDS);
    await expect(withKeys.watchMyTrades()).rejects.toBeInstanceOf(ArgumentsRequired);
    expect(feed.received).toHaveLength(0);
  });

  describe('after a dropped socket', () => {
    const ORDERS = 'private-my_orders_btcusd-4848701';
    const FILLS = 'private-my_trades_btcusd-4848701';
    const A = '1463471322288128';
    /** An account behind the fake REST: open_orders/all/ rows, order_status/ rows by id, user_transactions rows. */
    interface Account {
      open: Dict[];
      status: Record<string, Dict>;
      fills: Dict[];
      /** Replaces the open_orders/all/ answer (a failure). */
      openReply?: RestReply;
      /** Delays the user_transactions answer. */
      fillsDelay?: number;
    }
    const account = (): Account => ({ open: [], status: {}, fills: [] });
    const accountRest =
      (acct: Account): Rest =>
      (url, body) => {
        if (url.endsWith('/websockets_token/')) return { body: { valid_sec: 60, token: 'tok', user_id: 4848701 } };
        if (url.endsWith('/open_orders/all/')) return acct.openReply ?? { body: acct.open };
        if (url.endsWith('/order_status/')) {
          const row = acct.status[new URLSearchParams(body ?? '').get('id') ?? ''];
          return row !== undefined
            ? { body: row }
            : { status: 404, body: { status: 'error', reason: 'Order not found' } };
        }
        if (url.endsWith('/user_transactions/btcusd/')) {
          return acct.fillsDelay === undefined ? { body: acct.fills } : { body: acct.fills, delay: acct.fillsDelay };
        }
        return { status: 404, body: { status: 'error', reason: 'unexpected' } };
      };
    /** REST calls other than the websocket token. */
    const accountCalls = (calls: RestCall[]) =>
      calls.filter((c) => !c.url.endsWith('/websockets_token/')).map((c) => c.url.replace(/^.*\/api\/v2\//, ''));
    /** An open_orders/all/ row: `left` is what remains of `size`. */
    const openRow = (id: string, price: string, size: string, left: string): Dict => ({
      id,
      datetime: '2022-03-01 09:42:58',
      type: '1',
      price,
      amount: left,
      amount_at_create: size,
      currency_pair: 'BTC/USD',
      market: 'BTC/USD',
      client_order_id: '',
    });
    /** A fill as user_transactions/{pair}/ lists it (a sell of `btc` at 45000). */
    const ledgerFill = (id: number, orderId: string, btc: string, usd: string, datetime: string): Dict => ({
      id,
      order_id: orderId,
      type: '2',
      datetime,
      btc: `-${btc}`,
      usd,
      btc_usd: '45000.00',
      fee: '0.50000',
      eur: 0,
    });
    const myFill = (id: number, micro: number, amount = '0.01') => ({
      data: { id, amount, price: '45000', microtimestamp: String(micro), fee: '0.5', order_id: A, side: 'sell' },
      channel: FILLS,
      event: 'trade',
    });

    it('behavior: an order filled while the private socket was down reaches watchOrders after the reconnect', async () => {
      const feed = await startFeed();
      cleanup.push(feed.close);
      const acct = account();
      const { ex, calls } = make(feed, accountRest(acct), {}, CREDS);
      const first = ex.watchOrders('BTC/USD');
      await until(() => feed.received.some(isSub(ORDERS)));
      feed.send(myOrder('order_created', orderData()));
      expect((await first).map((o) => [o.id, o.status])).toEqual([[A, 'open']]);
      const second = ex.watchOrders('BTC/USD');
      feed.send(myOrder('order_created', orderData({ id: 2, id_str: '2', price: 44000, price_str: '44000' })));
      expect((await second).map((o) => o.id)).toEqual(['2']);

      // while the socket is down: A fills, order 2 stays as it was, order 3 is placed
      acct.open = [openRow('2', '44000.00', '0.05000000', '0.05000000'), openRow('3', '46000.00', '0.1', '0.1')];
      acct.status[A] = {
        id: A,
        datetime: '2022-03-01 09:42:58',
        type: '1',
        status: 'Finished',
        market: 'BTC/USD',
        transactions: [
          {
            tid: 209895701,
            price: '45000.00',
            fee: '2.25',
            datetime: '2023-11-14 22:13:21.000000',
            usd: '2250.00',
            btc: '0.05000000',
            type: 2,
          },
        ],
        amount_remaining: '0.00000000',
        client_order_id: '',
      };
      const missed = ex.watchOrders('BTC/USD');
      feed.sockets[0]!.terminate();
      const caught = await missed;
      expect(caught.map((o) => [o.id, o.symbol, o.status, o.side, o.price, o.filled, o.remaining])).toEqual([
        ['3', 'BTC/USD', 'open', 'sell', 46000, 0, 0.1],
        [A, 'BTC/USD', 'closed', 'sell', 45000, 0.05, 0],
      ]);
      expect(feed.received.filter(isSub(ORDERS))).toHaveLength(2);
      expect(accountCalls(calls)).toEqual(['open_orders/all/', 'order_status/']);
      expect(calls.find((c) => c.url.endsWith('/order_status/'))!.body).toBe(`id=${A}`);

      // the socket repeats the end of A after the catch-up: handed out once; order 2 then changes: handed out
      const next = ex.watchOrders('BTC/USD');
      feed.send(myOrder('order_deleted', orderData({ amount: 0, amount_str: '0', amount_traded: '0.05' })));
      feed.send(
        myOrder(
          'order_changed',
          orderData({ id: 2, id_str: '2', price_str: '44000', amount_str: '0.03', amount_traded: '0.02' }),
        ),
      );
      expect((await next).map((o) => [o.id, o.status, o.filled])).toEqual([['2', 'open', 0.02]]);
      expect(accountCalls(calls)).toHaveLength(2);
    });

    it('behavior: a fill made while the private socket was down reaches watchMyTrades after the reconnect, once', async () => {
      /** Frames the server sends right after acknowledging the fills channel on a later socket. */
      let afterAck: unknown[] = [];
      const feed = await startFeed((msg, socket) => {
        if (!isSub(FILLS)(msg) || feed.sockets.length < 2) return;
        socket.send(JSON.stringify({ event: 'bts:subscription_succeeded', channel: FILLS, data: {} }));
        for (const f of afterAck) socket.send(JSON.stringify(f));
        return true;
      });
      cleanup.push(feed.close);
      const acct = account();
      const { ex, calls } = make(feed, accountRest(acct), {}, CREDS);
      const first = ex.watchMyTrades('BTC/USD');
      await until(() => feed.received.some(isSub(FILLS)));
      feed.send(myFill(5, (NOW - 60_000) * 1000));
      expect((await first).map((t) => t.id)).toEqual(['5']);

      // down: fill 7 happens; REST lists it with the fill already streamed and a deposit
      acct.fills = [
        ledgerFill(7, A, '0.02000000', '900.00', '2023-11-14 22:13:21.000000'),
        ledgerFill(5, A, '0.01000000', '450.00', '2023-11-14 22:12:20.000000'),
        { id: 6, type: '0', datetime: '2023-11-14 22:13:22', usd: '100.00', btc: 0, fee: '0' },
      ];
      const missed = ex.watchMyTrades('BTC/USD');
      feed.sockets[0]!.terminate();
      const [t7, ...more] = await missed;
      expect(more).toEqual([]);
      expect(t7).toMatchObject({
        id: '7',
        order: A,
        symbol: 'BTC/USD',
        side: 'sell',
        price: 45000,
        amount: 0.02,
        cost: 900,
        fee: { cost: 0.5, currency: 'USD' },
        timestamp: NOW + 1000,
      });
      expect(accountCalls(calls)).toEqual(['user_transactions/btcusd/']);

      // the socket sends fill 7 too, after the catch-up: not again; fill 8 is new
      const next = ex.watchMyTrades('BTC/USD');
      feed.send(myFill(7, (NOW + 1000) * 1000, '0.02'));
      feed.send(myFill(8, (NOW + 2000) * 1000));
      expect((await next).map((t) => t.id)).toEqual(['8']);

      // down again; this time the socket streams fill 9 before REST (slow) lists it: handed out once
      acct.fills = [ledgerFill(9, A, '0.01000000', '450.00', '2023-11-14 22:13:23.000000'), ...acct.fills];
      acct.fillsDelay = 60;
      afterAck = [myFill(9, (NOW + 3000) * 1000)];
      const again = ex.watchMyTrades('BTC/USD');
      feed.sockets[1]!.terminate();
      expect((await again).map((t) => t.id)).toEqual(['9']);
      await until(() => accountCalls(calls).length === 2);
      await sleep(100); // the REST answer lands
      const last = ex.watchMyTrades('BTC/USD');
      feed.send(myFill(10, (NOW + 4000) * 1000));
      expect((await last).map((t) => t.id)).toEqual(['10']);
    });

    it('behavior: one catch-up for every watched symbol, once each channel is back; other symbols are left out', async () => {
      const ETH = 'private-my_orders_ethusd-4848701';
      // on the second socket the server is slow to confirm the ETH/USD channel
      const feed = await startFeed((msg, socket, f) => {
        if (!isSub(ETH)(msg) || f.sockets.length < 2) return;
        setTimeout(
          () => socket.send(JSON.stringify({ event: 'bts:subscription_succeeded', channel: ETH, data: {} })),
          60,
        );
        return true;
      });
      cleanup.push(feed.close);
      const acct = account();
      const { ex, calls } = make(feed, accountRest(acct), {}, CREDS);
      const btc = ex.watchOrders('BTC/USD');
      const eth = ex.watchOrders('ETH/USD');
      await until(() => feed.received.some(isSub(ORDERS)) && feed.received.some(isSub(ETH)));
      feed.send(myOrder('order_created', orderData()));
      feed.send(myOrder('order_created', orderData({ id: 20, id_str: '20', price_str: '2000' }), 'ethusd'));
      await Promise.all([btc, eth]);

      // down: A and order 20 are unchanged; 21 (ETH/USD) and 22 (LTC/USD, not watched) are placed
      const row = (id: string, market: string, price: string) => ({
        ...openRow(id, price, '0.05000000', '0.05000000'),
        currency_pair: market,
        market,
      });
      acct.open = [
        row(A, 'BTC/USD', '45000.00'),
        row('20', 'ETH/USD', '2000.00'),
        row('21', 'ETH/USD', '2100.00'),
        row('22', 'LTC/USD', '70.00'),
      ];
      const btcNext = ex.watchOrders('BTC/USD');
      const ethNext = ex.watchOrders('ETH/USD');
      feed.sockets[0]!.terminate();
      await until(() => feed.received.filter(isSub(ETH)).length === 2);
      await sleep(30);
      expect(accountCalls(calls)).toEqual([]); // ETH/USD is not back yet
      expect((await ethNext).map((o) => [o.id, o.symbol, o.status])).toEqual([['21', 'ETH/USD', 'open']]);
      expect(accountCalls(calls)).toEqual(['open_orders/all/']);
      // nothing changed for BTC/USD: its watcher waits for the socket
      let settled = false;
      void btcNext.then(() => (settled = true));
      await sleep(20);
      expect(settled).toBe(false);
      feed.send(myOrder('order_changed', orderData({ amount_str: '0.03000000', amount_traded: '0.02' })));
      expect((await btcNext).map((o) => [o.id, o.filled])).toEqual([[A, 0.02]]);
    });

    it('behavior: no REST catch-up on the first connect, nor when nothing private is watched', async () => {
      const feed = await startFeed();
      cleanup.push(feed.close);
      const acct = account();
      acct.open = [openRow('2', '44000.00', '0.05000000', '0.05000000')];
      const { ex, calls } = make(feed, accountRest(acct), {}, CREDS);
      const orders = ex.watchOrders('BTC/USD');
      const fills = ex.watchMyTrades('BTC/USD');
      const trades = ex.watchTrades('BTC/USD');
      await until(() => feed.received.filter((m) => m['event'] === 'bts:subscribe').length === 3);
      feed.send(myOrder('order_created', orderData()));
      feed.send(myFill(5, (NOW - 60_000) * 1000));
      feed.send(liveTrade('btcusd', 1, 0, '0.1', '8700', T0));
      await Promise.all([orders, fills, trades]);
      await sleep(30);
      expect(accountCalls(calls)).toEqual([]);

      // the private streams are given up; a drop and reconnect then concerns public trades only
      await ex.unWatchOrders('BTC/USD');
      await ex.unWatchMyTrades('BTC/USD');
      await until(() => feed.received.filter((m) => m['event'] === 'bts:unsubscribe').length === 2);
      const next = ex.watchTrades('BTC/USD');
      feed.sockets[0]!.terminate();
      await until(() => feed.received.filter(isSub('live_trades_btcusd')).length === 2);
      feed.send(liveTrade('btcusd', 2, 0, '0.1', '8700', T0 + 1));
      expect((await next).map((t) => t.id)).toEqual(['2']);
      await sleep(30);
      expect(accountCalls(calls)).toEqual([]);
      expect(feed.received.filter(isSub(ORDERS))).toHaveLength(1);
    });

    it('error: a failed catch-up rejects the waiting watchOrders with the mapped error; the stream goes on', async () => {
      const feed = await startFeed();
      cleanup.push(feed.close);
      const acct = account();
      const logs: unknown[][] = [];
      const { ex, calls } = make(
        feed,
        accountRest(acct),
        {},
        { ...CREDS, verbose: true, log: (...a: unknown[]) => logs.push(a) },
      );
      const first = ex.watchOrders('BTC/USD');
      await until(() => feed.received.some(isSub(ORDERS)));
      feed.send(myOrder('order_created', orderData()));
      await first;
      acct.openReply = {
        status: 500,
        body: { status: 'error', reason: 'Service unavailable', response_code: '500.001' },
      };
      const missed = ex.watchOrders('BTC/USD');
      feed.sockets[0]!.terminate();
      await expect(missed).rejects.toBeInstanceOf(ExchangeNotAvailable);
      expect(accountCalls(calls)).toEqual(['open_orders/all/']);
      expect(logs.some((l) => l[0] === 'ws error' && String(l[1]).includes('Service unavailable'))).toBe(true);
      const next = ex.watchOrders('BTC/USD');
      feed.send(myOrder('order_changed', orderData({ amount_str: '0.03000000', amount_traded: '0.02' })));
      expect((await next).map((o) => [o.id, o.filled])).toEqual([[A, 0.02]]);
    });
  });
});
