/**
 * The base class. Holds config, markets and the request pipeline
 * (throttle -> sign -> fetch -> status/body checks -> exchange error mapping), and declares every unified method.
 * Exchanges override what they implement; the rest throw NotSupported. Construction does almost nothing:
 * options, urls, markets, the throttler and proxy agents are all made on first use.
 */
import { inspect } from 'node:util';
import {
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BadResponse,
  BadSymbol,
  BaseError,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  InvalidOrder,
  NotSupported,
  NullResponse,
  OnMaintenance,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
  errorClasses,
  type ErrorClass,
  type ErrorDetails,
  type ErrorName,
} from './errors.js';
import { httpFetch, redactUrl, type FetchLike, type HttpRequest, type HttpResponse } from './http.js';
import { MarketStore } from './markets.js';
import { DECIMAL_PLACES, NO_PADDING, ROUND, TICK_SIZE, TRUNCATE, decimalToPrecision, dIsZero } from './decimal.js';
import { Throttler, type ThrottleStore } from './throttle.js';
import {
  UNIFIED_METHODS,
  WATCH_METHODS,
  type ExchangeSpec,
  type Has,
  type HttpMethod,
  type Urls,
  type WatchMethod,
} from './spec.js';
import type {
  Balances,
  Currency,
  DepositAddress,
  DepositWithdrawFee,
  Dict,
  ExchangeStatus,
  LedgerEntry,
  TransactionFees,
  Market,
  OHLCV,
  Order,
  OrderBook,
  OrderSide,
  Ticker,
  Tickers,
  Trade,
  TradingFee,
  TradingFees,
  Transaction,
} from './types.js';
import { camelPath, deepExtend, implodePath, iso8601, parse8601, parseJson } from './util.js';

export interface ExchangeConfig {
  apiKey?: string;
  secret?: string;
  password?: string;
  uid?: string;
  privateKey?: string;
  walletAddress?: string;
  token?: string;
  /** Request timeout in ms (default 10 000). */
  timeout?: number;
  enableRateLimit?: boolean;
  /** Override the spec's milliseconds per cost unit. */
  rateLimit?: number;
  /** Shared bucket state for several processes (see core/throttle.ts). */
  throttleStore?: ThrottleStore;
  options?: Dict;
  headers?: Record<string, string>;
  userAgent?: string | false;
  httpProxy?: string;
  httpsProxy?: string;
  verbose?: boolean;
  /** Deep-merged over the spec's urls: point REST and websocket bases at a local server or a testnet. */
  urls?: Partial<Urls> & Dict;
  /** Any WHATWG-compatible fetch. */
  fetch?: FetchLike;
  /** Clock in ms; defaults to Date.now. */
  now?: () => number;
  log?: (...args: unknown[]) => void;
  sandbox?: boolean;
}

export interface SignedRequest {
  url: string;
  method: string;
  headers?: Record<string, string> | undefined;
  body?: string | undefined;
}

export interface RequestConfig {
  cost?: number;
  bucket?: string;
}

/** What an exchange's ws.ts exports: a handler class serving the watch methods it declares in spec.has. */
export interface StreamHandlerLike {
  watchTicker?(symbol: string, params?: Dict): Promise<Ticker>;
  watchTickers?(symbols?: string[], params?: Dict): Promise<Tickers>;
  watchOrderBook?(symbol: string, limit?: number, params?: Dict): Promise<OrderBook>;
  watchTrades?(symbol: string, since?: number, limit?: number, params?: Dict): Promise<Trade[]>;
  watchOHLCV?(symbol: string, timeframe?: string, since?: number, limit?: number, params?: Dict): Promise<OHLCV[]>;
  watchBalance?(params?: Dict): Promise<Balances>;
  watchOrders?(symbol?: string, since?: number, limit?: number, params?: Dict): Promise<Order[]>;
  watchMyTrades?(symbol?: string, since?: number, limit?: number, params?: Dict): Promise<Trade[]>;
  /**
   * Stops one stream: the core calls it once no iterator holds (method, args) and no plain watch call or
   * unWatch* left it pinned. `active` tells which other watches are still on, for topics several methods share.
   * Watch calls still pending on what is stopped reject with UnsubscribeError.
   */
  unwatch?(method: WatchMethod, args: unknown[], active: ActiveWatches): void;
  status(): Record<string, string>;
  /** Per-symbol book state: 'live', or 'syncing' while a snapshot is awaited (first sync or a resync). */
  bookStatus?(): Record<string, string>;
  close(): void;
}
export type StreamHandlerClass = new (exchange: any) => StreamHandlerLike;

/** The watches a user still has on, as the core counts them (see Exchange.stream and the unWatch* methods). */
export interface ActiveWatches {
  /** Whether `method` is still watched (for `symbol`, when given: unified symbol, or undefined for all symbols). */
  watching(method: WatchMethod, symbol?: string): boolean;
}

/** Which arguments name a subscription (the rest, since / limit / params, only shape what a call returns). */
const SUBSCRIPTION_ARGS: Record<WatchMethod, number> = {
  watchTicker: 1,
  watchTickers: 1,
  watchOrderBook: 1,
  watchTrades: 1,
  watchOHLCV: 2,
  watchBalance: 0,
  watchOrders: 1,
  watchMyTrades: 1,
};

/** A watch call that has settled, kept as data so one failure does not hide which key it belongs to. */
type Settled<T> = ({ value: T } | { error: unknown }) & { key: string; from: Promise<Settled<T>> };

interface WatchEntry {
  method: WatchMethod;
  args: unknown[];
  /** The symbol (unified when known) or undefined. */
  symbol: string | undefined;
  /** A plain watch call subscribed it: it stays until unWatch* or close(), as in CCXT. */
  pinned: boolean;
  /** stream() iterators running on it. */
  holders: number;
}

type ExchangeClass = { spec: ExchangeSpec; prototype: Exchange; streams?: () => Promise<StreamHandlerClass> };

const STREAM_KINDS = {
  ticker: 'watchTicker',
  tickers: 'watchTickers',
  orderBook: 'watchOrderBook',
  trades: 'watchTrades',
  ohlcv: 'watchOHLCV',
  balance: 'watchBalance',
  orders: 'watchOrders',
  myTrades: 'watchMyTrades',
} as const;
export type StreamKind = keyof typeof STREAM_KINDS;
const implicitInstalled = new WeakSet<object>();
const hasCache = new WeakMap<object, Has>();
const DEFAULT_USER_AGENT = 'unifex (+https://www.npmjs.com/package/unifex)';

interface Secrets {
  apiKey?: string | undefined;
  secret?: string | undefined;
  password?: string | undefined;
  uid?: string | undefined;
  privateKey?: string | undefined;
  walletAddress?: string | undefined;
  token?: string | undefined;
}

export abstract class Exchange {
  static spec: ExchangeSpec;
  /** Loads the exchange's ws.ts handler; set by exchanges that stream. */
  static streams?: () => Promise<StreamHandlerClass>;

  readonly spec: ExchangeSpec;
  timeout: number;
  enableRateLimit: boolean;
  rateLimit: number;
  verbose: boolean;
  headers: Record<string, string> | undefined;
  userAgent: string | false;
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  /** Response headers of the last request (rate-limit usage lives there). */
  lastResponseHeaders: Record<string, string> | undefined;

  #secrets: Secrets = {};
  #config: ExchangeConfig;
  #options: Dict | undefined;
  #urls: Urls | undefined;
  #store = new MarketStore();
  #marketsLoading: Promise<Record<string, Market>> | undefined;
  #throttler: Throttler | undefined;
  #fetch: FetchLike | undefined;
  #dispatcher: unknown;
  #lastNonce = 0;
  #sandbox = false;
  #streams: Promise<StreamHandlerLike> | undefined;
  /** The handler once loaded: watch calls then reach it synchronously, in the order they were made. */
  #handler: StreamHandlerLike | undefined;

  constructor(config: ExchangeConfig = {}) {
    const cls = this.constructor as unknown as ExchangeClass;
    this.spec = cls.spec;
    this.#config = config;
    this.timeout = config.timeout ?? 10_000;
    this.enableRateLimit = config.enableRateLimit ?? true;
    this.rateLimit = config.rateLimit ?? this.spec.rateLimit;
    this.verbose = config.verbose ?? false;
    this.headers = config.headers;
    this.userAgent = config.userAgent ?? DEFAULT_USER_AGENT;
    this.httpProxy = config.httpProxy;
    this.httpsProxy = config.httpsProxy;
    this.lastResponseHeaders = undefined;
    this.#secrets = {
      apiKey: config.apiKey,
      secret: config.secret,
      password: config.password,
      uid: config.uid,
      privateKey: config.privateKey,
      walletAddress: config.walletAddress,
      token: config.token,
    };
    this.#fetch = config.fetch;
    if (!implicitInstalled.has(cls)) installImplicitApi(cls);
    if (config.sandbox === true) this.setSandboxMode(true);
  }

  // ---- identity ----
  get id(): string {
    return this.spec.id;
  }
  get name(): string {
    return this.spec.name;
  }
  get countries(): readonly string[] {
    return this.spec.countries;
  }
  get version(): string | undefined {
    return this.spec.version;
  }
  get precisionMode(): number {
    return this.spec.precisionMode;
  }
  get timeframes(): Record<string, string | number> {
    return this.spec.timeframes ?? {};
  }
  get has(): Has {
    return hasOf(this.constructor as unknown as ExchangeClass);
  }
  get options(): Dict {
    this.#options ??= deepExtend(this.spec.options, this.#config.options);
    return this.#options;
  }
  set options(value: Dict) {
    this.#options = value;
  }
  get urls(): Urls {
    this.#urls ??= deepExtend<Urls>(this.spec.urls as unknown as Dict, this.#config.urls as Dict | undefined);
    return this.#urls;
  }
  set urls(value: Urls) {
    this.#urls = value;
  }

  // ---- credentials: kept in a private field so they never reach JSON.stringify, util.inspect or errors ----
  get apiKey(): string | undefined {
    return this.#secrets.apiKey;
  }
  set apiKey(v: string | undefined) {
    this.#secrets.apiKey = v;
  }
  get secret(): string | undefined {
    return this.#secrets.secret;
  }
  set secret(v: string | undefined) {
    this.#secrets.secret = v;
  }
  get password(): string | undefined {
    return this.#secrets.password;
  }
  set password(v: string | undefined) {
    this.#secrets.password = v;
  }
  get uid(): string | undefined {
    return this.#secrets.uid;
  }
  set uid(v: string | undefined) {
    this.#secrets.uid = v;
  }
  get privateKey(): string | undefined {
    return this.#secrets.privateKey;
  }
  set privateKey(v: string | undefined) {
    this.#secrets.privateKey = v;
  }
  get walletAddress(): string | undefined {
    return this.#secrets.walletAddress;
  }
  set walletAddress(v: string | undefined) {
    this.#secrets.walletAddress = v;
  }
  get token(): string | undefined {
    return this.#secrets.token;
  }
  set token(v: string | undefined) {
    this.#secrets.token = v;
  }

  /** Throws AuthenticationError before anything is sent when a credential the spec requires is missing. */
  checkRequiredCredentials(): void {
    const required = this.spec.requiredCredentials ?? { apiKey: true, secret: true };
    for (const [key, needed] of Object.entries(required)) {
      if (needed !== true) continue;
      const v = this.#secrets[key as keyof Secrets];
      if (v === undefined || v === '') {
        throw new AuthenticationError(`${this.id} requires "${key}" credential`, { exchange: this.id });
      }
    }
  }

  toJSON(): Dict {
    return { id: this.id, name: this.name, version: this.version, markets: this.#store.symbols.length };
  }
  [inspect.custom](): string {
    return `${this.constructor.name} { id: '${this.id}', markets: ${this.#store.symbols.length} }`;
  }

  // ---- time and nonces ----
  milliseconds(): number {
    return Math.trunc((this.#config.now ?? Date.now)());
  }
  seconds(): number {
    return Math.trunc(this.milliseconds() / 1000);
  }
  /** Strictly increasing under concurrency, even when the clock stalls or steps back. */
  nonce(): number {
    const now = this.milliseconds();
    this.#lastNonce = now > this.#lastNonce ? now : this.#lastNonce + 1;
    return this.#lastNonce;
  }
  iso8601(ms: number | undefined): string | undefined {
    return iso8601(ms);
  }
  parse8601(s: unknown): number | undefined {
    return parse8601(s);
  }

  // ---- markets ----
  get markets(): Record<string, Market> {
    return this.#store.markets;
  }
  get marketsById(): Record<string, Market[]> {
    return this.#store.marketsById;
  }
  get markets_by_id(): Record<string, Market[]> {
    return this.#store.marketsById;
  }
  get symbols(): string[] {
    return this.#store.symbols;
  }
  get ids(): string[] {
    return this.#store.ids;
  }
  get currencies(): Record<string, Currency> {
    return this.#store.currencies;
  }
  get currenciesById(): Record<string, Currency> {
    return this.#store.currenciesById;
  }
  get codes(): string[] {
    return this.#store.codes;
  }

  setMarkets(
    markets: Market[] | Record<string, Market>,
    currencies?: Currency[] | Record<string, Currency>,
  ): Record<string, Market> {
    this.#store.set(markets, currencies);
    return this.#store.markets;
  }

  async loadMarkets(reload = false, params: Dict = {}): Promise<Record<string, Market>> {
    if (!reload && this.#store.loaded) return this.#store.markets;
    if (!reload && this.#marketsLoading !== undefined) return this.#marketsLoading;
    const loading = (async () => {
      const currencies = this.has.fetchCurrencies === true ? await this.fetchCurrencies(params) : undefined;
      if (currencies !== undefined) this.#store.setCurrencies(currencies);
      const markets = await this.fetchMarkets(params);
      return this.setMarkets(markets, currencies);
    })();
    this.#marketsLoading = loading;
    try {
      return await loading;
    } finally {
      this.#marketsLoading = undefined;
    }
  }

  market(symbol: string): Market {
    const m = this.#store.markets[symbol];
    if (m !== undefined) return m;
    if (!this.#store.loaded) throw new ExchangeError(`${this.id} markets not loaded`, { exchange: this.id });
    const byId = this.#store.marketsById[symbol];
    if (byId?.[0] !== undefined) return byId[0];
    throw new BadSymbol(`${this.id} does not have market symbol ${symbol}`, { exchange: this.id });
  }

  marketId(symbol: string): string {
    return this.market(symbol).id;
  }

  /**
   * Market for an exchange id seen in a response. Unknown ids still yield a usable symbol
   * (split on `delimiter` when given) so parsing never throws on a new listing.
   */
  safeMarket(marketId: string | undefined, market?: Market, delimiter?: string, marketType?: string): Market {
    if (marketId !== undefined) {
      const found = this.#store.marketsById[marketId];
      if (found !== undefined && found.length > 0) {
        if (found.length === 1 || (market === undefined && marketType === undefined)) return found[0]!;
        const type = marketType ?? market?.type;
        return (
          found.find((m) => m.type === type) ?? (market !== undefined && found.includes(market) ? market : found[0]!)
        );
      }
      if (market === undefined || market.id !== marketId) {
        let base = marketId;
        let quote = '';
        if (delimiter !== undefined && marketId.includes(delimiter)) {
          const [b, q] = marketId.split(delimiter);
          base = this.safeCurrencyCode(b) ?? b ?? marketId;
          quote = this.safeCurrencyCode(q) ?? q ?? '';
        }
        const symbol = quote === '' ? marketId : `${base}/${quote}`;
        return {
          id: marketId,
          symbol,
          base,
          quote,
          baseId: base,
          quoteId: quote,
          type: 'spot',
          spot: true,
          margin: false,
          swap: false,
          future: false,
          option: false,
          active: undefined,
          contract: false,
          precision: {},
          limits: {},
          info: undefined,
        };
      }
    }
    if (market !== undefined) return market;
    return {
      id: '',
      symbol: '',
      base: '',
      quote: '',
      baseId: '',
      quoteId: '',
      type: 'spot',
      spot: true,
      margin: false,
      swap: false,
      future: false,
      option: false,
      active: undefined,
      contract: false,
      precision: {},
      limits: {},
      info: undefined,
    };
  }

  safeSymbol(
    marketId: string | undefined,
    market?: Market,
    delimiter?: string,
    marketType?: string,
  ): string | undefined {
    if (marketId === undefined && market === undefined) return undefined;
    const s = this.safeMarket(marketId, market, delimiter, marketType).symbol;
    return s === '' ? undefined : s;
  }

  currency(code: string): Currency {
    const c = this.#store.currencies[code] ?? this.#store.currenciesById[code];
    if (c !== undefined) return c;
    throw new BadRequest(`${this.id} does not have currency code ${code}`, { exchange: this.id });
  }

  /** Exchange currency id -> unified code (XBT -> BTC and the like). */
  safeCurrencyCode(currencyId: string | undefined, currency?: Currency): string | undefined {
    if (currencyId === undefined || currencyId === '') return currency?.code;
    const known = this.#store.currenciesById[currencyId];
    if (known !== undefined) return known.code;
    return this.commonCurrencyCode(currencyId.toUpperCase());
  }

  commonCurrencyCode(code: string): string {
    return this.spec.commonCurrencies?.[code] ?? code;
  }

  // ---- precision (exact decimal strings) ----
  amountToPrecision(symbol: string, amount: number | string): string {
    const market = this.market(symbol);
    const out = this.toPrecision(amount, TRUNCATE, market.precision.amount);
    if (dIsZero(out)) {
      throw new InvalidOrder(
        `${this.id} amount of ${symbol} must be greater than minimum amount precision of ${market.precision.amount}`,
        { exchange: this.id },
      );
    }
    return out;
  }
  priceToPrecision(symbol: string, price: number | string): string {
    return this.toPrecision(price, ROUND, this.market(symbol).precision.price);
  }
  costToPrecision(symbol: string, cost: number | string): string {
    const m = this.market(symbol);
    return this.toPrecision(cost, TRUNCATE, m.precision.cost ?? m.precision.price);
  }
  currencyToPrecision(code: string, amount: number | string): string {
    return this.toPrecision(amount, ROUND, this.currency(code).precision);
  }
  private toPrecision(x: number | string, rounding: number, precision: number | undefined): string {
    if (typeof x === 'number' && !Number.isFinite(x)) {
      throw new InvalidOrder(`${this.id} invalid number ${x}`, { exchange: this.id });
    }
    try {
      if (precision === undefined) return decimalToPrecision(x, rounding, 18, DECIMAL_PLACES, NO_PADDING);
      return decimalToPrecision(
        x,
        rounding,
        precision,
        this.precisionMode === TICK_SIZE ? TICK_SIZE : this.precisionMode,
        NO_PADDING,
      );
    } catch (e) {
      throw new InvalidOrder(`${this.id} invalid number ${String(x)}: ${(e as Error).message}`, { exchange: this.id });
    }
  }

  // ---- input checks: nothing leaves with bad input ----
  /** Validates createOrder arguments; returns the market. Exchanges call this first. */
  checkOrder(symbol: string, type: string, side: string, amount: unknown, price: unknown): Market {
    const market = this.market(symbol);
    if (side !== 'buy' && side !== 'sell') {
      throw new InvalidOrder(`${this.id} order side must be "buy" or "sell", got ${String(side)}`, {
        exchange: this.id,
      });
    }
    if (typeof type !== 'string' || type === '') {
      throw new InvalidOrder(`${this.id} order type is required`, { exchange: this.id });
    }
    this.checkPositive('amount', amount, true);
    if (type === 'limit' && (price === undefined || price === null)) {
      throw new ArgumentsRequired(`${this.id} a limit order requires a price`, { exchange: this.id });
    }
    if (price !== undefined && price !== null) this.checkPositive('price', price, true);
    return market;
  }

  /** A finite positive number or decimal string; throws InvalidOrder otherwise (ArgumentsRequired when absent). */
  checkPositive(name: string, value: unknown, required: boolean): void {
    if (value === undefined || value === null) {
      if (required) throw new ArgumentsRequired(`${this.id} ${name} is required`, { exchange: this.id });
      return;
    }
    const n =
      typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(n) || n <= 0) {
      throw new InvalidOrder(`${this.id} ${name} must be a positive finite number, got ${String(value)}`, {
        exchange: this.id,
      });
    }
  }

  requireArgument(name: string, value: unknown, method: string): void {
    if (value === undefined || value === null || value === '') {
      throw new ArgumentsRequired(`${this.id} ${method}() requires a ${name} argument`, { exchange: this.id });
    }
  }

  // ---- sandbox ----
  setSandboxMode(enabled: boolean): void {
    if (enabled === this.#sandbox) return;
    const test = this.spec.urls.test;
    if (enabled && test === undefined) {
      throw new NotSupported(`${this.id} has no testnet / sandbox urls`, { exchange: this.id });
    }
    const urls = this.urls;
    // Websocket bases switch with the REST ones where the spec names sandbox ones (urls.wsTest).
    const wsTest = urls['wsTest'] as Urls['ws'] | undefined;
    if (enabled) {
      urls['apiBackup'] = urls.api;
      urls.api = { ...urls.api, ...test };
      if (wsTest !== undefined) {
        urls['wsBackup'] = urls.ws;
        urls.ws = typeof wsTest === 'string' || typeof urls.ws === 'string' ? wsTest : { ...urls.ws, ...wsTest };
      }
    } else {
      urls.api = (urls['apiBackup'] as Record<string, string> | undefined) ?? this.spec.urls.api;
      const ws = (urls['wsBackup'] as Urls['ws']) ?? this.spec.urls.ws;
      if (wsTest !== undefined && ws !== undefined) urls.ws = ws;
    }
    this.#sandbox = enabled;
  }
  get sandbox(): boolean {
    return this.#sandbox;
  }

  // ---- request pipeline ----
  /** Turns an endpoint call into a concrete HTTP request. Exchanges override this for signing. */
  sign(
    path: string,
    api: string,
    method: string,
    params: Dict,
    headers?: Record<string, string>,
    body?: string,
  ): SignedRequest {
    let url = `${this.apiUrl(api)}/${path}`;
    const query = urlencodeParams(params);
    if (method === 'GET' || method === 'DELETE') {
      if (query !== '') url += `?${query}`;
      return { url, method, headers };
    }
    return {
      url,
      method,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: body ?? query,
    };
  }

  apiUrl(api: string): string {
    const base = this.urls.api[api];
    if (base === undefined) throw new NotSupported(`${this.id} has no url for api "${api}"`, { exchange: this.id });
    return base;
  }

  async request(
    path: string,
    api = 'public',
    method = 'GET',
    params: Dict = {},
    headers?: Record<string, string>,
    body?: string,
    config: RequestConfig = {},
  ): Promise<any> {
    if (this.enableRateLimit) await this.throttle(config.cost ?? 1, config.bucket);
    const { path: imploded, rest } = implodePath(path, params);
    const signed = this.sign(imploded, api, method.toUpperCase(), rest, headers, body);
    return this.fetchSigned(signed);
  }

  async throttle(cost = 1, bucket?: string): Promise<void> {
    if (this.#throttler === undefined) {
      const opts: ConstructorParameters<typeof Throttler>[0] = {
        rateLimit: this.rateLimit,
        capacity: this.spec.rateLimitCapacity ?? 1,
        onOverflow: () => new RateLimitExceeded(`${this.id} request queue is full`, { exchange: this.id }),
      };
      if (this.spec.rateLimitBuckets !== undefined) opts.buckets = this.spec.rateLimitBuckets;
      if (this.#config.throttleStore !== undefined) opts.store = this.#config.throttleStore;
      this.#throttler = new Throttler(opts);
    }
    await this.#throttler.take(cost, bucket);
  }

  get throttler(): Throttler | undefined {
    return this.#throttler;
  }

  async fetchSigned(signed: SignedRequest): Promise<any> {
    const headers: Record<string, string> = { ...this.headers, ...signed.headers };
    if (this.userAgent !== false && headers['User-Agent'] === undefined) headers['User-Agent'] = this.userAgent;
    const req: HttpRequest = { url: signed.url, method: signed.method, headers, body: signed.body };
    if (this.verbose)
      this.log(
        'request',
        signed.method,
        this.redact(redactUrl(signed.url)),
        this.redactHeaders(headers),
        this.redact(signed.body ?? ''),
      );
    const fetchImpl = await this.getFetch();
    const res = await httpFetch(fetchImpl, req, this.timeout, { exchange: this.id }, this.#dispatcher);
    this.lastResponseHeaders = res.headers;
    if (this.verbose)
      this.log('response', res.status, signed.method, redactUrl(signed.url), this.redact(res.text.slice(0, 2000)));
    return this.handleResponse(res, req);
  }

  /** Status and body checks; exchange tables first, then HTTP status, then body shape. */
  handleResponse(res: HttpResponse, req: HttpRequest): any {
    const text = res.text;
    const trimmed = text.trimStart();
    const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('"');
    const json = looksJson ? parseJson(text) : undefined;
    const details: ErrorDetails = { exchange: this.id, status: res.status };
    this.handleErrors(res.status, res.statusText, req.url, req.method, res.headers, text, json, req);
    if (res.status >= 400 || res.status < 200) this.handleHttpStatus(res, json, details);
    if (json === undefined) {
      if (text === '' || trimmed === '') return this.emptyResponse(details);
      if (looksJson)
        throw new BadResponse(`${this.id} returned invalid or truncated JSON: ${text.slice(0, 200)}`, details);
      if (/maintenance|maintainance/i.test(text)) throw new OnMaintenance(`${this.id} is under maintenance`, details);
      if (trimmed.startsWith('<'))
        throw new ExchangeNotAvailable(`${this.id} returned an HTML page: ${text.slice(0, 200)}`, details);
      return this.nonJsonResponse(text, details);
    }
    return json;
  }

  /** Exchanges whose endpoints answer plain text override this; by default it is a bad response. */
  nonJsonResponse(text: string, details: ErrorDetails): unknown {
    throw new BadResponse(`${this.id} returned a non-JSON body: ${this.snippet(text)}`, details);
  }
  /** A piece of a response body fit for an error message: short, secrets and signatures removed. */
  snippet(text: string, length = 300): string {
    return this.redact(redactUrl(text.slice(0, length)));
  }
  emptyResponse(details: ErrorDetails): unknown {
    throw new NullResponse(`${this.id} returned an empty body`, details);
  }

  handleHttpStatus(res: HttpResponse, json: unknown, details: ErrorDetails): never {
    const status = res.status;
    const snippet = this.snippet(res.text);
    const mapped = this.spec.httpExceptions?.[String(status)];
    if (mapped !== undefined) throw new errorClasses[mapped](`${this.id} ${status} ${snippet}`, details);
    if (status === 429) {
      this.backOff(res.headers);
      throw new RateLimitExceeded(`${this.id} 429 Too Many Requests ${snippet}`, details);
    }
    if (status === 418) {
      this.backOff(res.headers);
      throw new DDoSProtection(`${this.id} 418 (IP banned for exceeding rate limits) ${snippet}`, details);
    }
    if (status === 401) throw new AuthenticationError(`${this.id} 401 ${snippet}`, details);
    if (status === 403) {
      if (/cloudflare|ddos|captcha/i.test(res.text)) throw new DDoSProtection(`${this.id} 403 ${snippet}`, details);
      throw new PermissionDenied(`${this.id} 403 ${snippet}`, details);
    }
    if (status === 408 || status === 504) throw new RequestTimeout(`${this.id} ${status} ${snippet}`, details);
    if (status === 503 && /maintenance/i.test(res.text)) throw new OnMaintenance(`${this.id} 503 ${snippet}`, details);
    if (status >= 500) throw new ExchangeNotAvailable(`${this.id} ${status} ${snippet}`, details);
    if (status === 404 && json === undefined) throw new ExchangeNotAvailable(`${this.id} 404 ${snippet}`, details);
    if (status >= 400) throw new BadRequest(`${this.id} ${status} ${snippet}`, details);
    throw new BadResponse(`${this.id} unexpected status ${status} ${snippet}`, details);
  }

  private backOff(headers: Record<string, string>): void {
    const retryAfter = Number(headers['retry-after']);
    if (this.#throttler !== undefined && Number.isFinite(retryAfter) && retryAfter > 0) {
      this.#throttler.penalize(retryAfter * 1000);
    }
  }

  /**
   * Exchange-specific error detection on every response (also 200s that carry an error payload).
   * Throw to signal an error; return to continue with the default checks.
   */
  handleErrors(
    _status: number,
    _statusText: string,
    _url: string,
    _method: string,
    _responseHeaders: Record<string, string>,
    _body: string,
    _json: any,
    _request: HttpRequest,
  ): void {}

  /** Throws the class mapped to `key` in spec.exceptions.exact, if any. */
  throwExactlyMatched(key: string | number | undefined, message: string, status?: number): void {
    if (key === undefined) return;
    const name = this.spec.exceptions?.exact?.[String(key)];
    if (name !== undefined) throw this.makeError(name, message, key, status);
  }
  /** Throws the class of the first spec.exceptions.broad substring found in `text`, if any. */
  throwBroadlyMatched(text: string | undefined, message: string, code?: string | number, status?: number): void {
    if (text === undefined) return;
    const broad = this.spec.exceptions?.broad;
    if (broad === undefined) return;
    for (const [needle, name] of Object.entries(broad)) {
      if (text.includes(needle)) throw this.makeError(name, message, code, status);
    }
  }
  makeError(name: ErrorName, message: string, code?: string | number, status?: number): BaseError {
    const cls: ErrorClass = errorClasses[name];
    return new cls(`${this.id} ${this.snippet(message, 500)}`, { exchange: this.id, code, status });
  }

  // ---- transport plumbing ----
  private async getFetch(): Promise<FetchLike> {
    if (this.#fetch !== undefined) return this.#fetch;
    const proxy = this.httpsProxy ?? this.httpProxy;
    if (proxy !== undefined) {
      const undici = await import('undici');
      this.#dispatcher = new undici.ProxyAgent(proxy);
      this.#fetch = undici.fetch as unknown as FetchLike;
      return this.#fetch;
    }
    this.#fetch = globalThis.fetch as unknown as FetchLike;
    return this.#fetch;
  }

  log(...args: unknown[]): void {
    (this.#config.log ?? console.log)(...args);
  }

  /** Replaces every configured secret in `text` with ***. */
  redact(text: string): string {
    let out = text;
    for (const v of Object.values(this.#secrets)) {
      if (typeof v === 'string' && v.length >= 4) out = out.split(v).join('***');
    }
    return out;
  }
  private redactHeaders(headers: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) {
      out[k] = /key|sign|secret|pass|token|auth|nonce|timestamp/i.test(k) ? '***' : this.redact(v);
    }
    return out;
  }

  // ---- unified API: everything exists; what an exchange does not implement throws NotSupported ----
  protected notSupported(method: string): never {
    throw new NotSupported(`${this.id} ${method}() is not supported yet`, { exchange: this.id });
  }
  async fetchMarkets(_params?: Dict): Promise<Market[]> {
    return this.notSupported('fetchMarkets');
  }
  /** Undefined when the exchange cannot tell (e.g. the endpoint needs keys): currencies then come from markets. */
  async fetchCurrencies(_params?: Dict): Promise<Record<string, Currency> | undefined> {
    return this.notSupported('fetchCurrencies');
  }
  async fetchTicker(_symbol: string, _params?: Dict): Promise<Ticker> {
    return this.notSupported('fetchTicker');
  }
  async fetchTickers(_symbols?: string[], _params?: Dict): Promise<Tickers> {
    return this.notSupported('fetchTickers');
  }
  async fetchOrderBook(_symbol: string, _limit?: number, _params?: Dict): Promise<OrderBook> {
    return this.notSupported('fetchOrderBook');
  }
  async fetchTrades(_symbol: string, _since?: number, _limit?: number, _params?: Dict): Promise<Trade[]> {
    return this.notSupported('fetchTrades');
  }
  async fetchOHLCV(
    _symbol: string,
    _timeframe?: string,
    _since?: number,
    _limit?: number,
    _params?: Dict,
  ): Promise<OHLCV[]> {
    return this.notSupported('fetchOHLCV');
  }
  async fetchTime(_params?: Dict): Promise<number> {
    return this.notSupported('fetchTime');
  }
  async fetchStatus(_params?: Dict): Promise<ExchangeStatus> {
    return this.notSupported('fetchStatus');
  }
  async fetchBalance(_params?: Dict): Promise<Balances> {
    return this.notSupported('fetchBalance');
  }
  async createOrder(
    _symbol: string,
    _type: string,
    _side: OrderSide,
    _amount: number,
    _price?: number,
    _params?: Dict,
  ): Promise<Order> {
    return this.notSupported('createOrder');
  }
  async editOrder(
    _id: string,
    _symbol: string,
    _type: string,
    _side: OrderSide,
    _amount?: number,
    _price?: number,
    _params?: Dict,
  ): Promise<Order> {
    return this.notSupported('editOrder');
  }
  async cancelOrder(_id: string, _symbol?: string, _params?: Dict): Promise<Order> {
    return this.notSupported('cancelOrder');
  }
  async cancelAllOrders(_symbol?: string, _params?: Dict): Promise<Order[]> {
    return this.notSupported('cancelAllOrders');
  }
  async fetchOrder(_id: string, _symbol?: string, _params?: Dict): Promise<Order> {
    return this.notSupported('fetchOrder');
  }
  async fetchOrders(_symbol?: string, _since?: number, _limit?: number, _params?: Dict): Promise<Order[]> {
    return this.notSupported('fetchOrders');
  }
  async fetchOpenOrders(_symbol?: string, _since?: number, _limit?: number, _params?: Dict): Promise<Order[]> {
    return this.notSupported('fetchOpenOrders');
  }
  async fetchClosedOrders(_symbol?: string, _since?: number, _limit?: number, _params?: Dict): Promise<Order[]> {
    return this.notSupported('fetchClosedOrders');
  }
  async fetchCanceledOrders(_symbol?: string, _since?: number, _limit?: number, _params?: Dict): Promise<Order[]> {
    return this.notSupported('fetchCanceledOrders');
  }
  async fetchMyTrades(_symbol?: string, _since?: number, _limit?: number, _params?: Dict): Promise<Trade[]> {
    return this.notSupported('fetchMyTrades');
  }
  async fetchOrderTrades(
    _id: string,
    _symbol?: string,
    _since?: number,
    _limit?: number,
    _params?: Dict,
  ): Promise<Trade[]> {
    return this.notSupported('fetchOrderTrades');
  }
  async fetchDepositAddress(_code: string, _params?: Dict): Promise<DepositAddress> {
    return this.notSupported('fetchDepositAddress');
  }
  async createDepositAddress(_code: string, _params?: Dict): Promise<DepositAddress> {
    return this.notSupported('createDepositAddress');
  }
  async fetchDeposits(_code?: string, _since?: number, _limit?: number, _params?: Dict): Promise<Transaction[]> {
    return this.notSupported('fetchDeposits');
  }
  async fetchWithdrawals(_code?: string, _since?: number, _limit?: number, _params?: Dict): Promise<Transaction[]> {
    return this.notSupported('fetchWithdrawals');
  }
  async fetchDepositsWithdrawals(
    _code?: string,
    _since?: number,
    _limit?: number,
    _params?: Dict,
  ): Promise<Transaction[]> {
    return this.notSupported('fetchDepositsWithdrawals');
  }
  async withdraw(
    _code: string,
    _amount: number,
    _address: string,
    _tag?: string,
    _params?: Dict,
  ): Promise<Transaction> {
    return this.notSupported('withdraw');
  }
  async fetchTradingFee(_symbol: string, _params?: Dict): Promise<TradingFee> {
    return this.notSupported('fetchTradingFee');
  }
  async fetchTradingFees(_params?: Dict): Promise<TradingFees> {
    return this.notSupported('fetchTradingFees');
  }
  async fetchDepositWithdrawFees(_codes?: string[], _params?: Dict): Promise<Record<string, DepositWithdrawFee>> {
    return this.notSupported('fetchDepositWithdrawFees');
  }
  /** One currency's fees, from fetchDepositWithdrawFees where the exchange has only that (emulated, as in CCXT). */
  async fetchDepositWithdrawFee(code: string, params: Dict = {}): Promise<DepositWithdrawFee> {
    if (this.has.fetchDepositWithdrawFees !== true) this.notSupported('fetchDepositWithdrawFee');
    this.requireArgument('code', code, 'fetchDepositWithdrawFee');
    const fee = (await this.fetchDepositWithdrawFees([code], params))[code];
    if (fee === undefined)
      throw new ExchangeError(`${this.id} has no deposit or withdrawal fee for ${code}`, { exchange: this.id });
    return fee;
  }
  async fetchTransactionFees(_codes?: string[], _params?: Dict): Promise<TransactionFees> {
    return this.notSupported('fetchTransactionFees');
  }
  /** Kill switch: cancels every open order unless called again within `timeout` ms (0 disarms it). */
  async cancelAllOrdersAfter(_timeout: number, _params?: Dict): Promise<unknown> {
    return this.notSupported('cancelAllOrdersAfter');
  }
  async fetchLedger(_code?: string, _since?: number, _limit?: number, _params?: Dict): Promise<LedgerEntry[]> {
    return this.notSupported('fetchLedger');
  }
  async transfer(
    _code: string,
    _amount: number,
    _fromAccount: string,
    _toAccount: string,
    _params?: Dict,
  ): Promise<unknown> {
    return this.notSupported('transfer');
  }

  // ---- streaming: the exchange's ws.ts is loaded on the first watch call only ----
  private async streamHandler(method: WatchMethod): Promise<StreamHandlerLike> {
    const load = (this.constructor as unknown as ExchangeClass).streams;
    if (this.has[method] !== true || load === undefined) this.notSupported(method);
    this.#streams ??= load().then((Handler) => (this.#handler = new Handler(this)));
    return this.#streams;
  }
  watchTicker(symbol: string, params?: Dict): Promise<Ticker> {
    return this.#watch('watchTicker', [symbol], (h) => h.watchTicker!(symbol, params));
  }
  watchTickers(symbols?: string[], params?: Dict): Promise<Tickers> {
    return this.#watch('watchTickers', [symbols], (h) => h.watchTickers!(symbols, params));
  }
  watchOrderBook(symbol: string, limit?: number, params?: Dict): Promise<OrderBook> {
    return this.#watch('watchOrderBook', [symbol], (h) => h.watchOrderBook!(symbol, limit, params));
  }
  watchTrades(symbol: string, since?: number, limit?: number, params?: Dict): Promise<Trade[]> {
    return this.#watch('watchTrades', [symbol], (h) => h.watchTrades!(symbol, since, limit, params));
  }
  watchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number, params?: Dict): Promise<OHLCV[]> {
    return this.#watch('watchOHLCV', [symbol, timeframe], (h) =>
      h.watchOHLCV!(symbol, timeframe, since, limit, params),
    );
  }
  watchBalance(params?: Dict): Promise<Balances> {
    return this.#watch('watchBalance', [], (h) => h.watchBalance!(params));
  }
  watchOrders(symbol?: string, since?: number, limit?: number, params?: Dict): Promise<Order[]> {
    return this.#watch('watchOrders', [symbol], (h) => h.watchOrders!(symbol, since, limit, params));
  }
  watchMyTrades(symbol?: string, since?: number, limit?: number, params?: Dict): Promise<Trade[]> {
    return this.#watch('watchMyTrades', [symbol], (h) => h.watchMyTrades!(symbol, since, limit, params));
  }

  /** A plain watch call: pins its subscription, then (once loaded) goes straight to the handler, no promise hops. */
  #watch<T>(method: WatchMethod, named: unknown[], call: (h: StreamHandlerLike) => Promise<T>): Promise<T> {
    this.#pin(method, named);
    const h = this.#handler;
    if (h !== undefined && this.has[method] === true) return call(h);
    return this.streamHandler(method).then(call);
  }

  // ---- several symbols in one call (CCXT's *ForSymbols), over the one-symbol watches ----

  /** The next book of any of `symbols` (each symbol's updates queue: none is lost between calls). */
  async watchOrderBookForSymbols(symbols: string[], limit?: number, params?: Dict): Promise<OrderBook> {
    const [, book] = await this.#forSymbols('watchOrderBook', symbols, (s) => this.watchOrderBook(s, limit, params));
    return book;
  }
  /** The next trades of any of `symbols`, one symbol's at a time. */
  async watchTradesForSymbols(symbols: string[], since?: number, limit?: number, params?: Dict): Promise<Trade[]> {
    const [, trades] = await this.#forSymbols('watchTrades', symbols, (s) => this.watchTrades(s, since, limit, params));
    return trades;
  }
  /** `[[symbol, timeframe], ...]` -> `{ symbol: { timeframe: candles } }` for the pair that updated. */
  async watchOHLCVForSymbols(
    symbolsAndTimeframes: string[][],
    since?: number,
    limit?: number,
    params?: Dict,
  ): Promise<Record<string, Record<string, OHLCV[]>>> {
    const keys = symbolsAndTimeframes.map(([symbol, timeframe]) => {
      if (typeof symbol !== 'string')
        throw new ArgumentsRequired(`${this.id} watchOHLCVForSymbols() needs [symbol, timeframe] pairs`, {
          exchange: this.id,
        });
      return `${symbol}\u0000${timeframe ?? '1m'}`;
    });
    const [key, candles] = await this.#forSymbols('watchOHLCV', keys, (k) => {
      const [symbol, timeframe] = k.split('\u0000') as [string, string];
      return this.watchOHLCV(symbol, timeframe, since, limit, params);
    });
    const [symbol, timeframe] = key.split('\u0000') as [string, string];
    return { [this.#store.markets[symbol]?.symbol ?? symbol]: { [timeframe]: candles } };
  }
  async unWatchOrderBookForSymbols(symbols: string[], params: Dict = {}): Promise<boolean> {
    this.#multi.delete(`watchOrderBook ${[...symbols].sort().join(',')}`);
    for (const s of symbols) await this.unWatchOrderBook(s, params);
    return true;
  }
  async unWatchTradesForSymbols(symbols: string[], params: Dict = {}): Promise<boolean> {
    this.#multi.delete(`watchTrades ${[...symbols].sort().join(',')}`);
    for (const s of symbols) await this.unWatchTrades(s, params);
    return true;
  }
  async unWatchOHLCVForSymbols(symbolsAndTimeframes: string[][], params: Dict = {}): Promise<boolean> {
    const keys = symbolsAndTimeframes.map(([symbol, timeframe]) => `${symbol}\u0000${timeframe ?? '1m'}`);
    this.#multi.delete(`watchOHLCV ${[...keys].sort().join(',')}`);
    for (const [symbol, timeframe] of symbolsAndTimeframes) await this.unWatchOHLCV(symbol!, timeframe ?? '1m', params);
    return true;
  }

  /**
   * One watch call per key stays in flight between calls: each call answers with whichever settles first and starts
   * that key's next call, so an update of a symbol that did not win waits for the next call instead of being lost.
   */
  async #forSymbols<T>(method: WatchMethod, keys: string[], start: (key: string) => Promise<T>): Promise<[string, T]> {
    if (keys.length === 0)
      throw new ArgumentsRequired(`${this.id} ${method}ForSymbols() needs a list of symbols`, { exchange: this.id });
    if (this.has[method] !== true) this.notSupported(`${method}ForSymbols`);
    const group = `${method} ${[...new Set(keys)].sort().join(',')}`;
    let inFlight = this.#multi.get(group) as Map<string, Promise<Settled<T>>> | undefined;
    if (inFlight === undefined) {
      inFlight = new Map();
      this.#multi.set(group, inFlight as Map<string, Promise<Settled<unknown>>>);
    }
    for (const key of keys) {
      if (inFlight.has(key)) continue;
      const call: Promise<Settled<T>> = start(key).then(
        (value) => ({ key, value, from: call }),
        (error: unknown) => ({ key, error, from: call }),
      );
      inFlight.set(key, call);
    }
    const first = await Promise.race(inFlight.values());
    // the key's next call starts with the next answer (unless a concurrent caller already moved it on)
    if (inFlight.get(first.key) === first.from) inFlight.delete(first.key);
    if ('error' in first) throw first.error;
    return [first.key, first.value];
  }
  /** In-flight calls of the *ForSymbols groups (see #forSymbols). */
  #multi = new Map<string, Map<string, Promise<Settled<unknown>>>>();

  // ---- ending streams (CCXT's unWatch* methods) ----

  /** Stops the ticker stream of `symbol` unless an iterator still runs on it; its pending calls reject. */
  async unWatchTicker(symbol: string, _params: Dict = {}): Promise<boolean> {
    return this.#unWatch('watchTicker', [symbol]);
  }
  async unWatchTickers(symbols?: string[], _params: Dict = {}): Promise<boolean> {
    return this.#unWatch('watchTickers', [symbols]);
  }
  async unWatchOrderBook(symbol: string, _params: Dict = {}): Promise<boolean> {
    return this.#unWatch('watchOrderBook', [symbol]);
  }
  async unWatchTrades(symbol: string, _params: Dict = {}): Promise<boolean> {
    return this.#unWatch('watchTrades', [symbol]);
  }
  async unWatchOHLCV(symbol: string, timeframe = '1m', _params: Dict = {}): Promise<boolean> {
    return this.#unWatch('watchOHLCV', [symbol, timeframe]);
  }
  async unWatchOrders(symbol?: string, _params: Dict = {}): Promise<boolean> {
    return this.#unWatch('watchOrders', [symbol]);
  }
  async unWatchMyTrades(symbol?: string, _params: Dict = {}): Promise<boolean> {
    return this.#unWatch('watchMyTrades', [symbol]);
  }

  /**
   * The same updates as an async iterator: `for await (const book of ex.stream('orderBook', 'BTC/USD'))`.
   * Breaking out of the loop stops that stream unless another iterator, or a plain watch call, still uses it
   * (other streams and the connection stay either way).
   */
  async *stream(kind: StreamKind, ...args: unknown[]): AsyncGenerator<any, void, undefined> {
    const method = STREAM_KINDS[kind];
    const handler = await this.streamHandler(method);
    const watch = handler[method] as (...a: unknown[]) => Promise<unknown>;
    const entry = this.#watchEntry(method, args);
    entry.holders++;
    try {
      while (true) yield await watch.apply(handler, args);
    } finally {
      entry.holders--;
      this.#release(entry);
    }
  }

  /** Watches by subscription ("watchOrderBook BTC/USDT"), counted so that one user's stop never ends another's. */
  #watches = new Map<string, WatchEntry>();

  #watchEntry(method: WatchMethod, args: unknown[]): WatchEntry {
    const named = args.slice(0, SUBSCRIPTION_ARGS[method]);
    if (method === 'watchOHLCV') named[1] = named[1] ?? '1m';
    let symbol: string | undefined;
    if (typeof named[0] === 'string') {
      symbol = this.#store.markets[named[0]]?.symbol ?? named[0];
      named[0] = symbol;
    } else if (Array.isArray(named[0])) {
      named[0] = [...new Set(named[0].map((s) => (typeof s === 'string' ? (this.#store.markets[s]?.symbol ?? s) : s)))]
        .map(String)
        .sort();
    }
    const key = `${method} ${JSON.stringify(named)}`;
    let entry = this.#watches.get(key);
    if (entry === undefined) {
      entry = { method, args: named, symbol, pinned: false, holders: 0 };
      this.#watches.set(key, entry);
    }
    return entry;
  }

  #pin(method: WatchMethod, args: unknown[]): void {
    // a watch loop pins on every call: after the first, one lookup by the arguments as given
    const a0 = args[0];
    const fast = typeof a0 === 'string' && (method !== 'watchOHLCV' || args[1] === undefined) ? a0 : undefined;
    if (fast !== undefined && this.#pinned.get(method)?.has(fast) === true) return;
    this.#watchEntry(method, args).pinned = true;
    if (fast !== undefined) {
      let set = this.#pinned.get(method);
      if (set === undefined) this.#pinned.set(method, (set = new Set()));
      set.add(fast);
    }
  }
  /** Arguments (as given) already pinned, per method; emptied by any unWatch of that method. */
  #pinned = new Map<WatchMethod, Set<string>>();

  async #unWatch(method: WatchMethod, args: unknown[]): Promise<boolean> {
    if (this.has[method] !== true) this.notSupported(`un${method[0]!.toUpperCase()}${method.slice(1)}`);
    const entry = this.#watchEntry(method, args);
    entry.pinned = false;
    this.#pinned.delete(method);
    this.#release(entry);
    return true;
  }

  /** An entry nobody holds any more: forget it and stop its stream. */
  #release(entry: WatchEntry): void {
    if (entry.pinned || entry.holders > 0) return;
    for (const [key, e] of this.#watches) if (e === entry) this.#watches.delete(key);
    const active: ActiveWatches = {
      watching: (method, symbol) => {
        for (const e of this.#watches.values()) {
          if (e.method !== method || (!e.pinned && e.holders === 0)) continue;
          if (symbol === undefined || e.symbol === symbol) return true;
          // a watch of every symbol (watchOrders()) covers each of them; watchTickers() of all markets is its own
          // stream where an exchange has one, so it does not
          if (e.args[0] === undefined && method !== 'watchTickers') return true;
          if (Array.isArray(e.args[0]) && e.args[0].includes(symbol)) return true;
        }
        return false;
      },
    };
    // synchronously when loaded, so that calls made before the unWatch are the ones it rejects
    if (this.#handler !== undefined) this.#handler.unwatch?.(entry.method, entry.args, active);
    else void this.#streams?.then((h) => h.unwatch?.(entry.method, entry.args, active));
  }

  /** Connection states by url: connecting / connected / stale / reconnecting / closed. */
  async streamStatus(): Promise<Record<string, string>> {
    return this.#streams === undefined ? {} : (await this.#streams).status();
  }

  /** Order books kept from streams, by symbol: 'live', or 'syncing' while one is (re)built and its watchers wait. */
  async bookStatus(): Promise<Record<string, string>> {
    return this.#streams === undefined ? {} : ((await this.#streams).bookStatus?.() ?? {});
  }

  /** Releases every connection and timer; pending watch calls reject with ExchangeClosedByUser. */
  async close(): Promise<void> {
    const streams = this.#streams;
    this.#streams = undefined;
    this.#handler = undefined;
    this.#watches.clear();
    this.#pinned.clear();
    this.#multi.clear();
    if (streams !== undefined) (await streams).close();
    this.#throttler?.close();
    this.#throttler = undefined;
  }

  // ---- CCXT conveniences ----
  createLimitOrder(symbol: string, side: OrderSide, amount: number, price: number, params?: Dict): Promise<Order> {
    return this.createOrder(symbol, 'limit', side, amount, price, params);
  }
  createMarketOrder(symbol: string, side: OrderSide, amount: number, price?: number, params?: Dict): Promise<Order> {
    return this.createOrder(symbol, 'market', side, amount, price, params);
  }
  createLimitBuyOrder(symbol: string, amount: number, price: number, params?: Dict): Promise<Order> {
    return this.createOrder(symbol, 'limit', 'buy', amount, price, params);
  }
  createLimitSellOrder(symbol: string, amount: number, price: number, params?: Dict): Promise<Order> {
    return this.createOrder(symbol, 'limit', 'sell', amount, price, params);
  }
  createMarketBuyOrder(symbol: string, amount: number, params?: Dict): Promise<Order> {
    return this.createOrder(symbol, 'market', 'buy', amount, undefined, params);
  }
  createMarketSellOrder(symbol: string, amount: number, params?: Dict): Promise<Order> {
    return this.createOrder(symbol, 'market', 'sell', amount, undefined, params);
  }

  /** CCXT's timeframe -> seconds. */
  parseTimeframe(timeframe: string): number {
    const m = /^(\d+)([smhdwMy])$/.exec(timeframe);
    if (m === null) throw new BadRequest(`${this.id} invalid timeframe ${timeframe}`, { exchange: this.id });
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, M: 2592000, y: 31536000 }[m[2] as 's'];
    return Number(m[1]) * unit;
  }
  /** The exchange's code for a unified timeframe; BadRequest for one it does not serve. */
  timeframeId(timeframe: string): string {
    const id = this.timeframes[timeframe];
    if (id === undefined)
      throw new BadRequest(`${this.id} does not support timeframe ${timeframe}`, { exchange: this.id });
    return String(id);
  }
}

/** Query string for the default signer: undefined values dropped, arrays repeated, no exponent notation. */
export function urlencodeParams(params: Dict): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(plainString(item))}`);
  }
  return parts.join('&');
}

/** Numbers without exponent notation (1e-7 -> '0.0000001'), as exchanges expect. */
export function plainString(v: unknown): string {
  if (typeof v === 'number') {
    const s = String(v);
    if (!/e/i.test(s)) return s;
    return decimalToPrecision(v, TRUNCATE, 30, DECIMAL_PLACES, NO_PADDING);
  }
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v as string | boolean | bigint);
}

function installImplicitApi(cls: ExchangeClass): void {
  implicitInstalled.add(cls);
  const proto = cls.prototype as unknown as Record<string, unknown>;
  for (const [section, methods] of Object.entries(cls.spec.api)) {
    const sectionName = camelPath(section, false);
    for (const [method, table] of Object.entries(methods) as [HttpMethod, Record<string, unknown>][]) {
      const verb = method.toUpperCase();
      const methodName = verb.charAt(0) + verb.slice(1).toLowerCase();
      for (const [path, entry] of Object.entries(table)) {
        const name = `${sectionName}${methodName}${camelPath(path)}`;
        if (Object.prototype.hasOwnProperty.call(proto, name)) continue;
        const cost = typeof entry === 'number' ? entry : ((entry as { cost?: number }).cost ?? 1);
        const bucket = typeof entry === 'object' ? (entry as { bucket?: string }).bucket : undefined;
        const config: RequestConfig = bucket === undefined ? { cost } : { cost, bucket };
        Object.defineProperty(proto, name, {
          value: function (this: Exchange, params: Dict = {}, context: Dict = {}) {
            return this.request(path, section, verb, params, undefined, undefined, { ...config, ...context });
          },
          writable: true,
          configurable: true,
        });
      }
    }
  }
}

/** `has`, generated from code: a unified method is there when the class overrides it, unless the spec says otherwise. */
export function hasOf(cls: ExchangeClass): Has {
  const cached = hasCache.get(cls);
  if (cached !== undefined) return cached;
  const base = Exchange.prototype as unknown as Record<string, unknown>;
  const proto = cls.prototype as unknown as Record<string, unknown>;
  const has: Has = {};
  for (const types of ['spot', 'margin', 'swap', 'future', 'option'] as const)
    has[types] = cls.spec.marketTypes.includes(types);
  has.sandbox = cls.spec.urls.test !== undefined;
  for (const m of UNIFIED_METHODS) has[m] = proto[m] !== base[m];
  // served from the plural where an exchange has only that
  if (!has.fetchDepositWithdrawFee && has.fetchDepositWithdrawFees) has.fetchDepositWithdrawFee = 'emulated';
  // Streaming lives in ws.ts, loaded lazily: the spec declares which watch methods it serves.
  for (const m of WATCH_METHODS) has[m] = false;
  Object.assign(has, cls.spec.has);
  for (const m of WATCH_METHODS)
    if (m !== 'watchBalance') has[`un${m[0]!.toUpperCase()}${m.slice(1)}`] = has[m] === true;
  // several symbols per call, over the one-symbol watches (CCXT's *ForSymbols)
  for (const m of ['watchOrderBook', 'watchTrades', 'watchOHLCV'] as const) {
    has[`${m}ForSymbols`] = has[m] === true ? 'emulated' : false;
    has[`un${m[0]!.toUpperCase()}${m.slice(1)}ForSymbols`] = has[m] === true;
  }
  hasCache.set(cls, has);
  return has;
}
