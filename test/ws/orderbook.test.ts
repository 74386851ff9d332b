import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BookLevel } from '../../src/core/types.js';
import { KeyedCache, RingCache } from '../../src/ws/cache.js';
import { LocalOrderBook, decimalNumber } from '../../src/ws/orderbook.js';

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
    expect(book.bids.raw()).toEqual({ prices: ['0.05006', '0.05005'], amounts: ['2.50000000', '0.00000500'] });
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

describe('published books, kept rows (copy-on-write)', () => {
  const ref = (m: Map<number, number>, desc: boolean, depth?: number): [number, number][] =>
    [...m.entries()].sort((x, y) => (desc ? y[0] - x[0] : x[0] - y[0])).slice(0, depth);

  it('behavior: every snapshot equals the book at its time and stays so, whatever mix of deltas, cuts and trims', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('delta' as const),
        bid: fc.boolean(),
        p: fc.integer({ min: 1, max: 80 }),
        a: fc.integer({ min: 0, max: 4 }),
      }),
      fc.record({
        kind: fc.constant('snapshot' as const),
        limit: fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 400 }),
        fc.option(fc.integer({ min: 2, max: 12 }), { nil: undefined }),
        (ops, depth) => {
          const book = new LocalOrderBook('X/Y', depth);
          book.reset([], []);
          const bids = new Map<number, number>();
          const asks = new Map<number, number>();
          const held: { bids: BookLevel[]; asks: BookLevel[]; want: string }[] = [];
          for (const o of ops) {
            if (o.kind === 'delta') {
              const side = o.bid ? bids : asks;
              book.update(o.bid ? 'bids' : 'asks', String(o.p), String(o.a));
              if (o.a === 0) side.delete(o.p);
              else side.set(o.p, o.a);
              book.trim();
              // the reference trims too: levels cut off are gone, as in the library
              if (depth !== undefined) {
                for (const [m, desc] of [
                  [bids, true],
                  [asks, false],
                ] as const) {
                  const keep = new Set(ref(m, desc, depth).map((l) => l[0]));
                  for (const p of [...m.keys()]) if (!keep.has(p)) m.delete(p);
                }
              }
            } else {
              const s = book.snapshot(o.limit);
              const want = JSON.stringify([ref(bids, true, o.limit), ref(asks, false, o.limit)]);
              expect(JSON.stringify([s.bids, s.asks])).toBe(want);
              held.push({ bids: s.bids, asks: s.asks, want });
            }
          }
          for (const h of held) expect(JSON.stringify([h.bids, h.asks])).toBe(h.want);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('behavior: snapshots share the rows of levels that did not change', () => {
    const book = new LocalOrderBook('X/Y');
    book.reset(
      [
        ['100', '1'],
        ['99', '2'],
        ['98', '3'],
      ],
      [['101', '1']],
    );
    const a = book.snapshot();
    book.update('bids', '99', '5');
    const b = book.snapshot();
    expect(b.bids[0]).toBe(a.bids[0]);
    expect(b.bids[2]).toBe(a.bids[2]);
    expect(b.bids[1]).toEqual([99, 5]);
    expect(a.bids[1]).toEqual([99, 2]);
  });
});

describe('decimal strings to numbers', () => {
  it('default: equals Number() on feed-style decimals and on everything else', () => {
    const cases = [
      '67431.65000000',
      '0.00000000',
      '0.00001',
      '12.5',
      '.5',
      '1.',
      '',
      '-1',
      '1e5',
      '00012.5',
      '  3',
      'abc',
    ];
    cases.push('123456789012345', '1234567890123456', '12345678.12345678', '9007199254740993', '0.1234567890123456');
    for (const s of cases) expect(Object.is(decimalNumber(s), Number(s)), s).toBe(true);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.integer({ min: 0, max: 12 }), (x, d) => {
        const s = x.toFixed(d);
        expect(decimalNumber(s)).toBe(Number(s));
      }),
      { numRuns: 5000 },
    );
  });
});
