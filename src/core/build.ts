/**
 * Builders that finish a parsed structure: parsers hand over decimal strings, the builders derive what the
 * exchange left out (cost = price * amount, remaining = amount - filled, ...) with exact decimal arithmetic and
 * convert money to numbers exactly once, here at the output boundary.
 */
import { dAdd, dDiv, dGt, dIsZero, dMul, dNormalize, dSub, precisionFromTick, toDecimal, toNumber } from './decimal.js';
import type {
  Balances,
  BookLevel,
  DepositAddress,
  Fee,
  LedgerEntry,
  Market,
  OHLCV,
  Order,
  OrderBook,
  OrderSide,
  OrderStatus,
  Ticker,
  Trade,
  TradingFee,
  Transaction,
} from './types.js';
import { iso8601 } from './util.js';

/** A money value as a parser hands it over: decimal string (preferred), number, or absent. */
export type Money = string | number | undefined | null;

const dec = (x: Money): string | undefined => toDecimal(x);
const num = (x: string | undefined): number | undefined => toNumber(x);

export interface FeeInput {
  cost?: Money;
  currency?: string | undefined;
  rate?: Money;
}
function buildFee(f: FeeInput | undefined): Fee | undefined {
  if (f === undefined) return undefined;
  const fee: Fee = { cost: num(dec(f.cost)), currency: f.currency };
  if (f.rate !== undefined) fee.rate = num(dec(f.rate));
  return fee;
}

export interface TickerInput {
  symbol: string;
  timestamp?: number | undefined;
  high?: Money;
  low?: Money;
  bid?: Money;
  bidVolume?: Money;
  ask?: Money;
  askVolume?: Money;
  vwap?: Money;
  open?: Money;
  close?: Money;
  last?: Money;
  previousClose?: Money;
  change?: Money;
  percentage?: Money;
  average?: Money;
  baseVolume?: Money;
  quoteVolume?: Money;
  markPrice?: Money;
  indexPrice?: Money;
  info: unknown;
}

/** Zero means "not given" for prices (exchanges send 0 for an empty side or a pair without trades). */
const nz = (x: string | undefined): string | undefined => (x === undefined || dIsZero(x) ? undefined : x);

/**
 * Derives what the exchange left out from what it sent: open/close/change/percentage determine each other,
 * vwap comes from the volumes, average is the open-close midpoint cut to the market's price precision.
 */
export function buildTicker(t: TickerInput, market?: Market): Ticker {
  let open = nz(dec(t.open));
  let close = nz(dec(t.close)) ?? nz(dec(t.last));
  let change = dec(t.change); // a flat day's zero change is real
  let percentage = nz(dec(t.percentage));
  let average = nz(dec(t.average));
  const baseVolume = dec(t.baseVolume);
  let quoteVolume = dec(t.quoteVolume);
  let vwap = dec(t.vwap);
  if (
    vwap === undefined &&
    quoteVolume !== undefined &&
    baseVolume !== undefined &&
    !dIsZero(quoteVolume) &&
    !dIsZero(baseVolume)
  ) {
    vwap = dDiv(quoteVolume, baseVolume);
  }
  if (quoteVolume === undefined && vwap !== undefined && baseVolume !== undefined) quoteVolume = dMul(vwap, baseVolume);
  const ratio = percentage === undefined ? undefined : dAdd('1', dDiv(percentage, '100'));
  if (open === undefined && close !== undefined) {
    if (change !== undefined) open = dSub(close, change);
    else if (ratio !== undefined && !dIsZero(ratio)) open = dDiv(close, ratio);
  }
  if (close === undefined && open !== undefined) {
    if (change !== undefined) close = dAdd(open, change);
    else if (ratio !== undefined) close = dMul(open, ratio);
    else if (average !== undefined) close = dSub(dMul(average, '2'), open);
  }
  if (open !== undefined && close !== undefined) {
    change ??= dSub(close, open);
    if (percentage === undefined && !dIsZero(open)) percentage = dMul(dDiv(change, open), '100');
    if (average === undefined) {
      const tick = market?.precision.price;
      average = dDiv(dAdd(open, close), '2', tick === undefined ? 18 : precisionFromTick(String(tick)));
    }
  }
  const out: Ticker = {
    symbol: t.symbol,
    timestamp: t.timestamp,
    datetime: iso8601(t.timestamp),
    high: num(nz(dec(t.high))),
    low: num(nz(dec(t.low))),
    bid: num(nz(dec(t.bid))),
    bidVolume: num(dec(t.bidVolume)),
    ask: num(nz(dec(t.ask))),
    askVolume: num(dec(t.askVolume)),
    vwap: num(vwap),
    open: num(open),
    close: num(close),
    last: num(close),
    previousClose: num(dec(t.previousClose)),
    change: num(change),
    percentage: num(percentage),
    average: num(average),
    baseVolume: num(baseVolume),
    quoteVolume: num(quoteVolume),
    info: t.info,
  };
  if (t.markPrice !== undefined) out.markPrice = num(dec(t.markPrice));
  if (t.indexPrice !== undefined) out.indexPrice = num(dec(t.indexPrice));
  return out;
}

export interface TradeInput {
  id?: string | undefined;
  order?: string | undefined;
  timestamp?: number | undefined;
  symbol?: string | undefined;
  type?: string | undefined;
  side?: OrderSide | undefined;
  takerOrMaker?: 'taker' | 'maker' | undefined;
  price?: Money;
  amount?: Money;
  cost?: Money;
  fee?: FeeInput | undefined;
  fees?: FeeInput[] | undefined;
  info: unknown;
}

export function buildTrade(t: TradeInput, market?: Market): Trade {
  const price = dec(t.price);
  const amount = dec(t.amount);
  let cost = dec(t.cost);
  if (cost === undefined && price !== undefined && amount !== undefined) {
    cost = dMul(price, amount);
    const size = market?.contractSize;
    if (market?.contract === true && size != null) {
      cost =
        market.inverse === true && !dIsZero(price) ? dDiv(dMul(amount, String(size)), price) : dMul(cost, String(size));
    }
  }
  const fee = buildFee(t.fee);
  const fees = t.fees !== undefined ? t.fees.map((f) => buildFee(f)!) : fee !== undefined ? [fee] : [];
  return {
    id: t.id,
    order: t.order,
    timestamp: t.timestamp,
    datetime: iso8601(t.timestamp),
    symbol: t.symbol ?? market?.symbol,
    type: t.type,
    side: t.side,
    takerOrMaker: t.takerOrMaker,
    price: num(price),
    amount: num(amount),
    cost: num(cost),
    // CCXT gives a trade without a known fee an empty fee slot rather than none.
    fee: fee ?? (fees.length === 1 ? fees[0] : { cost: undefined, currency: undefined }),
    fees,
    info: t.info,
  };
}

export interface OrderInput {
  id?: string | undefined;
  clientOrderId?: string | undefined;
  timestamp?: number | undefined;
  lastTradeTimestamp?: number | undefined;
  lastUpdateTimestamp?: number | undefined;
  status?: OrderStatus | undefined;
  symbol?: string | undefined;
  type?: string | undefined;
  timeInForce?: string | undefined;
  postOnly?: boolean | undefined;
  reduceOnly?: boolean | undefined;
  side?: OrderSide | undefined;
  price?: Money;
  average?: Money;
  amount?: Money;
  filled?: Money;
  remaining?: Money;
  cost?: Money;
  triggerPrice?: Money;
  takeProfitPrice?: Money;
  stopLossPrice?: Money;
  trades?: Trade[] | undefined;
  fee?: FeeInput | undefined;
  fees?: FeeInput[] | undefined;
  info: unknown;
}

/** Sums fees per currency (an order's fills each carry one). */
function reduceFees(fees: Fee[]): Fee[] {
  const byCurrency = new Map<
    string | undefined,
    { cost: string | undefined; rate: number | undefined; count: number }
  >();
  for (const f of fees) {
    const cost = f.cost === undefined ? undefined : dNormalize(f.cost);
    const prev = byCurrency.get(f.currency);
    if (prev === undefined) byCurrency.set(f.currency, { cost, rate: f.rate, count: 1 });
    else {
      prev.cost = prev.cost === undefined ? cost : cost === undefined ? prev.cost : dAdd(prev.cost, cost);
      if (prev.rate !== f.rate) prev.rate = undefined;
      prev.count++;
    }
  }
  return [...byCurrency.entries()].map(([currency, v]) => {
    const fee: Fee = { cost: num(v.cost), currency };
    if (v.rate !== undefined) fee.rate = v.rate;
    return fee;
  });
}

/**
 * Completes an order the way CCXT users expect: amount = filled + remaining (and the other two ways round),
 * a closed order with one of them known gives the rest, average = cost / filled, cost = filled * (average or price)
 * for linear contracts (inverse: filled * size / price), fills fold into filled/cost/fees when the order omits them,
 * a market order without a price shows its average, and market orders are IOC unless they are trigger orders.
 */
export function buildOrder(o: OrderInput, market?: Market): Order {
  let amount = dec(o.amount);
  let filled = dec(o.filled);
  let remaining = dec(o.remaining);
  let cost = dec(o.cost);
  let average = nz(dec(o.average));
  let price = nz(dec(o.price));
  const trades = o.trades ?? [];
  let symbol = o.symbol;
  let side = o.side;
  let lastTradeTimestamp = o.lastTradeTimestamp;
  const sumFilled = filled === undefined && trades.length > 0;
  const sumCost = cost === undefined && trades.length > 0;
  const tradeFees: Fee[] = [];
  if (sumFilled) filled = '0';
  if (sumCost) cost = '0';
  for (const t of trades) {
    if (sumFilled && t.amount !== undefined) filled = dAdd(filled!, t.amount);
    if (sumCost && t.cost !== undefined) cost = dAdd(cost!, t.cost);
    symbol ??= t.symbol;
    side ??= t.side;
    if (o.lastTradeTimestamp === undefined && t.timestamp !== undefined) {
      lastTradeTimestamp = Math.max(lastTradeTimestamp ?? t.timestamp, t.timestamp);
    }
    if (t.fees.length > 0) tradeFees.push(...t.fees);
    else if (t.fee !== undefined) tradeFees.push(t.fee);
  }
  const closed = o.status === 'closed';
  if (amount === undefined) {
    if (filled !== undefined && remaining !== undefined) amount = dAdd(filled, remaining);
    else if (closed) amount = filled;
  }
  if (filled === undefined) {
    if (amount !== undefined && remaining !== undefined) filled = dSub(amount, remaining);
    else if (closed && amount !== undefined) filled = amount;
  }
  if (remaining === undefined) {
    if (amount !== undefined && filled !== undefined) remaining = dSub(amount, filled);
    else if (closed) remaining = '0';
  }
  // Markets loaded from JSON carry nulls where a field does not apply.
  const size = market?.contractSize == null ? '1' : String(market.contractSize);
  const inverse = market?.inverse === true;
  if (average === undefined && filled !== undefined && cost !== undefined && dGt(filled, '0') && !dIsZero(cost)) {
    const units = dMul(filled, size);
    average = inverse ? dDiv(units, cost) : dDiv(cost, units);
  }
  // An order that did not state its cost is priced from its average (or limit price), even when fills were summed.
  if ((cost === undefined || sumCost) && filled !== undefined) {
    const p = average ?? price;
    if (p !== undefined) {
      const units = dMul(filled, size);
      cost = inverse ? dDiv(units, p) : dMul(units, p);
    }
  }
  if (price === undefined && o.type === 'market') price = average;

  let fees: Fee[];
  let fee = buildFee(o.fee);
  if (o.fees !== undefined) fees = o.fees.map((f) => buildFee(f)!);
  else if (tradeFees.length > 0 && fee === undefined) fees = reduceFees(tradeFees);
  else fees = fee !== undefined ? [fee] : [];
  if (fee === undefined && fees.length === 1) fee = fees[0];

  const isTrigger = o.triggerPrice !== undefined || o.stopLossPrice !== undefined || o.takeProfitPrice !== undefined;
  let timeInForce = o.timeInForce;
  let postOnly = o.postOnly;
  if (timeInForce === undefined) {
    if (o.type === 'market' && !isTrigger) timeInForce = 'IOC';
    if (postOnly === true) timeInForce = 'PO';
  } else if (postOnly === undefined) {
    postOnly = timeInForce === 'PO';
  }
  const triggerPrice = num(dec(o.triggerPrice));
  return {
    id: (o.id ?? trades[0]?.order) as string,
    clientOrderId: o.clientOrderId,
    timestamp: o.timestamp,
    datetime: iso8601(o.timestamp),
    lastTradeTimestamp,
    lastUpdateTimestamp: o.lastUpdateTimestamp,
    status: o.status,
    symbol: symbol ?? market?.symbol,
    type: o.type ?? trades[0]?.type,
    timeInForce,
    postOnly,
    reduceOnly: o.reduceOnly,
    side,
    price: num(price),
    average: num(average),
    amount: num(amount),
    filled: num(filled),
    remaining: num(remaining),
    cost: num(cost),
    triggerPrice,
    stopPrice: triggerPrice,
    takeProfitPrice: num(dec(o.takeProfitPrice)),
    stopLossPrice: num(dec(o.stopLossPrice)),
    trades,
    fee,
    fees,
    info: o.info,
  };
}

export interface BalanceInput {
  free?: Money;
  used?: Money;
  total?: Money;
  debt?: Money;
}

/** Balances from per-currency entries; the missing one of free/used/total is derived. */
export function buildBalance(entries: Record<string, BalanceInput>, info: unknown, timestamp?: number): Balances {
  const out: Balances = { info, timestamp, datetime: iso8601(timestamp), free: {}, used: {}, total: {} };
  for (const [code, e] of Object.entries(entries)) {
    let free = dec(e.free);
    let used = dec(e.used);
    let total = dec(e.total);
    if (total === undefined && free !== undefined && used !== undefined) total = dAdd(free, used);
    if (free === undefined && total !== undefined && used !== undefined) free = dSub(total, used);
    if (used === undefined && total !== undefined && free !== undefined) used = dSub(total, free);
    const entry: Record<string, number | undefined> = { free: num(free), used: num(used), total: num(total) };
    if (e.debt !== undefined) entry['debt'] = num(dec(e.debt));
    out[code] = entry;
    out.free[code] = entry['free'];
    out.used[code] = entry['used'];
    out.total[code] = entry['total'];
  }
  return out;
}

/** Levels from [price, amount] arrays or objects; sorted bids desc, asks asc; zero amounts dropped. */
export function buildOrderBook(
  bids: unknown[],
  asks: unknown[],
  symbol: string | undefined,
  timestamp?: number,
  nonce?: number,
  priceKey: string | number = 0,
  amountKey: string | number = 1,
  countKey?: string | number,
): OrderBook {
  return {
    symbol,
    bids: parseLevels(bids, priceKey, amountKey, countKey, true),
    asks: parseLevels(asks, priceKey, amountKey, countKey, false),
    timestamp,
    datetime: iso8601(timestamp),
    nonce,
  };
}

/**
 * Levels as [price, amount] plus, where the exchange sends one, a third column (order count, id or time), sorted
 * best first. Exchanges almost always send sides already in order, so the sort runs only when they do not.
 */
function parseLevels(
  levels: unknown[],
  priceKey: string | number,
  amountKey: string | number,
  countKey: string | number | undefined,
  descending: boolean,
): BookLevel[] {
  const n = levels.length;
  const out = new Array<BookLevel>(n);
  let k = 0;
  let ordered = true;
  let prev = descending ? Infinity : -Infinity;
  for (let i = 0; i < n; i++) {
    const l = levels[i] as Record<string | number, unknown> | null | undefined;
    if (l === null || typeof l !== 'object') continue;
    const price = Number(l[priceKey]);
    const amount = Number(l[amountKey]);
    if (price !== price || amount !== amount || price === Infinity || price === -Infinity) continue;
    if (descending ? price > prev : price < prev) ordered = false;
    prev = price;
    if (countKey === undefined) out[k++] = [price, amount];
    else {
      const count = Number(l[countKey]);
      out[k++] = Number.isFinite(count) ? [price, amount, count] : [price, amount];
    }
  }
  out.length = k;
  if (!ordered) out.sort(descending ? (a, b) => b[0] - a[0] : (a, b) => a[0] - b[0]);
  return out;
}

/** One OHLCV row from strings or numbers; timestamp in ms. */
export function buildOHLCV(ts: number | undefined, o: Money, h: Money, l: Money, c: Money, v: Money): OHLCV {
  return [ts ?? 0, num(dec(o)), num(dec(h)), num(dec(l)), num(dec(c)), num(dec(v))];
}

export interface TransactionInput {
  id?: string | undefined;
  txid?: string | undefined;
  timestamp?: number | undefined;
  network?: string | undefined;
  address?: string | undefined;
  addressFrom?: string | undefined;
  addressTo?: string | undefined;
  tag?: string | undefined;
  tagFrom?: string | undefined;
  tagTo?: string | undefined;
  type?: 'deposit' | 'withdrawal' | undefined;
  amount?: Money;
  currency?: string | undefined;
  status?: string | undefined;
  updated?: number | undefined;
  comment?: string | undefined;
  internal?: boolean | undefined;
  fee?: FeeInput | undefined;
  info: unknown;
}
export function buildTransaction(t: TransactionInput): Transaction {
  return {
    id: t.id,
    txid: t.txid,
    timestamp: t.timestamp,
    datetime: iso8601(t.timestamp),
    network: t.network,
    address: t.address ?? t.addressTo,
    addressFrom: t.addressFrom,
    addressTo: t.addressTo ?? t.address,
    tag: t.tag ?? t.tagTo,
    tagFrom: t.tagFrom,
    tagTo: t.tagTo ?? t.tag,
    type: t.type,
    amount: num(dec(t.amount)),
    currency: t.currency,
    status: t.status,
    updated: t.updated,
    comment: t.comment,
    internal: t.internal,
    fee: buildFee(t.fee),
    info: t.info,
  };
}

export interface LedgerInput {
  id?: string | undefined;
  timestamp?: number | undefined;
  direction?: 'in' | 'out' | undefined;
  account?: string | undefined;
  referenceId?: string | undefined;
  referenceAccount?: string | undefined;
  type?: string | undefined;
  currency?: string | undefined;
  amount?: Money;
  before?: Money;
  after?: Money;
  status?: string | undefined;
  fee?: FeeInput | undefined;
  info: unknown;
}
export function buildLedgerEntry(e: LedgerInput): LedgerEntry {
  let before = dec(e.before);
  const after = dec(e.after);
  const amount = dec(e.amount);
  if (before === undefined && after !== undefined && amount !== undefined) {
    before = e.direction === 'out' ? dAdd(after, amount) : dSub(after, amount);
  }
  return {
    id: e.id,
    info: e.info,
    timestamp: e.timestamp,
    datetime: iso8601(e.timestamp),
    direction: e.direction,
    account: e.account,
    referenceId: e.referenceId,
    referenceAccount: e.referenceAccount,
    type: e.type,
    currency: e.currency,
    amount: num(amount),
    before: num(before),
    after: num(after),
    status: e.status,
    fee: buildFee(e.fee),
  };
}

export function buildDepositAddress(a: {
  currency: string;
  address: string;
  tag?: string | undefined;
  network?: string | undefined;
  info: unknown;
}): DepositAddress {
  return { currency: a.currency, address: a.address, tag: a.tag, network: a.network, info: a.info };
}

export function buildTradingFee(f: {
  symbol: string;
  maker?: Money;
  taker?: Money;
  percentage?: boolean;
  tierBased?: boolean;
  info: unknown;
}): TradingFee {
  return {
    symbol: f.symbol,
    maker: num(dec(f.maker)),
    taker: num(dec(f.taker)),
    percentage: f.percentage,
    tierBased: f.tierBased,
    info: f.info,
  };
}
