/**
 * Coinbase Exchange websocket feed against a local feed (127.0.0.1) that replays the documented message formats:
 * subscriptions acks, level2 snapshots and l2updates, heartbeats, ticker, matches, user-channel order events, errors.
 * Books are checked against a plain Map book computed here from the same messages.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import {
  ArgumentsRequired,
  AuthenticationError,
  BadSymbol,
  ExchangeClosedByUser,
  NotSupported,
} from '../../src/core/errors.js';
import type { Dict, OrderBook } from '../../src/core/types.js';
import { coinbasepro } from '../../src/exchanges/coinbasepro/coinbasepro.js';
import { MapBook, sides } from '../helpers/refbook.js';

const SHARED = new URL('../../../shared/conformance/', import.meta.url);
const MARKETS = JSON.parse(readFileSync(new URL('markets/coinbaseexchange.json', SHARED), 'utf8')) as never;
const CURRENCIES = JSON.parse(readFileSync(new URL('currencies/coinbaseexchange.json', SHARED), 'utf8')) as never;

const NOW = 1_700_000_000_000;
const SECRET = 'ZGVtby1zZWNyZXQtZm9yLWNvaW5iYXNlLWV4Y2hhbmdlLXNpZ25pbmctdGVzdHM=';
const CREDS = { apiKey: 'cb-key-0123456789', secret: SECRET, password: 'cb-passphrase-xyz' };

// ---------------------------------------------------------------------------------------------------------------
// A local feed

interface Client {
  socket: ServerSocket;
  /** channel -> product ids, as the feed would list them in a `subscriptions` message. */
  subs: Map<string, Set<string>>;
  isPrivate: boolean;
}

interface Feed {
  url: string;
  received: Dict[];
  clients: Client[];
  /** Sends to every open socket (or those `to` picks). */
  send: (frame: unknown, to?: (c: Client) => boolean) => void;
  close: () => Promise<void>;
}

type Script = (msg: Dict, client: Client, feed: Feed) => void;

/** Channel names of a subscribe message: strings or {name, product_ids} objects, both documented. */
function channelsOf(msg: Dict): { name: string; products: string[] }[] {
  const top = (msg['product_ids'] as string[] | undefined) ?? [];
  return ((msg['channels'] as unknown[] | undefined) ?? []).map((c) =>
    typeof c === 'string'
      ? { name: c, products: top }
      : { name: String((c as Dict)['name']), products: ((c as Dict)['product_ids'] as string[] | undefined) ?? top },
  );
}

async function startFeed(script: Script = () => undefined): Promise<Feed> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const feed: Feed = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    received: [],
    clients: [],
    send: (frame, to) => {
      for (const c of feed.clients) {
        if (c.socket.readyState === c.socket.OPEN && (to === undefined || to(c))) c.socket.send(JSON.stringify(frame));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (socket) => {
    const client: Client = { socket, subs: new Map(), isPrivate: false };
    feed.clients.push(client);
    socket.on('message', (d) => {
      const msg = JSON.parse(d.toString()) as Dict;
      feed.received.push(msg);
      const type = msg['type'];
      if (type === 'subscribe' || type === 'unsubscribe') {
        for (const { name, products } of channelsOf(msg)) {
          if (name === 'user') client.isPrivate = true;
          const set = client.subs.get(name) ?? new Set<string>();
          for (const p of products) {
            if (type === 'subscribe') set.add(p);
            else set.delete(p);
          }
          if (set.size > 0) client.subs.set(name, set);
          else client.subs.delete(name);
        }
        socket.send(
          JSON.stringify({
            type: 'subscriptions',
            channels: [...client.subs].map(([name, ids]) => ({ name, product_ids: [...ids] })),
          }),
        );
      }
      script(msg, client, feed);
    });
  });
  return feed;
}

// Documented message shapes.
const snapshot = (product: string, bids: [string, string][], asks: [string, string][], time?: string) => ({
  type: 'snapshot',
  product_id: product,
  bids,
  asks,
  ...(time === undefined ? {} : { time }),
});
const l2update = (product: string, time: string, changes: [string, string, string][]) => ({
  type: 'l2update',
  product_id: product,
  time,
  changes,
});
const heartbeat = (product: string, sequence: number, time: string, lastTradeId = 20) => ({
  type: 'heartbeat',
  sequence,
  last_trade_id: lastTradeId,
  product_id: product,
  time,
});
const match = (product: string, tradeId: number, side: 'buy' | 'sell', size: string, price: string, time: string) => ({
  type: 'match',
  trade_id: tradeId,
  maker_order_id: 'ac928c66-ca53-498f-9c13-a110027a60e8',
  taker_order_id: '132fb6ae-456b-4654-b4e0-d681ac05cea1',
  side,
  size,
  price,
  product_id: product,
  sequence: 50 + tradeId,
  time,
});

const isSubscribe = (product: string, channel: string) => (m: Dict) =>
  m['type'] === 'subscribe' && channelsOf(m).some((c) => c.name === channel && c.products.includes(product));
const isUnsubscribe = (product: string, channel: string) => (m: Dict) =>
  m['type'] === 'unsubscribe' && channelsOf(m).some((c) => c.name === channel && c.products.includes(product));

// ---------------------------------------------------------------------------------------------------------------
// The independent reference book: plain Maps keyed by price, sorted only when read

class RefBook extends MapBook {
  snapshot(bids: [string, string][], asks: [string, string][]): void {
    this.reset(bids, asks);
  }
  apply(changes: [string, string, string][]): void {
    for (const [side, price, size] of changes) this.setLevel(side === 'buy' ? 'bids' : 'asks', price, size);
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
}

/** `rest` answers each REST call (a promise holds the answer back until it settles). */
function make(feed: Feed, config: Dict = {}, rest: (url: string) => unknown = () => []) {
  const calls: RestCall[] = [];
  const fetch = async (url: string, init: { method: string }) => {
    calls.push({ url, method: init.method });
    const text = JSON.stringify(await rest(url));
    return {
      status: 200,
      statusText: '',
      headers: new Headers({ 'content-type': 'application/json' }),
      text: async () => text,
    };
  };
  const { options, ...rest2 } = config as { options?: Dict };
  const ws = { backoff: { initial: 10, max: 50, jitter: 0 }, ...((options?.['ws'] as Dict | undefined) ?? {}) };
  const ex = new coinbasepro({
    urls: { ws: { public: feed.url, private: feed.url } } as never,
    enableRateLimit: false,
    now: () => NOW,
    fetch: fetch as never,
    ...rest2,
    options: { ...options, ws },
  });
  ex.setMarkets(MARKETS, CURRENCIES);
  cleanup.push(() => ex.close());
  return { ex, calls };
}

async function until(pred: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BTC_BIDS: [string, string][] = [
  ['10101.10', '0.45054140'],
  ['10101.00', '1.2'],
  ['10100.50', '0.3'],
];
const BTC_ASKS: [string, string][] = [
  ['10102.55', '0.57753524'],
  ['10103.00', '2'],
  ['10104.25', '0.75'],
];

/** A feed that answers every book subscribe with a snapshot (the n-th one from `books`, per product). */
function bookFeed(books: Record<string, [[string, string][], [string, string][]][]>, time?: string): Promise<Feed> {
  const served = new Map<string, number>();
  return startFeed((msg, client) => {
    if (msg['type'] !== 'subscribe') return;
    for (const { name, products } of channelsOf(msg)) {
      if (name !== 'level2' && name !== 'level2_batch') continue;
      for (const p of products) {
        const list = books[p];
        if (list === undefined) continue;
        const n = served.get(p) ?? 0;
        served.set(p, n + 1);
        const [bids, asks] = list[Math.min(n, list.length - 1)]!;
        client.socket.send(JSON.stringify(snapshot(p, bids, asks, time)));
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------

describe('coinbasepro ws: order book', () => {
  it('default: level2_batch snapshot then l2updates match the reference book', async () => {
    const feed = await bookFeed({ 'BTC-USD': [[BTC_BIDS, BTC_ASKS]] });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    const ref = new RefBook();
    ref.snapshot(BTC_BIDS, BTC_ASKS);
    const first = await ex.watchOrderBook('BTC/USD');
    expect(first.symbol).toBe('BTC/USD');
    expect(sides(first)).toEqual(ref.levels());
    expect(feed.received[0]).toEqual({
      type: 'subscribe',
      product_ids: ['BTC-USD'],
      channels: ['level2_batch', 'heartbeat'],
    });

    const batches: [string, string, string][][] = [
      [['buy', '10101.80000000', '0.162567']],
      [
        ['sell', '10102.55', '0.00000000'],
        ['sell', '10102.60', '1.5'],
        ['buy', '10101.00', '3.25'],
      ],
      [['buy', '10100.50', '0']],
    ];
    let book = first;
    for (const [i, changes] of batches.entries()) {
      const next = ex.watchOrderBook('BTC/USD');
      const time = `2019-08-14T20:42:2${i}.265Z`;
      feed.send(l2update('BTC-USD', time, changes));
      ref.apply(changes);
      book = await next;
      expect(sides(book)).toEqual(ref.levels());
      expect(book.timestamp).toBe(Date.parse(time));
    }
    expect(book.datetime).toBe('2019-08-14T20:42:22.265Z');
  });

  it('behavior: limit cuts the copy handed out, not the book kept (a removal uncovers the next level)', async () => {
    const feed = await bookFeed({ 'BTC-USD': [[BTC_BIDS, BTC_ASKS]] });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    const ref = new RefBook();
    ref.snapshot(BTC_BIDS, BTC_ASKS);
    expect(sides(await ex.watchOrderBook('BTC/USD', 2))).toEqual(ref.levels(2));
    const next = ex.watchOrderBook('BTC/USD', 2);
    const changes: [string, string, string][] = [
      ['buy', '10101.10', '0'],
      ['sell', '10102.55', '0'],
    ];
    feed.send(l2update('BTC-USD', '2019-08-14T20:42:27.265Z', changes));
    ref.apply(changes);
    const book = await next;
    expect(sides(book)).toEqual(ref.levels(2));
    expect(book.bids[1]).toEqual([10100.5, 0.3]);
  });

  it('behavior: with credentials the book comes from level2 with a signed subscribe', async () => {
    const feed = await bookFeed({ 'BTC-USD': [[BTC_BIDS, BTC_ASKS]] });
    cleanup.push(feed.close);
    const { ex } = make(feed, { ...CREDS });
    await ex.watchOrderBook('BTC/USD');
    const sub = feed.received[0]!;
    const timestamp = String(NOW / 1000);
    const signature = createHmac('sha256', Buffer.from(SECRET, 'base64'))
      .update(`${timestamp}GET/users/self/verify`)
      .digest('base64');
    expect(sub).toEqual({
      type: 'subscribe',
      product_ids: ['BTC-USD'],
      channels: ['level2', 'heartbeat'],
      signature,
      key: CREDS.apiKey,
      passphrase: CREDS.password,
      timestamp,
    });
  });

  it('behavior: a heartbeat sequence that goes back resyncs that symbol alone; no watch sees the pre-gap book', async () => {
    const truth: [string, string][] = [['10099.00', '4']];
    const feed = await bookFeed({
      'BTC-USD': [
        [BTC_BIDS, BTC_ASKS],
        [truth, BTC_ASKS],
      ],
      'ETH-USDT': [[[['2000', '1']], [['2001', '1']]]],
    });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    await Promise.all([ex.watchOrderBook('BTC/USD'), ex.watchOrderBook('ETH/USDT')]);
    feed.send(heartbeat('BTC-USD', 1000, '2020-01-01T00:00:00.000Z'));
    feed.send(heartbeat('ETH-USDT', 500, '2020-01-01T00:00:00.000Z'));
    const btc = ex.watchOrderBook('BTC/USD');
    feed.send(heartbeat('BTC-USD', 990, '2020-01-01T00:00:01.000Z')); // the feed went back: messages are suspect
    // Sent before the feed has seen the resubscribe: belongs to the discarded book, must not surface.
    feed.send(l2update('BTC-USD', '2020-01-01T00:00:01.100Z', [['buy', '10101.90', '9']]));
    const ref = new RefBook();
    ref.snapshot(truth, BTC_ASKS);
    const book = await btc;
    expect(sides(book)).toEqual(ref.levels());
    expect(feed.received.filter(isUnsubscribe('BTC-USD', 'level2_batch'))).toHaveLength(1);
    expect(feed.received.filter(isSubscribe('BTC-USD', 'level2_batch'))).toHaveLength(2);
    // ETH was left alone and keeps flowing.
    expect(feed.received.filter(isSubscribe('ETH-USDT', 'level2_batch'))).toHaveLength(1);
    const eth = ex.watchOrderBook('ETH/USDT');
    feed.send(l2update('ETH-USDT', '2020-01-01T00:00:02.000Z', [['sell', '2002', '3']]));
    expect((await eth).asks).toEqual([
      [2001, 1],
      [2002, 3],
    ]);
  });

  it('behavior: heartbeats further apart than heartbeatGap mean dropped messages: the book is rebuilt', async () => {
    const truth: [string, string][] = [['10098.00', '1']];
    const feed = await bookFeed({
      'BTC-USD': [
        [BTC_BIDS, BTC_ASKS],
        [truth, BTC_ASKS],
      ],
    });
    cleanup.push(feed.close);
    const { ex } = make(feed, { options: { ws: { heartbeatGap: 3000 } } });
    await ex.watchOrderBook('BTC/USD');
    feed.send(heartbeat('BTC-USD', 10, '2020-01-01T00:00:00.000Z'));
    feed.send(heartbeat('BTC-USD', 11, '2020-01-01T00:00:01.000Z'));
    const next = ex.watchOrderBook('BTC/USD');
    feed.send(heartbeat('BTC-USD', 90, '2020-01-01T00:00:06.000Z'));
    const ref = new RefBook();
    ref.snapshot(truth, BTC_ASKS);
    expect(sides(await next)).toEqual(ref.levels());
  });

  it('behavior: an l2update older than the one before resyncs the book (the snapshot time is not compared)', async () => {
    const truth: [string, string][] = [['10097.00', '2']];
    // Snapshots stamped after the first batch opened.
    const feed = await bookFeed(
      {
        'BTC-USD': [
          [BTC_BIDS, BTC_ASKS],
          [truth, BTC_ASKS],
        ],
      },
      '2020-01-01T00:00:05.020Z',
    );
    cleanup.push(feed.close);
    const { ex } = make(feed);
    await ex.watchOrderBook('BTC/USD');
    const a = ex.watchOrderBook('BTC/USD');
    feed.send(l2update('BTC-USD', '2020-01-01T00:00:05.000Z', [['buy', '10101.20', '1']]));
    expect((await a).bids[0]).toEqual([10101.2, 1]);
    const b = ex.watchOrderBook('BTC/USD');
    feed.send(l2update('BTC-USD', '2020-01-01T00:00:04.000Z', [['buy', '10101.30', '1']])); // out of order
    const ref = new RefBook();
    ref.snapshot(truth, BTC_ASKS);
    expect(sides(await b)).toEqual(ref.levels());
  });

  it('behavior: a crossed book is not published; it resyncs', async () => {
    const feed = await bookFeed({ 'BTC-USD': [[BTC_BIDS, BTC_ASKS]] });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    await ex.watchOrderBook('BTC/USD');
    const next = ex.watchOrderBook('BTC/USD');
    feed.send(l2update('BTC-USD', '2020-01-01T00:00:01.000Z', [['buy', '10105.00', '1']])); // bid above the ask
    const ref = new RefBook();
    ref.snapshot(BTC_BIDS, BTC_ASKS);
    expect(sides(await next)).toEqual(ref.levels());
    expect(feed.received.filter(isSubscribe('BTC-USD', 'level2_batch'))).toHaveLength(2);
  });

  it('behavior: a product whose heartbeats stop while others flow is rebuilt alone', async () => {
    const feed = await bookFeed({
      'BTC-USD': [[BTC_BIDS, BTC_ASKS]],
      'ETH-USDT': [[[['2000', '1']], [['2001', '1']]]],
    });
    cleanup.push(feed.close);
    const { ex } = make(feed, { options: { ws: { productStaleAfter: 150, heartbeatGap: 0 } } });
    await Promise.all([ex.watchOrderBook('BTC/USD'), ex.watchOrderBook('ETH/USDT')]);
    feed.send(heartbeat('BTC-USD', 1, '2020-01-01T00:00:00.000Z'));
    for (let i = 0; i < 12 && feed.received.filter(isSubscribe('BTC-USD', 'level2_batch')).length < 2; i++) {
      feed.send(heartbeat('ETH-USDT', 10 + i, '2020-01-01T00:00:00.000Z'));
      await sleep(40);
    }
    expect(feed.received.filter(isSubscribe('BTC-USD', 'level2_batch'))).toHaveLength(2);
    expect(feed.received.filter(isSubscribe('ETH-USDT', 'level2_batch'))).toHaveLength(1);
  });

  it('behavior: after a dropped connection the subscription is restored and data flows again', async () => {
    const after: [string, string][] = [['10090.00', '7']];
    const feed = await bookFeed({
      'BTC-USD': [
        [BTC_BIDS, BTC_ASKS],
        [after, BTC_ASKS],
      ],
    });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    await ex.watchOrderBook('BTC/USD');
    const mid = ex.watchOrderBook('BTC/USD');
    feed.send(l2update('BTC-USD', '2020-01-01T00:00:01.000Z', [['buy', '10101.50', '1']]));
    await mid;
    const next = ex.watchOrderBook('BTC/USD');
    feed.clients[0]!.socket.terminate();
    const ref = new RefBook();
    ref.snapshot(after, BTC_ASKS);
    expect(sides(await next)).toEqual(ref.levels());
    expect(feed.clients).toHaveLength(2);
    expect(feed.received.filter(isSubscribe('BTC-USD', 'heartbeat'))).toHaveLength(2);
    const flowing = ex.watchOrderBook('BTC/USD');
    const changes: [string, string, string][] = [['sell', '10102.00', '0.5']];
    feed.send(l2update('BTC-USD', '2020-01-01T00:00:09.000Z', changes));
    ref.apply(changes);
    expect(sides(await flowing)).toEqual(ref.levels());
  });

  it('behavior: a silent feed is declared stale, replaced and subscribed again', async () => {
    const feed = await bookFeed({ 'BTC-USD': [[BTC_BIDS, BTC_ASKS]] });
    cleanup.push(feed.close);
    const { ex } = make(feed, { options: { ws: { staleAfter: 150, pingInterval: 0 } } });
    await ex.watchOrderBook('BTC/USD');
    // Nothing more is sent: the watchdog replaces the socket and the new one gets the subscription and a snapshot.
    const ref = new RefBook();
    ref.snapshot(BTC_BIDS, BTC_ASKS);
    expect(sides(await ex.watchOrderBook('BTC/USD'))).toEqual(ref.levels());
    expect(feed.clients.length).toBeGreaterThanOrEqual(2);
    expect(feed.clients[0]!.socket.readyState).not.toBe(feed.clients[0]!.socket.OPEN);
    expect(Object.values(await ex.streamStatus())).toEqual(['connected']);
  });

  it('error: a subscription the feed refuses rejects that watch with the mapped error; others go on', async () => {
    const feed = await startFeed((msg, client) => {
      if (msg['type'] !== 'subscribe') return;
      const products = channelsOf(msg)[0]!.products;
      if (products.includes('XRP-USDT')) {
        client.socket.send(
          JSON.stringify({ type: 'error', message: 'Failed to subscribe', reason: 'XRP-USDT is not a valid product' }),
        );
      } else client.socket.send(JSON.stringify(snapshot(products[0]!, BTC_BIDS, BTC_ASKS)));
    });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    await ex.watchOrderBook('BTC/USD');
    await expect(ex.watchOrderBook('XRP/USDT')).rejects.toBeInstanceOf(BadSymbol);
    const next = ex.watchOrderBook('BTC/USD');
    feed.send(l2update('BTC-USD', '2020-01-01T00:00:01.000Z', [['buy', '10101.50', '1']]));
    expect((await next).bids[0]).toEqual([10101.5, 1]);
    // The refused topic is not sent again after a reconnect.
    feed.clients[0]!.socket.terminate();
    await until(() => feed.received.filter(isSubscribe('BTC-USD', 'level2_batch')).length === 2);
    expect(feed.received.filter(isSubscribe('XRP-USDT', 'level2_batch'))).toHaveLength(1);
  });

  it('behavior: stream() yields books and unsubscribes (book and heartbeat) on break', async () => {
    const feed = await bookFeed({ 'BTC-USD': [[BTC_BIDS, BTC_ASKS]] });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    let seen = 0;
    for await (const book of ex.stream('orderBook', 'BTC/USD')) {
      expect((book as OrderBook).symbol).toBe('BTC/USD');
      if (++seen === 1) feed.send(l2update('BTC-USD', '2020-01-01T00:00:01.000Z', [['sell', '10102.56', '1']]));
      if (seen === 2) break;
    }
    await until(() => feed.received.some(isUnsubscribe('BTC-USD', 'heartbeat')));
    expect(feed.received.filter((m) => m['type'] === 'unsubscribe')).toEqual([
      { type: 'unsubscribe', product_ids: ['BTC-USD'], channels: ['level2_batch'] },
      { type: 'unsubscribe', product_ids: ['BTC-USD'], channels: ['heartbeat'] },
    ]);
    expect(feed.clients[0]!.subs.size).toBe(0);
  });

  it('behavior: ending one stream keeps the product heartbeat another stream of it still needs', async () => {
    const feed = await bookFeed({ 'BTC-USD': [[BTC_BIDS, BTC_ASKS]] });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    await ex.watchOrderBook('BTC/USD');
    const trades = ex.stream('trades', 'BTC/USD');
    const first = trades.next();
    await until(() => feed.received.some(isSubscribe('BTC-USD', 'matches')));
    feed.send(match('BTC-USD', 5, 'buy', '1', '10101.50', '2020-01-31T20:03:41Z'));
    expect((await first).value).toHaveLength(1);
    await trades.return(undefined);
    await until(() => feed.received.some(isUnsubscribe('BTC-USD', 'matches')));
    await sleep(20);
    expect(feed.received.some(isUnsubscribe('BTC-USD', 'heartbeat'))).toBe(false);
    expect([...feed.clients[0]!.subs.keys()].sort()).toEqual(['heartbeat', 'level2_batch']);
    const next = ex.watchOrderBook('BTC/USD');
    feed.send(l2update('BTC-USD', '2020-01-01T00:00:01.000Z', [['sell', '10102.56', '1']]));
    expect((await next).asks[1]).toEqual([10102.56, 1]);
  });

  it('behavior: close() rejects pending watches and leaves no timer or socket behind', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const { ex } = make(feed);
    const pending = ex.watchOrderBook('BTC/USD');
    await until(() => feed.received.length > 0);
    expect(Object.values(await ex.streamStatus())).toEqual(['connected']);
    await ex.close();
    await expect(pending).rejects.toBeInstanceOf(ExchangeClosedByUser);
    await until(() => feed.clients[0]!.socket.readyState === feed.clients[0]!.socket.CLOSED);
    expect(timers()).toBeLessThanOrEqual(before);
    expect(await ex.streamStatus()).toEqual({});
  });
});

describe('coinbasepro ws: ticker and trades', () => {
  it('default: watchTicker parses the ticker channel', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed);
    const p = ex.watchTicker('BTC/USDT');
    await until(() => feed.received.length > 0);
    expect(feed.received[0]).toEqual({
      type: 'subscribe',
      product_ids: ['BTC-USDT'],
      channels: ['ticker', 'heartbeat'],
    });
    feed.send({
      type: 'ticker',
      sequence: 7388547310,
      product_id: 'BTC-USDT',
      price: '22345.67',
      open_24h: '22308.13',
      volume_24h: '470.21123644',
      low_24h: '22150',
      high_24h: '22495.15',
      volume_30d: '25713.98401605',
      best_bid: '22345.67',
      best_bid_size: '0.10647825',
      best_ask: '22349.68',
      best_ask_size: '0.03131702',
      side: 'sell',
      time: '2023-03-04T03:37:20.799258Z',
      trade_id: 11586478,
      last_size: '0.00352175',
    });
    const t = await p;
    expect(t).toMatchObject({
      symbol: 'BTC/USDT',
      timestamp: Date.parse('2023-03-04T03:37:20.799Z'),
      last: 22345.67,
      close: 22345.67,
      open: 22308.13,
      high: 22495.15,
      low: 22150,
      bid: 22345.67,
      bidVolume: 0.10647825,
      ask: 22349.68,
      askVolume: 0.03131702,
      baseVolume: 470.21123644,
      change: 37.54,
    });
  });

  it('behavior: watchTickers answers with the symbol that ticked', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed);
    const p = ex.watchTickers(['BTC/USD', 'ETH/USDT']);
    await until(() => feed.received.length === 2);
    feed.send({ type: 'ticker', product_id: 'ETH-USDT', price: '2001.5', time: '2023-03-04T03:37:20.799258Z' });
    const out = await p;
    expect(Object.keys(out)).toEqual(['ETH/USDT']);
    expect(out['ETH/USDT']!.last).toBe(2001.5);
    await expect(ex.watchTickers([])).rejects.toBeInstanceOf(ArgumentsRequired);
  });

  it('default: watchTrades hands out new trades once, taker side, after the last_match anchor', async () => {
    const feed = await startFeed((msg, client) => {
      if (isSubscribe('BTC-USD', 'matches')(msg)) {
        client.socket.send(
          JSON.stringify({ ...match('BTC-USD', 9, 'buy', '1', '9300', '2020-01-31T20:03:40Z'), type: 'last_match' }),
        );
      }
    });
    cleanup.push(feed.close);
    const { ex } = make(feed);
    const first = ex.watchTrades('BTC/USD');
    await until(() => feed.received.length > 0);
    await sleep(20);
    feed.send(match('BTC-USD', 10, 'sell', '0.00513192', '9314.78', '2020-01-31T20:03:41.158814Z'));
    const [t] = await first;
    expect(t).toMatchObject({
      id: '10',
      symbol: 'BTC/USD',
      side: 'buy', // the maker sold
      price: 9314.78,
      amount: 0.00513192,
      cost: 47.8027057776,
      timestamp: Date.parse('2020-01-31T20:03:41.158Z'),
    });
    // Two trades while nobody waits, then a third: the next call gets all three, once; a repeat is dropped.
    feed.send(match('BTC-USD', 11, 'buy', '1', '9315', '2020-01-31T20:03:42Z'));
    feed.send(match('BTC-USD', 12, 'buy', '2', '9316', '2020-01-31T20:03:43Z'));
    await sleep(20);
    const second = ex.watchTrades('BTC/USD');
    feed.send(match('BTC-USD', 12, 'buy', '2', '9316', '2020-01-31T20:03:43Z'));
    feed.send(match('BTC-USD', 13, 'buy', '3', '9317', '2020-01-31T20:03:44Z'));
    expect((await second).map((x) => x.id)).toEqual(['11', '12', '13']);
    const third = ex.watchTrades('BTC/USD', undefined, 1);
    feed.send(match('BTC-USD', 14, 'buy', '1', '9318', '2020-01-31T20:03:45Z'));
    feed.send(match('BTC-USD', 15, 'buy', '1', '9319', '2020-01-31T20:03:46Z'));
    expect((await third).map((x) => x.id)).toEqual(['14']);
  });

  it('behavior: a trade id gap is filled from REST before newer trades are handed out', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const older = [
      { trade_id: 12, side: 'buy', size: '0.2', price: '9312', time: '2020-01-31T20:03:42Z' },
      { trade_id: 11, side: 'sell', size: '0.1', price: '9311', time: '2020-01-31T20:03:41.5Z' },
    ];
    const { ex, calls } = make(feed, {}, (url) => (url.includes('/products/BTC-USD/trades') ? older : []));
    const a = ex.watchTrades('BTC/USD');
    await until(() => feed.received.length > 0);
    feed.send(match('BTC-USD', 10, 'sell', '1', '9310', '2020-01-31T20:03:41Z'));
    expect((await a).map((t) => t.id)).toEqual(['10']);
    const b = ex.watchTrades('BTC/USD');
    feed.send(match('BTC-USD', 13, 'sell', '1', '9313', '2020-01-31T20:03:43Z'));
    const got = await b;
    expect(got.map((t) => t.id)).toEqual(['11', '12', '13']);
    expect(got[0]!.side).toBe('buy');
    expect(calls).toHaveLength(1);
    const u = new URL(calls[0]!.url);
    expect(u.pathname).toBe('/products/BTC-USD/trades');
    expect(Object.fromEntries(u.searchParams)).toEqual({ after: '13', limit: '2' });
  });

  it('behavior: a trade a heartbeat announced and the feed never sent is fetched from REST', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex, calls } = make(feed, {}, () => [
      { trade_id: 21, side: 'sell', size: '0.1', price: '9321', time: '2020-01-31T20:03:50Z' },
    ]);
    const a = ex.watchTrades('BTC/USD');
    await until(() => feed.received.length > 0);
    feed.send(match('BTC-USD', 20, 'sell', '1', '9320', '2020-01-31T20:03:49Z'));
    await a;
    const b = ex.watchTrades('BTC/USD');
    // A heartbeat in step with the trades seen, then one ahead: the feed gets a heartbeat's time to deliver.
    feed.send(heartbeat('BTC-USD', 98, '2020-01-31T20:03:50Z', 20));
    feed.send(heartbeat('BTC-USD', 99, '2020-01-31T20:03:51Z', 21));
    await sleep(30);
    expect(calls).toHaveLength(0);
    feed.send(heartbeat('BTC-USD', 100, '2020-01-31T20:03:52Z', 21));
    expect((await b).map((t) => t.id)).toEqual(['21']);
    expect(calls).toHaveLength(1);
    expect(Object.fromEntries(new URL(calls[0]!.url).searchParams)).toEqual({ after: '22', limit: '1' });
  });

  it('behavior: the trade cache is bounded by options.ws.trades', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed, { options: { ws: { trades: 3 } } });
    const a = ex.watchTrades('BTC/USD');
    await until(() => feed.received.length > 0);
    feed.send(match('BTC-USD', 1, 'sell', '1', '100', '2020-01-31T20:03:49Z'));
    await a;
    for (let id = 2; id <= 8; id++) feed.send(match('BTC-USD', id, 'sell', '1', '100', '2020-01-31T20:03:49Z'));
    await sleep(30);
    const b = ex.watchTrades('BTC/USD');
    feed.send(match('BTC-USD', 9, 'sell', '1', '100', '2020-01-31T20:03:49Z'));
    expect((await b).map((t) => t.id)).toEqual(['7', '8', '9']);
  });
});

describe('coinbasepro ws: private user channel', () => {
  const ORDER = '11838707-bf9c-4d65-8cec-b57c9a7cab42';
  const base = { product_id: 'BTC-USD', profile_id: '774ee0ce', user_id: '54fc1415' };

  it('default: watchOrders follows received -> open -> match -> done on a signed socket of its own', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed, { ...CREDS });
    const ticker = ex.watchTicker('BTC/USD');
    const p1 = ex.watchOrders('BTC/USD');
    await until(() => feed.received.length === 2);
    const sub = feed.received.find((m) => channelsOf(m).some((c) => c.name === 'user'))!;
    expect(sub).toMatchObject({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['user', 'heartbeat'] });
    expect(sub['signature']).toBe(
      createHmac('sha256', Buffer.from(SECRET, 'base64'))
        .update(`${NOW / 1000}GET/users/self/verify`)
        .digest('base64'),
    );
    expect(feed.clients).toHaveLength(2);
    const priv = (c: Client) => c.isPrivate;
    feed.send(
      {
        ...base,
        type: 'received',
        side: 'sell',
        time: '2021-03-05T16:42:21.878177Z',
        sequence: 5641953814,
        order_id: ORDER,
        order_type: 'limit',
        size: '0.5',
        price: '50000',
        client_oid: 'a317abb9-2b30-4370-ebfe-0deecb300180',
      },
      priv,
    );
    const [o1] = await p1;
    expect(o1).toMatchObject({
      id: ORDER,
      clientOrderId: 'a317abb9-2b30-4370-ebfe-0deecb300180',
      symbol: 'BTC/USD',
      type: 'limit',
      side: 'sell',
      price: 50000,
      amount: 0.5,
      filled: 0,
      remaining: 0.5,
      status: 'open',
      timestamp: Date.parse('2021-03-05T16:42:21.878Z'),
    });
    const p2 = ex.watchOrders('BTC/USD');
    const trades = ex.watchMyTrades('BTC/USD');
    feed.send(
      {
        ...base,
        type: 'open',
        side: 'sell',
        time: '2021-03-05T16:42:21.9Z',
        sequence: 5641953815,
        price: '50000',
        order_id: ORDER,
        remaining_size: '0.5',
      },
      priv,
    );
    expect((await p2)[0]).toMatchObject({ status: 'open', remaining: 0.5 });
    const p3 = ex.watchOrders('BTC/USD');
    feed.send(
      {
        type: 'match',
        trade_id: 5455505,
        maker_order_id: ORDER,
        taker_order_id: '88bf7086-7b15-40ff-8b19-ab4e08516d69',
        side: 'sell',
        size: '0.2',
        price: '50000',
        product_id: 'BTC-USD',
        sequence: 5641953820,
        time: '2021-03-05T16:43:00.000000Z',
        maker_profile_id: '774ee0ce',
        maker_user_id: '54fc1415',
        maker_fee_rate: '0.004',
        profile_id: '774ee0ce',
        user_id: '54fc1415',
      },
      priv,
    );
    expect((await p3)[0]).toMatchObject({ filled: 0.2, remaining: 0.3, cost: 10000, average: 50000, status: 'open' });
    const [fill] = await trades;
    expect(fill).toMatchObject({
      id: '5455505',
      order: ORDER,
      symbol: 'BTC/USD',
      side: 'sell',
      takerOrMaker: 'maker',
      price: 50000,
      amount: 0.2,
      cost: 10000,
      fee: { cost: 40, currency: 'USD', rate: 0.004 },
    });
    const p4 = ex.watchOrders('BTC/USD');
    feed.send(
      {
        ...base,
        type: 'done',
        side: 'sell',
        time: '2021-03-05T16:44:00Z',
        sequence: 5641953830,
        order_id: ORDER,
        price: '50000',
        remaining_size: '0.3',
        reason: 'canceled',
      },
      priv,
    );
    expect((await p4)[0]).toMatchObject({
      status: 'canceled',
      filled: 0.2,
      remaining: 0.3,
      fee: { cost: 40, currency: 'USD' },
      lastUpdateTimestamp: Date.parse('2021-03-05T16:44:00Z'),
    });
    // The public socket carried no user topic and still gets its ticker.
    feed.send(
      { type: 'ticker', product_id: 'BTC-USD', price: '50001', time: '2021-03-05T16:44:01Z' },
      (c) => !c.isPrivate,
    );
    expect((await ticker).last).toBe(50001);
  });

  it('behavior: a taker fill is on the side opposite the maker; a repeated match is not counted twice', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed, { ...CREDS });
    const p = ex.watchMyTrades('BTC/USD');
    await until(() => feed.received.length === 1);
    const m = {
      type: 'match',
      trade_id: 10,
      sequence: 50,
      maker_order_id: 'ac928c66-ca53-498f-9c13-a110027a60e8',
      taker_order_id: '132fb6ae-456b-4654-b4e0-d681ac05cea1',
      time: '2014-11-07T08:19:27.028459Z',
      product_id: 'BTC-USD',
      size: '5.23512',
      price: '400.23',
      side: 'sell',
      taker_user_id: '5844eceecf7e803e259d0365',
      user_id: '5844eceecf7e803e259d0365',
      taker_profile_id: '765d1549-9660-4be2-97d4-fa2d65fa3352',
      profile_id: '765d1549-9660-4be2-97d4-fa2d65fa3352',
      taker_fee_rate: '0.005',
    };
    feed.send(m);
    const [t] = await p;
    expect(t).toMatchObject({
      order: '132fb6ae-456b-4654-b4e0-d681ac05cea1',
      side: 'buy',
      takerOrMaker: 'taker',
      cost: 2095.2520776,
      fee: { cost: 10.476260388, currency: 'USD', rate: 0.005 },
    });
    const next = ex.watchMyTrades('BTC/USD');
    feed.send(m);
    feed.send({ ...m, trade_id: 11, sequence: 51, size: '1' });
    expect((await next).map((x) => x.id)).toEqual(['11']);
  });

  it('behavior: stop activation, self-trade prevention shrink and a funds market order fold into orders', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed, { ...CREDS });
    const priv = (c: Client) => c.isPrivate;
    const STOP = 'b9c0f6f6-59a8-4c1b-b1b7-8d8e0f1b7f7a';
    const MKT = 'dddec984-77a8-460a-b958-66f114b0de9b';
    const p1 = ex.watchOrders('BTC/USD');
    await until(() => feed.received.length === 1);
    feed.send(
      {
        type: 'activate',
        product_id: 'BTC-USD',
        timestamp: '1483736448.299000',
        user_id: '12',
        profile_id: '30000727-d308-cf50-7b1c-c06deb1934fc',
        order_id: STOP,
        stop_type: 'entry',
        side: 'buy',
        stop_price: '80',
        size: '2',
        funds: '50',
        private: true,
      },
      priv,
    );
    expect((await p1)[0]).toMatchObject({
      id: STOP,
      side: 'buy',
      amount: 2,
      triggerPrice: 80,
      status: 'open',
      timestamp: 1483736448299,
    });
    const p2 = ex.watchOrders('BTC/USD');
    feed.send(
      {
        type: 'change',
        reason: 'STP',
        time: '2014-11-07T08:19:27.028459Z',
        sequence: 80,
        order_id: STOP,
        side: 'buy',
        product_id: 'BTC-USD',
        old_size: '2',
        new_size: '1.5',
        price: '81',
      },
      priv,
    );
    expect((await p2)[0]).toMatchObject({ id: STOP, amount: 1.5, remaining: 1.5, filled: 0 });
    const p3 = ex.watchOrders('BTC/USD');
    feed.send(
      {
        type: 'received',
        time: '2014-11-09T08:19:27.028459Z',
        product_id: 'BTC-USD',
        sequence: 12,
        order_id: MKT,
        funds: '3000.234',
        side: 'buy',
        order_type: 'market',
      },
      priv,
    );
    expect((await p3)[0]).toMatchObject({ id: MKT, type: 'market', status: 'open', filled: 0, amount: undefined });
    const p4 = ex.watchOrders('BTC/USD');
    feed.send(
      {
        type: 'match',
        trade_id: 77,
        sequence: 13,
        maker_order_id: 'f00d',
        taker_order_id: MKT,
        time: '2014-11-09T08:19:27.5Z',
        product_id: 'BTC-USD',
        size: '2',
        price: '1000',
        side: 'sell',
        taker_user_id: '12',
        taker_profile_id: '30000727-d308-cf50-7b1c-c06deb1934fc',
        taker_fee_rate: '0.006',
      },
      priv,
    );
    expect((await p4)[0]).toMatchObject({ id: MKT, filled: 2, status: 'open' });
    const p5 = ex.watchOrders('BTC/USD');
    feed.send(
      {
        type: 'done',
        time: '2014-11-09T08:19:28Z',
        product_id: 'BTC-USD',
        sequence: 14,
        order_id: MKT,
        reason: 'filled',
        side: 'buy',
      },
      priv,
    );
    const [last] = await p5;
    expect(last).toMatchObject({
      type: 'market',
      side: 'buy',
      status: 'closed',
      filled: 2,
      amount: 2,
      remaining: 0,
      cost: 2000,
      average: 1000,
      fee: { cost: 12, currency: 'USD' },
    });
  });

  it('error: private streams need credentials and a symbol; an authentication failure rejects them', async () => {
    const feed = await startFeed((msg, client) => {
      if (channelsOf(msg).some((c) => c.name === 'user')) {
        client.socket.send(
          JSON.stringify({ type: 'error', message: 'Authentication Failed', reason: '{"message":"Invalid API Key"}' }),
        );
      }
    });
    cleanup.push(feed.close);
    await expect(make(feed).ex.watchOrders('BTC/USD')).rejects.toBeInstanceOf(AuthenticationError);
    const { ex } = make(feed, { ...CREDS });
    await expect(ex.watchMyTrades()).rejects.toBeInstanceOf(ArgumentsRequired);
    await expect(ex.watchOrders('BTC/USD')).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe('coinbasepro ws: surface', () => {
  it('default: has names the watch methods the feed serves; the others throw NotSupported', async () => {
    const ex = new coinbasepro();
    expect(ex.has).toMatchObject({
      watchTicker: true,
      watchTickers: true,
      watchOrderBook: true,
      watchTrades: true,
      watchOrders: true,
      watchMyTrades: true,
    });
    expect(ex.has['watchOHLCV']).not.toBe(true);
    expect(ex.has['watchBalance']).not.toBe(true);
    await expect(ex.watchOHLCV('BTC/USD')).rejects.toBeInstanceOf(NotSupported);
    await expect(ex.watchBalance()).rejects.toBeInstanceOf(NotSupported);
    await ex.close();
  });

  it('default: sandbox mode points the streams at the sandbox feed', async () => {
    const ex = new coinbasepro({ sandbox: true });
    const { coinbaseproStreams } = await import('../../src/exchanges/coinbasepro/ws.js');
    const handler = new coinbaseproStreams(ex);
    expect(handler.wsUrl()).toBe('wss://ws-feed-public.sandbox.exchange.coinbase.com');
    expect(new coinbaseproStreams(new coinbasepro()).wsUrl()).toBe('wss://ws-feed.exchange.coinbase.com');
    handler.close();
  });
});

describe('coinbasepro ws: catching up after a reconnect', () => {
  const ORDER = '11838707-bf9c-4d65-8cec-b57c9a7cab42';
  const OTHER = '5f1a0b7c-3c2e-4b55-9d7e-0a9d3e6b2c11';
  const priv = (c: Client) => c.isPrivate;
  const iso = (ms: number) => new Date(ms).toISOString();
  const path = (url: string) => new URL(url).pathname;

  /** The live private socket goes away (the client reconnects on its own). */
  const dropPrivate = (feed: Feed) => {
    for (const c of feed.clients) if (c.isPrivate && c.socket.readyState === c.socket.OPEN) c.socket.terminate();
  };
  const received = (id: string, sequence: number) => ({
    type: 'received',
    product_id: 'BTC-USD',
    time: iso(NOW - 120_000),
    sequence,
    order_id: id,
    order_type: 'limit',
    side: 'sell',
    size: '0.5',
    price: '50000',
  });
  /** GET /orders/{id} as the REST reference shows it. */
  const restOrder = (over: Dict = {}) => ({
    id: ORDER,
    price: '50000.00000000',
    size: '0.50000000',
    product_id: 'BTC-USD',
    side: 'sell',
    type: 'limit',
    time_in_force: 'GTC',
    post_only: false,
    created_at: iso(NOW - 120_000),
    fill_fees: '0.0000000000000000',
    filled_size: '0.00000000',
    executed_value: '0.0000000000000000',
    status: 'open',
    settled: false,
    ...over,
  });
  const FILLED = {
    status: 'done',
    done_reason: 'filled',
    done_at: iso(NOW - 1_000),
    filled_size: '0.50000000',
    executed_value: '25000.0000000000000000',
    fill_fees: '100.0000000000000000',
  };
  /** A user-channel match of our maker order. */
  const makerMatch = (tradeId: number, sequence: number, size: string, time: number) => ({
    type: 'match',
    trade_id: tradeId,
    maker_order_id: ORDER,
    taker_order_id: '88bf7086-7b15-40ff-8b19-ab4e08516d69',
    side: 'sell',
    size,
    price: '50000',
    product_id: 'BTC-USD',
    sequence,
    time: iso(time),
    maker_profile_id: '774ee0ce',
    maker_user_id: '54fc1415',
    maker_fee_rate: '0.004',
  });
  /** GET /fills row of the same maker order. */
  const restFill = (tradeId: number, size: string, time: number) => ({
    trade_id: tradeId,
    product_id: 'BTC-USD',
    order_id: ORDER,
    liquidity: 'M',
    price: '50000.00000000',
    size,
    fee: String(50000 * Number(size) * 0.004),
    created_at: iso(time),
    side: 'sell',
    settled: true,
  });

  it('behavior: an order filled while the private socket was down reaches watchOrders after the reconnect, once', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex, calls } = make(feed, { ...CREDS }, (url) =>
      path(url) === `/orders/${ORDER}` ? restOrder(FILLED) : [],
    );
    const p1 = ex.watchOrders('BTC/USD');
    await until(() => feed.received.length === 1);
    feed.send(received(ORDER, 100), priv);
    expect((await p1)[0]).toMatchObject({ id: ORDER, status: 'open', filled: 0, remaining: 0.5 });
    // The first connect asks REST nothing.
    expect(calls).toEqual([]);

    const p2 = ex.watchOrders('BTC/USD');
    dropPrivate(feed);
    const caught = await p2;
    expect(caught).toHaveLength(1);
    expect(caught[0]).toMatchObject({
      id: ORDER,
      symbol: 'BTC/USD',
      side: 'sell',
      status: 'closed',
      amount: 0.5,
      filled: 0.5,
      remaining: 0,
      cost: 25000,
      average: 50000,
      fee: { cost: 100, currency: 'USD' },
      lastUpdateTimestamp: NOW - 1_000,
    });
    // The open orders, then the known open order that left them; no fills: watchMyTrades is not watched.
    expect(calls.map((c) => path(c.url))).toEqual(['/orders', `/orders/${ORDER}`]);
    expect(new URL(calls[0]!.url).searchParams.get('product_id')).toBe('BTC-USD');

    // The feed's own last words on the order arrive on the new socket too: they merge into what REST said.
    const p3 = ex.watchOrders('BTC/USD');
    feed.send(makerMatch(7, 101, '0.5', NOW - 1_500), priv);
    feed.send(
      {
        type: 'done',
        product_id: 'BTC-USD',
        time: iso(NOW - 1_000),
        sequence: 102,
        order_id: ORDER,
        side: 'sell',
        reason: 'filled',
        remaining_size: '0',
        price: '50000',
      },
      priv,
    );
    feed.send(received(OTHER, 103), priv);
    const next = await p3;
    expect(next.map((o) => o.id)).toEqual([OTHER]);
    expect(feed.clients.filter(priv)).toHaveLength(2);
  });

  it('behavior: a fill made while the private socket was down reaches watchMyTrades after the reconnect, once', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex, calls } = make(feed, { ...CREDS }, (url) =>
      // Newest first, as /fills answers; the first one was streamed before the drop.
      path(url) === '/fills' ? [restFill(11, '0.2', NOW + 1_000), restFill(10, '0.1', NOW - 60_000)] : [],
    );
    const t1 = ex.watchMyTrades('BTC/USD');
    await until(() => feed.received.length === 1);
    feed.send(makerMatch(10, 100, '0.1', NOW - 60_000), priv);
    expect((await t1).map((t) => t.id)).toEqual(['10']);
    expect(calls).toEqual([]);

    const t2 = ex.watchMyTrades('BTC/USD');
    dropPrivate(feed);
    const caught = await t2;
    expect(caught).toHaveLength(1);
    expect(caught[0]).toMatchObject({
      id: '11',
      order: ORDER,
      symbol: 'BTC/USD',
      side: 'sell',
      takerOrMaker: 'maker',
      price: 50000,
      amount: 0.2,
      cost: 10000,
      fee: { cost: 40, currency: 'USD' },
      timestamp: NOW + 1_000,
    });
    // Only fills (watchOrders is not watched), from when the socket last heard anything (or a little before).
    expect(calls.map((c) => path(c.url))).toEqual(['/fills']);
    const from = Date.parse(new URL(calls[0]!.url).searchParams.get('start_date')!);
    expect(from).toBeLessThanOrEqual(NOW);
    expect(from).toBeGreaterThan(NOW - 60_000);

    // The same match streamed after the reconnect is not handed out again; a new one is.
    const t3 = ex.watchMyTrades('BTC/USD');
    feed.send(makerMatch(11, 105, '0.2', NOW + 1_000), priv);
    feed.send(makerMatch(12, 106, '0.2', NOW + 2_000), priv);
    expect((await t3).map((t) => t.id)).toEqual(['12']);
  });

  /** Fails fast (instead of at the test timeout) when an answer does not come. */
  const soon = <T>(p: Promise<T>, ms = 1_000): Promise<T> =>
    Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`no answer within ${ms} ms`)))]);
  /** The REST state of the order after `filled` of it matched at 50000 (maker fee 0.4%). */
  const partlyFilled = (filled: string) =>
    restOrder({
      filled_size: filled,
      executed_value: String(50000 * Number(filled)),
      fill_fees: String(50000 * Number(filled) * 0.004),
    });
  const orderFills = (url: string) => new URL(url).searchParams.get('order_id');

  it('behavior: a match streamed after the catch-up handed out its fill still counts on an order REST read before it', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    // The gap: trade 11. The order was read after 11 (filled 0.2); the fills after trade 12 came.
    const { ex, calls } = make(feed, { ...CREDS }, (url) => {
      if (path(url) === '/orders') return [partlyFilled('0.2')];
      if (path(url) !== '/fills') return [];
      if (orderFills(url) === ORDER)
        return [restFill(12, '0.1', NOW + 1_000), restFill(11, '0.1', NOW - 1_000), restFill(10, '0.1', NOW - 60_000)];
      return [restFill(12, '0.1', NOW + 1_000), restFill(11, '0.1', NOW - 1_000)];
    });
    const p1 = ex.watchOrders('BTC/USD');
    const t1 = ex.watchMyTrades('BTC/USD');
    await until(() => feed.received.length === 1);
    feed.send(received(ORDER, 100), priv);
    feed.send(makerMatch(10, 101, '0.1', NOW - 60_000), priv);
    await p1;
    expect((await t1).map((t) => t.id)).toEqual(['10']);

    const p2 = ex.watchOrders('BTC/USD');
    const t2 = ex.watchMyTrades('BTC/USD');
    dropPrivate(feed);
    expect((await p2).map((o) => [o.id, o.status, o.filled])).toEqual([[ORDER, 'open', 0.2]]);
    expect((await t2).map((t) => t.id)).toEqual(['11', '12']);
    // The order's own fills were asked after the order, to know which trades its filled size counts.
    expect(calls.filter((c) => orderFills(c.url) === ORDER)).toHaveLength(1);

    // Trade 12 arrives on the feed now: its fill went out already, but the order was read before it.
    const p3 = ex.watchOrders('BTC/USD');
    const t3 = ex.watchMyTrades('BTC/USD');
    feed.send(makerMatch(12, 102, '0.1', NOW + 1_000), priv);
    expect((await soon(p3))[0]).toMatchObject({
      filled: 0.3,
      remaining: 0.2,
      cost: 15000,
      lastTradeTimestamp: NOW + 1_000,
    });
    const p4 = ex.watchOrders('BTC/USD');
    feed.send(makerMatch(13, 103, '0.2', NOW + 3_000), priv);
    expect((await t3).map((t) => t.id)).toEqual(['13']);
    expect((await p4)[0]).toMatchObject({ filled: 0.5, remaining: 0, cost: 25000 });
  });

  it('behavior: with watchOrders alone, a match REST already counted is not counted again when the feed delivers it', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    // The order was read after trade 12, whose match the feed delivers after the REST answer.
    const { ex, calls } = make(feed, { ...CREDS }, (url) => {
      if (path(url) === '/orders') return [partlyFilled('0.3')];
      if (path(url) === '/fills' && orderFills(url) === ORDER)
        return [restFill(12, '0.1', NOW + 1_000), restFill(11, '0.1', NOW - 1_000), restFill(10, '0.1', NOW - 60_000)];
      return [];
    });
    const p1 = ex.watchOrders('BTC/USD');
    await until(() => feed.received.length === 1);
    feed.send(received(ORDER, 100), priv);
    feed.send(makerMatch(10, 101, '0.1', NOW - 60_000), priv);
    await p1;

    const p2 = ex.watchOrders('BTC/USD');
    dropPrivate(feed);
    expect((await p2)[0]).toMatchObject({ id: ORDER, status: 'open', filled: 0.3, remaining: 0.2, cost: 15000 });
    // No gap fills (watchMyTrades is not watched): the open orders, then the partly filled order's own fills.
    expect(calls.map((c) => [path(c.url), orderFills(c.url)])).toEqual([
      ['/orders', null],
      ['/fills', ORDER],
    ]);

    const p3 = ex.watchOrders('BTC/USD');
    feed.send(makerMatch(12, 102, '0.1', NOW + 1_000), priv);
    feed.send(makerMatch(13, 103, '0.1', NOW + 3_000), priv);
    expect((await p3)[0]).toMatchObject({ filled: 0.4, remaining: 0.1, cost: 20000, lastTradeTimestamp: NOW + 3_000 });
  });

  it('behavior: matches streamed while the REST answer is on its way count once, whether REST counted them or not', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    let answer: (v: unknown) => void = () => undefined;
    const held = new Promise((r) => (answer = r));
    // REST reads the order after trade 12 and before 13: filled 0.3 (10, 11 in the gap, 12).
    const { ex, calls } = make(feed, { ...CREDS }, (url) => {
      if (path(url) === '/orders') return held;
      if (path(url) === '/fills' && orderFills(url) === ORDER)
        return [
          restFill(13, '0.1', NOW + 3_000),
          restFill(12, '0.1', NOW + 1_000),
          restFill(11, '0.1', NOW - 1_000),
          restFill(10, '0.1', NOW - 60_000),
        ];
      return [];
    });
    const p1 = ex.watchOrders('BTC/USD');
    await until(() => feed.received.length === 1);
    feed.send(received(ORDER, 100), priv);
    feed.send(makerMatch(10, 101, '0.1', NOW - 60_000), priv);
    await p1;

    const p2 = ex.watchOrders('BTC/USD');
    dropPrivate(feed);
    await until(() => calls.length === 1);
    // Both matches arrive before the REST answer; the feed's own view misses trade 11 of the gap.
    feed.send(makerMatch(12, 102, '0.1', NOW + 1_000), priv);
    expect((await p2)[0]).toMatchObject({ filled: 0.2 });
    const p3 = ex.watchOrders('BTC/USD');
    feed.send(makerMatch(13, 103, '0.1', NOW + 3_000), priv);
    expect((await p3)[0]).toMatchObject({ filled: 0.3 });
    const p4 = ex.watchOrders('BTC/USD');
    answer([partlyFilled('0.3')]);
    expect((await soon(p4))[0]).toMatchObject({
      filled: 0.4,
      remaining: 0.1,
      cost: 20000,
      lastTradeTimestamp: NOW + 3_000,
    });
    // The next match counts on top.
    const p5 = ex.watchOrders('BTC/USD');
    feed.send(makerMatch(14, 104, '0.1', NOW + 4_000), priv);
    expect((await p5)[0]).toMatchObject({ filled: 0.5, remaining: 0, cost: 25000 });
  });

  it('behavior: an order placed and one cancelled (and purged) in the gap both reach watchOrders', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex } = make(feed, { ...CREDS }, (url) => {
      if (path(url) === '/orders')
        return [restOrder({ id: OTHER, price: '51000.00000000', created_at: iso(NOW - 2_000) })];
      // An order cancelled without a match is purged: the exchange no longer knows it.
      if (path(url) === `/orders/${ORDER}`) return { message: 'NotFound' };
      return [];
    });
    const p1 = ex.watchOrders('BTC/USD');
    await until(() => feed.received.length === 1);
    feed.send(received(ORDER, 100), priv);
    await p1;
    const p2 = ex.watchOrders('BTC/USD');
    dropPrivate(feed);
    const caught = await p2;
    expect(caught.map((o) => [o.id, o.status, o.filled])).toEqual([
      [OTHER, 'open', 0],
      [ORDER, 'canceled', 0],
    ]);
    expect(caught[0]).toMatchObject({ price: 51000, amount: 0.5, remaining: 0.5 });
  });

  it('error: a failed catch-up rejects the waiting call with the typed error; the stream goes on and the next reconnect tries again', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    let refuse = true;
    const { ex, calls } = make(feed, { ...CREDS }, (url) => {
      if (refuse) return { message: 'Invalid API Key' };
      return path(url) === `/orders/${ORDER}` ? restOrder(FILLED) : [];
    });
    const p1 = ex.watchOrders('BTC/USD');
    await until(() => feed.received.length === 1);
    feed.send(received(ORDER, 100), priv);
    await p1;
    // Errors that belong to no call go to the handler's onError, which logs them on a verbose exchange.
    const logged: unknown[][] = [];
    ex.verbose = true;
    ex.log = (...args: unknown[]) => void logged.push(args);
    const p2 = ex.watchOrders('BTC/USD');
    dropPrivate(feed);
    await expect(p2).rejects.toBeInstanceOf(AuthenticationError);
    expect(calls.map((c) => path(c.url))).toEqual(['/orders']);
    expect(logged.some(([what, message]) => what === 'ws error' && String(message).includes('Invalid API Key'))).toBe(
      true,
    );
    ex.verbose = false;
    // The subscription is untouched: streamed events still arrive.
    const p3 = ex.watchOrders('BTC/USD');
    feed.send(received(OTHER, 101), priv);
    expect((await p3).map((o) => o.id)).toEqual([OTHER]);
    // The next reconnect catches up the gap that was missed.
    refuse = false;
    const p4 = ex.watchOrders('BTC/USD');
    dropPrivate(feed);
    expect((await p4).map((o) => [o.id, o.status])).toEqual([[ORDER, 'closed']]);
  });

  it('behavior: no REST catch-up on the first connect, nor after a drop when nothing private is watched', async () => {
    const feed = await startFeed();
    cleanup.push(feed.close);
    const { ex, calls } = make(feed, { ...CREDS }, () => []);
    const ticker = ex.watchTicker('BTC/USD');
    const orders = ex.watchOrders('BTC/USD');
    await until(() => feed.received.length === 2);
    feed.send(received(ORDER, 100), priv);
    feed.send({ type: 'ticker', product_id: 'BTC-USD', price: '50001', time: iso(NOW) }, (c) => !c.isPrivate);
    await orders;
    await ticker;
    await ex.unWatchOrders('BTC/USD');
    await until(() => feed.received.some(isUnsubscribe('BTC-USD', 'user')));
    // Both sockets drop; the public one comes back with its ticker, and nothing asks REST for orders or fills.
    const again = ex.watchTicker('BTC/USD');
    for (const c of feed.clients) c.socket.terminate();
    await until(() => feed.received.filter(isSubscribe('BTC-USD', 'ticker')).length === 2);
    feed.send({ type: 'ticker', product_id: 'BTC-USD', price: '50002', time: iso(NOW) }, (c) => !c.isPrivate);
    expect((await again).last).toBe(50002);
    await sleep(50);
    expect(calls).toEqual([]);
  });
});
