/**
 * Soak: a million Binance diff-depth events (10-20 level changes each, as Binance batches them) and a million trades
 * through binanceStreams, with a watchOrderBook loop and a watchTrades loop consuming them, in flat memory.
 *
 * The first part goes over a real websocket (a local server on 127.0.0.1 sending combined-stream JSON frames, with a
 * window so it never runs ahead of the client); the rest is handed to the handler's message entry point directly,
 * pre-parsed as the connection would hand it over, in batches with a turn of the event loop after each (as when one
 * socket read delivers many frames), because the loopback alone would take minutes for two million frames.
 *
 * Heap used (this worker's V8 isolate, after a full gc) is printed at the start and at the end, while the book,
 * the trade cache and both watchers are still alive; the end must stay within 30 MB of the start.
 */
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { exchangeInfo } from '../bench/fixtures.js';
import { DepthSim, type DepthUpdate, type TradeEvent } from '../bench/ws.js';
import { ExchangeClosedByUser } from '../src/core/errors.js';
import type { FetchLike } from '../src/core/http.js';
import type { OrderBook, Trade } from '../src/core/types.js';
import { binance } from '../src/exchanges/binance/binance.js';
import { binanceStreams } from '../src/exchanges/binance/ws.js';
import type { Connection } from '../src/ws/connection.js';

const BOOK_UPDATES = 1_000_000;
const TRADES = 1_000_000;
/** Of which over the real socket. */
const OVER_SOCKET = 200_000;
/** Frames of each kind the server sends before it waits for the client to catch up. */
const WINDOW = 250;
/** Messages of each kind handed over directly between two turns of the event loop. */
const BATCH = 100;
const SYMBOL = 'BTC/USDT';
const DEPTH_STREAM = 'btcusdt@depth@100ms';
const TRADE_STREAM = 'btcusdt@trade';
const MB = 1024 * 1024;

function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Heap used by this isolate after full collections (a few, so finalizers and weak references settle). */
async function heapUsed(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return v8.getHeapStatistics().used_heap_size;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** binanceStreams with read access to the state a soak has to keep bounded; the exchange loads it lazily. */
const handlers: SoakStreams[] = [];
class SoakStreams extends binanceStreams {
  constructor(exchange: binance) {
    super(exchange);
    handlers.push(this);
  }
  bookState(): { bids: number; asks: number; nonce: number | undefined; live: boolean; top: OrderBook } {
    const book = this.books.get(SYMBOL);
    return {
      bids: book?.bids.length ?? 0,
      asks: book?.asks.length ?? 0,
      nonce: book?.nonce,
      live: book?.state === 'live',
      top: book === undefined ? ({ bids: [], asks: [] } as unknown as OrderBook) : book.snapshot(100),
    };
  }
  trades(): { length: number; appended: number; limit: number } {
    const cache = this.tradeCaches.get(SYMBOL);
    return { length: cache?.length ?? 0, appended: cache?.appended ?? 0, limit: cache?.limit ?? 0 };
  }
}
class soakBinance extends binance {
  static override streams = async () => SoakStreams;
}

interface Server {
  url: string;
  subscribed: Set<string>;
  socket: () => WebSocket | undefined;
  close: () => Promise<void>;
}

/** Acknowledges SUBSCRIBE as Binance does and hands its socket to the test. */
async function startServer(): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const subscribed = new Set<string>();
  let current: WebSocket | undefined;
  wss.on('connection', (socket) => {
    current = socket;
    socket.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { method?: string; params?: string[]; id?: number };
      if (msg.method === 'SUBSCRIBE') for (const p of msg.params ?? []) subscribed.add(p);
      if (msg.method === 'UNSUBSCRIBE') for (const p of msg.params ?? []) subscribed.delete(p);
      socket.send(JSON.stringify({ result: null, id: msg.id }));
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    subscribed,
    socket: () => current,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`soak: timed out waiting for ${what}`);
    await turn();
  }
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
  handlers.length = 0;
});

describe('soak', () => {
  it('behavior: a million updates in flat memory', async () => {
    const t0 = performance.now();
    const gc = gcFunction();
    const sim = new DepthSim(2024);
    const routes: Record<string, string> = {
      '/api/v3/exchangeInfo': exchangeInfo(20).text,
      '/api/v3/depth': JSON.stringify(sim.snapshot(1000)),
    };
    const headers = new Headers({ 'content-type': 'application/json' });
    const fetch: FetchLike = async (url) => {
      const text = routes[new URL(url).pathname];
      if (text === undefined) throw new Error(`unexpected request ${url}`);
      return { status: 200, statusText: 'OK', headers, text: async () => text };
    };
    const server = await startServer();
    const publicUrl = `${server.url}/stream`;
    const ex = new soakBinance({
      fetch,
      enableRateLimit: false,
      urls: { ws: { public: publicUrl, private: `${server.url}/ws` } },
    });
    cleanup = async () => {
      await ex.close();
      await server.close();
    };

    // ---- the watchers: what a user's program does
    let stop = false;
    const seen = { books: 0, lastNonce: 0, crossed: 0, outOfOrder: 0, trades: 0, lastTradeId: 0, tradeGaps: 0 };
    const closed = (e: unknown): void => {
      if (!(e instanceof ExchangeClosedByUser)) throw e;
    };
    const bookLoop = (async () => {
      for await (const book of ex.stream('orderBook', SYMBOL) as AsyncGenerator<OrderBook>) {
        seen.books++;
        if (book.nonce! <= seen.lastNonce) seen.outOfOrder++;
        seen.lastNonce = book.nonce!;
        if (book.bids[0]![0] >= book.asks[0]![0]) seen.crossed++;
        if (stop) break;
      }
    })().catch(closed);
    const tradeLoop = (async () => {
      for await (const trades of ex.stream('trades', SYMBOL) as AsyncGenerator<Trade[]>) {
        for (const t of trades) {
          const id = Number(t.id);
          if (seen.lastTradeId !== 0 && id !== seen.lastTradeId + 1) seen.tradeGaps++;
          seen.lastTradeId = id;
        }
        seen.trades += trades.length;
        if (stop) break;
      }
    })().catch(closed);

    // ---- subscribed for real, book synced from the REST snapshot
    await until(() => server.subscribed.has(DEPTH_STREAM) && server.subscribed.has(TRADE_STREAM), 'subscriptions');
    await until(() => seen.books === 1, 'the first book');
    expect(handlers).toHaveLength(1);
    const h = handlers[0]!;
    const socket = server.socket()!;
    const conn = h.streams.connection(publicUrl) as Connection;

    const start = await heapUsed(gc);
    let books = 0;
    let trades = 0;
    let levelChanges = 0;
    let lastU = sim.lastUpdateId;
    const depth = (): DepthUpdate => {
      const ev = sim.next();
      levelChanges += ev.a.length + ev.b.length;
      lastU = ev.u;
      books++;
      return ev;
    };
    const trade = (): TradeEvent => {
      trades++;
      return sim.trade();
    };
    const caughtUp = (): boolean => h.bookState().nonce === lastU && h.trades().appended === trades;
    /** Highest heap used seen between batches (no gc: garbage included), to show it does not climb either. */
    let peak = start;
    const sample = (): void => {
      peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
    };

    // ---- part 1: over the socket, one JSON frame per event as Binance's combined stream sends them
    while (books < OVER_SOCKET) {
      for (let i = 0; i < WINDOW && books < OVER_SOCKET; i++) {
        socket.send(JSON.stringify({ stream: DEPTH_STREAM, data: depth() }));
        socket.send(JSON.stringify({ stream: TRADE_STREAM, data: trade() }));
      }
      await until(caughtUp, 'the client to read the socket');
      sample();
    }
    const socketSeconds = (performance.now() - t0) / 1000;

    // ---- part 2: the same messages, pre-parsed, straight into the handler
    while (books < BOOK_UPDATES - 1 || trades < TRADES - 1) {
      for (let i = 0; i < BATCH; i++) {
        if (books < BOOK_UPDATES - 1) h.handleMessage({ stream: DEPTH_STREAM, data: depth() }, conn);
        if (trades < TRADES - 1) h.handleMessage({ stream: TRADE_STREAM, data: trade() }, conn);
      }
      await turn();
      sample();
    }
    // A watch call resolves with the next update: within a batch that is its first message. One last update of
    // each kind, alone, brings both watchers to the end (the trades watcher gets everything since its last call).
    await until(
      () => h.streams.hasWaiters(`orderbook:${SYMBOL}`) && h.streams.hasWaiters(`trades:${SYMBOL}`),
      'the watchers to wait again',
    );
    h.handleMessage({ stream: DEPTH_STREAM, data: depth() }, conn);
    h.handleMessage({ stream: TRADE_STREAM, data: trade() }, conn);
    await until(() => caughtUp() && seen.lastNonce === lastU && seen.trades === trades, 'the watchers');

    const state = h.bookState();
    const cache = h.trades();
    const end = await heapUsed(gc);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `soak: ${books.toLocaleString('en')} book updates (${levelChanges.toLocaleString('en')} level changes) and ` +
        `${trades.toLocaleString('en')} trades in ${seconds.toFixed(1)} s (first ${OVER_SOCKET.toLocaleString('en')} ` +
        `of each over a local websocket, ${socketSeconds.toFixed(1)} s); watchOrderBook resolved ` +
        `${seen.books.toLocaleString('en')} times, watchTrades delivered ${seen.trades.toLocaleString('en')} trades\n` +
        `soak: heap used at start ${(start / MB).toFixed(1)} MB, at end ${(end / MB).toFixed(1)} MB ` +
        `(${end >= start ? '+' : ''}${((end - start) / MB).toFixed(1)} MB), at most ${(peak / MB).toFixed(1)} MB ` +
        `between batches without gc; book ${state.bids} bids / ${state.asks} ` +
        `asks, trade cache ${cache.length} of limit ${cache.limit}`,
    );

    // flat memory, bounded state
    expect(end).toBeLessThan(start + 30 * MB);
    expect(state.bids).toBeLessThanOrEqual(1000);
    expect(state.asks).toBeLessThanOrEqual(1000);
    expect(cache.limit).toBe(1000);
    expect(cache.length).toBe(cache.limit);
    expect(cache.appended).toBe(TRADES);
    // and still right: the book is the exchange's, every trade reached the watcher in order, nothing resynced
    expect(state.live).toBe(true);
    expect(state.nonce).toBe(sim.lastUpdateId);
    expect(state.top.bids).toEqual(sim.top('bids', 100));
    expect(state.top.asks).toEqual(sim.top('asks', 100));
    expect(h.resyncs.get(SYMBOL) ?? 0).toBe(0);
    expect(seen).toMatchObject({ crossed: 0, outOfOrder: 0, tradeGaps: 0, trades: TRADES });

    stop = true;
    await ex.close();
    await Promise.all([bookLoop, tradeLoop]);
  }, 180_000);
});
