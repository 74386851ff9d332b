/** Unified structures as terminal tables (the JSON form is the structure itself). */
import type {
  Balances,
  Currency,
  LedgerEntry,
  Market,
  OHLCV,
  Order,
  OrderBook,
  Ticker,
  Trade,
  TradingFee,
  Transaction,
} from '../core/types.js';
import {
  exactDiff,
  exactMid,
  exactSum,
  keyValues,
  num,
  padEnd,
  padStart,
  paint,
  scalar,
  shortTime,
  table,
  type Color,
  type Column,
  type Style,
} from './format.js';
import type { View } from './methods.js';

const sideColor = (side: unknown): Color | undefined =>
  side === 'buy' ? 'green' : side === 'sell' ? 'red' : undefined;
const signColor = (v: unknown): Color | undefined =>
  typeof v === 'number' ? (v > 0 ? 'green' : v < 0 ? 'red' : undefined) : undefined;
const signed = (v: unknown): string => (typeof v === 'number' && v > 0 ? `+${num(v)}` : num(v));
const pct = (v: unknown): string => (typeof v === 'number' ? `${signed(Number(v.toFixed(2)))}%` : '');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function render(view: View, value: unknown, style: Style): string {
  if (value === undefined || value === null) return paint(style, 'gray', '(nothing)');
  switch (view) {
    case 'ticker':
      return isObject(value) ? renderTicker(value as unknown as Ticker, style) : generic(value, style);
    case 'tickers':
      return isObject(value) ? renderTickers(Object.values(value) as Ticker[], style) : generic(value, style);
    case 'orderbook':
      return isObject(value) ? renderBook(value as unknown as OrderBook, style) : generic(value, style);
    case 'trades':
      return Array.isArray(value) ? renderTrades(value as Trade[], style) : generic(value, style);
    case 'ohlcv':
      return Array.isArray(value) ? renderOHLCV(value as OHLCV[], style) : generic(value, style);
    case 'balance':
      return isObject(value) ? renderBalance(value as Balances, style) : generic(value, style);
    case 'order':
      return isObject(value) && !Array.isArray(value)
        ? renderOrder(value as unknown as Order, style)
        : generic(value, style);
    case 'orders':
      return Array.isArray(value) ? renderOrders(value as Order[], style) : generic(value, style);
    case 'markets':
      return renderMarkets((Array.isArray(value) ? value : Object.values(value)) as Market[], style);
    case 'currencies':
      return renderCurrencies((Array.isArray(value) ? value : Object.values(value)) as Currency[], style);
    case 'time':
      return typeof value === 'number' ? `${new Date(value).toISOString()}  (${value})` : generic(value, style);
    case 'transactions':
      return Array.isArray(value) ? renderTransactions(value as Transaction[], style) : generic(value, style);
    case 'ledger':
      return Array.isArray(value) ? renderLedger(value as LedgerEntry[], style) : generic(value, style);
    case 'fees':
      return renderFees(value, style);
    default:
      return generic(value, style);
  }
}

function renderTicker(t: Ticker, style: Style): string {
  const spread = t.bid !== undefined && t.ask !== undefined ? num(exactDiff(t.ask, t.bid)) : '';
  return keyValues(
    [
      ['symbol', t.symbol ?? '', 'bold'],
      ['time', shortTime(t.timestamp)],
      ['last', num(t.last), 'bold'],
      [
        'bid',
        t.bid === undefined ? '' : `${num(t.bid)}${t.bidVolume !== undefined ? `  × ${num(t.bidVolume)}` : ''}`,
        'green',
      ],
      [
        'ask',
        t.ask === undefined ? '' : `${num(t.ask)}${t.askVolume !== undefined ? `  × ${num(t.askVolume)}` : ''}`,
        'red',
      ],
      ['spread', spread],
      ['open', num(t.open)],
      ['high', num(t.high)],
      ['low', num(t.low)],
      ['change', t.change === undefined ? '' : `${signed(t.change)}  (${pct(t.percentage)})`, signColor(t.change)],
      ['vwap', num(t.vwap)],
      ['base volume', num(t.baseVolume)],
      ['quote volume', num(t.quoteVolume)],
      ['mark', num(t.markPrice)],
      ['index', num(t.indexPrice)],
    ],
    style,
  );
}

function renderTickers(tickers: Ticker[], style: Style): string {
  const rows = [...tickers].sort((x, y) => (x.symbol < y.symbol ? -1 : 1));
  const cols: Column<Ticker>[] = [
    { header: 'symbol', get: (t) => t.symbol },
    { header: 'last', get: (t) => num(t.last), align: 'right' },
    { header: 'bid', get: (t) => num(t.bid), align: 'right' },
    { header: 'ask', get: (t) => num(t.ask), align: 'right' },
    { header: 'change %', get: (t) => pct(t.percentage), align: 'right', color: (t) => signColor(t.percentage) },
    { header: 'high', get: (t) => num(t.high), align: 'right' },
    { header: 'low', get: (t) => num(t.low), align: 'right' },
    { header: 'base volume', get: (t) => num(t.baseVolume), align: 'right' },
    { header: 'quote volume', get: (t) => num(t.quoteVolume), align: 'right' },
  ];
  return table(rows, cols, style);
}

const BOOK_ROWS = 25;

/** Bids and asks side by side, best first, with running totals. */
export function renderBook(book: OrderBook, style: Style, depth = BOOK_ROWS): string {
  const n = Math.min(depth, Math.max(book.bids.length, book.asks.length));
  const cum = (levels: OrderBook['bids']): string[] => {
    let total = 0;
    return levels.slice(0, n).map((l) => num((total = exactSum(total, l[1]))));
  };
  const bidTotals = cum(book.bids);
  const askTotals = cum(book.asks);
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    const b = book.bids[i];
    const s = book.asks[i];
    rows.push([
      b ? bidTotals[i]! : '',
      b ? num(b[1]) : '',
      b ? num(b[0]) : '',
      s ? num(s[0]) : '',
      s ? num(s[1]) : '',
      s ? askTotals[i]! : '',
    ]);
  }
  const headers = ['total', 'bid size', 'bid', 'ask', 'ask size', 'total'];
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const colors: (Color | undefined)[] = ['gray', undefined, 'green', 'red', undefined, 'gray'];
  const line = (cells: string[], head = false): string =>
    cells
      .map((c, i) => {
        const text = i < 3 ? padStart(c, w[i]!) : padEnd(c, w[i]!);
        return head ? text : paint(style, colors[i], text);
      })
      .join('  ')
      .trimEnd();
  const best =
    book.bids[0] !== undefined && book.asks[0] !== undefined ? [book.bids[0][0], book.asks[0][0]] : undefined;
  const title = [
    paint(style, 'bold', book.symbol ?? ''),
    shortTime(book.timestamp),
    best ? `spread ${num(exactDiff(best[1]!, best[0]!))}  mid ${num(exactMid(best[0]!, best[1]!))}` : '',
  ]
    .filter((x) => x !== '')
    .join('  ');
  const out = [title, paint(style, 'bold', line(headers, true)), ...rows.map((r) => line(r))];
  const more = Math.max(book.bids.length, book.asks.length) - n;
  if (more > 0)
    out.push(paint(style, 'gray', `… ${more} more levels (ask for fewer with a limit, or all with --json)`));
  return out.join('\n');
}

function renderTrades(trades: Trade[], style: Style): string {
  const mine = trades.some((t) => t.order !== undefined || t.fee?.cost !== undefined);
  const cols: Column<Trade>[] = [
    { header: 'time', get: (t) => shortTime(t.timestamp) },
    { header: 'symbol', get: (t) => (mine ? (t.symbol ?? '') : '') },
    { header: 'side', get: (t) => t.side ?? '', color: (t) => sideColor(t.side) },
    { header: 'price', get: (t) => num(t.price), align: 'right' },
    { header: 'amount', get: (t) => num(t.amount), align: 'right' },
    { header: 'cost', get: (t) => num(t.cost), align: 'right' },
    { header: 'type', get: (t) => t.type ?? '' },
    { header: 'maker/taker', get: (t) => t.takerOrMaker ?? '' },
    {
      header: 'fee',
      get: (t) => (t.fee?.cost !== undefined ? `${num(t.fee.cost)} ${t.fee.currency ?? ''}`.trim() : ''),
    },
    { header: 'order', get: (t) => t.order ?? '' },
    { header: 'id', get: (t) => t.id ?? '' },
  ];
  return trades.length === 0 ? paint(style, 'gray', '(no trades)') : table(trades, cols, style);
}

function renderOHLCV(candles: OHLCV[], style: Style): string {
  const color = (c: OHLCV): Color | undefined =>
    c[1] !== undefined && c[4] !== undefined ? (c[4] >= c[1] ? 'green' : 'red') : undefined;
  const cols: Column<OHLCV>[] = [
    { header: 'time', get: (c) => shortTime(c[0]) },
    { header: 'open', get: (c) => num(c[1]), align: 'right' },
    { header: 'high', get: (c) => num(c[2]), align: 'right' },
    { header: 'low', get: (c) => num(c[3]), align: 'right' },
    { header: 'close', get: (c) => num(c[4]), align: 'right', color },
    { header: 'volume', get: (c) => num(c[5]), align: 'right' },
  ];
  return candles.length === 0 ? paint(style, 'gray', '(no candles)') : table(candles, cols, style);
}

function renderBalance(b: Balances, style: Style): string {
  const codes = new Set([...Object.keys(b.total ?? {}), ...Object.keys(b.free ?? {}), ...Object.keys(b.used ?? {})]);
  const rows = [...codes]
    .sort()
    .map((code) => ({ code, free: b.free?.[code], used: b.used?.[code], total: b.total?.[code] }))
    .filter((r) => [r.free, r.used, r.total].some((v) => v !== undefined && v !== 0));
  if (rows.length === 0) return paint(style, 'gray', '(no balances)');
  return table(
    rows,
    [
      { header: 'currency', get: (r) => r.code },
      { header: 'free', get: (r) => num(r.free), align: 'right' },
      { header: 'used', get: (r) => num(r.used), align: 'right' },
      { header: 'total', get: (r) => num(r.total), align: 'right' },
    ],
    style,
  );
}

function renderOrder(o: Order, style: Style): string {
  return keyValues(
    [
      ['id', o.id ?? '', 'bold'],
      ['client id', o.clientOrderId ?? ''],
      ['time', shortTime(o.timestamp)],
      ['symbol', o.symbol ?? ''],
      ['type', o.type ?? ''],
      ['side', o.side ?? '', sideColor(o.side)],
      ['price', num(o.price)],
      ['trigger', num(o.triggerPrice)],
      ['amount', num(o.amount)],
      ['filled', num(o.filled)],
      ['remaining', num(o.remaining)],
      ['average', num(o.average)],
      ['cost', num(o.cost)],
      ['fee', o.fee?.cost !== undefined ? `${num(o.fee.cost)} ${o.fee.currency ?? ''}`.trim() : ''],
      ['time in force', o.timeInForce ?? ''],
      ['post only', o.postOnly === undefined ? '' : String(o.postOnly)],
      ['status', o.status ?? '', o.status === 'open' ? 'yellow' : o.status === 'closed' ? 'green' : undefined],
      ['trades', Array.isArray(o.trades) && o.trades.length > 0 ? String(o.trades.length) : ''],
    ],
    style,
  );
}

function renderOrders(orders: Order[], style: Style): string {
  if (orders.length === 0) return paint(style, 'gray', '(no orders)');
  return table(
    orders,
    [
      { header: 'id', get: (o) => o.id ?? '' },
      { header: 'time', get: (o) => shortTime(o.timestamp) },
      { header: 'symbol', get: (o) => o.symbol ?? '' },
      { header: 'type', get: (o) => o.type ?? '' },
      { header: 'side', get: (o) => o.side ?? '', color: (o) => sideColor(o.side) },
      { header: 'price', get: (o) => num(o.price), align: 'right' },
      { header: 'average', get: (o) => num(o.average), align: 'right' },
      { header: 'amount', get: (o) => num(o.amount), align: 'right' },
      { header: 'filled', get: (o) => num(o.filled), align: 'right' },
      { header: 'remaining', get: (o) => num(o.remaining), align: 'right' },
      { header: 'status', get: (o) => o.status ?? '' },
    ],
    style,
  );
}

function renderMarkets(markets: Market[], style: Style): string {
  const rows = [...markets].sort((x, y) => (x.symbol < y.symbol ? -1 : 1));
  return table(
    rows,
    [
      { header: 'symbol', get: (m) => m.symbol },
      { header: 'id', get: (m) => m.id },
      { header: 'type', get: (m) => m.type },
      { header: 'active', get: (m) => (m.active === undefined ? '' : m.active ? 'yes' : 'no') },
      { header: 'price tick', get: (m) => num(m.precision?.price), align: 'right' },
      { header: 'amount step', get: (m) => num(m.precision?.amount), align: 'right' },
      { header: 'min amount', get: (m) => num(m.limits?.amount?.min), align: 'right' },
      { header: 'min cost', get: (m) => num(m.limits?.cost?.min), align: 'right' },
      { header: 'maker', get: (m) => num(m.maker), align: 'right' },
      { header: 'taker', get: (m) => num(m.taker), align: 'right' },
    ],
    style,
  );
}

function renderCurrencies(currencies: Currency[], style: Style): string {
  const rows = [...currencies].sort((x, y) => (x.code < y.code ? -1 : 1));
  const yn = (v: boolean | undefined): string => (v === undefined ? '' : v ? 'yes' : 'no');
  return table(
    rows,
    [
      { header: 'code', get: (c) => c.code },
      { header: 'id', get: (c) => c.id },
      { header: 'name', get: (c) => c.name ?? '' },
      { header: 'active', get: (c) => yn(c.active) },
      { header: 'deposit', get: (c) => yn(c.deposit) },
      { header: 'withdraw', get: (c) => yn(c.withdraw) },
      { header: 'fee', get: (c) => num(c.fee), align: 'right' },
      { header: 'precision', get: (c) => num(c.precision), align: 'right' },
    ],
    style,
  );
}

function renderTransactions(txs: Transaction[], style: Style): string {
  if (txs.length === 0) return paint(style, 'gray', '(no transactions)');
  return table(
    txs,
    [
      { header: 'time', get: (t) => shortTime(t.timestamp) },
      { header: 'type', get: (t) => t.type ?? '' },
      { header: 'currency', get: (t) => t.currency ?? '' },
      { header: 'amount', get: (t) => num(t.amount), align: 'right' },
      { header: 'fee', get: (t) => num(t.fee?.cost), align: 'right' },
      { header: 'status', get: (t) => t.status ?? '' },
      { header: 'network', get: (t) => t.network ?? '' },
      { header: 'address', get: (t) => t.address ?? '' },
      { header: 'txid', get: (t) => t.txid ?? '' },
    ],
    style,
  );
}

function renderLedger(entries: LedgerEntry[], style: Style): string {
  if (entries.length === 0) return paint(style, 'gray', '(no entries)');
  return table(
    entries,
    [
      { header: 'time', get: (e) => shortTime(e.timestamp) },
      { header: 'direction', get: (e) => e.direction ?? '' },
      { header: 'type', get: (e) => e.type ?? '' },
      { header: 'currency', get: (e) => e.currency ?? '' },
      { header: 'amount', get: (e) => num(e.amount), align: 'right' },
      { header: 'after', get: (e) => num(e.after), align: 'right' },
      { header: 'fee', get: (e) => num(e.fee?.cost), align: 'right' },
      { header: 'reference', get: (e) => e.referenceId ?? '' },
      { header: 'id', get: (e) => e.id ?? '' },
    ],
    style,
  );
}

function renderFees(value: unknown, style: Style): string {
  if (!isObject(value)) return generic(value, style);
  const list = (typeof value['symbol'] === 'string' ? [value] : Object.values(value)) as TradingFee[];
  return table(
    list,
    [
      { header: 'symbol', get: (f) => f.symbol },
      { header: 'maker', get: (f) => num(f.maker), align: 'right' },
      { header: 'taker', get: (f) => num(f.taker), align: 'right' },
    ],
    style,
  );
}

/** Anything else: a list of objects as a table of its scalar fields, an object as key / value lines. */
export function generic(value: unknown, style: Style): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return paint(style, 'gray', '(empty)');
    if (value.every(isObject)) {
      const keys = [...new Set(value.flatMap((v) => Object.keys(v)))].filter((k) => k !== 'info');
      return table(
        value,
        keys.slice(0, 12).map((k) => ({ header: k, get: (v: Record<string, unknown>) => scalar(v[k]) })),
        style,
      );
    }
    return value.map((v) => scalar(v)).join('\n');
  }
  if (isObject(value)) {
    return keyValues(
      Object.entries(value)
        .filter(([k]) => k !== 'info')
        .map(([k, v]) => [k, scalar(v)] as [string, string]),
      style,
    );
  }
  return scalar(value);
}
