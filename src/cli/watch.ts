/**
 * `unifex <exchange> watch orderbook|trades|ticker|ohlcv <symbol> [timeframe]`: a live view from `exchange.stream()`,
 * redrawn in
 * place on a terminal (alternate screen, at most one frame per --interval ms), one JSON line per update when
 * stdout is not a terminal. Ctrl-C or q closes the exchange (sockets and timers) and restores the terminal.
 */
import { NotSupported } from '../core/errors.js';
import type { Exchange, StreamKind } from '../core/exchange.js';
import type { OHLCV, OrderBook, Ticker, Trade } from '../core/types.js';
import { intOption, UsageError } from './args.js';
import { checkSymbol } from './call.js';
import { terminalChart, toCandles } from './chart.js';
import { println, type Ctx } from './context.js';
import { exactDiff, exactMid, exactSum, num, padEnd, padStart, paint, type Style } from './format.js';

const KINDS: Record<string, { stream: StreamKind; method: string }> = {
  orderbook: { stream: 'orderBook', method: 'watchOrderBook' },
  book: { stream: 'orderBook', method: 'watchOrderBook' },
  trades: { stream: 'trades', method: 'watchTrades' },
  ticker: { stream: 'ticker', method: 'watchTicker' },
  ohlcv: { stream: 'ohlcv', method: 'watchOHLCV' },
  candles: { stream: 'ohlcv', method: 'watchOHLCV' },
};
const USAGE =
  'usage: unifex <exchange> watch orderbook|trades|ticker|ohlcv <symbol> [timeframe] [--depth N] [--count N]';

export interface Stopper {
  /** Registers what to do on Ctrl-C / SIGTERM; returns the unregister function. */
  onStop(handler: () => void): () => void;
}

const SPARK = '▁▂▃▄▅▆▇█';
const hms = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString().slice(11, 23));

interface State {
  updates: number;
  book?: OrderBook;
  trades: Trade[];
  ticker?: Ticker;
  /** Candles by open time (history first, then what the stream brings). */
  candles: Map<number, OHLCV>;
  timeframe: string;
  prices: number[];
  started: number;
  status: string;
}

export async function runWatch(ex: Exchange, words: string[], ctx: Ctx, stopper: Stopper): Promise<void> {
  const [kindWord, symbol, ...extra] = words;
  const kind = kindWord === undefined ? undefined : KINDS[kindWord.toLowerCase()];
  const timeframe = kind?.stream === 'ohlcv' ? (extra.shift() ?? '1m') : '1m';
  if (kind === undefined || symbol === undefined || extra.length > 0) throw new UsageError(USAGE);
  if (ex.has[kind.method] !== true) {
    const can = Object.entries(KINDS)
      .filter(([k, v]) => k !== 'book' && k !== 'candles' && ex.has[v.method] === true)
      .map(([k]) => k);
    throw new NotSupported(
      `${ex.id} does not stream ${kindWord}${can.length > 0 ? ` (it streams: ${can.join(', ')})` : ' (no websocket support yet)'}`,
      { exchange: ex.id },
    );
  }
  await checkSymbol(ex, symbol);
  if (kind.stream === 'ohlcv') {
    const known = Object.keys(ex.timeframes);
    if (known.length > 0 && !known.includes(timeframe)) {
      throw new UsageError(`${ex.id} has no timeframe ${timeframe}; it serves ${known.join(' ')}`);
    }
  }
  const depthOpt = intOption(ctx.args, 'depth');
  const count = intOption(ctx.args, 'count');
  const interval = intOption(ctx.args, 'interval', 0) ?? 100;
  const live = ctx.stdout.isTTY === true && !ctx.json;

  const state: State = {
    updates: 0,
    trades: [],
    candles: new Map(),
    timeframe,
    prices: [],
    started: Date.now(),
    status: 'connecting',
  };
  // a chart starts from the recent candles, then the stream moves its right edge
  if (kind.stream === 'ohlcv' && live && ex.has.fetchOHLCV === true) {
    try {
      for (const c of await ex.fetchOHLCV(symbol, timeframe, undefined, 200)) state.candles.set(c[0], c);
    } catch {
      // the stream alone fills the chart
    }
  }
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let lastDraw = 0;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void ex.close();
  };
  const unregister = stopper.onStop(stop);

  const draw = (): void => {
    timer = undefined;
    lastDraw = Date.now();
    const rows = ctx.stdout.rows ?? 24;
    const cols = ctx.stdout.columns ?? 80;
    const lines = frame(ex, symbol, kindWord!, state, ctx.style, rows, cols, depthOpt).slice(0, rows);
    ctx.stdout.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
  };
  const schedule = (): void => {
    if (timer !== undefined) return;
    const wait = Math.max(0, interval - (Date.now() - lastDraw));
    timer = setTimeout(draw, wait);
  };

  // keys: q or Ctrl-C (raw mode turns Ctrl-C into a byte instead of SIGINT)
  const stdin = process.stdin;
  const keys = live && stdin.isTTY === true;
  const onKey = (d: Buffer): void => {
    const s = d.toString();
    if (s === 'q' || s === 'Q' || s === '\x03' || s === '\x1b') stop();
  };
  const onResize = (): void => schedule();
  // Once a second: the clock moves, and a connection that drops or goes quiet shows in the header.
  const tick = setInterval(() => {
    void ex.streamStatus().then((states) => {
      const bad = Object.values(states).find((s) => s === 'connecting' || s === 'stale' || s === 'reconnecting');
      state.status = bad ?? (state.updates > 0 ? 'live' : 'connecting');
      if (live && !stopping) schedule();
    });
  }, 1000);
  tick.unref();
  if (live) {
    ctx.stdout.write('\x1b[?1049h\x1b[?25l'); // alternate screen, cursor hidden
    ctx.stdout.on?.('resize', onResize);
    if (keys) {
      stdin.setRawMode(true);
      stdin.resume();
      stdin.on('data', onKey);
    }
    draw();
  }
  const args: unknown[] =
    kind.stream === 'orderBook' ? [symbol, depthOpt] : kind.stream === 'ohlcv' ? [symbol, timeframe] : [symbol];
  try {
    for await (const update of ex.stream(kind.stream, ...args)) {
      state.updates++;
      state.status = 'live';
      absorb(state, kind.stream, update);
      if (live) schedule();
      else println(ctx.stdout, JSON.stringify(kind.stream === 'orderBook' ? trimBook(update, depthOpt) : update));
      if (count !== undefined && state.updates >= count) break;
      if (stopping) break;
    }
  } catch (e) {
    // Closing the exchange rejects the pending watch call: that is the way out, not an error.
    if (!stopping) throw e;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    clearInterval(tick);
    unregister();
    if (live) {
      if (keys) {
        stdin.off('data', onKey);
        stdin.setRawMode(false);
        stdin.pause();
      }
      ctx.stdout.off?.('resize', onResize);
      ctx.stdout.write('\x1b[?25h\x1b[?1049l');
    }
    await ex.close();
  }
  const secs = ((Date.now() - state.started) / 1000).toFixed(1);
  if (live)
    println(ctx.stdout, `${ex.id} ${symbol} ${kindWord}: ${state.updates} updates in ${secs}s${summaryOf(state)}`);
}

function trimBook(update: unknown, depth: number | undefined): unknown {
  if (depth === undefined || typeof update !== 'object' || update === null || !('bids' in update)) return update;
  const b = update as OrderBook;
  return { ...b, bids: b.bids.slice(0, depth), asks: b.asks.slice(0, depth) };
}

function absorb(state: State, kind: StreamKind, update: unknown): void {
  if (kind === 'orderBook') {
    state.book = update as OrderBook;
    const b = state.book;
    if (b.bids[0] !== undefined && b.asks[0] !== undefined) state.prices.push((b.bids[0][0] + b.asks[0][0]) / 2);
  } else if (kind === 'ticker') {
    state.ticker = update as Ticker;
    if (state.ticker.last !== undefined) state.prices.push(state.ticker.last);
  } else if (kind === 'ohlcv') {
    // a candle comes again while it is open: the newest state of each open time wins
    for (const c of update as OHLCV[]) state.candles.set(c[0], c);
    if (state.candles.size > 1000) {
      const times = [...state.candles.keys()].sort((a, b) => a - b);
      for (const t of times.slice(0, times.length - 1000)) state.candles.delete(t);
    }
    const last = [...state.candles.values()].at(-1)?.[4];
    if (last !== undefined) state.prices.push(last);
  } else {
    // A watch call may hand back the whole cache or just the news: keep each trade once, newest first.
    const known = new Set(state.trades.map(tradeKey));
    for (const t of update as Trade[]) {
      if (known.has(tradeKey(t))) continue;
      known.add(tradeKey(t));
      state.trades.push(t);
      if (t.price !== undefined) state.prices.push(t.price);
    }
    state.trades.sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
    if (state.trades.length > 500) state.trades.length = 500;
  }
  if (state.prices.length > 400) state.prices.splice(0, state.prices.length - 400);
}

const tradeKey = (t: Trade): string => `${t.id ?? ''}|${t.timestamp ?? ''}|${t.price ?? ''}|${t.amount ?? ''}`;

function summaryOf(state: State): string {
  const p = state.prices[state.prices.length - 1];
  return p === undefined ? '' : `, last ${num(p)}`;
}

function sparkline(values: number[], width: number): string {
  const v = values.slice(-width);
  if (v.length < 2) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v.map((x) => SPARK[hi === lo ? 3 : Math.round(((x - lo) / (hi - lo)) * 7)]).join('');
}

/** One screen: a header line, then the view of the stream. */
export function frame(
  ex: Exchange,
  symbol: string,
  kind: string,
  state: State,
  style: Style,
  rows: number,
  cols: number,
  depthOpt: number | undefined,
): string[] {
  const header =
    `${paint(style, 'bold', `${ex.id} ${symbol}`)} ${kind}  ${paint(style, 'gray', `${hms(Date.now())} UTC`)}  ` +
    `updates ${state.updates}  ${paint(style, state.status === 'live' ? 'green' : 'yellow', state.status)}  ` +
    paint(style, 'gray', 'q or Ctrl-C to quit');
  const out = [header, ''];
  if (state.updates === 0) return [...out, paint(style, 'gray', 'waiting for the first update…')];
  if (kind === 'ticker' && state.ticker !== undefined) out.push(...tickerView(state.ticker, state.prices, style, cols));
  else if (state.candles.size > 0) {
    const rowsOf = [...state.candles.values()].sort((a, b) => a[0] - b[0]);
    const chart = terminalChart(
      toCandles(rowsOf),
      {
        width: cols,
        height: Math.max(8, rows - 2),
        title: `${symbol} ${state.timeframe}`,
        timeframeMs: ex.parseTimeframe(state.timeframe) * 1000,
      },
      style,
    );
    out.push(...chart.split('\n'));
  } else if (state.book !== undefined) out.push(...bookView(state.book, style, rows - 3, cols, depthOpt));
  else out.push(...tradesView(state.trades, state.prices, style, rows - 3, cols));
  return out;
}

function tickerView(t: Ticker, prices: number[], style: Style, cols: number): string[] {
  const change = t.percentage ?? undefined;
  const color = change === undefined ? undefined : change >= 0 ? 'green' : 'red';
  const line = (k: string, v: string, c?: 'green' | 'red' | 'bold'): string =>
    v === '' ? '' : `${paint(style, 'gray', padEnd(k, 14))}${paint(style, c, v)}`;
  return [
    line('last', num(t.last), 'bold'),
    line('change', t.change === undefined ? '' : `${num(t.change)}  (${change?.toFixed(2) ?? ''}%)`, color),
    line('bid', t.bid === undefined ? '' : `${num(t.bid)}  × ${num(t.bidVolume)}`, 'green'),
    line('ask', t.ask === undefined ? '' : `${num(t.ask)}  × ${num(t.askVolume)}`, 'red'),
    line('spread', t.bid !== undefined && t.ask !== undefined ? num(exactDiff(t.ask, t.bid)) : ''),
    line('high / low', t.high === undefined ? '' : `${num(t.high)} / ${num(t.low)}`),
    line('vwap', num(t.vwap)),
    line('volume', t.baseVolume === undefined ? '' : `${num(t.baseVolume)} base  ${num(t.quoteVolume)} quote`),
    line('time', t.datetime ?? ''),
    '',
    paint(style, color, sparkline(prices, Math.max(10, cols - 2))),
  ].filter((l, i, all) => l !== '' || i === all.length - 2);
}

function bookView(book: OrderBook, style: Style, rows: number, cols: number, depthOpt: number | undefined): string[] {
  const fit = Math.max(1, Math.floor((rows - 3) / 2));
  const depth = Math.min(depthOpt ?? fit, fit);
  const asks = book.asks.slice(0, depth);
  const bids = book.bids.slice(0, depth);
  const cumulative = (levels: OrderBook['bids']): number[] => {
    let s = 0;
    return levels.map((l) => (s = exactSum(s, l[1])));
  };
  const askCum = cumulative(asks);
  const bidCum = cumulative(bids);
  const maxCum = Math.max(askCum[askCum.length - 1] ?? 0, bidCum[bidCum.length - 1] ?? 0) || 1;
  const all = [...asks, ...bids];
  const pw = Math.max(5, ...all.map((l) => num(l[0]).length));
  const aw = Math.max(4, ...all.map((l) => num(l[1]).length));
  const tw = Math.max(5, ...[...askCum, ...bidCum].map((v) => num(v).length));
  const barW = Math.max(0, cols - pw - aw - tw - 8);
  const row = (l: OrderBook['bids'][number], cum: number, color: 'green' | 'red'): string =>
    `${paint(style, color, padStart(num(l[0]), pw))}  ${padStart(num(l[1]), aw)}  ${paint(style, 'gray', padStart(num(cum), tw))}  ` +
    paint(style, color, '█'.repeat(Math.round((cum / maxCum) * barW)));
  const out = [paint(style, 'bold', `${padStart('price', pw)}  ${padStart('size', aw)}  ${padStart('total', tw)}`)];
  for (let i = asks.length - 1; i >= 0; i--) out.push(row(asks[i]!, askCum[i]!, 'red'));
  const bestBid = bids[0]?.[0];
  const bestAsk = asks[0]?.[0];
  const spread =
    bestBid !== undefined && bestAsk !== undefined
      ? `spread ${num(exactDiff(bestAsk, bestBid))}  mid ${num(exactMid(bestAsk, bestBid))}`
      : 'one-sided book';
  out.push(
    paint(
      style,
      'gray',
      `${'─'.repeat(2)} ${spread} ${'─'.repeat(Math.max(2, Math.min(40, cols - spread.length - 5)))}`,
    ),
  );
  bids.forEach((l, i) => out.push(row(l, bidCum[i]!, 'green')));
  return out;
}

function tradesView(trades: Trade[], prices: number[], style: Style, rows: number, cols: number): string[] {
  let buy = 0;
  let sell = 0;
  for (const t of trades) {
    if (t.side === 'buy') buy += t.amount ?? 0;
    else if (t.side === 'sell') sell += t.amount ?? 0;
  }
  const shown = trades.slice(0, Math.max(1, rows - 4));
  const pw = Math.max(5, ...shown.map((t) => num(t.price).length));
  const aw = Math.max(6, ...shown.map((t) => num(t.amount).length));
  const out = [
    `${paint(style, 'green', `bought ${num(Number(buy.toPrecision(10)))}`)}  ${paint(style, 'red', `sold ${num(Number(sell.toPrecision(10)))}`)}  ${paint(style, 'gray', `(last ${trades.length} trades)`)}`,
    paint(style, 'gray', sparkline(prices, Math.max(10, cols - 2))),
    paint(
      style,
      'bold',
      `${padEnd('time', 12)}  ${padEnd('side', 4)}  ${padStart('price', pw)}  ${padStart('amount', aw)}`,
    ),
  ];
  for (const t of shown) {
    const color = t.side === 'buy' ? 'green' : t.side === 'sell' ? 'red' : undefined;
    out.push(
      `${padEnd(hms(t.timestamp), 12)}  ${paint(style, color, padEnd(t.side ?? '', 4))}  ${paint(style, color, padStart(num(t.price), pw))}  ${padStart(num(t.amount), aw)}`,
    );
  }
  return out;
}
