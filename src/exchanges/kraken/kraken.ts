/**
 * Kraken spot, with margin (leverage / reduce_only) on spot pairs. REST API v0: public GETs with query strings,
 * private POSTs with form bodies signed by HMAC-SHA512 (see sign()). Docs: https://docs.kraken.com/api/
 */
import { base64ToBytes, hashBytes, hmac, numberToPlainString, urlencode, utf8 } from '../../core/auth/index.js';
import { dAdd, dDiv, toDecimal } from '../../core/decimal.js';
import {
  ArgumentsRequired,
  BadRequest,
  BadSymbol,
  ExchangeError,
  InvalidAddress,
  InvalidOrder,
  OrderNotFound,
} from '../../core/errors.js';
import { Exchange, type SignedRequest } from '../../core/exchange.js';
import type { ImplicitApi } from '../../core/spec.js';
import { buildOrder } from '../../core/build.js';
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
import { filterBySinceLimit, given, omit, parse8601, sortBy, str } from '../../core/util.js';
import {
  parseBalance,
  parseCurrency,
  parseLedgerEntry,
  parseMarket,
  parseOHLCV,
  parseOrder,
  parseOrderBook,
  parseOwnTrade,
  parsePublicTrade,
  parseTicker,
  parseTradingFee,
  parseTransaction,
  splitPairId,
  tradingFeeFromSchedule,
  type RawAsset,
  type RawAssetPair,
  type RawBalanceEx,
  type RawBook,
  type RawCandle,
  type RawFunding,
  type RawLedgerEntry,
  type RawOrder,
  type RawOwnTrade,
  type RawPublicTrade,
  type RawTicker,
  type RawTradeVolume,
} from './parse.js';
import { spec } from './spec.js';

/** Kraken wraps every answer as {error: string[], result}. */
interface Envelope<T> {
  error?: string[] | string;
  result?: T;
}

/** Endpoints whose bodies Kraken only takes as JSON (they carry arrays of orders). */
const JSON_BODIES = new Set(['AddOrderBatch', 'CancelOrderBatch']);

/** Unified createOrder params that are translated, not forwarded. */
const ORDER_PARAMS = [
  'clientOrderId',
  'postOnly',
  'timeInForce',
  'reduceOnly',
  'reduce_only',
  'cost',
  'oflags',
  'triggerPrice',
  'stopPrice',
  'stopLossPrice',
  'takeProfitPrice',
  'trailingAmount',
  'trailingPercent',
  'trailingLimitAmount',
  'trailingLimitPercent',
  'offset',
  'trigger',
  'close',
];

/** JSON callers (and CCXT habits) pass null for an omitted optional argument. */

/** Whole seconds of a ms timestamp, as Kraken's `start`/`end`/`since` parameters take them. */
const toSeconds = (ms: number): number => Math.floor(ms / 1000);

/** '+' + value, with a trailing '%' for percentages, as Kraken writes trailing offsets. */
function offsetString(sign: string, value: unknown, percent: boolean): string {
  const text = typeof value === 'number' ? numberToPlainString(value) : String(value);
  return sign + text + (percent && !text.endsWith('%') ? '%' : '');
}

/** close: {ordertype, price} -> close[ordertype]=..&close[price]=.. (Kraken's nested form fields). */
function flattenForm(params: Dict): Dict {
  const out: Dict = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [sub, v] of Object.entries(value as Dict)) out[`${key}[${sub}]`] = v;
    } else out[key] = value;
  }
  return out;
}

export interface kraken extends ImplicitApi<typeof spec.api> {}

export class kraken extends Exchange {
  static override spec = spec;
  static override streams = async () => (await import('./ws.js')).krakenStreams;

  // lookup caches, made on first use (nothing is built at construction)
  #byAltname: { markets: object; index: Map<string, Market> } | undefined;
  #delisted: Map<string, Market> | undefined;

  // ---- signing and errors ----

  override sign(
    path: string,
    api: string,
    method: string,
    params: Dict,
    headers?: Record<string, string>,
    body?: string,
  ): SignedRequest {
    const uri = `/${this.version ?? '0'}/${api}/${path}`;
    const base = this.apiUrl(api);
    if (api !== 'private') {
      const query = urlencode(params);
      return { url: base + uri + (query === '' ? '' : `?${query}`), method, headers };
    }
    this.checkRequiredCredentials();
    const nonce = String(this.nonce());
    const payload: Dict = { nonce, ...params };
    // percent trailing offsets ('+5%') are only read correctly from JSON bodies
    const asJson =
      JSON_BODIES.has(path) || (typeof params['price'] === 'string' && params['price'].endsWith('%')) || false;
    const text = body ?? (asJson ? JSON.stringify(payload) : urlencode(flattenForm(payload)));
    // API-Sign = base64(HMAC-SHA512(base64decode(secret), uri + SHA256(nonce + body)))
    const digest = hashBytes(nonce + text, 'sha256');
    const pathBytes = utf8(uri);
    const message = new Uint8Array(pathBytes.length + digest.length);
    message.set(pathBytes, 0);
    message.set(digest, pathBytes.length);
    const signature = hmac(message, base64ToBytes(this.secret ?? ''), 'sha512', 'base64');
    return {
      url: base + uri,
      method,
      headers: {
        ...headers,
        'API-Key': this.apiKey ?? '',
        'API-Sign': signature,
        'Content-Type': asJson ? 'application/json' : 'application/x-www-form-urlencoded',
      },
      body: text,
    };
  }

  override handleErrors(
    status: number,
    _statusText: string,
    _url: string,
    _method: string,
    _headers: Record<string, string>,
    body: string,
    json: any,
  ): void {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return;
    const reported: unknown = (json as Envelope<unknown>).error;
    const list = Array.isArray(reported) ? reported : typeof reported === 'string' ? [reported] : [];
    // entries starting with W are warnings that come with a successful result
    const errors = list.filter((e): e is string => typeof e === 'string' && e.startsWith('E'));
    // AddOrderBatch reports a failed order inside result.orders[i].error
    const orders = (json as Envelope<{ orders?: unknown }>).result?.orders;
    if (Array.isArray(orders)) {
      for (const o of orders) {
        const e = str(o, 'error');
        if (e !== undefined) errors.push(e);
      }
    }
    if (errors.length === 0) return;
    for (const e of errors) {
      this.throwExactlyMatched(e, body, status);
      this.throwBroadlyMatched(e, body, e, status);
    }
    throw this.makeError('ExchangeError', body, errors[0], status);
  }

  // ---- ids and codes ----

  /** Suffixed ids (XBT.M, ETH.F, USD.HOLD) keep the suffix on the unified code: BTC.M. */
  override safeCurrencyCode(currencyId: string | undefined, currency?: Currency): string | undefined {
    if (currencyId !== undefined && currencyId.indexOf('.') > 0 && this.currenciesById[currencyId] === undefined) {
      const dot = currencyId.indexOf('.');
      const head = super.safeCurrencyCode(currencyId.slice(0, dot), currency) ?? currencyId.slice(0, dot);
      return head + currencyId.slice(dot);
    }
    return super.safeCurrencyCode(currencyId, currency);
  }

  /** Market of a pair id as responses write it: the id (XXBTZUSD), the altname (XBTUSD) or the wsname (XBT/USD). */
  marketOfPair(pairId: string | undefined): Market | undefined {
    if (pairId === undefined || pairId === '') return undefined;
    const known = this.marketsById[pairId]?.[0];
    if (known !== undefined) return known;
    const markets = this.markets;
    let index = this.#byAltname?.markets === markets ? this.#byAltname.index : undefined;
    if (index === undefined) {
      index = new Map();
      for (const m of Object.values(markets)) {
        const altname = str(m, 'altname') ?? str(m.info, 'altname');
        const wsname = str(m, 'wsId') ?? str(m.info, 'wsname');
        if (altname !== undefined) index.set(altname, m);
        if (wsname !== undefined) index.set(wsname, m);
      }
      this.#byAltname = { markets, index };
    }
    const byName = index.get(pairId);
    if (byName !== undefined) return byName;
    return this.delistedMarket(pairId);
  }

  /** A pair no longer listed still gets a BASE/QUOTE symbol, so old orders and trades parse. */
  private delistedMarket(pairId: string): Market {
    this.#delisted ??= new Map();
    let m = this.#delisted.get(pairId);
    if (m === undefined) {
      const [baseId, quoteId] = splitPairId(pairId);
      const base = this.safeCurrencyCode(baseId) ?? baseId;
      const quote = this.safeCurrencyCode(quoteId) ?? quoteId;
      m = { ...this.safeMarket(pairId), symbol: `${base}/${quote}`, base, quote, baseId, quoteId, active: false };
      this.#delisted.set(pairId, m);
    }
    return m;
  }

  private codeOf(id: string | undefined): string | undefined {
    return this.safeCurrencyCode(id);
  }

  /** An entry of a result keyed by pair: by id, else altname or wsname, else the only entry there is. */
  private entryFor<T>(result: Record<string, T> | undefined, market: Market): T | undefined {
    if (result === undefined || result === null) return undefined;
    const keys = [market.id, str(market, 'altname'), str(market.info, 'altname'), str(market.info, 'wsname')];
    for (const k of keys) if (k !== undefined && result[k] !== undefined) return result[k];
    const pairs = Object.keys(result).filter((k) => k !== 'last');
    return pairs.length === 1 ? result[pairs[0]!] : undefined;
  }

  private networkOf(name: string | undefined): string | undefined {
    if (name === undefined) return undefined;
    const table = this.options['networksById'] as Record<string, string> | undefined;
    return table?.[name] ?? name;
  }

  // ---- public ----

  override async fetchTime(params: Dict = {}): Promise<number> {
    const res = (await this.publicGetTime(params)) as Envelope<{ unixtime?: number; rfc1123?: string }>;
    const t = res.result?.unixtime;
    if (typeof t !== 'number') throw new ExchangeError(`${this.id} fetchTime() got no unixtime`, { exchange: this.id });
    return t * 1000;
  }

  override async fetchStatus(params: Dict = {}): Promise<ExchangeStatus> {
    const res = (await this.publicGetSystemStatus(params)) as Envelope<{ status?: string; timestamp?: string }>;
    const status = res.result?.status;
    // online, maintenance, cancel_only, post_only, limit_only: all but online restrict trading
    return {
      status: status === 'online' ? 'ok' : 'maintenance',
      updated: parse8601(res.result?.timestamp),
      eta: undefined,
      url: undefined,
      info: res,
    };
  }

  override async fetchCurrencies(params: Dict = {}): Promise<Record<string, Currency>> {
    const res = (await this.publicGetAssets(params)) as Envelope<Record<string, RawAsset>>;
    const fiat = (this.options['fiat'] as string[] | undefined) ?? [];
    const out: Record<string, Currency> = {};
    for (const [id, raw] of Object.entries(res.result ?? {})) {
      const c = parseCurrency(id, raw, (cid: string | undefined) => this.codeOf(cid), fiat);
      out[c.code] = c;
    }
    return out;
  }

  override async fetchMarkets(params: Dict = {}): Promise<Market[]> {
    const res = (await this.publicGetAssetPairs(params)) as Envelope<Record<string, RawAssetPair>>;
    // loadMarkets maps currencies by id first: their ids resolve X/Z-prefixed bases and give asset precision
    const byId = this.currenciesById;
    const codeOf = (id: string | undefined): string | undefined => this.safeCurrencyCode(id);
    const out: Market[] = [];
    for (const [id, raw] of Object.entries(res.result ?? {})) {
      const precision = byId[raw.base ?? '']?.precision;
      out.push(parseMarket(id, raw, codeOf, precision === undefined ? undefined : toDecimal(precision)));
    }
    return out;
  }

  override async fetchTicker(symbol: string, params: Dict = {}): Promise<Ticker> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const res = (await this.publicGetTicker({ pair: market.id, ...params })) as Envelope<Record<string, RawTicker>>;
    const raw = this.entryFor(res.result, market);
    if (raw === undefined) throw new BadSymbol(`${this.id} no ticker for ${symbol}`, { exchange: this.id });
    return parseTicker(raw, market.symbol, market);
  }

  override async fetchTickers(symbols?: string[], params: Dict = {}): Promise<Tickers> {
    symbols = given(symbols);
    await this.loadMarkets();
    const request: Dict = {};
    if (symbols !== undefined) {
      const ids = symbols
        .map((s) => this.market(s))
        .filter((m) => m.active !== false)
        .map((m) => m.id);
      request['pair'] = ids.join(',');
    }
    const res = (await this.publicGetTicker({ ...request, ...params })) as Envelope<Record<string, RawTicker>>;
    const out: Tickers = {};
    for (const [id, raw] of Object.entries(res.result ?? {})) {
      const market = this.marketOfPair(id);
      const symbol = market?.symbol ?? id;
      if (symbols !== undefined && !symbols.includes(symbol)) continue;
      out[symbol] = parseTicker(raw, symbol, market);
    }
    return out;
  }

  override async fetchOrderBook(symbol: string, limit?: number, params: Dict = {}): Promise<OrderBook> {
    limit = given(limit);
    await this.loadMarkets();
    const market = this.market(symbol);
    const request: Dict = { pair: market.id };
    if (limit !== undefined) request['count'] = limit;
    const res = (await this.publicGetDepth({ ...request, ...params })) as Envelope<Record<string, RawBook>>;
    return parseOrderBook(this.entryFor(res.result, market) ?? {}, market.symbol);
  }

  override async fetchTrades(symbol: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const market = this.market(symbol);
    const request: Dict = { pair: market.id };
    if (since !== undefined) request['since'] = String(toSeconds(since));
    if (limit !== undefined) request['count'] = limit;
    const res = (await this.publicGetTrades({ ...request, ...params })) as Envelope<
      Record<string, RawPublicTrade[]> & { last?: string }
    >;
    const rows = this.entryFor(res.result, market);
    if (!Array.isArray(rows)) return [];
    const last = res.result?.last;
    const trades = rows.map((row, i) =>
      parsePublicTrade(row, market, i === rows.length - 1 && last !== undefined ? String(last) : undefined),
    );
    return filterBySinceLimit(
      sortBy(trades, (t) => t.timestamp),
      since,
      limit,
      since === undefined,
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
    const interval = Number(this.timeframeId(timeframe));
    const request: Dict = { pair: market.id, interval };
    // Kraken returns candles after `since`; one interval earlier keeps the candle that contains `since`
    if (since !== undefined) request['since'] = String(toSeconds(since) - interval * 60);
    const res = (await this.publicGetOHLC({ ...request, ...params })) as Envelope<Record<string, RawCandle[]>>;
    const rows = this.entryFor(res.result, market);
    const candles = (Array.isArray(rows) ? rows : []).map(parseOHLCV);
    return filterBySinceLimit(
      candles.map((c) => ({ timestamp: c[0], c })),
      since,
      limit,
      since === undefined,
    ).map((x) => x.c);
  }

  // ---- account ----

  override async fetchBalance(params: Dict = {}): Promise<Balances> {
    await this.loadMarkets();
    const res = (await this.privatePostBalanceEx(params)) as Envelope<Record<string, RawBalanceEx>>;
    return parseBalance(res.result ?? {}, (cid: string | undefined) => this.codeOf(cid), res);
  }

  override async fetchTradingFee(symbol: string, params: Dict = {}): Promise<TradingFee> {
    await this.loadMarkets();
    const market = this.market(symbol);
    // fee-info was required by older API versions to include the fee tiers
    const res = (await this.privatePostTradeVolume({
      pair: market.id,
      'fee-info': true,
      ...params,
    })) as Envelope<RawTradeVolume>;
    return parseTradingFee(res.result ?? {}, market);
  }

  /** One call: the account's 30-day volume placed on each pair's own fee schedule (from AssetPairs). */
  override async fetchTradingFees(params: Dict = {}): Promise<TradingFees> {
    await this.loadMarkets();
    const res = (await this.privatePostTradeVolume(params)) as Envelope<RawTradeVolume>;
    const volume = toDecimal(res.result?.volume) ?? '0';
    const out: TradingFees = {};
    for (const market of Object.values(this.markets)) {
      out[market.symbol] = tradingFeeFromSchedule(market, volume, res);
    }
    return out;
  }

  override async fetchLedger(code?: string, since?: number, limit?: number, params: Dict = {}): Promise<LedgerEntry[]> {
    code = given(code);
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const request: Dict = {};
    if (code !== undefined) request['asset'] = this.currency(code).id;
    if (since !== undefined) request['start'] = toSeconds(since);
    const rest = this.applyUntil(request, params);
    const res = (await this.privatePostLedgers({ ...request, ...rest })) as Envelope<{
      ledger?: Record<string, RawLedgerEntry>;
    }>;
    const entries = Object.entries(res.result?.ledger ?? {}).map(([id, raw]) =>
      parseLedgerEntry({ ...raw, id }, (cid: string | undefined) => this.codeOf(cid)),
    );
    const wanted = code === undefined ? entries : entries.filter((e) => e.currency === code);
    return filterBySinceLimit(
      sortBy(wanted, (e) => e.timestamp),
      since,
      limit,
    );
  }

  /** params.until (ms) -> request.end (seconds, inclusive of that second); returns the params left over. */
  private applyUntil(request: Dict, params: Dict, decimal = false): Dict {
    const until = params['until'] ?? params['till'];
    if (until === undefined) return params;
    const seconds = dDiv(String(until), '1000');
    request['end'] = decimal ? dAdd(seconds, '1') : Math.floor(Number(seconds)) + 1;
    return omit(params, 'until', 'till');
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
    const trailing = params['trailingAmount'] !== undefined || params['trailingPercent'] !== undefined;
    // a trailing limit order takes offsets, not a limit price
    const market = this.checkOrder(symbol, trailing ? 'trailing-stop' : type, side, amount, price);
    for (const key of ['cost', 'stopLossPrice', 'takeProfitPrice', 'triggerPrice', 'stopPrice']) {
      this.checkPositive(key, params[key], false);
    }
    const request = this.orderRequest(market, type, side, amount, price, params);
    const usingCost = String(request['oflags'] ?? '').includes('viqc');
    const res = (await this.privatePostAddOrder({ ...request, ...omit(params, ORDER_PARAMS) })) as Envelope<RawOrder>;
    return parseOrder(res.result ?? {}, { marketOf: (id) => this.marketOfPair(id), usingCost }, market);
  }

  /** AddOrder fields for a unified order: trigger, trailing and cost variants become Kraken order types. */
  private orderRequest(
    market: Market,
    type: string,
    side: OrderSide,
    amount: number,
    price: unknown,
    params: Dict,
  ): Dict {
    const symbol = market.symbol;
    const request: Dict = { pair: market.id, type: side, ordertype: type };
    const flags: string[] = [];
    const userFlags = params['oflags'];
    if (typeof userFlags === 'string' && userFlags !== '') flags.push(...userFlags.split(','));
    const isLimit = type.endsWith('limit');
    const cost = params['cost'];
    if (type === 'market' && (cost !== undefined || flags.includes('viqc'))) {
      // volume in quote currency: a market buy spending `cost`
      request['volume'] = this.costToPrecision(symbol, (cost ?? amount) as number);
      if (!flags.includes('viqc')) flags.push('viqc');
    } else {
      request['volume'] = this.amountToPrecision(symbol, amount);
    }
    const stopLoss = params['stopLossPrice'] ?? params['triggerPrice'] ?? params['stopPrice'];
    const takeProfit = params['takeProfitPrice'];
    const trailAmount = params['trailingAmount'];
    const trailPercent = params['trailingPercent'];
    const limitAmount = params['trailingLimitAmount'];
    const limitPercent = params['trailingLimitPercent'];
    if (stopLoss !== undefined || takeProfit !== undefined) {
      const trigger = (stopLoss ?? takeProfit) as number;
      request['ordertype'] = (stopLoss !== undefined ? 'stop-loss' : 'take-profit') + (isLimit ? '-limit' : '');
      request['price'] = this.priceToPrecision(symbol, trigger);
      if (isLimit) request['price2'] = this.priceToPrecision(symbol, price as number);
    } else if (trailAmount !== undefined || trailPercent !== undefined) {
      const sign = String(params['offset'] ?? '-');
      request['trigger'] = params['trigger'] ?? 'last';
      request['price'] =
        trailPercent !== undefined ? offsetString('+', trailPercent, true) : offsetString('+', trailAmount, false);
      if (isLimit || limitAmount !== undefined || limitPercent !== undefined) {
        request['ordertype'] = 'trailing-stop-limit';
        if (limitPercent !== undefined) request['price2'] = offsetString(sign, limitPercent, true);
        else if (limitAmount !== undefined) request['price2'] = offsetString(sign, limitAmount, false);
      } else {
        request['ordertype'] = 'trailing-stop';
      }
    } else if (isLimit) {
      request['price'] = this.priceToPrecision(symbol, price as number);
    }
    const clientOrderId = params['clientOrderId'];
    if (clientOrderId !== undefined) request['cl_ord_id'] = clientOrderId;
    const timeInForce = params['timeInForce'];
    const postOnly = params['postOnly'] === true || timeInForce === 'PO';
    if (postOnly) {
      if (type === 'market') {
        throw new InvalidOrder(`${this.id} a market order cannot be post-only`, { exchange: this.id });
      }
      if (!flags.includes('post')) flags.push('post');
    }
    if (timeInForce !== undefined && timeInForce !== 'PO') request['timeinforce'] = timeInForce;
    if (params['reduceOnly'] === true || params['reduce_only'] === true) request['reduce_only'] = 'true';
    const close = params['close'];
    if (close !== null && typeof close === 'object') {
      const c: Dict = { ...(close as Dict) };
      if (c['price'] !== undefined) c['price'] = this.priceToPrecision(symbol, c['price'] as number);
      if (c['price2'] !== undefined) c['price2'] = this.priceToPrecision(symbol, c['price2'] as number);
      request['close'] = c;
    }
    if (flags.length > 0) request['oflags'] = flags.join(',');
    return request;
  }

  /**
   * AmendOrder: changes quantity, limit or trigger price in place, keeping the order id and its queue priority
   * where the venue allows. Kraken answers with an amend id only (kept in `info`).
   */
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
    amount = given(amount);
    price = given(price);
    if (amount !== undefined) this.checkPositive('amount', amount, true);
    if (price !== undefined) this.checkPositive('price', price, true);
    const request: Dict = {};
    const clientOrderId = params['clientOrderId'] ?? params['cl_ord_id'];
    if (clientOrderId !== undefined) request['cl_ord_id'] = clientOrderId;
    else request['txid'] = id;
    if (amount !== undefined) request['order_qty'] = this.amountToPrecision(symbol, amount);
    if (price !== undefined) request['limit_price'] = this.priceToPrecision(symbol, price);
    const trigger = params['triggerPrice'] ?? params['stopLossPrice'] ?? params['takeProfitPrice'];
    const offset = params['trailingAmount'] ?? params['trailingPercent'];
    if (trigger !== undefined) request['trigger_price'] = this.priceToPrecision(symbol, trigger as number);
    else if (offset !== undefined) {
      request['trigger_price'] = offsetString('+', offset, params['trailingPercent'] !== undefined);
    }
    if (params['postOnly'] === true || params['timeInForce'] === 'PO') {
      if (type === 'market') {
        throw new InvalidOrder(`${this.id} a market order cannot be post-only`, { exchange: this.id });
      }
      request['post_only'] = 'true';
    }
    const rest = omit(params, ORDER_PARAMS, 'cl_ord_id');
    const res = (await this.privatePostAmendOrder({ ...request, ...rest })) as Envelope<{ amend_id?: string }>;
    return buildOrder(
      {
        id,
        clientOrderId: clientOrderId === undefined ? undefined : String(clientOrderId as string),
        symbol: market.symbol,
        type,
        side,
        amount: request['order_qty'] as string | undefined,
        price: request['limit_price'] as string | undefined,
        info: res,
      },
      market,
    );
  }

  override async cancelOrder(id: string, symbol?: string, params: Dict = {}): Promise<Order> {
    symbol = given(symbol);
    await this.loadMarkets();
    const request: Dict = {};
    const clientOrderId = params['clientOrderId'] ?? params['cl_ord_id'];
    // txid takes an order id or a userref
    if (clientOrderId !== undefined) request['cl_ord_id'] = clientOrderId;
    else request['txid'] = params['userref'] ?? id;
    const rest = omit(params, 'clientOrderId', 'cl_ord_id', 'userref');
    const res = (await this.privatePostCancelOrder({ ...request, ...rest })) as Envelope<{
      count?: number;
      pending?: boolean;
    }>;
    const done = (res.result?.count ?? 0) > 0 && res.result?.pending !== true;
    return buildOrder(
      {
        id,
        clientOrderId: clientOrderId === undefined ? undefined : String(clientOrderId as string),
        status: done ? 'canceled' : undefined,
        symbol: symbol === undefined ? undefined : this.market(symbol).symbol,
        info: res,
      },
      undefined,
    );
  }

  /** Kraken cancels every open order of the account (any pair) and answers with a count only. */
  override async cancelAllOrders(_symbol?: string, params: Dict = {}): Promise<Order[]> {
    await this.loadMarkets();
    const res = (await this.privatePostCancelAll(params)) as Envelope<{ count?: number }>;
    // CCXT answers with one order-shaped record holding the raw response
    return [buildOrder({ id: undefined, info: res })];
  }

  /** Dead man's switch: cancel everything after `timeout` ms unless called again; 0 disarms it. */
  override async cancelAllOrdersAfter(timeout: number, params: Dict = {}): Promise<unknown> {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
      throw new BadRequest(`${this.id} cancelAllOrdersAfter() needs a timeout in ms (>= 0)`, { exchange: this.id });
    }
    if (timeout > 86_400_000) {
      throw new BadRequest(`${this.id} cancelAllOrdersAfter() timeout must be at most 86400000 ms`, {
        exchange: this.id,
      });
    }
    await this.loadMarkets();
    return this.privatePostCancelAllOrdersAfter({ timeout: toSeconds(timeout), ...params });
  }

  override async fetchOrder(id: string, _symbol?: string, params: Dict = {}): Promise<Order> {
    await this.loadMarkets();
    const res = (await this.privatePostQueryOrders({ trades: true, txid: id, ...params })) as Envelope<
      Record<string, RawOrder>
    >;
    const raw = res.result?.[id];
    if (raw === undefined) {
      throw new OrderNotFound(`${this.id} fetchOrder() could not find order ${id}`, { exchange: this.id });
    }
    return parseOrder({ ...raw, id }, { marketOf: (p) => this.marketOfPair(p) });
  }

  override async fetchOpenOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    symbol = given(symbol);
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const res = (await this.privatePostOpenOrders(this.orderQuery(since, params, false))) as Envelope<{
      open?: Record<string, RawOrder>;
    }>;
    return this.ordersOf(res.result?.open, symbol, since, limit);
  }

  override async fetchClosedOrders(
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Order[]> {
    symbol = given(symbol);
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const res = (await this.privatePostClosedOrders(this.orderQuery(since, params, true))) as Envelope<{
      closed?: Record<string, RawOrder>;
    }>;
    return this.ordersOf(res.result?.closed, symbol, since, limit);
  }

  /** start (seconds) from `since`, end from params.until, clientOrderId -> cl_ord_id; other params pass through. */
  private orderQuery(since: number | undefined, params: Dict, withUntil: boolean): Dict {
    const request: Dict = {};
    if (since !== undefined) request['start'] = toSeconds(since);
    const clientOrderId = params['clientOrderId'];
    if (clientOrderId !== undefined) request['cl_ord_id'] = clientOrderId;
    const rest = withUntil ? this.applyUntil(request, params) : params;
    return { ...request, ...omit(rest, 'clientOrderId') };
  }

  private ordersOf(
    raw: Record<string, RawOrder> | undefined,
    symbol: string | undefined,
    since: number | undefined,
    limit: number | undefined,
  ): Order[] {
    const market = symbol === undefined ? undefined : this.market(symbol);
    const ctx = { marketOf: (p: string | undefined) => this.marketOfPair(p) };
    let orders = Object.entries(raw ?? {}).map(([id, o]) => parseOrder({ ...o, id }, ctx, market));
    if (market !== undefined) orders = orders.filter((o) => o.symbol === market.symbol);
    return filterBySinceLimit(
      sortBy(orders, (o) => o.timestamp),
      since,
      limit,
    );
  }

  override async fetchMyTrades(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    symbol = given(symbol);
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const market = symbol === undefined ? undefined : this.market(symbol);
    const request: Dict = {};
    if (since !== undefined) request['start'] = toSeconds(since);
    const rest = this.applyUntil(request, params);
    const res = (await this.privatePostTradesHistory({ ...request, ...rest })) as Envelope<{
      trades?: Record<string, RawOwnTrade>;
    }>;
    let trades = Object.entries(res.result?.trades ?? {}).map(([id, raw]) =>
      parseOwnTrade({ ...raw, id }, this.marketOfPair(raw.pair) ?? market),
    );
    if (market !== undefined) trades = trades.filter((t) => t.symbol === market.symbol);
    return filterBySinceLimit(
      sortBy(trades, (t) => t.timestamp),
      since,
      limit,
    );
  }

  // ---- funding ----

  override async fetchDeposits(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    return this.fundingHistory('deposit', code, since, limit, params);
  }

  override async fetchWithdrawals(
    code?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Transaction[]> {
    return this.fundingHistory('withdrawal', code, since, limit, params);
  }

  private async fundingHistory(
    type: 'deposit' | 'withdrawal',
    code: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: Dict,
  ): Promise<Transaction[]> {
    code = given(code);
    since = given(since);
    limit = given(limit);
    await this.loadMarkets();
    const request: Dict = {};
    if (code !== undefined) request['asset'] = this.currency(code).id;
    if (since !== undefined) request['start'] = dDiv(String(since), '1000');
    const rest = this.applyUntil(request, params, true);
    const query = { ...request, ...rest };
    const res = (await (type === 'deposit'
      ? this.privatePostDepositStatus(query)
      : this.privatePostWithdrawStatus(query))) as Envelope<
      | RawFunding[]
      | { deposit?: RawFunding[]; deposits?: RawFunding[]; withdrawals?: RawFunding[]; next_cursor?: string }
    >;
    // with cursor=true the list comes wrapped with a next_cursor
    const result = res.result;
    const rows = Array.isArray(result) ? result : (result?.withdrawals ?? result?.deposits ?? result?.deposit ?? []);
    let out = rows.map((raw) =>
      parseTransaction(
        raw,
        type,
        (cid: string | undefined) => this.codeOf(cid),
        (n: string | undefined) => this.networkOf(n),
      ),
    );
    if (code !== undefined) out = out.filter((t) => t.currency === code);
    // kept in the exchange's order (newest first), as CCXT returns them
    return filterBySinceLimit(out, since, limit);
  }

  override async fetchDepositAddress(code: string, params: Dict = {}): Promise<DepositAddress> {
    await this.loadMarkets();
    const currency = this.currency(code);
    const network = typeof params['network'] === 'string' ? params['network'].toUpperCase() : undefined;
    let method = params['method'] as string | undefined;
    if (method === undefined) {
      // the deposit methods of an asset name its networks ("Tether USD (TRC20)"): pick the one asked for
      const methods = (await this.privatePostDepositMethods({ asset: currency.id })) as Envelope<{ method?: string }[]>;
      const names = (res(methods) ?? []).map((m) => m.method).filter((m): m is string => typeof m === 'string');
      const aliases = this.options['networks'] as Record<string, string> | undefined;
      const word = network === undefined ? undefined : (aliases?.[network] ?? network);
      method = (word === undefined ? undefined : names.find((n) => n.toUpperCase().includes(word))) ?? names[0];
      if (method === undefined) {
        throw new InvalidAddress(`${this.id} has no deposit method for ${code}`, { exchange: this.id });
      }
    }
    const rest = omit(params, 'network', 'method');
    const response = (await this.privatePostDepositAddresses({ asset: currency.id, method, ...rest })) as Envelope<
      { address?: string; tag?: string; memo?: string; expiretm?: string; new?: boolean }[]
    >;
    const first = res(response)?.[0];
    if (first?.address === undefined) {
      throw new InvalidAddress(`${this.id} returned no deposit address for ${code}`, { exchange: this.id });
    }
    return {
      currency: currency.code,
      address: first.address,
      tag: first.tag ?? first.memo,
      network,
      info: first,
    };
  }

  override async createDepositAddress(code: string, params: Dict = {}): Promise<DepositAddress> {
    return this.fetchDepositAddress(code, { ...params, new: true });
  }

  /** Kraken withdraws to a destination saved on the account, named by `params.key`. */
  override async withdraw(
    code: string,
    amount: number,
    address: string,
    tag?: string,
    params: Dict = {},
  ): Promise<Transaction> {
    tag = given(tag);
    const key = params['key'];
    if (key === undefined || key === '') {
      throw new ArgumentsRequired(
        `${this.id} withdraw() requires params.key, the name of a withdrawal address saved on the account`,
        { exchange: this.id },
      );
    }
    this.checkPositive('amount', amount, true);
    await this.loadMarkets();
    const currency = this.currency(code);
    const request: Dict = { asset: currency.id, key, amount: numberToPlainString(amount) };
    if (address !== undefined && address !== '') request['address'] = address;
    const response = (await this.privatePostWithdraw({
      ...request,
      ...omit(params, 'key', 'tag'),
    })) as Envelope<RawFunding>;
    const tx = parseTransaction(
      { ...(response.result ?? {}) },
      'withdrawal',
      (cid: string | undefined) => this.codeOf(cid),
      (n: string | undefined) => this.networkOf(n),
    );
    return {
      ...tx,
      currency: currency.code,
      amount,
      address: address === '' ? undefined : address,
      addressTo: address === '' ? undefined : address,
      tag: tag ?? tx.tag,
      tagTo: tag ?? tx.tagTo,
      status: tx.status ?? 'pending',
      info: response,
    };
  }
}

function res<T>(envelope: Envelope<T>): T | undefined {
  return envelope.result;
}
