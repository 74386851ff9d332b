/**
 * The positional signatures of the unified methods (CCXT's), so that the command line knows which argument is a
 * symbol (checked against the markets, with suggestions), a time (`2024-01-01`, `7d`), a number or a string
 * (order ids stay strings even when they look like numbers), and how to show the answer.
 */
import { UNIFIED_METHODS } from '../core/spec.js';

export type ArgKind =
  'symbol' | 'symbols' | 'string' | 'code' | 'codes' | 'number' | 'time' | 'timeframe' | 'side' | 'type' | 'bool';

export interface Arg {
  name: string;
  kind: ArgKind;
  optional?: boolean;
}

/** How an answer is shown in a terminal. */
export type View =
  | 'ticker'
  | 'tickers'
  | 'orderbook'
  | 'trades'
  | 'ohlcv'
  | 'balance'
  | 'order'
  | 'orders'
  | 'markets'
  | 'currencies'
  | 'time'
  | 'transactions'
  | 'ledger'
  | 'fees'
  | 'generic';

export interface MethodInfo {
  args: Arg[];
  view: View;
  /** Needs credentials (used only for the hint when they are missing). */
  private?: boolean;
}

const a = (name: string, kind: ArgKind, optional = false): Arg =>
  optional ? { name, kind, optional } : { name, kind };
const symbol = a('symbol', 'symbol');
const optSymbol = a('symbol', 'symbol', true);
const since = a('since', 'time', true);
const limit = a('limit', 'number', true);
const id = a('id', 'string');
const code = a('code', 'code');
const optCode = a('code', 'code', true);

/** Every method takes a trailing `params` object as well (a JSON argument after these, or --param key=value). */
export const METHODS: Record<string, MethodInfo> = {
  fetchMarkets: { args: [], view: 'markets' },
  fetchCurrencies: { args: [], view: 'currencies' },
  fetchTicker: { args: [symbol], view: 'ticker' },
  fetchTickers: { args: [a('symbols', 'symbols', true)], view: 'tickers' },
  fetchOrderBook: { args: [symbol, limit], view: 'orderbook' },
  fetchTrades: { args: [symbol, since, limit], view: 'trades' },
  fetchOHLCV: { args: [symbol, a('timeframe', 'timeframe', true), since, limit], view: 'ohlcv' },
  fetchTime: { args: [], view: 'time' },
  fetchStatus: { args: [], view: 'generic' },
  fetchBalance: { args: [], view: 'balance', private: true },
  createOrder: {
    args: [symbol, a('type', 'type'), a('side', 'side'), a('amount', 'number'), a('price', 'number', true)],
    view: 'order',
    private: true,
  },
  editOrder: {
    args: [id, symbol, a('type', 'type'), a('side', 'side'), a('amount', 'number', true), a('price', 'number', true)],
    view: 'order',
    private: true,
  },
  cancelOrder: { args: [id, optSymbol], view: 'order', private: true },
  cancelAllOrders: { args: [optSymbol], view: 'orders', private: true },
  fetchOrder: { args: [id, optSymbol], view: 'order', private: true },
  fetchOrders: { args: [optSymbol, since, limit], view: 'orders', private: true },
  fetchOpenOrders: { args: [optSymbol, since, limit], view: 'orders', private: true },
  fetchClosedOrders: { args: [optSymbol, since, limit], view: 'orders', private: true },
  fetchCanceledOrders: { args: [optSymbol, since, limit], view: 'orders', private: true },
  fetchMyTrades: { args: [optSymbol, since, limit], view: 'trades', private: true },
  fetchOrderTrades: { args: [id, optSymbol, since, limit], view: 'trades', private: true },
  fetchDepositAddress: { args: [code], view: 'generic', private: true },
  createDepositAddress: { args: [code], view: 'generic', private: true },
  fetchDeposits: { args: [optCode, since, limit], view: 'transactions', private: true },
  fetchWithdrawals: { args: [optCode, since, limit], view: 'transactions', private: true },
  fetchDepositsWithdrawals: { args: [optCode, since, limit], view: 'transactions', private: true },
  withdraw: {
    args: [code, a('amount', 'number'), a('address', 'string'), a('tag', 'string', true)],
    view: 'generic',
    private: true,
  },
  fetchTradingFee: { args: [symbol], view: 'fees', private: true },
  fetchTradingFees: { args: [], view: 'fees', private: true },
  fetchLedger: { args: [optCode, since, limit], view: 'ledger', private: true },
  transfer: {
    args: [code, a('amount', 'number'), a('fromAccount', 'string'), a('toAccount', 'string')],
    view: 'generic',
    private: true,
  },
  fetchDepositWithdrawFees: { args: [a('codes', 'codes', true)], view: 'generic', private: true },
  fetchDepositWithdrawFee: { args: [code], view: 'generic', private: true },
  fetchTransactionFees: { args: [a('codes', 'codes', true)], view: 'generic', private: true },
  cancelAllOrdersAfter: { args: [a('timeout', 'number')], view: 'generic', private: true },
  // CCXT conveniences
  createLimitOrder: {
    args: [symbol, a('side', 'side'), a('amount', 'number'), a('price', 'number')],
    view: 'order',
    private: true,
  },
  createMarketOrder: {
    args: [symbol, a('side', 'side'), a('amount', 'number'), a('price', 'number', true)],
    view: 'order',
    private: true,
  },
  createLimitBuyOrder: { args: [symbol, a('amount', 'number'), a('price', 'number')], view: 'order', private: true },
  createLimitSellOrder: { args: [symbol, a('amount', 'number'), a('price', 'number')], view: 'order', private: true },
  createMarketBuyOrder: { args: [symbol, a('amount', 'number')], view: 'order', private: true },
  createMarketSellOrder: { args: [symbol, a('amount', 'number')], view: 'order', private: true },
  // one update from a stream (`unifex <id> watch ...` is the live view)
  watchTicker: { args: [symbol], view: 'ticker' },
  watchTickers: { args: [a('symbols', 'symbols', true)], view: 'tickers' },
  watchOrderBook: { args: [symbol, limit], view: 'orderbook' },
  watchTrades: { args: [symbol, since, limit], view: 'trades' },
  watchOHLCV: { args: [symbol, a('timeframe', 'timeframe', true), since, limit], view: 'ohlcv' },
  watchBalance: { args: [], view: 'balance', private: true },
  watchOrders: { args: [optSymbol, since, limit], view: 'orders', private: true },
  watchMyTrades: { args: [optSymbol, since, limit], view: 'trades', private: true },
};

// Every unified method of the library has a row (a test checks it): the command line is never behind the API.
export const UNIFIED = UNIFIED_METHODS;

export function usageOf(method: string): string {
  const info = METHODS[method];
  if (info === undefined) return `${method} [params]`;
  const parts = info.args.map((x) => (x.optional === true ? `[${x.name}]` : `<${x.name}>`));
  return [method, ...parts, '[params]'].join(' ');
}
