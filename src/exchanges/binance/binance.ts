/**
 * Binance spot: api/v3 for market data and trading, sapi/v1 for the wallet (currencies, deposits, withdrawals,
 * trade fees), papi/v1 for a portfolio-margin balance. Futures (fapi/dapi), options (eapi) and margin come later as
 * their own sections; every entry point already routes by market type and refuses the others with NotSupported.
 */
import { hmac, randomHex, rsaSign, ed25519Sign, urlencode, urlencodeRaw } from '../../core/auth/index.js';
import { privateKeyFromPem } from '../../core/auth/keys.js';
import {
  DECIMAL_PLACES,
  NO_PADDING,
  TICK_SIZE,
  TRUNCATE,
  decimalToPrecision,
  toDecimal,
  toNumber,
} from '../../core/decimal.js';
import {
  ArgumentsRequired,
  AuthenticationError,
  ExchangeError,
  ExchangeNotAvailable,
  InvalidOrder,
  NotSupported,
  NullResponse,
  RequestTimeout,
  type ErrorName,
} from '../../core/errors.js';
import { Exchange, type RequestConfig, type SignedRequest } from '../../core/exchange.js';
import type { ApiTree, HttpMethod, ImplicitApi } from '../../core/spec.js';
import { DEFAULT_BUCKET } from '../../core/throttle.js';
import type {
  Balances,
  Currency,
  DepositAddress,
  Dict,
  ExchangeStatus,
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
  DepositWithdrawFee,
  TransactionFees,
} from '../../core/types.js';
import { filterBySinceLimit, given, int, omit, parseJson, sortBy } from '../../core/util.js';
import {
  parseCurrency,
  parseDepositAddress,
  parseDepositWithdrawFee,
  parseFundingBalance,
  parseOHLCV,
  parseOrder,
  parseOrderBook,
  parsePortfolioBalance,
  parseSpotBalance,
  parseSpotMarket,
  parseStatus,
  parseTicker,
  parseTrade,
  parseTradingFee,
  parseTransaction,
  quoteCost,
  requestWeightLimit,
  urlOrigin,
  type ParseContext,
  type RawAggTrade,
  type RawCoin,
  type RawDeposit,
  type RawDepositAddress,
  type RawExchangeInfo,
  type RawFiatOrder,
  type RawFundingAsset,
  type RawKline,
  type RawOrder,
  type RawOrderBook,
  type RawPortfolioBalance,
  type RawSpotAccount,
  type RawSystemStatus,
  type RawTicker,
  type RawTrade,
  type RawTradeFee,
  type RawWithdrawal,
  type SpotFees,
  type TransferKind,
} from './parse.js';
import { spec } from './spec.js';

/** Sections whose calls carry timestamp + signature, except the listed public paths inside them. */
const SIGNED_SECTIONS = new Set(['private', 'sapi', 'papi']);
const UNSIGNED_PATHS = new Set(['system/status', 'ping']);
/** Public paths that still need the API key header (MARKET_DATA / USER_STREAM security). */
const KEYED_PATHS = new Set(['historicalTrades', 'userDataStream']);
/** Binance verifies these signatures over the unescaped query. */
const RAW_QUERY_PATHS = new Set(['capital/withdraw/apply']);

const ONE_HOUR = 3_600_000;
const NINETY_DAYS = 90 * 86_400_000;
const MINUTE = 60_000;

/** Keys of createOrder params that are ours, not Binance's. */
const ORDER_PARAM_KEYS = [
  'clientOrderId',
  'newClientOrderId',
  'postOnly',
  'timeInForce',
  'triggerPrice',
  'stopPrice',
  'stopLossPrice',
  'takeProfitPrice',
  'cost',
  'quoteOrderQty',
  'selfTradePrevention',
  'icebergAmount',
  'test',
  'type',
];

type AliasEntry = { primary: string; secondary: string; default: 'primary' | 'secondary' };

export interface binance extends ImplicitApi<typeof spec.api> {}

export class binance extends Exchange {
  static override spec = spec;
  /** Streaming lives in ws.ts, loaded by the first watch call. */
  static override streams = async () => (await import('./ws.js')).binanceStreams;

  #ctx: ParseContext | undefined;

  // ---- request pipeline ----

  override sign(
    path: string,
    api: string,
    method: string,
    params: Dict,
    headers?: Record<string, string>,
    body?: string,
  ): SignedRequest {
    const url = `${this.apiUrl(api)}/${path}`;
    if (!SIGNED_SECTIONS.has(api) || UNSIGNED_PATHS.has(path)) {
      const query = urlencode(params);
      let outHeaders = headers;
      if (KEYED_PATHS.has(path)) {
        const apiKey = this.apiKey;
        if (apiKey === undefined || apiKey === '') {
          throw new AuthenticationError(`${this.id} ${path} requires the apiKey credential`, { exchange: this.id });
        }
        outHeaders = { ...headers, 'X-MBX-APIKEY': apiKey };
      }
      return { url: query === '' ? url : `${url}?${query}`, method, headers: outHeaders, body };
    }
    this.checkRequiredCredentials();
    const recvWindow = params['recvWindow'] ?? this.options['recvWindow'];
    const offset = Number(this.options['timeDifference'] ?? 0);
    const signedParams: Dict = { ...params, recvWindow, timestamp: this.nonce() - offset };
    const query = RAW_QUERY_PATHS.has(path) ? urlencodeRaw(signedParams) : urlencode(signedParams);
    const signed = `${query}&signature=${this.signature(query)}`;
    const outHeaders: Record<string, string> = { ...headers, 'X-MBX-APIKEY': this.apiKey! };
    if (method === 'GET' || method === 'DELETE') return { url: `${url}?${signed}`, method, headers: outHeaders };
    outHeaders['Content-Type'] = 'application/x-www-form-urlencoded';
    return { url, method, headers: outHeaders, body: signed };
  }

  /** The REST signature: url-escaped, since it travels in a query string or form body. */
  private signature(query: string): string {
    const sig = this.rawSignature(query);
    return this.secret!.includes('PRIVATE KEY') ? encodeURIComponent(sig) : sig;
  }

  /** HMAC-SHA256 hex with an HMAC secret; with a PEM private key, Ed25519 or RSA-SHA256 (base64). */
  private rawSignature(payload: string): string {
    const secret = this.secret!;
    if (!secret.includes('PRIVATE KEY')) return hmac(payload, secret, 'sha256', 'hex');
    const key = privateKeyFromPem(secret);
    return key.asymmetricKeyType === 'ed25519' ? ed25519Sign(payload, secret) : rsaSign(payload, secret, 'sha256');
  }

  /**
   * Params of a SIGNED WebSocket API request (websocket-api/request-security): apiKey, recvWindow and timestamp added,
   * the payload is every param but the signature, sorted by name, as name=value pairs joined by '&', signed as for
   * REST. The signature travels in JSON, so an Ed25519 / RSA one stays plain base64.
   */
  wsSignedParams(params: Dict = {}): Dict {
    this.checkRequiredCredentials();
    const recvWindow = params['recvWindow'] ?? this.options['recvWindow'];
    const offset = Number(this.options['timeDifference'] ?? 0);
    const signed: Dict = { ...params, apiKey: this.apiKey, timestamp: this.nonce() - offset };
    if (recvWindow !== undefined) signed['recvWindow'] = recvWindow;
    const sorted: Dict = {};
    for (const key of Object.keys(signed).sort()) sorted[key] = signed[key];
    return { ...sorted, signature: this.rawSignature(urlencode(sorted)) };
  }

  /** Costs that depend on the request (no symbol, depth limit) are looked up in the endpoint table. */
  override async request(
    path: string,
    api = 'public',
    method = 'GET',
    params: Dict = {},
    headers?: Record<string, string>,
    body?: string,
    config: RequestConfig = {},
  ): Promise<any> {
    const entry = (this.spec.api as ApiTree)[api]?.[method.toLowerCase() as HttpMethod]?.[path];
    if (entry !== undefined && typeof entry === 'object') {
      const cost = requestCost(entry, params);
      if (cost !== undefined) config = { ...config, cost };
    }
    return super.request(path, api, method, params, headers, body, config);
  }

  override handleErrors(
    status: number,
    _statusText: string,
    _url: string,
    _method: string,
    responseHeaders: Record<string, string>,
    body: string,
    json: any,
  ): void {
    this.syncRateLimits(responseHeaders);
    // 418/429 go to the base mapping, which also honours Retry-After.
    if (status === 418 || status === 429) return;
    if (json === null || typeof json !== 'object') return;
    let payload: Dict = json as Dict;
    if (Array.isArray(json)) {
      // Batch answers: a lone error entry is the error of the whole call.
      const only = json.length === 1 ? (json[0] as unknown) : undefined;
      if (only === null || typeof only !== 'object' || !('code' in only)) return;
      payload = only as Dict;
    }
    const success = payload['success'];
    if (success === false && typeof payload['msg'] === 'string') {
      // Some sapi endpoints wrap the real error as a JSON string in "msg".
      const inner = parseJson(payload['msg']);
      if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) payload = inner as Dict;
    }
    const msg = typeof payload['msg'] === 'string' ? payload['msg'] : undefined;
    const rawCode = payload['code'];
    const code = typeof rawCode === 'number' || typeof rawCode === 'string' ? String(rawCode) : undefined;
    // Success is code 0 (fiat endpoints spell it "000000") or 200; absent means no error either.
    const errorCode = code !== undefined && code !== '200' && Number(code) !== 0 ? code : undefined;
    const failed = errorCode !== undefined || success === false;
    if (msg !== undefined) {
      const byMessage = this.exactError(msg) ?? this.broadError(msg);
      if (byMessage !== undefined && (failed || status >= 400 || code === undefined)) {
        throw this.makeError(byMessage, body, code, status);
      }
    }
    if (!failed) return;
    if (errorCode !== undefined) {
      throw this.makeError(this.exactError(errorCode) ?? 'ExchangeError', body, errorCode, status);
    }
    throw new ExchangeError(`${this.id} ${this.redact(body)}`, { exchange: this.id, status });
  }

  private exactError(key: string): ErrorName | undefined {
    return this.spec.exceptions?.exact?.[key];
  }

  private broadError(text: string): ErrorName | undefined {
    const broad = this.spec.exceptions?.broad;
    if (broad === undefined) return undefined;
    for (const needle in broad) if (text.includes(needle)) return broad[needle];
    return undefined;
  }

  /**
   * Usage headers -> throttler. When another client on the same IP has used up the minute's weight, nothing more is
   * sent until the next minute starts; the ORDERS bucket follows X-MBX-ORDER-COUNT-10S.
   */
  private syncRateLimits(headers: Record<string, string>): void {
    const throttler = this.throttler;
    if (throttler === undefined) return;
    const limits = this.options['usedWeightHeaders'] as Record<string, number>;
    const reserve = Number(this.options['usedWeightReserve'] ?? 0);
    for (const name in limits) {
      const value = headers[name];
      if (value === undefined) continue;
      const used = Number(value);
      const limit = limits[name]!;
      if (Number.isFinite(used) && limit - used <= reserve) {
        // The throttler runs on Date.now; Binance windows are whole minutes.
        const now = Date.now();
        throttler.sync(DEFAULT_BUCKET, { remaining: 0, resetAt: now - (now % MINUTE) + MINUTE });
      }
    }
    const orders = headers['x-mbx-order-count-10s'];
    if (orders !== undefined && Number.isFinite(Number(orders))) throttler.sync('orders', { used: Number(orders) });
  }

  // ---- helpers ----

  private get ctx(): ParseContext {
    this.#ctx ??= {
      symbol: (id) => this.safeSymbol(id, undefined, undefined, 'spot') ?? id,
      code: (id) => this.safeCurrencyCode(id) ?? id,
      network: (id, code) => this.networkIdToCode(id, code),
    };
    return this.#ctx;
  }

  /** Id -> unified name lookups for the parsers (ws.ts parses stream events with them). */
  get parseContext(): ParseContext {
    return this.ctx;
  }

  /** The spot market of a symbol; other market types are refused until their sections exist. */
  spotMarket(symbol: string, method: string): Market {
    const market = this.market(symbol);
    if (market.type !== 'spot') {
      throw new NotSupported(`${this.id} ${method}() supports spot markets only, not ${market.type} (${symbol})`, {
        exchange: this.id,
      });
    }
    return market;
  }

  /** Only spot (and the wallet) is served: a `type` param naming another market is refused. */
  private spotOnly(params: Dict, method: string, allowed: readonly string[] = ['spot']): Dict {
    const type = params['type'];
    if (type !== undefined && !allowed.includes(String(type))) {
      throw new NotSupported(`${this.id} ${method}() does not support type ${String(type)} yet`, { exchange: this.id });
    }
    if (params['marginMode'] !== undefined || params['portfolioMargin'] === true) {
      throw new NotSupported(`${this.id} ${method}() does not support margin accounts yet`, { exchange: this.id });
    }
    return omit(params, 'type');
  }

  private requireSymbol(symbol: string | undefined, method: string): string {
    if (symbol === undefined || symbol === null || symbol === '') {
      throw new ArgumentsRequired(`${this.id} ${method}() requires a symbol argument`, { exchange: this.id });
    }
    return symbol;
  }

  private aliasOf(networkCode: string): [string, AliasEntry] | undefined {
    const aliases = this.options['networkAliases'] as Record<string, AliasEntry> | undefined;
    for (const coin in aliases) {
      const entry = aliases[coin]!;
      if (entry.primary === networkCode || entry.secondary === networkCode) return [coin, entry];
    }
    return undefined;
  }

  /** Binance network id -> unified network code (ETH is 'ETH' for ether, 'ERC20' for tokens). */
  networkIdToCode(networkId: string, currencyCode?: string): string {
    const byId = this.options['networksById'] as Record<string, string> | undefined;
    const mapped = byId?.[networkId] ?? networkId;
    const alias = this.aliasOf(mapped);
    if (alias === undefined) return mapped;
    const [coin, entry] = alias;
    if (currencyCode === coin) return entry.primary;
    if (currencyCode !== undefined) return entry.secondary;
    return entry[entry.default];
  }

  /** Unified network code -> Binance network id. */
  networkCodeToId(networkCode: string, currencyCode?: string): string {
    const ids = this.options['networks'] as Record<string, string> | undefined;
    const alias = this.aliasOf(networkCode);
    let candidates = [networkCode];
    if (alias !== undefined) {
      const [coin, entry] = alias;
      const preferred =
        currencyCode === coin ? entry.primary : currencyCode !== undefined ? entry.secondary : networkCode;
      candidates = [preferred, preferred === entry.primary ? entry.secondary : entry.primary];
    }
    for (const c of candidates) {
      const id = ids?.[c];
      if (id !== undefined) return id;
    }
    const known = currencyCode === undefined ? undefined : this.currencies[currencyCode]?.networks?.[networkCode];
    return known?.id ?? networkCode;
  }

  private clientOrderId(params: Dict): string {
    const given = params['clientOrderId'] ?? params['newClientOrderId'];
    if (given !== undefined && given !== null && given !== '') return String(given);
    // Every order gets an id, so that after a timeout the order can be looked up before any retry.
    return `${String(this.options['clientOrderIdPrefix'] ?? '')}${randomHex(12)}`;
  }

  // ---- public data ----

  override async fetchTime(params: Dict = {}): Promise<number> {
    const res = (await this.publicGetTime(this.spotOnly(params, 'fetchTime'))) as { serverTime: number };
    return res.serverTime;
  }

  /** Measures the clock offset to Binance so that signed timestamps stay inside recvWindow. */
  async loadTimeDifference(params: Dict = {}): Promise<number> {
    const server = await this.fetchTime(params);
    const difference = this.milliseconds() - server;
    this.options['timeDifference'] = difference;
    return difference;
  }

  override async fetchStatus(params: Dict = {}): Promise<ExchangeStatus> {
    return parseStatus((await this.sapiGetSystemStatus(params)) as RawSystemStatus);
  }

  override async fetchMarkets(params: Dict = {}): Promise<Market[]> {
    if (this.options['adjustForTimeDifference'] === true) await this.loadTimeDifference();
    const types = ((this.options['fetchMarkets'] as Dict | undefined)?.['types'] as string[] | undefined) ?? ['spot'];
    if (!types.includes('spot')) return [];
    const info = (await this.publicGetExchangeInfo(params)) as RawExchangeInfo;
    const weightLimit = requestWeightLimit(info);
    if (weightLimit !== undefined) {
      const headers = this.options['usedWeightHeaders'] as Record<string, number>;
      this.options['usedWeightHeaders'] = { ...headers, 'x-mbx-used-weight-1m': weightLimit };
    }
    // 3000+ symbols share a few hundred assets: resolve each asset code once.
    const codes = new Map<string, string>();
    const code = (id: string): string => {
      let c = codes.get(id);
      if (c === undefined) {
        c = this.safeCurrencyCode(id) ?? id;
        codes.set(id, c);
      }
      return c;
    };
    const trading = (this.spec.fees as { trading: SpotFees }).trading;
    const symbols = info.symbols ?? [];
    const out: Market[] = new Array<Market>(symbols.length);
    for (let i = 0; i < symbols.length; i++) out[i] = parseSpotMarket(symbols[i]!, code, trading);
    return out;
  }

  /**
   * capital/config/getall is a signed endpoint: without keys (or on the testnet) there is nothing to ask, and
   * loadMarkets derives the currencies from the markets instead (signalled by resolving undefined).
   */
  override async fetchCurrencies(params: Dict = {}): Promise<Record<string, Currency> | undefined> {
    if (this.options['fetchCurrencies'] !== true || !this.hasCredentials() || this.sandbox) return undefined;
    const raw = (await this.sapiGetCapitalConfigGetall(params)) as RawCoin[];
    const fiatPrecision = String(this.options['defaultFiatWithdrawPrecision'] ?? '0.01');
    const out: Record<string, Currency> = {};
    for (const coin of raw) {
      const c = parseCurrency(coin, this.ctx, fiatPrecision);
      out[c.code] = c;
    }
    return out;
  }

  private hasCredentials(): boolean {
    return (this.apiKey ?? '') !== '' && (this.secret ?? '') !== '';
  }

  override async fetchTicker(symbol: string, params: Dict = {}): Promise<Ticker> {
    await this.loadMarkets();
    const market = this.spotMarket(symbol, 'fetchTicker');
    const rolling = params['rolling'] === true;
    const request = { symbol: market.id, ...omit(params, 'rolling') };
    const res = (rolling ? await this.publicGetTicker(request) : await this.publicGetTicker24hr(request)) as
      RawTicker | RawTicker[];
    const raw = Array.isArray(res) ? res[0] : res;
    if (raw === undefined) throw new NullResponse(`${this.id} fetchTicker() returned no ticker`, { exchange: this.id });
    return parseTicker(raw, this.ctx, market);
  }

  override async fetchTickers(symbols?: string[], params: Dict = {}): Promise<Tickers> {
    await this.loadMarkets();
    const rest = this.spotOnly(omit(params, 'rolling'), 'fetchTickers');
    const ids = symbols?.map((s) => this.spotMarket(s, 'fetchTickers').id);
    const request: Dict = { ...rest };
    if (ids !== undefined && ids.length > 0) request['symbols'] = JSON.stringify(ids);
    let res: RawTicker[];
    if (params['rolling'] === true) {
      if (request['symbols'] === undefined) {
        throw new ArgumentsRequired(`${this.id} fetchTickers() with rolling needs symbols`, { exchange: this.id });
      }
      res = (await this.publicGetTicker(request)) as RawTicker[];
    } else {
      res = (await this.publicGetTicker24hr(request)) as RawTicker[];
    }
    const wanted =
      symbols === undefined || symbols === null || symbols.length === 0
        ? undefined
        : new Set(symbols.map((s) => this.market(s).symbol));
    const out: Tickers = {};
    for (const raw of Array.isArray(res) ? res : [res]) {
      const t = parseTicker(raw, this.ctx);
      if (wanted === undefined || wanted.has(t.symbol)) out[t.symbol] = t;
    }
    return out;
  }

  override async fetchOrderBook(symbol: string, limit?: number, params: Dict = {}): Promise<OrderBook> {
    await this.loadMarkets();
    const market = this.spotMarket(symbol, 'fetchOrderBook');
    limit = given(limit);
    const request: Dict = { symbol: market.id, ...params };
    if (limit !== undefined) request['limit'] = limit;
    return parseOrderBook((await this.publicGetDepth(request)) as RawOrderBook, market.symbol);
  }

  /**
   * Aggregate trades by default (they take a time window); `params.fetchTradesMethod` may pick 'publicGetTrades'
   * (recent) or 'publicGetHistoricalTrades' (by fromId, needs the API key).
   */
  override async fetchTrades(symbol: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    const market = this.spotMarket(symbol, 'fetchTrades');
    since = given(since);
    limit = given(limit);
    const method = String(params['fetchTradesMethod'] ?? this.options['fetchTradesMethod'] ?? 'publicGetAggTrades');
    const until = int(params, 'until');
    const request: Dict = { symbol: market.id, ...omit(params, 'until', 'fetchTradesMethod') };
    if (limit !== undefined) request['limit'] = limit;
    let res: unknown;
    if (method === 'publicGetTrades') res = await this.publicGetTrades(request);
    else if (method === 'publicGetHistoricalTrades') res = await this.publicGetHistoricalTrades(request);
    else {
      if (since !== undefined) {
        request['startTime'] = since;
        // aggTrades refuses a window longer than an hour.
        request['endTime'] = since + ONE_HOUR;
      }
      if (until !== undefined) request['endTime'] = until;
      res = await this.publicGetAggTrades(request);
    }
    const trades = ((res ?? []) as (RawAggTrade | RawTrade)[]).map((t) => parseTrade(t, this.ctx, market));
    return sinceLimit(trades, since, limit);
  }

  override async fetchOHLCV(
    symbol: string,
    timeframe = '1m',
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<OHLCV[]> {
    await this.loadMarkets();
    const market = this.spotMarket(symbol, 'fetchOHLCV');
    since = given(since);
    limit = given(limit);
    if (params['price'] !== undefined) {
      throw new NotSupported(`${this.id} fetchOHLCV() has no ${String(params['price'])} candles for spot`, {
        exchange: this.id,
      });
    }
    const until = int(params, 'until');
    // Binance serves 500 candles by default and 1000 at most.
    if (since !== undefined && until !== undefined && limit === undefined) limit = 1000;
    const count = limit === undefined ? 500 : Math.min(limit, 1000);
    const request: Dict = {
      symbol: market.id,
      interval: this.timeframeId(timeframe),
      limit: count,
      ...omit(params, 'until', 'price'),
    };
    if (since !== undefined) request['startTime'] = since;
    if (until !== undefined) request['endTime'] = until;
    const rows = ((await this.publicGetKlines(request)) ?? []) as RawKline[];
    const candles = rows.map(parseOHLCV);
    candles.sort((a, b) => a[0] - b[0]);
    if (since !== undefined) {
      const from = candles.findIndex((c) => c[0] >= since);
      return from === -1 ? [] : candles.slice(from, from + count);
    }
    return limit === undefined ? candles : candles.slice(-limit);
  }

  // ---- account ----

  /** params.type: 'spot' (default), 'funding', or 'papi' (portfolio margin, also `portfolioMargin: true`). */
  override async fetchBalance(params: Dict = {}): Promise<Balances> {
    await this.loadMarkets();
    const type = String(params['type'] ?? 'spot');
    const portfolio = type === 'papi' || params['portfolioMargin'] === true;
    const rest = omit(params, 'type', 'portfolioMargin');
    if (portfolio) {
      if (params['subType'] !== undefined || params['marginMode'] !== undefined) {
        throw new NotSupported(`${this.id} fetchBalance() portfolio margin sub-accounts are not supported yet`, {
          exchange: this.id,
        });
      }
      return parsePortfolioBalance((await this.papiGetBalance(rest)) as RawPortfolioBalance[], this.ctx);
    }
    if (type === 'funding') {
      return parseFundingBalance((await this.sapiPostAssetGetFundingAsset(rest)) as RawFundingAsset[], this.ctx);
    }
    this.spotOnly(params, 'fetchBalance');
    return parseSpotBalance((await this.privateGetAccount(rest)) as RawSpotAccount, this.ctx);
  }

  override async fetchTradingFee(symbol: string, params: Dict = {}): Promise<TradingFee> {
    await this.loadMarkets();
    const market = this.spotMarket(symbol, 'fetchTradingFee');
    const res = (await this.sapiGetAssetTradeFee({ symbol: market.id, ...params })) as RawTradeFee[] | RawTradeFee;
    const raw = Array.isArray(res) ? res[0] : res;
    if (raw === undefined) {
      throw new NullResponse(`${this.id} fetchTradingFee() returned no fee for ${symbol}`, { exchange: this.id });
    }
    return parseTradingFee(raw, this.ctx);
  }

  override async fetchTradingFees(params: Dict = {}): Promise<TradingFees> {
    await this.loadMarkets();
    const res = (await this.sapiGetAssetTradeFee(this.spotOnly(params, 'fetchTradingFees'))) as RawTradeFee[];
    const out: TradingFees = {};
    for (const raw of res ?? []) {
      const fee = parseTradingFee(raw, this.ctx);
      out[fee.symbol] = fee;
    }
    return out;
  }

  // ---- trading ----

  override async createOrder(
    symbol: string,
    type: string,
    side: OrderSide,
    amount: number,
    price?: number,
    params: Dict = {},
  ): Promise<Order> {
    await this.loadMarkets();
    // Credentials first: a caller without keys learns that before any question about the order itself.
    this.checkRequiredCredentials();
    const cost = params['cost'] ?? params['quoteOrderQty'];
    const market = this.checkOrder(symbol, type, side, amount ?? cost, price);
    price = given(price);
    if (market.type !== 'spot') this.spotMarket(symbol, 'createOrder');
    this.spotOnly(params, 'createOrder');
    const request = this.createOrderRequest(market, type, side, given(amount), price, params);
    if (params['test'] !== true) return this.placeOrder(request, market);
    const res = (await this.privatePostOrderTest(request)) as RawOrder;
    if (res === undefined || Object.keys(res).length === 0) {
      // order/test validates without placing: report the order as it would have been sent.
      return parseOrder(
        { symbol: market.id, orderId: '', clientOrderId: String(request['newClientOrderId']) },
        this.ctx,
        market,
      );
    }
    return parseOrder(res, this.ctx, market);
  }

  /**
   * POST order. When the answer is lost (timeout, 5xx: "execution status unknown"), the order may still exist: it is
   * looked up by its client order id before the error is reported, so a caller never retries a placed order blindly.
   */
  private async placeOrder(request: Dict, market: Market): Promise<Order> {
    try {
      return parseOrder((await this.privatePostOrder(request)) as RawOrder, this.ctx, market);
    } catch (e) {
      const unknownOutcome = e instanceof RequestTimeout || e instanceof ExchangeNotAvailable;
      const recover = (this.options['createOrder'] as Dict | undefined)?.['recoverByClientOrderId'] !== false;
      if (!unknownOutcome || !recover) throw e;
      const found = await this.privateGetOrder({ symbol: market.id, origClientOrderId: request['newClientOrderId'] })
        .then((raw) => parseOrder(raw as RawOrder, this.ctx, market))
        .catch(() => undefined);
      if (found === undefined) throw e;
      return found;
    }
  }

  /** The api/v3/order parameters for a unified order (exposed for inspection and tests). */
  createOrderRequest(
    market: Market,
    type: string,
    side: OrderSide,
    amount: number | undefined,
    price: number | undefined,
    params: Dict = {},
  ): Dict {
    const symbol = market.symbol;
    const requested = type.toUpperCase();
    const isMarket = requested === 'MARKET';
    const isLimit = requested === 'LIMIT';
    const stopLoss = params['triggerPrice'] ?? params['stopPrice'] ?? params['stopLossPrice'];
    const takeProfit = params['takeProfitPrice'];
    const trailingDelta = params['trailingDelta'];
    let orderType = requested;
    let trigger: unknown;
    if (stopLoss !== undefined || trailingDelta !== undefined) {
      trigger = stopLoss;
      if (isMarket) orderType = 'STOP_LOSS';
      else if (isLimit) orderType = 'STOP_LOSS_LIMIT';
    } else if (takeProfit !== undefined) {
      trigger = takeProfit;
      if (isMarket) orderType = 'TAKE_PROFIT';
      else if (isLimit) orderType = 'TAKE_PROFIT_LIMIT';
    }
    const postOnly = params['postOnly'] === true || params['timeInForce'] === 'PO' || requested === 'LIMIT_MAKER';
    if (postOnly) {
      if (isMarket) throw new InvalidOrder(`${this.id} a market order cannot be postOnly`, { exchange: this.id });
      if (trigger !== undefined || trailingDelta !== undefined) {
        throw new InvalidOrder(`${this.id} a postOnly order cannot have a trigger price`, { exchange: this.id });
      }
      orderType = 'LIMIT_MAKER';
    }
    const allowed = (market.info as { orderTypes?: string[] } | undefined)?.orderTypes;
    if (Array.isArray(allowed) && !allowed.includes(orderType)) {
      throw new InvalidOrder(`${this.id} ${orderType} orders are not available on ${symbol}`, { exchange: this.id });
    }
    const respTypes = this.options['newOrderRespType'] as Record<string, string> | undefined;
    const request: Dict = {
      symbol: market.id,
      side: side.toUpperCase(),
      type: orderType,
      newClientOrderId: this.clientOrderId(params),
      newOrderRespType: respTypes?.[type.toLowerCase()] ?? 'FULL',
    };
    let needsQuantity = true;
    let needsPrice = false;
    let needsTimeInForce = false;
    switch (orderType) {
      case 'MARKET': {
        const useQuote = (this.options['createOrder'] as Dict | undefined)?.['quoteOrderQty'] !== false;
        const cost = params['cost'] ?? params['quoteOrderQty'];
        if (useQuote && cost !== undefined) {
          request['quoteOrderQty'] = this.quoteToPrecision(market, String(cost));
          needsQuantity = false;
        } else if (useQuote && price !== undefined && amount !== undefined) {
          // A market order with a price spends amount * price of the quote currency.
          request['quoteOrderQty'] = this.quoteToPrecision(market, quoteCost(amount, price));
          needsQuantity = false;
        }
        break;
      }
      case 'LIMIT':
      case 'STOP_LOSS_LIMIT':
      case 'TAKE_PROFIT_LIMIT':
        needsPrice = true;
        needsTimeInForce = true;
        break;
      case 'LIMIT_MAKER':
        needsPrice = true;
        break;
    }
    if (needsQuantity) {
      if (amount === undefined) throw new ArgumentsRequired(`${this.id} createOrder() needs an amount`);
      request['quantity'] = this.amountToPrecision(symbol, amount);
    }
    if (needsPrice) {
      if (price === undefined) {
        throw new ArgumentsRequired(`${this.id} a ${orderType} order needs a price`, { exchange: this.id });
      }
      request['price'] = this.priceToPrecision(symbol, price);
    }
    if (orderType.startsWith('STOP_LOSS') || orderType.startsWith('TAKE_PROFIT')) {
      if (trigger !== undefined) request['stopPrice'] = this.priceToPrecision(symbol, trigger as number);
      else if (trailingDelta === undefined) {
        throw new ArgumentsRequired(`${this.id} a ${orderType} order needs a triggerPrice`, { exchange: this.id });
      }
    }
    if (needsTimeInForce) {
      const tif = params['timeInForce'];
      const fallback = (this.options['createOrder'] as Dict | undefined)?.['timeInForce'] ?? 'GTC';
      request['timeInForce'] = tif === undefined || tif === 'PO' ? fallback : tif;
    }
    const stp = params['selfTradePrevention'];
    if (stp !== undefined) request['selfTradePreventionMode'] = String(stp).toUpperCase();
    const iceberg = params['icebergAmount'];
    if (iceberg !== undefined) request['icebergQty'] = this.amountToPrecision(symbol, iceberg as number);
    return { ...request, ...omit(params, ORDER_PARAM_KEYS) };
  }

  /** Quote quantities are cut (never rounded up) to the market's price tick, as CCXT does. */
  private quoteToPrecision(market: Market, cost: string): string {
    const tick = market.precision.price;
    if (tick === undefined) return decimalToPrecision(cost, TRUNCATE, 18, DECIMAL_PLACES, NO_PADDING);
    return decimalToPrecision(cost, TRUNCATE, tick, TICK_SIZE, NO_PADDING);
  }

  /** Market order spending `cost` of the quote currency (quoteOrderQty). */
  async createMarketOrderWithCost(symbol: string, side: OrderSide, cost: number, params: Dict = {}): Promise<Order> {
    return this.createOrder(symbol, 'market', side, cost, undefined, { ...params, cost });
  }
  async createMarketBuyOrderWithCost(symbol: string, cost: number, params: Dict = {}): Promise<Order> {
    return this.createMarketOrderWithCost(symbol, 'buy', cost, params);
  }
  async createMarketSellOrderWithCost(symbol: string, cost: number, params: Dict = {}): Promise<Order> {
    return this.createMarketOrderWithCost(symbol, 'sell', cost, params);
  }

  /** orderId, or origClientOrderId when params carry a clientOrderId. */
  private orderRef(id: string | number | undefined, params: Dict): Dict {
    const client = params['clientOrderId'] ?? params['origClientOrderId'];
    if (client !== undefined) return { origClientOrderId: client };
    if (id === undefined || id === null || id === '') {
      throw new ArgumentsRequired(`${this.id} an order id or clientOrderId is required`, { exchange: this.id });
    }
    return { orderId: id };
  }

  override async cancelOrder(id: string, symbol?: string, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const market = this.spotMarket(this.requireSymbol(symbol, 'cancelOrder'), 'cancelOrder');
    const rest = this.spotOnly(omit(params, 'clientOrderId', 'origClientOrderId'), 'cancelOrder');
    const request = { symbol: market.id, ...this.orderRef(id, params), ...rest };
    return parseOrder((await this.privateDeleteOrder(request)) as RawOrder, this.ctx, market);
  }

  override async cancelAllOrders(symbol?: string, params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    const market = this.spotMarket(this.requireSymbol(symbol, 'cancelAllOrders'), 'cancelAllOrders');
    const res = (await this.privateDeleteOpenOrders({
      symbol: market.id,
      ...this.spotOnly(params, 'cancelAllOrders'),
    })) as (RawOrder | { orderListId: number; orders: unknown[] })[];
    // Canceled OCO lists come back as list reports next to plain orders; their legs are in orderReports.
    const out: Order[] = [];
    for (const entry of Array.isArray(res) ? res : []) {
      if ('orderId' in entry) out.push(parseOrder(entry, this.ctx, market));
      else {
        const legs = (entry as { orderReports?: RawOrder[] }).orderReports ?? [];
        for (const leg of legs) out.push(parseOrder(leg, this.ctx, market));
      }
    }
    return out;
  }

  override async fetchOrder(id: string, symbol?: string, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const market = this.spotMarket(this.requireSymbol(symbol, 'fetchOrder'), 'fetchOrder');
    const rest = this.spotOnly(omit(params, 'clientOrderId', 'origClientOrderId'), 'fetchOrder');
    const request = { symbol: market.id, ...this.orderRef(id, params), ...rest };
    return parseOrder((await this.privateGetOrder(request)) as RawOrder, this.ctx, market);
  }

  /** Symbol-scoped history request: startTime/endTime/limit from since/until/limit. */
  private historyRequest(
    symbol: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: Dict,
    method: string,
  ): { market: Market; request: Dict } {
    const market = this.spotMarket(this.requireSymbol(symbol, method), method);
    const until = int(params, 'until') ?? int(params, 'endTime');
    const request: Dict = { symbol: market.id, ...this.spotOnly(omit(params, 'until', 'endTime'), method) };
    if (since !== undefined) request['startTime'] = since;
    if (until !== undefined) request['endTime'] = until;
    if (limit !== undefined) request['limit'] = limit;
    return { market, request };
  }

  override async fetchOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    since = given(since);
    limit = given(limit);
    const { market, request } = this.historyRequest(symbol, since, limit, params, 'fetchOrders');
    const res = ((await this.privateGetAllOrders(request)) ?? []) as RawOrder[];
    return sinceLimit(
      res.map((o) => parseOrder(o, this.ctx, market)),
      since,
      limit,
    );
  }

  override async fetchOpenOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    since = given(since);
    limit = given(limit);
    const market = symbol === undefined || symbol === null ? undefined : this.spotMarket(symbol, 'fetchOpenOrders');
    const request: Dict = { ...this.spotOnly(params, 'fetchOpenOrders') };
    if (market !== undefined) request['symbol'] = market.id;
    const res = ((await this.privateGetOpenOrders(request)) ?? []) as RawOrder[];
    return sinceLimit(
      res.map((o) => parseOrder(o, this.ctx, market)),
      since,
      limit,
    );
  }

  /** Binance has no status filter on allOrders: fetch the window, keep one status. */
  private async ordersWithStatus(
    status: 'closed' | 'canceled',
    symbol: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: Dict,
  ): Promise<Order[]> {
    const orders = await this.fetchOrders(symbol, since, undefined, params);
    return sinceLimit(
      orders.filter((o) => o.status === status),
      given(since),
      given(limit),
    );
  }

  override async fetchClosedOrders(
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Order[]> {
    return this.ordersWithStatus('closed', symbol, since, limit, params);
  }

  override async fetchCanceledOrders(
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Order[]> {
    return this.ordersWithStatus('canceled', symbol, since, limit, params);
  }

  override async fetchMyTrades(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    since = given(since);
    limit = given(limit);
    const { market, request } = this.historyRequest(symbol, since, limit, params, 'fetchMyTrades');
    const res = ((await this.privateGetMyTrades(request)) ?? []) as RawTrade[];
    return sinceLimit(
      res.map((t) => parseTrade(t, this.ctx, market)),
      since,
      limit,
    );
  }

  override async fetchOrderTrades(
    id: string,
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Trade[]> {
    return this.fetchMyTrades(this.requireSymbol(symbol, 'fetchOrderTrades'), since, limit, {
      ...params,
      orderId: id,
    });
  }

  // ---- wallet ----

  override async fetchDepositAddress(code: string, params: Dict = {}): Promise<DepositAddress> {
    await this.loadMarkets();
    const currency = this.currency(code);
    const networkCode = (params['network'] ?? params['networkCode']) as string | undefined;
    const request: Dict = { coin: currency.id, ...omit(params, 'network', 'networkCode') };
    if (networkCode !== undefined) request['network'] = this.networkCodeToId(networkCode, currency.code);
    const raw = (await this.sapiGetCapitalDepositAddress(request)) as RawDepositAddress;
    // The answer names no network, only an explorer link: match it to the currency's networks.
    const network = this.networkOfExplorerUrl(currency, raw.url) ?? networkCode;
    return parseDepositAddress(raw, currency.code, network);
  }

  private networkOfExplorerUrl(currency: Currency, url: string | undefined): string | undefined {
    const origin = urlOrigin(url);
    if (origin === undefined) return undefined;
    let found: string | undefined;
    for (const [networkCode, net] of Object.entries(currency.networks ?? {})) {
      const site = urlOrigin((net.info as { contractAddressUrl?: string } | undefined)?.contractAddressUrl);
      if (site !== undefined && origin.startsWith(site)) found = networkCode;
    }
    return found;
  }

  private isFiat(code: string | undefined): boolean {
    return code !== undefined && (this.options['legalMoney'] as string[]).includes(code);
  }

  override async fetchDeposits(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    return this.transferHistory('deposit', code, since, limit, params);
  }

  override async fetchWithdrawals(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    return this.transferHistory('withdrawal', code, since, limit, params);
  }

  /** Crypto history from capital/*, fiat (params.fiat or a fiat code) from fiat/orders. */
  private async transferHistory(
    kind: TransferKind,
    code: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: Dict,
  ): Promise<Transaction[]> {
    await this.loadMarkets();
    since = given(since);
    limit = given(limit);
    const until = int(params, 'until');
    const rest = omit(params, 'until', 'fiat');
    const currency = code === undefined || code === null ? undefined : this.currency(code);
    let raw: (RawDeposit | RawWithdrawal | RawFiatOrder)[];
    if (params['fiat'] === true || this.isFiat(currency?.code)) {
      const request: Dict = { transactionType: kind === 'deposit' ? 0 : 1, ...rest };
      if (since !== undefined) request['beginTime'] = since;
      if (until !== undefined) request['endTime'] = until;
      const res = (await this.sapiGetFiatOrders(request)) as { data?: RawFiatOrder[] };
      raw = res?.data ?? [];
    } else {
      const request: Dict = { ...rest };
      if (currency !== undefined) request['coin'] = currency.id;
      if (since !== undefined) {
        request['startTime'] = since;
        // The history endpoints serve at most 90 days per call.
        request['endTime'] = until === undefined ? since + NINETY_DAYS : Math.min(since + NINETY_DAYS, until);
      } else if (until !== undefined) request['endTime'] = until;
      if (limit !== undefined) request['limit'] = limit;
      raw = ((kind === 'deposit'
        ? await this.sapiGetCapitalDepositHisrec(request)
        : await this.sapiGetCapitalWithdrawHistory(request)) ?? []) as (RawDeposit | RawWithdrawal)[];
    }
    let list = raw.map((t) => parseTransaction(t, this.ctx, kind, currency?.code));
    if (currency !== undefined) list = list.filter((t) => t.currency === currency.code);
    return sinceLimit(list, since, limit);
  }

  override async withdraw(
    code: string,
    amount: number,
    address: string,
    tag?: string,
    params: Dict = {},
  ): Promise<Transaction> {
    this.requireArgument('address', address, 'withdraw');
    this.checkPositive('amount', amount, true);
    await this.loadMarkets();
    const currency = this.currency(code);
    const addressTag = given(tag) ?? (params['tag'] as string | undefined);
    const networkCode = (params['network'] ?? params['networkCode']) as string | undefined;
    const request: Dict = { coin: currency.id, address };
    if (addressTag !== undefined && addressTag !== '') request['addressTag'] = addressTag;
    if (networkCode !== undefined) request['network'] = this.networkCodeToId(networkCode, currency.code);
    request['amount'] = this.withdrawAmount(currency, amount, networkCode);
    Object.assign(request, omit(params, 'tag', 'network', 'networkCode'));
    const res = (await this.sapiPostCapitalWithdrawApply(request)) as { id: string };
    return parseTransaction({ id: res.id } as RawWithdrawal, this.ctx, undefined, currency.code);
  }

  /** Withdrawal amounts are cut to the network's (else the currency's) withdrawal step, never rounded up. */
  private withdrawAmount(currency: Currency, amount: number, networkCode: string | undefined): string {
    const networks = currency.networks ?? {};
    let precision = currency.precision;
    if (networkCode !== undefined) {
      const net =
        networks[networkCode] ??
        networks[this.networkIdToCode(this.networkCodeToId(networkCode, currency.code), currency.code)];
      precision = net?.precision ?? precision;
    }
    if (precision === undefined) return decimalToPrecision(amount, TRUNCATE, 18, DECIMAL_PLACES, NO_PADDING);
    return decimalToPrecision(amount, TRUNCATE, precision, TICK_SIZE, NO_PADDING);
  }

  /**
   * CCXT's older fee call: withdrawal fee per currency and network, the network named by its raw Binance id.
   * fetchDepositWithdrawFees gives the same data with unified network codes.
   */
  override async fetchTransactionFees(codes?: string[], params: Dict = {}): Promise<TransactionFees> {
    await this.loadMarkets();
    const raw = (await this.sapiGetCapitalConfigGetall(params)) as RawCoin[];
    const wanted = codes === undefined || codes === null ? undefined : new Set(codes);
    const withdraw: Record<string, Record<string, number | undefined>> = {};
    for (const coin of raw) {
      const code = this.ctx.code(coin.coin);
      if (wanted !== undefined && !wanted.has(code)) continue;
      const fees: Record<string, number | undefined> = {};
      for (const net of coin.networkList ?? []) {
        const fee = toNumber(toDecimal(net.withdrawFee));
        fees[this.ctx.code(net.network)] = fee;
      }
      withdraw[code] = fees;
    }
    return { withdraw, deposit: {}, info: raw };
  }

  /** Withdrawal fees per currency and network, from capital/config/getall. */
  override async fetchDepositWithdrawFees(
    codes?: string[],
    params: Dict = {},
  ): Promise<Record<string, DepositWithdrawFee>> {
    await this.loadMarkets();
    const raw = (await this.sapiGetCapitalConfigGetall(params)) as RawCoin[];
    const wanted = codes === undefined || codes === null ? undefined : new Set(codes);
    const out: Record<string, DepositWithdrawFee> = {};
    for (const coin of raw) {
      const code = this.ctx.code(coin.coin);
      if (wanted === undefined || wanted.has(code)) out[code] = parseDepositWithdrawFee(coin, this.ctx);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------------

/** Cost of one call whose weight depends on its parameters; undefined keeps the table's flat cost. */
function requestCost(entry: { cost: number; [k: string]: unknown }, params: Dict): number | undefined {
  const noSymbol = entry['noSymbol'];
  if (typeof noSymbol === 'number' && params['symbol'] === undefined && params['symbols'] === undefined) {
    return noSymbol;
  }
  const noCoin = entry['noCoin'];
  if (typeof noCoin === 'number' && params['coin'] === undefined) return noCoin;
  const steps = entry['byLimit'];
  const limit = Number(params['limit']);
  if (Array.isArray(steps) && Number.isFinite(limit)) {
    for (const [max, cost] of steps as [number, number][]) if (limit <= max) return cost;
    return (steps.at(-1) as [number, number] | undefined)?.[1];
  }
  return undefined;
}

/** CCXT's window: sorted by time; with `since`, the first `limit` from it, else the latest `limit`. */
function sinceLimit<T extends { timestamp?: number | undefined }>(items: T[], since?: number, limit?: number): T[] {
  return filterBySinceLimit(
    sortBy(items, (x) => x.timestamp),
    since,
    limit,
    since === undefined,
  );
}
