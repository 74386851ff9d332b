/** The builders that finish parsed structures: CCXT's derivations, exact decimals, one conversion at the end. */
import { describe, expect, it } from 'vitest';
import { buildBalance, buildOrder, buildOrderBook, buildTicker, buildTrade } from '../../src/core/build.js';
import type { Market } from '../../src/core/types.js';

const market = { symbol: 'BTC/USD', precision: { price: 0.1, amount: 0.0001 } } as Market;

describe('buildTicker', () => {
  it('default: change, percentage, average and vwap derived exactly', () => {
    const t = buildTicker(
      { symbol: 'BTC/USD', open: '100', last: '110.15', baseVolume: '2', quoteVolume: '210', info: {} },
      market,
    );
    expect(t).toMatchObject({ close: 110.15, last: 110.15, change: 10.15, percentage: 10.15, vwap: 105 });
    expect(t.average).toBe(105); // (100 + 110.15) / 2 = 105.075, cut to the 0.1 tick
  });

  it('behavior: zero prices mean absent, a zero change is real', () => {
    const t = buildTicker({ symbol: 'X/Y', open: '5', last: '5', bid: '0', ask: '0', info: {} });
    expect(t.bid).toBeUndefined();
    expect(t.ask).toBeUndefined();
    expect(t.change).toBe(0);
  });

  it('behavior: open from close and percentage', () => {
    const t = buildTicker({ symbol: 'X/Y', last: '110', percentage: '10', info: {} });
    expect(t.open).toBe(100);
    expect(t.change).toBe(10);
  });

  it('behavior: no float error', () => {
    expect(buildTicker({ symbol: 'X/Y', open: '0.1', last: '0.3', info: {} }).change).toBe(0.2);
  });
});

describe('buildOrder', () => {
  it('default: remaining, cost and average derived', () => {
    const o = buildOrder({ id: '1', type: 'limit', amount: '2', filled: '0.5', cost: '50.5', price: '101', info: {} });
    expect(o).toMatchObject({ remaining: 1.5, average: 101, cost: 50.5, timeInForce: undefined });
  });

  it('behavior: a closed order with only its size known is fully filled', () => {
    expect(buildOrder({ id: '1', status: 'closed', amount: '3', info: {} })).toMatchObject({ filled: 3, remaining: 0 });
  });

  it('behavior: market orders are IOC unless they are trigger orders; price shows the average', () => {
    expect(buildOrder({ id: '1', type: 'market', filled: '2', cost: '10', info: {} })).toMatchObject({
      timeInForce: 'IOC',
      price: 5,
      average: 5,
    });
    expect(buildOrder({ id: '1', type: 'market', triggerPrice: '9', info: {} }).timeInForce).toBeUndefined();
  });

  it('behavior: fills fold into filled, cost and fees by currency', () => {
    const fill = (amount: string, price: string, fee: string) =>
      buildTrade({ id: amount, order: '7', amount, price, fee: { cost: fee, currency: 'USD' }, info: {} });
    const o = buildOrder({
      id: '7',
      amount: '3',
      trades: [fill('1', '10', '0.01'), fill('2', '11', '0.02')],
      info: {},
    });
    expect(o).toMatchObject({ filled: 3, cost: 32, remaining: 0, fees: [{ cost: 0.03, currency: 'USD' }] });
    expect(o.fee).toEqual({ cost: 0.03, currency: 'USD' });
  });

  it('behavior: postOnly and PO agree', () => {
    expect(buildOrder({ id: '1', postOnly: true, info: {} }).timeInForce).toBe('PO');
    expect(buildOrder({ id: '1', timeInForce: 'PO', info: {} }).postOnly).toBe(true);
  });
});

describe('buildTrade', () => {
  it('default: cost = price * amount, exact', () => {
    const t = buildTrade({ price: '0.1', amount: '3', info: {} });
    expect(t.cost).toBe(0.3);
    expect(t.fee).toEqual({ cost: undefined, currency: undefined });
    expect(t.fees).toEqual([]);
  });
});

describe('buildOrderBook', () => {
  it('default: sides best first', () => {
    const b = buildOrderBook(
      [
        ['1', '1'],
        ['3', '1'],
        ['2', '1'],
      ],
      [
        ['5', '1'],
        ['4', '2'],
      ],
      'X/Y',
    );
    expect(b.bids.map((l) => l[0])).toEqual([3, 2, 1]);
    expect(b.asks.map((l) => l[0])).toEqual([4, 5]);
  });

  it('behavior: object levels, a count column, junk skipped', () => {
    const b = buildOrderBook([{ p: '2', q: '1', n: 3 }, null, { p: 'x', q: '1' }], [], 'X/Y', 1, 2, 'p', 'q', 'n');
    expect(b.bids).toEqual([[2, 1, 3]]);
  });
});

describe('buildBalance', () => {
  it('default: the missing one of free/used/total is derived', () => {
    const b = buildBalance({ BTC: { free: '0.1', total: '0.3' }, USD: { used: '1', total: '1' } }, {});
    expect(b['BTC']).toEqual({ free: 0.1, used: 0.2, total: 0.3 });
    expect(b.free['USD']).toBe(0);
  });
});
