import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedCache, RingCache } from '../../src/ws/cache.js';
import { LocalOrderBook } from '../../src/ws/orderbook.js';

describe('local order book', () => {
  it('default: snapshot then deltas, sorted, zero removes', () => {
    const book = new LocalOrderBook('BTC/USD');
    book.reset(
      [
        ['100', '1'],
        ['101', '2'],
      ],
      [
        ['102', '1'],
        ['103', '4'],
      ],
      5,
    );
    book.update('bids', '101.5', '3');
    book.update('asks', '102', '0');
    book.update('asks', '102.5', '2');
    expect(book.snapshot()).toMatchObject({
      bids: [
        [101.5, 3],
        [101, 2],
        [100, 1],
      ],
      asks: [
        [102.5, 2],
        [103, 4],
      ],
      nonce: 5,
    });
    expect(book.isCrossed()).toBe(false);
    book.update('bids', '103', '1');
    expect(book.isCrossed()).toBe(true);
  });

  it('behavior: depth limit respected', () => {
    const book = new LocalOrderBook('X/Y', 2);
    book.reset(
      [
        ['1', '1'],
        ['2', '1'],
        ['3', '1'],
      ],
      [
        ['4', '1'],
        ['5', '1'],
        ['6', '1'],
      ],
    );
    expect(book.snapshot().bids).toEqual([
      [3, 1],
      [2, 1],
    ]);
    expect(book.snapshot().asks).toEqual([
      [4, 1],
      [5, 1],
    ]);
  });

  it('behavior: raw strings kept for checksums', () => {
    const book = new LocalOrderBook('X/Y', undefined, true);
    book.reset([['0.05005', '0.00000500']], [['0.05010', '1.00']]);
    book.update('bids', '0.05006', '2.50000000');
    expect(book.bids.rawPrices).toEqual(['0.05006', '0.05005']);
    expect(book.bids.rawAmounts).toEqual(['2.50000000', '0.00000500']);
  });

  it('behavior: equals a book computed independently from the same messages (property)', () => {
    const level = fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 5 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), level), { maxLength: 300 }), (deltas) => {
        const book = new LocalOrderBook('X/Y');
        book.reset([], []);
        const ref = { bids: new Map<number, number>(), asks: new Map<number, number>() };
        for (const [isBid, [p, a]] of deltas) {
          const side = isBid ? 'bids' : 'asks';
          book.update(side, String(p), String(a));
          if (a === 0) ref[side].delete(p);
          else ref[side].set(p, a);
        }
        const expectBids = [...ref.bids.entries()].sort((x, y) => y[0] - x[0]);
        const expectAsks = [...ref.asks.entries()].sort((x, y) => x[0] - y[0]);
        expect(book.snapshot().bids).toEqual(expectBids);
        expect(book.snapshot().asks).toEqual(expectAsks);
      }),
    );
  });
});

describe('bounded caches', () => {
  it('default: ring keeps the newest items in order', () => {
    const c = new RingCache<number>(3);
    for (let i = 1; i <= 5; i++) c.push(i);
    expect(c.toArray()).toEqual([3, 4, 5]);
    expect(c.newSince(3)).toEqual([4, 5]);
    expect(c.newSince(0)).toEqual([3, 4, 5]);
  });

  it('default: keyed cache updates in place and evicts the oldest', () => {
    const c = new KeyedCache<string>(2);
    c.upsert('a', 'a1');
    c.upsert('b', 'b1');
    c.upsert('a', 'a2');
    c.upsert('c', 'c1');
    expect(c.toArray()).toEqual(['b1', 'c1']);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('c')).toBe('c1');
    expect(c.length).toBe(2);
  });

  it('error: bad limit', () => {
    expect(() => new RingCache(0)).toThrow(RangeError);
  });
});

describe('published books', () => {
  it('behavior: a snapshot a caller holds never changes when the book moves on', () => {
    const book = new LocalOrderBook('X/Y');
    book.reset(
      [
        ['100', '1'],
        ['99', '2'],
      ],
      [['101', '1']],
    );
    book.update('bids', '100', '5');
    const held = book.snapshot();
    const copy = JSON.stringify(held);
    book.update('bids', '100', '7');
    book.update('bids', '99', '0');
    book.update('asks', '101', '3');
    book.update('bids', '98', '1');
    expect(JSON.stringify(held)).toBe(copy);
    expect(book.snapshot().bids).toEqual([
      [100, 7],
      [98, 1],
    ]);
    // Rows changed after the last snapshot are updated in place until the next one.
    book.update('bids', '98', '2');
    expect(book.snapshot().bids).toEqual([
      [100, 7],
      [98, 2],
    ]);
  });
});
