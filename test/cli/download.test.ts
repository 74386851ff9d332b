/**
 * `unifex kraken download ...` against a local Kraken that pages its history (100 candles, 25 trades a page):
 * complete and gap-free files, resumption after a cut, retries of transient failures, the library's throttle,
 * and the progress bar under a pseudo-terminal.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS } from '../../src/cli/download.js';
import {
  HAS_SCRIPT,
  MAIN,
  T0,
  TSX,
  candleAt,
  cleanEnv,
  fakeKraken,
  tempDir,
  tradesList,
  underPty,
  unifex,
  writeJson,
  type FakeKraken,
} from './helpers.js';

let venue: FakeKraken;
let config: string;
beforeAll(async () => {
  venue = await fakeKraken({ candles: 600, trades: 200 });
  // 40 ms per request: the throttle stays on, the tests stay quick
  config = writeJson(join(tempDir(), 'config.json'), venue.config({ rateLimit: 40 }));
});
afterAll(() => venue.close());

const lines = (file: string): string[] => readFileSync(file, 'utf8').trimEnd().split('\n');
const MIN = 60_000;

function expectCandles(file: string, from: number, to: number): void {
  const rows = lines(file);
  expect(rows[0]).toBe(HEADERS.ohlcv);
  const ts = rows.slice(1).map((r) => Number(r.split(',')[0]));
  expect(ts).toEqual(Array.from({ length: (to - from) / MIN }, (_, i) => from + i * MIN));
  const i = (ts[5]! - T0) / MIN;
  const c = candleAt(i);
  expect(rows[6]).toBe(
    [ts[5], new Date(ts[5]!).toISOString(), Number(c[1]), Number(c[2]), Number(c[3]), Number(c[4]), Number(c[6])].join(
      ',',
    ),
  );
}

describe('unifex download ohlcv', () => {
  it('default: pages through the history into a gap-free CSV, one request per page, throttled', async () => {
    const file = join(tempDir(), 'btc.csv');
    const before = venue.requests.length;
    const r = await unifex([
      'kraken',
      'download',
      'ohlcv',
      'BTC/USD',
      '1m',
      '--since',
      '2024-01-01',
      '--until',
      '2024-01-01T04:00Z',
      '--out',
      file,
      '--config',
      config,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/240 candles in 3 pages to .*btc\.csv, up to 2024-01-01T04:00:00\.000Z/);
    expect(r.stderr).not.toContain('\r'); // no progress bar when stderr is not a terminal
    expectCandles(file, T0, T0 + 240 * MIN);
    const ohlc = venue.requests.slice(before).filter((q) => q.path === '/0/public/OHLC');
    expect(ohlc).toHaveLength(3);
    expect(ohlc.map((q) => q.query.get('since'))).toEqual(
      [T0, T0 + 100 * MIN, T0 + 200 * MIN].map((t) => String(t / 1000 - 60)),
    );
    const all = venue.requests.slice(before).filter((q) => q.path.startsWith('/0/public/'));
    // the library's token bucket paces them (arrival times jitter, so the whole run is measured)
    expect(all.length).toBe(5);
    expect(all[all.length - 1]!.at - all[0]!.at).toBeGreaterThanOrEqual(3 * 40);
  });

  it('behavior: resumes from the last timestamp of the file, dropping a line cut by a crash', async () => {
    const file = join(tempDir(), 'btc.csv');
    const args = (until: string): string[] => [
      'kraken',
      'download',
      'ohlcv',
      'BTC/USD',
      '--timeframe',
      '1m',
      '--since',
      '2024-01-01T01:00Z',
      '--until',
      until,
      '--out',
      file,
      '--config',
      config,
    ];
    expect((await unifex(args('2024-01-01T02:30Z'))).code).toBe(0);
    // a crash in the middle of a write: half a line at the end
    writeFileSync(file, `${readFileSync(file, 'utf8')}${T0 + 150 * MIN},2024-01-01T02:3`);
    const r = await unifex(args('2024-01-01T05:00Z'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/resuming .* after 2024-01-01T02:29:00\.000Z/);
    expect(r.stderr).toMatch(/150 candles in 2 pages/);
    expectCandles(file, T0 + 60 * MIN, T0 + 300 * MIN);
    // nothing left to fetch: no page, no change
    const again = await unifex(args('2024-01-01T05:00Z'));
    expect(again.stderr).toMatch(/0 candles in 0 pages/);
    expectCandles(file, T0 + 60 * MIN, T0 + 300 * MIN);
  });

  it('behavior: transient failures are retried with backoff; the file stays complete', async () => {
    const file = join(tempDir(), 'btc.jsonl');
    venue.failNext(2, 503);
    const r = await unifex([
      'kraken',
      'download',
      'ohlcv',
      'BTC/USD',
      '1m',
      '--since',
      '2024-01-01',
      '--until',
      '2024-01-01T01:00Z',
      '--out',
      file,
      '--config',
      config,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ExchangeNotAvailable: .*retrying in 1s \(1\/5\)/);
    expect(r.stderr).toMatch(/retrying in 2s \(2\/5\)/);
    const rows = lines(file).map((l) => JSON.parse(l) as number[]);
    expect(rows.map((c) => c[0])).toEqual(Array.from({ length: 60 }, (_, i) => T0 + i * MIN));
    expect(rows[0]).toEqual([T0, ...[1, 2, 3, 4].map((k) => Number(candleAt(0)[k])), Number(candleAt(0)[6])]);
  });

  it('failure: errors that retrying cannot fix stop with their exit code', async () => {
    const file = join(tempDir(), 'x.csv');
    const bad = await unifex([
      'kraken',
      'download',
      'ohlcv',
      'BTC/USDX',
      '--since',
      '1d',
      '--out',
      file,
      '--config',
      config,
    ]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/did you mean BTC\/USD/);
    venue.failNext(1, 429);
    const limited = await unifex([
      'kraken',
      'download',
      'ohlcv',
      'BTC/USD',
      '--since',
      '2024-01-01',
      '--until',
      '2024-01-01T01:00Z',
      '--retries',
      '0',
      '--out',
      file,
      '--config',
      config,
    ]);
    expect(limited.code).toBe(8);
    expect(limited.stderr).toMatch(/unifex: DDoSProtection: kraken .*EAPI:Rate limit exceeded/); // Kraken's class for it
    const usage = await unifex(['kraken', 'download', 'candles', 'BTC/USD', '--config', config]);
    expect(usage.code).toBe(2);
    const noSince = await unifex([
      'kraken',
      'download',
      'ohlcv',
      'BTC/USD',
      '--out',
      join(tempDir(), 'n.csv'),
      '--config',
      config,
    ]);
    expect(noSince.code).toBe(2);
    expect(noSince.stderr).toMatch(/download needs --since/);
    const ext = await unifex([
      'kraken',
      'download',
      'ohlcv',
      'BTC/USD',
      '--since',
      '1d',
      '--out',
      'x.parquet',
      '--config',
      config,
    ]);
    expect(ext.code).toBe(2);
  });

  it.skipIf(!HAS_SCRIPT)('behavior: a progress bar on stderr under a terminal, cleared at the end', async () => {
    const file = join(tempDir(), 'btc.csv');
    const r = await underPty([
      'kraken',
      'download',
      'ohlcv',
      'BTC/USD',
      '--since',
      '2024-01-01',
      '--until',
      '2024-01-01T06:00Z',
      '--out',
      file,
      '--config',
      config,
    ]);
    expect(r.code).toBe(0);
    const ESC = '\x1b';
    expect(r.output).toMatch(
      new RegExp(`\r${ESC}\\[36m[█░]+${ESC}\\[39m +\\d+\\.\\d% 2024-01-01T0\\d:\\d\\dZ \\d+ rows`),
    );
    expect(r.output).toContain('\r\x1b[K');
    expect(r.output).toMatch(/360 candles in 4 pages/);
    expectCandles(file, T0, T0 + 360 * MIN);
  });

  it('behavior: Ctrl-C stops after the page in hand (exit 130); the same command then completes the file', async () => {
    const dir = tempDir();
    const slow = writeJson(join(dir, 'config.json'), venue.config({ rateLimit: 400 }));
    const file = join(dir, 'btc.csv');
    const args = ['kraken', 'download', 'ohlcv', 'BTC/USD', '--since', '2024-01-01', '--until', '2024-01-01T10:00Z'];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args, '--out', file, '--config', slow], {
        env: cleanEnv(),
        stdio: 'ignore',
      });
      // Ctrl-C once the first page is in the file (one page every 400 ms; ten pages in all)
      const poll = setInterval(() => {
        if (existsSync(file) && lines(file).length > 1) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 20);
      child.on('exit', (c) => {
        clearInterval(poll);
        resolve(c);
      });
    });
    expect(code).toBe(130);
    const partial = lines(file).length - 1;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(600);
    expect(partial % 100).toBe(0); // whole pages only
    const r = await unifex([...args, '--out', file, '--config', config]);
    expect(r.code).toBe(0);
    expectCandles(file, T0, T0 + 600 * MIN);
  });
});

describe('unifex download trades', () => {
  const expected = tradesList(200)
    .filter((t) => t[2] * 1000 < T0 + 15 * MIN)
    .map((t) => String(t[6]));

  it('default: every trade once, in order, across pages and same-millisecond bursts', async () => {
    const file = join(tempDir(), 'trades.jsonl');
    const r = await unifex([
      'kraken',
      'download',
      'trades',
      'BTC/USD',
      '--since',
      '2024-01-01',
      '--until',
      '2024-01-01T00:15Z',
      '--out',
      file,
      '--config',
      config,
    ]);
    expect(r.code).toBe(0);
    const trades = lines(file).map((l) => JSON.parse(l) as { id: string; timestamp: number; info?: unknown });
    expect(trades.map((t) => t.id)).toEqual(expected);
    expect(trades.every((t, i) => i === 0 || t.timestamp >= trades[i - 1]!.timestamp)).toBe(true);
    expect(trades[0]).not.toHaveProperty('info');
    expect(r.stderr).toMatch(new RegExp(`${expected.length} trades in \\d+ pages`));
  });

  it('behavior: a resume in the middle of a burst writes the rest of the burst once', async () => {
    const file = join(tempDir(), 'trades.csv');
    const args = ['kraken', 'download', 'trades', 'BTC/USD', '--since', '2024-01-01', '--until', '2024-01-01T00:15Z'];
    expect((await unifex([...args, '--out', file, '--config', config])).code).toBe(0);
    const full = readFileSync(file, 'utf8');
    const rows = full.trimEnd().split('\n');
    expect(rows[0]).toBe(HEADERS.trades);
    expect(rows.slice(1).map((l) => l.split(',')[2])).toEqual(expected);
    // keep the header and the trades up to the first two of the burst at index 60 (ids 1072..1074 share a ms)
    const cut = rows.findIndex((l) => l.split(',')[2] === '1073');
    writeFileSync(file, `${rows.slice(0, cut + 1).join('\n')}\n`);
    const r = await unifex([...args, '--out', file, '--config', config]);
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(full);
  });
});
