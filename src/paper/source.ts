/**
 * Where the paper exchange's market data comes from:
 * - EmbeddedSource: the dataset shipped in the package (data/embedded.ts), recorded where we have recordings and
 *   generated (deterministically, labelled) elsewhere. Works offline. The book is static; liquidity an order
 *   consumed comes back at the next "tick" (every `refreshMs`, default 1 s).
 * - ReplaySource: a JSONL file of books, trades, tickers and candles with timestamps, played at a speed (or
 *   stepped by hand); its events fill resting orders.
 * - ExchangeSource: any other unifex exchange instance, live. Market data calls are delegated to it; resting orders
 *   fill from its books and trades, pulled when the paper exchange is asked about orders or is being watched.
 */
import { readFile } from 'node:fs/promises';
import { buildOHLCV, buildOrderBook, buildTicker, buildTrade } from '../core/build.js';
import { TICK_SIZE, dAdd, dCmp, dIsZero, precisionFromTick, tickFromPrecision, toDecimal } from '../core/decimal.js';
import { BadRequest, BadSymbol, NotSupported } from '../core/errors.js';
import type { Exchange } from '../core/exchange.js';
import type { Currency, Dict, Market, OHLCV, OrderBook, Ticker, Tickers, Trade } from '../core/types.js';
import { filterBySinceLimit } from '../core/util.js';
import {
  EMBEDDED_AS_OF,
  EMBEDDED_CURRENCIES,
  EMBEDDED_DATA,
  EMBEDDED_MARKETS,
  EMBEDDED_NOTE,
  type EmbeddedMarket,
} from './data/embedded.js';
import { aggregate, candleToStrings, generateMarket, type GeneratedMarket } from './data/generate.js';

export type SourceEvent =
  | { type: 'book'; symbol: string; book: OrderBook }
  | { type: 'trades'; symbol: string; trades: Trade[] }
  | { type: 'ticker'; symbol: string; ticker: Ticker };

export interface MarketDataSource {
  readonly kind: string;
  /** What the data is: recorded, generated, replayed or live, and from where. */
  describe(): Dict;
  fetchMarkets(): Promise<Market[]>;
  fetchCurrencies(): Promise<Record<string, Currency> | undefined>;
  fetchTicker(symbol: string): Promise<Ticker>;
  fetchTickers(symbols?: string[]): Promise<Tickers>;
  fetchOrderBook(symbol: string, limit?: number): Promise<OrderBook>;
  fetchTrades(symbol: string, since?: number, limit?: number): Promise<Trade[]>;
  fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<OHLCV[]>;
  timeframes(): Record<string, string | number>;
  /** The source's clock (a replay's current time); undefined for the wall clock. */
  now?(): number | undefined;
  /** Pushed updates (replays); returns the unsubscribe function. */
  subscribe(listener: (e: SourceEvent) => void): () => void;
  /** True when the data only changes by asking again (a live exchange): the paper exchange then pulls it. */
  readonly pull: boolean;
  close?(): void | Promise<void>;
}

const TIMEFRAMES: Record<string, number> = {
  '1m': 1,
  '3m': 3,
  '5m': 5,
  '15m': 15,
  '30m': 30,
  '1h': 60,
  '2h': 120,
  '4h': 240,
  '6h': 360,
  '12h': 720,
  '1d': 1440,
};
const DEFAULT_OHLCV_LIMIT = 500;

function marketFromRules(m: EmbeddedMarket, info: Dict): Market {
  return {
    id: `${m.base}${m.quote}`,
    symbol: m.symbol,
    base: m.base,
    quote: m.quote,
    baseId: m.base,
    quoteId: m.quote,
    type: 'spot',
    spot: true,
    margin: false,
    swap: false,
    future: false,
    option: false,
    active: true,
    contract: false,
    precision: { amount: Number(m.step), price: Number(m.tick) },
    limits: {
      amount: { min: Number(m.minAmount), max: Number(m.maxAmount) },
      price: { min: Number(m.tick), max: undefined },
      cost: { min: Number(m.minCost), max: undefined },
    },
    info,
  };
}

function unknownSymbol(kind: string, symbol: string): BadSymbol {
  return new BadSymbol(`paper ${kind} source has no market ${symbol}`, { exchange: 'paper' });
}

function timeframeMinutes(timeframe: string): number {
  const m = TIMEFRAMES[timeframe];
  if (m === undefined) throw new BadRequest(`paper does not support timeframe ${timeframe}`, { exchange: 'paper' });
  return m;
}

/** Since/limit over candles the CCXT way: from `since` forward, or the newest `limit`. */
function sliceCandles(rows: OHLCV[], since?: number, limit?: number): OHLCV[] {
  const n = limit ?? DEFAULT_OHLCV_LIMIT;
  if (since !== undefined) return rows.filter((r) => r[0] >= since).slice(0, n);
  return rows.slice(-n);
}

// ---------------------------------------------------------------------------------------------------------------------

export interface EmbeddedSourceOptions {
  /** How long consumed book liquidity stays consumed (ms, default 1000). */
  refreshMs?: number;
  now?: () => number;
}

export class EmbeddedSource implements MarketDataSource {
  readonly kind = 'embedded';
  readonly pull = false;
  private readonly cache = new Map<string, GeneratedMarket>();
  private readonly refreshMs: number;
  private readonly clock: () => number;

  constructor(options: EmbeddedSourceOptions = {}) {
    this.refreshMs = options.refreshMs ?? 1000;
    this.clock = options.now ?? Date.now;
  }

  private data(symbol: string): { rules: EmbeddedMarket; gen: GeneratedMarket } {
    const rules = EMBEDDED_MARKETS.find((m) => m.symbol === symbol);
    const data = EMBEDDED_DATA[symbol];
    if (rules === undefined || data === undefined) throw unknownSymbol(this.kind, symbol);
    let gen = this.cache.get(symbol);
    if (gen === undefined) {
      gen = generateMarket(rules, data);
      this.cache.set(symbol, gen);
    }
    return { rules, gen };
  }

  describe(): Dict {
    const markets: Dict = {};
    for (const m of EMBEDDED_MARKETS) {
      const d = EMBEDDED_DATA[m.symbol]!;
      const recorded = d.anchorKind === 'recorded';
      markets[m.symbol] = {
        rules: `recorded: ${m.source}`,
        ticker: recorded ? `recorded: ${d.ticker?.source ?? ''}` : 'generated',
        book: recorded ? 'top of book recorded (from the ticker), depth generated' : 'generated',
        trades:
          d.trades !== undefined
            ? `recorded: ${d.trades.items.length} trades (${d.trades.source}), then generated ones`
            : 'generated',
        ohlcv: recorded ? 'generated, reproducing the recorded 24h open/high/low/close/volume' : 'generated',
      };
    }
    return { kind: this.kind, note: EMBEDDED_NOTE, asOf: EMBEDDED_AS_OF, markets };
  }

  async fetchMarkets(): Promise<Market[]> {
    return EMBEDDED_MARKETS.map((m) =>
      marketFromRules(m, { source: m.source, recorded: true, dataset: 'embedded', asOf: EMBEDDED_AS_OF }),
    );
  }

  async fetchCurrencies(): Promise<Record<string, Currency>> {
    const out: Record<string, Currency> = {};
    for (const [code, c] of Object.entries(EMBEDDED_CURRENCIES)) {
      out[code] = {
        id: code,
        code,
        name: c.name,
        active: true,
        deposit: false,
        withdraw: false,
        precision: Number(c.precision),
        info: { dataset: 'embedded' },
      };
    }
    return out;
  }

  async fetchTicker(symbol: string): Promise<Ticker> {
    const { gen } = this.data(symbol);
    const t = gen.ticker;
    return buildTicker({
      symbol,
      timestamp: t.timestamp,
      open: t.open,
      high: t.high,
      low: t.low,
      last: t.last,
      bid: t.bid,
      bidVolume: t.bidVolume,
      ask: t.ask,
      askVolume: t.askVolume,
      baseVolume: t.baseVolume,
      quoteVolume: t.quoteVolume,
      info: { generated: t.generated, source: t.source },
    });
  }

  async fetchTickers(symbols?: string[]): Promise<Tickers> {
    const out: Tickers = {};
    for (const s of symbols ?? EMBEDDED_MARKETS.map((m) => m.symbol)) out[s] = await this.fetchTicker(s);
    return out;
  }

  async fetchOrderBook(symbol: string, limit?: number): Promise<OrderBook> {
    const { gen } = this.data(symbol);
    const bids = limit === undefined ? gen.bids : gen.bids.slice(0, limit);
    const asks = limit === undefined ? gen.asks : gen.asks.slice(0, limit);
    // the static book comes back as a new tick every refreshMs: what orders consumed is available again
    return buildOrderBook(bids, asks, symbol, EMBEDDED_AS_OF, Math.floor(this.clock() / this.refreshMs));
  }

  async fetchTrades(symbol: string, since?: number, limit?: number): Promise<Trade[]> {
    const { gen } = this.data(symbol);
    const trades = gen.trades.map((t) =>
      buildTrade({
        id: t.id,
        timestamp: t.timestamp,
        symbol,
        side: t.side,
        price: t.price,
        amount: t.amount,
        info: t.generated ? { generated: true } : { recorded: true, venue: t.venue },
      }),
    );
    return filterBySinceLimit(trades, since, limit, since === undefined);
  }

  async fetchOHLCV(symbol: string, timeframe = '1m', since?: number, limit?: number): Promise<OHLCV[]> {
    const { gen } = this.data(symbol);
    const rows = aggregate(gen.candles, timeframeMinutes(timeframe)).map((c) => {
      const [t, o, h, l, cl, v] = candleToStrings(c, gen.tick);
      return buildOHLCV(t, o, h, l, cl, v);
    });
    return sliceCandles(rows, since, limit);
  }

  timeframes(): Record<string, string | number> {
    return Object.fromEntries(Object.keys(TIMEFRAMES).map((k) => [k, k]));
  }

  subscribe(): () => void {
    return () => {};
  }
}

// ---------------------------------------------------------------------------------------------------------------------

/**
 * A replay file: one JSON object per line, in time order (sorted on load if not):
 *   {"type":"markets","markets":[{"symbol":"BTC/USDT","base":"BTC","quote":"USDT","tick":"0.01","step":"0.00001"}]}
 *   {"type":"book","symbol":"BTC/USDT","timestamp":1710328243709,"bids":[["73384.7","0.5"]],"asks":[["73384.8","0.4"]]}
 *   {"type":"trade","symbol":"BTC/USDT","timestamp":1710328243800,"price":"73384.8","amount":"0.01","side":"buy"}
 *   {"type":"ticker","symbol":"BTC/USDT","timestamp":...,"last":"73384.8","bid":...,"ask":...,"baseVolume":...}
 *   {"type":"ohlcv","symbol":"BTC/USDT","timeframe":"1m","candle":[1710328200000,"73380","73390","73370","73384.8","2.5"]}
 * Numbers may be JSON numbers or decimal strings. A `markets` line is optional: markets the file does not define
 * take the embedded dataset's rules when it has the symbol, else rules derived from the prices and amounts seen
 * (labelled `generated: true`).
 */
export interface ReplayOptions {
  /** Path of the JSONL file. */
  file?: string;
  /** The lines themselves (a JSONL string or parsed objects), instead of a file. */
  lines?: string | Dict[];
  /** 1 = real time, 10 = ten times faster, Infinity = as fast as possible, 0 = paused (step() by hand). */
  speed?: number;
}

interface ReplayEvent {
  line: number;
  timestamp: number;
  type: 'book' | 'trades' | 'ticker' | 'ohlcv';
  symbol: string;
  raw: Dict;
}

export class ReplaySource implements MarketDataSource {
  readonly kind = 'replay';
  readonly pull = false;
  speed: number;
  private readonly options: ReplayOptions;
  private loading: Promise<void> | undefined;
  private events: ReplayEvent[] = [];
  private definitions: EmbeddedMarket[] = [];
  private symbolsSeen: string[] = [];
  private index = 0;
  private clock: number | undefined;
  private readonly books = new Map<string, OrderBook>();
  private readonly trades = new Map<string, Trade[]>();
  private readonly tickers = new Map<string, Ticker>();
  private readonly candles = new Map<string, OHLCV[]>();
  private readonly listeners = new Set<(e: SourceEvent) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private playing = false;
  private finished: { promise: Promise<void>; resolve: () => void };

  constructor(options: ReplayOptions) {
    if (options.file === undefined && options.lines === undefined) {
      throw new BadRequest('paper replay source needs a file or lines', { exchange: 'paper' });
    }
    this.options = options;
    this.speed = options.speed ?? 1;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.finished = { promise, resolve };
  }

  /** Reads and parses the file (once). */
  load(): Promise<void> {
    this.loading ??= (async () => {
      let lines: Dict[];
      const src = this.options.lines ?? (await readFile(this.options.file!, 'utf8'));
      if (typeof src === 'string') {
        lines = [];
        src.split(/\r?\n/).forEach((text, i) => {
          if (text.trim() === '') return;
          try {
            lines.push(JSON.parse(text) as Dict);
          } catch {
            throw new BadRequest(`paper replay line ${i + 1} is not JSON: ${text.slice(0, 80)}`, { exchange: 'paper' });
          }
        });
      } else lines = src;
      this.parse(lines);
    })();
    return this.loading;
  }

  private parse(lines: Dict[]): void {
    const seen = new Set<string>();
    const decimals = new Map<string, { price: number; amount: number }>();
    const note = (symbol: string, price: unknown, amount: unknown): void => {
      const d = decimals.get(symbol) ?? { price: 0, amount: 0 };
      const p = toDecimal(price);
      const a = toDecimal(amount);
      if (p !== undefined) d.price = Math.max(d.price, precisionFromTick(p));
      if (a !== undefined) d.amount = Math.max(d.amount, precisionFromTick(a));
      decimals.set(symbol, d);
    };
    lines.forEach((raw, i) => {
      const line = i + 1;
      const type = raw['type'];
      if (type === 'markets') {
        for (const m of (raw['markets'] as Dict[] | undefined) ?? []) this.definitions.push(rulesFromLine(m, line));
        return;
      }
      const symbol = raw['symbol'];
      if (typeof symbol !== 'string') throw replayError(line, 'has no symbol');
      let timestamp = raw['timestamp'];
      if (type === 'ohlcv' && timestamp === undefined) timestamp = (raw['candle'] as unknown[] | undefined)?.[0];
      if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) throw replayError(line, 'has no timestamp');
      if (!seen.has(symbol)) {
        seen.add(symbol);
        this.symbolsSeen.push(symbol);
      }
      if (type === 'book') {
        for (const [p, a] of [...((raw['bids'] as unknown[][]) ?? []), ...((raw['asks'] as unknown[][]) ?? [])])
          note(symbol, p, a);
        this.events.push({ line, timestamp, type: 'book', symbol, raw });
      } else if (type === 'trade' || type === 'trades') {
        const items = type === 'trade' ? [raw] : ((raw['trades'] as Dict[] | undefined) ?? []);
        for (const t of items) note(symbol, t['price'], t['amount']);
        this.events.push({ line, timestamp, type: 'trades', symbol, raw: { ...raw, trades: items } });
      } else if (type === 'ticker') {
        this.events.push({ line, timestamp, type: 'ticker', symbol, raw });
      } else if (type === 'ohlcv') {
        this.events.push({ line, timestamp, type: 'ohlcv', symbol, raw });
      } else throw replayError(line, `has unknown type ${String(type)}`);
    });
    this.events.sort((a, b) => a.timestamp - b.timestamp || a.line - b.line);
    for (const symbol of this.symbolsSeen) {
      if (this.definitions.some((d) => d.symbol === symbol)) continue;
      const known = EMBEDDED_MARKETS.find((m) => m.symbol === symbol);
      if (known !== undefined) {
        this.definitions.push(known);
        continue;
      }
      const [base = symbol, quote = ''] = symbol.split('/');
      const d = decimals.get(symbol) ?? { price: 2, amount: 8 };
      this.definitions.push({
        symbol,
        base,
        quote,
        tick: tickFromPrecision(d.price),
        step: tickFromPrecision(d.amount),
        minAmount: tickFromPrecision(d.amount),
        maxAmount: '1000000000',
        minCost: '0',
        source: 'generated: derived from the decimals of the prices and amounts in the replay file',
      });
    }
    this.clock = this.events[0]?.timestamp;
  }

  describe(): Dict {
    return {
      kind: this.kind,
      file: this.options.file,
      events: this.events.length,
      played: this.index,
      time: this.clock,
      speed: this.speed,
      markets: Object.fromEntries(this.definitions.map((d) => [d.symbol, d.source])),
    };
  }

  async fetchMarkets(): Promise<Market[]> {
    await this.load();
    return this.definitions.map((m) =>
      marketFromRules(m, { source: m.source, generated: m.source.startsWith('generated'), dataset: 'replay' }),
    );
  }

  async fetchCurrencies(): Promise<undefined> {
    return undefined;
  }

  private has(symbol: string): void {
    if (!this.definitions.some((d) => d.symbol === symbol)) throw unknownSymbol(this.kind, symbol);
  }

  async fetchTicker(symbol: string): Promise<Ticker> {
    await this.load();
    this.has(symbol);
    const t = this.tickers.get(symbol);
    if (t !== undefined) return t;
    return this.derivedTicker(symbol);
  }

  /** A ticker from what was played so far: the last 24h of trades and the current book. */
  private derivedTicker(symbol: string): Ticker {
    const now = this.clock ?? 0;
    const trades = (this.trades.get(symbol) ?? []).filter((t) => t.timestamp! > now - 86_400_000);
    const book = this.books.get(symbol);
    let high: number | undefined;
    let low: number | undefined;
    let volume = '0';
    for (const t of trades) {
      high = high === undefined ? t.price : Math.max(high, t.price!);
      low = low === undefined ? t.price : Math.min(low, t.price!);
      volume = dAdd(volume, t.amount!);
    }
    return buildTicker({
      symbol,
      timestamp: this.clock,
      open: trades[0]?.price,
      high,
      low,
      last: trades[trades.length - 1]?.price,
      bid: book?.bids[0]?.[0],
      bidVolume: book?.bids[0]?.[1],
      ask: book?.asks[0]?.[0],
      askVolume: book?.asks[0]?.[1],
      baseVolume: trades.length > 0 ? volume : undefined,
      info: { derived: 'from the trades and book replayed so far' },
    });
  }

  async fetchTickers(symbols?: string[]): Promise<Tickers> {
    await this.load();
    const out: Tickers = {};
    for (const s of symbols ?? this.definitions.map((d) => d.symbol)) out[s] = await this.fetchTicker(s);
    return out;
  }

  async fetchOrderBook(symbol: string, limit?: number): Promise<OrderBook> {
    await this.load();
    this.has(symbol);
    const book = this.books.get(symbol) ?? buildOrderBook([], [], symbol, this.clock, 0);
    if (limit === undefined) return book;
    return { ...book, bids: book.bids.slice(0, limit), asks: book.asks.slice(0, limit) };
  }

  async fetchTrades(symbol: string, since?: number, limit?: number): Promise<Trade[]> {
    await this.load();
    this.has(symbol);
    return filterBySinceLimit(this.trades.get(symbol) ?? [], since, limit, since === undefined);
  }

  async fetchOHLCV(symbol: string, timeframe = '1m', since?: number, limit?: number): Promise<OHLCV[]> {
    await this.load();
    this.has(symbol);
    const minutes = timeframeMinutes(timeframe);
    const own = this.candles.get(`${symbol}|${timeframe}`);
    if (own !== undefined) return sliceCandles(own, since, limit);
    // candles built from the trades played so far
    const span = minutes * 60_000;
    const rows: OHLCV[] = [];
    for (const t of this.trades.get(symbol) ?? []) {
      const ts = Math.floor(t.timestamp! / span) * span;
      const last = rows[rows.length - 1];
      if (last !== undefined && last[0] === ts) {
        last[2] = Math.max(last[2]!, t.price!);
        last[3] = Math.min(last[3]!, t.price!);
        last[4] = t.price;
        last[5] = Number(dAdd(last[5]!, t.amount!));
      } else rows.push([ts, t.price, t.price, t.price, t.price, t.amount]);
    }
    return sliceCandles(rows, since, limit);
  }

  timeframes(): Record<string, string | number> {
    return Object.fromEntries(Object.keys(TIMEFRAMES).map((k) => [k, k]));
  }

  now(): number | undefined {
    return this.clock;
  }

  subscribe(listener: (e: SourceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events not played yet. */
  get remaining(): number {
    return this.events.length - this.index;
  }

  /** Resolves when the last event has been played. */
  get done(): Promise<void> {
    return this.finished.promise;
  }

  /** Plays the next `count` events now; returns how many were played. */
  step(count = 1): number {
    let n = 0;
    while (n < count && this.index < this.events.length) {
      this.apply(this.events[this.index++]!);
      n++;
    }
    if (this.index >= this.events.length) this.finished.resolve();
    return n;
  }

  /** Plays every event up to and including `timestamp`. */
  stepUntil(timestamp: number): number {
    let n = 0;
    while (this.index < this.events.length && this.events[this.index]!.timestamp <= timestamp) n += this.step(1);
    if (this.clock === undefined || timestamp > this.clock) this.clock = timestamp;
    return n;
  }

  /** Starts (or resumes) playing at `speed`; a speed of 0 stays paused. */
  async play(speed = this.speed): Promise<void> {
    await this.load();
    this.speed = speed;
    if (this.playing || speed <= 0) return;
    this.playing = true;
    const next = (): void => {
      this.timer = undefined;
      if (!this.playing) return;
      const first = this.events[this.index];
      if (first === undefined) {
        this.playing = false;
        this.finished.resolve();
        return;
      }
      // everything stamped with the same time goes out together
      while (this.index < this.events.length && this.events[this.index]!.timestamp === first.timestamp) this.step(1);
      const upcoming = this.events[this.index];
      if (upcoming === undefined) {
        this.playing = false;
        this.finished.resolve();
        return;
      }
      const delay = this.speed === Infinity ? 0 : Math.max(0, (upcoming.timestamp - first.timestamp) / this.speed);
      this.timer = setTimeout(next, delay);
    };
    next();
  }

  pause(): void {
    this.playing = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.pause();
    this.listeners.clear();
  }

  private emit(e: SourceEvent): void {
    for (const l of this.listeners) l(e);
  }

  private apply(e: ReplayEvent): void {
    this.clock = e.timestamp;
    const raw = e.raw;
    if (e.type === 'book') {
      const book = buildOrderBook(
        (raw['bids'] as unknown[]) ?? [],
        (raw['asks'] as unknown[]) ?? [],
        e.symbol,
        e.timestamp,
        e.line,
      );
      this.books.set(e.symbol, book);
      this.emit({ type: 'book', symbol: e.symbol, book });
    } else if (e.type === 'trades') {
      const list = this.trades.get(e.symbol) ?? [];
      this.trades.set(e.symbol, list);
      const fresh: Trade[] = [];
      ((raw['trades'] as Dict[]) ?? []).forEach((t, k) => {
        const side = t['side'] === 'buy' || t['side'] === 'sell' ? t['side'] : undefined;
        const trade = buildTrade({
          id: typeof t['id'] === 'string' || typeof t['id'] === 'number' ? String(t['id']) : `r${e.line}-${k}`,
          timestamp: typeof t['timestamp'] === 'number' ? t['timestamp'] : e.timestamp,
          symbol: e.symbol,
          side,
          price: toDecimal(t['price']),
          amount: toDecimal(t['amount']),
          info: t,
        });
        fresh.push(trade);
        list.push(trade);
      });
      if (list.length > 10_000) list.splice(0, list.length - 10_000);
      this.emit({ type: 'trades', symbol: e.symbol, trades: fresh });
    } else if (e.type === 'ticker') {
      const money = (k: string): string | undefined => toDecimal(raw[k]);
      const ticker = buildTicker({
        symbol: e.symbol,
        timestamp: e.timestamp,
        high: money('high'),
        low: money('low'),
        bid: money('bid'),
        bidVolume: money('bidVolume'),
        ask: money('ask'),
        askVolume: money('askVolume'),
        vwap: money('vwap'),
        open: money('open'),
        close: money('close'),
        last: money('last'),
        change: money('change'),
        percentage: money('percentage'),
        baseVolume: money('baseVolume'),
        quoteVolume: money('quoteVolume'),
        info: raw,
      });
      this.tickers.set(e.symbol, ticker);
      this.emit({ type: 'ticker', symbol: e.symbol, ticker });
    } else {
      const tf = typeof raw['timeframe'] === 'string' ? raw['timeframe'] : '1m';
      const c = (raw['candle'] as unknown[] | undefined) ?? [];
      const row = buildOHLCV(
        Number(c[0] ?? e.timestamp),
        toDecimal(c[1]),
        toDecimal(c[2]),
        toDecimal(c[3]),
        toDecimal(c[4]),
        toDecimal(c[5]),
      );
      const key = `${e.symbol}|${tf}`;
      const rows = this.candles.get(key) ?? [];
      this.candles.set(key, rows);
      const last = rows[rows.length - 1];
      if (last !== undefined && last[0] === row[0]) rows[rows.length - 1] = row;
      else rows.push(row);
    }
  }
}

function replayError(line: number, what: string): BadRequest {
  return new BadRequest(`paper replay line ${line} ${what}`, { exchange: 'paper' });
}

function rulesFromLine(m: Dict, line: number): EmbeddedMarket {
  const symbol = m['symbol'];
  if (typeof symbol !== 'string') throw replayError(line, 'defines a market without a symbol');
  const [b = symbol, q = ''] = symbol.split('/');
  const dec = (k: string, fallback: string): string => toDecimal(m[k]) ?? fallback;
  const tick = dec('tick', '0.01');
  const step = dec('step', '0.00000001');
  return {
    symbol,
    base: typeof m['base'] === 'string' ? m['base'] : b,
    quote: typeof m['quote'] === 'string' ? m['quote'] : q,
    tick,
    step,
    minAmount: dec('minAmount', step),
    maxAmount: dec('maxAmount', '1000000000'),
    minCost: dec('minCost', '0'),
    source: typeof m['source'] === 'string' ? m['source'] : 'defined in the replay file',
  };
}

// ---------------------------------------------------------------------------------------------------------------------

export interface ExchangeSourceOptions {
  /** Fewest ms between two pulls of one symbol's book and trades (default 2000). */
  pollInterval?: number;
}

/** Live market data from another unifex exchange: paper trading on a real market. */
export class ExchangeSource implements MarketDataSource {
  readonly kind = 'exchange';
  readonly pull = true;
  readonly pollInterval: number;

  constructor(
    readonly exchange: Exchange,
    options: ExchangeSourceOptions = {},
  ) {
    this.pollInterval = options.pollInterval ?? 2000;
  }

  describe(): Dict {
    return { kind: this.kind, exchange: this.exchange.id, note: `live market data from ${this.exchange.id}` };
  }

  async fetchMarkets(): Promise<Market[]> {
    const markets = await this.exchange.loadMarkets();
    return Object.values(markets)
      .filter((m) => m.spot && m.active !== false)
      .map((m) => {
        const p = this.exchange.precisionMode;
        // precision as tick sizes, whatever mode the source counts in
        const tick = (x: number | undefined): number | undefined =>
          x === undefined || p === TICK_SIZE ? x : Number(tickFromPrecision(x));
        return {
          ...m,
          precision: { ...m.precision, amount: tick(m.precision.amount), price: tick(m.precision.price) },
          info: { source: this.exchange.id, id: m.id },
        };
      });
  }

  async fetchCurrencies(): Promise<Record<string, Currency> | undefined> {
    await this.exchange.loadMarkets();
    const c = this.exchange.currencies;
    return Object.keys(c).length > 0 ? c : undefined;
  }

  fetchTicker(symbol: string): Promise<Ticker> {
    return this.exchange.fetchTicker(symbol);
  }

  async fetchTickers(symbols?: string[]): Promise<Tickers> {
    if (this.exchange.has.fetchTickers === true) return this.exchange.fetchTickers(symbols);
    if (symbols === undefined) {
      throw new NotSupported(`paper: ${this.exchange.id} has no fetchTickers, ask for the symbols you need`, {
        exchange: 'paper',
      });
    }
    const out: Tickers = {};
    for (const s of symbols) out[s] = await this.exchange.fetchTicker(s);
    return out;
  }

  fetchOrderBook(symbol: string, limit?: number): Promise<OrderBook> {
    return this.exchange.fetchOrderBook(symbol, limit);
  }

  fetchTrades(symbol: string, since?: number, limit?: number): Promise<Trade[]> {
    return this.exchange.fetchTrades(symbol, since, limit);
  }

  fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<OHLCV[]> {
    return this.exchange.fetchOHLCV(symbol, timeframe, since, limit);
  }

  timeframes(): Record<string, string | number> {
    return this.exchange.timeframes;
  }

  subscribe(): () => void {
    return () => {};
  }
}

/** Book levels of a unified book as exact decimal strings (numbers print in their shortest round-trip form). */
export function levelsOf(levels: OrderBook['bids']): [string, string][] {
  const out: [string, string][] = [];
  for (const l of levels) {
    const p = toDecimal(l[0]);
    const a = toDecimal(l[1]);
    if (p === undefined || a === undefined || dIsZero(a) || dCmp(p, '0') <= 0) continue;
    out.push([p, a]);
  }
  return out;
}
