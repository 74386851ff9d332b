/**
 * Pure parsers: Bitstamp v2 payloads -> unified structures. No I/O, no clock, no `this`; whatever a parser needs
 * to resolve ids (markets, currency codes, network codes) arrives as an argument. Money stays a decimal string
 * until the core build* helpers.
 */
import {
  buildBalance,
  buildDepositAddress,
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
  type TransactionInput,
} from '../../core/build.js';
import { dAbs, dAdd, dDiv, dIsZero, dLt, dMul, tickFromPrecision, toDecimal } from '../../core/decimal.js';
import type {
  Balances,
  Currency,
  DepositAddress,
  LedgerEntry,
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
  FeeSlot,
} from '../../core/types.js';
import { int, isPlainObject, parse8601, secondsToMs, str } from '../../core/util.js';

// ---------------------------------------------------------------------------------------------------------------------
// What the parsers are handed to resolve exchange ids

export interface Lookup {
  /** The listed market for an exchange market id such as 'btcusd', if any. */
  marketById(id: string): Market | undefined;
  /** Unified code for an exchange currency id ('btc', 'USDT'). */
  currencyCode(id: string): string;
  /** Unified network code for a Bitstamp network name ('ethereum' -> 'ERC20'). */
  networkCode?(id: string): string;
}

// ---------------------------------------------------------------------------------------------------------------------
// Raw shapes (https://www.bitstamp.net/api/)

/** GET markets/ (and the older trading-pairs-info/, which has url_symbol and minimum_order instead). */
export interface RawMarket {
  name?: string;
  market_symbol?: string;
  url_symbol?: string;
  base_currency?: string;
  counter_currency?: string;
  base_decimals?: number | string;
  counter_decimals?: number | string;
  instant_order_counter_decimals?: number | string;
  minimum_order_value?: string;
  maximum_order_value?: string;
  minimum_order_amount?: string;
  maximum_order_amount?: string;
  minimum_order?: string;
  trading?: string;
  instant_and_market_orders?: string;
  description?: string;
  market_type?: string;
  payoff_type?: string;
  contract_size?: string;
}

export interface RawCurrencyNetwork {
  network?: string;
  deposit?: string;
  withdrawal?: string;
  withdrawal_decimals?: number | string;
  withdrawal_minimum_amount?: string | number;
}

/** GET currencies/ */
export interface RawCurrency {
  name?: string;
  currency?: string;
  type?: string;
  symbol?: string;
  decimals?: number | string;
  logo?: string;
  available_supply?: string;
  deposit?: string;
  withdrawal?: string;
  networks?: RawCurrencyNetwork[];
}

/** GET ticker/ (with `pair`) and ticker/{market_symbol}/ */
export interface RawTicker {
  timestamp?: string;
  open?: string;
  high?: string;
  low?: string;
  last?: string;
  volume?: string;
  vwap?: string;
  bid?: string;
  ask?: string;
  side?: string;
  open_24?: string;
  percent_change_24?: string;
  pair?: string;
  market?: string;
}

/** GET order_book/{market_symbol}/ */
export interface RawOrderBook {
  timestamp?: string;
  microtimestamp?: string;
  bids?: unknown[];
  asks?: unknown[];
}

/** GET transactions/{market_symbol}/ ; type 0 = buy, 1 = sell (taker side) */
export interface RawPublicTrade {
  date?: string;
  tid?: string | number;
  price?: string;
  amount?: string;
  type?: string | number;
}

/** GET ohlc/{market_symbol}/ -> data.ohlc[] */
export interface RawCandle {
  timestamp?: string;
  open?: string;
  high?: string;
  low?: string;
  close?: string;
  volume?: string;
}

/** POST account_balances/ */
export interface RawBalance {
  currency?: string;
  total?: string;
  available?: string;
  reserved?: string;
}

/**
 * POST user_transactions/ rows and the fills inside order_status/. Besides the fixed fields, every row carries
 * one key per currency it touches ('btc': '-0.1') and, for trades, one '{base}_{quote}' key holding the price.
 */
export interface RawLedgerRow {
  id?: string | number;
  tid?: string | number;
  order_id?: string | number;
  datetime?: string;
  type?: string | number;
  fee?: string | number;
  price?: string | number;
  [currencyOrPair: string]: unknown;
}

/** Orders from buy/ sell/ (create), order_status/, open_orders/, cancel_order/, replace_order/. */
export interface RawOrder {
  id?: string | number;
  order_id?: string | number;
  client_order_id?: string;
  orig_client_order_id?: string;
  datetime?: string;
  /** 0 = buy, 1 = sell */
  type?: string | number;
  order_type?: string | number;
  subtype?: string;
  status?: string;
  market?: string;
  currency_pair?: string;
  price?: string;
  limit_price?: string;
  stop_price?: string;
  amount?: string;
  amount_at_create?: string;
  amount_remaining?: string;
  transactions?: RawLedgerRow[];
}

/** POST fees/trading/: percentages, e.g. "0.15000" for 0.15 %. */
export interface RawTradingFee {
  currency_pair?: string;
  market?: string;
  fees?: { maker?: string; taker?: string };
}

/** POST withdrawal-requests/ */
export interface RawWithdrawalRequest {
  id?: string | number;
  datetime?: string;
  type?: number | string;
  currency?: string;
  network?: string;
  amount?: string;
  /** 0 open, 1 in process, 2 finished, 3 canceled, 4 failed, 11 reversed */
  status?: number | string;
  address?: string;
  transaction_id?: string;
  txid?: string | number;
}

/** POST crypto-transactions/ -> deposits[] / withdrawals[] (datetime in unix seconds). */
export interface RawCryptoTransaction {
  id?: string | number;
  currency?: string;
  network?: string;
  destinationAddress?: string;
  txid?: string;
  amount?: string | number;
  datetime?: string | number;
  status?: string;
  pending_reason?: string;
}

/** POST {currency}_address/ */
export interface RawDepositAddress {
  address?: string;
  memo_id?: string | number;
  destination_tag?: string | number;
  transfer_id?: string | number;
}

// ---------------------------------------------------------------------------------------------------------------------
// Small pieces

const isEnabled = (v: string | undefined): boolean | undefined =>
  v === undefined ? undefined : v.toLowerCase() === 'enabled';

/** 8 -> 1e-8 as a number (the TICK_SIZE precision of a decimal count). */
function tick(decimals: unknown): number | undefined {
  const n = typeof decimals === 'number' ? decimals : typeof decimals === 'string' ? Number(decimals) : NaN;
  return Number.isInteger(n) ? Number(tickFromPrecision(n)) : undefined;
}

const num = (v: unknown): number | undefined => {
  const d = toDecimal(v);
  return d === undefined ? undefined : Number(d);
};

/** "BTC/USD" or "BTC/USD-PERP" (as tickers and orders name a market) -> the market id 'btcusd' / 'btcusd-perp'. */
export function marketIdFromName(name: string | undefined): string | undefined {
  if (name === undefined || name === '') return undefined;
  return name.replace('/', '').toLowerCase();
}

/** A market named "BASE/QUOTE" that is not (or no longer) listed: still give it a unified symbol. */
export function symbolFromName(name: string | undefined, lookup: Lookup): string | undefined {
  if (name === undefined) return undefined;
  const [pair, suffix] = name.split('-');
  const [base, quote] = pair!.split('/');
  if (base === undefined || quote === undefined) return undefined;
  const symbol = `${lookup.currencyCode(base)}/${lookup.currencyCode(quote)}`;
  return suffix?.toUpperCase() === 'PERP' ? `${symbol}:${lookup.currencyCode(quote)}` : symbol;
}

function sideFromCode(code: unknown): OrderSide | undefined {
  const s = str({ code }, 'code');
  if (s === '0') return 'buy';
  if (s === '1') return 'sell';
  return undefined;
}

/** "2018-09-08 09:00:31.123456" (UTC) or unix seconds -> ms. */
function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number') return secondsToMs(v);
  if (typeof v !== 'string' || v === '') return undefined;
  return /^\d+(\.\d+)?$/.test(v) ? secondsToMs(v) : parse8601(v);
}

/** XRP destination tags travel inside the address: 'rAddr?dt=1455'. */
function splitTag(address: string | undefined): { address: string | undefined; tag: string | undefined } {
  if (address === undefined) return { address, tag: undefined };
  const at = address.indexOf('?dt=');
  return at === -1 ? { address, tag: undefined } : { address: address.slice(0, at), tag: address.slice(at + 4) };
}

// ---------------------------------------------------------------------------------------------------------------------
// Markets and currencies

export interface MarketFees {
  taker?: number | undefined;
  maker?: number | undefined;
  tiers?: unknown;
}

/** Base and quote currency ids of a market row; trading-pairs-info rows only name them ("BTC/USD"). */
function currencyIdsOf(raw: RawMarket): [string | undefined, string | undefined] {
  const [nameBase, nameQuote] = (raw.name ?? '').split('-')[0]!.split('/');
  return [raw.base_currency ?? nameBase, raw.counter_currency ?? nameQuote];
}

/** trading-pairs-info states the minimum order as "10.0 USD", markets/ as "10". */
const minimumOrderValue = (raw: RawMarket): string | undefined =>
  raw.minimum_order_value ?? raw.minimum_order?.split(' ')[0];

export function parseMarket(raw: RawMarket, lookup: Lookup, fees: MarketFees = {}): Market | undefined {
  const id = raw.market_symbol ?? raw.url_symbol;
  const [baseId, quoteId] = currencyIdsOf(raw);
  if (id === undefined || baseId === undefined || baseId === '' || quoteId === undefined || quoteId === '') {
    return undefined;
  }
  const base = lookup.currencyCode(baseId);
  const quote = lookup.currencyCode(quoteId);
  const kind = (raw.market_type ?? 'SPOT').toUpperCase();
  // a market type this parser does not know would be mislabelled: leave it out
  if (kind !== 'SPOT' && kind !== 'PERPETUAL') return undefined;
  const swap = kind === 'PERPETUAL';
  const payoff = raw.payoff_type?.toLowerCase();
  const market: Market = {
    id,
    symbol: swap ? `${base}/${quote}:${quote}` : `${base}/${quote}`,
    base,
    quote,
    settle: swap ? quote : undefined,
    baseId,
    quoteId,
    settleId: swap ? quoteId : undefined,
    type: swap ? 'swap' : 'spot',
    spot: !swap,
    margin: false,
    swap,
    future: false,
    option: false,
    active: raw.trading === undefined ? undefined : isEnabled(raw.trading),
    contract: swap,
    linear: swap ? payoff !== 'inverse' : undefined,
    inverse: swap ? payoff === 'inverse' : undefined,
    contractSize: swap ? num(raw.contract_size) : undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    taker: fees.taker,
    maker: fees.maker,
    percentage: true,
    tierBased: true,
    precision: { amount: tick(raw.base_decimals), price: tick(raw.counter_decimals) },
    limits: {
      leverage: { min: undefined, max: undefined },
      amount: { min: num(raw.minimum_order_amount), max: num(raw.maximum_order_amount) },
      price: { min: undefined, max: undefined },
      cost: { min: num(minimumOrderValue(raw)), max: num(raw.maximum_order_value) },
    },
    created: undefined,
    info: raw,
  };
  if (swap) market['subType'] = market.inverse === true ? 'inverse' : 'linear';
  if (fees.tiers !== undefined) market['tiers'] = fees.tiers;
  return market;
}

export function parseCurrency(raw: RawCurrency, lookup: Lookup): Currency | undefined {
  if (raw.currency === undefined || raw.currency === '') return undefined;
  const precision = tick(raw.decimals);
  const networks: Record<string, Network> = {};
  let minWithdraw: string | undefined;
  for (const n of raw.networks ?? []) {
    if (n.network === undefined) continue;
    const code = lookup.networkCode?.(n.network) ?? n.network.toUpperCase();
    const min = toDecimal(n.withdrawal_minimum_amount);
    if (min !== undefined && (minWithdraw === undefined || dLt(min, minWithdraw))) minWithdraw = min;
    const deposit = isEnabled(n.deposit);
    const withdraw = isEnabled(n.withdrawal);
    networks[code] = {
      id: n.network,
      network: code,
      active: deposit === undefined || withdraw === undefined ? undefined : deposit && withdraw,
      deposit,
      withdraw,
      fee: undefined,
      precision: tick(n.withdrawal_decimals),
      limits: { withdraw: { min: num(min), max: undefined }, deposit: { min: undefined, max: undefined } },
      info: n,
    };
  }
  const deposit = isEnabled(raw.deposit);
  const withdraw = isEnabled(raw.withdrawal);
  return {
    id: raw.currency.toLowerCase(),
    code: lookup.currencyCode(raw.currency),
    name: raw.name,
    type: raw.type,
    active: deposit === undefined || withdraw === undefined ? undefined : deposit && withdraw,
    deposit,
    withdraw,
    fee: undefined,
    precision,
    limits: {
      amount: { min: precision, max: undefined },
      withdraw: { min: num(minWithdraw), max: undefined },
      deposit: { min: undefined, max: undefined },
    },
    networks,
    info: raw,
  };
}

/** Currencies as the market list implies them (for payloads without a currencies row shape). */
export function currenciesFromMarketRows(rows: RawMarket[], lookup: Lookup): Record<string, Currency> {
  const out: Record<string, Currency> = {};
  const fiat = new Set(['USD', 'EUR', 'GBP']);
  const add = (id: string | undefined, decimals: unknown, name: string | undefined, minCost?: string): void => {
    if (id === undefined || id === '') return;
    const code = lookup.currencyCode(id);
    if (out[code] !== undefined) return;
    const precision = tick(decimals);
    out[code] = {
      id: id.toLowerCase(),
      code,
      name,
      type: fiat.has(code) ? 'fiat' : 'crypto',
      active: true,
      deposit: undefined,
      withdraw: undefined,
      fee: undefined,
      precision,
      // quote currencies also carry the markets' minimum order value
      limits: {
        amount: { min: precision, max: undefined },
        withdraw: { min: undefined, max: undefined },
        ...(minCost === undefined ? {} : { cost: { min: num(minCost), max: undefined } }),
      } as NonNullable<Currency['limits']>,
      networks: {},
      info: undefined,
    };
  };
  for (const row of rows) {
    // derivative rows state contract decimals, not the currency's
    if (row.market_type !== undefined && row.market_type.toUpperCase() !== 'SPOT') continue;
    const [baseId, quoteId] = currencyIdsOf(row);
    const [baseName, quoteName] = (row.description ?? '').split(' / ');
    add(baseId, row.base_decimals, baseName);
    add(quoteId, row.counter_decimals, quoteName, minimumOrderValue(row));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Market data

/** `market` (when listed) cuts the derived average to its price precision, as CCXT reports it. */
export function parseTicker(raw: RawTicker, symbol: string, market?: Market): Ticker {
  // Bitstamp sends vwap and base volume only: the quote volume is their product.
  const vwap = toDecimal(raw.vwap);
  const baseVolume = toDecimal(raw.volume);
  const quoteVolume = vwap === undefined || baseVolume === undefined ? undefined : dMul(vwap, baseVolume);
  return buildTicker(
    {
      symbol,
      timestamp: secondsToMs(raw.timestamp),
      high: raw.high,
      low: raw.low,
      bid: raw.bid,
      ask: raw.ask,
      vwap,
      open: raw.open,
      last: raw.last,
      baseVolume,
      quoteVolume,
      info: raw,
    },
    market,
  );
}

export function parseOrderBook(raw: RawOrderBook, symbol: string, limit?: number): OrderBook {
  const micro = int(raw, 'microtimestamp');
  const timestamp = micro !== undefined ? Math.floor(micro / 1000) : secondsToMs(raw.timestamp);
  const book = buildOrderBook(raw.bids ?? [], raw.asks ?? [], symbol, timestamp, micro);
  if (limit !== undefined) {
    book.bids = book.bids.slice(0, limit);
    book.asks = book.asks.slice(0, limit);
  }
  return book;
}

/** CCXT's trade shape carries an empty fee object when the exchange reports none (and no entry in `fees`). */
function withFeeSlot(t: Trade): Trade {
  if (t.fee === undefined) t.fee = { cost: undefined, currency: undefined };
  return t;
}

export function parsePublicTrade(raw: RawPublicTrade, market: Market | undefined): Trade {
  return withFeeSlot(
    buildTrade(
      {
        id: str(raw, 'tid'),
        timestamp: timeOf(raw.date),
        symbol: market?.symbol,
        side: sideFromCode(raw.type),
        price: raw.price,
        amount: raw.amount,
        info: raw,
      },
      market,
    ),
  );
}

export function parseCandle(raw: RawCandle): OHLCV {
  return buildOHLCV(secondsToMs(raw.timestamp), raw.open, raw.high, raw.low, raw.close, raw.volume);
}

// ---------------------------------------------------------------------------------------------------------------------
// Account

export function parseBalances(rows: RawBalance[], lookup: Lookup): Balances {
  const entries: Record<string, BalanceInput> = {};
  for (const row of rows) {
    if (row.currency === undefined) continue;
    entries[lookup.currencyCode(row.currency)] = { free: row.available, used: row.reserved, total: row.total };
  }
  return buildBalance(entries, rows);
}

export function parseTradingFee(raw: RawTradingFee, symbol: string): TradingFee {
  const pct = (v: string | undefined): string | undefined => {
    const d = toDecimal(v);
    return d === undefined ? undefined : dDiv(d, '100');
  };
  return buildTradingFee({
    symbol,
    maker: pct(raw.fees?.maker),
    taker: pct(raw.fees?.taker),
    percentage: true,
    tierBased: true,
    info: raw,
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Ledger rows: trades (type 2) and deposits/withdrawals (0/1) from user_transactions/, fills inside order_status/

/** Fields of a ledger row that are not currency amounts or pair prices. */
const ROW_FIELDS = new Set([
  'id',
  'tid',
  'order_id',
  'client_order_id',
  'datetime',
  'date',
  'type',
  'fee',
  'price',
  'status',
  'amount',
  'cost',
  'currency',
  'market',
  'currency_pair',
  'self_trade',
  'self_trade_order_id',
]);

interface RowPair {
  baseKey: string;
  quoteKey: string;
  priceKey: string;
  market: Market | undefined;
  symbol: string;
  quote: string;
}

/** A non-zero amount: user_transactions/ rows list every main currency, mostly at 0. */
export const nonZero = (v: unknown): boolean => {
  const d = toDecimal(v);
  return d !== undefined && !dIsZero(d);
};

function pairOfMarket(m: Market): RowPair {
  const baseKey = m.baseId.toLowerCase();
  const quoteKey = m.quoteId.toLowerCase();
  return { baseKey, quoteKey, priceKey: `${baseKey}_${quoteKey}`, market: m, symbol: m.symbol, quote: m.quote };
}

/** Which market a ledger row belongs to: the given one, its non-zero '{base}_{quote}' price key, or its amounts. */
function locatePair(row: RawLedgerRow, market: Market | undefined, lookup: Lookup): RowPair | undefined {
  if (market !== undefined) return pairOfMarket(market);
  const keys = Object.keys(row).filter((k) => !ROW_FIELDS.has(k));
  for (const k of keys) {
    const m = /^([a-z0-9]+)_([a-z0-9]+)$/.exec(k);
    if (m === null || !nonZero(row[k])) continue;
    const listed = lookup.marketById(`${m[1]}${m[2]}`);
    if (listed !== undefined) return pairOfMarket(listed);
    const base = lookup.currencyCode(m[1]!);
    const quote = lookup.currencyCode(m[2]!);
    return { baseKey: m[1]!, quoteKey: m[2]!, priceKey: k, market: undefined, symbol: `${base}/${quote}`, quote };
  }
  // order_status fills have no price key: try the currencies they move
  const moved = keys.filter((k) => !k.includes('_') && nonZero(row[k]));
  for (const a of moved) {
    for (const b of moved) {
      if (a === b) continue;
      const listed = lookup.marketById(`${a}${b}`);
      if (listed !== undefined) return pairOfMarket(listed);
    }
  }
  return undefined;
}

export function parseLedgerTrade(
  row: RawLedgerRow,
  market: Market | undefined,
  lookup: Lookup,
  orderSide?: OrderSide,
): Trade {
  const pair = locatePair(row, market, lookup);
  const baseAmount = pair === undefined ? undefined : toDecimal(row[pair.baseKey]);
  const quoteAmount = pair === undefined ? undefined : toDecimal(row[pair.quoteKey]);
  let side = orderSide;
  if (side === undefined && baseAmount !== undefined && !dIsZero(baseAmount))
    side = dLt(baseAmount, '0') ? 'sell' : 'buy';
  if (side === undefined && quoteAmount !== undefined && !dIsZero(quoteAmount)) {
    side = dLt(quoteAmount, '0') ? 'buy' : 'sell';
  }
  const price = toDecimal(pair === undefined ? undefined : row[pair.priceKey]) ?? toDecimal(row.price);
  const fee = toDecimal(row.fee);
  return withFeeSlot(
    buildTrade(
      {
        id: str(row, 'id', 'tid'),
        order: str(row, 'order_id'),
        timestamp: timeOf(row.datetime),
        symbol: pair?.symbol,
        side,
        price,
        amount: baseAmount === undefined ? undefined : dAbs(baseAmount),
        cost: quoteAmount === undefined ? undefined : dAbs(quoteAmount),
        fee: fee === undefined ? undefined : { cost: fee, currency: pair?.quote },
        info: row,
      },
      pair?.market,
    ),
  );
}

/** A deposit (type 0) or withdrawal (type 1) row of user_transactions/. */
export function parseLedgerTransfer(row: RawLedgerRow, lookup: Lookup, currencyId?: string): Transaction {
  let key = currencyId;
  if (key === undefined) {
    key = Object.keys(row).find((k) => !ROW_FIELDS.has(k) && !k.includes('_') && nonZero(row[k]));
  }
  const amount = key === undefined ? undefined : toDecimal(row[key]);
  const code = key === undefined ? undefined : lookup.currencyCode(key);
  const kind = str(row, 'type');
  const fee = toDecimal(row.fee);
  return buildTransaction({
    id: str(row, 'id'),
    timestamp: timeOf(row.datetime),
    type: kind === '0' ? 'deposit' : kind === '1' ? 'withdrawal' : undefined,
    amount: amount === undefined ? undefined : dAbs(amount),
    currency: code,
    status: 'ok',
    fee: fee === undefined ? undefined : { cost: fee, currency: code },
    info: row,
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Orders

const ORDER_STATUS: Record<string, OrderStatus> = {
  open: 'open',
  'in queue': 'open',
  // still on the book until the cancel completes
  'cancel pending': 'open',
  finished: 'closed',
  expired: 'expired',
  canceled: 'canceled',
  cancelled: 'canceled',
};

const ORDER_TYPE: Record<string, string> = {
  limit: 'limit',
  market: 'market',
  instant: 'market',
  stop_market: 'market',
  stop_limit: 'limit',
};

export interface OrderContext {
  market?: Market | undefined;
  lookup: Lookup;
  /** What the endpoint implies when the payload does not say (open_orders/ -> open, cancel_order/ -> canceled). */
  status?: OrderStatus;
  type?: string;
}

export function parseOrder(raw: RawOrder, ctx: OrderContext): Order {
  const name = raw.market ?? raw.currency_pair;
  const market = ctx.market ?? ctx.lookup.marketById(marketIdFromName(name) ?? '');
  const side = sideFromCode(raw.type ?? raw.order_type);
  const id = str(raw, 'id', 'order_id') ?? '';
  const trades = (raw.transactions ?? []).map((fill) => {
    const t = parseLedgerTrade(fill, market, ctx.lookup, side);
    t.order = id;
    return t;
  });
  // Totals from the fills' own decimal strings: filled (base), cost (quote), fee (quote).
  let filled: string | undefined;
  let cost: string | undefined;
  let feeTotal: string | undefined;
  let lastTrade: number | undefined;
  for (const t of trades) {
    const fill = t.info as RawLedgerRow;
    const pair = locatePair(fill, market, ctx.lookup);
    const base = pair === undefined ? undefined : toDecimal(fill[pair.baseKey]);
    const quote = pair === undefined ? undefined : toDecimal(fill[pair.quoteKey]);
    if (base !== undefined) filled = dAdd(filled ?? '0', dAbs(base));
    if (quote !== undefined) cost = dAdd(cost ?? '0', dAbs(quote));
    const fee = toDecimal(fill.fee);
    if (fee !== undefined) feeTotal = dAdd(feeTotal ?? '0', fee);
    if (t.timestamp !== undefined && (lastTrade === undefined || t.timestamp > lastTrade)) lastTrade = t.timestamp;
  }
  const feeCurrency = trades.find((t) => t.fee?.currency !== undefined)?.fee?.currency;
  // open_orders/ reports what is left in `amount` and the original size in `amount_at_create`
  const original = raw.amount_at_create;
  const amount = original ?? raw.amount;
  const remaining = original !== undefined ? raw.amount : raw.amount_remaining;
  const status = raw.status === undefined ? ctx.status : (ORDER_STATUS[raw.status.toLowerCase()] ?? ctx.status);
  const type = raw.subtype === undefined ? ctx.type : (ORDER_TYPE[raw.subtype.toLowerCase()] ?? ctx.type);
  const fee: FeeInput | undefined = feeTotal === undefined ? undefined : { cost: feeTotal, currency: feeCurrency };
  return buildOrder(
    {
      id,
      clientOrderId: str(raw, 'client_order_id', 'orig_client_order_id'),
      timestamp: timeOf(raw.datetime),
      lastTradeTimestamp: lastTrade,
      status,
      symbol: market?.symbol ?? symbolFromName(name, ctx.lookup),
      type,
      side,
      price: raw.price,
      amount,
      filled,
      remaining,
      cost,
      average: filled === undefined || cost === undefined || dIsZero(filled) ? undefined : dDiv(cost, filled),
      triggerPrice: raw.stop_price,
      trades,
      fee,
      info: raw,
    },
    market,
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Funding

const WITHDRAWAL_STATUS: Record<string, string> = {
  '0': 'pending',
  '1': 'pending',
  '2': 'ok',
  '3': 'canceled',
  '4': 'failed',
  '11': 'failed',
};

/** Currency, network and destination of a funding row, in unified terms. */
function destinationOf(
  lookup: Lookup,
  currency: string | undefined,
  network: string | undefined,
  destination: string | undefined,
): Pick<TransactionInput, 'currency' | 'network' | 'address' | 'addressTo' | 'tag' | 'tagTo'> {
  const { address, tag } = splitTag(destination);
  return {
    currency: currency === undefined ? undefined : lookup.currencyCode(currency),
    network: network === undefined ? undefined : (lookup.networkCode?.(network) ?? network),
    address,
    addressTo: address,
    tag,
    tagTo: tag,
  };
}

export function parseWithdrawalRequest(raw: RawWithdrawalRequest, lookup: Lookup): Transaction {
  const status = str(raw, 'status');
  return buildTransaction({
    ...destinationOf(lookup, raw.currency, raw.network, raw.address),
    id: str(raw, 'id'),
    txid: str(raw, 'transaction_id'),
    timestamp: timeOf(raw.datetime),
    type: 'withdrawal',
    amount: raw.amount,
    status: status === undefined ? undefined : (WITHDRAWAL_STATUS[status] ?? status),
    info: raw,
  });
}

export function parseCryptoTransaction(
  raw: RawCryptoTransaction,
  type: 'deposit' | 'withdrawal',
  lookup: Lookup,
): Transaction {
  const state = raw.status?.toUpperCase();
  // withdrawals in this list carry no status: they have a txid, so they left
  const status =
    state === undefined ? 'ok' : state === 'COMPLETED' ? 'ok' : state === 'PENDING' ? 'pending' : state.toLowerCase();
  return buildTransaction({
    ...destinationOf(lookup, raw.currency, raw.network, raw.destinationAddress),
    id: str(raw, 'id'),
    txid: raw.txid,
    timestamp: timeOf(raw.datetime),
    type,
    amount: toDecimal(raw.amount),
    status,
    comment: raw.pending_reason,
    info: raw,
  });
}

export function parseDepositAddress(raw: RawDepositAddress, code: string, network?: string): DepositAddress {
  const split = splitTag(raw.address);
  const tag = str(raw, 'memo_id', 'destination_tag') ?? split.tag;
  return buildDepositAddress({ currency: code, address: split.address ?? '', tag, network, info: raw });
}

/** POST fees/withdrawal/: one row per currency and network. */
export interface RawWithdrawalFee {
  currency?: string;
  fee?: string;
  network?: string;
}

const noFee = (): FeeSlot => ({ fee: undefined, percentage: undefined });

/** Rows grouped by currency code; a currency's own withdraw fee is that of its last listed network. */
export function parseWithdrawalFees(rows: RawWithdrawalFee[], lookup: Lookup): Record<string, DepositWithdrawFee> {
  const out: Record<string, DepositWithdrawFee> = {};
  for (const row of rows) {
    if (row.currency === undefined) continue;
    const code = lookup.currencyCode(row.currency);
    const entry = (out[code] ??= { info: [], withdraw: noFee(), deposit: noFee(), networks: {} });
    (entry.info as RawWithdrawalFee[]).push(row);
    const withdraw: FeeSlot = { fee: num(row.fee), percentage: false };
    entry.withdraw = withdraw;
    if (row.network !== undefined) {
      const network = lookup.networkCode?.(row.network) ?? row.network.toUpperCase();
      entry.networks[network] = { withdraw, deposit: noFee() };
    }
  }
  return out;
}

/** user_transactions/ type codes -> CCXT ledger entry types */
const LEDGER_TYPE: Record<string, string> = {
  '0': 'transaction',
  '1': 'transaction',
  '2': 'trade',
  '14': 'transfer',
  '25': 'transfer',
  '26': 'transfer',
  '27': 'reward',
  '32': 'referral',
  '33': 'settlement',
  '35': 'transfer',
  '53': 'trade',
  '55': 'trade',
};

/**
 * One ledger entry per user_transactions/ row, in the currency it moves: the base currency for trades,
 * otherwise the (first) currency with a non-zero amount, or `currencyId` when the caller asks for one.
 */
export function parseLedgerRow(row: RawLedgerRow, lookup: Lookup, currencyId?: string): LedgerEntry {
  const kind = str(row, 'type');
  let key = currencyId;
  if (key === undefined && kind === '2') key = locatePair(row, undefined, lookup)?.baseKey;
  key ??= Object.keys(row).find((k) => !ROW_FIELDS.has(k) && !k.includes('_') && nonZero(row[k]));
  const signed = key === undefined ? undefined : toDecimal(row[key]);
  const code = key === undefined ? undefined : lookup.currencyCode(key);
  const fee = toDecimal(row.fee);
  const feeCurrency = kind === '2' ? locatePair(row, undefined, lookup)?.quote : code;
  return buildLedgerEntry({
    id: str(row, 'id'),
    timestamp: timeOf(row.datetime),
    direction: signed === undefined ? undefined : dLt(signed, '0') ? 'out' : 'in',
    referenceId: str(row, 'order_id'),
    type: kind === undefined ? undefined : (LEDGER_TYPE[kind] ?? kind),
    currency: code,
    amount: signed === undefined ? undefined : dAbs(signed),
    status: 'ok',
    fee: fee === undefined ? undefined : { cost: fee, currency: feeCurrency },
    info: row,
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Errors

/**
 * Codes and messages of an error payload, or undefined when the payload is not one:
 *   {"status": "error", "reason": "Invalid nonce", "code": "API0004"}
 *   {"status": "error", "reason": {"__all__": ["Minimum order size is 10.0 USD."]}, "response_code": "400.020"}
 *   {"error": "No permission found"}
 */
export function errorDetails(json: unknown): { codes: string[]; messages: string[] } | undefined {
  if (!isPlainObject(json)) return undefined;
  const error = json['error'];
  const failed = json['status'] === 'error' || (error !== undefined && error !== null && error !== '');
  if (!failed) return undefined;
  const messages: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v !== '') messages.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) collect(x);
    } else if (isPlainObject(v)) {
      if (typeof v['message'] === 'string') collect(v['message']);
      else for (const x of Object.values(v)) collect(x);
    }
  };
  collect(json['reason']);
  collect(error);
  collect(json['errors']);
  const codes: string[] = [];
  for (const key of ['code', 'response_code']) {
    const c = str(json, key);
    if (c !== undefined) codes.push(c);
  }
  return { codes, messages };
}

// ---------------------------------------------------------------------------------------------------------------------
// Websocket v2 payloads (https://www.bitstamp.net/websocket/v2/): the `data` member of each channel's messages

/** live_trades_{pair}, event `trade`. Numbers come twice: as JSON numbers and as exact strings (`*_str`). */
export interface RawWsTrade {
  id?: number | string;
  amount?: number | string;
  amount_str?: string;
  price?: number | string;
  price_str?: string;
  /** 0 = buy, 1 = sell (the taker's side) */
  type?: number | string;
  timestamp?: string;
  microtimestamp?: string;
  buy_order_id?: number | string;
  sell_order_id?: number | string;
}

/** order_book_{pair} (the top 100 levels each time) and diff_order_book_{pair} (the levels that changed). */
export interface RawWsBook {
  timestamp?: string;
  microtimestamp?: string;
  bids?: unknown[];
  asks?: unknown[];
}

/** private-my_orders_{pair}-{user_id}: the order as it stands after the event the message names. */
export interface RawWsOrder {
  id?: number | string;
  id_str?: string;
  client_order_id?: string;
  /** 0 = buy, 1 = sell */
  order_type?: number | string;
  order_subtype?: number | string;
  /** unix seconds */
  datetime?: string;
  microtimestamp?: string;
  amount?: number | string;
  /** what is left to execute */
  amount_str?: string;
  amount_traded?: string;
  amount_at_create?: string;
  price?: number | string;
  price_str?: string;
  stop_price?: string;
  trade_account_id?: number;
  is_liquidation?: boolean;
}

/** private-my_trades_{pair}-{user_id}, event `trade`: one fill of the account's order. */
export interface RawWsMyTrade {
  id?: number | string;
  id_str?: string;
  order_id?: number | string;
  client_order_id?: string;
  amount?: string;
  price?: string;
  fee?: string;
  side?: string;
  microtimestamp?: string;
}

/** Milliseconds of a message: its microtimestamp when it has one, else its unix-seconds timestamp. */
export function wsTime(raw: { microtimestamp?: unknown; timestamp?: unknown } | undefined): number | undefined {
  const micro = int(raw, 'microtimestamp');
  return micro !== undefined ? Math.floor(micro / 1000) : secondsToMs(raw?.timestamp);
}

export function parseWsTrade(raw: RawWsTrade, market: Market | undefined): Trade {
  return withFeeSlot(
    buildTrade(
      {
        id: str(raw, 'id'),
        timestamp: wsTime(raw),
        symbol: market?.symbol,
        side: sideFromCode(raw.type),
        price: raw.price_str ?? raw.price,
        amount: raw.amount_str ?? raw.amount,
        info: raw,
      },
      market,
    ),
  );
}

/** order_subtype -> [unified type, time in force] */
const WS_ORDER_SUBTYPE: Record<string, [string, string | undefined]> = {
  '0': ['limit', undefined],
  '2': ['market', undefined],
  '4': ['limit', 'IOC'],
  '6': ['limit', 'FOK'],
  '8': ['limit', 'GTD'],
};

/**
 * An order from its latest event: order_created / order_changed leave it open; order_deleted closes it when
 * nothing is left to execute and cancels it otherwise. amount_str is what is left; the original size is
 * amount_at_create, or (older messages) what was traded plus what is left.
 */
export function parseWsOrder(raw: RawWsOrder, event: string | undefined, market: Market | undefined): Order {
  const left = raw.amount_str ?? raw.amount;
  let status: OrderStatus = 'open';
  if (event === 'order_deleted') {
    const rest = toDecimal(left);
    status = rest !== undefined && dIsZero(rest) ? 'closed' : 'canceled';
  }
  const subtype = WS_ORDER_SUBTYPE[str(raw, 'order_subtype') ?? ''];
  const micro = int(raw, 'microtimestamp');
  return buildOrder(
    {
      id: str(raw, 'id_str', 'id'),
      clientOrderId: str(raw, 'client_order_id'),
      timestamp: secondsToMs(raw.datetime),
      lastUpdateTimestamp: micro === undefined ? undefined : Math.floor(micro / 1000),
      status,
      symbol: market?.symbol,
      type: subtype?.[0],
      timeInForce: subtype?.[1],
      side: sideFromCode(raw.order_type),
      price: raw.price_str ?? raw.price,
      amount: raw.amount_at_create,
      filled: raw.amount_traded,
      remaining: left,
      triggerPrice: raw.stop_price,
      info: raw,
    },
    market,
  );
}

/** A fill of the account's order; the fee is charged in the quote currency. */
export function parseWsMyTrade(raw: RawWsMyTrade, market: Market | undefined): Trade {
  const side = raw.side?.toLowerCase();
  const fee = toDecimal(raw.fee);
  return withFeeSlot(
    buildTrade(
      {
        id: str(raw, 'id_str', 'id'),
        order: str(raw, 'order_id'),
        timestamp: wsTime(raw),
        symbol: market?.symbol,
        side: side === 'buy' || side === 'sell' ? side : undefined,
        price: raw.price,
        amount: raw.amount,
        fee: fee === undefined ? undefined : { cost: fee, currency: market?.quote },
        info: raw,
      },
      market,
    ),
  );
}
