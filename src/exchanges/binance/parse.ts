/**
 * Pure parsers for Binance spot (api/v3) and wallet (sapi) payloads. Raw shapes follow the docs linked in spec.ts.
 * Money stays a decimal string until the core build* helpers; timestamps are integer milliseconds.
 */
import {
  buildBalance,
  buildDepositAddress,
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
import { dAdd, dDiv, dGt, dIsZero, dLt, dMul, precisionFromTick, toDecimal } from '../../core/decimal.js';
import type {
  Balances,
  Currency,
  DepositAddress,
  ExchangeStatus,
  Market,
  Network,
  OHLCV,
  Order,
  OrderBook,
  OrderSide,
  OrderStatus,
  Ticker,
  Trade,
  TradingFee,
  Transaction,
  DepositWithdrawFee,
} from '../../core/types.js';
import { parse8601 } from '../../core/util.js';

/** Binance sends most numbers as strings; some (ids, times, precisions) as JSON numbers. */
type Num = string | number;

/** How a parser turns exchange ids into unified names; supplied by the exchange instance. */
export interface ParseContext {
  /** Unified symbol of a spot market id (unknown ids come back unchanged). */
  symbol(marketId: string): string;
  /** Unified currency code of a Binance asset id. */
  code(currencyId: string): string;
  /** Unified network code of a Binance network id, for a currency. */
  network(networkId: string, code: string | undefined): string;
}

// ---------------------------------------------------------------------------------------------------------------------
// small typed helpers (no allocation on the hot paths)

function s(v: Num | null | undefined): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : String(v);
}
/** Number from a Binance decimal string, for market metadata (not money arithmetic). */
function n(v: Num | null | undefined): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const x = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(x) ? x : undefined;
}
function ms(v: Num | null | undefined): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const x = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(x) ? Math.trunc(x) : undefined;
}
/** Decimal string, or undefined when absent or zero (Binance sends "0.00000000" for "not set"). */
function nonZero(v: Num | null | undefined): string | undefined {
  const d = toDecimal(v);
  return d === undefined || dIsZero(d) ? undefined : d;
}

/** 10^-digits for the precisions Binance reports as digit counts (baseAssetPrecision: 8 -> 1e-8). */
const TICK_OF_DIGITS: readonly number[] = Array.from({ length: 19 }, (_, i) => Number(`1e-${i}`));
function tickOfDigits(v: Num | undefined): number | undefined {
  if (v === undefined) return undefined;
  const d = typeof v === 'number' ? v : Number(v);
  return TICK_OF_DIGITS[d] ?? (Number.isInteger(d) ? Number(`1e-${d}`) : undefined);
}

// ---------------------------------------------------------------------------------------------------------------------
// markets: GET api/v3/exchangeInfo

export interface RawFilter {
  filterType: string;
  minPrice?: string;
  maxPrice?: string;
  tickSize?: string;
  minQty?: string;
  maxQty?: string;
  stepSize?: string;
  minNotional?: string;
  maxNotional?: string;
  notional?: string;
  [k: string]: unknown;
}

export interface RawSymbol {
  symbol: string;
  status: string;
  baseAsset: string;
  baseAssetPrecision?: Num;
  quoteAsset: string;
  quotePrecision?: Num;
  quoteAssetPrecision?: Num;
  orderTypes?: string[];
  icebergAllowed?: boolean;
  ocoAllowed?: boolean;
  quoteOrderQtyMarketAllowed?: boolean;
  isSpotTradingAllowed?: boolean;
  isMarginTradingAllowed?: boolean;
  filters?: RawFilter[];
  permissions?: string[];
  permissionSets?: string[][];
}

export interface RawRateLimit {
  rateLimitType: string;
  interval: string;
  intervalNum: number;
  limit: number;
}

export interface RawExchangeInfo {
  timezone?: string;
  serverTime?: number;
  rateLimits?: RawRateLimit[];
  symbols: RawSymbol[];
}

export interface SpotFees {
  taker: number;
  maker: number;
  tierBased: boolean;
  percentage: boolean;
  feeSide: string;
}

/** Symbols in the TRD_GRP_003 permission group are not tradable through the API. */
const BLOCKED_GROUP = 'TRD_GRP_003';

/** One spot market; filters are read in a single pass. `code` should be memoised by the caller (3000+ symbols). */
export function parseSpotMarket(raw: RawSymbol, code: (currencyId: string) => string, fees: SpotFees): Market {
  const id = raw.symbol;
  const base = code(raw.baseAsset);
  const quote = code(raw.quoteAsset);
  let tick: number | undefined;
  let minPrice: number | undefined;
  let maxPrice: number | undefined;
  let step: number | undefined;
  let minQty: number | undefined;
  let maxQty: number | undefined;
  let marketMin: number | undefined;
  let marketMax: number | undefined;
  let minCost: number | undefined;
  let maxCost: number | undefined;
  const filters = raw.filters;
  if (filters !== undefined) {
    for (let i = 0; i < filters.length; i++) {
      const f = filters[i]!;
      switch (f.filterType) {
        case 'PRICE_FILTER':
          tick = n(f.tickSize);
          minPrice = n(f.minPrice);
          maxPrice = n(f.maxPrice);
          break;
        case 'LOT_SIZE':
          step = n(f.stepSize);
          minQty = n(f.minQty);
          maxQty = n(f.maxQty);
          break;
        case 'MARKET_LOT_SIZE':
          marketMin = n(f.minQty);
          marketMax = n(f.maxQty);
          break;
        case 'NOTIONAL':
        case 'MIN_NOTIONAL':
          minCost = n(f.minNotional ?? f.notional);
          maxCost = n(f.maxNotional);
          break;
      }
    }
  }
  let active = raw.status === 'TRADING';
  const permissions = raw.permissions;
  if (active && permissions !== undefined && permissions.length > 0 && permissions.includes(BLOCKED_GROUP)) {
    active = false;
  }
  return {
    id,
    lowercaseId: id.toLowerCase(),
    symbol: `${base}/${quote}`,
    base,
    quote,
    settle: undefined,
    baseId: raw.baseAsset,
    quoteId: raw.quoteAsset,
    settleId: undefined,
    type: 'spot',
    spot: true,
    margin: raw.isMarginTradingAllowed === true,
    swap: false,
    future: false,
    option: false,
    active,
    contract: false,
    linear: undefined,
    inverse: undefined,
    taker: fees.taker,
    maker: fees.maker,
    percentage: fees.percentage,
    tierBased: fees.tierBased,
    feeSide: fees.feeSide,
    contractSize: undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    precision: {
      amount: step,
      price: tick,
      base: tickOfDigits(raw.baseAssetPrecision),
      quote: tickOfDigits(raw.quotePrecision),
    },
    limits: {
      leverage: { min: undefined, max: undefined },
      amount: { min: minQty, max: maxQty },
      price: { min: minPrice, max: maxPrice },
      cost: { min: minCost, max: maxCost },
      market: { min: marketMin, max: marketMax },
    },
    created: undefined,
    info: raw,
  };
}

/** REQUEST_WEIGHT per minute announced in exchangeInfo.rateLimits, if any. */
export function requestWeightLimit(info: RawExchangeInfo): number | undefined {
  for (const r of info.rateLimits ?? []) {
    if (r.rateLimitType === 'REQUEST_WEIGHT' && r.interval === 'MINUTE' && r.intervalNum === 1) return r.limit;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// currencies: GET sapi/v1/capital/config/getall

export interface RawNetwork {
  network: string;
  coin: string;
  name?: string;
  isDefault?: boolean;
  depositEnable?: boolean;
  withdrawEnable?: boolean;
  withdrawFee?: string;
  withdrawMin?: string;
  withdrawMax?: string;
  withdrawIntegerMultiple?: string;
  withdrawInternalMin?: string;
  depositDust?: string;
  minConfirm?: Num;
  unLockConfirm?: Num;
  addressRegex?: string;
  memoRegex?: string;
  contractAddressUrl?: string;
  contractAddress?: string;
  busy?: boolean;
  [k: string]: unknown;
}

export interface RawCoin {
  coin: string;
  name?: string;
  depositAllEnable?: boolean;
  withdrawAllEnable?: boolean;
  isLegalMoney?: boolean;
  trading?: boolean;
  networkList?: RawNetwork[];
  [k: string]: unknown;
}

/**
 * One currency with its networks. Currency-level deposit/withdraw/fee/precision/limits are derived from the
 * networks the way CCXT does: enabled if any network is, the lowest fee, the coarsest precision, the widest limits.
 */
export function parseCurrency(raw: RawCoin, ctx: ParseContext, fiatWithdrawPrecision: string): Currency {
  const code = ctx.code(raw.coin);
  const fiat = raw.isLegalMoney === true;
  const networks: Record<string, Network> = {};
  const fees: Record<string, number | undefined> = {};
  let etf = false;
  let deposit: boolean | undefined;
  let withdraw: boolean | undefined;
  let fee: string | undefined;
  let precision: string | undefined;
  let depositMin: string | undefined;
  let withdrawMin: string | undefined;
  let withdrawMax: string | undefined;
  for (const net of raw.networkList ?? []) {
    const networkCode = ctx.network(net.network, code);
    if (net.network === 'ETF') etf = true;
    let netPrecision = nonZero(net.withdrawIntegerMultiple ?? net.withdrawInternalMin);
    if (netPrecision === undefined && fiat) netPrecision = fiatWithdrawPrecision;
    const netFee = toDecimal(net.withdrawFee);
    const netDepositMin = toDecimal(net.depositDust);
    const netWithdrawMin = toDecimal(net.withdrawMin);
    const netWithdrawMax = toDecimal(net.withdrawMax);
    fees[networkCode] = n(netFee);
    networks[networkCode] = {
      id: net.network,
      network: networkCode,
      name: net.name,
      active: undefined,
      deposit: net.depositEnable,
      withdraw: net.withdrawEnable,
      fee: n(netFee),
      precision: n(netPrecision),
      limits: {
        withdraw: { min: n(netWithdrawMin), max: n(netWithdrawMax) },
        deposit: { min: n(netDepositMin), max: undefined },
      },
      info: net,
    };
    if (deposit === undefined || net.depositEnable === true) deposit = net.depositEnable;
    if (withdraw === undefined || net.withdrawEnable === true) withdraw = net.withdrawEnable;
    if (netFee !== undefined && (fee === undefined || dLt(netFee, fee))) fee = netFee;
    if (netPrecision !== undefined && (precision === undefined || dGt(netPrecision, precision))) {
      precision = netPrecision;
    }
    if (netDepositMin !== undefined && (depositMin === undefined || dLt(netDepositMin, depositMin))) {
      depositMin = netDepositMin;
    }
    if (netWithdrawMin !== undefined && (withdrawMin === undefined || dLt(netWithdrawMin, withdrawMin))) {
      withdrawMin = netWithdrawMin;
    }
    if (netWithdrawMax !== undefined && (withdrawMax === undefined || dGt(netWithdrawMax, withdrawMax))) {
      withdrawMax = netWithdrawMax;
    }
  }
  return {
    id: raw.coin,
    code,
    name: raw.name,
    type: etf ? 'other' : fiat ? 'fiat' : 'crypto',
    active: raw.trading,
    deposit,
    withdraw,
    fee: n(fee),
    fees,
    precision: n(precision),
    limits: {
      amount: { min: undefined, max: undefined },
      withdraw: { min: n(withdrawMin), max: n(withdrawMax) },
      deposit: { min: n(depositMin), max: undefined },
    },
    networks,
    info: raw,
  };
}

export function parseDepositWithdrawFee(raw: RawCoin, ctx: ParseContext): DepositWithdrawFee {
  const code = ctx.code(raw.coin);
  const out: DepositWithdrawFee = {
    info: raw,
    withdraw: { fee: undefined, percentage: undefined },
    deposit: { fee: undefined, percentage: undefined },
    networks: {},
  };
  for (const net of raw.networkList ?? []) {
    const fee = n(net.withdrawFee);
    if (net.isDefault === true) out.withdraw = { fee, percentage: undefined };
    out.networks[ctx.network(net.network, code)] = {
      withdraw: { fee, percentage: undefined },
      deposit: { fee: undefined, percentage: undefined },
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// tickers: ticker/24hr, ticker (rolling window), ticker/bookTicker, ticker/price

export interface RawTicker {
  symbol: string;
  priceChange?: string;
  priceChangePercent?: string;
  weightedAvgPrice?: string;
  prevClosePrice?: string;
  lastPrice?: string;
  lastQty?: string;
  bidPrice?: string;
  bidQty?: string;
  askPrice?: string;
  askQty?: string;
  openPrice?: string;
  highPrice?: string;
  lowPrice?: string;
  volume?: string;
  quoteVolume?: string;
  openTime?: Num;
  closeTime?: Num;
  /** ticker/price */
  price?: string;
  firstId?: Num;
  lastId?: Num;
  count?: Num;
}

export function parseTicker(raw: RawTicker, ctx: ParseContext, market?: Market): Ticker {
  const timestamp = ms(raw.closeTime);
  // Zero prices mean "no data" (e.g. a halted symbol), as in CCXT.
  const last = nonZero(raw.lastPrice ?? raw.price);
  const open = nonZero(raw.openPrice);
  let average: string | undefined;
  if (open !== undefined && last !== undefined) {
    // CCXT cuts the mid of open and close to the market's price digits when it knows the market.
    const tick = market?.precision.price;
    average = dDiv(dAdd(open, last), '2', tick === undefined ? 18 : precisionFromTick(String(tick)));
  }
  return buildTicker({
    symbol: raw.symbol !== undefined ? ctx.symbol(raw.symbol) : (market?.symbol ?? ''),
    timestamp,
    high: nonZero(raw.highPrice),
    low: nonZero(raw.lowPrice),
    bid: nonZero(raw.bidPrice),
    bidVolume: raw.bidQty,
    ask: nonZero(raw.askPrice),
    askVolume: raw.askQty,
    vwap: raw.weightedAvgPrice,
    open,
    close: last,
    last,
    average,
    previousClose: raw.prevClosePrice,
    change: raw.priceChange,
    percentage: nonZero(raw.priceChangePercent),
    baseVolume: raw.volume,
    quoteVolume: raw.quoteVolume,
    info: raw,
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// order book: GET api/v3/depth

export interface RawOrderBook {
  lastUpdateId: Num;
  bids: [string, string][];
  asks: [string, string][];
  /** Not sent by spot; futures send the transaction time. */
  T?: Num;
}

export function parseOrderBook(raw: RawOrderBook, symbol: string): OrderBook {
  return buildOrderBook(raw.bids, raw.asks, symbol, ms(raw.T), ms(raw.lastUpdateId));
}

// ---------------------------------------------------------------------------------------------------------------------
// candles: GET api/v3/klines -> [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, ...]

export type RawKline = [number, string, string, string, string, string, number, string, number, string, string, string];

export function parseOHLCV(raw: RawKline): OHLCV {
  return buildOHLCV(ms(raw[0]), raw[1], raw[2], raw[3], raw[4], raw[5]);
}

// ---------------------------------------------------------------------------------------------------------------------
// trades: aggTrades, trades/historicalTrades, myTrades, and the fills of a FULL order response

/** GET api/v3/aggTrades */
export interface RawAggTrade {
  a: Num;
  p: string;
  q: string;
  f?: Num;
  l?: Num;
  T: Num;
  /** Was the buyer the maker? */
  m: boolean;
  M?: boolean;
}

/** GET api/v3/trades, api/v3/historicalTrades, api/v3/myTrades (the last adds the account fields). */
export interface RawTrade {
  symbol?: string;
  id: Num;
  orderId?: Num;
  orderListId?: Num;
  price: string;
  qty: string;
  quoteQty?: string;
  commission?: string;
  commissionAsset?: string;
  time: Num;
  isBuyerMaker?: boolean;
  isBuyer?: boolean;
  isMaker?: boolean;
  isBestMatch?: boolean;
}

/** One entry of `fills` in a FULL order response. */
export interface RawFill {
  price: string;
  qty: string;
  commission?: string;
  commissionAsset?: string;
  tradeId?: Num;
}

function isAggTrade(raw: RawAggTrade | RawTrade): raw is RawAggTrade {
  return 'a' in raw;
}

export function parseTrade(raw: RawAggTrade | RawTrade, ctx: ParseContext, market?: Market): Trade {
  if (isAggTrade(raw)) {
    return buildTrade(
      {
        id: s(raw.a),
        timestamp: ms(raw.T),
        symbol: market?.symbol,
        // The aggressor is the taker: if the buyer made the book, the trade was a sell.
        side: raw.m ? 'sell' : 'buy',
        price: raw.p,
        amount: raw.q,
        fee: {},
        fees: [],
        info: raw,
      },
      market,
    );
  }
  const t = raw;
  let side: OrderSide | undefined;
  if (t.isBuyerMaker !== undefined) side = t.isBuyerMaker ? 'sell' : 'buy';
  else if (t.isBuyer !== undefined) side = t.isBuyer ? 'buy' : 'sell';
  const hasFee = t.commission !== undefined;
  return buildTrade(
    {
      id: s(t.id),
      order: s(t.orderId),
      timestamp: ms(t.time),
      symbol: t.symbol !== undefined ? ctx.symbol(t.symbol) : market?.symbol,
      side,
      takerOrMaker: t.isMaker === undefined ? undefined : t.isMaker ? 'maker' : 'taker',
      price: t.price,
      amount: t.qty,
      cost: t.quoteQty,
      fee: hasFee ? { cost: t.commission, currency: codeOrUndefined(ctx, t.commissionAsset) } : {},
      fees: hasFee ? undefined : [],
      info: raw,
    },
    market,
  );
}

function codeOrUndefined(ctx: ParseContext, id: string | undefined): string | undefined {
  return id === undefined || id === '' ? undefined : ctx.code(id);
}

/** A fill carries no symbol, side or order id of its own: they come from the order it belongs to. */
function parseFill(
  f: RawFill,
  ctx: ParseContext,
  symbol: string | undefined,
  orderId: string | undefined,
  side: OrderSide | undefined,
  type: string | undefined,
  market: Market | undefined,
): Trade {
  const hasFee = f.commission !== undefined;
  return buildTrade(
    {
      id: s(f.tradeId),
      order: orderId,
      symbol,
      type,
      side,
      price: f.price,
      amount: f.qty,
      fee: hasFee ? { cost: f.commission, currency: codeOrUndefined(ctx, f.commissionAsset) } : {},
      fees: hasFee ? undefined : [],
      info: f,
    },
    market,
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// orders: order (GET/POST/DELETE), openOrders, allOrders

export interface RawOrder {
  symbol: string;
  orderId: Num;
  orderListId?: Num;
  clientOrderId?: string;
  origClientOrderId?: string;
  transactTime?: Num;
  price?: string;
  origQty?: string;
  executedQty?: string;
  cummulativeQuoteQty?: string;
  origQuoteOrderQty?: string;
  status?: string;
  timeInForce?: string;
  type?: string;
  side?: string;
  stopPrice?: string;
  icebergQty?: string;
  time?: Num;
  updateTime?: Num;
  workingTime?: Num;
  isWorking?: boolean;
  selfTradePreventionMode?: string;
  fills?: RawFill[];
}

const ORDER_STATUS: Record<string, OrderStatus> = {
  NEW: 'open',
  PENDING_NEW: 'open',
  PARTIALLY_FILLED: 'open',
  // Binance documents PENDING_CANCEL as unused; the order is still live until it says CANCELED.
  PENDING_CANCEL: 'open',
  FILLED: 'closed',
  CANCELED: 'canceled',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
  EXPIRED_IN_MATCH: 'expired',
};

/** Spot order types reduced to the unified limit/market; the trigger is carried by triggerPrice. */
const SPOT_ORDER_TYPE: Record<string, string> = {
  LIMIT: 'limit',
  MARKET: 'market',
  LIMIT_MAKER: 'limit',
  STOP_LOSS: 'market',
  STOP_LOSS_LIMIT: 'limit',
  TAKE_PROFIT: 'market',
  TAKE_PROFIT_LIMIT: 'limit',
};

/** Unified type of a Binance spot order type (LIMIT_MAKER -> limit, STOP_LOSS -> market, ...). */
export function parseOrderType(rawType: string | undefined): string | undefined {
  return rawType === undefined ? undefined : (SPOT_ORDER_TYPE[rawType] ?? rawType.toLowerCase());
}

export function parseOrderStatus(status: string | undefined): OrderStatus | undefined {
  return status === undefined ? undefined : (ORDER_STATUS[status] ?? (status.toLowerCase() as OrderStatus));
}

/** First positive timestamp among the candidates (Binance uses -1 for "not yet", e.g. workingTime of a stop). */
function firstTime(...values: (Num | undefined)[]): number | undefined {
  for (const v of values) {
    const t = ms(v);
    if (t !== undefined && t > 0) return t;
  }
  return undefined;
}

export function parseOrder(raw: RawOrder, ctx: ParseContext, market?: Market): Order {
  const symbol = raw.symbol !== undefined ? ctx.symbol(raw.symbol) : market?.symbol;
  const rawType = raw.type;
  const type = parseOrderType(rawType);
  const status = parseOrderStatus(raw.status);
  const filled = toDecimal(raw.executedQty) ?? '0';
  // Older orders report a negative cummulativeQuoteQty when the exchange did not track it.
  const rawCost = toDecimal(raw.cummulativeQuoteQty);
  const cost = rawCost !== undefined && !rawCost.startsWith('-') ? rawCost : undefined;
  let price = nonZero(raw.price);
  if (price === undefined && type === 'market' && cost !== undefined && !dIsZero(filled)) {
    // A market order has no price of its own: report what it filled at on average.
    price = dDiv(cost, filled);
  }
  const updated = firstTime(raw.updateTime, raw.transactTime);
  let lastTradeTimestamp: number | undefined;
  if (updated !== undefined && (status === 'closed' || (status === 'open' && dGt(filled, '0')))) {
    lastTradeTimestamp = updated;
  }
  let timeInForce = raw.timeInForce;
  if (timeInForce === 'GTX') timeInForce = 'PO';
  const side = raw.side === undefined ? undefined : (raw.side.toLowerCase() as OrderSide);
  const fills = raw.fills ?? [];
  const trades = fills.map((f) => parseFill(f, ctx, symbol, s(raw.orderId), side, type, market));
  const fees = sumFeesByCurrency(fills, ctx);
  return buildOrder(
    {
      id: s(raw.orderId) ?? '',
      clientOrderId: raw.clientOrderId,
      timestamp: firstTime(raw.time, raw.workingTime, raw.transactTime, raw.updateTime),
      lastTradeTimestamp,
      lastUpdateTimestamp: firstTime(raw.transactTime, raw.updateTime),
      status,
      symbol,
      type,
      timeInForce,
      postOnly: rawType === 'LIMIT_MAKER' || timeInForce === 'PO',
      reduceOnly: undefined,
      side,
      price,
      // Quote-quantity market orders may report no base amount: a closed order's amount is what it filled.
      amount: nonZero(raw.origQty) ?? (status === 'closed' ? filled : undefined),
      filled,
      cost,
      triggerPrice: nonZero(raw.stopPrice),
      trades,
      fees,
      info: raw,
    },
    market,
  );
}

/** Fees of an order's fills, one entry per currency (CCXT reduces fees the same way). */
function sumFeesByCurrency(fills: RawFill[], ctx: ParseContext): FeeInput[] {
  const byCurrency = new Map<string, string>();
  for (const f of fills) {
    const cost = toDecimal(f.commission);
    if (cost === undefined) continue;
    const currency = codeOrUndefined(ctx, f.commissionAsset) ?? '';
    const prev = byCurrency.get(currency);
    byCurrency.set(currency, prev === undefined ? cost : dAdd(prev, cost));
  }
  return [...byCurrency].map(([currency, cost]) => ({ cost, currency: currency === '' ? undefined : currency }));
}

// ---------------------------------------------------------------------------------------------------------------------
// balances: GET api/v3/account, GET papi/v1/balance, POST sapi/v1/asset/get-funding-asset

export interface RawSpotAccount {
  makerCommission?: Num;
  takerCommission?: Num;
  canTrade?: boolean;
  canWithdraw?: boolean;
  canDeposit?: boolean;
  updateTime?: Num;
  accountType?: string;
  balances: { asset: string; free: string; locked: string }[];
  permissions?: string[];
  uid?: Num;
}

export function parseSpotBalance(raw: RawSpotAccount, ctx: ParseContext): Balances {
  const entries: Record<string, BalanceInput> = {};
  for (const b of raw.balances ?? []) entries[ctx.code(b.asset)] = { free: b.free, used: b.locked };
  const t = ms(raw.updateTime);
  return buildBalance(entries, raw, t !== undefined && t > 0 ? t : undefined);
}

export interface RawPortfolioBalance {
  asset: string;
  totalWalletBalance?: string;
  crossMarginAsset?: string;
  crossMarginBorrowed?: string;
  crossMarginFree?: string;
  crossMarginInterest?: string;
  crossMarginLocked?: string;
  umWalletBalance?: string;
  umUnrealizedPNL?: string;
  cmWalletBalance?: string;
  cmUnrealizedPNL?: string;
  updateTime?: Num;
  negativeBalance?: string;
}

/** Portfolio-margin account: the total is the wallet balance plus the unrealized PnL of both futures books. */
export function parsePortfolioBalance(raw: RawPortfolioBalance[], ctx: ParseContext): Balances {
  const entries: Record<string, BalanceInput> = {};
  for (const b of raw) {
    let total = toDecimal(b.totalWalletBalance) ?? '0';
    for (const pnl of [b.umUnrealizedPNL, b.cmUnrealizedPNL]) {
      const d = toDecimal(pnl);
      if (d !== undefined) total = dAdd(total, d);
    }
    entries[ctx.code(b.asset)] = { total };
  }
  return buildBalance(entries, raw);
}

export interface RawFundingAsset {
  asset: string;
  free: string;
  locked: string;
  freeze: string;
  withdrawing: string;
  btcValuation?: string;
}

export function parseFundingBalance(raw: RawFundingAsset[], ctx: ParseContext): Balances {
  const entries: Record<string, BalanceInput> = {};
  for (const b of raw) {
    let used = '0';
    for (const part of [b.locked, b.freeze, b.withdrawing]) {
      const d = toDecimal(part);
      if (d !== undefined) used = dAdd(used, d);
    }
    entries[ctx.code(b.asset)] = { free: b.free, used };
  }
  return buildBalance(entries, raw);
}

// ---------------------------------------------------------------------------------------------------------------------
// deposits and withdrawals: capital/deposit/hisrec, capital/withdraw/history, capital/withdraw/apply, fiat/orders

export interface RawDeposit {
  id?: string;
  amount: string;
  coin: string;
  network?: string;
  status: Num;
  address?: string;
  addressTag?: string;
  txId?: string;
  insertTime?: Num;
  completeTime?: Num;
  transferType?: Num;
  confirmTimes?: string;
  unlockConfirm?: Num;
  walletType?: Num;
}

export interface RawWithdrawal {
  id: string;
  amount?: string;
  transactionFee?: string;
  coin?: string;
  status?: Num;
  address?: string;
  addressTag?: string;
  txId?: string;
  applyTime?: string;
  completeTime?: string;
  network?: string;
  transferType?: Num;
  withdrawOrderId?: string;
  info?: string;
  confirmNo?: Num;
  walletType?: Num;
  txKey?: string;
}

export interface RawFiatOrder {
  orderNo: string;
  fiatCurrency: string;
  indicatedAmount?: string;
  amount: string;
  totalFee?: string;
  method?: string;
  status: string;
  createTime: Num;
  updateTime?: Num;
}

export type TransferKind = 'deposit' | 'withdrawal';

const DEPOSIT_STATUS: Record<string, string> = {
  '0': 'pending',
  '1': 'ok',
  '6': 'ok', // credited, not yet withdrawable
};
const WITHDRAWAL_STATUS: Record<string, string> = {
  '0': 'pending', // email sent
  '1': 'canceled',
  '2': 'pending', // awaiting approval
  '3': 'failed', // rejected
  '4': 'pending', // processing
  '5': 'failed',
  '6': 'ok', // completed
};
const FIAT_STATUS: Record<string, string> = {
  Processing: 'pending',
  Failed: 'failed',
  Successful: 'ok',
  Refunding: 'canceled',
  Refunded: 'canceled',
  'Refund Failed': 'failed',
};

export function parseTransactionStatus(status: Num | undefined, kind: TransferKind | undefined): string | undefined {
  const key = s(status);
  if (key === undefined) return undefined;
  const table = kind === 'deposit' ? DEPOSIT_STATUS : kind === 'withdrawal' ? WITHDRAWAL_STATUS : undefined;
  return table?.[key] ?? FIAT_STATUS[key] ?? key;
}

const INTERNAL_TX_PREFIX = 'Internal transfer ';

export function parseTransaction(
  raw: RawDeposit | RawWithdrawal | RawFiatOrder,
  ctx: ParseContext,
  kind: TransferKind | undefined,
  currencyCode?: string,
): Transaction {
  const r = raw as Partial<RawDeposit & RawWithdrawal & RawFiatOrder>;
  const currencyId = r.coin ?? r.fiatCurrency;
  const code = currencyId !== undefined ? ctx.code(currencyId) : currencyCode;
  let txid = r.txId;
  if (txid !== undefined && txid.startsWith(INTERNAL_TX_PREFIX)) txid = txid.slice(INTERNAL_TX_PREFIX.length);
  const tag = r.addressTag === '' ? undefined : r.addressTag;
  const timestamp = ms(r.insertTime) ?? ms(r.createTime) ?? parse8601(r.applyTime);
  const updated = ms(r.updateTime) ?? ms(r.completeTime) ?? parse8601(r.completeTime);
  const feeCost = r.transactionFee ?? r.totalFee;
  const transferType = ms(r.transferType);
  return buildTransaction({
    id: r.id ?? r.orderNo,
    txid: txid === '' ? undefined : txid,
    timestamp,
    network: r.network === undefined || r.network === '' ? undefined : ctx.network(r.network, code),
    address: r.address === '' ? undefined : r.address,
    addressTo: r.address === '' ? undefined : r.address,
    tag,
    tagTo: tag,
    type: kind,
    amount: r.amount,
    currency: code,
    status: parseTransactionStatus(r.status, kind),
    updated,
    internal: transferType === undefined ? undefined : transferType !== 0,
    fee: feeCost === undefined ? undefined : { cost: feeCost, currency: code },
    info: raw,
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// deposit address: GET sapi/v1/capital/deposit/address

export interface RawDepositAddress {
  coin?: string;
  address: string;
  tag?: string;
  url?: string;
  isDefault?: Num;
}

export function parseDepositAddress(raw: RawDepositAddress, code: string, network: string | undefined): DepositAddress {
  return buildDepositAddress({
    currency: code,
    address: raw.address,
    tag: raw.tag === undefined || raw.tag === '' ? undefined : raw.tag,
    network,
    info: raw,
  });
}

/** scheme://host/ of a URL, to match a deposit address's explorer link to a network's contractAddressUrl. */
export function urlOrigin(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const parts = url.split('/');
  return parts.length >= 3 && parts[2] !== '' ? `${parts[0]}//${parts[2]}/` : undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// trading fees: GET sapi/v1/asset/tradeFee; exchange status: GET sapi/v1/system/status

export interface RawTradeFee {
  symbol: string;
  makerCommission: string;
  takerCommission: string;
}

export function parseTradingFee(raw: RawTradeFee, ctx: ParseContext): TradingFee {
  return buildTradingFee({
    symbol: ctx.symbol(raw.symbol),
    maker: raw.makerCommission,
    taker: raw.takerCommission,
    info: raw,
  });
}

export interface RawSystemStatus {
  status: Num;
  msg?: string;
}

export function parseStatus(raw: RawSystemStatus): ExchangeStatus {
  const code = s(raw.status);
  return {
    status: code === '0' ? 'ok' : code === '1' ? 'maintenance' : undefined,
    updated: undefined,
    eta: undefined,
    url: undefined,
    info: raw,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// websocket streams: market events (web-socket-streams) and the user data stream (user-data-stream). Each event is
// mapped onto the REST shape of the same data and read by the REST parser; `info` keeps the event as sent.

export interface WsEvent {
  /** Event type */
  e: string;
  /** Event time */
  E: number;
}

/** <symbol>@depth@100ms (or @depth): levels changed between update ids U and u, quantities absolute. */
export interface WsDepthUpdate extends WsEvent {
  e: 'depthUpdate';
  s: string;
  U: number;
  u: number;
  b: [string, string][];
  a: [string, string][];
}

/** <symbol>@trade */
export interface WsTrade extends WsEvent {
  e: 'trade';
  s: string;
  t: Num;
  p: string;
  q: string;
  T: Num;
  /** Was the buyer the maker? */
  m: boolean;
  M?: boolean;
}

/** <symbol>@aggTrade: an aggTrades entry with the event fields. */
export interface WsAggTrade extends WsEvent, RawAggTrade {
  e: 'aggTrade';
  s: string;
}

export function parseWsTrade(ev: WsTrade | WsAggTrade, ctx: ParseContext, market?: Market): Trade {
  const trade =
    ev.e === 'aggTrade'
      ? parseTrade(ev, ctx, market)
      : parseTrade({ id: ev.t, price: ev.p, qty: ev.q, time: ev.T, isBuyerMaker: ev.m }, ctx, market);
  trade.info = ev;
  return trade;
}

/** <symbol>@kline_<interval> */
export interface WsKline extends WsEvent {
  e: 'kline';
  s: string;
  k: {
    t: number;
    T: number;
    s: string;
    i: string;
    f: Num;
    L: Num;
    o: string;
    c: string;
    h: string;
    l: string;
    v: string;
    n: number;
    /** Is this kline closed? */
    x: boolean;
    q: string;
    V: string;
    Q: string;
    B?: string;
  };
}

export function parseWsKline(ev: WsKline): OHLCV {
  const k = ev.k;
  return parseOHLCV([k.t, k.o, k.h, k.l, k.c, k.v, k.T, k.q, k.n, k.V, k.Q, k.B ?? '0']);
}

/** <symbol>@ticker and the entries of !ticker@arr: rolling 24 h statistics. */
export interface WsTicker extends WsEvent {
  e: '24hrTicker';
  s: string;
  p: string;
  P: string;
  w: string;
  /** First trade before the 24 h window (REST: prevClosePrice) */
  x: string;
  c: string;
  Q: string;
  b: string;
  B: string;
  a: string;
  A: string;
  o: string;
  h: string;
  l: string;
  v: string;
  q: string;
  O: Num;
  C: Num;
  F: Num;
  L: Num;
  n: Num;
}

export function parseWsTicker(ev: WsTicker, ctx: ParseContext, market?: Market): Ticker {
  const ticker = parseTicker(
    {
      symbol: ev.s,
      priceChange: ev.p,
      priceChangePercent: ev.P,
      weightedAvgPrice: ev.w,
      prevClosePrice: ev.x,
      lastPrice: ev.c,
      lastQty: ev.Q,
      bidPrice: ev.b,
      bidQty: ev.B,
      askPrice: ev.a,
      askQty: ev.A,
      openPrice: ev.o,
      highPrice: ev.h,
      lowPrice: ev.l,
      volume: ev.v,
      quoteVolume: ev.q,
      openTime: ev.O,
      closeTime: ev.C,
      firstId: ev.F,
      lastId: ev.L,
      count: ev.n,
    },
    ctx,
    market,
  );
  ticker.info = ev;
  return ticker;
}

/** User data stream: every change of an order (x = execution type, X = order status). */
export interface WsExecutionReport extends WsEvent {
  e: 'executionReport';
  s: string;
  /** Client order id (of the cancel request when canceling) */
  c: string;
  S: string;
  o: string;
  f: string;
  q: string;
  p: string;
  P: string;
  F: string;
  g: Num;
  /** Original client order id of a canceled order */
  C: string | null;
  x: string;
  X: string;
  r: string;
  i: Num;
  /** Last executed quantity and price, cumulative filled quantity */
  l: string;
  z: string;
  L: string;
  /** Commission of this execution and its asset */
  n: string;
  N: string | null;
  T: Num;
  t: Num;
  w: boolean;
  /** Was this execution the maker side? */
  m: boolean;
  O: Num;
  /** Cumulative and last quote quantity */
  Z: string;
  Y: string;
  Q: string;
  W?: Num;
  V?: string;
  [k: string]: unknown;
}

/** The fill a TRADE execution report adds to its order. */
export function parseWsFill(ev: WsExecutionReport): RawFill {
  const fill: RawFill = { price: ev.L, qty: ev.l, tradeId: ev.t, commission: ev.n };
  if (ev.N !== null && ev.N !== '') fill.commissionAsset = ev.N;
  return fill;
}

/** An execution report as the order it describes; `fills` are the order's TRADE reports so far. */
export function parseWsOrder(ev: WsExecutionReport, fills: RawFill[], ctx: ParseContext, market?: Market): Order {
  const original = ev.C;
  const raw: RawOrder = {
    symbol: ev.s,
    orderId: ev.i,
    orderListId: ev.g,
    clientOrderId: original !== null && original !== undefined && original !== '' ? original : ev.c,
    price: ev.p,
    origQty: ev.q,
    executedQty: ev.z,
    cummulativeQuoteQty: ev.Z,
    origQuoteOrderQty: ev.Q,
    status: ev.X,
    timeInForce: ev.f,
    type: ev.o,
    side: ev.S,
    stopPrice: ev.P,
    icebergQty: ev.F,
    time: ev.O,
    updateTime: ev.T,
    isWorking: ev.w,
    fills,
  };
  if (ev.W !== undefined) raw.workingTime = ev.W;
  if (ev.V !== undefined) raw.selfTradePreventionMode = ev.V;
  const order = parseOrder(raw, ctx, market);
  order.info = ev;
  return order;
}

/** An account trade (GET api/v3/myTrades) as the fill of its order, the shape streamed and FULL responses give. */
export function fillOfTrade(raw: RawTrade): RawFill {
  const fill: RawFill = { price: raw.price, qty: raw.qty, tradeId: raw.id };
  if (raw.commission !== undefined) fill.commission = raw.commission;
  if (raw.commissionAsset !== undefined) fill.commissionAsset = raw.commissionAsset;
  return fill;
}

/** A TRADE execution report as the account's trade. */
export function parseWsMyTrade(ev: WsExecutionReport, ctx: ParseContext, market?: Market): Trade {
  const raw: RawTrade = {
    symbol: ev.s,
    id: ev.t,
    orderId: ev.i,
    orderListId: ev.g,
    price: ev.L,
    qty: ev.l,
    quoteQty: ev.Y,
    commission: ev.n,
    time: ev.T,
    isBuyer: ev.S === 'BUY',
    isMaker: ev.m,
  };
  if (ev.N !== null && ev.N !== '') raw.commissionAsset = ev.N;
  const trade = parseTrade(raw, ctx, market);
  trade.type = parseOrderType(ev.o);
  trade.info = ev;
  return trade;
}

/** User data stream: the assets an event may have changed, with their new free and locked amounts. */
export interface WsAccountPosition extends WsEvent {
  e: 'outboundAccountPosition';
  /** Time of the last account update */
  u: number;
  B: { a: string; f: string; l: string }[];
}

/** The balance kept from account positions (asset code -> free and locked decimal strings). */
export function parseWsBalance(
  assets: Iterable<[string, { free: string; used: string }]>,
  info: unknown,
  timestamp: number | undefined,
): Balances {
  const entries: Record<string, BalanceInput> = {};
  for (const [code, a] of assets) entries[code] = { free: a.free, used: a.used };
  return buildBalance(entries, info, timestamp);
}

// ---------------------------------------------------------------------------------------------------------------------
// request helpers that need no instance state

/** Quote amount of a market order given as amount * price (CCXT: a market order with a price spends that cost). */
export function quoteCost(amount: number | string, price: number | string): string {
  return dMul(String(amount), String(price));
}
