/**
 * Pure parsers for Coinbase Exchange payloads (shapes from the Exchange REST API reference). Money stays a decimal
 * string until the core build* helpers; timestamps become integer milliseconds.
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
} from '../../core/build.js';
import { dAbs, dAdd, dEq, dLt, dMul, dSub, toDecimal, toNumber } from '../../core/decimal.js';
import type {
  Balances,
  Currency,
  DepositAddress,
  ExchangeStatus,
  LedgerEntry,
  Market,
  Network,
  OHLCV,
  Order,
  OrderBook,
  OrderStatus,
  Ticker,
  Trade,
  TradingFee,
  Transaction,
} from '../../core/types.js';
import { parse8601 } from '../../core/util.js';

// ---------------------------------------------------------------------------------------------------------------
// Raw shapes

export interface RawProduct {
  id: string;
  base_currency?: string;
  quote_currency?: string;
  quote_increment?: string;
  base_increment?: string;
  display_name?: string;
  min_market_funds?: string;
  max_market_funds?: string;
  base_min_size?: string;
  base_max_size?: string;
  margin_enabled?: boolean;
  post_only?: boolean;
  limit_only?: boolean;
  cancel_only?: boolean;
  trading_disabled?: boolean;
  status?: string;
  status_message?: string;
  fx_stablecoin?: boolean;
  max_slippage_percentage?: string;
  auction_mode?: boolean;
  high_bid_limit_percentage?: string;
}

export interface RawNetwork {
  id: string;
  name?: string;
  status?: string;
  contract_address?: string | null;
  crypto_address_link?: string;
  crypto_transaction_link?: string;
  min_withdrawal_amount?: string | number | null;
  max_withdrawal_amount?: string | number | null;
  network_confirmations?: string | number | null;
  processing_time_seconds?: string | number | null;
  destination_tag_regex?: string | null;
}

export interface RawCurrency {
  id: string;
  name?: string;
  min_size?: string;
  status?: string;
  message?: string;
  max_precision?: string;
  convertible_to?: string[];
  details?: {
    type?: string;
    symbol?: string | null;
    network_confirmations?: string | number | null;
    sort_order?: string | number;
    crypto_address_link?: string;
    crypto_transaction_link?: string;
    push_payment_methods?: string[];
    group_types?: string[];
    display_name?: string | null;
    processing_time_seconds?: string | number | null;
    min_size?: string;
    min_withdrawal_amount?: string | number | null;
    max_withdrawal_amount?: string | number | null;
  };
  default_network?: string;
  supported_networks?: RawNetwork[];
  display_name?: string;
}

/** GET /products/{id}/ticker */
export interface RawTicker {
  trade_id?: string | number;
  price?: string;
  size?: string;
  time?: string;
  bid?: string;
  ask?: string;
  volume?: string;
  rfq_volume?: string;
  conversions_volume?: string;
}

/** GET /products/{id}/stats: the last 24 hours. */
export interface RawStats {
  open?: string;
  high?: string;
  low?: string;
  last?: string;
  volume?: string;
  volume_30day?: string;
  rfq_volume_24hour?: string;
  rfq_volume_30day?: string;
}

/** One row of GET /products/spark-lines: [time, low, high, open, close]. */
export type RawSparkRow = [number, number, number, number, number];

/** GET /products/{id}/book: levels are [price, size, num-orders] (level 1/2) or [price, size, order_id] (3). */
export interface RawBook {
  bids?: [string, string, string | number][];
  asks?: [string, string, string | number][];
  sequence?: number | string;
  time?: string;
  auction_mode?: boolean;
}

/** GET /products/{id}/trades: `side` is the maker's side. */
export interface RawPublicTrade {
  trade_id: string | number;
  side: 'buy' | 'sell';
  size: string;
  price: string;
  time: string;
}

/** GET /fills: `side` is the user's side. */
export interface RawFill {
  trade_id: string | number;
  product_id?: string;
  order_id?: string;
  user_id?: string;
  profile_id?: string;
  liquidity?: 'M' | 'T' | 'O';
  price?: string;
  size?: string;
  fee?: string;
  created_at?: string;
  side?: 'buy' | 'sell';
  settled?: boolean;
  usd_volume?: string;
  market_type?: string;
  funding_currency?: string;
}

/** GET /products/{id}/candles row: [time (s), low, high, open, close, volume]. */
export type RawCandle = [number, number | string, number | string, number | string, number | string, number | string];

export interface RawOrder {
  id: string;
  price?: string;
  size?: string;
  product_id?: string;
  profile_id?: string;
  side?: 'buy' | 'sell';
  funds?: string;
  specified_funds?: string;
  type?: string;
  time_in_force?: string;
  expire_time?: string;
  post_only?: boolean;
  created_at?: string;
  done_at?: string;
  done_reason?: string;
  reject_reason?: string;
  fill_fees?: string;
  filled_size?: string;
  executed_value?: string;
  status?: string;
  settled?: boolean;
  stop?: 'loss' | 'entry';
  stop_price?: string;
  funding_amount?: string;
  client_oid?: string;
  market_type?: string;
  max_floor?: string;
}

export interface RawAccount {
  id: string;
  currency: string;
  balance?: string;
  hold?: string;
  available?: string;
  profile_id?: string;
  trading_enabled?: boolean;
}

export interface RawFees {
  maker_fee_rate?: string;
  taker_fee_rate?: string;
  usd_volume?: string;
}

/** GET /transfers and /accounts/{id}/transfers. */
export interface RawTransfer {
  id: string;
  type?: string;
  created_at?: string;
  completed_at?: string | null;
  canceled_at?: string | null;
  processed_at?: string | null;
  account_id?: string;
  user_id?: string;
  profile_id?: string;
  amount?: string;
  currency?: string;
  user_nonce?: string | null;
  idem?: string;
  details?: {
    network?: string;
    crypto_address?: string;
    sent_to_address?: string;
    destination_tag?: string;
    destination_tag_name?: string;
    coinbase_account_id?: string;
    coinbase_transaction_id?: string;
    coinbase_withdrawal_id?: string;
    crypto_transaction_hash?: string;
    tx_service_transaction_id?: string;
    coinbase_payment_method_id?: string;
    fee?: string;
    subtotal?: string;
  };
}

/** POST /withdrawals/crypto (and the other withdrawal routes). */
export interface RawWithdrawal {
  id: string;
  amount?: string;
  currency?: string;
  fee?: string;
  subtotal?: string;
  network?: string;
}

/** GET /coinbase-accounts: the Coinbase wallets linked to the profile (deposit addresses hang off them). */
export interface RawCoinbaseAccount {
  id: string;
  name?: string;
  balance?: string;
  currency: string;
  type?: string;
  primary?: boolean;
  active?: boolean;
}

/** POST /coinbase-accounts/{id}/addresses */
export interface RawDepositAddress {
  id?: string;
  address?: string;
  address_info?: { address?: string; destination_tag?: string };
  destination_tag?: string;
  name?: string;
  created_at?: string;
  updated_at?: string;
  network?: string;
  uri_scheme?: string;
  resource?: string;
  resource_path?: string;
  deposit_uri?: string;
  exchange_deposit_address?: boolean;
}

/** GET /accounts/{id}/ledger */
export interface RawLedgerEntry {
  id: string;
  amount?: string;
  balance?: string;
  created_at?: string;
  type?: string;
  details?: {
    order_id?: string;
    product_id?: string;
    trade_id?: string;
    from?: string;
    to?: string;
    profile_transfer_id?: string;
    transfer_id?: string;
    transfer_type?: string;
  };
}

export interface RawTime {
  iso?: string;
  epoch?: number;
}

/** Statuspage.io /api/v2/status.json */
export interface RawStatusPage {
  page?: { url?: string; updated_at?: string };
  status?: { indicator?: string; description?: string };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

export type CurrencyCodeOf = (currencyId: string | undefined) => string | undefined;
/** Market for a product id seen in a payload (falls back to the market the caller asked about). */
export type MarketOf = (productId: string | undefined) => Market | undefined;

/** Network tables from spec.options: exchange network id -> code, and coin/token aliases of one chain. */
export interface NetworkTables {
  networksById: Record<string, string>;
  networkAliases: Record<string, readonly [string, string]>;
}

/**
 * Unified network code for an exchange network id. On chains that carry both a coin and tokens (ETH / ERC20), the
 * coin itself is on "ETH" and every other currency on the token standard, as CCXT names them.
 */
export function networkCode(
  networkId: string | undefined,
  currencyCode: string | undefined,
  tables: NetworkTables,
): string | undefined {
  if (networkId === undefined || networkId === '') return undefined;
  const code = tables.networksById[networkId] ?? networkId.toUpperCase();
  for (const [coin, pair] of Object.entries(tables.networkAliases)) {
    if (code !== pair[0] && code !== pair[1]) continue;
    if (currencyCode === undefined) return pair[1];
    return currencyCode === coin ? pair[0] : pair[1];
  }
  return code;
}

/** Exchange network id for a unified network code (either form of a coin/token alias pair). */
export function networkIdFor(code: string, tables: NetworkTables): string | undefined {
  const wanted = new Set([code]);
  for (const pair of Object.values(tables.networkAliases)) {
    if (pair.includes(code)) for (const c of pair) wanted.add(c);
  }
  for (const [id, c] of Object.entries(tables.networksById)) if (wanted.has(c)) return id;
  return undefined;
}

function moneyString(v: unknown): string | undefined {
  return toDecimal(v);
}

function decimalMin(values: (string | undefined)[]): string | undefined {
  let out: string | undefined;
  for (const v of values) if (v !== undefined && (out === undefined || dLt(v, out))) out = v;
  return out;
}

function decimalMax(values: (string | undefined)[]): string | undefined {
  let out: string | undefined;
  for (const v of values) if (v !== undefined && (out === undefined || dLt(out, v))) out = v;
  return out;
}

/** Seconds since the epoch as a JSON number (possibly fractional) -> integer ms, without float rounding drift. */
export function epochSecondsToMs(epoch: unknown): number | undefined {
  const d = toDecimal(epoch);
  if (d === undefined) return undefined;
  return Math.trunc(Number(dMul(d, '1000')));
}

// ---------------------------------------------------------------------------------------------------------------
// Markets and currencies

export function parseMarket(raw: RawProduct, codeOf: CurrencyCodeOf, tradingFees: Record<string, unknown>): Market {
  // The id is authoritative: auction products (BTCAUCTION-USD) report the base of the regular book (BTC).
  const dash = raw.id.indexOf('-');
  const baseId = dash === -1 ? (raw.base_currency ?? raw.id) : raw.id.slice(0, dash);
  const quoteId = dash === -1 ? (raw.quote_currency ?? '') : raw.id.slice(dash + 1);
  const base = codeOf(baseId) ?? baseId;
  const quote = codeOf(quoteId) ?? quoteId;
  return {
    id: raw.id,
    symbol: `${base}/${quote}`,
    base,
    quote,
    settle: undefined,
    baseId,
    quoteId,
    settleId: undefined,
    type: 'spot',
    spot: true,
    margin: raw.margin_enabled === true,
    swap: false,
    future: false,
    option: false,
    active: raw.status === 'online',
    contract: false,
    linear: undefined,
    inverse: undefined,
    contractSize: undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    taker: toNumber(moneyString(tradingFees['taker'])),
    maker: toNumber(moneyString(tradingFees['maker'])),
    percentage: tradingFees['percentage'] === true,
    tierBased: tradingFees['tierBased'] === true,
    precision: {
      amount: toNumber(moneyString(raw.base_increment)),
      price: toNumber(moneyString(raw.quote_increment)),
    },
    limits: {
      leverage: { min: undefined, max: undefined },
      amount: { min: toNumber(moneyString(raw.base_min_size)), max: toNumber(moneyString(raw.base_max_size)) },
      price: { min: undefined, max: undefined },
      cost: { min: toNumber(moneyString(raw.min_market_funds)), max: toNumber(moneyString(raw.max_market_funds)) },
    },
    created: undefined,
    info: raw,
  };
}

export function parseCurrency(raw: RawCurrency, codeOf: CurrencyCodeOf, tables: NetworkTables): Currency {
  const code = codeOf(raw.id) ?? raw.id;
  const details = raw.details ?? {};
  const networks: Record<string, Network & { contract?: string | undefined }> = {};
  const withdrawMins: (string | undefined)[] = [moneyString(details.min_withdrawal_amount)];
  const withdrawMaxes: (string | undefined)[] = [moneyString(details.max_withdrawal_amount)];
  for (const n of raw.supported_networks ?? []) {
    const unified = networkCode(n.id, code, tables);
    if (unified === undefined) continue;
    const min = moneyString(n.min_withdrawal_amount);
    const max = moneyString(n.max_withdrawal_amount);
    withdrawMins.push(min);
    withdrawMaxes.push(max);
    networks[unified] = {
      id: n.id,
      network: unified,
      name: n.name,
      active: n.status === undefined ? undefined : n.status === 'online',
      deposit: undefined,
      withdraw: undefined,
      fee: undefined,
      precision: undefined,
      limits: { withdraw: { min: toNumber(min), max: toNumber(max) } },
      contract: n.contract_address === null || n.contract_address === '' ? undefined : n.contract_address,
      info: n,
    };
  }
  return {
    id: raw.id,
    code,
    name: raw.name,
    type: details.type,
    active: raw.status === undefined ? undefined : raw.status === 'online',
    deposit: undefined,
    withdraw: undefined,
    fee: undefined,
    precision: toNumber(moneyString(raw.max_precision)),
    limits: {
      amount: { min: toNumber(moneyString(raw.min_size ?? details.min_size)), max: undefined },
      withdraw: { min: toNumber(decimalMin(withdrawMins)), max: toNumber(decimalMax(withdrawMaxes)) },
      deposit: { min: undefined, max: undefined },
    },
    networks,
    info: raw,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Market data

/** A ticker from /ticker, optionally completed with the 24h /stats of the same product. */
export function parseTicker(raw: RawTicker, stats: RawStats | undefined, symbol: string): Ticker {
  return buildTicker({
    symbol,
    timestamp: parse8601(raw.time),
    high: stats?.high,
    low: stats?.low,
    open: stats?.open,
    bid: raw.bid,
    ask: raw.ask,
    last: raw.price ?? stats?.last,
    baseVolume: raw.volume ?? stats?.volume,
    info: stats === undefined ? raw : { ticker: raw, stats },
  });
}

/** A ticker from a sparkline: only the latest close is a ticker value (the row's range is one bucket, not 24h). */
export function parseSparkTicker(rows: RawSparkRow[], symbol: string): Ticker {
  const latest = rows[0];
  return buildTicker({ symbol, last: latest === undefined ? undefined : latest[4], info: rows });
}

export function parseOrderBook(raw: RawBook, symbol: string, limit: number | undefined): OrderBook {
  const sequence = toNumber(moneyString(raw.sequence));
  const book = buildOrderBook(raw.bids ?? [], raw.asks ?? [], symbol, parse8601(raw.time), sequence);
  if (limit !== undefined) {
    book.bids = book.bids.slice(0, limit);
    book.asks = book.asks.slice(0, limit);
  }
  return book;
}

export function parsePublicTrade(raw: RawPublicTrade, market: Market): Trade {
  // The feed reports the resting (maker) order's side; the trade's side is the taker's, the opposite one.
  const side = raw.side === 'buy' ? 'sell' : raw.side === 'sell' ? 'buy' : undefined;
  return buildTrade(
    {
      id: String(raw.trade_id),
      timestamp: parse8601(raw.time),
      symbol: market.symbol,
      side,
      price: raw.price,
      amount: raw.size,
      // Public trades carry no fee: an empty fee object and no fees, as CCXT reports it.
      fee: {},
      fees: [],
      info: raw,
    },
    market,
  );
}

export function parseFill(raw: RawFill, market: Market | undefined): Trade {
  const liquidity = raw.liquidity === 'T' ? 'taker' : raw.liquidity === 'M' ? 'maker' : undefined;
  const fee: FeeInput = { cost: raw.fee, currency: market?.quote };
  // The fill carries no rate; the market's nominal rate for that liquidity side is what CCXT reports.
  const rate = liquidity === undefined ? undefined : market?.[liquidity];
  if (rate !== undefined) fee.rate = rate;
  return buildTrade(
    {
      id: String(raw.trade_id),
      order: raw.order_id,
      timestamp: parse8601(raw.created_at),
      symbol: market?.symbol ?? raw.product_id,
      side: raw.side,
      takerOrMaker: liquidity,
      price: raw.price,
      amount: raw.size,
      fee,
      fees: raw.fee === undefined ? [] : [fee],
      info: raw,
    },
    market,
  );
}

/** Candle rows come as [time, low, high, open, close, volume]; unified rows are [ms, open, high, low, close, vol]. */
export function parseCandle(row: RawCandle): OHLCV {
  const [time, low, high, open, close, volume] = row;
  return buildOHLCV(time * 1000, open, high, low, close, volume);
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

const ORDER_STATUS: Record<string, OrderStatus> = {
  received: 'open',
  pending: 'open',
  open: 'open',
  active: 'open',
  // Cancel requested but not yet confirmed: still working.
  canceling: 'open',
  done: 'closed',
  settled: 'closed',
  canceled: 'canceled',
  cancelled: 'canceled',
  rejected: 'rejected',
  expired: 'expired',
};

export function parseOrderStatus(status: string | undefined, doneReason?: string): OrderStatus | undefined {
  if (status === undefined) return undefined;
  const unified = ORDER_STATUS[status];
  // A finished order is "done" whatever happened; done_reason tells a cancel from a fill.
  if (unified === 'closed' && doneReason === 'canceled') return 'canceled';
  if (unified === 'closed' && doneReason === 'rejected') return 'rejected';
  if (unified === 'closed' && doneReason === 'expired') return 'expired';
  return unified ?? (status as OrderStatus);
}

export function parseOrder(raw: RawOrder, market: Market | undefined): Order {
  const filled = raw.filled_size;
  // Market orders placed by funds have no size: what they bought is all there is.
  const amount = raw.size ?? filled;
  return buildOrder(
    {
      id: raw.id,
      clientOrderId: raw.client_oid === '' ? undefined : raw.client_oid,
      timestamp: parse8601(raw.created_at),
      lastUpdateTimestamp: parse8601(raw.done_at),
      status: parseOrderStatus(raw.status, raw.done_reason),
      symbol: market?.symbol ?? raw.product_id,
      type: raw.type,
      timeInForce: raw.time_in_force,
      postOnly: raw.post_only,
      side: raw.side,
      price: raw.price,
      amount,
      filled,
      cost: raw.executed_value,
      triggerPrice: raw.stop_price,
      fee: raw.fill_fees === undefined ? undefined : { cost: raw.fill_fees, currency: market?.quote },
      info: raw,
    },
    market,
  );
}

/** DELETE /orders/{id} answers with the id alone. */
export function parseCanceledOrder(id: string, market: Market | undefined, clientOrderId?: string): Order {
  return buildOrder({ id, clientOrderId, status: 'canceled', symbol: market?.symbol, info: id }, market);
}

// ---------------------------------------------------------------------------------------------------------------
// Account

export function parseBalance(accounts: RawAccount[], codeOf: CurrencyCodeOf): Balances {
  const entries: Record<string, BalanceInput> = {};
  for (const a of accounts) {
    const code = codeOf(a.currency);
    if (code === undefined) continue;
    entries[code] = { free: a.available, used: a.hold, total: a.balance };
  }
  return buildBalance(entries, accounts);
}

export function parseTradingFees(raw: RawFees, symbols: string[]): Record<string, TradingFee> {
  const out: Record<string, TradingFee> = {};
  for (const symbol of symbols) {
    out[symbol] = buildTradingFee({
      symbol,
      maker: raw.maker_fee_rate,
      taker: raw.taker_fee_rate,
      percentage: true,
      tierBased: true,
      info: raw,
    });
  }
  return out;
}

/**
 * canceled_at set: canceled; completed_at set: ok; processed without completing: failed; nothing yet: pending.
 */
export function parseTransferStatus(raw: RawTransfer): string {
  if (raw.canceled_at !== undefined && raw.canceled_at !== null) return 'canceled';
  if (raw.completed_at !== undefined && raw.completed_at !== null) return 'ok';
  if (raw.processed_at !== undefined && raw.processed_at !== null) return 'failed';
  return 'pending';
}

export function parseTransfer(raw: RawTransfer, currencyCode: string | undefined, tables: NetworkTables): Transaction {
  const details = raw.details ?? {};
  const isWithdrawal = raw.type === 'withdraw' || raw.type === 'internal_withdraw';
  const isDeposit = raw.type === 'deposit' || raw.type === 'internal_deposit';
  let amount = moneyString(raw.amount);
  const feeCost = moneyString(details.fee);
  // An empty fee object when none is known, as CCXT reports transfers.
  let fee: FeeInput = {};
  if (isWithdrawal && feeCost !== undefined) {
    // A withdrawal's amount includes the network fee it paid; the unified amount is what left the chain.
    if (amount !== undefined) amount = dSub(amount, feeCost);
    fee = { cost: feeCost, currency: currencyCode };
  }
  const sentTo = isWithdrawal ? details.sent_to_address : undefined;
  return buildTransaction({
    id: raw.id,
    txid: details.crypto_transaction_hash,
    timestamp: parse8601(raw.created_at),
    network: networkCode(details.network, currencyCode, tables),
    address: sentTo ?? details.crypto_address,
    addressTo: details.crypto_address ?? sentTo,
    tag: details.destination_tag,
    type: isWithdrawal ? 'withdrawal' : isDeposit ? 'deposit' : undefined,
    amount,
    currency: currencyCode,
    status: parseTransferStatus(raw),
    updated: parse8601(raw.processed_at ?? undefined),
    internal: raw.type === 'internal_deposit' || raw.type === 'internal_withdraw',
    fee,
    info: raw,
  });
}

export function parseWithdrawal(
  raw: RawWithdrawal,
  currencyCode: string | undefined,
  request: { address: string; tag: string | undefined },
  tables: NetworkTables,
): Transaction {
  const fee = moneyString(raw.fee);
  return buildTransaction({
    id: raw.id,
    type: 'withdrawal',
    amount: raw.amount,
    currency: currencyCode,
    network: networkCode(raw.network, currencyCode, tables),
    address: request.address,
    tag: request.tag,
    // Accepted, not yet on chain.
    status: 'pending',
    fee: fee === undefined ? undefined : { cost: fee, currency: currencyCode },
    info: raw,
  });
}

export function parseDepositAddress(
  raw: RawDepositAddress,
  currencyCode: string,
  tables: NetworkTables,
): DepositAddress {
  const address = raw.address_info?.address ?? raw.address ?? '';
  const tag = raw.address_info?.destination_tag ?? raw.destination_tag;
  return buildDepositAddress({
    currency: currencyCode,
    address,
    tag: tag === '' ? undefined : tag,
    network: networkCode(raw.network, currencyCode, tables),
    info: raw,
  });
}

const LEDGER_TYPES: Record<string, string> = {
  transfer: 'transfer',
  match: 'trade',
  fee: 'fee',
  rebate: 'rebate',
  conversion: 'trade',
};

export function parseLedgerEntry(raw: RawLedgerEntry, currencyCode: string | undefined, account: string): LedgerEntry {
  const signed = moneyString(raw.amount);
  const after = moneyString(raw.balance);
  const out = signed !== undefined && dLt(signed, '0');
  const type = raw.type === undefined ? undefined : (LEDGER_TYPES[raw.type] ?? raw.type);
  const details = raw.details ?? {};
  const isTransfer = type === 'transfer';
  return buildLedgerEntry({
    id: raw.id,
    timestamp: parse8601(raw.created_at),
    direction: signed === undefined ? undefined : out ? 'out' : 'in',
    account: isTransfer ? (details.from ?? account) : account,
    referenceAccount: isTransfer ? details.to : undefined,
    referenceId: isTransfer ? (details.profile_transfer_id ?? details.transfer_id) : details.order_id,
    type,
    currency: currencyCode,
    amount: signed === undefined ? undefined : dAbs(signed),
    before: signed !== undefined && after !== undefined ? dSub(after, signed) : undefined,
    after,
    status: 'ok',
    info: raw,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Exchange

export function parseTime(raw: RawTime): number | undefined {
  return parse8601(raw.iso) ?? epochSecondsToMs(raw.epoch);
}

const STATUS_INDICATOR: Record<string, ExchangeStatus['status']> = {
  none: 'ok',
  // Degraded performance of some component: trading still works.
  minor: 'ok',
  major: 'error',
  critical: 'error',
  maintenance: 'maintenance',
};

export function parseStatus(raw: RawStatusPage): ExchangeStatus {
  const indicator = raw.status?.indicator;
  return {
    status: indicator === undefined ? undefined : (STATUS_INDICATOR[indicator] ?? 'error'),
    updated: parse8601(raw.page?.updated_at),
    eta: undefined,
    url: raw.page?.url,
    info: raw,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Websocket feed (ws.ts): shapes from the Exchange websocket channels reference

/** ticker channel: one message per match (cascades batched), with the 24h figures of the product. */
export interface RawFeedTicker {
  type: 'ticker';
  product_id: string;
  sequence?: number;
  trade_id?: number;
  price?: string;
  open_24h?: string;
  volume_24h?: string;
  low_24h?: string;
  high_24h?: string;
  volume_30d?: string;
  best_bid?: string;
  best_bid_size?: string;
  best_ask?: string;
  best_ask_size?: string;
  side?: 'buy' | 'sell';
  time?: string;
  last_size?: string;
}

export function parseFeedTicker(raw: RawFeedTicker, symbol: string): Ticker {
  return buildTicker({
    symbol,
    timestamp: parse8601(raw.time),
    high: raw.high_24h,
    low: raw.low_24h,
    open: raw.open_24h,
    bid: raw.best_bid,
    bidVolume: raw.best_bid_size,
    ask: raw.best_ask,
    askVolume: raw.best_ask_size,
    last: raw.price,
    baseVolume: raw.volume_24h,
    info: raw,
  });
}

/**
 * A message of the user channel: the full channel's order lifecycle (received, open, match, change, activate, done)
 * restricted to the authenticated profile's orders. Matches name the user's role through maker_* / taker_* fields.
 */
export interface RawFeedEvent {
  type: string;
  product_id: string;
  sequence?: number;
  time?: string;
  /** activate: epoch seconds as a decimal string. */
  timestamp?: string;
  order_id?: string;
  client_oid?: string;
  side?: 'buy' | 'sell';
  order_type?: string;
  size?: string;
  funds?: string;
  price?: string;
  remaining_size?: string;
  reason?: string;
  trade_id?: number | string;
  maker_order_id?: string;
  taker_order_id?: string;
  maker_user_id?: string;
  taker_user_id?: string;
  maker_profile_id?: string;
  taker_profile_id?: string;
  maker_fee_rate?: string;
  taker_fee_rate?: string;
  user_id?: string;
  profile_id?: string;
  new_size?: string;
  old_size?: string;
  new_price?: string;
  old_price?: string;
  new_funds?: string;
  stop_type?: string;
  stop_price?: string;
}

export type FeedRole = 'maker' | 'taker';

/** The user's side(s) in a match of the user channel, from the role-specific fields the feed adds. */
export function feedMatchRoles(e: RawFeedEvent): FeedRole[] {
  const roles: FeedRole[] = [];
  if (e.maker_fee_rate !== undefined || e.maker_user_id !== undefined || e.maker_profile_id !== undefined) {
    roles.push('maker');
  }
  if (e.taker_fee_rate !== undefined || e.taker_user_id !== undefined || e.taker_profile_id !== undefined) {
    roles.push('taker');
  }
  return roles;
}

const opposite = (side: 'buy' | 'sell' | undefined): 'buy' | 'sell' | undefined =>
  side === 'buy' ? 'sell' : side === 'sell' ? 'buy' : undefined;

/** A fill of the user: `side` of a match is the maker order's, so a taker fill is on the other side. */
export function parseFeedFill(e: RawFeedEvent, role: FeedRole, market: Market): Trade {
  const rate = role === 'maker' ? e.maker_fee_rate : e.taker_fee_rate;
  const price = moneyString(e.price);
  const size = moneyString(e.size);
  let fee: FeeInput | undefined;
  if (rate !== undefined && price !== undefined && size !== undefined) {
    fee = { cost: dMul(dMul(price, size), rate), currency: market.quote, rate };
  }
  return buildTrade(
    {
      id: e.trade_id === undefined ? undefined : String(e.trade_id),
      order: role === 'maker' ? e.maker_order_id : e.taker_order_id,
      timestamp: parse8601(e.time),
      symbol: market.symbol,
      side: role === 'maker' ? e.side : opposite(e.side),
      takerOrMaker: role,
      price,
      amount: size,
      fee,
      fees: fee === undefined ? [] : [fee],
      info: e,
    },
    market,
  );
}

/** What the feed has told about one order so far; money as decimal strings. */
export interface FeedOrderState {
  id: string;
  productId: string;
  clientOrderId?: string | undefined;
  side?: 'buy' | 'sell' | undefined;
  type?: string | undefined;
  price?: string | undefined;
  amount?: string | undefined;
  triggerPrice?: string | undefined;
  remaining?: string | undefined;
  status: OrderStatus;
  /** Sums over the matches seen (a stream joined late misses earlier ones). */
  matched: string;
  /** Followed from its received / activate message: the matches seen are all of them. */
  fromStart?: boolean;
  matchedCost: string;
  feeCost?: string | undefined;
  timestamp?: number | undefined;
  lastUpdateTimestamp?: number | undefined;
  lastTradeTimestamp?: number | undefined;
  /** Highest feed sequence applied: older or repeated messages (after a resubscribe) change nothing. */
  sequence?: number | undefined;
  /** Last set from REST (a catch-up after a reconnect): feed events that change nothing are not news. */
  restored?: boolean;
  /**
   * Where known, the trade id of the newest match that `matched` counts: set when the order is restored from REST,
   * whose filled size counts the order's oldest matches up to some trade while the feed may still deliver them. A
   * match up to it changes nothing; a later one is counted and moves it on (an order's matches come in trade id
   * order, trade ids rising per product).
   */
  countedThrough?: number | undefined;
  /** The feed event last applied, or the REST order it was restored from. */
  info: RawFeedEvent | RawOrder;
}

const DONE_STATUS: Record<string, OrderStatus> = { filled: 'closed', canceled: 'canceled' };

/** The time of a feed event: ISO `time`, or epoch seconds in `timestamp` (activate). */
export function feedEventTime(e: RawFeedEvent): number | undefined {
  return parse8601(e.time) ?? epochSecondsToMs(e.timestamp);
}

/** The trade id of a match as a number (ids rise per product), when it is one. */
function feedTradeId(e: RawFeedEvent): number | undefined {
  const id = typeof e.trade_id === 'string' && e.trade_id.trim() !== '' ? Number(e.trade_id) : e.trade_id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
}

/**
 * Folds one user-channel event into the order's state (pure: returns a new state, or the previous one when the event
 * is older than what was applied, or a match its `countedThrough` already counts). For a match, `role` says which of the two orders is `orderId`.
 */
export function foldFeedOrder(
  prev: FeedOrderState | undefined,
  e: RawFeedEvent,
  orderId: string,
  role?: FeedRole,
): FeedOrderState {
  if (prev !== undefined && e.sequence !== undefined && prev.sequence !== undefined && e.sequence <= prev.sequence) {
    return prev;
  }
  const tradeId = e.type === 'match' ? feedTradeId(e) : undefined;
  if (tradeId !== undefined && prev?.countedThrough !== undefined && tradeId <= prev.countedThrough) return prev;
  const time = feedEventTime(e);
  const s: FeedOrderState =
    prev === undefined
      ? { id: orderId, productId: e.product_id, status: 'open', matched: '0', matchedCost: '0', info: e }
      : { ...prev, info: e };
  if (e.sequence !== undefined) s.sequence = e.sequence;
  s.side ??= e.type === 'match' && role === 'taker' ? opposite(e.side) : e.side;
  if (time !== undefined) s.lastUpdateTimestamp = time;
  switch (e.type) {
    case 'received':
    case 'activate':
      if (prev === undefined) s.fromStart = true;
      s.timestamp ??= time;
      if (e.client_oid !== undefined && e.client_oid !== '') s.clientOrderId = e.client_oid;
      if (e.order_type !== undefined) s.type = e.order_type;
      if (e.price !== undefined) s.price = e.price;
      if (e.size !== undefined) s.amount = e.size;
      if (e.stop_price !== undefined) s.triggerPrice = e.stop_price;
      if (s.amount !== undefined && s.remaining === undefined) s.remaining = dSub(s.amount, s.matched);
      break;
    case 'open':
      if (e.price !== undefined) s.price ??= e.price;
      if (e.remaining_size !== undefined) s.remaining = e.remaining_size;
      break;
    case 'change':
      // Self-trade prevention or a modify: sizes are what rests on the book, so the order shrinks (or grows) by the
      // same amount.
      if (e.new_size !== undefined) {
        if (s.amount !== undefined && e.old_size !== undefined) s.amount = dAdd(s.amount, dSub(e.new_size, e.old_size));
        s.remaining = e.new_size;
      }
      if (e.new_price !== undefined) s.price = e.new_price;
      break;
    case 'match': {
      const size = moneyString(e.size);
      const price = moneyString(e.price);
      if (size !== undefined) {
        s.matched = dAdd(s.matched, size);
        if (price !== undefined) {
          const cost = dMul(price, size);
          s.matchedCost = dAdd(s.matchedCost, cost);
          const rate = role === 'maker' ? e.maker_fee_rate : role === 'taker' ? e.taker_fee_rate : undefined;
          if (rate !== undefined) s.feeCost = dAdd(s.feeCost ?? '0', dMul(cost, rate));
        }
        if (s.remaining !== undefined) s.remaining = dSub(s.remaining, size);
      }
      s.lastTradeTimestamp = time ?? s.lastTradeTimestamp;
      if (tradeId !== undefined && s.countedThrough !== undefined) s.countedThrough = tradeId;
      break;
    }
    case 'done':
      s.status = DONE_STATUS[e.reason ?? ''] ?? 'closed';
      if (e.remaining_size !== undefined) s.remaining = e.remaining_size;
      if (e.price !== undefined) s.price ??= e.price;
      break;
    default:
      break;
  }
  return s;
}

/**
 * The state of an order as REST reports it (GET /orders, GET /orders/{id}), for the feed to go on from: the order is
 * known whole (`filled_size` counts every match), and the feed sequence of `prev` is kept so that repeated messages
 * still change nothing.
 */
export function feedStateOfOrder(raw: RawOrder, productId: string, prev: FeedOrderState | undefined): FeedOrderState {
  const matched = moneyString(raw.filled_size) ?? '0';
  // Market orders placed by funds have no size; as with the feed's own state, the unified order derives it once done.
  const amount = moneyString(raw.size);
  const s: FeedOrderState = {
    id: raw.id,
    productId: raw.product_id ?? productId,
    status: parseOrderStatus(raw.status, raw.done_reason) ?? prev?.status ?? 'open',
    matched,
    fromStart: true,
    matchedCost: moneyString(raw.executed_value) ?? '0',
    restored: true,
    info: raw,
  };
  const clientOrderId = raw.client_oid === '' ? undefined : (raw.client_oid ?? prev?.clientOrderId);
  if (clientOrderId !== undefined) s.clientOrderId = clientOrderId;
  const side = raw.side ?? prev?.side;
  if (side !== undefined) s.side = side;
  const type = raw.type ?? prev?.type;
  if (type !== undefined) s.type = type;
  const price = moneyString(raw.price) ?? prev?.price;
  if (price !== undefined) s.price = price;
  if (amount !== undefined) {
    s.amount = amount;
    s.remaining = dSub(amount, matched);
  }
  const trigger = moneyString(raw.stop_price) ?? prev?.triggerPrice;
  if (trigger !== undefined) s.triggerPrice = trigger;
  const fee = moneyString(raw.fill_fees);
  if (fee !== undefined) s.feeCost = fee;
  const timestamp = parse8601(raw.created_at) ?? prev?.timestamp;
  if (timestamp !== undefined) s.timestamp = timestamp;
  const updated = parse8601(raw.done_at) ?? prev?.lastUpdateTimestamp;
  if (updated !== undefined) s.lastUpdateTimestamp = updated;
  if (prev?.lastTradeTimestamp !== undefined) s.lastTradeTimestamp = prev.lastTradeTimestamp;
  if (prev?.sequence !== undefined) s.sequence = prev.sequence;
  return s;
}

/**
 * The trade id of the newest fill a REST order's `filled_size` counts, from the order's fills (GET /fills?order_id,
 * read after the order, so it holds every fill the order counted and perhaps newer ones). An order fills in trade id
 * order, so the fills it counted are its oldest ones adding up to its filled size. 0 when nothing is filled;
 * undefined when no run of the oldest fills adds up to it exactly (a page missing, or an unreadable fill).
 */
export function lastCountedTrade(filledSize: string | undefined, fills: readonly RawFill[]): number | undefined {
  const target = moneyString(filledSize) ?? '0';
  if (dEq(target, '0')) return 0;
  // By trade id: a fill repeated across pages counts once.
  const sizes = new Map<number, string>();
  for (const f of fills) {
    const id = Number(f.trade_id);
    const size = moneyString(f.size);
    if (!Number.isSafeInteger(id) || size === undefined) return undefined;
    sizes.set(id, size);
  }
  let sum = '0';
  for (const [id, size] of [...sizes].sort((a, b) => a[0] - b[0])) {
    sum = dAdd(sum, size);
    if (dEq(sum, target)) return id;
    if (dLt(target, sum)) return undefined;
  }
  return undefined;
}

/** The unified order of a folded state. */
export function parseFeedOrder(s: FeedOrderState, market: Market | undefined): Order {
  let filled: string | undefined;
  if (s.amount !== undefined && s.remaining !== undefined) filled = dSub(s.amount, s.remaining);
  else if (s.fromStart === true) filled = s.matched;
  // The matches' cost is the order's only when they account for everything filled.
  const cost = filled !== undefined && dEq(filled, s.matched) ? s.matchedCost : undefined;
  return buildOrder(
    {
      id: s.id,
      clientOrderId: s.clientOrderId,
      timestamp: s.timestamp,
      lastUpdateTimestamp: s.lastUpdateTimestamp,
      lastTradeTimestamp: s.lastTradeTimestamp,
      status: s.status,
      symbol: market?.symbol ?? s.productId,
      type: s.type,
      side: s.side,
      price: s.price,
      amount: s.amount,
      filled,
      remaining: s.amount === undefined ? undefined : s.remaining,
      cost,
      triggerPrice: s.triggerPrice,
      fee: s.feeCost === undefined ? undefined : { cost: s.feeCost, currency: market?.quote },
      info: s.info,
    },
    market,
  );
}
