import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iso8601, parse8601 } from '../../src/core/util.js';

describe('iso8601', () => {
  it('default: the same string as Date.toISOString, inside and outside the cached-minute range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_000_000_000_000, max: 260_000_000_000_000 }), (t) => {
        expect(iso8601(t)).toBe(new Date(t).toISOString());
      }),
      { numRuns: 20_000 },
    );
    // consecutive stamps inside one minute, then across minute, day and year boundaries
    for (const start of [1_717_200_000_000, 1_704_067_199_990, 253_402_300_799_990, 0]) {
      for (let t = start; t < start + 20; t++) expect(iso8601(t)).toBe(new Date(t).toISOString());
    }
  });

  it('args: fractional ms are cut, junk gives undefined', () => {
    expect(iso8601(1_717_200_000_123.9)).toBe('2024-06-01T00:00:00.123Z');
    expect(iso8601(undefined)).toBeUndefined();
    expect(iso8601(Number.NaN)).toBeUndefined();
    expect(iso8601(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(iso8601(8.64e15 + 1)).toBeUndefined();
  });

  it('behavior: parse8601 reads back what iso8601 writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (t) => {
        expect(parse8601(iso8601(t))).toBe(t);
      }),
    );
  });
});
