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
 * - Trigger orders (stop-loss, take-profit, plain triggers, trailing stops) wait off the book, open, holding at
 *   placement what they will need once triggered. They fire on the last traded price (source trades and paper fills,
 *   each in turn, from no earlier than their placement): their hold is released and they are matched like a new
 *   order arriving then. One whose price the last price already reached is refused (OrderImmediatelyFillable).
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
/**
 * What fires a trigger order: a plain trigger (CCXT's triggerPrice / stopPrice, direction given or inferred), a
 * stop-loss (a sell fires when the price falls to it, a buy when it rises to it), a take-profit (the opposite), or a
 * trailing stop (a stop-loss whose price follows the best price seen since placement).
 */
export type TriggerKind = 'trigger' | 'stopLoss' | 'takeProfit' | 'trailing';
/** 'above': fires when the last price is at or above the trigger price; 'below': at or below it. */
export type TriggerDirection = 'above' | 'below';
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
  /** Set on trigger orders: while `triggeredAt` is undefined the order waits off the book. */
  trigger?: EngineTrigger | undefined;
}

export interface EngineTrigger {
  kind: TriggerKind;
  direction: TriggerDirection;
  /** The price that fires it (a trailing stop's moves with the best price seen). */
  price: string;
  /** Trailing stops: the distance in quote currency, or in percent of the best price (5 = 5%). */
  trailingAmount?: string | undefined;
  trailingPercent?: string | undefined;
  /** Trailing stops: the best price seen since placement (the highest for a sell, the lowest for a buy). */
  extreme?: string | undefined;
  /** When it fired and the last price that fired it; undefined while it waits. */
  triggeredAt?: number | undefined;
  triggeredBy?: string | undefined;
}

/** The trigger of an order request (see TriggerKind). */
export interface TriggerRequest {
  kind: TriggerKind;
  /** trigger, stopLoss, takeProfit: the price that fires it. */
  price?: string | undefined;
  /** trigger only; inferred from the last price when absent (a price above it fires on the way up). */
  direction?: TriggerDirection | undefined;
  /** trailing: one of the two. */
  trailingAmount?: string | undefined;
  trailingPercent?: string | undefined;
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
  /** Makes it a trigger order: it waits off the book, holding its funds, until the last price reaches it. */
  trigger?: TriggerRequest | undefined;
  /** The market's last price when the engine has seen none (direction inference, trailing start). */
  lastPrice?: string | undefined;
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
  /**
   * A market buy trigger order by amount holds amount x trigger price x (1 + this) of quote (default '0.05'): the
   * most it can spend once triggered.
   */
  triggerBuyMargin?: string;
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

interface TradedPrice {
  symbol: string;
  price: string;
  timestamp: number;
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
  private readonly triggerBuyMargin: string;
  /** Trigger orders waiting to fire, per market, in arrival order. */
  private readonly waiting = new Map<string, EngineOrder[]>();
  /** The last traded price per market (source trades and paper fills), with its time. */
  private readonly lasts = new Map<string, TradedPrice>();
  /** Prices traded during the current operation, for the trigger orders (settle()). */
  private prices: TradedPrice[] = [];
  /** Counts changes of balances, orders and fills (what the state file holds). */
  revision = 0;

  constructor(options: EngineOptions = {}) {
    this.now = options.now ?? Date.now;
    this.initialBalance = normalizeBalances(options.initialBalance ?? {});
    this.tapeLimit = options.tapeLimit ?? 1000;
    const margin = toDecimal(options.triggerBuyMargin ?? '0.05');
    if (margin === undefined || dCmp(margin, ZERO) < 0) {
      throw new InvalidOrder(`paper triggerBuyMargin must be a non-negative number, got ${options.triggerBuyMargin}`);
    }
    this.triggerBuyMargin = margin;
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

  /**
   * Whether any order rests on the market or waits for a trigger there (the source must then be followed for fills
   * and prices).
   */
  hasResting(symbol?: string): boolean {
    const has = (s: string): boolean => {
      const b = this.books.get(s);
      return (b !== undefined && b.bids.length + b.asks.length > 0) || (this.waiting.get(s)?.length ?? 0) > 0;
    };
    if (symbol !== undefined) return has(symbol);
    for (const s of this.markets.keys()) if (has(s)) return true;
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
    const payCode = side === 'buy' ? market.quote : market.base;
    const fresh = (now: number, status: EngineOrderStatus): EngineOrder => ({
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
      status,
      timestamp: now,
      lastTradeTimestamp: undefined,
      lastUpdateTimestamp: now,
      seq: ++this.seq,
      trades: [],
    });

    if (req.trigger !== undefined) {
      if (postOnly) throw new InvalidOrder('paper trigger orders cannot be post-only', { exchange: 'paper' });
      const trigger = this.newTrigger(market.symbol, side, req.trigger, req.lastPrice);
      // the hold: what the order will need once triggered, so that it never fails for lack of funds
      const hold =
        side === 'sell'
          ? amount!
          : quoteAmount !== undefined
            ? quoteAmount
            : type === 'limit'
              ? dMul(price!, amount!)
              : dMul(dMul(amount!, trigger.price), dAdd('1', this.triggerBuyMargin));
      this.requireFree(req.account, payCode, hold);
      const order = fresh(this.now(), 'open');
      order.trigger = trigger;
      const wallet = this.wallet(req.account, payCode);
      wallet.free = dSub(wallet.free, hold);
      wallet.used = dAdd(wallet.used, hold);
      order.reserved = hold;
      this.orders.set(order.id, order);
      this.waitingOn(market.symbol).push(order);
      this.emit({ type: 'order', order });
      this.emit({ type: 'balance', account: req.account });
      this.flush();
      return { order, trades: [] };
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
    const need =
      side === 'sell'
        ? amount!
        : quoteAmount !== undefined
          ? quoteAmount
          : type === 'market'
            ? plan.cost
            : dMul(price!, amount!);
    this.requireFree(req.account, payCode, need);

    // 3. apply
    const order = fresh(this.now(), 'open');
    this.orders.set(order.id, order);
    const trades: EngineTrade[] = [];
    try {
      trades.push(...this.execute(order, market, plan, order.timestamp));
      // its fills are the market's last prices now: trigger orders they reach fire (their fills are theirs)
      this.settle();
    } finally {
      this.flush();
    }
    return { order, trades };
  }

  private requireFree(account: string, code: string, need: string): void {
    const free = this.account(account).get(code)?.free ?? ZERO;
    if (dCmp(free, need) < 0) {
      throw new InsufficientFunds(`paper ${account} needs ${need} ${code} for this order and has ${free} free`, {
        exchange: 'paper',
      });
    }
  }

  /**
   * Applies a planned order: its fills, then the remainder rests (GTC and post-only limit orders, holding what it
   * needs) or is canceled (market, IOC; FOK without a complete fill has no fill at all).
   */
  private execute(order: EngineOrder, market: EngineMarket, plan: Plan, now: number): EngineTrade[] {
    const fok = order.timeInForce === 'FOK' && (order.quoteAmount !== undefined || dCmp(plan.filled, order.amount) < 0);
    const trades: EngineTrade[] = [];
    if (!fok) {
      for (const maker of plan.selfMatched) this.close(maker, 'expired', now);
      for (const f of plan.fills) {
        trades.push(this.takerFill(order, market, f, now));
        if (f.maker !== undefined) this.makerFill(f.maker, market, f.price, f.amount, now, 'order');
        else this.consume(market.symbol, order.side === 'buy' ? 'asks' : 'bids', f.level!, f.amount);
        this.print(market.symbol, order.side, f.price, f.amount, now);
      }
    }
    if (order.quoteAmount !== undefined) order.amount = order.filled;
    const remaining = dSub(order.amount, order.filled);
    if (!isPos(remaining) && !fok && isPos(order.filled)) {
      order.status = 'closed';
    } else if (order.type === 'limit' && (order.timeInForce === 'GTC' || order.timeInForce === 'PO')) {
      const wallet = this.wallet(order.account, order.side === 'buy' ? market.quote : market.base);
      const hold = order.side === 'buy' ? dMul(order.price!, remaining) : remaining;
      wallet.free = dSub(wallet.free, hold);
      wallet.used = dAdd(wallet.used, hold);
      order.reserved = hold;
      this.insert(order);
      this.emit({ type: 'book', symbol: market.symbol });
    } else {
      order.status = 'canceled';
    }
    this.emit({ type: 'order', order });
    this.emit({ type: 'balance', account: order.account });
    if (plan.fills.length > 0 && !fok) this.emit({ type: 'book', symbol: market.symbol });
    return trades;
  }

  // ---- trigger orders ----
  /** The trigger of a new order, refused when the last price already reached it (as Binance does). */
  private newTrigger(symbol: string, side: Side, t: TriggerRequest, given: string | undefined): EngineTrigger {
    const last = this.lastPrice(symbol) ?? (given === undefined ? undefined : positive('last price', given));
    if (t.kind === 'trailing') {
      const trailingAmount = t.trailingAmount === undefined ? undefined : positive('trailingAmount', t.trailingAmount);
      const trailingPercent =
        t.trailingPercent === undefined ? undefined : positive('trailingPercent', t.trailingPercent);
      if ((trailingAmount === undefined) === (trailingPercent === undefined)) {
        throw new InvalidOrder('paper trailing orders need one of trailingAmount or trailingPercent', {
          exchange: 'paper',
        });
      }
      if (last === undefined) {
        throw new InvalidOrder(`paper knows no last price of ${symbol} to start a trailing order from`, {
          exchange: 'paper',
        });
      }
      const trigger: EngineTrigger = {
        kind: 'trailing',
        direction: side === 'sell' ? 'below' : 'above',
        price: last,
        trailingAmount,
        trailingPercent,
        extreme: last,
      };
      trigger.price = trailingPrice(trigger, side);
      if (!isPos(trigger.price)) {
        throw new InvalidOrder(`paper trailing distance is larger than the last price ${last}`, { exchange: 'paper' });
      }
      return trigger;
    }
    const price = positive('trigger price', t.price);
    let direction: TriggerDirection | undefined =
      t.kind === 'stopLoss'
        ? side === 'sell'
          ? 'below'
          : 'above'
        : t.kind === 'takeProfit'
          ? side === 'sell'
            ? 'above'
            : 'below'
          : t.direction;
    if (direction === undefined) {
      if (last === undefined) {
        throw new InvalidOrder(`paper knows no last price of ${symbol}: give the trigger order a triggerDirection`, {
          exchange: 'paper',
        });
      }
      direction = dCmp(price, last) >= 0 ? 'above' : 'below';
    }
    if (last !== undefined && reached(direction, price, last)) {
      throw new OrderImmediatelyFillable(
        `paper ${symbol} order would trigger immediately: the last price ${last} is at or ${direction} ${price}`,
        { exchange: 'paper' },
      );
    }
    return { kind: t.kind, direction, price };
  }

  private waitingOn(symbol: string): EngineOrder[] {
    let list = this.waiting.get(symbol);
    if (list === undefined) {
      list = [];
      this.waiting.set(symbol, list);
    }
    return list;
  }

  private isWaiting(o: EngineOrder): boolean {
    return o.status === 'open' && o.trigger !== undefined && o.trigger.triggeredAt === undefined;
  }

  /** The last trade price the engine has seen on the market (source trades and paper fills). */
  lastPrice(symbol: string): string | undefined {
    return this.lasts.get(symbol)?.price;
  }

  /**
   * Works through the prices traded since the last call, in order: each one is the market's last price then, trails
   * trailing stops and fires the trigger orders it reaches (placed no later than it traded). A fired order's own
   * fills are traded prices too, so stops can cascade. Returns the fills of the fired orders.
   */
  private settle(): EngineTrade[] {
    const out: EngineTrade[] = [];
    try {
      for (let i = 0; i < this.prices.length; i++) {
        const p = this.prices[i]!;
        const last = this.lasts.get(p.symbol);
        if (last === undefined || p.timestamp >= last.timestamp) this.lasts.set(p.symbol, p);
        const list = this.waiting.get(p.symbol);
        if (list === undefined || list.length === 0) continue;
        for (const order of [...list]) {
          if (!this.isWaiting(order) || order.timestamp > p.timestamp) continue;
          const t = order.trigger!;
          if (t.kind === 'trailing') this.trail(order, t, p.price);
          if (reached(t.direction, t.price, p.price)) out.push(...this.fire(order, t, p.price, p.timestamp));
        }
      }
    } finally {
      this.prices = [];
    }
    return out;
  }

  private trail(order: EngineOrder, t: EngineTrigger, price: string): void {
    const better = order.side === 'sell' ? dCmp(price, t.extreme!) > 0 : dCmp(price, t.extreme!) < 0;
    if (!better) return;
    t.extreme = price;
    t.price = trailingPrice(t, order.side);
    this.revision++;
  }

  /**
   * A trigger order whose price was reached: its hold is released and it is matched like a new order arriving now
   * (a market order takes the book; a limit order takes what crosses and rests with the rest). A market buy by
   * amount spends at most what it held.
   */
  private fire(order: EngineOrder, t: EngineTrigger, price: string, now: number): EngineTrade[] {
    const market = this.market(order.symbol);
    t.triggeredAt = now;
    t.triggeredBy = price;
    const list = this.waitingOn(order.symbol);
    list.splice(list.indexOf(order), 1);
    const held = order.reserved;
    const w = this.wallet(order.account, order.side === 'buy' ? market.quote : market.base);
    w.used = dSub(w.used, held);
    w.free = dAdd(w.free, held);
    order.reserved = ZERO;
    order.seq = ++this.seq;
    order.lastUpdateTimestamp = now;
    const byAmountMarketBuy = order.type === 'market' && order.side === 'buy' && order.quoteAmount === undefined;
    const plan = this.plan(
      market,
      order.account,
      order.side,
      order.price,
      order.quoteAmount === undefined ? order.amount : undefined,
      order.quoteAmount ?? (byAmountMarketBuy ? held : undefined),
    );
    return this.execute(order, market, plan, now);
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
      let q = available;
      if (amount !== undefined) q = dMin(q, dSub(amount, filled));
      if (budget !== undefined) {
        q = dMin(q, truncate(dDiv(dSub(budget, cost), price, 18), market.step));
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
    this.prices.push({ symbol, price, timestamp: now });
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

  /** Takes an open order off the book (or a waiting trigger order off its list) and releases what it holds. */
  private close(order: EngineOrder, status: 'canceled' | 'expired', now: number): void {
    const market = this.market(order.symbol);
    const waiting = this.isWaiting(order);
    if (waiting) {
      const list = this.waitingOn(order.symbol);
      list.splice(list.indexOf(order), 1);
    }
    const w = this.wallet(order.account, order.side === 'buy' ? market.quote : market.base);
    w.used = dSub(w.used, order.reserved);
    w.free = dAdd(w.free, order.reserved);
    order.reserved = ZERO;
    order.status = status;
    order.lastUpdateTimestamp = now;
    this.remove(order);
    this.emit({ type: 'order', order });
    this.emit({ type: 'balance', account: order.account });
    if (!waiting) this.emit({ type: 'book', symbol: order.symbol });
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
      out.push(...this.settle());
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
        if (price === undefined || left === undefined || !isPos(left) || !isPos(price)) continue;
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
        // the trade is the market's last price now: trigger orders it reaches fire before the next trade
        this.prices.push({ symbol, price, timestamp: t.timestamp });
        out.push(...this.settle());
      }
      if (out.length > 0) this.emit({ type: 'book', symbol });
    } finally {
      this.flush();
    }
    return out;
  }

  // ---- events ----
  private emit(e: EngineEvent): void {
    if (e.type === 'order' || e.type === 'trade' || e.type === 'balance') this.revision++;
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
      orders: [...this.orders.values()].map(copyOrder),
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
    this.waiting.clear();
    this.lasts.clear();
    this.prices = [];
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
      const order = copyOrder(o);
      this.orders.set(order.id, order);
      if (this.isWaiting(order)) this.waitingOn(order.symbol).push(order);
      else if (order.status === 'open') {
        if (!this.books.has(order.symbol)) this.books.set(order.symbol, { bids: [], asks: [] });
        this.insert(order);
      }
    }
    for (const list of this.waiting.values()) list.sort((a, b) => a.seq - b.seq);
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
      const key = `${o.account}\u0000${code}`;
      held.set(key, dAdd(held.get(key) ?? ZERO, o.reserved));
      const book = this.books.get(o.symbol);
      const onBook = book !== undefined && (o.side === 'buy' ? book.bids : book.asks).includes(o);
      if (this.isWaiting(o)) {
        // holds what it will need once triggered: a market buy by amount what was worked out at placement
        const need =
          o.side === 'sell'
            ? o.amount
            : o.quoteAmount !== undefined
              ? o.quoteAmount
              : o.type === 'limit'
                ? dMul(o.price!, o.amount)
                : undefined;
        if (need !== undefined ? dCmp(need, o.reserved) !== 0 : !isPos(o.reserved)) {
          problems.push(`trigger order ${o.id} holds ${o.reserved}, it needs ${need ?? 'a positive amount'}`);
        }
        if (!dIsZero(o.filled)) problems.push(`trigger order ${o.id} has fills before it fired`);
        if (onBook) problems.push(`trigger order ${o.id} is on the book before it fired`);
        if (!(this.waiting.get(o.symbol) ?? []).includes(o)) problems.push(`trigger order ${o.id} is not waiting`);
        continue;
      }
      const remaining = dSub(o.amount, o.filled);
      const need = o.side === 'buy' ? dMul(o.price!, remaining) : remaining;
      if (dCmp(need, o.reserved) !== 0) problems.push(`order ${o.id} holds ${o.reserved}, its remainder needs ${need}`);
      if (!isPos(remaining)) problems.push(`order ${o.id} is open with nothing remaining`);
      if (!onBook) problems.push(`open order ${o.id} is not on the book`);
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

function copyOrder(o: EngineOrder): EngineOrder {
  const { trigger, ...rest } = o;
  return trigger === undefined
    ? { ...rest, trades: [...o.trades] }
    : { ...rest, trades: [...o.trades], trigger: { ...trigger } };
}

/** Whether the last price `last` reaches a trigger at `price` firing `direction`. */
function reached(direction: TriggerDirection, price: string, last: string): boolean {
  return direction === 'above' ? dCmp(last, price) >= 0 : dCmp(last, price) <= 0;
}

/** A trailing stop's price: the best price seen less (sells) or plus (buys) the distance. */
function trailingPrice(t: EngineTrigger, side: Side): string {
  const extreme = t.extreme!;
  const distance = t.trailingAmount ?? dMul(extreme, dMul(t.trailingPercent!, '0.01'));
  return side === 'sell' ? dSub(extreme, distance) : dAdd(extreme, distance);
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
