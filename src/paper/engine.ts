/**
 * The paper exchange's matching engine: one price-time priority book of user orders per market, the market data
 * source's book as outside liquidity, and per-account balances. Synchronous and exact: every amount, price, cost,
 * fee and balance is a decimal string handled with core/decimal.ts.
 *
 * Rules (each one a deliberate choice, documented in docs of the paper exchange):
 * - An incoming order takes liquidity best price first. At one price the source's displayed level comes before
 *   resting user orders (a new order queues behind what is already shown), user orders among themselves by time.
 * - Fills are at the resting side's price: the source level's price, or the resting user order's limit price.
 * - Source levels an order consumed stay consumed until the source's next book (the next "tick").
 * - Resting user orders fill when a new source book crosses them (consuming the crossing levels) or when a source
 *   trade at or through their price prints after they were placed; they are makers then and fill at their price.
 * - Fees are charged in the currency received: base on buys, quote on sells; maker rate for resting orders.
 * - Funds are checked before anything changes (InsufficientFunds): a limit buy needs price * amount of quote, a
 *   market buy the cost of the fills it will get (or the cost it asks to spend), a sell its amount of base.
 *   A resting order holds (used) exactly what its remainder needs; a cancel releases it.
 * - Self-trade prevention expires the resting order (Binance's default EXPIRE_MAKER): an order never fills
 *   against an order of the same account.
 * - Post-only orders that would take are rejected (OrderImmediatelyFillable) and nothing changes; IOC and market
 *   orders cancel their unfilled remainder; FOK orders fill entirely or are canceled without any fill.
 */
import {
  TICK_SIZE,
  TRUNCATE,
  dAdd,
  dCmp,
  dDiv,
  dIsZero,
  dMin,
  dMul,
  dSub,
  decimalToPrecision,
  toDecimal,
} from '../core/decimal.js';
import {
  BadSymbol,
  DuplicateOrderId,
  ExchangeError,
  InsufficientFunds,
  InvalidOrder,
  OrderImmediatelyFillable,
  OrderNotFound,
} from '../core/errors.js';

export type Side = 'buy' | 'sell';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'PO';
export type EngineOrderStatus = 'open' | 'closed' | 'canceled' | 'expired';
/** A price level: [price, amount] as decimal strings. */
export type Level = [string, string];

export interface EngineMarket {
  symbol: string;
  base: string;
  quote: string;
  /** Fee rates as decimal strings ('0.001' = 0.1%). */
  maker: string;
  taker: string;
  /** Amount step: amounts derived from a cost (market buys by cost) are truncated to it. */
  step?: string | undefined;
}

export interface EngineOrder {
  id: string;
  clientOrderId: string | undefined;
  account: string;
  symbol: string;
  type: 'limit' | 'market';
  side: Side;
  timeInForce: TimeInForce;
  postOnly: boolean;
  price: string | undefined;
  /** Base amount; for a market buy by cost, what it filled once done. */
  amount: string;
  /** Quote to spend, for market buys by cost. */
  quoteAmount: string | undefined;
  filled: string;
  /** Quote value of the fills. */
  cost: string;
  /** Funds held for the resting remainder: quote for buys, base for sells. */
  reserved: string;
  fee: string;
  feeCurrency: string;
  status: EngineOrderStatus;
  timestamp: number;
  lastTradeTimestamp: number | undefined;
  lastUpdateTimestamp: number;
  /** Arrival sequence: time priority between orders at one price. */
  seq: number;
  trades: string[];
}

export interface EngineTrade {
  id: string;
  order: string;
  account: string;
  symbol: string;
  side: Side;
  takerOrMaker: 'taker' | 'maker';
  price: string;
  amount: string;
  cost: string;
  fee: string;
  feeCurrency: string;
  feeRate: string;
  timestamp: number;
  /** What the other side was: the source's book, a source trade, or another paper order. */
  counterparty: 'book' | 'trade' | 'order';
}

/** A trade printed on the paper venue (one per match, both sides' view merged), for the public tape. */
export interface Execution {
  id: string;
  symbol: string;
  side: Side;
  price: string;
  amount: string;
  cost: string;
  timestamp: number;
}

export interface SourceTrade {
  id?: string | undefined;
  timestamp: number;
  price: string;
  amount: string;
  /** Aggressor side when known. */
  side?: Side | undefined;
}

export interface SourceBook {
  bids: Level[];
  asks: Level[];
  timestamp?: number | undefined;
  /** Identifies one book of the source (nonce, timestamp): the same key again is the same tick. */
  key?: string | number | undefined;
}

export interface BalanceEntry {
  free: string;
  used: string;
  total: string;
}

export type EngineEvent =
  | { type: 'order'; order: EngineOrder }
  | { type: 'trade'; trade: EngineTrade }
  | { type: 'balance'; account: string }
  | { type: 'book'; symbol: string }
  | { type: 'execution'; execution: Execution };

export interface OrderRequest {
  account: string;
  symbol: string;
  type: 'limit' | 'market';
  side: Side;
  /** Base amount (decimal string); optional only for market buys by cost. */
  amount?: string | undefined;
  price?: string | undefined;
  /** Quote to spend: market buys only. */
  cost?: string | undefined;
  timeInForce?: TimeInForce | undefined;
  postOnly?: boolean | undefined;
  clientOrderId?: string | undefined;
}

export interface PlaceResult {
  order: EngineOrder;
  trades: EngineTrade[];
}

export interface EngineState {
  version: 1;
  nextOrderId: number;
  nextTradeId: number;
  seq: number;
  accounts: Record<string, Record<string, { free: string; used: string }>>;
  orders: EngineOrder[];
  trades: EngineTrade[];
}

export interface EngineOptions {
  markets?: EngineMarket[];
  /** Balances a new account starts with (code -> amount). */
  initialBalance?: Record<string, string>;
  now?: () => number;
  /** Public executions kept per market for the tape (default 1000). */
  tapeLimit?: number;
}

interface SourceState {
  key: string | number | undefined;
  timestamp: number | undefined;
  bids: Level[];
  asks: Level[];
  consumedBids: Map<string, string>;
  consumedAsks: Map<string, string>;
}

/** One match an incoming order would make, worked out before anything changes. */
interface PlannedFill {
  price: string;
  amount: string;
  maker: EngineOrder | undefined;
  /** Source level price key when the liquidity is the source's. */
  level: string | undefined;
}

interface Plan {
  fills: PlannedFill[];
  filled: string;
  cost: string;
  /** Same-account resting orders met on the way (self-trade prevention expires them). */
  selfMatched: EngineOrder[];
}

const ZERO = '0';
const isPos = (x: string): boolean => dCmp(x, ZERO) > 0;
const SEEN_LIMIT = 5000;

export class MatchingEngine {
  private readonly markets = new Map<string, EngineMarket>();
  private readonly accounts = new Map<string, Map<string, { free: string; used: string }>>();
  private readonly orders = new Map<string, EngineOrder>();
  private readonly trades: EngineTrade[] = [];
  private readonly tradesById = new Map<string, EngineTrade>();
  /** Resting user orders per market: bids best (highest) first, asks best (lowest) first, then by seq. */
  private readonly books = new Map<string, { bids: EngineOrder[]; asks: EngineOrder[] }>();
  private readonly sources = new Map<string, SourceState>();
  private readonly seenTrades = new Map<string, Set<string>>();
  private readonly tapes = new Map<string, Execution[]>();
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private pending: EngineEvent[] = [];
  private nextOrderId = 1;
  private nextTradeId = 1;
  private nextExecutionId = 1;
  private seq = 0;
  private initialBalance: Record<string, string>;
  private readonly now: () => number;
  private readonly tapeLimit: number;

  constructor(options: EngineOptions = {}) {
    this.now = options.now ?? Date.now;
    this.initialBalance = normalizeBalances(options.initialBalance ?? {});
    this.tapeLimit = options.tapeLimit ?? 1000;
    for (const m of options.markets ?? []) this.addMarket(m);
  }

  // ---- setup ----
  addMarket(m: EngineMarket): void {
    for (const [name, rate] of [
      ['maker', m.maker],
      ['taker', m.taker],
    ] as const) {
      const r = toDecimal(rate);
      if (r === undefined || dCmp(r, '-1') < 0 || dCmp(r, '1') >= 0) {
        throw new InvalidOrder(`paper ${m.symbol} ${name} fee rate must be a number in [-1, 1), got ${String(rate)}`);
      }
    }
    this.markets.set(m.symbol, { ...m, maker: toDecimal(m.maker)!, taker: toDecimal(m.taker)! });
    if (!this.books.has(m.symbol)) this.books.set(m.symbol, { bids: [], asks: [] });
  }

  hasMarket(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  market(symbol: string): EngineMarket {
    const m = this.markets.get(symbol);
    if (m === undefined) throw new BadSymbol(`paper does not have market symbol ${symbol}`, { exchange: 'paper' });
    return m;
  }

  setInitialBalance(balance: Record<string, string>): void {
    this.initialBalance = normalizeBalances(balance);
  }

  on(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- balances ----
  private account(id: string): Map<string, { free: string; used: string }> {
    let acct = this.accounts.get(id);
    if (acct === undefined) {
      acct = new Map();
      for (const [code, amount] of Object.entries(this.initialBalance)) acct.set(code, { free: amount, used: ZERO });
      this.accounts.set(id, acct);
    }
    return acct;
  }

  private wallet(account: string, code: string): { free: string; used: string } {
    const acct = this.account(account);
    let w = acct.get(code);
    if (w === undefined) {
      w = { free: ZERO, used: ZERO };
      acct.set(code, w);
    }
    return w;
  }

  balance(account: string): Record<string, BalanceEntry> {
    const out: Record<string, BalanceEntry> = {};
    for (const [code, w] of this.account(account))
      out[code] = { free: w.free, used: w.used, total: dAdd(w.free, w.used) };
    return out;
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  /** Adds (or with a negative amount removes) free funds; never below zero. */
  deposit(account: string, code: string, amount: string): void {
    const w = this.wallet(account, code);
    const next = dAdd(w.free, amount);
    if (dCmp(next, ZERO) < 0) throw new InsufficientFunds(`paper ${account} has only ${w.free} ${code} free`);
    w.free = next;
    this.emit({ type: 'balance', account });
    this.flush();
  }

  // ---- queries ----
  getOrder(account: string, id: string): EngineOrder {
    const o = this.orders.get(id) ?? this.findByClientId(account, id);
    if (o === undefined || o.account !== account) {
      throw new OrderNotFound(`paper order ${id} not found`, { exchange: 'paper' });
    }
    return o;
  }

  private findByClientId(account: string, clientOrderId: string): EngineOrder | undefined {
    let found: EngineOrder | undefined;
    for (const o of this.orders.values()) {
      if (o.account === account && o.clientOrderId === clientOrderId) found = o; // the newest one
    }
    return found;
  }

  listOrders(account: string, filter: { symbol?: string | undefined; open?: boolean | undefined } = {}): EngineOrder[] {
    const out: EngineOrder[] = [];
    for (const o of this.orders.values()) {
      if (o.account !== account) continue;
      if (filter.symbol !== undefined && o.symbol !== filter.symbol) continue;
      if (filter.open !== undefined && (o.status === 'open') !== filter.open) continue;
      out.push(o);
    }
    return out;
  }

  listTrades(account: string, symbol?: string, orderId?: string): EngineTrade[] {
    return this.trades.filter(
      (t) =>
        t.account === account &&
        (symbol === undefined || t.symbol === symbol) &&
        (orderId === undefined || t.order === orderId),
    );
  }

  trade(id: string): EngineTrade | undefined {
    return this.tradesById.get(id);
  }

  tape(symbol: string): Execution[] {
    return this.tapes.get(symbol) ?? [];
  }

  /** Whether any order rests on the market (the source must then be followed for fills). */
  hasResting(symbol?: string): boolean {
    if (symbol !== undefined) {
      const b = this.books.get(symbol);
      return b !== undefined && b.bids.length + b.asks.length > 0;
    }
    for (const b of this.books.values()) if (b.bids.length + b.asks.length > 0) return true;
    return false;
  }

  /**
   * The book a trader sees: the source's levels less what was consumed this tick, plus resting user orders,
   * aggregated per price, best first.
   */
  depth(symbol: string, limit?: number): { bids: Level[]; asks: Level[]; timestamp: number | undefined } {
    this.market(symbol);
    const src = this.sources.get(symbol);
    const book = this.books.get(symbol)!;
    const side = (levels: Level[], consumed: Map<string, string> | undefined, orders: EngineOrder[], desc: boolean) => {
      const agg = new Map<string, string>();
      for (const [p, a] of levels) {
        const left = dSub(a, consumed?.get(p) ?? ZERO);
        if (isPos(left)) agg.set(p, dAdd(agg.get(p) ?? ZERO, left));
      }
      for (const o of orders) {
        const p = o.price!;
        agg.set(p, dAdd(agg.get(p) ?? ZERO, dSub(o.amount, o.filled)));
      }
      const out = [...agg.entries()] as Level[];
      out.sort((x, y) => (desc ? dCmp(y[0], x[0]) : dCmp(x[0], y[0])));
      return limit === undefined ? out : out.slice(0, limit);
    };
    return {
      bids: side(src?.bids ?? [], src?.consumedBids, book.bids, true),
      asks: side(src?.asks ?? [], src?.consumedAsks, book.asks, false),
      timestamp: src?.timestamp,
    };
  }

  // ---- orders ----
  placeOrder(req: OrderRequest): PlaceResult {
    const market = this.market(req.symbol);
    const { side, type } = req;
    if (side !== 'buy' && side !== 'sell') throw new InvalidOrder(`paper order side must be buy or sell`);
    if (type !== 'limit' && type !== 'market') throw new InvalidOrder(`paper does not support ${String(type)} orders`);
    const postOnly = req.postOnly === true || req.timeInForce === 'PO';
    let tif: TimeInForce = req.timeInForce ?? (type === 'market' ? 'IOC' : postOnly ? 'PO' : 'GTC');
    if (type === 'market') {
      if (postOnly) throw new InvalidOrder('paper market orders cannot be post-only');
      if (tif === 'GTC') tif = 'IOC';
    } else if (postOnly) tif = 'PO';
    const price = type === 'limit' ? positive('price', req.price) : undefined;
    const byCost = type === 'market' && side === 'buy' && req.cost !== undefined;
    if (req.cost !== undefined && !byCost) throw new InvalidOrder('paper cost is for market buy orders only');
    const quoteAmount = byCost ? positive('cost', req.cost) : undefined;
    const amount = byCost ? undefined : positive('amount', req.amount);
    if (req.clientOrderId !== undefined) {
      const dup = this.findByClientId(req.account, req.clientOrderId);
      if (dup !== undefined && dup.status === 'open') {
        throw new DuplicateOrderId(`paper clientOrderId ${req.clientOrderId} is already used by open order ${dup.id}`);
      }
    }

    // 1. work out the matches, changing nothing
    const plan = this.plan(market, req.account, side, price, amount, quoteAmount);
    if (postOnly && (plan.fills.length > 0 || plan.selfMatched.length > 0)) {
      throw new OrderImmediatelyFillable(
        `paper post-only ${side} order at ${price} would take liquidity on ${market.symbol}`,
        { exchange: 'paper' },
      );
    }
    // 2. funds, before anything changes
    const payCode = side === 'buy' ? market.quote : market.base;
    const need =
      side === 'sell'
        ? amount!
        : quoteAmount !== undefined
          ? quoteAmount
          : type === 'market'
            ? plan.cost
            : dMul(price!, amount!);
    const free = this.account(req.account).get(payCode)?.free ?? ZERO;
    if (dCmp(free, need) < 0) {
      throw new InsufficientFunds(`paper ${req.account} needs ${need} ${payCode} for this order and has ${free} free`, {
        exchange: 'paper',
      });
    }
    const fok = tif === 'FOK' && (amount === undefined || dCmp(plan.filled, amount) < 0);

    // 3. apply
    const now = this.now();
    const order: EngineOrder = {
      id: String(this.nextOrderId++),
      clientOrderId: req.clientOrderId,
      account: req.account,
      symbol: market.symbol,
      type,
      side,
      timeInForce: tif,
      postOnly,
      price,
      amount: amount ?? ZERO,
      quoteAmount,
      filled: ZERO,
      cost: ZERO,
      reserved: ZERO,
      fee: ZERO,
      feeCurrency: side === 'buy' ? market.base : market.quote,
      status: 'open',
      timestamp: now,
      lastTradeTimestamp: undefined,
      lastUpdateTimestamp: now,
      seq: ++this.seq,
      trades: [],
    };
    this.orders.set(order.id, order);
    const trades: EngineTrade[] = [];
    try {
      if (!fok) {
        for (const maker of plan.selfMatched) this.close(maker, 'expired', now);
        for (const f of plan.fills) {
          trades.push(this.takerFill(order, market, f, now));
          if (f.maker !== undefined) this.makerFill(f.maker, market, f.price, f.amount, now, 'order');
          else this.consume(market.symbol, side === 'buy' ? 'asks' : 'bids', f.level!, f.amount);
          this.print(market.symbol, side, f.price, f.amount, now);
        }
      }
      if (order.quoteAmount !== undefined) order.amount = order.filled;
      const remaining = dSub(order.amount, order.filled);
      if (!isPos(remaining) && !fok && isPos(order.filled)) {
        order.status = 'closed';
      } else if (type === 'limit' && (tif === 'GTC' || tif === 'PO')) {
        const wallet = this.wallet(req.account, payCode);
        const hold = side === 'buy' ? dMul(price!, remaining) : remaining;
        wallet.free = dSub(wallet.free, hold);
        wallet.used = dAdd(wallet.used, hold);
        order.reserved = hold;
        this.insert(order);
        this.emit({ type: 'book', symbol: market.symbol });
      } else {
        order.status = 'canceled';
      }
      this.emit({ type: 'order', order });
      this.emit({ type: 'balance', account: req.account });
      if (plan.fills.length > 0 && !fok) this.emit({ type: 'book', symbol: market.symbol });
    } finally {
      this.flush();
    }
    return { order, trades };
  }

  /** Matches an incoming order would make, best price first, without changing anything. */
  private plan(
    market: EngineMarket,
    account: string,
    side: Side,
    limit: string | undefined,
    amount: string | undefined,
    budget: string | undefined,
  ): Plan {
    const src = this.sources.get(market.symbol);
    const levels = (side === 'buy' ? src?.asks : src?.bids) ?? [];
    const consumed = side === 'buy' ? src?.consumedAsks : src?.consumedBids;
    const resting = side === 'buy' ? this.books.get(market.symbol)!.asks : this.books.get(market.symbol)!.bids;
    // better(a, b): a is a better price for this taker than b
    const better = (a: string, b: string): boolean => (side === 'buy' ? dCmp(a, b) < 0 : dCmp(a, b) > 0);
    const within = (p: string): boolean => limit === undefined || !better(limit, p);
    const fills: PlannedFill[] = [];
    const selfMatched: EngineOrder[] = [];
    let filled = ZERO;
    let cost = ZERO;
    let li = 0;
    let oi = 0;
    let levelLeft: string | undefined;
    while (true) {
      if (amount !== undefined && !isPos(dSub(amount, filled))) break;
      if (budget !== undefined && !isPos(dSub(budget, cost))) break;
      // next source level with something left
      while (li < levels.length && levelLeft === undefined) {
        const [p, a] = levels[li]!;
        const left = dSub(a, consumed?.get(p) ?? ZERO);
        if (isPos(left)) levelLeft = left;
        else li++;
      }
      const level = levelLeft !== undefined ? levels[li] : undefined;
      const maker = resting[oi];
      let useLevel: boolean;
      if (level !== undefined && maker !== undefined) useLevel = !better(maker.price!, level[0]);
      else if (level !== undefined) useLevel = true;
      else if (maker !== undefined) useLevel = false;
      else break;
      const price = useLevel ? level![0] : maker!.price!;
      if (!within(price)) break;
      if (!useLevel && maker!.account === account) {
        selfMatched.push(maker!);
        oi++;
        continue;
      }
      const available = useLevel ? levelLeft! : dSub(maker!.amount, maker!.filled);
      let q: string;
      if (amount !== undefined) q = dMin(available, dSub(amount, filled));
      else {
        const affordable = truncate(dDiv(dSub(budget!, cost), price, 18), market.step);
        q = dMin(available, affordable);
        if (!isPos(q)) break;
      }
      fills.push({ price, amount: q, maker: useLevel ? undefined : maker, level: useLevel ? price : undefined });
      filled = dAdd(filled, q);
      cost = dAdd(cost, dMul(price, q));
      if (useLevel) {
        const rest = dSub(levelLeft!, q);
        if (isPos(rest)) levelLeft = rest;
        else {
          levelLeft = undefined;
          li++;
        }
      } else if (dCmp(q, available) >= 0) oi++;
    }
    return { fills, filled, cost, selfMatched };
  }

  /** The incoming order's side of one match: it pays at the maker's price and gets the rest less the taker fee. */
  private takerFill(order: EngineOrder, market: EngineMarket, f: PlannedFill, now: number): EngineTrade {
    const cost = dMul(f.price, f.amount);
    const rate = market.taker;
    const base = this.wallet(order.account, market.base);
    const quote = this.wallet(order.account, market.quote);
    let fee: string;
    if (order.side === 'buy') {
      fee = dMul(f.amount, rate);
      quote.free = dSub(quote.free, cost);
      base.free = dAdd(base.free, dSub(f.amount, fee));
    } else {
      fee = dMul(cost, rate);
      base.free = dSub(base.free, f.amount);
      quote.free = dAdd(quote.free, dSub(cost, fee));
    }
    return this.record(
      order,
      'taker',
      f.price,
      f.amount,
      cost,
      fee,
      rate,
      now,
      f.maker === undefined ? 'book' : 'order',
    );
  }

  /** A resting order filled at its own price: its hold pays, it receives the rest less the maker fee. */
  private makerFill(
    order: EngineOrder,
    market: EngineMarket,
    price: string,
    amount: string,
    now: number,
    counterparty: EngineTrade['counterparty'],
  ): EngineTrade {
    const cost = dMul(price, amount);
    const rate = market.maker;
    const base = this.wallet(order.account, market.base);
    const quote = this.wallet(order.account, market.quote);
    let fee: string;
    if (order.side === 'buy') {
      fee = dMul(amount, rate);
      quote.used = dSub(quote.used, cost);
      order.reserved = dSub(order.reserved, cost);
      base.free = dAdd(base.free, dSub(amount, fee));
    } else {
      fee = dMul(cost, rate);
      base.used = dSub(base.used, amount);
      order.reserved = dSub(order.reserved, amount);
      quote.free = dAdd(quote.free, dSub(cost, fee));
    }
    const trade = this.record(order, 'maker', price, amount, cost, fee, rate, now, counterparty);
    if (!isPos(dSub(order.amount, order.filled))) {
      this.remove(order);
      order.status = 'closed';
    }
    this.emit({ type: 'order', order });
    this.emit({ type: 'balance', account: order.account });
    return trade;
  }

  private record(
    order: EngineOrder,
    takerOrMaker: 'taker' | 'maker',
    price: string,
    amount: string,
    cost: string,
    fee: string,
    rate: string,
    now: number,
    counterparty: EngineTrade['counterparty'],
  ): EngineTrade {
    order.filled = dAdd(order.filled, amount);
    order.cost = dAdd(order.cost, cost);
    order.fee = dAdd(order.fee, fee);
    order.lastTradeTimestamp = now;
    order.lastUpdateTimestamp = now;
    const trade: EngineTrade = {
      id: String(this.nextTradeId++),
      order: order.id,
      account: order.account,
      symbol: order.symbol,
      side: order.side,
      takerOrMaker,
      price,
      amount,
      cost,
      fee,
      feeCurrency: order.feeCurrency,
      feeRate: rate,
      timestamp: now,
      counterparty,
    };
    order.trades.push(trade.id);
    this.trades.push(trade);
    this.tradesById.set(trade.id, trade);
    this.emit({ type: 'trade', trade });
    return trade;
  }

  private print(symbol: string, side: Side, price: string, amount: string, now: number): void {
    let tape = this.tapes.get(symbol);
    if (tape === undefined) {
      tape = [];
      this.tapes.set(symbol, tape);
    }
    const execution: Execution = {
      id: `paper-${this.nextExecutionId++}`,
      symbol,
      side,
      price,
      amount,
      cost: dMul(price, amount),
      timestamp: now,
    };
    tape.push(execution);
    if (tape.length > this.tapeLimit) tape.splice(0, tape.length - this.tapeLimit);
    this.emit({ type: 'execution', execution });
  }

  cancelOrder(account: string, id: string, symbol?: string): EngineOrder {
    const order = this.getOrder(account, id);
    if (symbol !== undefined && order.symbol !== symbol) {
      throw new OrderNotFound(`paper order ${id} is not an order of ${symbol}`, { exchange: 'paper' });
    }
    if (order.status !== 'open') {
      throw new OrderNotFound(`paper order ${id} is ${order.status}, it cannot be canceled`, { exchange: 'paper' });
    }
    try {
      this.close(order, 'canceled', this.now());
    } finally {
      this.flush();
    }
    return order;
  }

  cancelAll(account: string, symbol?: string): EngineOrder[] {
    if (symbol !== undefined) this.market(symbol);
    const out: EngineOrder[] = [];
    const now = this.now();
    try {
      for (const o of this.listOrders(account, { symbol, open: true })) {
        this.close(o, 'canceled', now);
        out.push(o);
      }
    } finally {
      this.flush();
    }
    return out;
  }

  /** Takes an open order off the book and releases what it holds. */
  private close(order: EngineOrder, status: 'canceled' | 'expired', now: number): void {
    const market = this.market(order.symbol);
    const w = this.wallet(order.account, order.side === 'buy' ? market.quote : market.base);
    w.used = dSub(w.used, order.reserved);
    w.free = dAdd(w.free, order.reserved);
    order.reserved = ZERO;
    order.status = status;
    order.lastUpdateTimestamp = now;
    this.remove(order);
    this.emit({ type: 'order', order });
    this.emit({ type: 'balance', account: order.account });
    this.emit({ type: 'book', symbol: order.symbol });
  }

  // ---- the resting book ----
  private insert(order: EngineOrder): void {
    const book = this.books.get(order.symbol)!;
    const list = order.side === 'buy' ? book.bids : book.asks;
    const desc = order.side === 'buy';
    // first index whose order comes after this one (worse price, or same price and later)
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = dCmp(list[mid]!.price!, order.price!);
      const before = desc ? c > 0 : c < 0;
      if (before || (c === 0 && list[mid]!.seq < order.seq)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, order);
  }

  private remove(order: EngineOrder): void {
    const book = this.books.get(order.symbol);
    if (book === undefined) return;
    const list = order.side === 'buy' ? book.bids : book.asks;
    const i = list.indexOf(order);
    if (i >= 0) list.splice(i, 1);
  }

  // ---- the source ----
  private consume(symbol: string, side: 'bids' | 'asks', price: string, amount: string): void {
    const src = this.sources.get(symbol);
    if (src === undefined) return;
    const map = side === 'bids' ? src.consumedBids : src.consumedAsks;
    map.set(price, dAdd(map.get(price) ?? ZERO, amount));
  }

  /**
   * A book from the source. The same key as the current one changes nothing; a new one is a new tick: what was
   * consumed is available again, and resting orders it crosses fill (as makers, at their price).
   */
  setSourceBook(symbol: string, book: SourceBook): EngineTrade[] {
    this.market(symbol);
    const prev = this.sources.get(symbol);
    if (prev !== undefined && book.key !== undefined && prev.key === book.key) return [];
    const clean = (levels: Level[], desc: boolean): Level[] => {
      const out: Level[] = [];
      for (const [p, a] of levels) {
        const price = toDecimal(p);
        const amount = toDecimal(a);
        if (price === undefined || amount === undefined || !isPos(price) || !isPos(amount)) continue;
        out.push([price, amount]);
      }
      out.sort((x, y) => (desc ? dCmp(y[0], x[0]) : dCmp(x[0], y[0])));
      return out;
    };
    const src: SourceState = {
      key: book.key,
      timestamp: book.timestamp,
      bids: clean(book.bids, true),
      asks: clean(book.asks, false),
      consumedBids: new Map(),
      consumedAsks: new Map(),
    };
    this.sources.set(symbol, src);
    const out: EngineTrade[] = [];
    try {
      out.push(...this.crossResting(symbol, 'buy'), ...this.crossResting(symbol, 'sell'));
      this.emit({ type: 'book', symbol });
    } finally {
      this.flush();
    }
    return out;
  }

  /** Resting orders of `side` that the source's opposite levels now reach. */
  private crossResting(symbol: string, side: Side): EngineTrade[] {
    const market = this.market(symbol);
    const src = this.sources.get(symbol)!;
    const list = side === 'buy' ? this.books.get(symbol)!.bids : this.books.get(symbol)!.asks;
    const levels = side === 'buy' ? src.asks : src.bids;
    const consumed = side === 'buy' ? src.consumedAsks : src.consumedBids;
    const out: EngineTrade[] = [];
    const now = this.now();
    let li = 0;
    for (const order of [...list]) {
      const reaches = (p: string): boolean =>
        side === 'buy' ? dCmp(p, order.price!) <= 0 : dCmp(p, order.price!) >= 0;
      while (li < levels.length && isPos(dSub(order.amount, order.filled))) {
        const [p, a] = levels[li]!;
        if (!reaches(p)) break;
        const left = dSub(a, consumed.get(p) ?? ZERO);
        if (!isPos(left)) {
          li++;
          continue;
        }
        const q = dMin(left, dSub(order.amount, order.filled));
        consumed.set(p, dAdd(consumed.get(p) ?? ZERO, q));
        out.push(this.makerFill(order, market, order.price!, q, now, 'book'));
        this.print(symbol, side === 'buy' ? 'sell' : 'buy', order.price!, q, now);
      }
      if (li >= levels.length || !reaches(levels[li]![0])) break;
    }
    return out;
  }

  /**
   * Trades printed by the source. Each one not seen before fills resting orders placed before it whose price it
   * reached (a sell at or below a bid, a buy at or above an ask; either when the side is unknown), up to its size.
   */
  sourceTrades(symbol: string, trades: SourceTrade[]): EngineTrade[] {
    const market = this.market(symbol);
    let seen = this.seenTrades.get(symbol);
    if (seen === undefined) {
      seen = new Set();
      this.seenTrades.set(symbol, seen);
    }
    const book = this.books.get(symbol)!;
    const out: EngineTrade[] = [];
    try {
      for (const t of trades) {
        const key = t.id ?? `${t.timestamp}:${t.price}:${t.amount}:${t.side ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value!);
        const price = toDecimal(t.price);
        let left = toDecimal(t.amount);
        if (price === undefined || left === undefined || !isPos(left)) continue;
        for (const side of ['buy', 'sell'] as const) {
          // a sell aggressor reaches bids, a buy aggressor asks
          if (t.side !== undefined && t.side === side) continue;
          const list = side === 'buy' ? book.bids : book.asks;
          for (const order of [...list]) {
            if (!isPos(left)) break;
            const reached = side === 'buy' ? dCmp(price, order.price!) <= 0 : dCmp(price, order.price!) >= 0;
            if (!reached) break;
            if (order.timestamp > t.timestamp) continue;
            const q = dMin(left, dSub(order.amount, order.filled));
            left = dSub(left, q);
            out.push(this.makerFill(order, market, order.price!, q, t.timestamp, 'trade'));
            this.print(symbol, side === 'buy' ? 'sell' : 'buy', order.price!, q, t.timestamp);
          }
        }
      }
      if (out.length > 0) this.emit({ type: 'book', symbol });
    } finally {
      this.flush();
    }
    return out;
  }

  // ---- events ----
  private emit(e: EngineEvent): void {
    this.pending.push(e);
  }

  /** Listeners hear about an operation once it is complete, each account and book once. */
  private flush(): void {
    const events = this.pending;
    this.pending = [];
    if (this.listeners.size === 0) return;
    const once = new Set<string>();
    for (const e of events) {
      const key = e.type === 'balance' ? `b:${e.account}` : e.type === 'book' ? `k:${e.symbol}` : undefined;
      if (key !== undefined) {
        if (once.has(key)) continue;
        once.add(key);
      }
      for (const l of this.listeners) l(e);
    }
  }

  // ---- state ----
  snapshot(): EngineState {
    const accounts: EngineState['accounts'] = {};
    for (const [id, acct] of this.accounts) {
      const entry: Record<string, { free: string; used: string }> = {};
      for (const [code, w] of acct) entry[code] = { free: w.free, used: w.used };
      accounts[id] = entry;
    }
    return {
      version: 1,
      nextOrderId: this.nextOrderId,
      nextTradeId: this.nextTradeId,
      seq: this.seq,
      accounts,
      orders: [...this.orders.values()].map((o) => ({ ...o, trades: [...o.trades] })),
      trades: this.trades.map((t) => ({ ...t })),
    };
  }

  /** Replaces balances, orders and fills with a saved state; open orders go back on the book. */
  restore(state: EngineState): void {
    if (state.version !== 1) throw new ExchangeError(`paper state version ${String(state.version)} is not supported`);
    const unknown = [...new Set(state.orders.filter((o) => o.status === 'open').map((o) => o.symbol))].filter(
      (s) => !this.markets.has(s),
    );
    if (unknown.length > 0) {
      throw new ExchangeError(
        `paper state has open orders on ${unknown.join(', ')}, which the market data source does not list ` +
          '(open it with the source it was saved with)',
      );
    }
    this.accounts.clear();
    this.orders.clear();
    this.trades.length = 0;
    this.tradesById.clear();
    for (const b of this.books.values()) {
      b.bids.length = 0;
      b.asks.length = 0;
    }
    for (const [id, acct] of Object.entries(state.accounts)) {
      const m = new Map<string, { free: string; used: string }>();
      for (const [code, w] of Object.entries(acct)) m.set(code, { free: w.free, used: w.used });
      this.accounts.set(id, m);
    }
    for (const o of state.orders) {
      const order: EngineOrder = { ...o, trades: [...o.trades] };
      this.orders.set(order.id, order);
      if (order.status === 'open') {
        if (!this.books.has(order.symbol)) this.books.set(order.symbol, { bids: [], asks: [] });
        this.insert(order);
      }
    }
    for (const t of state.trades) {
      const trade = { ...t };
      this.trades.push(trade);
      this.tradesById.set(trade.id, trade);
    }
    this.nextOrderId = state.nextOrderId;
    this.nextTradeId = state.nextTradeId;
    this.seq = state.seq;
    const problems = this.audit();
    if (problems.length > 0) throw new ExchangeError(`paper state is inconsistent: ${problems.join('; ')}`);
  }

  /**
   * Invariants, as a list of what is wrong (empty when all hold): no balance negative, each account's used
   * equals what its open orders hold, every open order rests on its book and holds what its remainder needs.
   */
  audit(): string[] {
    const problems: string[] = [];
    const held = new Map<string, string>();
    for (const o of this.orders.values()) {
      if (o.status !== 'open') {
        if (!dIsZero(o.reserved)) problems.push(`order ${o.id} is ${o.status} and still holds ${o.reserved}`);
        continue;
      }
      const market = this.markets.get(o.symbol);
      if (market === undefined) {
        problems.push(`order ${o.id} is on unknown market ${o.symbol}`);
        continue;
      }
      const code = o.side === 'buy' ? market.quote : market.base;
      const remaining = dSub(o.amount, o.filled);
      const need = o.side === 'buy' ? dMul(o.price!, remaining) : remaining;
      if (dCmp(need, o.reserved) !== 0) problems.push(`order ${o.id} holds ${o.reserved}, its remainder needs ${need}`);
      if (!isPos(remaining)) problems.push(`order ${o.id} is open with nothing remaining`);
      const key = `${o.account}\u0000${code}`;
      held.set(key, dAdd(held.get(key) ?? ZERO, o.reserved));
      const book = this.books.get(o.symbol);
      if (book === undefined || !(o.side === 'buy' ? book.bids : book.asks).includes(o)) {
        problems.push(`open order ${o.id} is not on the book`);
      }
    }
    for (const [id, acct] of this.accounts) {
      for (const [code, w] of acct) {
        if (dCmp(w.free, ZERO) < 0) problems.push(`${id} ${code} free is negative: ${w.free}`);
        if (dCmp(w.used, ZERO) < 0) problems.push(`${id} ${code} used is negative: ${w.used}`);
        const h = held.get(`${id}\u0000${code}`) ?? ZERO;
        if (dCmp(h, w.used) !== 0) problems.push(`${id} ${code} used is ${w.used}, open orders hold ${h}`);
      }
    }
    for (const [symbol, book] of this.books) {
      for (const [name, list, desc] of [
        ['bids', book.bids, true],
        ['asks', book.asks, false],
      ] as const) {
        for (let i = 1; i < list.length; i++) {
          const c = dCmp(list[i - 1]!.price!, list[i]!.price!);
          const ordered = (desc ? c > 0 : c < 0) || (c === 0 && list[i - 1]!.seq < list[i]!.seq);
          if (!ordered) problems.push(`${symbol} ${name} out of price-time order at ${i}`);
        }
      }
    }
    return problems;
  }
}

function positive(name: string, value: string | undefined): string {
  const d = toDecimal(value);
  if (d === undefined || !isPos(d)) {
    throw new InvalidOrder(`paper ${name} must be a positive number, got ${String(value)}`, { exchange: 'paper' });
  }
  return d;
}

function truncate(x: string, step: string | undefined): string {
  return decimalToPrecision(x, TRUNCATE, step ?? '0.00000001', TICK_SIZE);
}

function normalizeBalances(b: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [code, amount] of Object.entries(b)) {
    const d = toDecimal(amount);
    if (d === undefined || dCmp(d, ZERO) < 0) {
      throw new InvalidOrder(`paper initial balance of ${code} must be a non-negative number, got ${String(amount)}`);
    }
    out[code] = d;
  }
  return out;
}
