/**
 * Unified structures, with CCXT's field names and meanings. Missing values are `undefined`.
 * Numbers here are the output boundary: parsers work on decimal strings and the builders in `build.ts`
 * convert once, at the end.
 */
export type Dict = Record<string, unknown>;
export type Num = number | undefined;
export type Str = string | undefined;
export type Int = number | undefined;
export type OrderSide = 'buy' | 'sell';
export type OrderType = 'limit' | 'market' | (string & {});
export type MarketType = 'spot' | 'margin' | 'swap' | 'future' | 'option';
export type OrderStatus = 'open' | 'closed' | 'canceled' | 'expired' | 'rejected';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'PO' | 'GTD' | (string & {});

export interface MinMax {
  min?: Num;
  max?: Num;
}

export interface Market {
  id: string;
  symbol: string;
  base: string;
  quote: string;
  settle?: Str;
  baseId: string;
  quoteId: string;
  settleId?: Str;
  type: MarketType;
  spot: boolean;
  margin: boolean;
  swap: boolean;
  future: boolean;
  option: boolean;
  active: boolean | undefined;
  contract: boolean;
  linear?: boolean | undefined;
  inverse?: boolean | undefined;
  contractSize?: Num;
  expiry?: Int;
  expiryDatetime?: Str;
  strike?: Num;
  optionType?: Str;
  taker?: Num;
  maker?: Num;
  percentage?: boolean;
  tierBased?: boolean;
  feeSide?: Str;
  precision: { amount?: Num; price?: Num; cost?: Num; base?: Num; quote?: Num };
  limits: { amount?: MinMax; price?: MinMax; cost?: MinMax; leverage?: MinMax; market?: MinMax };
  created?: Int;
  lowercaseId?: Str;
  info: any;
  [extra: string]: unknown;
}

export interface Network {
  id: string;
  network: string;
  name?: Str;
  active?: boolean | undefined;
  deposit?: boolean | undefined;
  withdraw?: boolean | undefined;
  fee?: Num;
  precision?: Num;
  limits?: { amount?: MinMax; withdraw?: MinMax; deposit?: MinMax };
  info: any;
}

export interface Currency {
  id: string;
  code: string;
  numericId?: Int;
  name?: Str;
  active?: boolean | undefined;
  deposit?: boolean | undefined;
  withdraw?: boolean | undefined;
  fee?: Num;
  precision?: Num;
  type?: Str;
  limits?: { amount?: MinMax; withdraw?: MinMax; deposit?: MinMax };
  networks?: Record<string, Network>;
  info: any;
  [extra: string]: unknown;
}

export interface Ticker {
  symbol: string;
  timestamp: Int;
  datetime: Str;
  high: Num;
  low: Num;
  bid: Num;
  bidVolume: Num;
  ask: Num;
  askVolume: Num;
  vwap: Num;
  open: Num;
  close: Num;
  last: Num;
  previousClose: Num;
  change: Num;
  percentage: Num;
  average: Num;
  baseVolume: Num;
  quoteVolume: Num;
  markPrice?: Num;
  indexPrice?: Num;
  info: any;
}
export type Tickers = Record<string, Ticker>;

/** [price, amount] (and more for exchanges that send order counts). */
export type BookLevel = [number, number, ...number[]];
export interface OrderBook {
  symbol: Str;
  bids: BookLevel[];
  asks: BookLevel[];
  timestamp: Int;
  datetime: Str;
  nonce: Int;
}

export interface Fee {
  cost: Num;
  currency: Str;
  rate?: Num;
}

export interface Trade {
  id: Str;
  order: Str;
  timestamp: Int;
  datetime: Str;
  symbol: Str;
  type: Str;
  side: OrderSide | undefined;
  takerOrMaker: 'taker' | 'maker' | undefined;
  price: Num;
  amount: Num;
  cost: Num;
  fee: Fee | undefined;
  fees: Fee[];
  info: any;
}

/** [timestamp, open, high, low, close, volume] */
export type OHLCV = [number, Num, Num, Num, Num, Num];

export interface Order {
  id: string;
  clientOrderId: Str;
  timestamp: Int;
  datetime: Str;
  lastTradeTimestamp: Int;
  lastUpdateTimestamp: Int;
  status: OrderStatus | undefined;
  symbol: Str;
  type: Str;
  timeInForce: Str;
  postOnly: boolean | undefined;
  reduceOnly: boolean | undefined;
  side: OrderSide | undefined;
  price: Num;
  average: Num;
  amount: Num;
  filled: Num;
  remaining: Num;
  cost: Num;
  triggerPrice: Num;
  stopPrice: Num;
  takeProfitPrice: Num;
  stopLossPrice: Num;
  trades: Trade[];
  fee: Fee | undefined;
  fees: Fee[];
  info: any;
}

export interface BalanceEntry {
  free: Num;
  used: Num;
  total: Num;
  debt?: Num;
}
export interface Balances {
  info: any;
  timestamp: Int;
  datetime: Str;
  free: Record<string, Num>;
  used: Record<string, Num>;
  total: Record<string, Num>;
  debt?: Record<string, Num>;
  [code: string]: unknown;
}

export type TransactionStatus = 'pending' | 'ok' | 'failed' | 'canceled' | (string & {});
export interface Transaction {
  id: Str;
  txid: Str;
  timestamp: Int;
  datetime: Str;
  network: Str;
  address: Str;
  addressFrom: Str;
  addressTo: Str;
  tag: Str;
  tagFrom: Str;
  tagTo: Str;
  type: 'deposit' | 'withdrawal' | undefined;
  amount: Num;
  currency: Str;
  status: TransactionStatus | undefined;
  updated: Int;
  comment: Str;
  internal: boolean | undefined;
  fee: Fee | undefined;
  info: any;
}

export interface DepositAddress {
  currency: string;
  address: string;
  tag: Str;
  network: Str;
  info: any;
}

export interface TradingFee {
  symbol: string;
  maker: Num;
  taker: Num;
  percentage?: boolean | undefined;
  tierBased?: boolean | undefined;
  info: any;
}
export type TradingFees = Record<string, TradingFee>;

/** A deposit or withdrawal fee: an amount in the currency, or a fraction when `percentage`. */
export interface FeeSlot {
  fee: Num;
  percentage: boolean | undefined;
}

/** CCXT's deposit/withdraw fee structure, per currency, with the same per network (unified network codes). */
export interface DepositWithdrawFee {
  info: any;
  withdraw: FeeSlot;
  deposit: FeeSlot;
  networks: Record<string, { withdraw: FeeSlot; deposit: FeeSlot }>;
}

/** CCXT's older fee summary (fetchTransactionFees): its shape per code varies by exchange, as in CCXT. */
export interface TransactionFees {
  withdraw: Dict;
  deposit: Dict;
  info: any;
}

export interface LedgerEntry {
  id: Str;
  info: any;
  timestamp: Int;
  datetime: Str;
  direction: 'in' | 'out' | undefined;
  account: Str;
  referenceId: Str;
  referenceAccount: Str;
  type: Str;
  currency: Str;
  amount: Num;
  before: Num;
  after: Num;
  status: Str;
  fee: Fee | undefined;
}

export interface ExchangeStatus {
  status: 'ok' | 'maintenance' | 'shutdown' | 'error' | undefined;
  updated: Int;
  eta: Int;
  url: Str;
  info: any;
}
