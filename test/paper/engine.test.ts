/** The paper exchange's matching engine on its own: priority, fills, fees, order types, balances, state. */
import { describe, expect, it } from 'vitest';
import { dAdd, dCmp, dMul, dSub } from '../../src/core/decimal.js';
import {
  DuplicateOrderId,
  InsufficientFunds,
  InvalidOrder,
  OrderImmediatelyFillable,
  OrderNotFound,
} from '../../src/core/errors.js';
import { MatchingEngine, type EngineEvent, type OrderRequest, type TriggerRequest } from '../../src/paper/engine.js';
import { prng } from '../../src/paper/data/generate.js';

const BTC = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', maker: '0.001', taker: '0.002', step: '0.0001' };

const isPos = (x: string): boolean => dCmp(x, '0') > 0;

function engine(balance: Record<string, string> = { BTC: '10', USDT: '100000' }, now = () => 1000): MatchingEngine {
  return new MatchingEngine({ markets: [BTC], initialBalance: balance, now });
}

const limit = (
  account: string,
  side: 'buy' | 'sell',
  amount: string,
  price: string,
  extra: Partial<OrderRequest> = {},
) => ({ account, symbol: 'BTC/USDT', type: 'limit', side, amount, price, ...extra }) as OrderRequest;
const market = (account: string, side: 'buy' | 'sell', amount: string, extra: Partial<OrderRequest> = {}) =>
  ({ account, symbol: 'BTC/USDT', type: 'market', side, amount, ...extra }) as OrderRequest;

describe('paper engine: matching', () => {
  it('default: price-time priority among resting orders (best price first, then first come)', () => {
    const e = engine();
    const t1 = e.placeOrder(limit('a', 'sell', '1', '101')).order;
    const t2 = e.placeOrder(limit('b', 'sell', '1', '101')).order;
    const t3 = e.placeOrder(limit('c', 'sell', '1', '100.5')).order;
    const { order, trades } = e.placeOrder(market('d', 'buy', '2.5'));
    expect(trades.map((t) => [t.price, t.amount])).toEqual([
      ['100.5', '1'],
      ['101', '1'],
      ['101', '0.5'],
    ]);
    expect(order.status).toBe('closed');
    expect(order.cost).toBe('252');
    expect(e.getOrder('c', t3.id).status).toBe('closed');
    expect(e.getOrder('a', t1.id).status).toBe('closed');
    expect(e.getOrder('b', t2.id)).toMatchObject({ status: 'open', filled: '0.5', reserved: '0.5' });
    expect(e.audit()).toEqual([]);
  });

  it('behavior: at one price the source level fills before resting paper orders', () => {
    const e = engine();
    e.setSourceBook('BTC/USDT', { bids: [], asks: [['100', '0.3']], key: 1 });
    const maker = e.placeOrder(limit('a', 'sell', '1', '100')).order;
    const { trades } = e.placeOrder(market('b', 'buy', '0.5'));
    expect(trades.map((t) => [t.counterparty, t.amount])).toEqual([
      ['book', '0.3'],
      ['order', '0.2'],
    ]);
    expect(e.getOrder('a', maker.id).filled).toBe('0.2');
  });

  it('behavior: a limit order takes what crosses, then rests with its remainder held at its price', () => {
    const e = engine();
    e.setSourceBook('BTC/USDT', {
      bids: [],
      asks: [
        ['100', '0.4'],
        ['101', '1'],
        ['103', '5'],
      ],
      key: 1,
    });
    const { order, trades } = e.placeOrder(limit('a', 'buy', '2', '101'));
    expect(trades.map((t) => [t.price, t.amount, t.takerOrMaker])).toEqual([
      ['100', '0.4', 'taker'],
      ['101', '1', 'taker'],
    ]);
    expect(order).toMatchObject({ status: 'open', filled: '1.4', cost: '141', reserved: '60.6' });
    const b = e.balance('a');
    expect(b['USDT']).toEqual({ free: dSub(dSub('100000', '141'), '60.6'), used: '60.6', total: '99859' });
    // taker fee 0.2% in BTC, the currency received
    expect(b['BTC']!.total).toBe(dAdd('10', dSub('1.4', '0.0028')));
    expect(e.depth('BTC/USDT').asks).toEqual([['103', '5']]);
    expect(e.depth('BTC/USDT').bids).toEqual([['101', '0.6']]);
    expect(e.audit()).toEqual([]);
  });

  it('behavior: fees are charged in the currency received, maker and taker rates apart', () => {
    const e = engine();
    e.placeOrder(limit('maker', 'sell', '2', '100'));
    const { trades } = e.placeOrder(limit('taker', 'buy', '2', '100'));
    expect(trades[0]).toMatchObject({ fee: '0.004', feeCurrency: 'BTC', feeRate: '0.002', takerOrMaker: 'taker' });
    const mk = e.listTrades('maker')[0]!;
    expect(mk).toMatchObject({ fee: '0.2', feeCurrency: 'USDT', feeRate: '0.001', takerOrMaker: 'maker' });
    expect(e.balance('maker')['USDT']!.total).toBe('100199.8');
    expect(e.balance('maker')['BTC']!.total).toBe('8');
    expect(e.balance('taker')['BTC']!.total).toBe('11.996');
    expect(e.balance('taker')['USDT']!.total).toBe('99800');
  });

  it('behavior: consumed source liquidity stays consumed until the next tick', () => {
    const e = engine();
    const book = { bids: [], asks: [['100', '1']] as [string, string][], key: 7 };
    e.setSourceBook('BTC/USDT', book);
    expect(e.placeOrder(market('a', 'buy', '0.6')).order.filled).toBe('0.6');
    e.setSourceBook('BTC/USDT', book); // same tick: no change
    expect(e.placeOrder(market('a', 'buy', '0.6')).order.filled).toBe('0.4');
    e.setSourceBook('BTC/USDT', { ...book, key: 8 });
    expect(e.placeOrder(market('a', 'buy', '0.6')).order.filled).toBe('0.6');
  });

  it('behavior: resting orders fill as makers when a new source book crosses them', () => {
    const e = engine();
    const bid = e.placeOrder(limit('a', 'buy', '1', '100')).order;
    const fills = e.setSourceBook('BTC/USDT', {
      bids: [],
      asks: [
        ['99', '0.3'],
        ['100', '0.2'],
        ['101', '5'],
      ],
      key: 2,
    });
    expect(fills.map((t) => [t.price, t.amount, t.takerOrMaker, t.counterparty])).toEqual([
      ['100', '0.3', 'maker', 'book'],
      ['100', '0.2', 'maker', 'book'],
    ]);
    expect(e.getOrder('a', bid.id)).toMatchObject({ filled: '0.5', reserved: '50' });
    expect(e.depth('BTC/USDT').asks[0]).toEqual(['101', '5']);
    expect(e.audit()).toEqual([]);
  });

  it('behavior: source trades at or through a resting price fill it, only trades after it was placed', () => {
    let now = 1000;
    const e = engine(undefined, () => now);
    const bid = e.placeOrder(limit('a', 'buy', '1', '100')).order;
    const ask = e.placeOrder(limit('a', 'sell', '1', '110')).order;
    e.sourceTrades('BTC/USDT', [{ id: 'old', timestamp: 999, price: '90', amount: '5', side: 'sell' }]);
    expect(e.getOrder('a', bid.id).filled).toBe('0');
    e.sourceTrades('BTC/USDT', [{ id: 'buyer', timestamp: 1001, price: '100', amount: '5', side: 'buy' }]);
    expect(e.getOrder('a', bid.id).filled).toBe('0'); // a buy aggressor never hits bids
    now = 1002;
    e.sourceTrades('BTC/USDT', [
      { id: 's1', timestamp: 1002, price: '100', amount: '0.25', side: 'sell' },
      { id: 's1', timestamp: 1002, price: '100', amount: '0.25', side: 'sell' }, // seen: ignored
      { id: 's2', timestamp: 1003, price: '95', amount: '0.5' },
    ]);
    expect(e.getOrder('a', bid.id)).toMatchObject({ filled: '0.75', status: 'open' });
    expect(e.listTrades('a').every((t) => t.price === '100' && t.takerOrMaker === 'maker')).toBe(true);
    e.sourceTrades('BTC/USDT', [{ id: 'b1', timestamp: 1004, price: '111', amount: '3', side: 'buy' }]);
    expect(e.getOrder('a', ask.id)).toMatchObject({ filled: '1', status: 'closed' });
    expect(e.audit()).toEqual([]);
  });

  it('behavior: self-trade prevention expires the resting order of the same account', () => {
    const e = engine();
    const mine = e.placeOrder(limit('a', 'sell', '1', '100')).order;
    const theirs = e.placeOrder(limit('b', 'sell', '1', '100')).order;
    const { trades } = e.placeOrder(market('a', 'buy', '1'));
    expect(e.getOrder('a', mine.id).status).toBe('expired');
    expect(trades.map((t) => t.amount)).toEqual(['1']);
    expect(e.getOrder('b', theirs.id).status).toBe('closed');
    expect(e.balance('a')['BTC']!.used).toBe('0');
    expect(e.audit()).toEqual([]);
  });

  it('behavior: a market buy by cost spends at most its cost, amounts cut to the step', () => {
    const e = engine();
    e.setSourceBook('BTC/USDT', {
      bids: [],
      asks: [
        ['100', '1'],
        ['300', '10'],
      ],
      key: 1,
    });
    const { order, trades } = e.placeOrder({
      account: 'a',
      symbol: 'BTC/USDT',
      type: 'market',
      side: 'buy',
      cost: '200',
    });
    expect(trades.map((t) => [t.price, t.amount])).toEqual([
      ['100', '1'],
      ['300', '0.3333'],
    ]);
    expect(order.status).toBe('closed');
    expect(order.amount).toBe('1.3333');
    expect(dCmp(order.cost, '200')).toBeLessThanOrEqual(0);
  });
});

describe('paper engine: order types', () => {
  it('error: post-only orders that would take are rejected and change nothing', () => {
    const e = engine();
    e.setSourceBook('BTC/USDT', { bids: [['99', '1']], asks: [['100', '1']], key: 1 });
    e.balance('a');
    const before = JSON.stringify(e.snapshot());
    expect(() => e.placeOrder(limit('a', 'buy', '1', '100', { postOnly: true }))).toThrow(OrderImmediatelyFillable);
    expect(() => e.placeOrder(limit('a', 'sell', '1', '99', { timeInForce: 'PO' }))).toThrow(OrderImmediatelyFillable);
    expect(JSON.stringify(e.snapshot())).toBe(before);
    const ok = e.placeOrder(limit('a', 'buy', '1', '99.5', { postOnly: true })).order;
    expect(ok).toMatchObject({ status: 'open', timeInForce: 'PO', postOnly: true });
    expect(OrderImmediatelyFillable.prototype).toBeInstanceOf(InvalidOrder);
  });

  it('behavior: IOC fills what it can and cancels the rest, releasing nothing held', () => {
    const e = engine();
    e.setSourceBook('BTC/USDT', { bids: [], asks: [['100', '0.4']], key: 1 });
    const { order } = e.placeOrder(limit('a', 'buy', '1', '100', { timeInForce: 'IOC' }));
    expect(order).toMatchObject({ status: 'canceled', filled: '0.4', reserved: '0' });
    expect(e.balance('a')['USDT']).toMatchObject({ used: '0', total: '99960' });
    expect(e.listOrders('a', { open: true })).toEqual([]);
  });

  it('behavior: FOK fills entirely or is canceled without any fill', () => {
    const e = engine();
    e.setSourceBook('BTC/USDT', {
      bids: [],
      asks: [
        ['100', '0.4'],
        ['101', '0.4'],
      ],
      key: 1,
    });
    const before = e.balance('a');
    const failed = e.placeOrder(limit('a', 'buy', '1', '101', { timeInForce: 'FOK' }));
    expect(failed.order).toMatchObject({ status: 'canceled', filled: '0' });
    expect(failed.trades).toEqual([]);
    expect(e.balance('a')).toEqual(before);
    expect(e.depth('BTC/USDT').asks).toEqual([
      ['100', '0.4'],
      ['101', '0.4'],
    ]);
    const done = e.placeOrder(limit('a', 'buy', '0.8', '101', { timeInForce: 'FOK' }));
    expect(done.order).toMatchObject({ status: 'closed', filled: '0.8', cost: '80.4' });
    expect(e.placeOrder(market('a', 'buy', '0.1', { timeInForce: 'FOK' })).order.status).toBe('canceled');
  });

  it('behavior: a market order without liquidity is canceled unfilled', () => {
    const e = engine();
    expect(e.placeOrder(market('a', 'sell', '1')).order).toMatchObject({ status: 'canceled', filled: '0' });
    expect(e.balance('a')['BTC']).toEqual({ free: '10', used: '0', total: '10' });
  });

  it('error: insufficient funds are refused before anything changes', () => {
    const e = engine({ BTC: '1', USDT: '1000' });
    e.setSourceBook('BTC/USDT', { bids: [['100', '50']], asks: [['100', '50']], key: 1 });
    e.balance('a');
    const before = JSON.stringify(e.snapshot());
    expect(() => e.placeOrder(limit('a', 'buy', '10.01', '100'))).toThrow(InsufficientFunds);
    expect(() => e.placeOrder(market('a', 'buy', '10.01'))).toThrow(InsufficientFunds);
    expect(() => e.placeOrder(limit('a', 'sell', '1.0001', '100'))).toThrow(InsufficientFunds);
    expect(() => e.placeOrder(market('a', 'sell', '2'))).toThrow(InsufficientFunds);
    expect(JSON.stringify(e.snapshot())).toBe(before);
    expect(e.placeOrder(limit('a', 'buy', '10', '100')).order.status).toBe('closed');
    expect(e.balance('a')['USDT']!.free).toBe('0');
  });

  it("error: cancel of an unknown, another account's or a finished order is OrderNotFound", () => {
    const e = engine();
    const o = e.placeOrder(limit('a', 'buy', '1', '50')).order;
    expect(() => e.cancelOrder('a', '999')).toThrow(OrderNotFound);
    expect(() => e.cancelOrder('b', o.id)).toThrow(OrderNotFound);
    expect(() => e.cancelOrder('a', o.id, 'ETH/USDT')).toThrow(OrderNotFound);
    expect(e.cancelOrder('a', o.id).status).toBe('canceled');
    expect(() => e.cancelOrder('a', o.id)).toThrow(OrderNotFound);
    expect(e.balance('a')['USDT']).toEqual({ free: '100000', used: '0', total: '100000' });
  });

  it('behavior: cancelAll releases every hold; client order ids find orders and may not repeat while open', () => {
    const e = engine();
    e.placeOrder(limit('a', 'buy', '1', '50', { clientOrderId: 'x1' }));
    e.placeOrder(limit('a', 'sell', '2', '500'));
    expect(() => e.placeOrder(limit('a', 'buy', '1', '40', { clientOrderId: 'x1' }))).toThrow(DuplicateOrderId);
    expect(e.getOrder('a', 'x1').price).toBe('50');
    expect(e.cancelAll('a').map((o) => o.status)).toEqual(['canceled', 'canceled']);
    expect(e.balance('a')).toEqual({
      BTC: { free: '10', used: '0', total: '10' },
      USDT: { free: '100000', used: '0', total: '100000' },
    });
  });

  it('error: bad amounts, prices and order types are InvalidOrder', () => {
    const e = engine();
    expect(() => e.placeOrder(limit('a', 'buy', '0', '1'))).toThrow(InvalidOrder);
    expect(() => e.placeOrder(limit('a', 'buy', '1', '-1'))).toThrow(InvalidOrder);
    expect(() => e.placeOrder({ ...market('a', 'buy', '1'), type: 'stop' as never })).toThrow(InvalidOrder);
    expect(() => e.placeOrder(market('a', 'buy', '1', { postOnly: true }))).toThrow(InvalidOrder);
    expect(() => e.placeOrder({ ...limit('a', 'buy', '1', '1'), cost: '5' })).toThrow(InvalidOrder);
  });

  it('behavior: listeners hear an operation once it is complete, each balance and book once', () => {
    const e = engine();
    e.placeOrder(limit('a', 'sell', '1', '100'));
    const seen: EngineEvent['type'][] = [];
    e.on((ev) => {
      seen.push(ev.type);
      expect(e.audit()).toEqual([]);
    });
    e.placeOrder(market('b', 'buy', '1'));
    expect(seen.filter((t) => t === 'balance')).toHaveLength(2); // a and b
    expect(seen.filter((t) => t === 'book')).toHaveLength(1);
    expect(seen.filter((t) => t === 'trade')).toHaveLength(2);
  });
});

describe('paper engine: balance invariants under 1,000 random orders', () => {
  const CODES = ['BTC', 'USDT'] as const;
  const ACCOUNTS = ['a', 'b', 'c'];

  function run(seed: string, withSource: boolean): void {
    const rand = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const price = (): string => dMul(String(9500 + Math.floor(rand() * 1000)), '0.01'); // 95.00 .. 104.99
    const amount = (): string => dMul(String(1 + Math.floor(rand() * 2000)), '0.001'); // 0.001 .. 2
    let now = 1_000_000;
    const e = new MatchingEngine({
      markets: [BTC],
      initialBalance: { BTC: '20', USDT: '2000' },
      now: () => now,
    });
    for (const a of ACCOUNTS) e.balance(a);
    let tick = 0;
    let placed = 0;
    const check = (): void => {
      expect(e.audit()).toEqual([]);
      const fees: Record<string, string> = { BTC: '0', USDT: '0' };
      const flow: Record<string, string> = { BTC: '0', USDT: '0' };
      for (const a of ACCOUNTS) {
        for (const t of e.listTrades(a)) {
          fees[t.feeCurrency] = dAdd(fees[t.feeCurrency]!, t.fee);
          const sign = t.side === 'buy' ? 1 : -1;
          flow['BTC'] = sign > 0 ? dAdd(flow['BTC']!, t.amount) : dSub(flow['BTC']!, t.amount);
          flow['USDT'] = sign > 0 ? dSub(flow['USDT']!, t.cost) : dAdd(flow['USDT']!, t.cost);
        }
      }
      for (const code of CODES) {
        let total = '0';
        for (const a of ACCOUNTS) {
          const b = e.balance(a)[code]!;
          expect(dCmp(b.free, '0')).toBeGreaterThanOrEqual(0);
          expect(dCmp(b.used, '0')).toBeGreaterThanOrEqual(0);
          expect(b.total).toBe(dAdd(b.free, b.used));
          total = dAdd(total, b.total);
        }
        const initial = dMul('3', code === 'BTC' ? '20' : '2000');
        // every change is a recorded fill or a fee: nothing appears or vanishes
        expect(total).toBe(dSub(dAdd(initial, flow[code]!), fees[code]!));
        if (!withSource) expect(total).toBe(dSub(initial, fees[code]!)); // paper orders among themselves conserve
      }
    };
    for (let i = 0; i < 1000; i++) {
      now += 1 + Math.floor(rand() * 1000);
      const r = rand();
      const account = pick(ACCOUNTS);
      try {
        if (withSource && r < 0.08) {
          const mid = 95 + rand() * 10;
          const lv = (k: number, side: number): [string, string] => [
            (Math.round((mid + side * (0.05 + k * 0.1)) * 100) / 100).toFixed(2),
            amount(),
          ];
          e.setSourceBook('BTC/USDT', {
            bids: [0, 1, 2, 3].map((k) => lv(k, -1)),
            asks: [0, 1, 2, 3].map((k) => lv(k, 1)),
            key: ++tick,
          });
        } else if (withSource && r < 0.14) {
          e.sourceTrades('BTC/USDT', [
            { id: `t${i}`, timestamp: now, price: price(), amount: amount(), side: rand() < 0.5 ? 'buy' : 'sell' },
          ]);
        } else if (r < 0.24) {
          const open = e.listOrders(account, { open: true });
          if (open.length > 0) e.cancelOrder(account, pick(open).id);
        } else if (r < 0.25) {
          e.cancelAll(account);
        } else {
          const side = rand() < 0.5 ? 'buy' : 'sell';
          const kind = rand();
          if (kind < 0.25) {
            // a trigger order of any kind, market or limit (a market buy sometimes by cost)
            const tk = pick(['trigger', 'stopLoss', 'takeProfit', 'trailing'] as const);
            const trigger: TriggerRequest =
              tk === 'trailing'
                ? rand() < 0.5
                  ? { kind: tk, trailingAmount: pick(['0.2', '0.5', '1']) }
                  : { kind: tk, trailingPercent: pick(['0.3', '1']) }
                : {
                    kind: tk,
                    price: price(),
                    ...(rand() < 0.3 ? { direction: pick(['above', 'below'] as const) } : {}),
                  };
            const base =
              rand() < 0.5
                ? side === 'buy' && rand() < 0.3
                  ? { ...market(account, side, '0'), amount: undefined, cost: String(Math.ceil(rand() * 150)) }
                  : market(account, side, amount())
                : limit(account, side, amount(), price(), { timeInForce: pick(['GTC', 'GTC', 'IOC', 'FOK'] as const) });
            e.placeOrder({ ...base, trigger, lastPrice: e.lastPrice('BTC/USDT') ?? '100' });
          } else if (kind < 0.4) {
            if (side === 'buy' && rand() < 0.3) {
              e.placeOrder({
                account,
                symbol: 'BTC/USDT',
                type: 'market',
                side,
                cost: String(Math.ceil(rand() * 150)),
              });
            } else e.placeOrder(market(account, side, amount()));
          } else {
            const tif = pick(['GTC', 'GTC', 'GTC', 'IOC', 'FOK', 'PO'] as const);
            e.placeOrder(limit(account, side, amount(), price(), { timeInForce: tif }));
          }
          placed++;
        }
      } catch (err) {
        // refusals are fine, as long as they leave everything consistent
        expect(err instanceof InsufficientFunds || err instanceof OrderImmediatelyFillable, String(err)).toBe(true);
      }
      check();
    }
    expect(placed).toBeGreaterThan(600);
    expect(e.listTrades('a').length + e.listTrades('b').length + e.listTrades('c').length).toBeGreaterThan(100);
    const triggers = ACCOUNTS.flatMap((a) => e.listOrders(a)).filter((o) => o.trigger !== undefined);
    const fired = triggers.filter((o) => o.trigger!.triggeredAt !== undefined);
    expect(fired.length).toBeGreaterThan(20);
    expect(fired.filter((o) => isPos(o.filled)).length).toBeGreaterThan(10);
    expect(triggers.length - fired.length).toBeGreaterThan(10); // canceled or still waiting
  }

  it('behavior: paper orders (trigger orders too) among themselves: free + used = total, nothing negative, totals conserved but fees', () => {
    run('engine-invariants-closed', false);
  });

  it('behavior: with source books and trades, trigger orders firing on them: every change of a total is a recorded fill or fee', () => {
    run('engine-invariants-source', true);
  });
});

describe('paper engine: state', () => {
  it('behavior: snapshot and restore round-trip balances, orders, fills and book priority', () => {
    const e = engine();
    e.placeOrder(limit('a', 'sell', '1', '101'));
    e.placeOrder(limit('b', 'sell', '1', '101'));
    e.placeOrder(limit('c', 'buy', '0.5', '101'));
    e.placeOrder(limit('c', 'buy', '1', '90'));
    const state = JSON.parse(JSON.stringify(e.snapshot())) as ReturnType<MatchingEngine['snapshot']>;
    const r = engine();
    r.restore(state);
    expect(r.snapshot()).toEqual(e.snapshot());
    expect(r.audit()).toEqual([]);
    expect(r.depth('BTC/USDT')).toEqual(e.depth('BTC/USDT'));
    // the first seller keeps its priority after the restore: a's remaining 0.5 goes before b's
    r.placeOrder(market('d', 'buy', '1'));
    expect(r.listOrders('a')[0]).toMatchObject({ status: 'closed', filled: '1' });
    expect(r.listOrders('b')[0]).toMatchObject({ status: 'open', filled: '0.5' });
    expect(r.snapshot().nextOrderId).toBe(6);
  });

  it('error: an inconsistent state is refused', () => {
    const e = engine();
    e.placeOrder(limit('a', 'buy', '1', '50'));
    const state = e.snapshot();
    state.accounts['a']!['USDT']!.used = '10';
    expect(() => engine().restore(state)).toThrow(/inconsistent/);
  });
});

describe('paper engine: trigger orders', () => {
  const trig = (
    base: OrderRequest,
    kind: 'trigger' | 'stopLoss' | 'takeProfit',
    price: string,
    extra: Partial<OrderRequest> = {},
  ): OrderRequest => ({ ...base, trigger: { kind, price }, lastPrice: '100', ...extra });
  const trade = (id: string, price: string, timestamp = 1000, amount = '0.1') => ({ id, timestamp, price, amount });

  // each kind, each side: where it is placed (last price 100), which way it fires
  const cases = [
    { kind: 'stopLoss', side: 'sell', at: '95', fires: 'below' },
    { kind: 'stopLoss', side: 'buy', at: '105', fires: 'above' },
    { kind: 'takeProfit', side: 'sell', at: '105', fires: 'above' },
    { kind: 'takeProfit', side: 'buy', at: '95', fires: 'below' },
    { kind: 'trigger', side: 'buy', at: '105', fires: 'above' },
    { kind: 'trigger', side: 'sell', at: '95', fires: 'below' },
    { kind: 'trigger', side: 'sell', at: '105', fires: 'above' },
    { kind: 'trigger', side: 'buy', at: '95', fires: 'below' },
  ] as const;
  for (const c of cases) {
    it(`behavior: a ${c.kind} ${c.side} at ${c.at} (last 100) fires when the last price goes ${c.fires} it and fills as a market order`, () => {
      const e = engine();
      const { order } = e.placeOrder(trig(market('a', c.side, '1'), c.kind, c.at));
      expect(order).toMatchObject({ status: 'open', filled: '0', trigger: { kind: c.kind, direction: c.fires } });
      const step = c.fires === 'below' ? '-1' : '1';
      // away from it, then next to it: nothing
      e.sourceTrades('BTC/USDT', [trade('t1', dSub('100', step)), trade('t2', dSub(c.at, dMul(step, '0.01')))]);
      expect(order.status).toBe('open');
      expect(e.depth('BTC/USDT')).toMatchObject({ bids: [], asks: [] }); // waiting off the book
      const bid = dSub(c.at, '0.1');
      const ask = dAdd(c.at, '0.1');
      e.setSourceBook('BTC/USDT', { bids: [[bid, '5']], asks: [[ask, '5']], key: 1 });
      const fills = e.sourceTrades('BTC/USDT', [trade('t3', c.at)]);
      expect(fills.map((f) => [f.price, f.amount, f.takerOrMaker])).toEqual([
        [c.side === 'buy' ? ask : bid, '1', 'taker'],
      ]);
      expect(order).toMatchObject({ status: 'closed', filled: '1', reserved: '0' });
      expect(order.trigger).toMatchObject({ triggeredAt: 1000, triggeredBy: c.at });
      expect(e.balance('a')['BTC']!.used).toBe('0');
      expect(e.balance('a')['USDT']!.used).toBe('0');
      expect(e.audit()).toEqual([]);
    });
  }

  it('behavior: triggerDirection given is kept; without it and without a last price the engine refuses', () => {
    const e = engine();
    const req = market('a', 'sell', '1');
    const up = e.placeOrder({ ...req, trigger: { kind: 'trigger', price: '105', direction: 'above' } }).order;
    expect(up.trigger).toMatchObject({ direction: 'above', price: '105' });
    expect(() => e.placeOrder({ ...req, trigger: { kind: 'trigger', price: '105' } })).toThrow(/triggerDirection/);
    e.sourceTrades('BTC/USDT', [trade('t1', '104')]);
    expect(e.lastPrice('BTC/USDT')).toBe('104');
    // the engine's own last price now decides
    expect(e.placeOrder({ ...req, trigger: { kind: 'trigger', price: '103' } }).order.trigger!.direction).toBe('below');
    expect(e.audit()).toEqual([]);
  });

  it('error: a trigger the last price already reached is OrderImmediatelyFillable; post-only triggers are InvalidOrder', () => {
    const e = engine();
    const before = e.snapshot();
    expect(() => e.placeOrder(trig(market('a', 'sell', '1'), 'stopLoss', '100'))).toThrow(OrderImmediatelyFillable);
    expect(() => e.placeOrder(trig(market('a', 'sell', '1'), 'stopLoss', '101'))).toThrow(OrderImmediatelyFillable);
    expect(() => e.placeOrder(trig(market('a', 'buy', '1'), 'takeProfit', '101'))).toThrow(OrderImmediatelyFillable);
    expect(() =>
      e.placeOrder({
        ...market('a', 'sell', '1'),
        trigger: { kind: 'trigger', price: '101', direction: 'below' },
        lastPrice: '100',
      }),
    ).toThrow(/would trigger immediately/);
    expect(() => e.placeOrder(trig(limit('a', 'buy', '1', '99', { postOnly: true }), 'stopLoss', '105'))).toThrow(
      InvalidOrder,
    );
    expect(e.snapshot()).toEqual(before);
  });

  it('behavior: a stop-limit fires into a limit order: takes what crosses, rests the rest at its price', () => {
    const e = engine();
    const { order } = e.placeOrder(trig(limit('a', 'sell', '1', '94.5'), 'stopLoss', '95'));
    expect(e.balance('a')['BTC']).toEqual({ free: '9', used: '1', total: '10' });
    e.setSourceBook('BTC/USDT', {
      bids: [
        ['95', '0.4'],
        ['94', '5'],
      ],
      asks: [['96', '1']],
      key: 1,
    });
    const fills = e.sourceTrades('BTC/USDT', [trade('t1', '95')]);
    expect(fills.map((f) => [f.price, f.amount])).toEqual([['95', '0.4']]);
    expect(order).toMatchObject({ status: 'open', filled: '0.4', reserved: '0.6' });
    expect(e.depth('BTC/USDT').asks[0]).toEqual(['94.5', '0.6']);
    expect(e.balance('a')['BTC']).toMatchObject({ used: '0.6' });
    expect(e.audit()).toEqual([]);
    // now a resting maker like any other: a buy printing through its price fills it
    e.sourceTrades('BTC/USDT', [{ ...trade('t2', '94.6', 2000, '1'), side: 'buy' }]);
    expect(order).toMatchObject({ status: 'closed', filled: '1' });
    expect(e.listTrades('a').map((t) => t.takerOrMaker)).toEqual(['taker', 'maker']);
    expect(e.audit()).toEqual([]);
  });

  it('behavior: holds are taken at placement and released on cancel; a canceled trigger never fires', () => {
    const e = engine();
    const limitBuy = e.placeOrder(trig(limit('a', 'buy', '2', '106'), 'stopLoss', '105')).order;
    expect(limitBuy.reserved).toBe('212');
    const marketBuy = e.placeOrder(trig(market('a', 'buy', '1'), 'trigger', '105')).order;
    expect(marketBuy.reserved).toBe('110.25'); // 1 x 105 x 1.05
    const byCost = e.placeOrder(trig({ ...market('a', 'buy', '0'), cost: '50' }, 'trigger', '105')).order;
    expect(byCost.reserved).toBe('50');
    expect(e.balance('a')['USDT']).toEqual({ free: '99627.75', used: '372.25', total: '100000' });
    expect(() => e.placeOrder(trig(market('a', 'sell', '10.5'), 'stopLoss', '95'))).toThrow(InsufficientFunds);
    expect(e.hasResting('BTC/USDT')).toBe(true);
    expect(e.audit()).toEqual([]);
    e.cancelOrder('a', limitBuy.id);
    expect(e.cancelAll('a').map((o) => o.id)).toEqual([marketBuy.id, byCost.id]);
    expect(e.balance('a')['USDT']).toEqual({ free: '100000', used: '0', total: '100000' });
    expect(e.hasResting('BTC/USDT')).toBe(false);
    e.setSourceBook('BTC/USDT', { bids: [['104', '5']], asks: [['106', '5']], key: 1 });
    expect(e.sourceTrades('BTC/USDT', [trade('t1', '106')])).toEqual([]);
    expect(limitBuy).toMatchObject({ status: 'canceled', filled: '0', reserved: '0' });
    expect(() => e.cancelOrder('a', limitBuy.id)).toThrow(OrderNotFound);
    expect(e.audit()).toEqual([]);
  });

  it('behavior: a trigger that is never reached waits, holding its funds, whatever else trades', () => {
    const e = engine();
    const { order } = e.placeOrder(trig(market('a', 'sell', '1'), 'stopLoss', '90'));
    e.setSourceBook('BTC/USDT', { bids: [['99', '5']], asks: [['101', '5']], key: 1 });
    for (let i = 0; i < 20; i++) e.sourceTrades('BTC/USDT', [trade(`t${i}`, String(91 + i))]);
    e.placeOrder(market('b', 'sell', '2')); // paper fills at 99
    expect(order).toMatchObject({ status: 'open', reserved: '1', filled: '0' });
    expect(e.listOrders('a', { open: true })).toEqual([order]);
    expect(e.balance('a')['BTC']!.used).toBe('1');
    expect(e.audit()).toEqual([]);
  });

  it('behavior: a market buy spends at most what it held: past the margin it fills what that pays for', () => {
    const e = engine({ BTC: '0', USDT: '1000' });
    const { order } = e.placeOrder(trig(market('a', 'buy', '1'), 'stopLoss', '100', { lastPrice: '99' }));
    expect(order.reserved).toBe('105');
    e.setSourceBook('BTC/USDT', {
      bids: [['99', '1']],
      asks: [
        ['104', '0.5'],
        ['110', '1'],
      ],
      key: 1,
    });
    e.sourceTrades('BTC/USDT', [trade('t1', '100')]);
    // 0.5 at 104 = 52, then 53 / 110 = 0.4818 (cut to the step)
    expect(order).toMatchObject({ status: 'canceled', filled: '0.9818', cost: '104.998', reserved: '0' });
    expect(e.balance('a')['USDT']).toEqual({ free: '895.002', used: '0', total: '895.002' });
    expect(e.audit()).toEqual([]);
  });

  it('behavior: paper fills are traded prices too: a market sell sweeping the book sets off a stop-loss (cascade)', () => {
    const e = engine();
    e.setSourceBook('BTC/USDT', {
      bids: [
        ['99', '1'],
        ['98', '5'],
      ],
      asks: [['101', '1']],
      key: 1,
    });
    const stop = e.placeOrder(trig(market('b', 'sell', '1'), 'stopLoss', '98.5')).order;
    const second = e.placeOrder(trig(market('c', 'sell', '1'), 'stopLoss', '97', { lastPrice: '100' })).order;
    const { trades } = e.placeOrder(market('a', 'sell', '2'));
    // a's own fills (99, 98), then b's stop at 98; placeOrder answers with a's fills only
    expect(trades.map((t) => [t.account, t.price, t.amount])).toEqual([
      ['a', '99', '1'],
      ['a', '98', '1'],
    ]);
    expect(e.listTrades('b').map((t) => [t.price, t.amount, t.takerOrMaker])).toEqual([['98', '1', 'taker']]);
    expect(stop).toMatchObject({ status: 'closed', trigger: { triggeredBy: '98' } });
    expect(second.status).toBe('open'); // 98 never reached 97
    expect(e.lastPrice('BTC/USDT')).toBe('98');
    expect(e.audit()).toEqual([]);
  });

  it('behavior: source trades from before the order was placed do not fire it', () => {
    let now = 5000;
    const e = engine(undefined, () => now);
    const { order } = e.placeOrder(trig(market('a', 'sell', '1'), 'stopLoss', '95'));
    e.setSourceBook('BTC/USDT', { bids: [['94', '5']], asks: [['96', '5']], key: 1 });
    e.sourceTrades('BTC/USDT', [trade('old', '94', 4999)]);
    expect(order.status).toBe('open');
    now = 6000;
    e.sourceTrades('BTC/USDT', [trade('new', '94.5', 5000)]);
    expect(order).toMatchObject({ status: 'closed', lastTradeTimestamp: 5000 });
  });

  it('behavior: a trailing sell follows the highest price by its amount; a trailing buy the lowest by its percent', () => {
    const e = engine();
    const sell = e.placeOrder({
      ...market('a', 'sell', '1'),
      trigger: { kind: 'trailing', trailingAmount: '2' },
      lastPrice: '100',
    }).order;
    const buy = e.placeOrder({
      ...market('b', 'buy', '1'),
      trigger: { kind: 'trailing', trailingPercent: '10' },
      lastPrice: '100',
    }).order;
    expect([sell.trigger!.price, buy.trigger!.price]).toEqual(['98', '110']);
    expect(buy.reserved).toBe('115.5'); // 1 x 110 x 1.05: the trigger only moves down from there
    e.setSourceBook('BTC/USDT', { bids: [['89.9', '5']], asks: [['99.1', '5']], key: 1 });
    const path: [string, string][] = [];
    for (const [i, p] of ['101', '103', '102', '101.5', '90', '95'].entries()) {
      e.sourceTrades('BTC/USDT', [trade(`t${i}`, p)]);
      path.push([sell.trigger!.price, buy.trigger!.price]);
    }
    expect(path).toEqual([
      ['99', '110'],
      ['101', '110'],
      ['101', '110'],
      ['101', '110'],
      // 90 fired the sell (at or below 101), which sold at 89.9: the buy now trails that by 10%
      ['101', '98.89'],
      ['101', '98.89'],
    ]);
    expect(sell).toMatchObject({ status: 'closed', trigger: { triggeredBy: '90', extreme: '103' } });
    expect(buy.status).toBe('open');
    e.sourceTrades('BTC/USDT', [trade('t9', '99')]);
    expect(buy).toMatchObject({ status: 'closed', filled: '1', trigger: { extreme: '89.9', triggeredBy: '99' } });
    expect(() =>
      e.placeOrder({ ...market('a', 'sell', '1'), trigger: { kind: 'trailing', trailingAmount: '200' } }),
    ).toThrow(InvalidOrder);
    expect(() =>
      e.placeOrder({
        ...market('a', 'sell', '1'),
        trigger: { kind: 'trailing', trailingAmount: '1', trailingPercent: '1' },
      }),
    ).toThrow(InvalidOrder);
    expect(e.audit()).toEqual([]);
  });

  it('behavior: listeners hear the placement, then the trigger with its fills', () => {
    const e = engine();
    const seen: string[] = [];
    e.on((ev) => {
      if (ev.type === 'order')
        seen.push(`${ev.order.status}:${ev.order.trigger?.triggeredAt === undefined ? 'waiting' : 'fired'}`);
      if (ev.type === 'trade') seen.push(`trade:${ev.trade.amount}`);
    });
    e.placeOrder(trig(market('a', 'sell', '1'), 'stopLoss', '95'));
    expect(seen).toEqual(['open:waiting']);
    e.setSourceBook('BTC/USDT', { bids: [['94', '5']], asks: [['96', '5']], key: 1 });
    e.sourceTrades('BTC/USDT', [trade('t1', '95')]);
    expect(seen).toEqual(['open:waiting', 'trade:1', 'closed:fired']);
  });

  it('behavior: a waiting trigger order survives snapshot and restore, then fires', () => {
    const e = engine();
    e.sourceTrades('BTC/USDT', [trade('t0', '100')]);
    const sell = e.placeOrder(trig(market('a', 'sell', '1'), 'stopLoss', '95')).order;
    e.placeOrder({ ...market('b', 'sell', '1'), trigger: { kind: 'trailing', trailingAmount: '3' } });
    e.sourceTrades('BTC/USDT', [trade('t1', '102')]);
    const state = JSON.parse(JSON.stringify(e.snapshot())) as ReturnType<MatchingEngine['snapshot']>;
    const r = engine();
    r.restore(state);
    expect(r.snapshot()).toEqual(e.snapshot());
    expect(r.audit()).toEqual([]);
    expect(r.hasResting('BTC/USDT')).toBe(true);
    expect(r.listOrders('b')[0]!.trigger).toMatchObject({ extreme: '102', price: '99' });
    r.setSourceBook('BTC/USDT', { bids: [['94', '5']], asks: [['96', '5']], key: 1 });
    r.sourceTrades('BTC/USDT', [trade('t2', '95')]);
    expect(r.getOrder('a', sell.id)).toMatchObject({ status: 'closed', filled: '1' });
    expect(r.listOrders('b')[0]).toMatchObject({ status: 'closed', filled: '1' });
    expect(r.audit()).toEqual([]);
    // a waiting order that holds the wrong amount is refused
    const bad = JSON.parse(JSON.stringify(state)) as typeof state;
    bad.orders.find((o) => o.id === sell.id)!.reserved = '0.5';
    bad.accounts['a']!['BTC']!.used = '0.5';
    expect(() => engine().restore(bad)).toThrow(/trigger order .* holds 0.5/);
  });
});
