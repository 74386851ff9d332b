/**
 * Order book delta throughput, unifex vs ccxt.pro (binance), side by side in one process.
 *
 * Both libraries subscribe for real (a local websocket server on 127.0.0.1 acknowledges SUBSCRIBE) and sync their
 * book from the same 1000-level REST snapshot, served by an injected fetch. Then the SAME pre-parsed diff-depth
 * events are handed to each library's websocket message handler directly (unifex: binanceStreams.handleMessage,
 * ccxt: binance.handleMessage(client, message)), so the figure is the library's delta handling, not the loopback.
 *
 *   npx tsx bench/ws.ts [--quick] [--lib=both|unifex|ccxt]     (alone)
 *   npx tsx bench/run.ts --only=wsbook                          (as rows of the main table)
 *
 * DepthSim (the synthetic exchange book and its diff-depth / trade streams) is also what test/soak.test.ts streams.
 * ccxt is a devDependency used here only; src/ never imports it. See bench/README.md.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { WebSocketServer } from 'ws';
import type { Exchange, ExchangeConfig, StreamHandlerClass } from '../src/core/exchange.js';
import type { FetchLike, FetchResponseLike } from '../src/core/http.js';
import type { binanceStreams } from '../src/exchanges/binance/ws.js';
import type { Connection } from '../src/ws/connection.js';
import type { LocalOrderBook } from '../src/ws/orderbook.js';
import { exchangeInfo, prng } from './fixtures.js';

// ---------------------------------------------------------------- synthetic Binance market data

export type Level = [string, string];

/** One event of `<symbol>@depth@100ms`, as Binance sends it (without the combined-stream wrapper). */
export interface DepthUpdate {
  e: 'depthUpdate';
  E: number;
  s: string;
  U: number;
  u: number;
  b: Level[];
  a: Level[];
}

/** One event of `<symbol>@trade`. */
export interface TradeEvent {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M: boolean;
}

export interface DepthSnapshot {
  lastUpdateId: number;
  bids: Level[];
  asks: Level[];
}

/** Prices are integer ticks of 0.01 (BTCUSDT's tick); Binance prints them with 8 decimals. */
const px = (ticks: number): string => (ticks / 100).toFixed(8);
/** Quantities are integer steps of 0.00001 (BTCUSDT's step). */
const qx = (steps: number): string => (steps / 100_000).toFixed(8);

/**
 * One side of the exchange's book, best first: price ticks and quantity steps in typed arrays (a change is one
 * copyWithin, so making a million events stays cheaper than the libraries' work on them).
 */
class SimSide {
  ticks: Int32Array = new Int32Array(4096);
  steps: Int32Array = new Int32Array(4096);
  length = 0;
  constructor(readonly descending: boolean) {}

  insert(i: number, tick: number, steps: number): void {
    if (this.length === this.ticks.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.ticks = grow(this.ticks);
      this.steps = grow(this.steps);
    }
    this.ticks.copyWithin(i + 1, i, this.length);
    this.steps.copyWithin(i + 1, i, this.length);
    this.ticks[i] = tick;
    this.steps[i] = steps;
    this.length++;
  }

  remove(i: number): void {
    this.ticks.copyWithin(i, i + 1, this.length);
    this.steps.copyWithin(i, i + 1, this.length);
    this.length--;
  }
}

/**
 * A deterministic Binance BTCUSDT book and its diff-depth stream. The book holds about `levels` levels a side
 * around a mid near 67,432; each event changes 10-20 levels (mostly near the top, some deep), a fifth of them
 * deletions ('0.00000000'), the rest new levels and new quantities, never crossing the book. Update ids are
 * sequential (U = previous u + 1). It is also the independent truth the libraries' books are compared with.
 */
export class DepthSim {
  readonly bids = new SimSide(true);
  readonly asks = new SimSide(false);
  lastUpdateId = 51_234_567_890;
  time = 1_717_200_000_000;
  private tradeId = 3_600_000_000;
  private readonly rand: () => number;

  constructor(
    seed = 11,
    readonly levels = 1000,
    readonly symbol = 'BTCUSDT',
  ) {
    this.rand = prng(seed);
    const mid = 6_743_215;
    let bid = mid - 1;
    let ask = mid + 1;
    for (let i = 0; i < levels; i++) {
      this.bids.insert(i, bid, this.qty());
      this.asks.insert(i, ask, this.qty());
      bid -= 1 + Math.floor(this.rand() * 3);
      ask += 1 + Math.floor(this.rand() * 3);
    }
  }

  /** 0.00001 .. 5 BTC in steps. */
  private qty(): number {
    return 1 + Math.floor(this.rand() * 500_000);
  }

  /** `GET /api/v3/depth?limit=1000` now. */
  snapshot(limit = this.levels): DepthSnapshot {
    const side = (s: SimSide): Level[] => {
      const n = Math.min(limit, s.length);
      const out = new Array<Level>(n);
      for (let i = 0; i < n; i++) out[i] = [px(s.ticks[i]!), qx(s.steps[i]!)];
      return out;
    };
    return { lastUpdateId: this.lastUpdateId, bids: side(this.bids), asks: side(this.asks) };
  }

  /** The best `n` levels of a side as numbers. */
  top(side: 'bids' | 'asks', n: number): [number, number][] {
    const s = this[side];
    const out: [number, number][] = [];
    for (let i = 0; i < Math.min(n, s.length); i++) out.push([Number(px(s.ticks[i]!)), Number(qx(s.steps[i]!))]);
    return out;
  }

  /** A rank in the book: mostly near the top (geometric, mean 20), one in five anywhere. */
  private rank(length: number): number {
    const r = this.rand() < 0.8 ? Math.floor(-Math.log(1 - this.rand()) * 20) : Math.floor(this.rand() * length);
    return Math.min(r, length - 1);
  }

  /** One level change on `side`, or undefined when the chosen change is not possible (the caller tries again). */
  private change(name: 'bids' | 'asks', touched: number[]): Level | undefined {
    const side = this[name];
    const other = name === 'bids' ? this.asks : this.bids;
    const n = side.length;
    // keep the side near its size: more deletions when above it, more new levels when below
    const drift = Math.max(-0.1, Math.min(0.1, (n - this.levels) / 500));
    const r = this.rand();
    const i = this.rank(n);
    if (r < 0.2 + drift || r >= 0.45) {
      const tick = side.ticks[i]!;
      if (touched.includes(tick)) return undefined;
      touched.push(tick);
      if (r < 0.2 + drift && n > 1) {
        side.remove(i);
        return [px(tick), '0.00000000'];
      }
      const q = this.qty();
      side.steps[i] = q;
      return [px(tick), qx(q)];
    }
    // a new level between rank i - 1 and rank i (inside the spread for i = 0)
    const inner = i === 0 ? other.ticks[0]! : side.ticks[i - 1]!;
    const outer = side.ticks[i]!;
    const free = Math.abs(inner - outer) - 1;
    if (free <= 0) return undefined;
    const step = 1 + Math.floor(this.rand() * free);
    const tick = side.descending ? outer + step : outer - step;
    if (touched.includes(tick)) return undefined;
    touched.push(tick);
    const q = this.qty();
    side.insert(i, tick, q);
    return [px(tick), qx(q)];
  }

  /** The next diff-depth event (10-20 level changes, at most one per price). */
  next(): DepthUpdate {
    const count = 10 + Math.floor(this.rand() * 11);
    const b: Level[] = [];
    const a: Level[] = [];
    const touchedBids: number[] = [];
    const touchedAsks: number[] = [];
    for (let k = 0, tries = 0; k < count && tries < count * 4; tries++) {
      const bid = this.rand() < 0.5;
      const level = this.change(bid ? 'bids' : 'asks', bid ? touchedBids : touchedAsks);
      if (level === undefined) continue;
      (bid ? b : a).push(level);
      k++;
    }
    const U = this.lastUpdateId + 1;
    // Binance's ids count the matching engine's updates, several per level change shown
    this.lastUpdateId = U + count + Math.floor(this.rand() * 8);
    this.time += 100;
    return { e: 'depthUpdate', E: this.time, s: this.symbol, U, u: this.lastUpdateId, b, a };
  }

  /** The next trade, at the best bid or ask. */
  trade(): TradeEvent {
    this.time += 1;
    const buyerMaker = this.rand() < 0.5;
    const tick = buyerMaker ? this.bids.ticks[0]! : this.asks.ticks[0]!;
    return {
      e: 'trade',
      E: this.time,
      s: this.symbol,
      t: ++this.tradeId,
      p: px(tick),
      q: qx(1 + Math.floor(this.rand() * 20_000)),
      T: this.time - 1,
      m: buyerMaker,
      M: true,
    };
  }
}

// ---------------------------------------------------------------- a local server that acknowledges subscriptions

export interface AckServer {
  url: string;
  close: () => Promise<void>;
}

/** Answers SUBSCRIBE / UNSUBSCRIBE with {"result": null, "id"} as Binance does; sends nothing else. */
export async function ackServer(): Promise<AckServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { method?: string; id?: unknown };
      if (msg.method === 'SUBSCRIBE' || msg.method === 'UNSUBSCRIBE')
        socket.send(JSON.stringify({ result: null, id: msg.id }));
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- the two libraries

const SYMBOL = 'BTC/USDT';

interface Routes {
  [path: string]: string;
}

function body(routes: Routes, url: string): string {
  const text = routes[new URL(url).pathname];
  if (text === undefined) throw new Error(`bench: unexpected request ${url}`);
  return text;
}

/** unifex gets the text and parses it itself, as with a real response. */
function unifexFetch(routes: Routes): FetchLike {
  const headers = new Headers({ 'content-type': 'application/json;charset=UTF-8' });
  return async (url: string): Promise<FetchResponseLike> => {
    const text = body(routes, url);
    return { status: 200, statusText: 'OK', headers, text: async () => text };
  };
}

/** A book as both libraries are compared: [price, amount] numbers, best first. */
type Levels = number[][];

/** One library, subscribed and in sync, ready to be fed events. */
interface Side {
  /** Hands one pre-parsed message to the library's websocket handler. */
  feed: (message: unknown) => void;
  /** One watch call, as a user's loop makes it. */
  watch: (limit?: number) => Promise<unknown>;
  /** The library's book now (best `n` levels a side). */
  book: (n: number) => { bids: Levels; asks: Levels; nonce: number | undefined };
  close: () => Promise<void>;
}

export type UnifexClass = (new (config?: ExchangeConfig) => Exchange) & {
  streams?: () => Promise<StreamHandlerClass>;
};

async function unifexSide(cls: UnifexClass, server: AckServer, routes: Routes): Promise<Side> {
  const url = `${server.url}/stream`;
  const ex = new cls({
    fetch: unifexFetch(routes),
    enableRateLimit: false,
    urls: { ws: { public: url, private: `${server.url}/ws` } },
  });
  // the exchange's own handler (loaded lazily by its first watch call), so that its handleMessage can be fed
  // the real path: SUBSCRIBE, acknowledged by the server -> REST snapshot -> book live -> the watch call resolves
  await ex.watchOrderBook(SYMBOL);
  const handler = (await (ex as unknown as { streamHandler: (m: string) => Promise<unknown> }).streamHandler(
    'watchOrderBook',
  )) as binanceStreams;
  const conn = handler.streams.connection(url) as Connection;
  const books = (handler as unknown as { books: Map<string, LocalOrderBook> }).books;
  return {
    feed: (message) => handler.handleMessage(message, conn),
    // the public method, as a user's loop calls it (ccxt's side does the same)
    watch: (limit) => ex.watchOrderBook(SYMBOL, limit),
    book: (n) => {
      const b = books.get(SYMBOL)!;
      return { bids: b.bids.levels(n), asks: b.asks.levels(n), nonce: b.nonce };
    },
    close: async () => ex.close(),
  };
}

type CcxtModule = typeof import('ccxt');
let ccxtModule: CcxtModule | undefined;

interface CcxtBook {
  bids: Levels;
  asks: Levels;
  nonce: number | undefined;
}
interface CcxtPro {
  fetch: unknown;
  urls: { api: { ws: Record<string, unknown> } };
  clients: Record<string, unknown>;
  orderbooks: Record<string, CcxtBook>;
  watchOrderBook: (symbol: string, limit?: number) => Promise<unknown>;
  handleMessage: (client: unknown, message: unknown) => void;
  close: () => Promise<unknown>;
  loadHttpProxyAgent: () => Promise<unknown>;
}

async function ccxtSide(server: AckServer, routes: Routes): Promise<Side> {
  ccxtModule ??= await import('ccxt');
  const ex = new ccxtModule.default.pro.binance({
    enableRateLimit: false,
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  }) as unknown as CcxtPro;
  // ccxt's REST fetch returns parsed JSON: it gets JSON.parse of the same text
  ex.fetch = async (url: string) => JSON.parse(body(routes, url)) as unknown;
  // the path must contain '/stream' for ccxt to take BTCUSDT as the spot market (binance.isSpotUrl)
  ex.urls.api.ws['spot'] = `${server.url}/stream`;
  // ccxt wants its http agent loaded before it opens a non-TLS ws:// url
  await ex.loadHttpProxyAgent();
  // the real path: SUBSCRIBE, acknowledged -> handleOrderBookSubscription -> REST snapshot -> the call resolves
  await ex.watchOrderBook(SYMBOL);
  const client = Object.values(ex.clients)[0];
  return {
    feed: (message) => ex.handleMessage(client, message),
    watch: (limit) => ex.watchOrderBook(SYMBOL, limit),
    book: (n) => {
      const b = ex.orderbooks[SYMBOL]!;
      const cut = (side: Levels): Levels => side.slice(0, n).map((l) => [l[0]!, l[1]!]);
      return { bids: cut(b.bids), asks: cut(b.asks), nonce: b.nonce };
    },
    close: async () => {
      await ex.close();
    },
  };
}

// ---------------------------------------------------------------- measurement

/** A real gc() before every timed run (set up on first use: importing this module for DepthSim has no effects). */
let gcFn: (() => void) | undefined;
function gc(): void {
  if (gcFn === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

export interface WsBookOptions {
  quick?: boolean;
  lib?: 'both' | 'unifex' | 'ccxt';
  /** Only the modes whose names contain one of these (for profiling). */
  modes?: string[];
  /** unifex's binance class (default: src/exchanges/binance/binance.ts). */
  exchange?: UnifexClass;
}

/** One way of consuming the stream. */
interface Mode {
  name: string;
  /** Events handed over between two yields to the event loop; 0: no watcher, everything in one go. */
  batch: number;
  /** The depth the watcher asks for (default: the whole book). */
  limit?: number;
}

export interface WsBookRow {
  name: string;
  /** Updates (diff-depth events) per second, one entry per timed run. */
  unifex: number[];
  ccxt: number[];
}

export interface WsBookResult {
  rows: WsBookRow[];
  checks: string[];
  notes: string[];
  /** Events per run and level changes in them, for the header. */
  events: number;
  levelChanges: number;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Feeds `events` to a fresh, synced instance and returns updates per second. With a batch size, a watcher loop
 * (`while (true) await watchOrderBook(...)`) runs alongside and the feeder yields to the event loop after each batch,
 * as a socket delivering `batch` frames per read would.
 */
async function run(side: Side, events: DepthUpdate[], mode: Mode): Promise<{ rate: number; resolved: number }> {
  let resolved = 0;
  let stop = false;
  if (mode.batch > 0) {
    // ends when the instance is closed (its pending call rejects)
    void (async () => {
      while (!stop) {
        await side.watch(mode.limit);
        resolved++;
      }
    })().catch(() => undefined);
    await yieldToLoop();
  }
  gc();
  const t0 = performance.now();
  if (mode.batch === 0) {
    for (let i = 0; i < events.length; i++) side.feed(events[i]);
  } else {
    for (let i = 0; i < events.length;) {
      const end = Math.min(events.length, i + mode.batch);
      for (; i < end; i++) side.feed(events[i]);
      await yieldToLoop();
    }
  }
  const dt = performance.now() - t0;
  stop = true;
  return { rate: (events.length / dt) * 1000, resolved };
}

function sameLevels(a: Levels, b: Levels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return i;
  return n;
}

export async function benchWsBook(options: WsBookOptions = {}): Promise<WsBookResult> {
  const quick = options.quick === true;
  const lib = options.lib ?? 'both';
  const warmup = quick ? 1 : 2;
  const runs = quick ? 3 : 7;
  const n = quick ? 10_000 : 20_000;
  const modes: Mode[] = [
    { name: 'no watcher', batch: 0 },
    { name: 'watcher, yield every 10 updates', batch: 10 },
    { name: 'watcher awaiting each update', batch: 1 },
    { name: 'watcher awaiting each update, 20 levels', batch: 1, limit: 20 },
  ].filter((m) => options.modes === undefined || options.modes.some((s) => m.name.includes(s)));

  // the same snapshot and the same event objects for every run of both libraries
  const sim = new DepthSim();
  const snapshot = sim.snapshot(1000);
  const events: DepthUpdate[] = [];
  let levelChanges = 0;
  for (let i = 0; i < n; i++) {
    const ev = sim.next();
    levelChanges += ev.b.length + ev.a.length;
    events.push(ev);
  }
  const truth = { bids: sim.top('bids', 100), asks: sim.top('asks', 100), nonce: sim.lastUpdateId };
  const routes: Routes = {
    '/api/v3/exchangeInfo': exchangeInfo(20).text,
    '/api/v3/depth': JSON.stringify(snapshot),
  };

  const server = await ackServer();
  const checks: string[] = [];
  const notes: string[] = [];
  const rows: WsBookRow[] = [];
  try {
    const makers: [string, () => Promise<Side>][] = [];
    if (lib !== 'ccxt') {
      const cls =
        options.exchange ?? ((await import('../src/exchanges/binance/binance.js')).binance as unknown as UnifexClass);
      if (cls.streams === undefined) throw new Error('bench: this unifex binance class does not stream');
      makers.push(['unifex', () => unifexSide(cls, server, routes)]);
    }
    if (lib !== 'unifex') makers.push(['ccxt', () => ccxtSide(server, routes)]);
    for (const mode of modes) {
      const row: WsBookRow = { name: `binance diff-depth, ${mode.name}`, unifex: [], ccxt: [] };
      const books: Record<string, ReturnType<Side['book']>> = {};
      const resolvedBy: Record<string, number> = {};
      for (let r = 0; r < warmup + runs; r++) {
        // who goes first flips every round
        const order = r % 2 === 0 ? makers : [...makers].reverse();
        for (const [name, make] of order) {
          const side = await make();
          const { rate, resolved } = await run(side, events, mode);
          if (r >= warmup) (name === 'unifex' ? row.unifex : row.ccxt).push(rate);
          if (r === warmup + runs - 1) {
            books[name] = side.book(100);
            resolvedBy[name] = resolved;
          }
          await side.close();
        }
      }
      rows.push(row);
      for (const name of Object.keys(books)) {
        const b = books[name]!;
        const sameB = sameLevels(b.bids, truth.bids);
        const sameA = sameLevels(b.asks, truth.asks);
        const ok = sameB === 100 && sameA === 100 && b.nonce === truth.nonce;
        checks.push(
          `${mode.name}: ${name} book after ${n} events ${ok ? 'equals' : 'DIFFERS FROM'} the exchange's ` +
            `(top 100 bids/asks, nonce ${b.nonce})` +
            (ok ? '' : ` — first difference at bid ${sameB}, ask ${sameA}`) +
            (mode.batch > 0 ? `; watcher resolved ${resolvedBy[name]} times` : ''),
        );
      }
      if (books['unifex'] !== undefined && books['ccxt'] !== undefined) {
        const u = books['unifex'];
        const c = books['ccxt'];
        const same = sameLevels(u.bids, c.bids) === 100 && sameLevels(u.asks, c.asks) === 100 && u.nonce === c.nonce;
        checks.push(
          `${mode.name}: unifex and ccxt books ${same ? 'equal' : 'DIFFER'} (best ${u.bids[0]?.[0]} / ${u.asks[0]?.[0]})`,
        );
      }
    }
  } finally {
    await server.close();
  }
  notes.push(
    `wsbook: ${n} diff-depth events per run (${levelChanges} level changes, ${(levelChanges / n).toFixed(1)} per ` +
      `event) after a 1000-level snapshot; ${warmup} warm-up + ${runs} timed runs per library and mode, each on a ` +
      'fresh instance subscribed through a local server and synced from the REST snapshot',
  );
  return { rows, checks, notes, events: n, levelChanges };
}

// ---------------------------------------------------------------- standalone

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function rate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M/s` : `${(x / 1e3).toFixed(1)}k/s`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const lib = argv.find((a) => a.startsWith('--lib='))?.slice(6) as WsBookOptions['lib'];
  const modes = argv
    .find((a) => a.startsWith('--mode='))
    ?.slice(7)
    .split(',');
  const result = await benchWsBook({
    quick: argv.includes('--quick'),
    ...(lib === undefined ? {} : { lib }),
    ...(modes === undefined ? {} : { modes }),
  });
  for (const r of result.rows) {
    const u = r.unifex.length > 0 ? median(r.unifex) : undefined;
    const c = r.ccxt.length > 0 ? median(r.ccxt) : undefined;
    console.log(
      `${r.name.padEnd(56)} unifex ${u === undefined ? '-' : rate(u)}  ccxt ${c === undefined ? '-' : rate(c)}` +
        (u !== undefined && c !== undefined ? `  unifex/ccxt ${(u / c).toFixed(2)}x` : ''),
    );
  }
  console.log(`\nchecks:\n${result.checks.map((c) => `  ${c}`).join('\n')}`);
  console.log(`notes:\n${result.notes.map((c) => `  ${c}`).join('\n')}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
