/** The runner itself: any directory in the shared format; what cannot run counts as failed. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, runConformance } from './runner.js';

function dir(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'unifex-conf-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name.split('/')[0]!), { recursive: true });
    writeFileSync(join(root, name), JSON.stringify(content));
  }
  return root;
}

const krakenMarket = {
  id: 'XXBTZUSD',
  symbol: 'BTC/USD',
  base: 'BTC',
  quote: 'USD',
  baseId: 'XXBT',
  quoteId: 'ZUSD',
  type: 'spot',
  spot: true,
  margin: false,
  swap: false,
  future: false,
  option: false,
  active: true,
  contract: false,
  precision: { amount: 1e-8, price: 0.1 },
  limits: {},
  info: {},
};

describe('conformance runner', () => {
  it('default: runs request cases from any directory, compares url and query as sets', async () => {
    const root = dir({
      'markets/kraken.json': { 'BTC/USD': krakenMarket },
      'request/kraken.json': {
        exchange: 'kraken',
        skipKeys: [],
        outputType: 'urlencoded',
        methods: {
          fetchOrderBook: [
            {
              description: 'ok',
              method: 'fetchOrderBook',
              url: 'https://api.kraken.com/0/public/Depth?count=5&pair=XXBTZUSD',
              input: ['BTC/USD', 5],
            },
            {
              description: 'wrong',
              method: 'fetchOrderBook',
              url: 'https://api.kraken.com/0/public/Depth?pair=XXBTZUSD&count=6',
              input: ['BTC/USD', 5],
            },
          ],
        },
      },
    });
    const results = await runConformance([root]);
    expect(results.map((r) => [r.description, r.ok])).toEqual([
      ['ok', true],
      ['wrong', false],
    ]);
  });

  it('error: unknown exchange, unknown method and a throwing parser count as failed', async () => {
    const root = dir({
      'markets/kraken.json': { 'BTC/USD': krakenMarket },
      'request/nosuchexchange.json': {
        exchange: 'x',
        methods: { fetchTicker: [{ description: 'a', method: 'fetchTicker', url: 'x', input: [] }] },
      },
      'response/kraken.json': {
        exchange: 'kraken',
        methods: {
          fetchFundingRate: [
            {
              description: 'no such method',
              method: 'fetchFundingRate',
              input: ['BTC/USD'],
              httpResponse: {},
              parsedResponse: {},
            },
          ],
          fetchTicker: [
            {
              description: 'garbage answer',
              method: 'fetchTicker',
              input: ['BTC/USD'],
              httpResponse: { error: ['EGeneral:Internal error'] },
              parsedResponse: { last: 1 },
            },
          ],
        },
      },
    });
    const results = await runConformance([root]);
    expect(results).toHaveLength(3);
    expect(results.every((r) => !r.ok)).toBe(true);
  });

  it('behavior: compare skips info and null, numbers to 1e-9 relative, strings vs numbers numerically', () => {
    expect(compare({ a: 1, b: null, info: { x: 1 } }, { a: 1 + 1e-12, b: 5, info: {} })).toBeUndefined();
    expect(compare({ fee: { cost: '0.018475' } }, { fee: { cost: 0.018475 } })).toBeUndefined();
    expect(compare({ a: 1 }, { a: 1.001 })).toMatch(/expected 1/);
    expect(compare([1, 2], [1])).toMatch(/2 items/);
    expect(compare({ s: 'closed' }, { s: 'open' })).toMatch(/closed/);
  });
});
