/**
 * Coinbase Exchange (formerly Coinbase Pro): spot trading over the Exchange REST API.
 * Signing: base64(HMAC-SHA256(base64decode(secret), timestamp + METHOD + requestPath(+query) + body)) with the
 * CB-ACCESS-KEY / -SIGN / -TIMESTAMP / -PASSPHRASE headers. Lists page with the CB-AFTER cursor header.
 */
import { base64ToBytes, hmac } from '../../core/auth/index.js';
import { dMul, toDecimal } from '../../core/decimal.js';
import {
  ArgumentsRequired,
  AuthenticationError,
  ExchangeError,
  InvalidAddress,
  InvalidOrder,
  type ErrorDetails,
} from '../../core/errors.js';
import { Exchange, plainString, urlencodeParams, type SignedRequest } from '../../core/exchange.js';
import type { HttpRequest } from '../../core/http.js';
import type { ImplicitApi } from '../../core/spec.js';
import type {
  Balances,
  Currency,
  DepositAddress,
  Dict,
  ExchangeStatus,
  LedgerEntry,
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
} from '../../core/types.js';
import { filterBySinceLimit, given, implodePath, isPlainObject, parseJson } from '../../core/util.js';
import {
  networkIdFor,
  parseBalance,
  parseCandle,
  parseCanceledOrder,
  parseCurrency,
  parseDepositAddress,
  parseFill,
  parseLedgerEntry,
  parseMarket,
  parseOrder,
  parseOrderBook,
  parsePublicTrade,
  parseSparkTicker,
  parseStatus,
  parseTicker,
  parseTime,
  parseTradingFees,
  parseTransfer,
  parseWithdrawal,
  type NetworkTables,
  type RawAccount,
  type RawBook,
  type RawCandle,
  type RawCoinbaseAccount,
  type RawCurrency,
  type RawDepositAddress,
  type RawFees,
  type RawFill,
  type RawLedgerEntry,
  type RawOrder,
  type RawProduct,
  type RawPublicTrade,
  type RawSparkRow,
  type RawStats,
  type RawStatusPage,
  type RawTicker,
  type RawTime,
  type RawTransfer,
  type RawWithdrawal,
} from './parse.js';
import { spec } from './spec.js';

/** Most rows one page of a list endpoint returns (and the most one candles request returns). */
const PAGE_MAX = 1000;
const CANDLES_MAX = 300;
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

type Api = 'public' | 'private';

/** Removes the first of `keys` present in `params` (all of them, in fact) and returns its value. */
function take(params: Dict, ...keys: string[]): unknown {
  let found: unknown;
  for (const k of keys) {
    if (found === undefined && params[k] !== undefined && params[k] !== null) found = params[k];
    delete params[k];
  }
  return found;
}

function asList<T>(x: unknown): T[] {
  return Array.isArray(x) ? (x as T[]) : [];
}

function byTime<T extends { timestamp?: number | undefined }>(items: T[]): T[] {
  return items.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

/** CCXT's window: `since` keeps the oldest `limit` from then on; without it, the newest `limit`. */
function sinceLimit<T extends { timestamp?: number | undefined }>(items: T[], since?: number, limit?: number): T[] {
  return filterBySinceLimit(byTime(items), since, limit, since === undefined);
}

export interface coinbasepro extends ImplicitApi<typeof spec.api> {}
export class coinbasepro extends Exchange {
  static override spec = spec;
  /** Websocket feed (ws.ts), loaded on the first watch call. */
  static override streams = async () => (await import('./ws.js')).coinbaseproStreams;

  /** Profile accounts (one per currency): their ids address ledgers and transfers. Stable, so kept. */
  #accounts: Promise<RawAccount[]> | undefined;
  /** Linked Coinbase wallets: deposit addresses are generated on them. */
  #wallets: Promise<RawCoinbaseAccount[]> | undefined;
  /** Signed url -> CB-AFTER header of its response, for the requests a pager is waiting on. */
  readonly #cursors = new Map<string, string | undefined>();

  // ---------------------------------------------------------------------------------------------------------------
  // Transport

  override sign(
    path: string,
    api: string,
    method: string,
    params: Dict,
    headers?: Record<string, string>,
    body?: string,
  ): SignedRequest {
    if (api === 'status') return super.sign(path, api, method, params, headers, body);
    // The signed path is the one sent, query string included; bodies are JSON.
    let requestPath = `/${path}`;
    let payload = body;
    if (method === 'GET' || method === 'DELETE') {
      const query = urlencodeParams(params);
      if (query !== '') requestPath += `?${query}`;
    } else if (payload === undefined && Object.keys(params).length > 0) {
      payload = JSON.stringify(params);
    }
    const url = this.apiUrl(api) + requestPath;
    const out: Record<string, string> = { ...headers };
    if (payload !== undefined) out['Content-Type'] = 'application/json';
    if (api === 'private') {
      this.checkRequiredCredentials();
      const timestamp = String(this.seconds());
      const prehash = timestamp + method + requestPath + (payload ?? '');
      out['CB-ACCESS-KEY'] = this.apiKey ?? '';
      out['CB-ACCESS-SIGN'] = hmac(prehash, this.secretBytes(), 'sha256', 'base64');
      out['CB-ACCESS-TIMESTAMP'] = timestamp;
      out['CB-ACCESS-PASSPHRASE'] = this.password ?? '';
    }
    return { url, method, headers: out, body: payload };
  }

  /** The API secret is base64; a secret that is not cannot sign anything. */
  private secretBytes(): Uint8Array {
    const secret = (this.secret ?? '').trim();
    if (!BASE64.test(secret) || secret.length === 0) {
      throw new AuthenticationError(`${this.id} the API secret must be base64`, { exchange: this.id });
    }
    return base64ToBytes(secret);
  }

  override handleErrors(
    status: number,
    _statusText: string,
    url: string,
    _method: string,
    headers: Record<string, string>,
    body: string,
    json: any,
    _request: HttpRequest,
  ): void {
    if (this.#cursors.has(url)) this.#cursors.set(url, headers['cb-after']);
    if (!isPlainObject(json)) return;
    const message = json['message'];
    if (typeof message !== 'string' || message === '') return;
    // Errors are `{"message": ...}` with a 4xx; a 2xx body that is nothing but a message is one too.
    const onlyMessage = Object.keys(json).length === 1;
    if (status < 400 && !onlyMessage) return;
    this.throwExactlyMatched(message, body, status);
    this.throwBroadlyMatched(message, body, undefined, status);
    // Unknown messages on statuses with their own meaning (401, 403, 429, 5xx) keep the HTTP mapping.
    if (status < 400 || status === 400 || status === 404 || status === 409 || status === 422) {
      throw new ExchangeError(`${this.id} ${this.snippet(body)}`, { exchange: this.id, status });
    }
  }

  /** DELETE /orders/{id} answers with a bare JSON string: the id. */
  override nonJsonResponse(text: string, details: ErrorDetails): unknown {
    const value = text.trim().startsWith('"') ? parseJson(text) : undefined;
    if (typeof value === 'string') return value;
    return super.nonJsonResponse(text, details);
  }

  /** GET a list endpoint and hand back the CB-AFTER cursor of the answer with it. */
  private async getPage(api: Api, path: string, params: Dict): Promise<{ data: unknown; after: string | undefined }> {
    const entry = (spec.api[api].get as Record<string, number | { cost: number; bucket: string }>)[path];
    const cost = typeof entry === 'object' ? entry.cost : (entry ?? 1);
    const bucket = typeof entry === 'object' ? entry.bucket : undefined;
    if (this.enableRateLimit) await this.throttle(cost, bucket);
    const { path: filled, rest } = implodePath(path, params);
    const signed = this.sign(filled, api, 'GET', rest);
    this.#cursors.set(signed.url, undefined);
    try {
      const data: unknown = await this.fetchSigned(signed);
      return { data, after: this.#cursors.get(signed.url) };
    } finally {
      this.#cursors.delete(signed.url);
    }
  }

  /**
   * One page, or with `params.paginate` every older page (following CB-AFTER) until `limit` items, an item older
   * than `since`, an empty page or `options.maxPages`.
   */
  private async collect<T>(
    api: Api,
    path: string,
    params: Dict,
    since: number | undefined,
    limit: number | undefined,
    timeOf: (raw: T) => number | undefined,
  ): Promise<T[]> {
    const query = { ...params };
    const paginate = take(query, 'paginate') === true;
    if (query['limit'] === undefined && limit !== undefined) query['limit'] = Math.min(limit, PAGE_MAX);
    if (paginate && query['limit'] === undefined) query['limit'] = PAGE_MAX;
    const maxPages = paginate ? Number(this.options['maxPages'] ?? 100) : 1;
    const out: T[] = [];
    for (let page = 0; page < maxPages; page++) {
      const { data, after } = await this.getPage(api, path, query);
      const items = asList<T>(data);
      out.push(...items);
      if (items.length === 0 || after === undefined || after === '') break;
      if (limit !== undefined && out.length >= limit) break;
      if (since !== undefined && items.some((x) => (timeOf(x) ?? Infinity) < since)) break;
      query['after'] = after;
    }
    return out;
  }

  private get networkTables(): NetworkTables {
    return {
      networksById: (this.options['networksById'] ?? {}) as Record<string, string>,
      networkAliases: (this.options['networkAliases'] ?? {}) as Record<string, readonly [string, string]>,
    };
  }

  private marketOf(productId: string | undefined, market?: Market): Market | undefined {
    if (productId === undefined) return market;
    return this.safeMarket(productId, market, '-');
  }

  private iso(ms: unknown): string | undefined {
    if (ms === undefined || ms === null) return undefined;
    return this.iso8601(typeof ms === 'number' ? ms : Number(ms));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Public

  override async fetchMarkets(params: Dict = {}): Promise<Market[]> {
    const raw = asList<RawProduct>(await this.publicGetProducts(params));
    const trading = (spec.fees.trading ?? {}) as Record<string, unknown>;
    return raw.map((p) => parseMarket(p, (id) => this.safeCurrencyCode(id), trading));
  }

  override async fetchCurrencies(params: Dict = {}): Promise<Record<string, Currency>> {
    const raw = asList<RawCurrency>(await this.publicGetCurrencies(params));
    const tables = this.networkTables;
    const out: Record<string, Currency> = {};
    for (const c of raw) {
      const currency = parseCurrency(c, (id) => this.safeCurrencyCode(id), tables);
      out[currency.code] = currency;
    }
    return out;
  }

  override async fetchTicker(symbol: string, params: Dict = {}): Promise<Ticker> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const request = { ...params, id: market.id };
    const raw = (await this.publicGetProductsIdTicker(request)) as RawTicker;
    // One after the other: the 24h figures only complete a ticker that exists.
    const stats =
      this.options['fetchTickerStats'] === false
        ? undefined
        : ((await this.publicGetProductsIdStats(request)) as RawStats);
    return parseTicker(raw, stats, market.symbol);
  }

  override async fetchTickers(symbols?: string[], params: Dict = {}): Promise<Tickers> {
    await this.loadMarkets();
    symbols = given(symbols);
    const wanted = symbols === undefined ? undefined : new Set(symbols.map((s) => this.market(s).symbol));
    const raw = (await this.publicGetProductsSparkLines(params)) as Record<string, RawSparkRow[]>;
    const out: Tickers = {};
    if (!isPlainObject(raw)) return out;
    for (const [productId, rows] of Object.entries(raw)) {
      const symbol = this.safeSymbol(productId, undefined, '-') ?? productId;
      if (wanted !== undefined && !wanted.has(symbol)) continue;
      out[symbol] = parseSparkTicker(asList<RawSparkRow>(rows), symbol);
    }
    return out;
  }

  override async fetchOrderBook(symbol: string, limit?: number, params: Dict = {}): Promise<OrderBook> {
    await this.loadMarkets();
    const market = this.market(symbol);
    // Level 2 is the aggregated book; level 3 (per order) only when asked for in params.
    const raw = (await this.publicGetProductsIdBook({ level: 2, ...params, id: market.id })) as RawBook;
    return parseOrderBook(raw, market.symbol, given(limit));
  }

  override async fetchTrades(symbol: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const market = this.market(symbol);
    const raw = await this.collect<RawPublicTrade>(
      'public',
      'products/{id}/trades',
      { ...params, id: market.id },
      since,
      limit,
      (t) => this.parse8601(t.time),
    );
    return sinceLimit(
      raw.map((t) => parsePublicTrade(t, market)),
      since,
      limit,
    );
  }

  override async fetchOHLCV(
    symbol: string,
    timeframe = '1m',
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<OHLCV[]> {
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const market = this.market(symbol);
    const granularity = Number(this.timeframeId(given(timeframe) ?? '1m'));
    const query: Dict = { ...params, id: market.id, granularity };
    const until = take(query, 'until');
    if (since !== undefined) {
      // The API answers at most 300 candles between start and end (both inclusive when on a boundary).
      const count = Math.min(limit ?? CANDLES_MAX, CANDLES_MAX);
      const step = granularity * 1000;
      const span = since % step === 0 ? (count - 1) * step : count * step;
      query['start'] = this.iso8601(since);
      if (query['end'] === undefined) query['end'] = until !== undefined ? this.iso(until) : this.iso8601(since + span);
    } else if (until !== undefined && query['end'] === undefined) {
      query['end'] = this.iso(until);
    }
    const rows = asList<RawCandle>(await this.publicGetProductsIdCandles(query));
    const candles = rows.filter((r) => Array.isArray(r) && r.length >= 6).map(parseCandle);
    candles.sort((a, b) => a[0] - b[0]);
    const kept = since === undefined ? candles : candles.filter((c) => c[0] >= since);
    if (limit === undefined) return kept;
    return since === undefined ? kept.slice(-limit) : kept.slice(0, limit);
  }

  override async fetchTime(params: Dict = {}): Promise<number> {
    const ms = parseTime((await this.publicGetTime(params)) as RawTime);
    if (ms === undefined) throw new ExchangeError(`${this.id} fetchTime() got no time`, { exchange: this.id });
    return ms;
  }

  override async fetchStatus(params: Dict = {}): Promise<ExchangeStatus> {
    return parseStatus((await this.statusGetApiV2StatusJson(params)) as RawStatusPage);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Account

  override async fetchBalance(params: Dict = {}): Promise<Balances> {
    await this.loadMarkets();
    const raw = asList<RawAccount>(await this.privateGetAccounts(params));
    return parseBalance(raw, (id) => this.safeCurrencyCode(id));
  }

  override async fetchTradingFees(params: Dict = {}): Promise<TradingFees> {
    await this.loadMarkets();
    const raw = (await this.privateGetFees(params)) as RawFees;
    return parseTradingFees(raw, this.symbols);
  }

  /** /fees is one rate pair for the whole profile; this is that pair, for one market. */
  override async fetchTradingFee(symbol: string, params: Dict = {}): Promise<TradingFee> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const raw = (await this.privateGetFees(params)) as RawFees;
    return parseTradingFees(raw, [market.symbol])[market.symbol]!;
  }

  private async profileAccounts(reload: boolean): Promise<RawAccount[]> {
    if (reload || this.#accounts === undefined) {
      const loading = this.privateGetAccounts().then((r: unknown) => asList<RawAccount>(r));
      this.#accounts = loading;
      loading.catch(() => {
        if (this.#accounts === loading) this.#accounts = undefined;
      });
    }
    return this.#accounts;
  }

  /** The profile account holding `code`; looked up again once when a new currency has appeared since. */
  private async accountFor(code: string, method: string): Promise<RawAccount> {
    const currencyId = this.currency(code).id;
    const find = (list: RawAccount[]) => list.find((a) => a.currency === currencyId);
    const found = find(await this.profileAccounts(false)) ?? find(await this.profileAccounts(true));
    if (found === undefined) {
      throw new ExchangeError(`${this.id} ${method}() found no ${code} account`, { exchange: this.id });
    }
    return found;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Trading

  override async createOrder(
    symbol: string,
    type: string,
    side: OrderSide,
    amount: number,
    price?: number,
    params: Dict = {},
  ): Promise<Order> {
    await this.loadMarkets();
    const market = this.checkOrder(symbol, type, side, amount, price);
    if (type !== 'limit' && type !== 'market') {
      throw new InvalidOrder(`${this.id} createOrder() supports limit and market orders, not ${type}`, {
        exchange: this.id,
      });
    }
    const rest = { ...params };
    const request: Dict = { type, side, product_id: market.id };
    const clientOrderId = take(rest, 'clientOrderId', 'client_oid');
    if (clientOrderId !== undefined) request['client_oid'] = String(clientOrderId);
    const trigger = take(rest, 'triggerPrice', 'stopPrice', 'stop_price');
    if (trigger !== undefined) {
      this.checkPositive('triggerPrice', trigger, true);
      request['stop_price'] = this.priceToPrecision(symbol, trigger as number | string);
      // A stop sell fires on the way down (loss), a stop buy on the way up (entry).
      request['stop'] = take(rest, 'stop') ?? (side === 'sell' ? 'loss' : 'entry');
    }
    let timeInForce = take(rest, 'timeInForce', 'time_in_force');
    let postOnly = take(rest, 'postOnly', 'post_only');
    if (timeInForce === 'PO') {
      timeInForce = undefined;
      postOnly = true;
    }
    if (timeInForce !== undefined) request['time_in_force'] = timeInForce;
    if (postOnly === true) request['post_only'] = true;
    if (type === 'limit') {
      request['price'] = this.priceToPrecision(symbol, price!);
      request['size'] = this.amountToPrecision(symbol, amount);
    } else {
      let cost = take(rest, 'cost', 'funds');
      if (cost !== undefined) this.checkPositive('cost', cost, true);
      // A market buy with a price is a quote amount: spend amount * price.
      if (cost === undefined && side === 'buy' && price !== undefined && price !== null) {
        cost = dMul(toDecimal(amount) ?? '0', toDecimal(price) ?? '0');
      }
      if (cost !== undefined) request['funds'] = this.costToPrecision(symbol, cost as number | string);
      else request['size'] = this.amountToPrecision(symbol, amount);
    }
    const raw = (await this.privatePostOrders({ ...request, ...rest })) as RawOrder;
    return parseOrder(raw, this.marketOf(raw.product_id, market));
  }

  override async cancelOrder(id: string, symbol?: string, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const market = given(symbol) === undefined ? undefined : this.market(symbol!);
    const rest = { ...params };
    const clientOrderId = take(rest, 'clientOrderId', 'client_oid') as string | undefined;
    // product_id is optional; with it the cancel is routed faster.
    if (market !== undefined) rest['product_id'] = market.id;
    let answer: unknown;
    if (clientOrderId !== undefined) {
      answer = await this.privateDeleteOrdersClientClientOid({ ...rest, client_oid: clientOrderId });
    } else {
      this.requireArgument('id', id, 'cancelOrder');
      answer = await this.privateDeleteOrdersId({ ...rest, id });
    }
    const canceledId = typeof answer === 'string' ? answer : id;
    return parseCanceledOrder(canceledId, market, clientOrderId);
  }

  override async cancelAllOrders(symbol?: string, params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    const market = given(symbol) === undefined ? undefined : this.market(symbol!);
    const request = market === undefined ? { ...params } : { ...params, product_id: market.id };
    const ids = asList<unknown>(await this.privateDeleteOrders(request));
    return ids.filter((x): x is string => typeof x === 'string').map((x) => parseCanceledOrder(x, market));
  }

  override async fetchOrder(id: string, symbol?: string, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const market = given(symbol) === undefined ? undefined : this.market(symbol!);
    const rest = { ...params };
    const clientOrderId = take(rest, 'clientOrderId', 'client_oid');
    let raw: RawOrder;
    if (clientOrderId !== undefined) {
      raw = (await this.privateGetOrdersClientClientOid({ ...rest, client_oid: clientOrderId })) as RawOrder;
    } else {
      this.requireArgument('id', id, 'fetchOrder');
      raw = (await this.privateGetOrdersId({ ...rest, id })) as RawOrder;
    }
    return parseOrder(raw, this.marketOf(raw.product_id, market));
  }

  /** GET /orders with a status filter (none: the working orders). */
  private async listOrders(
    status: string | undefined,
    symbol: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: Dict,
  ): Promise<Order[]> {
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const market = given(symbol) === undefined ? undefined : this.market(symbol!);
    const query: Dict = { ...params };
    if (status !== undefined && query['status'] === undefined) query['status'] = status;
    if (market !== undefined) query['product_id'] = market.id;
    if (since !== undefined) query['start_date'] = this.iso8601(since);
    const until = take(query, 'until');
    if (until !== undefined) query['end_date'] = this.iso(until);
    const raw = await this.collect<RawOrder>('private', 'orders', query, since, limit, (o) =>
      this.parse8601(o.created_at),
    );
    const orders = raw.map((o) => parseOrder(o, this.marketOf(o.product_id, market)));
    return sinceLimit(orders, since, limit);
  }

  override async fetchOpenOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    return this.listOrders(undefined, symbol, since, limit, params);
  }

  override async fetchClosedOrders(
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Order[]> {
    return this.listOrders('done', symbol, since, limit, params);
  }

  override async fetchOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    return this.listOrders('all', symbol, since, limit, params);
  }

  private async fills(market: Market | undefined, since?: number, limit?: number, params: Dict = {}) {
    since = given(since);
    limit = given(limit);
    const query: Dict = { ...params };
    if (market !== undefined) query['product_id'] = market.id;
    if (since !== undefined) query['start_date'] = this.iso8601(since);
    const until = take(query, 'until');
    if (until !== undefined) query['end_date'] = this.iso(until);
    const raw = await this.collect<RawFill>('private', 'fills', query, since, limit, (f) =>
      this.parse8601(f.created_at),
    );
    const trades = raw.map((f) => parseFill(f, this.marketOf(f.product_id, market)));
    return sinceLimit(trades, since, limit);
  }

  /** /fills needs a product or an order: a symbol, or params.order_id. */
  override async fetchMyTrades(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    symbol = given(symbol);
    if (symbol === undefined && params['order_id'] === undefined) {
      throw new ArgumentsRequired(`${this.id} fetchMyTrades() requires a symbol argument`, { exchange: this.id });
    }
    await this.loadMarkets();
    return this.fills(symbol === undefined ? undefined : this.market(symbol), since, limit, params);
  }

  override async fetchOrderTrades(
    id: string,
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Trade[]> {
    this.requireArgument('id', id, 'fetchOrderTrades');
    await this.loadMarkets();
    const market = given(symbol) === undefined ? undefined : this.market(symbol!);
    return this.fills(market, since, limit, { ...params, order_id: id });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Funding

  private async coinbaseWallets(reload: boolean): Promise<RawCoinbaseAccount[]> {
    if (reload || this.#wallets === undefined) {
      const loading = this.privateGetCoinbaseAccounts().then((r: unknown) => asList<RawCoinbaseAccount>(r));
      this.#wallets = loading;
      loading.catch(() => {
        if (this.#wallets === loading) this.#wallets = undefined;
      });
    }
    return this.#wallets;
  }

  /**
   * Generates a deposit address on the Coinbase wallet of `code` (POST coinbase-accounts/{id}/addresses): the API
   * has no read-only address lookup, so fetching one and creating one are the same call.
   */
  override async createDepositAddress(code: string, params: Dict = {}): Promise<DepositAddress> {
    await this.loadMarkets();
    const currency = this.currency(code);
    const rest = { ...params };
    // params.id: the Coinbase wallet id, when the caller knows it (saves the wallet lookup).
    let walletId = take(rest, 'id') as string | undefined;
    if (walletId === undefined) {
      const find = (list: RawCoinbaseAccount[]) => list.find((w) => w.currency === currency.id);
      const wallet = find(await this.coinbaseWallets(false)) ?? find(await this.coinbaseWallets(true));
      if (wallet === undefined) {
        throw new InvalidAddress(`${this.id} has no Coinbase wallet for ${currency.code}`, { exchange: this.id });
      }
      walletId = wallet.id;
    }
    const network = take(rest, 'network');
    if (network !== undefined) rest['network'] = networkIdFor(String(network), this.networkTables) ?? network;
    const raw = (await this.privatePostCoinbaseAccountsIdAddresses({ ...rest, id: walletId })) as RawDepositAddress;
    const parsed = parseDepositAddress(raw, currency.code, this.networkTables);
    if (parsed.address === '') {
      throw new InvalidAddress(`${this.id} returned no ${currency.code} address`, { exchange: this.id });
    }
    return parsed;
  }

  override async fetchDepositAddress(code: string, params: Dict = {}): Promise<DepositAddress> {
    return this.createDepositAddress(code, params);
  }

  override async withdraw(
    code: string,
    amount: number,
    address: string,
    tag?: string,
    params: Dict = {},
  ): Promise<Transaction> {
    const rest = { ...params };
    const memo = given(tag) ?? (take(rest, 'tag', 'memo') as string | undefined);
    this.checkPositive('amount', amount, true);
    await this.loadMarkets();
    const currency = this.currency(code);
    const request: Dict = { ...rest, currency: currency.id, amount: plainString(amount) };
    let raw: RawWithdrawal;
    if (rest['payment_method_id'] !== undefined) {
      raw = (await this.privatePostWithdrawalsPaymentMethod(request)) as RawWithdrawal;
    } else if (rest['coinbase_account_id'] !== undefined) {
      raw = (await this.privatePostWithdrawalsCoinbaseAccount(request)) as RawWithdrawal;
    } else {
      if (typeof address !== 'string' || address.trim() === '' || /\s/.test(address)) {
        throw new InvalidAddress(`${this.id} withdraw() needs a valid address, got ${String(address)}`, {
          exchange: this.id,
        });
      }
      request['crypto_address'] = address;
      if (memo !== undefined && memo !== '') request['destination_tag'] = memo;
      const network = take(request, 'network');
      if (network !== undefined) request['network'] = networkIdFor(String(network), this.networkTables) ?? network;
      raw = (await this.privatePostWithdrawalsCrypto(request)) as RawWithdrawal;
    }
    return parseWithdrawal(raw, currency.code, { address, tag: memo }, this.networkTables);
  }

  /** Transfers of one account (code or params.id) or of the whole profile. */
  private async transfers(
    type: 'deposit' | 'withdraw' | undefined,
    code: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: Dict,
  ): Promise<Transaction[]> {
    code = given(code);
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const query: Dict = { ...params };
    if (type !== undefined && query['type'] === undefined) query['type'] = type;
    let accountId = take(query, 'id') as string | undefined;
    if (accountId === undefined && code !== undefined) accountId = (await this.accountFor(code, 'fetchTransfers')).id;
    const raw =
      accountId === undefined
        ? await this.collect<RawTransfer>('private', 'transfers', query, since, limit, (t) =>
            this.parse8601(t.created_at),
          )
        : await this.collect<RawTransfer>(
            'private',
            'accounts/{id}/transfers',
            { ...query, id: accountId },
            since,
            limit,
            (t) => this.parse8601(t.created_at),
          );
    // Profile-wide transfers name their account, not always their currency.
    let byAccount: Map<string, string> | undefined;
    if (code === undefined && raw.some((t) => t.currency === undefined && t.account_id !== undefined)) {
      byAccount = new Map((await this.profileAccounts(false)).map((a) => [a.id, a.currency]));
    }
    const tables = this.networkTables;
    const list = raw.map((t) => {
      const currencyId = t.currency ?? (t.account_id === undefined ? undefined : byAccount?.get(t.account_id));
      const currencyCode = code ?? this.safeCurrencyCode(currencyId);
      return parseTransfer(t, currencyCode, tables);
    });
    return sinceLimit(list, since, limit);
  }

  override async fetchDeposits(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    return this.transfers('deposit', code, since, limit, params);
  }

  override async fetchWithdrawals(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    return this.transfers('withdraw', code, since, limit, params);
  }

  override async fetchDepositsWithdrawals(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    return this.transfers(undefined, code, since, limit, params);
  }

  /** The ledger is per account, so a currency is required. */
  override async fetchLedger(code?: string, since?: number, limit?: number, params: Dict = {}): Promise<LedgerEntry[]> {
    code = given(code);
    since = given(since);
    limit = given(limit);
    if (code === undefined) {
      throw new ArgumentsRequired(`${this.id} fetchLedger() requires a code argument`, { exchange: this.id });
    }
    await this.loadMarkets();
    const currency = this.currency(code);
    const query: Dict = { ...params };
    // params.id: the profile account id of that currency, when the caller knows it (saves the account lookup).
    if (query['id'] === undefined) query['id'] = (await this.accountFor(code, 'fetchLedger')).id;
    const accountId = String(query['id']);
    if (since !== undefined) query['start_date'] = this.iso8601(since);
    const until = take(query, 'until');
    if (until !== undefined) query['end_date'] = this.iso(until);
    const raw = await this.collect<RawLedgerEntry>('private', 'accounts/{id}/ledger', query, since, limit, (e) =>
      this.parse8601(e.created_at),
    );
    const entries = raw.map((e) => parseLedgerEntry(e, currency.code, accountId));
    return sinceLimit(entries, since, limit);
  }
}

export { coinbasepro as coinbaseexchange };
