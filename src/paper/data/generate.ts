/**
 * Deterministic market data around the embedded anchors: the same symbol always gives the same candles, book and
 * trades (a PRNG seeded by the symbol). Prices live on the market's tick grid as integers and volumes in units of
 * 1e-8, so the decimal strings handed out are exact; the 24h candles reproduce the anchor's open, high, low, close
 * and base volume exactly.
 */
import { dDiv, dMul } from '../../core/decimal.js';
import { EMBEDDED_AS_OF, type EmbeddedMarket, type EmbeddedSymbolData } from './embedded.js';

const MINUTE = 60_000;
const DAY_MINUTES = 1440;
/** Days of one-minute candles before the 24h window. */
const HISTORY_DAYS = 6;
const BOOK_LEVELS = 60;
const VOLUME_UNIT = '0.00000001';

/** One-minute candle: prices in ticks, volume in 1e-8 units. */
export interface TickCandle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: bigint;
}

export interface GeneratedTrade {
  id: string;
  timestamp: number;
  side: 'buy' | 'sell';
  price: string;
  amount: string;
  /** Venue of a recorded trade; undefined for generated ones. */
  venue: string | undefined;
  generated: boolean;
}

export interface GeneratedTicker {
  timestamp: number;
  open: string;
  high: string;
  low: string;
  last: string;
  bid: string;
  bidVolume: string;
  ask: string;
  askVolume: string;
  baseVolume: string;
  quoteVolume: string;
  generated: boolean;
  source: string;
}

export interface GeneratedMarket {
  symbol: string;
  tick: string;
  candles: TickCandle[];
  bids: [string, string][];
  asks: [string, string][];
  trades: GeneratedTrade[];
  ticker: GeneratedTicker;
}

/** mulberry32: small, fast, good enough for synthetic prices; seeded from the symbol. */
export function prng(seedText: string): () => number {
  let h = 1779033703 ^ seedText.length;
  for (let i = 0; i < seedText.length; i++) {
    h = Math.imul(h ^ seedText.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const ticksOf = (value: string, tick: string): number => Number(dDiv(value, tick, 0));
const priceOf = (ticks: number, tick: string): string => dMul(String(ticks), tick);
const unitsOf = (value: string): bigint => BigInt(dDiv(value, VOLUME_UNIT, 0));
const volumeOf = (units: number | bigint): string => dMul(String(units), VOLUME_UNIT);

/** Amount worth about `value` quote at `price`, on the step grid, at least one step. */
function amountFor(value: number, priceTicks: number, tick: string, step: string, rand: () => number): string {
  const price = priceTicks * Number(tick);
  const steps = Math.max(1, Math.floor((value / price / Number(step)) * Math.exp(0.8 * gaussian(rand) - 0.32)));
  return dMul(String(steps), step);
}

export function generateMarket(m: EmbeddedMarket, data: EmbeddedSymbolData, asOf = EMBEDDED_AS_OF): GeneratedMarket {
  const rand = prng(m.symbol);
  const { tick, step } = m;
  const a = data.anchor;
  const open = ticksOf(a.open, tick);
  const high = ticksOf(a.high, tick);
  const low = ticksOf(a.low, tick);
  const close = ticksOf(a.close, tick);

  // ---- the 24h window: a Brownian bridge from open to close, stretched to touch the high and the low ----
  const n = DAY_MINUTES;
  const walk = [0];
  for (let i = 1; i <= n; i++) walk.push(walk[i - 1]! + gaussian(rand));
  const dev = walk.map((w, i) => w - (walk[n]! * i) / n);
  const line = (i: number): number => open + ((close - open) * i) / n;
  let up = Infinity;
  let down = Infinity;
  for (let i = 1; i < n; i++) {
    const d = dev[i]!;
    if (d > 0) up = Math.min(up, (high - line(i)) / d);
    if (d < 0) down = Math.min(down, (line(i) - low) / -d);
  }
  const path = dev.map((d, i) => {
    if (i === 0) return open;
    if (i === n) return close;
    const p = Math.round(line(i) + d * (d > 0 ? up : down));
    return Math.min(high, Math.max(low, p));
  });

  // ---- history before the window: a random walk backwards from the open ----
  const sigma = Math.log(high / low) / (4 * Math.sqrt(n));
  const history: number[] = [open];
  for (let i = 0; i < HISTORY_DAYS * n; i++) {
    history.push(Math.max(1, Math.round(history[history.length - 1]! * Math.exp(sigma * gaussian(rand)))));
  }
  history.reverse(); // oldest first, ends at the open
  const points = [...history.slice(0, -1), ...path]; // price at each minute boundary

  // ---- candles ----
  const lastStart = Math.floor(asOf / MINUTE) * MINUTE;
  const count = points.length - 1;
  const firstStart = lastStart - (count - 1) * MINUTE;
  const dayUnits = unitsOf(a.baseVolume);
  const candles: TickCandle[] = [];
  const weights: bigint[] = [];
  for (let i = 0; i < count; i++) weights.push(BigInt(Math.round(Math.exp(0.5 * gaussian(rand)) * 1e9)));
  const volumes: bigint[] = new Array<bigint>(count).fill(0n);
  for (let day = 0; day * n < count; day++) {
    // each day's volume: the anchor's for the last 24h exactly, within +-30% of it before
    const from = Math.max(0, count - (day + 1) * n);
    const to = count - day * n;
    const total = day === 0 ? dayUnits : (dayUnits * BigInt(Math.round((0.7 + 0.6 * rand()) * 1e6))) / 1_000_000n;
    let sum = 0n;
    for (let i = from; i < to; i++) sum += weights[i]!;
    let given = 0n;
    for (let i = from; i < to; i++) {
      const v = i === to - 1 ? total - given : (total * weights[i]!) / sum;
      given += v;
      volumes[i] = v;
    }
  }
  const inWindow = (i: number): boolean => i >= count - n;
  for (let i = 0; i < count; i++) {
    const o = points[i]!;
    const c = points[i + 1]!;
    const wick = (): number => Math.round(Math.abs(gaussian(rand)) * sigma * Math.max(o, c) * 0.5);
    let h = Math.max(o, c) + wick();
    let l = Math.min(o, c) - wick();
    if (inWindow(i)) {
      h = Math.min(h, high);
      l = Math.max(l, low);
    }
    candles.push({ t: firstStart + i * MINUTE, o, h, l: Math.max(1, l), c, v: volumes[i]! });
  }

  // ---- book: top from the recorded ticker when there is one, depth generated ----
  const rec = data.ticker;
  const bestBid = rec !== undefined ? ticksOf(rec.bid, tick) : close - a.halfSpreadTicks;
  const bestAsk = rec !== undefined ? ticksOf(rec.ask, tick) : close + a.halfSpreadTicks;
  const gap = Math.max(1, (close * 0.00004) | 0);
  const bids: [string, string][] = [];
  const asks: [string, string][] = [];
  let bp = bestBid;
  let ap = bestAsk;
  for (let k = 0; k < BOOK_LEVELS; k++) {
    if (k === 0 && rec !== undefined) {
      bids.push([rec.bid, rec.bidVolume]);
      asks.push([rec.ask, rec.askVolume]);
    } else {
      bids.push([priceOf(bp, tick), amountFor(a.levelValue, bp, tick, step, rand)]);
      asks.push([priceOf(ap, tick), amountFor(a.levelValue, ap, tick, step, rand)]);
    }
    bp -= Math.max(1, Math.round(gap * (0.5 + rand())));
    ap += Math.max(1, Math.round(gap * (0.5 + rand())));
    if (bp <= 0) break;
  }

  // ---- trades: the recorded tape, then generated ones walking to the close ----
  const trades: GeneratedTrade[] = [];
  for (const [timestamp, venue, side, price, amount, id] of data.trades?.items ?? []) {
    trades.push({ id: `${venue}:${id}`, timestamp, side, price, amount, venue, generated: false });
  }
  const last = trades[trades.length - 1];
  const start = last?.timestamp ?? asOf - 10 * MINUTE;
  let from = last !== undefined ? ticksOf(last.price, tick) : (points[points.length - 11] ?? close);
  const generatedCount = 80;
  for (let k = 1; k <= generatedCount; k++) {
    const t = Math.round(
      start + ((asOf - 500 - start) * k) / generatedCount - (k < generatedCount ? rand() * 2000 : 0),
    );
    const target = from + ((close - from) * 1) / (generatedCount - k + 1);
    const p = k === generatedCount ? close : Math.round(target + gaussian(rand) * a.halfSpreadTicks);
    from = p;
    trades.push({
      id: `g-${m.symbol.replace('/', '')}-${k}`,
      timestamp: Math.max(t, (trades[trades.length - 1]?.timestamp ?? 0) + 1),
      side: rand() < 0.5 ? 'buy' : 'sell',
      price: priceOf(Math.max(1, p), tick),
      amount: amountFor(a.levelValue / 10, Math.max(1, p), tick, step, rand),
      venue: undefined,
      generated: true,
    });
  }

  // ---- ticker: recorded, or the generated 24h window's ----
  let ticker: GeneratedTicker;
  if (rec !== undefined) {
    ticker = {
      timestamp: rec.timestamp,
      open: rec.open,
      high: rec.high,
      low: rec.low,
      last: rec.last,
      bid: rec.bid,
      bidVolume: rec.bidVolume,
      ask: rec.ask,
      askVolume: rec.askVolume,
      baseVolume: rec.baseVolume,
      quoteVolume: rec.quoteVolume,
      generated: false,
      source: rec.source,
    };
  } else {
    let quoteUnits = 0n;
    for (const c of candles.slice(-n)) quoteUnits += c.v * BigInt(c.c);
    ticker = {
      timestamp: asOf,
      open: a.open,
      high: a.high,
      low: a.low,
      last: a.close,
      bid: bids[0]![0],
      bidVolume: bids[0]![1],
      ask: asks[0]![0],
      askVolume: asks[0]![1],
      baseVolume: a.baseVolume,
      quoteVolume: dMul(volumeOf(quoteUnits), tick),
      generated: true,
      source: 'generated around plausible levels of 2024-03-13 (not a recording)',
    };
  }
  return { symbol: m.symbol, tick, candles, bids, asks, trades, ticker };
}

/** Candles of a timeframe (in minutes) from one-minute ones, aligned to multiples of the timeframe. */
export function aggregate(candles: TickCandle[], minutes: number): TickCandle[] {
  if (minutes === 1) return candles;
  const span = minutes * MINUTE;
  const out: TickCandle[] = [];
  for (const c of candles) {
    const t = Math.floor(c.t / span) * span;
    const cur = out[out.length - 1];
    if (cur !== undefined && cur.t === t) {
      cur.h = Math.max(cur.h, c.h);
      cur.l = Math.min(cur.l, c.l);
      cur.c = c.c;
      cur.v += c.v;
    } else out.push({ ...c, t });
  }
  return out;
}

export function candleToStrings(c: TickCandle, tick: string): [number, string, string, string, string, string] {
  return [c.t, priceOf(c.o, tick), priceOf(c.h, tick), priceOf(c.l, tick), priceOf(c.c, tick), volumeOf(c.v)];
}
