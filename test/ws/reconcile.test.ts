import { describe, expect, it } from 'vitest';
import type { Order, Trade } from '../../src/core/types.js';
import { ordersChangedInGap, tradesInGap } from '../../src/ws/reconcile.js';

const order = (id: string, patch: Partial<Order> = {}): Order =>
  ({ id, status: 'open', amount: 1, filled: 0, remaining: 1, price: 100, timestamp: Number(id), ...patch }) as Order;
const trade = (id: string, timestamp: number): Trade => ({ id, timestamp }) as Trade;

describe('orders missed while a private socket was down', () => {
  it('default: new open orders and changed known ones are reported, unchanged ones are not', async () => {
    const known = [order('1'), order('2'), order('3', { status: 'closed', filled: 1, remaining: 0 })];
    const changed = await ordersChangedInGap({
      known,
      fetchOpenOrders: async () => [order('1'), order('2', { filled: 0.5, remaining: 0.5 }), order('4')],
      fetchOrder: async () => {
        throw new Error('not asked');
      },
    });
    expect(changed.map((o) => [o.id, o.filled])).toEqual([
      ['2', 0.5],
      ['4', 0],
    ]);
  });

  it('behavior: a known open order gone from the open list is looked up (filled or cancelled in the gap)', async () => {
    const asked: string[] = [];
    const changed = await ordersChangedInGap({
      known: [order('1'), order('2'), order('3')],
      fetchOpenOrders: async () => [order('3')],
      fetchOrder: async (o) => {
        asked.push(o.id);
        if (o.id === '1') return order('1', { status: 'closed', filled: 1, remaining: 0 });
        return order('2', { status: 'canceled' });
      },
    });
    expect(asked.sort()).toEqual(['1', '2']);
    expect(changed.map((o) => [o.id, o.status])).toEqual([
      ['2', 'canceled'],
      ['1', 'closed'],
    ]);
  });

  it('args: maxLookups bounds the REST calls, newest orders first; a failed lookup is skipped', async () => {
    const asked: string[] = [];
    const changed = await ordersChangedInGap({
      known: [order('10'), order('30'), order('20')],
      fetchOpenOrders: async () => [],
      fetchOrder: async (o) => {
        asked.push(o.id);
        if (o.id === '30') throw new Error('timeout');
        return order(o.id, { status: 'canceled' });
      },
      maxLookups: 2,
    });
    expect(asked).toEqual(['30', '20']);
    expect(changed.map((o) => o.id)).toEqual(['20']);
  });

  it('error: a failed open-orders call rejects', async () => {
    await expect(
      ordersChangedInGap({
        known: [order('1')],
        fetchOpenOrders: async () => {
          throw new Error('down');
        },
        fetchOrder: async () => undefined,
      }),
    ).rejects.toThrow('down');
  });
});

describe('trades missed while a private socket was down', () => {
  it('default: asks from the newest trade seen and drops the ones already seen', async () => {
    let asked = 0;
    const got = await tradesInGap([trade('a', 1000), trade('b', 2000)], 1500, async (since) => {
      asked = since;
      return [trade('b', 2000), trade('c', 2000), trade('d', 2500)];
    });
    expect(asked).toBe(2000);
    expect(got.map((t) => t.id)).toEqual(['c', 'd']);
  });

  it('args: with nothing seen after it, from when the socket went down', async () => {
    let asked = 0;
    await tradesInGap([trade('a', 1000)], 1500, async (since) => {
      asked = since;
      return [];
    });
    expect(asked).toBe(1500);
  });
});

describe('trades missed in a long gap', () => {
  it('behavior: full pages ask again from their newest trade until a short page', async () => {
    const all = Array.from({ length: 25 }, (_, i) => trade(`t${i}`, 2000 + i));
    const asked: number[] = [];
    const got = await tradesInGap(
      [],
      2000,
      async (since) => {
        asked.push(since);
        return all.filter((t) => t.timestamp! >= since).slice(0, 10);
      },
      { pageSize: 10 },
    );
    expect(asked).toEqual([2000, 2009, 2018]);
    expect(got.map((t) => t.id)).toEqual(all.map((t) => t.id));
  });

  it('args: maxPages bounds the calls', async () => {
    let calls = 0;
    await tradesInGap(
      [],
      0,
      async (since) => {
        calls++;
        return Array.from({ length: 5 }, (_, i) => trade(`${since}-${i}`, since + i + 1));
      },
      { pageSize: 5, maxPages: 3 },
    );
    expect(calls).toBe(3);
  });
});
