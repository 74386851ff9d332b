/**
 * Bitstamp spot, REST API v2 (https://www.bitstamp.net/api/). Public GETs take query strings; private calls are
 * form POSTs signed with the v2 header scheme (X-Auth-*, see sign()). Market data, balances, orders (limit,
 * market, instant), order status, user transactions, crypto deposits and withdrawals. Streams live in ws.ts.
 */
import { hmac, numberToPlainString, uuid } from '../../core/auth/index.js';
import { NO_PADDING, TICK_SIZE, TRUNCATE, decimalToPrecision, tickFromPrecision } from '../../core/decimal.js';
import { buildTransaction } from '../../core/build.js';
import { ArgumentsRequired, BadRequest, ExchangeError, InvalidOrder, NotSupported } from '../../core/errors.js';
import { Exchange, urlencodeParams, type SignedRequest } from '../../core/exchange.js';
import type { HttpRequest } from '../../core/http.js';
import type { ImplicitApi } from '../../core/spec.js';
import type {
  Balances,
  Currency,
  DepositAddress,
  Dict,
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
  DepositWithdrawFee,
  TransactionFees,
} from '../../core/types.js';
import { filterBySinceLimit, int, isPlainObject, omit, sortBy, str } from '../../core/util.js';
import {
  currenciesFromMarketRows,
  errorDetails,
  marketIdFromName,
  nonZero,
  parseBalances,
  parseCandle,
  parseCryptoTransaction,
  parseCurrency,
  parseDepositAddress,
  parseLedgerRow,
  parseLedgerTrade,
  parseLedgerTransfer,
  parseMarket,
  parseOrder,
  parseOrderBook,
  parsePublicTrade,
  parseTicker,
  parseTradingFee,
  parseWithdrawalFees,
  parseWithdrawalRequest,
  symbolFromName,
  type Lookup,
  type OrderContext,
  type RawBalance,
  type RawCandle,
  type RawCryptoTransaction,
  type RawCurrency,
  type RawDepositAddress,
  type RawLedgerRow,
  type RawMarket,
  type RawOrder,
  type RawOrderBook,
  type RawPublicTrade,
  type RawTicker,
  type RawTradingFee,
  type RawWithdrawalFee,
  type RawWithdrawalRequest,
} from './parse.js';
import { spec } from './spec.js';

/** Unified createOrder params that are translated here, not forwarded. */
const ORDER_PARAMS = ['clientOrderId', 'client_order_id', 'timeInForce', 'postOnly', 'cost', 'expireTime'];
/** Conditional orders Bitstamp's spot endpoints do not take. */
const TRIGGER_PARAMS = ['triggerPrice', 'stopPrice', 'stopLossPrice', 'takeProfitPrice', 'trailingAmount'];
/** timeInForce -> the one optional flag Bitstamp allows per limit order (flags are mutually exclusive). */
const TIME_IN_FORCE_FLAG: Record<string, string | undefined> = {
  GTC: undefined,
  IOC: 'ioc_order',
  FOK: 'fok_order',
  PO: 'moc_order',
  GTD: 'gtd_order',
  DAY: 'daily_order',
};
/** user_transactions/ row types */
const ROW_DEPOSIT = '0';
const ROW_WITHDRAWAL = '1';
const ROW_TRADE = '2';
/** Most rows one user_transactions/ or crypto-transactions/ call returns. */
const MAX_ROWS = 1000;
const FIAT = new Set(['USD', 'EUR', 'GBP']);

const rowType = (row: RawLedgerRow): string | undefined => str(row, 'type');
/** A JSON answer that should be a list, or an empty one. */
const listOf = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);

/** Oldest first, then CCXT's since/limit cut (the newest `limit` when no `since` is given). */
function window<T extends { timestamp?: number | undefined }>(
  items: T[],
  since: number | undefined | null,
  limit: number | undefined | null,
  newestWithoutSince = false,
): T[] {
  sortBy(items, (x) => x.timestamp);
  const from = since ?? undefined;
  return filterBySinceLimit(items, from, limit ?? undefined, newestWithoutSince && from === undefined);
}

/** An optional argument that was passed (CCXT callers pass null as often as undefined). */
const given = <T>(x: T | undefined | null): x is T => x !== undefined && x !== null;

/** CCXT's transfer structure. */
export interface TransferEntry {
  info: unknown;
  id: string | undefined;
  timestamp: number | undefined;
  datetime: string | undefined;
  currency: string;
  amount: number;
  fromAccount: string;
  toAccount: string;
  status: string | undefined;
}

export interface bitstamp extends ImplicitApi<typeof spec.api> {}

export class bitstamp extends Exchange {
  static override spec = spec;
  /** Streaming (websocket API v2): loaded by the first watch call. */
  static override streams = async () => (await import('./ws.js')).bitstampStreams;

  // ---- ids ----
  /** Resolvers handed to the pure parsers. */
  protected lookup(): Lookup {
    const networks = (this.options['networksById'] ?? {}) as Record<string, string>;
    return {
      marketById: (id) => this.marketsById[id]?.[0],
      currencyCode: (id) => this.safeCurrencyCode(id) ?? id.toUpperCase(),
      networkCode: (id) => networks[id.toLowerCase()] ?? id.toUpperCase(),
    };
  }

  /** Unified network code (ERC20) or Bitstamp's own name (ethereum) -> Bitstamp's name. */
  protected networkId(network: string): string {
    const networks = (this.options['networksById'] ?? {}) as Record<string, string>;
    for (const [id, code] of Object.entries(networks)) if (code === network.toUpperCase()) return id;
    return network.toLowerCase();
  }

  /** Lowercase currency id as Bitstamp's per-currency paths ({currency}_address/) take it. */
  protected currencyPathId(code: string): string {
    const known = this.currencies[code];
    return (known?.id ?? code).toLowerCase();
  }

  /** The market of an optional symbol argument (undefined and null both mean "all markets"). */
  protected optionalMarket(symbol: string | undefined | null): Market | undefined {
    return given(symbol) ? this.market(symbol) : undefined;
  }

  protected isFiat(code: string): boolean {
    return this.currencies[code]?.type === 'fiat' || FIAT.has(code);
  }

  // ---- signing ----
  /** X-Auth-Nonce: a fresh UUID v4 per request; options.nonceFactory replaces it (tests, replay). */
  protected authNonce(): string {
    const factory = this.options['nonceFactory'];
    return typeof factory === 'function' ? String((factory as () => unknown)()) : uuid();
  }

  override sign(
    path: string,
    api: string,
    method: string,
    params: Dict,
    headers?: Record<string, string>,
    body?: string,
  ): SignedRequest {
    let url = `${this.apiUrl(api)}/${path}`;
    const encoded = urlencodeParams(params);
    const inQuery = api === 'public' || method === 'GET' || method === 'DELETE';
    if (inQuery && encoded !== '') url += `?${encoded}`;
    if (api === 'public') return { url, method, headers };
    this.checkRequiredCredentials();
    const payload = inQuery ? '' : (body ?? encoded);
    // An empty body must go without a Content-Type, in the headers and in the signed string (else API0020).
    const contentType = payload === '' ? '' : 'application/x-www-form-urlencoded';
    const nonce = this.authNonce();
    const timestamp = String(this.milliseconds());
    const xAuth = `BITSTAMP ${this.apiKey ?? ''}`;
    // host + path + query, exactly as sent
    const target = url.replace(/^[a-z]+:\/\//i, '');
    const message = `${xAuth}${method}${target}${contentType}${nonce}${timestamp}v2${payload}`;
    const signed: Record<string, string> = {
      ...headers,
      'X-Auth': xAuth,
      'X-Auth-Signature': hmac(message, this.secret ?? '', 'sha256', 'hex'),
      'X-Auth-Nonce': nonce,
      'X-Auth-Timestamp': timestamp,
      'X-Auth-Version': 'v2',
    };
    const subaccount = this.options['subaccountId'];
    if (typeof subaccount === 'string' && subaccount !== '') signed['X-Auth-Subaccount-Id'] = subaccount;
    if (contentType !== '') signed['Content-Type'] = contentType;
    return { url, method, headers: signed, body: payload === '' ? undefined : payload };
  }

  override handleErrors(
    status: number,
    _statusText: string,
    _url: string,
    _method: string,
    _responseHeaders: Record<string, string>,
    body: string,
    json: any,
    _request: HttpRequest,
  ): void {
    const found = errorDetails(json);
    if (found === undefined) return;
    const code = found.codes[0];
    // response codes (403.004) and auth codes (API0005) are the most specific; then the messages
    for (const c of found.codes) this.throwExactlyMatched(c, body, status);
    for (const m of found.messages) this.throwExactlyMatched(m, body, status);
    for (const m of found.messages) this.throwBroadlyMatched(m, body, code, status);
    throw this.makeError('ExchangeError', body, code, status);
  }

  // ---- markets ----
  override async fetchMarkets(params: Dict = {}): Promise<Market[]> {
    const rows: unknown = await this.publicGetMarkets(params);
    const trading = (this.spec.fees?.['trading'] ?? {}) as { taker?: number; maker?: number; tiers?: unknown };
    const fees = { taker: trading.taker, maker: trading.maker, tiers: trading.tiers };
    const lookup = this.lookup();
    const out: Market[] = [];
    for (const row of listOf<RawMarket>(rows)) {
      const m = parseMarket(row, lookup, fees);
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  override async fetchCurrencies(params: Dict = {}): Promise<Record<string, Currency>> {
    const rows = (await this.publicGetCurrencies(params)) as unknown[];
    const list = Array.isArray(rows) ? rows.filter(isPlainObject) : [];
    const lookup = this.lookup();
    // a market-shaped list (base_currency / counter_currency) still yields the currencies it trades
    if (list.length > 0 && list.every((r) => r['currency'] === undefined)) {
      return currenciesFromMarketRows(list as RawMarket[], lookup);
    }
    const out: Record<string, Currency> = {};
    for (const row of list) {
      const c = parseCurrency(row as RawCurrency, lookup);
      if (c !== undefined) out[c.code] = c;
    }
    return out;
  }

  // ---- market data ----
  override async fetchTicker(symbol: string, params: Dict = {}): Promise<Ticker> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const raw = (await this.publicGetTickerMarketSymbol({ market_symbol: market.id, ...params })) as RawTicker;
    return parseTicker(raw, market.symbol, market);
  }

  override async fetchTickers(symbols?: string[], params: Dict = {}): Promise<Tickers> {
    await this.loadMarkets();
    const wanted = !given(symbols) ? undefined : new Set(symbols.map((s) => this.market(s).symbol));
    const rows: unknown = await this.publicGetTicker(params);
    const out: Tickers = {};
    const lookup = this.lookup();
    for (const row of listOf<RawTicker>(rows)) {
      const name = row.pair ?? row.market;
      const market = lookup.marketById(marketIdFromName(name) ?? '');
      const symbol = market?.symbol ?? symbolFromName(name, lookup);
      if (symbol === undefined || (wanted !== undefined && !wanted.has(symbol))) continue;
      out[symbol] = parseTicker(row, symbol, market);
    }
    return out;
  }

  override async fetchOrderBook(symbol: string, limit?: number, params: Dict = {}): Promise<OrderBook> {
    await this.loadMarkets();
    const market = this.market(symbol);
    if (given(limit)) this.checkPositive('limit', limit, false);
    const raw = (await this.publicGetOrderBookMarketSymbol({ market_symbol: market.id, ...params })) as RawOrderBook;
    return parseOrderBook(raw, market.symbol, limit ?? undefined);
  }

  override async fetchTrades(symbol: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const from = since ?? undefined;
    // The endpoint serves the last minute, hour or day; reach back a day only when `since` asks for it.
    let time = String(this.options['fetchTradesTime'] ?? 'hour');
    if (from !== undefined && this.milliseconds() - from > 3_600_000) time = 'day';
    const rows = (await this.publicGetTransactionsMarketSymbol({
      market_symbol: market.id,
      time,
      ...params,
    })) as RawPublicTrade[];
    return window(
      listOf<RawPublicTrade>(rows).map((r) => parsePublicTrade(r, market)),
      from,
      limit,
      true,
    );
  }

  override async fetchOHLCV(
    symbol: string,
    timeframe = '1m',
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<OHLCV[]> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const step = this.timeframeId(timeframe);
    const seconds = Number(step);
    const count = Math.min(limit ?? MAX_ROWS, MAX_ROWS);
    const until = int(params, 'until');
    const request: Dict = { market_symbol: market.id, step, limit: count };
    if (given(since)) {
      const start = Math.floor(since / 1000);
      const end = start + seconds * count - 1;
      request['start'] = start;
      // without a limit the caller asked for everything up to `until`
      request['end'] =
        until === undefined ? end : !given(limit) ? Math.floor(until / 1000) : Math.min(end, Math.floor(until / 1000));
    } else if (until !== undefined) {
      const end = Math.floor(until / 1000);
      request['end'] = end;
      request['start'] = end - seconds * count - 1;
    }
    const response = (await this.publicGetOhlcMarketSymbol({ ...request, ...omit(params, 'until') })) as {
      data?: { ohlc?: RawCandle[] };
    };
    const rows = response.data?.ohlc ?? [];
    const candles = rows.map(parseCandle).sort((a, b) => a[0] - b[0]);
    return !given(since) ? candles.slice(-count) : candles.filter((c) => c[0] >= since).slice(0, count);
  }

  // ---- account ----
  override async fetchBalance(params: Dict = {}): Promise<Balances> {
    await this.loadMarkets();
    const rows = (await this.privatePostAccountBalances(params)) as RawBalance[];
    return parseBalances(listOf<RawBalance>(rows), this.lookup());
  }

  override async fetchTradingFee(symbol: string, params: Dict = {}): Promise<TradingFee> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const response = (await this.privatePostFeesTrading({ market_symbol: market.id, ...params })) as
      RawTradingFee | RawTradingFee[];
    const rows = Array.isArray(response) ? response : [response];
    const row =
      rows.find((r) => (r.market ?? r.currency_pair) === market.id) ?? (rows.length === 1 ? rows[0] : undefined);
    return parseTradingFee(row ?? {}, market.symbol);
  }

  override async fetchTradingFees(params: Dict = {}): Promise<TradingFees> {
    await this.loadMarkets();
    const rows: unknown = await this.privatePostFeesTrading(params);
    const out: TradingFees = {};
    for (const row of listOf<RawTradingFee>(rows)) {
      const id = row.market ?? row.currency_pair;
      const symbol = this.safeSymbol(id);
      if (symbol === undefined) continue;
      out[symbol] = parseTradingFee(row, symbol);
    }
    return out;
  }

  // ---- orders ----
  /** Instant buys spend quote currency, rounded to the market's instant_order_counter_decimals. */
  protected quoteAmountToPrecision(market: Market, cost: number | string): string {
    this.checkPositive('cost', cost, true);
    const decimals = int(market.info, 'instant_order_counter_decimals');
    if (decimals === undefined) return this.costToPrecision(market.symbol, cost);
    const out = decimalToPrecision(cost, TRUNCATE, tickFromPrecision(decimals), TICK_SIZE, NO_PADDING);
    if (Number(out) <= 0) throw new InvalidOrder(`${this.id} cost ${String(cost)} is below the quote precision`);
    return out;
  }

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
    const kind = type.toLowerCase();
    if (kind !== 'limit' && kind !== 'market' && kind !== 'instant') {
      throw new InvalidOrder(`${this.id} order type must be limit, market or instant, got ${type}`);
    }
    for (const key of TRIGGER_PARAMS) {
      if (params[key] !== undefined) throw new NotSupported(`${this.id} createOrder() does not support ${key}`);
    }
    const request: Dict = { market_symbol: market.id };
    const clientOrderId = str(params, 'clientOrderId', 'client_order_id');
    if (clientOrderId !== undefined) request['client_order_id'] = clientOrderId;
    const tif = str(params, 'timeInForce')?.toUpperCase();
    const postOnly = params['postOnly'] === true || tif === 'PO';
    const cost = params['cost'] as number | string | undefined;
    let call: (p: Dict) => Promise<unknown>;
    if (kind === 'limit') {
      request['amount'] = this.amountToPrecision(symbol, amount);
      request['price'] = this.priceToPrecision(symbol, price!);
      const effective = postOnly ? 'PO' : tif;
      if (effective !== undefined) {
        if (!(effective in TIME_IN_FORCE_FLAG)) {
          throw new InvalidOrder(`${this.id} timeInForce must be one of GTC, IOC, FOK, PO, GTD, DAY`);
        }
        if (postOnly && tif !== undefined && tif !== 'PO' && tif !== 'GTC') {
          throw new InvalidOrder(`${this.id} postOnly cannot be combined with timeInForce ${tif}`);
        }
        const flag = TIME_IN_FORCE_FLAG[effective];
        if (flag !== undefined) request[flag] = 'True';
        if (effective === 'GTD') {
          const expire = params['expireTime'] ?? params['expire_time'];
          if (expire === undefined) throw new ArgumentsRequired(`${this.id} a GTD order requires params.expireTime`);
          request['expire_time'] = expire;
        }
      }
      call = side === 'buy' ? this.privatePostBuyMarketSymbol : this.privatePostSellMarketSymbol;
    } else {
      if (postOnly) throw new InvalidOrder(`${this.id} postOnly applies to limit orders only`);
      if (tif !== undefined && tif !== 'IOC' && tif !== 'GTC') {
        throw new InvalidOrder(`${this.id} timeInForce ${tif} applies to limit orders only`);
      }
      if (cost !== undefined || (kind === 'instant' && side === 'buy')) {
        // instant orders in quote currency: a buy spends `amount`, a sell with amount_in_counter raises it
        request['amount'] = this.quoteAmountToPrecision(market, cost ?? amount);
        if (side === 'sell') request['amount_in_counter'] = 'True';
        call = side === 'buy' ? this.privatePostBuyInstantMarketSymbol : this.privatePostSellInstantMarketSymbol;
      } else {
        request['amount'] = this.amountToPrecision(symbol, amount);
        if (kind === 'instant') call = this.privatePostSellInstantMarketSymbol;
        else call = side === 'buy' ? this.privatePostBuyMarketMarketSymbol : this.privatePostSellMarketMarketSymbol;
      }
    }
    const response = (await call.call(this, { ...request, ...omit(params, ORDER_PARAMS) })) as RawOrder;
    const order = parseOrder(isPlainObject(response) ? response : {}, { market, lookup: this.lookup() });
    order.type = kind;
    order.side ??= side;
    return order;
  }

  /** Spend `cost` of the quote currency at market (Bitstamp's instant buy). */
  async createMarketBuyOrderWithCost(symbol: string, cost: number, params: Dict = {}): Promise<Order> {
    return this.createOrder(symbol, 'market', 'buy', cost, undefined, { ...params, cost });
  }

  override async editOrder(
    id: string,
    symbol: string,
    type: string,
    side: OrderSide,
    amount?: number,
    price?: number,
    params: Dict = {},
  ): Promise<Order> {
    await this.loadMarkets();
    const market = this.market(symbol);
    if (type !== 'limit') throw new InvalidOrder(`${this.id} editOrder() replaces limit orders only`);
    this.checkPositive('amount', amount, true);
    this.checkPositive('price', price, true);
    const request: Dict = {
      amount: this.amountToPrecision(symbol, amount!),
      price: this.priceToPrecision(symbol, price!),
    };
    const original = str(params, 'origClientOrderId', 'orig_client_order_id');
    if (original !== undefined) request['orig_client_order_id'] = original;
    else {
      this.requireArgument('id', id, 'editOrder');
      request['id'] = id;
    }
    const next = str(params, 'clientOrderId', 'client_order_id');
    if (next !== undefined) request['client_order_id'] = next;
    const rest = omit(params, ['origClientOrderId', 'orig_client_order_id', 'clientOrderId', 'client_order_id']);
    const response = (await this.privatePostReplaceOrder({ ...request, ...rest })) as RawOrder;
    const order = parseOrder(response, { market, lookup: this.lookup(), status: 'open', type: 'limit' });
    order.side ??= side;
    return order;
  }

  /** `id`, or params.clientOrderId instead: order_status/ and cancel_order/ take either. */
  private orderRef(id: string | undefined, params: Dict, method: string): { request: Dict; rest: Dict } {
    const clientOrderId = str(params, 'clientOrderId', 'client_order_id');
    const rest = omit(params, ['clientOrderId', 'client_order_id']);
    if (clientOrderId !== undefined) return { request: { client_order_id: clientOrderId }, rest };
    this.requireArgument('id', id, method);
    return { request: { id }, rest };
  }

  override async cancelOrder(id: string, symbol?: string, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const market = this.optionalMarket(symbol);
    const { request, rest } = this.orderRef(id, params, 'cancelOrder');
    const response = (await this.privatePostCancelOrder({ ...request, ...rest })) as RawOrder;
    return parseOrder(response, { market, lookup: this.lookup(), status: 'canceled' });
  }

  override async cancelAllOrders(symbol?: string, params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    const market = this.optionalMarket(symbol);
    const response = (
      market === undefined
        ? await this.privatePostCancelAllOrders(params)
        : await this.privatePostCancelAllOrdersMarketSymbol({ market_symbol: market.id, ...params })
    ) as { canceled?: RawOrder[] };
    const ctx: OrderContext = { market, lookup: this.lookup(), status: 'canceled' };
    return (response.canceled ?? []).map((o) => parseOrder(o, ctx));
  }

  override async fetchOrder(id: string, symbol?: string, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const market = this.optionalMarket(symbol);
    const { request, rest } = this.orderRef(id, params, 'fetchOrder');
    const response = (await this.privatePostOrderStatus({ ...request, ...rest })) as RawOrder;
    const order = parseOrder(response, { market, lookup: this.lookup() });
    if (order.id === '' && request['id'] !== undefined) order.id = String(request['id']);
    return order;
  }

  /** The fills order_status/ lists for one order. */
  override async fetchOrderTrades(
    id: string,
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Trade[]> {
    const order = await this.fetchOrder(id, symbol, params);
    return window([...order.trades], since, limit);
  }

  override async fetchOpenOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    const market = this.optionalMarket(symbol);
    const rows = (await this.privatePostOpenOrdersAll(params)) as RawOrder[];
    const ctx: OrderContext = { lookup: this.lookup(), status: 'open', type: 'limit' };
    const orders = listOf<RawOrder>(rows).map((o) => parseOrder(o, ctx));
    return window(market === undefined ? orders : orders.filter((o) => o.symbol === market.symbol), since, limit);
  }

  override async fetchMyTrades(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    const market = this.optionalMarket(symbol);
    const request: Dict = {};
    if (given(limit)) request['limit'] = Math.min(limit, MAX_ROWS);
    const rows = (
      market === undefined
        ? await this.privatePostUserTransactions({ ...request, ...params })
        : await this.privatePostUserTransactionsMarketSymbol({ market_symbol: market.id, ...request, ...params })
    ) as RawLedgerRow[];
    const lookup = this.lookup();
    const trades = listOf<RawLedgerRow>(rows)
      .filter((r) => rowType(r) === ROW_TRADE)
      .map((r) => parseLedgerTrade(r, market, lookup));
    return window(trades, since, limit, true);
  }

  // ---- funding ----
  override async fetchDepositAddress(code: string, params: Dict = {}): Promise<DepositAddress> {
    if (this.isFiat(code)) throw new NotSupported(`${this.id} fetchDepositAddress() has no address for fiat ${code}`);
    await this.loadMarkets();
    const network = str(params, 'network');
    const request: Dict = { currency: this.currencyPathId(code) };
    if (network !== undefined) request['network'] = this.networkId(network);
    const raw = (await this.privatePostCurrencyAddress({
      ...omit(params, 'network'),
      ...request,
    })) as RawDepositAddress;
    if (!isPlainObject(raw) || typeof raw.address !== 'string' || raw.address === '') {
      throw new ExchangeError(`${this.id} fetchDepositAddress() returned no address for ${code}`);
    }
    const unified = network === undefined ? undefined : this.lookup().networkCode!(this.networkId(network));
    return parseDepositAddress(raw, code, unified);
  }

  override async fetchDeposits(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    await this.loadMarkets();
    const request: Dict = { limit: Math.min(limit ?? MAX_ROWS, MAX_ROWS) };
    if (given(since)) request['since_timestamp'] = Math.floor(since / 1000);
    const response = (await this.privatePostCryptoTransactions({ ...request, ...params })) as {
      deposits?: RawCryptoTransaction[];
    };
    const lookup = this.lookup();
    const out = listOf<RawCryptoTransaction>(response.deposits).map((d) =>
      parseCryptoTransaction(d, 'deposit', lookup),
    );
    return window(given(code) ? out.filter((t) => t.currency === code) : out, since, limit);
  }

  override async fetchWithdrawals(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    await this.loadMarkets();
    const cap = Number(this.options['maxWithdrawalTimedelta'] ?? 50_000_000);
    // timedelta: how many seconds back to look
    const timedelta = !given(since) ? cap : Math.min(cap, Math.ceil((this.milliseconds() - since) / 1000));
    const request: Dict = { timedelta: Math.max(timedelta, 1) };
    if (given(limit)) request['limit'] = limit;
    const rows = (await this.privatePostWithdrawalRequests({ ...request, ...params })) as RawWithdrawalRequest[];
    const lookup = this.lookup();
    const out = listOf<RawWithdrawalRequest>(rows).map((r) => parseWithdrawalRequest(r, lookup));
    return window(given(code) ? out.filter((t) => t.currency === code) : out, since, limit);
  }

  override async fetchDepositsWithdrawals(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    await this.loadMarkets();
    const request: Dict = {};
    if (given(limit)) request['limit'] = Math.min(limit, MAX_ROWS);
    const rows = (await this.privatePostUserTransactions({ ...request, ...params })) as RawLedgerRow[];
    const lookup = this.lookup();
    const currencyId = given(code) ? this.currencyPathId(code) : undefined;
    const out = listOf<RawLedgerRow>(rows)
      .filter((r) => [ROW_DEPOSIT, ROW_WITHDRAWAL].includes(rowType(r) ?? ''))
      .filter((r) => currencyId === undefined || nonZero(r[currencyId]))
      .map((r) => parseLedgerTransfer(r, lookup, currencyId));
    return window(out, since, limit);
  }

  override async withdraw(
    code: string,
    amount: number,
    address: string,
    tag?: string,
    params: Dict = {},
  ): Promise<Transaction> {
    this.checkPositive('amount', amount, true);
    this.requireArgument('address', address, 'withdraw');
    await this.loadMarkets();
    const memo = tag ?? str(params, 'tag');
    const rest = omit(params, ['tag', 'network']);
    const quantity =
      this.currencies[code] !== undefined ? this.currencyToPrecision(code, amount) : numberToPlainString(amount);
    let response: unknown;
    if (this.isFiat(code)) {
      // bank withdrawal: `address` is the IBAN; name, bic, postal data and `type` (sepa | international) via params
      const request: Dict = { amount: quantity, account_currency: code, iban: address };
      response = await this.privatePostWithdrawalOpen({ ...request, ...rest });
    } else {
      const request: Dict = { currency: this.currencyPathId(code), amount: quantity, address };
      const tagged = (this.options['destinationTagCurrencies'] ?? []) as string[];
      if (memo !== undefined) request[tagged.includes(code) ? 'destination_tag' : 'memo_id'] = memo;
      const network = str(params, 'network');
      if (network !== undefined) request['network'] = this.networkId(network);
      response = await this.privatePostCurrencyWithdrawal({ ...rest, ...request });
    }
    const network = str(params, 'network');
    return buildTransaction({
      id: str(response, 'id', 'withdrawal_id'),
      type: 'withdrawal',
      currency: code,
      amount: quantity,
      address,
      addressTo: address,
      tag: memo,
      tagTo: memo,
      network: network === undefined ? undefined : this.lookup().networkCode!(this.networkId(network)),
      status: 'pending',
      info: response,
    });
  }

  override async fetchLedger(code?: string, since?: number, limit?: number, params: Dict = {}): Promise<LedgerEntry[]> {
    await this.loadMarkets();
    const request: Dict = {};
    if (given(limit)) request['limit'] = Math.min(limit, MAX_ROWS);
    const rows = (await this.privatePostUserTransactions({ ...request, ...params })) as RawLedgerRow[];
    const lookup = this.lookup();
    const currencyId = given(code) ? this.currencyPathId(code) : undefined;
    const out = listOf<RawLedgerRow>(rows)
      .filter((r) => currencyId === undefined || nonZero(r[currencyId]))
      .map((r) => parseLedgerRow(r, lookup, currencyId));
    return window(out, since, limit);
  }

  /**
   * Moves funds between the main account and a sub-account ('main' on one side, the sub-account id on the other):
   * transfer-from-main/ or transfer-to-main/.
   */
  override async transfer(
    code: string,
    amount: number,
    fromAccount: string,
    toAccount: string,
    params: Dict = {},
  ): Promise<TransferEntry> {
    this.checkPositive('amount', amount, true);
    await this.loadMarkets();
    const currency = this.currency(code);
    const request: Dict = { amount: this.currencyToPrecision(code, amount), currency: currency.id.toUpperCase() };
    let response: unknown;
    if (fromAccount === 'main' && toAccount !== 'main') {
      response = await this.privatePostTransferFromMain({ ...request, subAccount: toAccount, ...params });
    } else if (toAccount === 'main' && fromAccount !== 'main') {
      response = await this.privatePostTransferToMain({ ...request, subAccount: fromAccount, ...params });
    } else {
      throw new BadRequest(`${this.id} transfer() moves funds between 'main' and a sub-account id`);
    }
    const status = str(response, 'status');
    return {
      info: response,
      id: undefined,
      timestamp: undefined,
      datetime: undefined,
      currency: code,
      amount,
      fromAccount,
      toAccount,
      status: status === 'ok' ? 'ok' : status === 'error' ? 'failed' : status,
    };
  }

  // ---- withdrawal fees (CCXT methods outside the core list; flagged in spec.has) ----
  override async fetchDepositWithdrawFees(
    codes?: string[],
    params: Dict = {},
  ): Promise<Record<string, DepositWithdrawFee>> {
    await this.loadMarkets();
    const rows = (await this.privatePostFeesWithdrawal(params)) as RawWithdrawalFee[];
    const all = parseWithdrawalFees(listOf<RawWithdrawalFee>(rows), this.lookup());
    if (!given(codes)) return all;
    return Object.fromEntries(Object.entries(all).filter(([c]) => codes.includes(c)));
  }

  /** Deprecated in CCXT in favour of fetchDepositWithdrawFees: {withdraw: {code: fee}, deposit: {}, info}. */
  override async fetchTransactionFees(codes?: string[], params: Dict = {}): Promise<TransactionFees> {
    const fees = await this.fetchDepositWithdrawFees(codes, params);
    const withdraw: Record<string, number | undefined> = {};
    for (const [c, f] of Object.entries(fees)) withdraw[c] = f.withdraw.fee;
    return { withdraw, deposit: {}, info: Object.values(fees).map((f) => f.info) };
  }
}
