/** The command line's pieces in process: argument typing, suggestions, exit codes, resume points, PNG CRCs. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseArgv, parseDuration, parseParams, parseTime, parseValue, UsageError } from '../../src/cli/args.js';
import { buildArguments, resolveMethod } from '../../src/cli/call.js';
import { loadConfig, envName } from '../../src/cli/config.js';
import { HEADERS, resumePoint } from '../../src/cli/download.js';
import { EXIT_TABLE, exitCode } from '../../src/cli/exit.js';
import { METHODS } from '../../src/cli/methods.js';
import { crc32 } from '../../src/cli/png.js';
import { editDistance, suggest } from '../../src/cli/suggest.js';
import * as errors from '../../src/core/errors.js';
import { UNIFIED_METHODS } from '../../src/core/spec.js';
import { kraken } from '../../src/exchanges/kraken/kraken.js';

const SHARED = new URL('../../../shared/conformance/', import.meta.url);
const markets = JSON.parse(readFileSync(new URL('markets/kraken.json', SHARED), 'utf8')) as Record<string, never>;
const currencies = JSON.parse(readFileSync(new URL('currencies/kraken.json', SHARED), 'utf8')) as Record<string, never>;
const NOW = Date.UTC(2024, 5, 15, 12, 0, 0);

function krakenWithMarkets(): kraken {
  const ex = new kraken({ now: () => NOW });
  ex.setMarkets(markets, currencies);
  return ex;
}

describe('cli arguments', () => {
  it('default: values are typed as a person writes them', () => {
    expect(parseValue('42')).toBe(42);
    expect(parseValue('-0.5')).toBe(-0.5);
    expect(parseValue('1e-7')).toBe(1e-7);
    expect(parseValue('undefined')).toBeUndefined();
    expect(parseValue('null')).toBeUndefined();
    expect(parseValue('true')).toBe(true);
    expect(parseValue('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(parseValue('"123"')).toBe('123');
    expect(parseValue('BTC/USD')).toBe('BTC/USD');
    expect(() => parseValue('{bad')).toThrow(UsageError);
  });

  it('default: times are ms, ISO dates (UTC unless zoned), now, or durations ago', () => {
    expect(parseTime('1704067200000', 'since', NOW)).toBe(1704067200000);
    expect(parseTime('2024-01-01', 'since', NOW)).toBe(Date.UTC(2024, 0, 1));
    expect(parseTime('2024-01-01T12:30', 'since', NOW)).toBe(Date.UTC(2024, 0, 1, 12, 30));
    expect(parseTime('2024-01-01 12:30:15.250Z', 'since', NOW)).toBe(Date.UTC(2024, 0, 1, 12, 30, 15, 250));
    expect(parseTime('2024-01-01T12:30+02:00', 'since', NOW)).toBe(Date.UTC(2024, 0, 1, 10, 30));
    expect(parseTime('7d', 'since', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTime('-12h', 'since', NOW)).toBe(NOW - 12 * 3_600_000);
    expect(parseTime('now', 'since', NOW)).toBe(NOW);
    expect(parseTime('undefined', 'since', NOW)).toBeUndefined();
    expect(() => parseTime('yesterday', 'since', NOW)).toThrow(/must be a date/);
    expect(() => parseTime('2024-13-45', 'since', NOW)).toThrow(UsageError);
    expect(parseDuration('1M')).toBe(2_592_000_000);
  });

  it('behavior: negative numbers and durations stay positionals; options take values both ways', () => {
    const p = parseArgv([
      'kraken',
      'fetchTrades',
      'BTC/USD',
      '-7d',
      '-1',
      '--param',
      'a=1',
      '-p',
      'b.c=x',
      '--out=f.csv',
    ]);
    expect(p.positionals).toEqual(['kraken', 'fetchTrades', 'BTC/USD', '-7d', '-1']);
    expect(p.options.get('param')).toEqual(['a=1', 'b.c=x']);
    expect(p.options.get('out')).toEqual(['f.csv']);
    expect(parseArgv(['--', '--json']).positionals).toEqual(['--json']);
    expect(parseParams(['a=1', 'b.c=x', 'd={"e":true}'])).toEqual({ a: 1, b: { c: 'x' }, d: { e: true } });
  });

  it('failure: unknown options get a suggestion; values missing or doubled are usage errors', () => {
    expect(() => parseArgv(['--jsno'])).toThrow(/unknown option --jsno \(did you mean --json\?\)/);
    expect(() => parseArgv(['--out'])).toThrow(/needs a value/);
    expect(() => parseArgv(['--out', 'a', '--out', 'b'])).toThrow(/given twice/);
    expect(() => parseArgv(['--json=yes'])).toThrow(/takes no value/);
    expect(() => parseParams(['novalue'])).toThrow(/key=value/);
  });

  it('behavior: arguments follow the method signature (ids stay strings, symbols checked, times parsed)', async () => {
    const ex = krakenWithMarkets();
    const none = parseArgv([]);
    const ohlcv = await buildArguments(ex, 'fetchOHLCV', false, ['BTC/USD', '1h', '2024-01-01', '50'], none);
    expect(ohlcv.values).toEqual(['BTC/USD', '1h', Date.UTC(2024, 0, 1), 50, {}]);
    expect(ohlcv.view).toBe('ohlcv');
    const order = await buildArguments(ex, 'fetchOrder', false, ['123456', 'BTC/USD'], none);
    expect(order.values).toEqual(['123456', 'BTC/USD', {}]);
    const create = await buildArguments(
      ex,
      'createOrder',
      false,
      ['BTC/USD', 'limit', 'buy', '0.001', '20000', '{"postOnly":true}'],
      parseArgv(['--param', 'clientOrderId="42"']),
    );
    expect(create.values).toEqual(['BTC/USD', 'limit', 'buy', 0.001, 20000, { postOnly: true, clientOrderId: '42' }]);
    const skip = await buildArguments(ex, 'fetchTrades', false, ['BTC/USD', 'undefined', '10'], none);
    expect(skip.values).toEqual(['BTC/USD', undefined, 10, {}]);
    const tickers = await buildArguments(ex, 'fetchTickers', false, ['BTC/USD,ETH/USDT'], none);
    expect(tickers.values[0]).toEqual(['BTC/USD', 'ETH/USDT']);
    const raw = await buildArguments(ex, 'publicGetTicker', true, ['{"pair":"XBTUSD"}'], parseArgv(['-p', 'x=1']));
    expect(raw.values).toEqual([{ pair: 'XBTUSD', x: 1 }]);
  });

  it('failure: bad symbols, sides, numbers, timeframes and argument counts name what is wrong', async () => {
    const ex = krakenWithMarkets();
    const none = parseArgv([]);
    await expect(buildArguments(ex, 'fetchTicker', false, ['BTC/USDD'], none)).rejects.toThrow(
      /kraken has no market BTC\/USDD \(did you mean BTC\/USD/,
    );
    await expect(buildArguments(ex, 'fetchTicker', false, ['btcusd'], none)).rejects.toBeInstanceOf(errors.BadSymbol);
    await expect(buildArguments(ex, 'fetchTicker', false, ['btcusd'], none)).rejects.toThrow(/did you mean BTC\/USD/);
    await expect(
      buildArguments(ex, 'createOrder', false, ['BTC/USD', 'limit', 'buyy', '1', '2'], none),
    ).rejects.toThrow(/side must be buy or sell/);
    await expect(buildArguments(ex, 'createOrder', false, ['BTC/USD', 'limit', 'buy', 'ten'], none)).rejects.toThrow(
      /amount must be a number/,
    );
    await expect(buildArguments(ex, 'fetchOHLCV', false, ['BTC/USD', '1hr'], none)).rejects.toThrow(
      /no timeframe 1hr \(did you mean 1h\b.*it serves 1m 5m/,
    );
    await expect(buildArguments(ex, 'fetchTicker', false, [], none)).rejects.toThrow(
      /fetchTicker needs symbol: usage: fetchTicker <symbol> \[params\]/,
    );
    await expect(buildArguments(ex, 'fetchTicker', false, ['BTC/USD', 'x', 'y'], none)).rejects.toThrow(
      /too many arguments/,
    );
    await expect(buildArguments(ex, 'fetchDeposits', false, ['BTCC'], none)).rejects.toThrow(
      /no currency BTCC \(did you mean BTC/,
    );
  });

  it('default: method names resolve exactly, case-insensitively, or with fetch in front; raw endpoints too', () => {
    const ex = krakenWithMarkets();
    expect(resolveMethod(ex, 'fetchTicker')).toEqual({ method: 'fetchTicker', implicit: false });
    expect(resolveMethod(ex, 'fetchohlcv').method).toBe('fetchOHLCV');
    expect(resolveMethod(ex, 'orderbook').method).toBe('fetchOrderBook');
    expect(resolveMethod(ex, 'balance').method).toBe('fetchBalance');
    expect(resolveMethod(ex, 'publicGetAssetPairs')).toEqual({ method: 'publicGetAssetPairs', implicit: true });
    expect(() => resolveMethod(ex, 'fetchTikcer')).toThrow(/did you mean fetchTicker/);
  });

  it('default: every unified method of the library has a command-line signature', () => {
    for (const m of UNIFIED_METHODS) expect(METHODS[m], m).toBeDefined();
  });
});

describe('cli suggestions', () => {
  it('default: edit distance counts a transposition as one edit', () => {
    expect(editDistance('kraken', 'kraken')).toBe(0);
    expect(editDistance('krakne', 'kraken')).toBe(1);
    expect(editDistance('krkn', 'kraken')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('default: closest first, separators and case ignored', () => {
    expect(suggest('binanse', ['binance', 'binanceus', 'bitstamp'])).toEqual(['binance']);
    expect(suggest('binan', ['binanceus', 'binance', 'bitstamp'])).toEqual(['binance', 'binanceus']);
    expect(suggest('btc-usd', ['ETH/USD', 'BTC/USD', 'BTC/EUR'])[0]).toBe('BTC/USD');
    expect(suggest('zzzzzz', ['binance', 'kraken'])).toEqual([]);
  });
});

describe('cli exit codes', () => {
  it('default: each error class maps to its documented code, subclasses first', () => {
    const cases: [errors.BaseError | Error, number][] = [
      [new UsageError('x'), 2],
      [new errors.ArgumentsRequired(), 2],
      [new errors.BadSymbol(), 3],
      [new errors.BadRequest(), 3],
      [new errors.AuthenticationError(), 4],
      [new errors.PermissionDenied(), 4],
      [new errors.InsufficientFunds(), 5],
      [new errors.InvalidOrder(), 5],
      [new errors.OrderNotFound(), 5],
      [new errors.NetworkError(), 6],
      [new errors.RequestTimeout(), 6],
      [new errors.ExchangeNotAvailable(), 7],
      [new errors.OnMaintenance(), 7],
      [new errors.RateLimitExceeded(), 8],
      [new errors.DDoSProtection(), 8],
      [new errors.NotSupported(), 9],
      [new errors.ExchangeError(), 1],
      [new Error('plain'), 1],
    ];
    for (const [e, code] of cases) expect(exitCode(e), e.constructor.name).toBe(code);
    expect(EXIT_TABLE.length).toBeGreaterThan(8);
  });
});

describe('cli config', () => {
  it('behavior: environment variables override the config file; sources are names, never values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unifex-cfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ kraken: { apiKey: 'file-key', secret: 'file-secret', timeout: 5000 } }), {
      mode: 0o600,
    });
    const env = { [envName('kraken', 'apiKey')]: 'env-key' };
    const loaded = loadConfig('kraken', file, env);
    expect(loaded.config).toMatchObject({ apiKey: 'env-key', secret: 'file-secret', timeout: 5000 });
    expect(loaded.sources).toEqual({ apiKey: 'UNIFEX_KRAKEN_API_KEY', secret: `config file ${file}` });
    expect(JSON.stringify(loaded.sources)).not.toContain('file-secret');
    expect(loaded.warnings).toEqual([]);
  });

  it('failure: a broken config file is reported without its content; a readable one is warned about', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unifex-cfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, '{"kraken": {"secret": "s3cr3t-value" ');
    let message = '';
    try {
      loadConfig('kraken', file, {});
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/is not valid JSON/);
    expect(message).not.toContain('s3cr3t');
    writeFileSync(file, JSON.stringify({ kraken: { secret: 's3cr3t-value', colour: 1 } }), { mode: 0o644 });
    const loaded = loadConfig('kraken', file, {});
    expect(loaded.warnings.join('\n')).toMatch(/readable by others/);
    expect(loaded.warnings.join('\n')).toMatch(/unknown keys colour/);
    expect(() => loadConfig('kraken', join(dir, 'missing.json'), {})).toThrow(/cannot read config file/);
    expect(loadConfig('kraken', undefined, { XDG_CONFIG_HOME: dir + '/none' }).config).toEqual({});
  });
});

describe('cli download resume points', () => {
  it('behavior: the last timestamp and the trade ids sharing it; a cut last line is dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unifex-dl-'));
    const file = join(dir, 't.csv');
    writeFileSync(
      file,
      `${HEADERS.trades}\n1000,x,a,buy,1,1,1,,,\n2000,x,b,buy,1,1,1,,,\n2000,x,c,sell,1,1,1,,,\n3000,x,d,bu`,
    );
    const r = resumePoint(file, 'trades', 'csv')!;
    expect(r.last).toBe(2000);
    expect([...r.idsAtLast].sort()).toEqual(['b', 'c']);
    expect(readFileSync(file, 'utf8').endsWith('2000,x,c,sell,1,1,1,,,\n')).toBe(true);
    const jsonl = join(dir, 'o.jsonl');
    writeFileSync(jsonl, '[60000,1,2,0.5,1.5,10]\n[120000,1,2,0.5,1.5,10]\n');
    expect(resumePoint(jsonl, 'ohlcv', 'jsonl')!.last).toBe(120000);
    writeFileSync(file, 'something,else\n1,2\n');
    expect(() => resumePoint(file, 'trades', 'csv')).toThrow(/not a trades CSV/);
    expect(resumePoint(join(dir, 'none.csv'), 'ohlcv', 'csv')).toBeUndefined();
  });
});

describe('cli png', () => {
  it('default: CRC-32 agrees with node:zlib', () => {
    const data = new Uint8Array(1000).map((_, i) => (i * 7919) & 0xff);
    expect(crc32(data)).toBe(zlibCrc32(data));
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });
});
