/**
 * What an exchange declares as data. The endpoint table drives the implicit API: for
 * `api: { public: { get: { 'api/v3/ticker/24hr': 2 } } }` every instance has a typed
 * `publicGetApiV3Ticker24hr(params)` method, installed once per class.
 */
import type { ErrorName } from './errors.js';
import type { Dict } from './types.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';
/** Cost of one call in rate-limit units (1 = one `rateLimit` interval), or a detailed entry. */
export type EndpointCost = number | { cost: number; bucket?: string; [k: string]: unknown };
export type EndpointTable = { readonly [path: string]: EndpointCost };
export type ApiSection = { readonly [M in HttpMethod]?: EndpointTable };
export type ApiTree = { readonly [section: string]: ApiSection };

/** The unified methods every exchange has (those not implemented throw NotSupported). */
export const UNIFIED_METHODS = [
  'fetchMarkets',
  'fetchCurrencies',
  'fetchTicker',
  'fetchTickers',
  'fetchOrderBook',
  'fetchTrades',
  'fetchOHLCV',
  'fetchTime',
  'fetchStatus',
  'fetchBalance',
  'createOrder',
  'editOrder',
  'cancelOrder',
  'cancelAllOrders',
  'fetchOrder',
  'fetchOrders',
  'fetchOpenOrders',
  'fetchClosedOrders',
  'fetchCanceledOrders',
  'fetchMyTrades',
  'fetchOrderTrades',
  'fetchDepositAddress',
  'createDepositAddress',
  'fetchDeposits',
  'fetchWithdrawals',
  'fetchDepositsWithdrawals',
  'withdraw',
  'fetchTradingFee',
  'fetchTradingFees',
  'fetchLedger',
  'transfer',
  'fetchDepositWithdrawFees',
  'fetchDepositWithdrawFee',
  'fetchTransactionFees',
  'cancelAllOrdersAfter',
] as const;
export type UnifiedMethod = (typeof UNIFIED_METHODS)[number];

/** Streaming methods; an exchange declares the ones its ws.ts handler serves in spec.has. */
export const WATCH_METHODS = [
  'watchTicker',
  'watchTickers',
  'watchOrderBook',
  'watchTrades',
  'watchOHLCV',
  'watchBalance',
  'watchOrders',
  'watchMyTrades',
] as const;
export type WatchMethod = (typeof WATCH_METHODS)[number];
export type Has = Partial<
  Record<
    UnifiedMethod | 'CORS' | 'spot' | 'margin' | 'swap' | 'future' | 'option' | 'sandbox' | (string & {}),
    boolean | 'emulated'
  >
>;

export interface Urls {
  logo?: string;
  www?: string;
  doc?: string | string[];
  fees?: string | string[];
  api: Record<string, string>;
  test?: Record<string, string>;
  ws?: Record<string, string> | string;
  [k: string]: unknown;
}

export interface Credentials {
  apiKey?: boolean;
  secret?: boolean;
  password?: boolean;
  uid?: boolean;
  privateKey?: boolean;
  walletAddress?: boolean;
}

export interface ExchangeSpec {
  id: string;
  name: string;
  countries: readonly string[];
  version?: string;
  /** Milliseconds per unit of endpoint cost. */
  rateLimit: number;
  /** Burst size of the default bucket in cost units (default 1: requests evenly spaced, as CCXT does). */
  rateLimitCapacity?: number;
  /** Extra named buckets (e.g. Binance's order counters) for the throttler. */
  rateLimitBuckets?: Record<string, { rateLimit: number; capacity: number }>;
  certified?: boolean;
  pro?: boolean;
  /** Market types this implementation serves; conformance cases for other types are out of scope. */
  marketTypes: readonly ('spot' | 'margin' | 'swap' | 'future' | 'option')[];
  urls: Urls;
  api: ApiTree;
  has?: Has;
  timeframes?: Record<string, string | number>;
  fees?: Dict;
  precisionMode: number;
  requiredCredentials?: Credentials;
  /** Error tables: exact code/message match and substring match -> error class name. */
  exceptions?: { exact?: Record<string, ErrorName>; broad?: Record<string, ErrorName> };
  httpExceptions?: Record<string, ErrorName>;
  commonCurrencies?: Record<string, string>;
  options?: Dict;
  aliases?: readonly string[];
}

// ---- typed implicit API, derived from the table at the type level ----
type Seps = '/' | '-' | '_' | '{' | '}' | '.' | ' ' | ':';
export type CamelPath<
  S extends string,
  Acc extends string = '',
  Up extends boolean = true,
> = S extends `${infer C}${infer Rest}`
  ? C extends Seps
    ? CamelPath<Rest, Acc, true>
    : CamelPath<Rest, `${Acc}${Up extends true ? Uppercase<C> : C}`, false>
  : Acc;

export type ImplicitMethod = (params?: Dict, context?: Dict) => Promise<any>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type SectionFlat<Name extends string, S> = {
  [M in keyof S & HttpMethod]: {
    [P in keyof S[M] & string as `${CamelPath<Name, '', false>}${Capitalize<M>}${CamelPath<P>}`]: ImplicitMethod;
  };
}[keyof S & HttpMethod];
export type ImplicitApi<A> =
  UnionToIntersection<{ [K in keyof A & string]: SectionFlat<K, A[K]> }[keyof A & string]> extends infer R
    ? { [K in keyof R]: R[K] }
    : never;

export function defineSpec<const S extends ExchangeSpec>(spec: S): S {
  return spec;
}
