/**
 * `unifex kraken watch ...` against a local Kraken websocket v2: JSON lines when piped, and the live view under
 * a pseudo-terminal (util-linux `script`), left with Ctrl-C or q.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_SCRIPT, T0, fakeKraken, tempDir, underPty, unifex, writeJson, type FakeKraken } from './helpers.js';

let venue: FakeKraken;
let config: string;
beforeAll(async () => {
  venue = await fakeKraken();
  config = writeJson(join(tempDir(), 'config.json'), venue.config({ rateLimit: 10 }));
});
afterAll(() => venue.close());

const ESC = '\x1b';
/** The screens drawn, the last one cut where the terminal is restored. */
const screens = (output: string): string[] => {
  const all = output.split(`${ESC}[H`).slice(1);
  if (all.length > 0) all[all.length - 1] = all[all.length - 1]!.split(`${ESC}[?25h`)[0]!;
  return all;
};
/** Once a frame shows at least `n` updates (a live view is on screen, keys and Ctrl-C are its own). */
const afterUpdates =
  (n: number) =>
  (output: string): boolean =>
    [...output.matchAll(/updates (\d+)/g)].some((m) => Number(m[1]) >= n);
const plain = (s: string): string => s.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '');

describe('unifex watch, piped', () => {
  it('default: one JSON line per update; --count stops after that many', async () => {
    const ticker = await unifex(['kraken', 'watch', 'ticker', 'BTC/USD', '--count', '3', '--config', config]);
    expect(ticker.code).toBe(0);
    const ticks = ticker.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ticks).toHaveLength(3);
    expect(ticks[0]).toMatchObject({ symbol: 'BTC/USD', last: 42000, bid: 41999.5, ask: 42000.5 });
    const trades = await unifex(['kraken', 'watch', 'trades', 'BTC/USD', '--count', '2', '--config', config]);
    const batches = trades.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string }[]);
    expect(batches[0]!.map((t) => t.id)).toEqual(['5000', '5001']);
    const book = await unifex([
      'kraken',
      'watch',
      'orderbook',
      'BTC/USD',
      '--count',
      '2',
      '--depth',
      '3',
      '--config',
      config,
    ]);
    const books = book.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { bids: number[][]; asks: number[][] });
    expect(books).toHaveLength(2);
    expect(books[0]!.bids).toEqual([
      [42000, 1],
      [41999.5, 1.25],
      [41999, 1.5],
    ]);
    expect(books[1]!.asks[0]).toEqual([42000.5, 2.5]);
  });

  it('args: ohlcv <symbol> <timeframe>: the candles of each update, the open one growing, then the next', async () => {
    const r = await unifex(['kraken', 'watch', 'ohlcv', 'BTC/USD', '1m', '--count', '5', '--config', config]);
    expect(r.code).toBe(0);
    const updates = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as number[][]);
    expect(updates).toHaveLength(5);
    const rows = updates.flat();
    expect(rows[0]).toEqual([T0, 42000, 42010, 41990, 42000, 1.5]);
    // the candle of minute 0 grows, then minute 1 opens
    expect(rows.some((c) => c[0] === T0 && c[4]! > 42000)).toBe(true);
    expect(rows.at(-1)![0]).toBe(T0 + 60_000);
  });

  it('failure: unknown views and symbols are usage and symbol errors', async () => {
    const kind = await unifex(['kraken', 'watch', 'funding', 'BTC/USD', '--config', config]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/usage: unifex <exchange> watch orderbook\|trades\|ticker\|ohlcv/);
    const tf = await unifex(['kraken', 'watch', 'ohlcv', 'BTC/USD', '7m', '--config', config]);
    expect(tf.code).toBe(2);
    expect(tf.stderr).toMatch(/kraken has no timeframe 7m; it serves 1m/);
    const symbol = await unifex(['kraken', 'watch', 'ticker', 'BTC/USX', '--config', config]);
    expect(symbol.code).toBe(3);
    expect(symbol.stderr).toMatch(/did you mean BTC\/USD/);
  });
});

describe.skipIf(!HAS_SCRIPT)('unifex watch, live view under a terminal', () => {
  it('default: the order book redraws in place; Ctrl-C restores the terminal and exits 0', async () => {
    const r = await underPty(['kraken', 'watch', 'orderbook', 'BTC/USD', '--config', config], {
      input: '\x03',
      when: afterUpdates(8),
      rows: 20,
      cols: 80,
    });
    expect(r.code).toBe(0);
    // alternate screen and hidden cursor on the way in, both restored on the way out
    expect(r.output).toContain(`${ESC}[?1049h${ESC}[?25l`);
    expect(r.output).toContain(`${ESC}[?25h${ESC}[?1049l`);
    expect(r.output.indexOf(`${ESC}[?1049l`)).toBeGreaterThan(r.output.lastIndexOf(`${ESC}[H`));
    const frames = screens(r.output).map(plain);
    expect(frames.length).toBeGreaterThan(3);
    const last = frames[frames.length - 1]!;
    const lines = last.split(/\r?\n/);
    expect(lines[0]).toMatch(/^kraken BTC\/USD orderbook {2}\d\d:\d\d:\d\d\.\d{3} UTC {2}updates \d+ {2}live/);
    expect(lines.length).toBeLessThanOrEqual(20); // fits the terminal
    expect(last).toMatch(/── spread 0\.5 {2}mid 42000\.25 ─+/);
    expect(last).toMatch(/42000\.5\s+[\d.]+\s+[\d.]+\s+█+/);
    // the best bid's size changes between frames: the view follows the stream
    const bestBids = new Set(frames.map((f) => /\n\s*42000\s+([\d.]+)/.exec(f)?.[1]).filter((x) => x !== undefined));
    expect(bestBids.size).toBeGreaterThan(1);
    expect(plain(r.output)).toMatch(/kraken BTC\/USD orderbook: \d+ updates in [\d.]+s, last 42000\.25/);
  });

  it('behavior: ticker and trades views; q quits too', async () => {
    const t = await underPty(['kraken', 'watch', 'ticker', 'BTC/USD', '--config', config], {
      input: 'q',
      when: afterUpdates(5),
    });
    expect(t.code).toBe(0);
    const tick = plain(screens(t.output).at(-1)!);
    expect(tick).toMatch(/last\s+420\d\d(\.5)?/);
    expect(tick).toMatch(/bid\s+[\d.]+ {2}× 1\.25/);
    expect(tick).toMatch(/spread\s+1\b/);
    expect(tick).toMatch(/[▁▂▃▄▅▆▇█]{5,}/);
    const tr = await underPty(['kraken', 'watch', 'trades', 'BTC/USD', '--config', config], {
      input: '\x03',
      when: afterUpdates(5),
    });
    expect(tr.code).toBe(0);
    const view = plain(screens(tr.output).at(-1)!);
    expect(view).toMatch(/bought [\d.]+ {2}sold [\d.]+/);
    expect(view).toMatch(/00:00:0\d\.\d{3} {2}(buy |sell) {2}4200\d/);
  });

  it('behavior: the ohlcv view is a candle chart that starts from the REST history and follows the stream', async () => {
    const r = await underPty(['kraken', 'watch', 'ohlcv', 'BTC/USD', '--config', config], {
      input: 'q',
      when: afterUpdates(4),
      rows: 24,
      cols: 100,
    });
    expect(r.code).toBe(0);
    const last = plain(screens(r.output).at(-1)!);
    expect(last.split(/\r?\n/)[0]).toMatch(/^kraken BTC\/USD ohlcv .* updates \d+ {2}live/);
    expect(last).toContain('BTC/USD 1m');
    expect(last).toMatch(/[┃│╻╹╷╵╽╿]/);
  });
});
