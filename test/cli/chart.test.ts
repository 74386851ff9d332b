/**
 * `unifex kraken chart ...`: the terminal chart and the PNG. The PNG is read back with an independent reader
 * here: signature, chunk layout and CRCs (node:zlib's crc32), IHDR, IDAT inflating to the exact raster size with
 * valid filter bytes, and candle colours present in the pixels.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalChart, toCandles } from '../../src/cli/chart.js';
import { fakeKraken, tempDir, unifex, writeJson, type FakeKraken } from './helpers.js';

const ESC = '\x1b';
let venue: FakeKraken;
let config: string;
beforeAll(async () => {
  venue = await fakeKraken({ candles: 600 });
  config = writeJson(join(tempDir(), 'config.json'), venue.config({ rateLimit: 10 }));
});
afterAll(() => venue.close());

interface Png {
  width: number;
  height: number;
  chunks: string[];
  pixels: Buffer;
}

function readPng(buf: Buffer): Png {
  expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  let at = 8;
  while (at < buf.length) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    expect(buf.readUInt32BE(at + 8 + len), `${type} CRC`).toBe(crc32(buf.subarray(at + 4, at + 8 + len)));
    chunks.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  expect(at).toBe(buf.length);
  expect(chunks[0]).toBe('IHDR');
  expect(chunks[chunks.length - 1]).toBe('IEND');
  const width = ihdr!.readUInt32BE(0);
  const height = ihdr!.readUInt32BE(4);
  expect([...ihdr!.subarray(8)]).toEqual([8, 2, 0, 0, 0]); // 8-bit RGB, deflate, adaptive filter, no interlace
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3;
  expect(raw.length).toBe(height * (stride + 1));
  // undo the filters (the encoder may use any of the five)
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    expect(f).toBeLessThanOrEqual(4);
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 3 ? pixels[y * stride + x - 3]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= 3 && y > 0 ? pixels[(y - 1) * stride + x - 3]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f]!;
      pixels[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, chunks, pixels };
}

function colours(png: Png): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < png.pixels.length; i += 3) {
    out.add(`${png.pixels[i]},${png.pixels[i + 1]},${png.pixels[i + 2]}`);
  }
  return out;
}

describe('unifex chart', () => {
  it('default: --png writes a valid image of the requested size with both candle colours', async () => {
    const file = join(tempDir(), 'chart.png');
    const r = await unifex([
      'kraken',
      'chart',
      'BTC/USD',
      '1m',
      '--limit',
      '80',
      '--png',
      file,
      '--size',
      '640x360',
      '--config',
      config,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/wrote .*chart\.png \(640x360, 80 candles\)/);
    const png = readPng(readFileSync(file));
    expect([png.width, png.height]).toEqual([640, 360]);
    const seen = colours(png);
    expect(seen.has('38,166,154')).toBe(true); // up
    expect(seen.has('239,83,80')).toBe(true); // down
    expect(seen.has('19,23,34')).toBe(true); // background
  });

  it('default: a candlestick chart in the terminal: price axis, volume row, time axis', async () => {
    const r = await unifex(['kraken', 'chart', 'BTC/USD', '5m', '--width', '80', '--height', '20', '--config', config]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^kraken BTC\/USD 5m {2}last \d+ {2}[+-]\d+\.\d\d% {2}high \d+ {2}low \d+ {2}\d+ candles$/,
    );
    expect(lines).toHaveLength(20);
    expect(lines.every((l) => [...l].length <= 80)).toBe(true);
    expect(r.stdout).toMatch(/[┃╻╹╽╿]/); // bodies
    expect(lines.filter((l) => /┤ \d+/.test(l)).length).toBeGreaterThanOrEqual(3);
    expect(lines[lines.length - 3]).toMatch(/^[▁▂▃▄▅▆▇█ ]+ vol ≤ /);
    expect(lines[lines.length - 1]).toMatch(/^01-01 \d\d:\d\d {3,}.* UTC$/);
    expect(r.stdout).not.toContain('\x1b[');
    const colored = await unifex(['kraken', 'chart', 'BTC/USD', '5m', '--color', '--config', config]);
    expect(colored.stdout).toContain('\x1b[32m');
    expect(colored.stdout).toContain('\x1b[31m');
    const json = await unifex(['kraken', 'chart', 'BTC/USD', '1h', '--json', '--config', config]);
    expect((JSON.parse(json.stdout) as number[][]).every((c) => c.length === 6)).toBe(true);
  });

  it('failure: a timeframe the exchange does not serve, a bad size', async () => {
    const tf = await unifex(['kraken', 'chart', 'BTC/USD', '3m', '--config', config]);
    expect(tf.code).toBe(2);
    expect(tf.stderr).toMatch(/kraken has no timeframe 3m; it serves 1m 5m/);
    const size = await unifex(['kraken', 'chart', 'BTC/USD', '--png', 'x.png', '--size', 'big', '--config', config]);
    expect(size.code).toBe(2);
  });

  it('behavior: the drawing follows the prices: a rising candle is green and its body spans open to close', () => {
    const rows = [
      [0, 10, 20, 5, 15, 1],
      [60_000, 15, 16, 6, 8, 2],
    ] as [number, number, number, number, number, number][];
    const text = terminalChart(
      toCandles(rows),
      { width: 40, height: 13, title: 't', timeframeMs: 60_000 },
      { color: false },
    );
    const plot = text.split('\n').slice(1, 9);
    const col = (i: number): string => plot.map((l) => [...l][i] ?? ' ').join('');
    // first candle: wick to 20 on top, body from 15 down to 10, wick to 5 at the bottom
    expect(col(0)).toMatch(/^[│╷]+[╽┃]+[┃╿]*[│╵]*$/);
    expect(col(2)).toMatch(/^ *[╷│╽┃]/);
    const colored = terminalChart(
      toCandles(rows),
      { width: 40, height: 13, title: 't', timeframeMs: 60_000 },
      { color: true },
    );
    expect(colored).toMatch(new RegExp(`${ESC}\\[32m[│╷╽┃]`));
    expect(colored).toMatch(new RegExp(`${ESC}\\[31m[│╷╽┃╻]`));
  });
});
