/**
 * Pure parsers for Kraken's REST answers (https://docs.kraken.com/api/docs/rest-api/). No I/O, no clock, no `this`:
 * whatever needs the loaded markets or currencies comes in as a resolver function. Money stays a decimal string
 * until the core build* helpers.
 */
import {
  buildBalance,
  buildLedgerEntry,
  buildOHLCV,
  buildOrder,
  buildOrderBook,
  buildTicker,
  buildTrade,
  buildTradingFee,
  buildTransaction,
  type BalanceInput,
  type FeeInput,
} from '../../core/build.js';
import { dAbs, dAdd, dDiv, dEq, dGe, dIsZero, dLt, dMul, toDecimal, toNumber } from '../../core/decimal.js';
import type {
  Balances,
  Currency,
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
} from '../../core/types.js';
import { bool, iso8601, parse8601, str } from '../../core/util.js';

/** Exchange currency id -> unified code. */
export type CodeOf = (id: string | undefined) => string | undefined;
/** Exchange pair id or altname -> market (known, or guessed for delisted pairs). */
export type MarketOf = (pairId: string | undefined) => Market | undefined;

type Num = string | number;

// ---------------------------------------------------------------------------------------------------------------
// raw shapes, as documented

export interface RawAsset {
  aclass?: string;
  altname?: string;
  decimals?: Num;
  display_decimals?: Num;
  collateral_value?: Num;
  margin_rate?: Num;
  status?: string;
}

export interface RawAssetPair {
  altname?: string;
  wsname?: string;
  aclass_base?: string;
  base?: string;
  aclass_quote?: string;
  quote?: string;
  lot?: string;
  cost_decimals?: Num;
  pair_decimals?: Num;
  lot_decimals?: Num;
  lot_multiplier?: Num;
  leverage_buy?: Num[];
  leverage_sell?: Num[];
  fees?: [Num, Num][];
  fees_maker?: [Num, Num][];
  fee_volume_currency?: string;
  margin_call?: Num;
  margin_stop?: Num;
  ordermin?: Num;
  costmin?: Num;
  tick_size?: Num;
  status?: string;
}

/** Ticker fields are [today, last 24 hours] pairs (a/b are [price, whole lot volume, lot volume]). */
export interface RawTicker {
  a?: Num[];
  b?: Num[];
  c?: Num[];
  v?: Num[];
  p?: Num[];
  t?: number[];
  l?: Num[];
  h?: Num[];
  o?: Num;
}

export interface RawBook {
  asks?: Num[][];
  bids?: Num[][];
}

/** [time (s), open, high, low, close, vwap, volume, count] */
export type RawCandle = [number, Num, Num, Num, Num, Num, Num, number];

/** [price, volume, time (s), 'b'|'s', 'm'|'l', misc, trade_id] (trade_id on current API versions). */
export type RawPublicTrade = [Num, Num, Num, string, string, string, (number | string)?];

export interface RawOwnTrade {
  id?: string;
  ordertxid?: string;
  postxid?: string;
  pair?: string;
  time?: Num;
  type?: string;
  ordertype?: string;
  price?: Num;
  cost?: Num;
  fee?: Num;
  vol?: Num;
  margin?: Num;
  leverage?: Num;
  misc?: string;
  trade_id?: number | string;
  maker?: boolean;
}

export interface RawOrderDescription {
  pair?: string;
  type?: string;
  ordertype?: string;
  price?: string;
  price2?: string;
  leverage?: string;
  order?: string;
  close?: string;
}

export interface RawOrder {
  id?: string;
  txid?: string | string[];
  order_id?: string;
  amend_id?: string;
  refid?: string | null;
  userref?: number | string | null;
  cl_ord_id?: string | null;
  status?: string;
  reason?: string | null;
  opentm?: Num;
  closetm?: Num;
  starttm?: Num;
  expiretm?: Num;
  descr?: RawOrderDescription | string;
  vol?: Num;
  vol_exec?: Num;
  cost?: Num;
  fee?: Num;
  price?: Num;
  stopprice?: Num;
  limitprice?: Num;
  misc?: string;
  oflags?: string;
  trades?: unknown[];
  reduce_only?: boolean;
  trigger?: string;
}

export interface RawBalanceEx {
  balance?: Num;
  hold_trade?: Num;
  credit?: Num;
  credit_used?: Num;
}

export interface RawLedgerEntry {
  id?: string;
  refid?: string;
  time?: Num;
  type?: string;
  subtype?: string;
  aclass?: string;
  asset?: string;
  amount?: Num;
  fee?: Num;
  balance?: Num;
}

export interface RawFunding {
  method?: string;
  network?: string;
  aclass?: string;
  asset?: string;
  refid?: string;
  txid?: string;
  info?: string;
  amount?: Num;
  fee?: Num;
  time?: Num;
  status?: string;
  'status-prop'?: string;
  key?: string;
}

export interface RawFeeTier {
  fee?: Num;
  minfee?: Num;
  maxfee?: Num;
  nextfee?: Num | null;
  tiervolume?: Num;
  nextvolume?: Num | null;
}

export interface RawTradeVolume {
  currency?: string;
  volume?: Num;
  fees?: Record<string, RawFeeTier>;
  fees_maker?: Record<string, RawFeeTier>;
}

// ---------------------------------------------------------------------------------------------------------------
// small helpers

/** Unix seconds (possibly fractional, as number or string) -> integer ms, without float rounding. */
export function msFromSeconds(v: unknown): number | undefined {
  const d = toDecimal(v);
  if (d === undefined) return undefined;
  const ms = dMul(d, '1000');
  const dot = ms.indexOf('.');
  return Number(dot === -1 ? ms : ms.slice(0, dot));
}

/** Kraken fills absent prices with "0" / "0.00000": treat a zero as absent. */
function nonZero(v: unknown): string | undefined {
  const d = toDecimal(v);
  return d === undefined || dIsZero(d) ? undefined : d;
}

/** 10^-decimals as a tick size string: 8 -> '0.00000001'. */
function tickOf(decimals: unknown): string | undefined {
  const n = toNumber(toDecimal(decimals));
  if (n === undefined || !Number.isInteger(n)) return undefined;
  return n <= 0 ? '1' : `0.${'0'.repeat(n - 1)}1`;
}

function percentToRate(v: unknown): string | undefined {
  const d = toDecimal(v);
  return d === undefined ? undefined : dDiv(d, '100');
}

function num(v: string | undefined): number | undefined {
  return toNumber(v);
}

/**
 * Unified code of a Kraken asset. Legacy ids carry an X/Z prefix that the altname drops (XXBT/XBT, ZUSD/USD):
 * the altname is then the name to resolve. Suffixed ids (XBT.M, ETH.S, USD.HOLD) are never prefixed.
 */
export function assetCode(id: string, altname: string | undefined, codeOf: CodeOf): string {
  const prefixed = !id.includes('.') && altname !== undefined && altname !== id && /^[XZ]/.test(id);
  return (prefixed ? codeOf(altname) : codeOf(id)) ?? id;
}

/**
 * Base and quote ids of a pair id no longer listed: Kraken ids are 6 to 8 characters, with 4-character legacy
 * asset ids when longer than 6.
 */
export function splitPairId(id: string): [string, string] {
  const baseLength = id.length > 6 ? 4 : 3;
  return [id.slice(0, baseLength), id.slice(baseLength, baseLength * 2)];
}

// ---------------------------------------------------------------------------------------------------------------
// reference data

export function parseCurrency(id: string, raw: RawAsset, codeOf: CodeOf, fiat: readonly string[]): Currency {
  const code = assetCode(id, raw.altname, codeOf);
  const precision = tickOf(raw.decimals);
  const status = raw.status;
  const isFiat = code.endsWith('.HOLD') || fiat.includes(code);
  return {
    id,
    code,
    name: raw.altname,
    active: status === undefined ? undefined : status === 'enabled',
    deposit: status === undefined ? undefined : status === 'enabled' || status === 'deposit_only',
    withdraw: status === undefined ? undefined : status === 'enabled' || status === 'withdrawal_only',
    type: isFiat ? 'fiat' : 'crypto',
    fee: undefined,
    precision: num(precision),
    limits: { amount: { min: num(precision), max: undefined }, withdraw: { min: undefined, max: undefined } },
    networks: {},
    info: raw,
  };
}

function feeTiers(schedule: [Num, Num][] | undefined): [number, number][] | undefined {
  if (!Array.isArray(schedule)) return undefined;
  const out: [number, number][] = [];
  for (const [volume, percent] of schedule) {
    const v = num(toDecimal(volume));
    const r = num(percentToRate(percent));
    if (v !== undefined && r !== undefined) out.push([v, r]);
  }
  return out;
}

/**
 * One market of AssetPairs. `baseTick` is the base asset's own precision (from Assets): an amount can never be
 * finer than the asset itself, so the coarser of the two wins.
 */
export function parseMarket(id: string, raw: RawAssetPair, codeOf: CodeOf, baseTick?: string): Market {
  const baseId = raw.base ?? '';
  const quoteId = raw.quote ?? '';
  const base = codeOf(baseId) ?? baseId;
  const quote = codeOf(quoteId) ?? quoteId;
  let amountTick = tickOf(raw.lot_decimals);
  if (baseTick !== undefined && (amountTick === undefined || dLt(amountTick, baseTick))) amountTick = baseTick;
  const priceTick = tickOf(raw.pair_decimals) ?? toDecimal(raw.tick_size);
  const leverage = Array.isArray(raw.leverage_buy) ? raw.leverage_buy : [];
  const maxLeverage = leverage.length > 0 ? leverage[leverage.length - 1] : 1;
  const taker = percentToRate(raw.fees?.[0]?.[1]);
  const maker = percentToRate(raw.fees_maker?.[0]?.[1]);
  const takerTiers = feeTiers(raw.fees);
  const makerTiers = feeTiers(raw.fees_maker);
  const market: Market = {
    id,
    // synthetic pairs (ids with a ':' suffix) are not a plain base/quote
    symbol: id.includes(':') ? id : `${base}/${quote}`,
    base,
    quote,
    settle: undefined,
    baseId,
    quoteId,
    settleId: undefined,
    type: 'spot',
    spot: true,
    margin: leverage.length > 0,
    swap: false,
    future: false,
    option: false,
    active: raw.status === 'online',
    contract: false,
    linear: undefined,
    inverse: undefined,
    taker: num(taker),
    maker: num(maker),
    percentage: true,
    tierBased: true,
    contractSize: undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    precision: { amount: num(amountTick), price: num(priceTick) },
    limits: {
      leverage: { min: 1, max: num(toDecimal(maxLeverage)) },
      amount: { min: num(toDecimal(raw.ordermin)), max: undefined },
      price: { min: undefined, max: undefined },
      cost: { min: num(toDecimal(raw.costmin)), max: undefined },
    },
    created: undefined,
    altname: raw.altname,
    wsId: raw.wsname,
    info: raw,
  };
  if (takerTiers !== undefined && makerTiers !== undefined) market['tiers'] = { taker: takerTiers, maker: makerTiers };
  return market;
}

// ---------------------------------------------------------------------------------------------------------------
// market data

/** The market's price precision bounds the derived average (buildTicker, as CCXT does). */
export function parseTicker(raw: RawTicker, symbol: string, market?: Market): Ticker {
  // index 1 of each pair is the rolling 24 hours
  return buildTicker(
    {
      symbol,
      timestamp: undefined,
      high: raw.h?.[1],
      low: raw.l?.[1],
      bid: raw.b?.[0],
      bidVolume: raw.b?.[2],
      ask: raw.a?.[0],
      askVolume: raw.a?.[2],
      vwap: raw.p?.[1],
      open: raw.o,
      close: raw.c?.[0],
      baseVolume: raw.v?.[1],
      info: raw,
    },
    market,
  );
}

/** Levels are [price, volume, timestamp (s)]: the third column is the level's last update time. */
export function parseOrderBook(raw: RawBook, symbol: string): OrderBook {
  const bids = Array.isArray(raw.bids) ? raw.bids : [];
  const asks = Array.isArray(raw.asks) ? raw.asks : [];
  return buildOrderBook(bids, asks, symbol, undefined, undefined, 0, 1, 2);
}

export function parseOHLCV(row: RawCandle): OHLCV {
  // index 5 is the candle's vwap, 6 its volume
  return buildOHLCV(msFromSeconds(row[0]), row[1], row[2], row[3], row[4], row[6]);
}

/** A public trade row; `fallbackId` is the `last` cursor, the only id old responses give (for the newest row). */
export function parsePublicTrade(row: RawPublicTrade, market: Market, fallbackId?: string): Trade {
  const tradeId = row[6];
  return buildTrade(
    {
      id: tradeId !== undefined && tradeId !== null ? String(tradeId) : fallbackId,
      timestamp: msFromSeconds(row[2]),
      symbol: market.symbol,
      side: row[3] === 's' ? 'sell' : 'buy',
      type: row[4] === 'l' ? 'limit' : 'market',
      price: row[0],
      amount: row[1],
      info: row,
    },
    market,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// account

export function parseOwnTrade(raw: RawOwnTrade, market: Market | undefined): Trade {
  const fee: FeeInput | undefined =
    raw.fee !== undefined ? { cost: toDecimal(raw.fee), currency: market?.quote } : undefined;
  return buildTrade(
    {
      id: raw.id ?? raw.postxid,
      order: raw.ordertxid,
      timestamp: msFromSeconds(raw.time),
      symbol: market?.symbol,
      type: raw.ordertype,
      side: raw.type === 'buy' || raw.type === 'sell' ? raw.type : undefined,
      takerOrMaker: raw.maker === undefined ? undefined : raw.maker ? 'maker' : 'taker',
      price: toDecimal(raw.price),
      amount: toDecimal(raw.vol),
      cost: toDecimal(raw.cost),
      fee,
      info: raw,
    },
    market,
  );
}

export function parseBalance(result: Record<string, RawBalanceEx>, codeOf: CodeOf, info: unknown): Balances {
  const entries: Record<string, BalanceInput> = {};
  for (const [id, entry] of Object.entries(result)) {
    const code = codeOf(id);
    if (code === undefined || entry === null || typeof entry !== 'object') continue;
    entries[code] = { total: toDecimal(entry.balance), used: toDecimal(entry.hold_trade) ?? '0' };
  }
  return buildBalance(entries, info);
}

const ORDER_STATUS: Record<string, OrderStatus> = {
  pending: 'open',
  pending_new: 'open',
  new: 'open',
  open: 'open',
  partially_filled: 'open',
  filled: 'closed',
  closed: 'closed',
  canceled: 'canceled',
  cancelled: 'canceled',
  expired: 'expired',
};

/** Kraken's trigger order types, and what executes once they trigger. */
const EXECUTES_AS: Record<string, string> = {
  'stop-loss': 'market',
  'take-profit': 'market',
  'stop-loss-limit': 'limit',
  'take-profit-limit': 'limit',
  'trailing-stop-limit': 'limit',
};

interface Sentence {
  side?: string | undefined;
  volume?: string | undefined;
  pair?: string | undefined;
  kind?: string | undefined;
  price?: string | undefined;
  limitPrice?: string | undefined;
}

/**
 * The human sentence AddOrder answers with (and orders carry as descr.order), e.g.
 * "sell 0.1 LTCUSDT @ stop loss 55.0 -> limit 54.0 with 5:1 leverage" or "buy 1.25 XBTUSD @ limit 37500".
 */
function readSentence(text: string | undefined): Sentence {
  if (text === undefined) return {};
  const m =
    /^(\w+)\s+(\S+)\s+(\S+)\s+@\s+(limit|market|stop loss|take profit|trailing stop|settle position|\S+)(?:\s+(?!->|with\b)(\S+))?(?:\s+->\s+limit\s+(\S+))?/.exec(
      text.trim(),
    );
  if (m === null) return {};
  const out: Sentence = { side: m[1], volume: m[2], pair: m[3], kind: m[4] };
  if (m[5] !== undefined) out.price = m[5];
  if (m[6] !== undefined) out.limitPrice = m[6];
  return out;
}

/** 'stop loss' (+ a limit price) -> 'stop-loss-limit', as the order fields spell it. */
function dashedType(kind: string | undefined, hasLimit: boolean): string | undefined {
  if (kind === undefined) return undefined;
  if (kind === 'stop loss' || kind === 'take profit' || kind === 'trailing stop') {
    return kind.replace(' ', '-') + (hasLimit ? '-limit' : '');
  }
  return kind.replace(/ /g, '-');
}

/** A trailing offset such as "+50.0000%" or "-100" is not a price. */
function isOffset(v: string | undefined): boolean {
  return v !== undefined && (v.endsWith('%') || v.startsWith('+') || v.startsWith('-'));
}

export interface OrderContext {
  marketOf: MarketOf;
  /** The order was placed with oflags=viqc: the sentence's volume is a quote amount. */
  usingCost?: boolean;
}

function orderId(raw: RawOrder): string | undefined {
  if (typeof raw.id === 'string') return raw.id;
  if (typeof raw.txid === 'string') return raw.txid;
  if (Array.isArray(raw.txid) && typeof raw.txid[0] === 'string') return raw.txid[0];
  return raw.order_id ?? raw.amend_id;
}

export function parseOrder(raw: RawOrder, ctx: OrderContext, market?: Market): Order {
  const descr: RawOrderDescription = typeof raw.descr === 'object' && raw.descr !== null ? raw.descr : {};
  const said = readSentence(typeof raw.descr === 'string' ? raw.descr : descr.order);
  const fieldType = descr.ordertype;
  const rawType = fieldType ?? dashedType(said.kind, said.limitPrice !== undefined);
  const side = descr.type ?? said.side;
  const found = ctx.marketOf(descr.pair ?? said.pair);
  const m = found ?? market;
  const id = orderId(raw);

  let price: string | undefined;
  let trigger: string | undefined;
  if (rawType !== undefined && /^(stop-loss|take-profit)/.test(rawType)) {
    trigger = nonZero(fieldType !== undefined ? descr.price : said.price);
    price = nonZero(fieldType !== undefined ? descr.price2 : said.limitPrice);
  } else {
    const quoted = fieldType !== undefined ? descr.price : said.price;
    price = isOffset(quoted) ? undefined : nonZero(quoted);
    price ??= nonZero(raw.limitprice ?? raw.price ?? descr.price2);
  }
  const type = rawType === undefined ? undefined : (EXECUTES_AS[rawType] ?? rawType);
  const average = nonZero(raw.price);
  // Kraken truncates `cost`; the builder derives it from filled * average instead.
  const filled = toDecimal(raw.vol_exec);
  let amount = toDecimal(raw.vol);
  let cost: string | undefined;
  if (amount === undefined && said.volume !== undefined) {
    if (ctx.usingCost === true) cost = toDecimal(said.volume);
    else amount = toDecimal(said.volume);
  }

  const flags = raw.oflags ?? '';
  let fee: FeeInput | undefined;
  if (raw.fee !== undefined && m !== undefined) {
    const currency = flags.includes('fciq') ? m.quote : flags.includes('fcib') ? m.base : undefined;
    fee = { cost: toDecimal(raw.fee), currency };
  }
  const symbol = m?.symbol;
  const trades: Trade[] = [];
  for (const t of Array.isArray(raw.trades) ? raw.trades : []) {
    if (typeof t !== 'string') continue;
    // QueryOrders lists trade ids only
    trades.push({ ...buildTrade({ id: t, order: id, symbol, fee: {}, fees: [], info: {} }), orderId: id } as Trade);
  }
  const status = raw.status === undefined ? undefined : (ORDER_STATUS[raw.status] ?? (raw.status as OrderStatus));
  return buildOrder(
    {
      id,
      clientOrderId: str(raw, 'cl_ord_id', 'userref'),
      timestamp: msFromSeconds(raw.opentm),
      lastTradeTimestamp: undefined,
      lastUpdateTimestamp: msFromSeconds(raw.closetm),
      status,
      symbol,
      type,
      postOnly: raw.amend_id !== undefined && raw.descr === undefined ? undefined : flags.includes('post'),
      reduceOnly: bool(raw, 'reduce_only', 'reduceOnly'),
      side: side === 'buy' || side === 'sell' ? (side as OrderSide) : undefined,
      price,
      average,
      amount,
      filled,
      cost,
      triggerPrice: trigger,
      stopLossPrice: rawType?.startsWith('stop-loss') === true ? trigger : undefined,
      takeProfitPrice: rawType?.startsWith('take-profit') === true ? trigger : undefined,
      trades,
      fee,
      info: raw,
    },
    m,
  );
}

const LEDGER_TYPES: Record<string, string> = {
  trade: 'trade',
  deposit: 'transaction',
  withdrawal: 'transaction',
  transfer: 'transfer',
  margin: 'margin',
  rollover: 'fee',
  settled: 'trade',
  adjustment: 'adjustment',
  staking: 'reward',
  earn: 'reward',
  dividend: 'reward',
  sale: 'trade',
  credit: 'credit',
};

export function parseLedgerEntry(raw: RawLedgerEntry, codeOf: CodeOf): LedgerEntry {
  const amount = toDecimal(raw.amount);
  const code = codeOf(raw.asset);
  const out = amount !== undefined && dLt(amount, '0');
  return buildLedgerEntry({
    id: raw.id,
    timestamp: msFromSeconds(raw.time),
    direction: amount === undefined ? undefined : out ? 'out' : 'in',
    account: undefined,
    referenceId: raw.refid,
    referenceAccount: undefined,
    type: raw.type === undefined ? undefined : (LEDGER_TYPES[raw.type] ?? raw.type),
    currency: code,
    amount: amount === undefined ? undefined : dAbs(amount),
    after: toDecimal(raw.balance),
    status: 'ok',
    fee: { cost: toDecimal(raw.fee), currency: code },
    info: raw,
  });
}

const FUNDING_STATUS: Record<string, string> = {
  Initial: 'pending',
  Pending: 'pending',
  Settled: 'pending',
  Success: 'ok',
  Partial: 'ok',
  Failure: 'failed',
};

/** Sub-states that mean the transfer is held, whatever the main status says. */
const HELD = new Set(['on-hold', 'onhold', 'cancel-pending']);

export function parseTransaction(
  raw: RawFunding,
  type: 'deposit' | 'withdrawal' | undefined,
  codeOf: CodeOf,
  networkOf: (name: string | undefined) => string | undefined,
): Transaction {
  const code = codeOf(raw.asset);
  let status = raw.status === undefined ? undefined : (FUNDING_STATUS[raw.status] ?? raw.status);
  const sub = raw['status-prop'];
  if (sub !== undefined && HELD.has(sub)) status = 'pending';
  else if (sub === 'canceled' || sub === 'cancelled') status = 'canceled';
  // deposits that report no fee were free
  const feeCost = toDecimal(raw.fee) ?? (type === 'deposit' ? '0' : undefined);
  return buildTransaction({
    id: raw.refid,
    txid: raw.txid,
    timestamp: msFromSeconds(raw.time),
    network: networkOf(raw.network),
    // `info` is the destination address (or the bank reference for fiat)
    address: raw.info,
    type,
    amount: toDecimal(raw.amount),
    currency: code,
    status,
    fee: { cost: feeCost, currency: code },
    info: raw,
  });
}

export function parseTradingFee(result: RawTradeVolume, market: Market): TradingFee {
  return buildTradingFee({
    symbol: market.symbol,
    maker: percentToRate(result.fees_maker?.[market.id]?.fee),
    taker: percentToRate(result.fees?.[market.id]?.fee),
    percentage: true,
    tierBased: true,
    info: result,
  });
}

/** The rate of a pair's fee schedule ([30-day volume, percent] rows) that applies at `volume`. */
export function rateAtVolume(schedule: [Num, Num][] | undefined, volume: string): string | undefined {
  let rate: string | undefined;
  for (const [threshold, percent] of Array.isArray(schedule) ? schedule : []) {
    const t = toDecimal(threshold);
    if (t !== undefined && dGe(volume, t)) rate = percentToRate(percent);
  }
  return rate;
}

export function tradingFeeFromSchedule(market: Market, volume: string, info: unknown): TradingFee {
  const raw = market.info as RawAssetPair | undefined;
  return buildTradingFee({
    symbol: market.symbol,
    maker: rateAtVolume(raw?.fees_maker, volume) ?? market.maker,
    taker: rateAtVolume(raw?.fees, volume) ?? market.taker,
    percentage: true,
    tierBased: true,
    info,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// websocket API v2 (https://docs.kraken.com/api/docs/websocket-v2/): numbers arrive as JSON numbers, times as RFC 3339

export interface WsTicker {
  symbol?: string;
  bid?: Num;
  bid_qty?: Num;
  ask?: Num;
  ask_qty?: Num;
  last?: Num;
  volume?: Num;
  vwap?: Num;
  low?: Num;
  high?: Num;
  change?: Num;
  change_pct?: Num;
  timestamp?: string;
}

export interface WsTrade {
  symbol?: string;
  side?: string;
  price?: Num;
  qty?: Num;
  ord_type?: string;
  trade_id?: number | string;
  timestamp?: string;
}

export interface WsCandle {
  symbol?: string;
  open?: Num;
  high?: Num;
  low?: Num;
  close?: Num;
  vwap?: Num;
  trades?: number;
  volume?: Num;
  interval_begin?: string;
  interval?: number;
  timestamp?: string;
}

export interface WsLevel {
  price?: Num;
  qty?: Num;
}

export interface WsBook {
  symbol?: string;
  bids?: WsLevel[];
  asks?: WsLevel[];
  checksum?: number;
  timestamp?: string;
}

/** One execution report; which fields are present depends on exec_type. */
export interface WsExecution {
  order_id?: string;
  order_userref?: number | string;
  cl_ord_id?: string;
  exec_id?: string;
  exec_type?: string;
  trade_id?: number | string;
  symbol?: string;
  side?: string;
  order_type?: string;
  order_qty?: Num;
  limit_price?: Num;
  stop_price?: Num;
  triggers?: { price?: Num; reference?: string };
  time_in_force?: string;
  post_only?: boolean;
  reduce_only?: boolean;
  order_status?: string;
  timestamp?: string;
  last_qty?: Num;
  last_price?: Num;
  cost?: Num;
  liquidity_ind?: string;
  cum_qty?: Num;
  cum_cost?: Num;
  avg_price?: Num;
  fees?: { asset?: string; qty?: Num }[];
  fee_usd_equiv?: Num;
}

export interface WsBalance {
  asset?: string;
  balance?: Num;
  wallets?: { type?: string; id?: string; balance?: Num }[];
  amount?: Num;
  fee?: Num;
  ledger_id?: string;
  timestamp?: string;
}

export function parseWsTicker(raw: WsTicker, symbol: string, market?: Market): Ticker {
  // change and change_pct cover the last 24 hours: the open is what the builder derives from them
  return buildTicker(
    {
      symbol,
      timestamp: parse8601(raw.timestamp),
      high: raw.high,
      low: raw.low,
      bid: raw.bid,
      bidVolume: raw.bid_qty,
      ask: raw.ask,
      askVolume: raw.ask_qty,
      vwap: raw.vwap,
      close: raw.last,
      change: raw.change,
      percentage: raw.change_pct,
      baseVolume: raw.volume,
      info: raw,
    },
    market,
  );
}

export function parseWsTrade(raw: WsTrade, symbol: string, market?: Market): Trade {
  return buildTrade(
    {
      id: raw.trade_id === undefined ? undefined : String(raw.trade_id),
      timestamp: parse8601(raw.timestamp),
      symbol,
      side: raw.side === 'buy' || raw.side === 'sell' ? raw.side : undefined,
      type: raw.ord_type,
      price: raw.price,
      amount: raw.qty,
      info: raw,
    },
    market,
  );
}

/** A candle opens at interval_begin (its `timestamp` field is deprecated). */
export function parseWsCandle(raw: WsCandle): OHLCV {
  return buildOHLCV(parse8601(raw.interval_begin ?? raw.timestamp), raw.open, raw.high, raw.low, raw.close, raw.volume);
}

/** A fill of one of the account's orders (exec_type 'trade'); fees are listed per asset. */
export function parseWsMyTrade(raw: WsExecution, symbol: string | undefined, codeOf: CodeOf, market?: Market): Trade {
  const fees: FeeInput[] = (Array.isArray(raw.fees) ? raw.fees : []).map((f) => ({
    cost: toDecimal(f.qty),
    currency: codeOf(f.asset),
  }));
  const liquidity = raw.liquidity_ind;
  return buildTrade(
    {
      id: raw.exec_id,
      order: raw.order_id,
      timestamp: parse8601(raw.timestamp),
      symbol,
      type: raw.order_type,
      side: raw.side === 'buy' || raw.side === 'sell' ? raw.side : undefined,
      takerOrMaker: liquidity === 't' ? 'taker' : liquidity === 'm' ? 'maker' : undefined,
      price: raw.last_price,
      amount: raw.last_qty,
      cost: raw.cost,
      fee: fees[0],
      fees: fees.length > 1 ? fees : undefined,
      info: raw,
    },
    market,
  );
}

/**
 * An order from the execution reports seen for it, merged oldest first (each report carries only what changed).
 * `created` and `lastTrade` are the times of its first report and of its last fill; `restFee` is the fee REST
 * reported for it (in the currency charged), which stands in for the stream's fee in USD.
 */
export function parseWsOrder(
  raw: WsExecution,
  symbol: string | undefined,
  times: {
    created?: number | undefined;
    lastTrade?: number | undefined;
    restFee?: { cost: string; currency: string | undefined } | undefined;
  },
  market?: Market,
): Order {
  const rawType = raw.order_type;
  const trigger = nonZero(raw.triggers?.price ?? raw.stop_price);
  const status = raw.order_status;
  const side = raw.side;
  return buildOrder(
    {
      id: raw.order_id,
      clientOrderId: str(raw, 'cl_ord_id', 'order_userref'),
      timestamp: times.created,
      lastTradeTimestamp: times.lastTrade,
      lastUpdateTimestamp: parse8601(raw.timestamp),
      status: status === undefined ? undefined : (ORDER_STATUS[status] ?? (status as OrderStatus)),
      symbol,
      type: rawType === undefined ? undefined : (EXECUTES_AS[rawType] ?? rawType),
      timeInForce: raw.time_in_force,
      postOnly: raw.post_only,
      reduceOnly: raw.reduce_only,
      side: side === 'buy' || side === 'sell' ? side : undefined,
      price: nonZero(raw.limit_price),
      average: nonZero(raw.avg_price),
      amount: toDecimal(raw.order_qty),
      filled: toDecimal(raw.cum_qty),
      cost: toDecimal(raw.cum_cost),
      triggerPrice: trigger,
      stopLossPrice: rawType?.startsWith('stop-loss') === true ? trigger : undefined,
      takeProfitPrice: rawType?.startsWith('take-profit') === true ? trigger : undefined,
      // the only order-level fee the stream reports is its value in USD
      fee:
        times.restFee !== undefined
          ? { cost: times.restFee.cost, currency: times.restFee.currency }
          : raw.fee_usd_equiv === undefined
            ? undefined
            : { cost: toDecimal(raw.fee_usd_equiv), currency: 'USD' },
      info: raw,
    },
    market,
  );
}

/**
 * An order REST reported (QueryOrders, OpenOrders) written as the fields of an execution report, so that it
 * merges into the state a stream keeps for the order and reports streamed later merge on top of it. Fields REST
 * leaves out stay as the stream had them; the order type is Kraken's own (stop-loss, not what it executes as).
 */
export function executionOfOrder(order: Order): WsExecution {
  const out: WsExecution = { order_id: order.id };
  const info = order.info as RawOrder | undefined;
  const descr = info !== undefined && typeof info.descr === 'object' && info.descr !== null ? info.descr : undefined;
  const type = descr?.ordertype ?? order.type;
  const at = order.lastUpdateTimestamp ?? order.lastTradeTimestamp ?? order.timestamp;
  if (order.symbol !== undefined) out.symbol = order.symbol;
  if (order.side !== undefined) out.side = order.side;
  if (type !== undefined) out.order_type = type;
  if (order.status !== undefined) out.order_status = order.status;
  if (order.amount !== undefined) out.order_qty = order.amount;
  if (order.price !== undefined) out.limit_price = order.price;
  if (order.triggerPrice !== undefined) out.triggers = { price: order.triggerPrice };
  if (order.filled !== undefined) out.cum_qty = order.filled;
  if (order.cost !== undefined) out.cum_cost = order.cost;
  if (order.average !== undefined) out.avg_price = order.average;
  if (order.timeInForce !== undefined) out.time_in_force = order.timeInForce;
  if (order.clientOrderId !== undefined) out.cl_ord_id = order.clientOrderId;
  if (order.postOnly !== undefined) out.post_only = order.postOnly;
  if (order.reduceOnly !== undefined) out.reduce_only = order.reduceOnly;
  const ts = iso8601(at);
  if (ts !== undefined) out.timestamp = ts;
  return out;
}

/** Totals per unified code (the balances channel reports each asset's total across wallets). */
export function parseWsBalances(totals: ReadonlyMap<string, string>, info: unknown): Balances {
  const entries: Record<string, BalanceInput> = {};
  for (const [code, total] of totals) entries[code] = { total };
  return buildBalance(entries, info);
}

/**
 * Balances as REST reports them (fetchBalance's totals) in the shape of the balances channel, whose `balance` is
 * an asset's total across its wallets (spot and earn). REST lists the earn, staked and held parts of an asset under
 * suffixed ids (MATIC.F, DOT.S, USD.HOLD), whose codes keep the suffix: each is added to its asset's total.
 */
export function streamTotals(total: Record<string, Num | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [code, value] of Object.entries(total)) {
    const amount = toDecimal(value);
    if (amount === undefined) continue;
    const dot = code.indexOf('.');
    const asset = dot > 0 ? code.slice(0, dot) : code;
    const held = out.get(asset);
    out.set(asset, held === undefined ? amount : dAdd(held, amount));
  }
  return out;
}

/** The same assets with equal totals. */
export function sameTotals(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [code, total] of a) {
    const other = b.get(code);
    if (other === undefined || !dEq(total, other)) return false;
  }
  return true;
}

// ---- book checksum (https://docs.kraken.com/api/docs/guides/spot-ws-book-v2) ----

/**
 * A price or quantity as the exchange formats it: full precision with the instrument's number of decimals.
 * v2 sends JSON numbers, which lose trailing zeros on the way ("0.10000000" arrives as 0.1): they are padded back
 * to `decimals`. Strings (a string decoder on the wire) are kept as sent.
 */
export function wireText(value: Num, decimals: number): string {
  if (typeof value === 'string') return value;
  let text = String(value);
  if (text.includes('e')) text = toDecimal(value) ?? text;
  if (decimals <= 0) return text;
  const dot = text.indexOf('.');
  const have = dot === -1 ? 0 : text.length - dot - 1;
  if (have >= decimals) return text;
  return (dot === -1 ? text + '.' : text) + '0'.repeat(decimals - have);
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of an ASCII string, unsigned. */
export function crc32(text: string): number {
  let table = crcTable;
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    crcTable = table;
  }
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = table[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** '0.00100000' -> '100000': the decimal point and the leading zeros go. */
function checksumPart(text: string): string {
  const digits = text.replace('.', '');
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return digits.slice(i);
}

/**
 * CRC32 of the top 10 asks (best first, price then quantity) followed by the top 10 bids, each value without its
 * decimal point and leading zeros.
 */
export function bookChecksum(
  askPrices: readonly string[],
  askAmounts: readonly string[],
  bidPrices: readonly string[],
  bidAmounts: readonly string[],
): number {
  let payload = '';
  const asks = Math.min(10, askPrices.length);
  for (let i = 0; i < asks; i++) payload += checksumPart(askPrices[i]!) + checksumPart(askAmounts[i]!);
  const bids = Math.min(10, bidPrices.length);
  for (let i = 0; i < bids; i++) payload += checksumPart(bidPrices[i]!) + checksumPart(bidAmounts[i]!);
  return crc32(payload);
}
