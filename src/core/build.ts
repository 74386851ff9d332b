/**
 * Builders that finish a parsed structure: parsers hand over decimal strings, the builders derive what the
 * exchange left out (cost = price * amount, remaining = amount - filled, ...) with exact decimal arithmetic and
 * convert money to numbers exactly once, here at the output boundary.
 */
import { dAdd, dDiv, dGt, dIsZero, dMul, dSub, toDecimal, toNumber } from './decimal.js';
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

export function buildTicker(t: TickerInput): Ticker {
  const open = dec(t.open);
  let last = dec(t.last);
  let close = dec(t.close);
  if (last === undefined) last = close;
  if (close === undefined) close = last;
  let change = dec(t.change);
  let percentage = dec(t.percentage);
  let average = dec(t.average);
  let vwap = dec(t.vwap);
  let baseVolume = dec(t.baseVolume);
  let quoteVolume = dec(t.quoteVolume);
  if (last !== undefined && open !== undefined) {
    change ??= dSub(last, open);
    average ??= dDiv(dAdd(last, open), '2');
  }
  if (percentage === undefined && change !== undefined && open !== undefined && !dIsZero(open)) {
    percentage = dMul(dDiv(change, open), '100');
  }
  if (vwap === undefined && baseVolume !== undefined && quoteVolume !== undefined && !dIsZero(baseVolume)) {
    vwap = dDiv(quoteVolume, baseVolume);
  }
  if (vwap !== undefined && baseVolume !== undefined && quoteVolume === undefined) quoteVolume = dMul(vwap, baseVolume);
  if (vwap !== undefined && quoteVolume !== undefined && baseVolume === undefined && !dIsZero(vwap)) {
    baseVolume = dDiv(quoteVolume, vwap);
  }
  const out: Ticker = {
    symbol: t.symbol,
    timestamp: t.timestamp,
    datetime: iso8601(t.timestamp),
    high: num(dec(t.high)),
    low: num(dec(t.low)),
    bid: num(dec(t.bid)),
    bidVolume: num(dec(t.bidVolume)),
    ask: num(dec(t.ask)),
    askVolume: num(dec(t.askVolume)),
    vwap: num(vwap),
    open: num(open),
    close: num(close),
    last: num(last),
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
    if (market?.contract === true && size !== undefined) {
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
    fee: fee ?? (fees.length === 1 ? fees[0] : undefined),
    fees,
    info: t.info,
  };
}

export interface OrderInput {
  id: string;
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

export function buildOrder(o: OrderInput, market?: Market): Order {
  let amount = dec(o.amount);
  let filled = dec(o.filled);
  let remaining = dec(o.remaining);
  let cost = dec(o.cost);
  let average = dec(o.average);
  const price = dec(o.price);
  const trades = o.trades ?? [];
  // Fill in from the trades when the order itself does not say.
  if (trades.length > 0 && (filled === undefined || cost === undefined)) {
    let tFilled = '0';
    let tCost = '0';
    for (const t of trades) {
      if (t.amount !== undefined) tFilled = dAdd(tFilled, String(t.amount));
      if (t.cost !== undefined) tCost = dAdd(tCost, String(t.cost));
    }
    if (filled === undefined && dGt(tFilled, '0')) filled = tFilled;
    if (cost === undefined && dGt(tCost, '0')) cost = tCost;
  }
  if (amount === undefined && filled !== undefined && remaining !== undefined) amount = dAdd(filled, remaining);
  if (filled === undefined && amount !== undefined && remaining !== undefined) filled = dSub(amount, remaining);
  if (remaining === undefined && amount !== undefined && filled !== undefined) {
    const r = dSub(amount, filled);
    remaining = dGt(r, '0') ? r : '0';
  }
  if (average === undefined && cost !== undefined && filled !== undefined && !dIsZero(filled)) {
    average = dDiv(cost, filled);
    if (market?.contract === true && market.contractSize !== undefined)
      average = dDiv(average, String(market.contractSize));
  }
  if (cost === undefined && filled !== undefined) {
    const p = average ?? price;
    if (p !== undefined) cost = dMul(p, filled);
    else if (dIsZero(filled)) cost = '0';
  }
  let status = o.status;
  if (
    status === undefined &&
    remaining !== undefined &&
    amount !== undefined &&
    dIsZero(remaining) &&
    !dIsZero(amount)
  ) {
    status = 'closed';
  }
  const fee = buildFee(o.fee);
  const fees = o.fees !== undefined ? o.fees.map((f) => buildFee(f)!) : fee !== undefined ? [fee] : [];
  let timeInForce = o.timeInForce;
  let postOnly = o.postOnly;
  if (postOnly === true && timeInForce === undefined) timeInForce = 'PO';
  if (timeInForce === 'PO') postOnly = true;
  if (o.type === 'market' && timeInForce === undefined) timeInForce = 'IOC';
  const triggerPrice = num(dec(o.triggerPrice));
  return {
    id: o.id,
    clientOrderId: o.clientOrderId,
    timestamp: o.timestamp,
    datetime: iso8601(o.timestamp),
    lastTradeTimestamp: o.lastTradeTimestamp,
    lastUpdateTimestamp: o.lastUpdateTimestamp,
    status,
    symbol: o.symbol ?? market?.symbol,
    type: o.type,
    timeInForce,
    postOnly,
    reduceOnly: o.reduceOnly,
    side: o.side,
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
    fee: fee ?? (fees.length === 1 ? fees[0] : undefined),
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
): OrderBook {
  return {
    symbol,
    bids: parseLevels(bids, priceKey, amountKey).sort((a, b) => b[0] - a[0]),
    asks: parseLevels(asks, priceKey, amountKey).sort((a, b) => a[0] - b[0]),
    timestamp,
    datetime: iso8601(timestamp),
    nonce,
  };
}

function parseLevels(levels: unknown[], priceKey: string | number, amountKey: string | number): BookLevel[] {
  const out: BookLevel[] = [];
  for (const level of levels) {
    if (level === null || typeof level !== 'object') continue;
    const l = level as Record<string | number, unknown>;
    const price = Number(l[priceKey]);
    const amount = Number(l[amountKey]);
    if (!Number.isFinite(price) || !Number.isFinite(amount)) continue;
    out.push([price, amount]);
  }
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
