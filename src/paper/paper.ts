/**
 * `paper`: a simulated exchange with the unified API. Orders go to a matching engine (engine.ts) that trades
 * against the market data source's book and fills resting orders from its trades; balances, orders and fills are
 * kept per account and, with `stateFile`, survive a restart.
 *
 *   const ex = new paper();                                            // embedded dataset, offline
 *   const ex = new paper({ source: await createExchange('kraken') });  // live data, paper orders
 *   const ex = new paper({ source: 'ticks.jsonl', stateFile: 'paper.json', balance: { USDT: 10000 } });
 *
 * Options (in `options` or at the top level of the config): source, balance, fees, stateFile, account,
 * refreshMs, pollInterval, speed. See docs in spec.ts and source.ts.
 */
import { buildBalance, buildOrder, buildOrderBook, buildTrade } from '../core/build.js';
import { dCmp, dMul, toDecimal } from '../core/decimal.js';
import { BadRequest, InvalidOrder, NotSupported, OrderNotFound } from '../core/errors.js';
import { Exchange, type ExchangeConfig, type StreamHandlerClass } from '../core/exchange.js';
import type {
  Balances,
  Currency,
  Dict,
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
} from '../core/types.js';
import { filterBySinceLimit, given } from '../core/util.js';
import {
  MatchingEngine,
  type EngineEvent,
  type EngineMarket,
  type EngineOrder,
  type EngineTrade,
  type Execution,
  type TimeInForce,
  type TriggerDirection,
  type TriggerRequest,
} from './engine.js';
import {
  EmbeddedSource,
  ExchangeSource,
  ReplaySource,
  levelsOf,
  type MarketDataSource,
  type ReplayOptions,
  type SourceEvent,
} from './source.js';
import { STATE_FORMAT, StateWriter, readState, type StateFile } from './state.js';
import { spec } from './spec.js';

/** What `source` may be: the embedded dataset, a replay (file path or options), a live exchange, or your own. */
export type PaperSource = 'embedded' | string | ReplayOptions | Exchange | MarketDataSource;

export interface PaperOptions {
  source?: PaperSource;
  /** Starting balances of a new account (code -> amount); default about 10 BTC worth in BTC, ETH and USDT. */
  balance?: Record<string, number | string>;
  /** { maker, taker } for every market, or per symbol: { 'BTC/USDT': { maker, taker }, default: { ... } }. */
  fees?: Dict;
  /** JSON file holding balances, orders and fills across restarts. */
  stateFile?: string;
  /** Account of this instance (default 'main'); `params.account` picks another one per call. */
  account?: string;
}

export interface PaperConfig extends ExchangeConfig, PaperOptions {}

/** What the paper exchange tells its watchers. */
export type PaperEvent =
  | { type: 'book'; symbol: string }
  | { type: 'trades'; symbol: string; trades: Trade[] }
  | { type: 'ticker'; symbol: string; ticker: Ticker }
  | { type: 'order'; account: string; order: Order }
  | { type: 'myTrade'; account: string; trade: Trade }
  | { type: 'balance'; account: string };

/** About 10 BTC at the embedded dataset's prices (73,385 USDT/BTC, 4,042 USDT/ETH). */
const DEFAULT_BALANCE: Record<string, string> = { BTC: '4', ETH: '50', USDT: '240000' };
const DEFAULT_FEE = '0.001';
const TIME_IN_FORCE = new Set(['GTC', 'IOC', 'FOK', 'PO']);
const DIRECTIONS: Record<string, TriggerDirection> = {
  above: 'above',
  up: 'above',
  ascending: 'above',
  below: 'below',
  down: 'below',
  descending: 'below',
};
const SEEN_LIMIT = 5000;

function isSource(x: unknown): x is MarketDataSource {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as MarketDataSource).fetchMarkets === 'function' &&
    typeof (x as MarketDataSource).subscribe === 'function' &&
    typeof (x as MarketDataSource).describe === 'function'
  );
}

export class paper extends Exchange {
  static override spec = spec;
  static override streams = async (): Promise<StreamHandlerClass> => (await import('./streams.js')).PaperStreams;

  #config: PaperConfig;
  #source: MarketDataSource | undefined;
  #engine: MatchingEngine | undefined;
  #ready: Promise<MatchingEngine> | undefined;
  #writer: StateWriter | undefined;
  #listeners = new Set<(e: PaperEvent) => void>();
  #unsubscribe: (() => void)[] = [];
  #seen = new Map<string, Set<string>>();
  #pulled = new Map<string, number>();
  #lastError: unknown;

  constructor(config: PaperConfig = {}) {
    super(config);
    this.#config = config;
  }

  private setting<T>(
    key: keyof PaperOptions | 'refreshMs' | 'pollInterval' | 'speed' | 'triggerBuyMargin',
  ): T | undefined {
    const top = (this.#config as Dict)[key];
    return (top !== undefined ? top : this.options[key]) as T | undefined;
  }

  /** The account this instance trades for. */
  get account(): string {
    return this.setting<string>('account') ?? 'main';
  }

  /** Fewest ms between two pulls of a live source's data for one symbol. */
  get pollInterval(): number {
    return this.setting<number>('pollInterval') ?? 2000;
  }

  get stateFile(): string | undefined {
    return this.setting<string>('stateFile');
  }

  /** The market data source (made on first use). */
  get source(): MarketDataSource {
    if (this.#source !== undefined) return this.#source;
    const s = this.setting<PaperSource>('source');
    const speed = this.setting<number>('speed') ?? 1;
    if (s === undefined || s === 'embedded') {
      this.#source = new EmbeddedSource({
        refreshMs: this.setting<number>('refreshMs') ?? 1000,
        now: () => this.milliseconds(),
      });
    } else if (s instanceof Exchange) {
      this.#source = new ExchangeSource(s, { pollInterval: this.pollInterval });
    } else if (typeof s === 'string') {
      this.#source = new ReplaySource({ file: s, speed });
    } else if (isSource(s)) {
      this.#source = s;
    } else if (typeof s === 'object' && s !== null && ('file' in s || 'lines' in s)) {
      this.#source = new ReplaySource({ speed, ...s });
    } else {
      throw new BadRequest(`paper source must be 'embedded', a replay file, an exchange or a MarketDataSource`, {
        exchange: this.id,
      });
    }
    return this.#source;
  }

  /** What the market data is: recorded, generated, replayed or live, and from where. */
  describeSource(): Dict {
    const d = this.source.describe();
    return this.#lastError === undefined ? d : { ...d, lastError: String(this.#lastError) };
  }

  /** The source's clock for replays, the exchange's clock otherwise. */
  private now(): number {
    return this.#source?.now?.() ?? this.milliseconds();
  }

  override get timeframes(): Record<string, string | number> {
    return this.#source?.timeframes() ?? this.spec.timeframes ?? {};
  }

  // ---- setup ----
  /** The matching engine, with markets and saved state loaded. */
  matchingEngine(): Promise<MatchingEngine> {
    this.#ready ??= this.setup().catch((e: unknown) => {
      this.#ready = undefined;
      throw e;
    });
    return this.#ready;
  }

  private async setup(): Promise<MatchingEngine> {
    await this.loadMarkets();
    const margin = this.setting<number | string>('triggerBuyMargin');
    const engine = new MatchingEngine({
      now: () => this.now(),
      initialBalance: this.initialBalance(),
      ...(margin === undefined ? {} : { triggerBuyMargin: toDecimal(margin) ?? String(margin) }),
    });
    for (const m of Object.values(this.markets)) engine.addMarket(this.engineMarket(m));
    const file = this.stateFile;
    if (file !== undefined) {
      const saved = await readState(file);
      if (saved !== undefined) engine.restore(saved.engine);
      this.#writer = new StateWriter(file, () => JSON.stringify(this.stateOf(engine)));
    }
    this.#engine = engine;
    this.#unsubscribe.push(engine.on((e) => this.onEngineEvent(e)));
    this.#unsubscribe.push(this.source.subscribe((e) => this.onSourceEvent(e)));
    const src = this.source;
    if (src instanceof ReplaySource && src.speed > 0) void src.play();
    return engine;
  }

  private stateOf(engine: MatchingEngine): StateFile {
    return {
      format: STATE_FORMAT,
      version: 1,
      savedAt: Date.now(),
      source: this.source.kind,
      engine: engine.snapshot(),
    };
  }

  /** The engine, knowing `symbol` (markets loaded after setup are added on first use). */
  private async engineFor(symbol?: string): Promise<MatchingEngine> {
    const engine = await this.matchingEngine();
    if (symbol !== undefined && !engine.hasMarket(symbol)) engine.addMarket(this.engineMarket(this.market(symbol)));
    return engine;
  }

  private initialBalance(): Record<string, string> {
    const given = this.setting<Record<string, number | string>>('balance');
    const out: Record<string, string> = {};
    if (given !== undefined) {
      for (const [code, v] of Object.entries(given)) {
        const d = toDecimal(v);
        if (d === undefined) throw new BadRequest(`paper balance of ${code} is not a number: ${String(v)}`);
        out[code] = d;
      }
      return out;
    }
    // the default's stable coin part goes to the quote currency the source trades most against
    const quotes = new Map<string, number>();
    for (const m of Object.values(this.markets)) quotes.set(m.quote, (quotes.get(m.quote) ?? 0) + 1);
    const main = quotes.has('USDT') ? 'USDT' : ([...quotes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'USDT');
    for (const [code, v] of Object.entries(DEFAULT_BALANCE)) out[code === 'USDT' ? main : code] = v;
    return out;
  }

  private feesFor(symbol: string): { maker: string; taker: string } {
    const fees = this.setting<Dict>('fees');
    const pick = (f: unknown): { maker: string; taker: string } | undefined => {
      if (f === null || typeof f !== 'object') return undefined;
      const o = f as Dict;
      if (o['maker'] === undefined && o['taker'] === undefined) return undefined;
      return { maker: toDecimal(o['maker']) ?? DEFAULT_FEE, taker: toDecimal(o['taker']) ?? DEFAULT_FEE };
    };
    return pick(fees) ?? pick(fees?.[symbol]) ?? pick(fees?.['default']) ?? { maker: DEFAULT_FEE, taker: DEFAULT_FEE };
  }

  private engineMarket(m: Market): EngineMarket {
    const f = this.feesFor(m.symbol);
    const maker = m.maker != null ? toDecimal(m.maker)! : f.maker;
    const taker = m.taker != null ? toDecimal(m.taker)! : f.taker;
    const step = m.precision.amount == null ? undefined : toDecimal(m.precision.amount);
    return { symbol: m.symbol, base: m.base, quote: m.quote, maker, taker, step };
  }

  // ---- events ----
  /** Hears every change (used by the streams). Returns the unsubscribe function. */
  subscribe(listener: (e: PaperEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  private emit(e: PaperEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.#lastError = err;
      }
    }
  }

  private onEngineEvent(e: EngineEvent): void {
    if (this.#listeners.size === 0) return;
    if (e.type === 'order') this.emit({ type: 'order', account: e.order.account, order: this.toOrder(e.order) });
    else if (e.type === 'trade') this.emit({ type: 'myTrade', account: e.trade.account, trade: this.toTrade(e.trade) });
    else if (e.type === 'balance') this.emit({ type: 'balance', account: e.account });
    else if (e.type === 'book') this.emit({ type: 'book', symbol: e.symbol });
    else this.emit({ type: 'trades', symbol: e.execution.symbol, trades: [this.executionTrade(e.execution)] });
  }

  private onSourceEvent(e: SourceEvent): void {
    const engine = this.#engine;
    if (engine === undefined || !engine.hasMarket(e.symbol)) return;
    if (e.type === 'book') this.applyBook(engine, e.symbol, e.book);
    else if (e.type === 'trades') this.applyTrades(engine, e.symbol, e.trades);
    else this.emit({ type: 'ticker', symbol: e.symbol, ticker: e.ticker });
  }

  private applyBook(engine: MatchingEngine, symbol: string, book: OrderBook): void {
    const before = engine.revision;
    engine.setSourceBook(symbol, {
      bids: levelsOf(book.bids),
      asks: levelsOf(book.asks),
      timestamp: book.timestamp,
      key: book.nonce ?? book.timestamp,
    });
    if (engine.revision !== before) this.saveInBackground();
  }

  /** Source trades not seen before: told to watchers, and used to fill resting orders. */
  private applyTrades(engine: MatchingEngine, symbol: string, trades: Trade[]): Trade[] {
    let seen = this.#seen.get(symbol);
    if (seen === undefined) {
      seen = new Set();
      this.#seen.set(symbol, seen);
    }
    const fresh: Trade[] = [];
    for (const t of trades) {
      const key = t.id ?? `${t.timestamp}:${t.price}:${t.amount}:${t.side ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value!);
      fresh.push(t);
    }
    if (fresh.length === 0) return fresh;
    const before = engine.revision;
    engine.sourceTrades(
      symbol,
      fresh
        .filter((t) => t.price !== undefined && t.amount !== undefined && t.timestamp !== undefined)
        .map((t) => ({
          id: t.id,
          timestamp: t.timestamp!,
          price: toDecimal(t.price)!,
          amount: toDecimal(t.amount)!,
          side: t.side,
        })),
    );
    this.emit({ type: 'trades', symbol, trades: fresh });
    if (engine.revision !== before) this.saveInBackground();
    return fresh;
  }

  private saveInBackground(): void {
    this.#writer?.save().catch((e: unknown) => (this.#lastError = e));
  }

  private async save(): Promise<void> {
    await this.#writer?.save();
  }

  /** Takes the source's current book for `symbol` into the engine (a new tick when it changed). */
  private async refresh(engine: MatchingEngine, symbol: string): Promise<OrderBook> {
    const book = await this.source.fetchOrderBook(symbol);
    this.applyBook(engine, symbol, book);
    return book;
  }

  /**
   * For live sources: pulls book and trades of the given symbols (by default those with resting orders), at most
   * once per pollInterval each unless forced, so resting orders fill from the market. Errors are kept, not thrown:
   * the paper account stays readable when the source is not.
   */
  async pull(symbols?: string[], force = false): Promise<void> {
    const src = this.source;
    if (!src.pull) return;
    const engine = await this.matchingEngine();
    const interval = this.pollInterval;
    const list = symbols ?? Object.keys(this.markets).filter((s) => engine.hasResting(s));
    await Promise.all(
      list.map(async (symbol) => {
        const last = this.#pulled.get(symbol);
        const now = this.milliseconds();
        if (!force && last !== undefined && now - last < interval) return;
        this.#pulled.set(symbol, now);
        try {
          await this.refresh(engine, symbol);
          this.applyTrades(engine, symbol, await src.fetchTrades(symbol));
        } catch (e) {
          this.#lastError = e;
        }
      }),
    );
  }

  // ---- unified structures ----
  private toTrade(t: EngineTrade): Trade {
    const order = this.#engine?.getOrder(t.account, t.order);
    return buildTrade(
      {
        id: t.id,
        order: t.order,
        timestamp: t.timestamp,
        symbol: t.symbol,
        type: order?.type,
        side: t.side,
        takerOrMaker: t.takerOrMaker,
        price: t.price,
        amount: t.amount,
        cost: t.cost,
        fee: { cost: t.fee, currency: t.feeCurrency, rate: t.feeRate },
        info: { ...t },
      },
      this.markets[t.symbol],
    );
  }

  private toOrder(o: EngineOrder): Order {
    const engine = this.#engine;
    const trades: Trade[] = [];
    for (const id of o.trades) {
      const t = engine?.trade(id);
      if (t !== undefined) trades.push(this.toTrade(t));
    }
    return buildOrder(
      {
        id: o.id,
        clientOrderId: o.clientOrderId,
        timestamp: o.timestamp,
        lastTradeTimestamp: o.lastTradeTimestamp,
        lastUpdateTimestamp: o.lastUpdateTimestamp,
        status: o.status,
        symbol: o.symbol,
        type: o.type,
        timeInForce: o.timeInForce,
        postOnly: o.postOnly,
        side: o.side,
        price: o.price,
        // a market buy by cost knows its amount once it has filled
        amount: o.quoteAmount !== undefined && o.status === 'open' ? undefined : o.amount,
        filled: o.filled,
        remaining: o.status === 'closed' ? '0' : undefined,
        cost: o.cost,
        triggerPrice: o.trigger?.price,
        stopLossPrice: o.trigger?.kind === 'stopLoss' ? o.trigger.price : undefined,
        takeProfitPrice: o.trigger?.kind === 'takeProfit' ? o.trigger.price : undefined,
        trades,
        fee: { cost: o.fee, currency: o.feeCurrency },
        info: { ...o, trades: [...o.trades], ...(o.trigger === undefined ? {} : { trigger: { ...o.trigger } }) },
      },
      this.markets[o.symbol],
    );
  }

  private executionTrade(e: Execution): Trade {
    return buildTrade(
      {
        id: e.id,
        timestamp: e.timestamp,
        symbol: e.symbol,
        side: e.side,
        price: e.price,
        amount: e.amount,
        cost: e.cost,
        info: { paper: true },
      },
      this.markets[e.symbol],
    );
  }

  /** The book a trader sees on the paper venue: the source's levels less what orders took, plus resting orders. */
  bookOf(engine: MatchingEngine, symbol: string, limit?: number, source?: OrderBook): OrderBook {
    const d = engine.depth(symbol, limit);
    return buildOrderBook(d.bids, d.asks, symbol, source?.timestamp ?? d.timestamp, source?.nonce);
  }

  // ---- market data ----
  override async fetchMarkets(_params: Dict = {}): Promise<Market[]> {
    const markets = await this.source.fetchMarkets();
    return markets.map((m) => {
      const f = this.feesFor(m.symbol);
      return {
        ...m,
        maker: Number(f.maker),
        taker: Number(f.taker),
        percentage: true,
        tierBased: false,
        feeSide: 'get',
      };
    });
  }

  override async fetchCurrencies(_params: Dict = {}): Promise<Record<string, Currency> | undefined> {
    return this.source.fetchCurrencies();
  }

  override async fetchTicker(symbol: string, _params: Dict = {}): Promise<Ticker> {
    await this.loadMarkets();
    const market = this.market(symbol);
    await this.engineFor(market.symbol);
    return this.source.fetchTicker(market.symbol);
  }

  override async fetchTickers(symbols?: string[], _params: Dict = {}): Promise<Tickers> {
    await this.loadMarkets();
    const list = given(symbols)?.map((s) => this.market(s).symbol);
    await this.matchingEngine();
    return this.source.fetchTickers(list);
  }

  override async fetchOrderBook(symbol: string, limit?: number, _params: Dict = {}): Promise<OrderBook> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const engine = await this.engineFor(market.symbol);
    const book = await this.refresh(engine, market.symbol);
    return this.bookOf(engine, market.symbol, given(limit), book);
  }

  override async fetchTrades(symbol: string, since?: number, limit?: number, _params: Dict = {}): Promise<Trade[]> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const engine = await this.engineFor(market.symbol);
    const s = given(since);
    const l = given(limit);
    const source = await this.source.fetchTrades(market.symbol, s, l);
    this.applyTrades(engine, market.symbol, source);
    const own = engine.tape(market.symbol).map((e) => this.executionTrade(e));
    const all = [...source, ...own].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    return filterBySinceLimit(all, s, l, s === undefined);
  }

  override async fetchOHLCV(
    symbol: string,
    timeframe = '1m',
    since?: number,
    limit?: number,
    _params: Dict = {},
  ): Promise<OHLCV[]> {
    await this.loadMarkets();
    const market = this.market(symbol);
    if (this.timeframes[timeframe] === undefined) this.timeframeId(timeframe);
    await this.engineFor(market.symbol);
    return this.source.fetchOHLCV(market.symbol, timeframe, given(since), given(limit));
  }

  override async fetchTime(_params: Dict = {}): Promise<number> {
    return this.now();
  }

  override async fetchTradingFee(symbol: string, _params: Dict = {}): Promise<TradingFee> {
    await this.loadMarkets();
    const market = this.market(symbol);
    const engine = await this.engineFor(market.symbol);
    const m = engine.market(market.symbol);
    return {
      symbol: market.symbol,
      maker: Number(m.maker),
      taker: Number(m.taker),
      percentage: true,
      tierBased: false,
      info: { maker: m.maker, taker: m.taker },
    };
  }

  override async fetchTradingFees(params: Dict = {}): Promise<TradingFees> {
    await this.loadMarkets();
    const out: TradingFees = {};
    for (const s of this.symbols) out[s] = await this.fetchTradingFee(s, params);
    return out;
  }

  // ---- account ----
  private accountOf(params: Dict): string {
    const a = params['account'];
    return typeof a === 'string' && a !== '' ? a : this.account;
  }

  override async fetchBalance(params: Dict = {}): Promise<Balances> {
    const engine = await this.matchingEngine();
    await this.pull();
    const account = this.accountOf(params);
    const b = engine.balance(account);
    return buildBalance(b, { account, balances: b }, this.now());
  }

  /** Adds funds to the account (a negative amount withdraws, never below zero). Not part of the unified API. */
  async deposit(code: string, amount: number | string, params: Dict = {}): Promise<Balances> {
    const engine = await this.matchingEngine();
    const d = toDecimal(amount);
    if (d === undefined) throw new BadRequest(`paper deposit amount is not a number: ${String(amount)}`);
    engine.deposit(this.accountOf(params), code, d);
    await this.save();
    return this.fetchBalance(params);
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
    const cost = params['cost'] ?? params['quoteOrderQty'];
    const byCost = cost !== undefined && cost !== null;
    const market = this.checkOrder(symbol, type, side, byCost ? cost : amount, given(price));
    if (type !== 'limit' && type !== 'market') {
      throw new InvalidOrder(`${this.id} supports limit and market orders, not ${type}`, { exchange: this.id });
    }
    const trigger = this.triggerOf(market.symbol, params);
    const tifParam = params['timeInForce'];
    if (tifParam !== undefined && (typeof tifParam !== 'string' || !TIME_IN_FORCE.has(tifParam.toUpperCase()))) {
      throw new InvalidOrder(`${this.id} timeInForce must be GTC, IOC, FOK or PO, got ${String(tifParam)}`, {
        exchange: this.id,
      });
    }
    const timeInForce = typeof tifParam === 'string' ? (tifParam.toUpperCase() as TimeInForce) : undefined;
    const postOnly = params['postOnly'] === true || timeInForce === 'PO';
    if (type === 'market' && postOnly) {
      throw new InvalidOrder(`${this.id} a market order cannot be post-only`, { exchange: this.id });
    }
    if (trigger !== undefined && postOnly) {
      throw new InvalidOrder(`${this.id} a trigger order cannot be post-only`, { exchange: this.id });
    }
    if (byCost && (type !== 'market' || side !== 'buy')) {
      throw new InvalidOrder(`${this.id} cost is for market buy orders only`, { exchange: this.id });
    }
    const s = market.symbol;
    const amountText = byCost ? undefined : this.amountToPrecision(s, amount);
    const priceText = type === 'limit' ? this.priceToPrecision(s, price!) : undefined;
    const costText = byCost ? this.costToPrecision(s, cost as number) : undefined;
    this.checkLimits(market, amountText, priceText, costText);
    const clientOrderId = params['clientOrderId'] ?? params['newClientOrderId'];
    const engine = await this.engineFor(s);
    await this.refresh(engine, s);
    let lastPrice: string | undefined;
    if (trigger !== undefined) {
      // the freshest last price: a live source's trades first, else the source's ticker
      if (this.source.pull) await this.pull([s], true);
      lastPrice = engine.lastPrice(s) ?? (await this.sourceLast(s));
    }
    const { order } = engine.placeOrder({
      account: this.accountOf(params),
      symbol: s,
      type,
      side,
      amount: amountText,
      price: priceText,
      cost: costText,
      timeInForce,
      postOnly,
      clientOrderId: typeof clientOrderId === 'string' ? clientOrderId : undefined,
      trigger,
      lastPrice,
    });
    await this.save();
    return this.toOrder(order);
  }

  private async sourceLast(symbol: string): Promise<string | undefined> {
    try {
      const last = toDecimal((await this.source.fetchTicker(symbol)).last);
      return last !== undefined && dCmp(last, '0') > 0 ? last : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The trigger of createOrder's params, CCXT's unified ones: triggerPrice (or stopPrice) with an optional
   * triggerDirection, stopLossPrice, takeProfitPrice, trailingAmount or trailingPercent; one of them per order.
   */
  private triggerOf(symbol: string, params: Dict): TriggerRequest | undefined {
    const given = (key: string): boolean => params[key] !== undefined && params[key] !== null;
    const price = (key: string): string => {
      this.checkPositive(key, params[key], true);
      return this.priceToPrecision(symbol, Number(params[key]));
    };
    if (given('trailingTriggerPrice')) {
      throw new NotSupported(`${this.id} does not simulate trailingTriggerPrice (trailing stops start at once)`, {
        exchange: this.id,
      });
    }
    const kinds = [
      given('triggerPrice') || given('stopPrice') ? 'triggerPrice' : undefined,
      given('stopLossPrice') ? 'stopLossPrice' : undefined,
      given('takeProfitPrice') ? 'takeProfitPrice' : undefined,
      given('trailingAmount') || given('trailingPercent') ? 'trailingAmount/trailingPercent' : undefined,
    ].filter((k) => k !== undefined);
    if (kinds.length === 0) return undefined;
    if (kinds.length > 1) {
      throw new NotSupported(
        `${this.id} simulates one trigger per order (no attached or OCO stop-loss / take-profit), got ${kinds.join(', ')}`,
        { exchange: this.id },
      );
    }
    const kind = kinds[0]!;
    if (kind === 'stopLossPrice') return { kind: 'stopLoss', price: price('stopLossPrice') };
    if (kind === 'takeProfitPrice') return { kind: 'takeProfit', price: price('takeProfitPrice') };
    if (kind === 'triggerPrice') {
      const dir = params['triggerDirection'];
      let direction: TriggerDirection | undefined;
      if (dir !== undefined && dir !== null) {
        direction = typeof dir === 'string' ? DIRECTIONS[dir.toLowerCase()] : undefined;
        if (direction === undefined) {
          throw new InvalidOrder(`${this.id} triggerDirection must be 'above' or 'below', got ${String(dir)}`, {
            exchange: this.id,
          });
        }
      }
      return { kind: 'trigger', price: price(given('triggerPrice') ? 'triggerPrice' : 'stopPrice'), direction };
    }
    if (given('trailingAmount') && given('trailingPercent')) {
      throw new InvalidOrder(`${this.id} give trailingAmount or trailingPercent, not both`, { exchange: this.id });
    }
    if (given('trailingAmount')) return { kind: 'trailing', trailingAmount: price('trailingAmount') };
    this.checkPositive('trailingPercent', params['trailingPercent'], true);
    return { kind: 'trailing', trailingPercent: toDecimal(params['trailingPercent'])! };
  }

  // ---- CCXT's trigger order conveniences (the base class has none): createOrder with the param set ----
  /** A trigger order: fires when the last price reaches triggerPrice (see params.triggerDirection). */
  async createTriggerOrder(
    symbol: string,
    type: string,
    side: OrderSide,
    amount: number,
    price?: number,
    triggerPrice?: number,
    params: Dict = {},
  ): Promise<Order> {
    this.requireArgument('triggerPrice', triggerPrice, 'createTriggerOrder');
    return this.createOrder(symbol, type, side, amount, price, { ...params, triggerPrice });
  }

  /** A stop-loss: a sell fires when the last price falls to stopLossPrice, a buy when it rises to it. */
  async createStopLossOrder(
    symbol: string,
    type: string,
    side: OrderSide,
    amount: number,
    price?: number,
    stopLossPrice?: number,
    params: Dict = {},
  ): Promise<Order> {
    this.requireArgument('stopLossPrice', stopLossPrice, 'createStopLossOrder');
    return this.createOrder(symbol, type, side, amount, price, { ...params, stopLossPrice });
  }

  /** A take-profit: a sell fires when the last price rises to takeProfitPrice, a buy when it falls to it. */
  async createTakeProfitOrder(
    symbol: string,
    type: string,
    side: OrderSide,
    amount: number,
    price?: number,
    takeProfitPrice?: number,
    params: Dict = {},
  ): Promise<Order> {
    this.requireArgument('takeProfitPrice', takeProfitPrice, 'createTakeProfitOrder');
    return this.createOrder(symbol, type, side, amount, price, { ...params, takeProfitPrice });
  }

  /** A trailing stop trailingAmount (quote) away from the best price seen since placement. */
  async createTrailingAmountOrder(
    symbol: string,
    type: string,
    side: OrderSide,
    amount: number,
    price?: number,
    trailingAmount?: number,
    trailingTriggerPrice?: number,
    params: Dict = {},
  ): Promise<Order> {
    this.requireArgument('trailingAmount', trailingAmount, 'createTrailingAmountOrder');
    return this.createOrder(symbol, type, side, amount, price, { ...params, trailingAmount, trailingTriggerPrice });
  }

  /** A trailing stop trailingPercent percent (5 = 5%) away from the best price seen since placement. */
  async createTrailingPercentOrder(
    symbol: string,
    type: string,
    side: OrderSide,
    amount: number,
    price?: number,
    trailingPercent?: number,
    trailingTriggerPrice?: number,
    params: Dict = {},
  ): Promise<Order> {
    this.requireArgument('trailingPercent', trailingPercent, 'createTrailingPercentOrder');
    return this.createOrder(symbol, type, side, amount, price, { ...params, trailingPercent, trailingTriggerPrice });
  }

  private checkLimits(market: Market, amount?: string, price?: string, cost?: string): void {
    const fail = (what: string): never => {
      throw new InvalidOrder(`${this.id} ${market.symbol} ${what}`, { exchange: this.id });
    };
    const lim = market.limits;
    if (amount !== undefined) {
      if (lim.amount?.min != null && dCmp(amount, String(lim.amount.min)) < 0)
        fail(`amount ${amount} is below the minimum ${lim.amount.min}`);
      if (lim.amount?.max != null && dCmp(amount, String(lim.amount.max)) > 0)
        fail(`amount ${amount} is above the maximum ${lim.amount.max}`);
    }
    if (price !== undefined && lim.price?.min != null && dCmp(price, String(lim.price.min)) < 0)
      fail(`price ${price} is below the minimum ${lim.price.min}`);
    const value = cost ?? (amount !== undefined && price !== undefined ? dMul(amount, price) : undefined);
    if (value !== undefined && lim.cost?.min != null && dCmp(value, String(lim.cost.min)) < 0)
      fail(`order value ${value} is below the minimum ${lim.cost.min}`);
  }

  override async cancelOrder(id: string, symbol?: string, params: Dict = {}): Promise<Order> {
    this.requireArgument('id', id, 'cancelOrder');
    const engine = await this.matchingEngine();
    const s = given(symbol) === undefined ? undefined : this.market(symbol!).symbol;
    const order = engine.cancelOrder(this.accountOf(params), String(id), s);
    await this.save();
    return this.toOrder(order);
  }

  override async cancelAllOrders(symbol?: string, params: Dict = {}): Promise<Order[]> {
    const engine = await this.matchingEngine();
    const s = given(symbol) === undefined ? undefined : this.market(symbol!).symbol;
    const orders = engine.cancelAll(this.accountOf(params), s);
    await this.save();
    return orders.map((o) => this.toOrder(o));
  }

  override async fetchOrder(id: string, symbol?: string, params: Dict = {}): Promise<Order> {
    this.requireArgument('id', id, 'fetchOrder');
    const engine = await this.matchingEngine();
    await this.pull();
    const order = engine.getOrder(this.accountOf(params), String(id));
    if (given(symbol) !== undefined && this.market(symbol!).symbol !== order.symbol) {
      throw new OrderNotFound(`${this.id} order ${String(id)} is not an order of ${symbol!}`, { exchange: this.id });
    }
    return this.toOrder(order);
  }

  private async orders(
    symbol: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: Dict,
    keep: (o: EngineOrder) => boolean,
  ): Promise<Order[]> {
    const engine = await this.matchingEngine();
    await this.pull();
    const s = given(symbol) === undefined ? undefined : this.market(symbol!).symbol;
    const list = engine
      .listOrders(this.accountOf(params), { symbol: s })
      .filter(keep)
      .map((o) => this.toOrder(o));
    return filterBySinceLimit(list, given(since), given(limit), given(since) === undefined);
  }

  override async fetchOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    return this.orders(symbol, since, limit, params, () => true);
  }

  override async fetchOpenOrders(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Order[]> {
    return this.orders(symbol, since, limit, params, (o) => o.status === 'open');
  }

  override async fetchClosedOrders(
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Order[]> {
    return this.orders(symbol, since, limit, params, (o) => o.status !== 'open');
  }

  override async fetchCanceledOrders(
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Order[]> {
    return this.orders(symbol, since, limit, params, (o) => o.status === 'canceled' || o.status === 'expired');
  }

  override async fetchMyTrades(symbol?: string, since?: number, limit?: number, params: Dict = {}): Promise<Trade[]> {
    const engine = await this.matchingEngine();
    await this.pull();
    const s = given(symbol) === undefined ? undefined : this.market(symbol!).symbol;
    const list = engine.listTrades(this.accountOf(params), s).map((t) => this.toTrade(t));
    return filterBySinceLimit(list, given(since), given(limit), given(since) === undefined);
  }

  override async fetchOrderTrades(
    id: string,
    symbol?: string,
    since?: number,
    limit?: number,
    params: Dict = {},
  ): Promise<Trade[]> {
    const order = await this.fetchOrder(id, symbol, params);
    return filterBySinceLimit(order.trades, given(since), given(limit));
  }

  /** Stops the source (replays, polling), waits for the last state write, then closes streams. */
  override async close(): Promise<void> {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    const src = this.#source;
    if (src instanceof ReplaySource) src.close();
    await this.#writer?.idle();
    await super.close();
  }
}
