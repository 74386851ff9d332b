/**
 * `unifex` as a user runs it: a subprocess, output read back. Market data comes from the recorded Kraken
 * cassette (--cassette) or a local Kraken (test/cli/helpers.ts); nothing leaves the machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASSETTE, ROOT, fakeKraken, tempDir, unifex, writeJson, type FakeKraken } from './helpers.js';

const C = ['--cassette', CASSETTE];

describe.concurrent('unifex exchanges', () => {
  it('default: docs/exchanges.md is the output of `unifex exchanges --format md`', async () => {
    const r = await unifex(['exchanges', '--format', 'md']);
    expect(r.code).toBe(0);
    const file = readFileSync(join(ROOT, 'docs/exchanges.md'), 'utf8');
    // Regenerate with: npx tsx src/cli/main.ts exchanges --format md > docs/exchanges.md
    expect(file).toBe(r.stdout);
  });

  it('default: JSON lists the 124 catalog exchanges with what unifex implements', async () => {
    const r = await unifex(['exchanges', '--format', 'json']);
    const rows = JSON.parse(r.stdout) as Record<string, any>[];
    expect(rows).toHaveLength(124);
    const kraken = rows.find((x) => x['id'] === 'kraken')!;
    expect(kraken).toMatchObject({ name: 'Kraken', version: '0', status: 'alive', rest: true, ws: true });
    expect(kraken['docs']).toMatch(/^https:\/\/docs\.kraken\.com/);
    expect(rows.find((x) => x['id'] === 'coinbasepro')!['aliases']).toEqual(['coinbaseexchange']);
    expect(rows.filter((x) => x['rest'] === true).map((x) => x['id'])).toEqual(
      expect.arrayContaining(['binance', 'bitstamp', 'coinbasepro', 'kraken']),
    );
    for (const row of rows) expect(Object.keys(row)).toEqual(expect.arrayContaining(['id', 'name', 'status', 'api']));
  });

  it("default: --format json carries each exchange's docs url beside its API base", async () => {
    const r = await unifex(['exchanges', '--format', 'json']);
    const rows = JSON.parse(r.stdout) as Record<string, any>[];
    const byId = new Map(rows.map((x) => [x['id'] as string, x]));
    expect(byId.get('binance')!['docs']).toBe('https://developers.binance.com/en');
    expect(byId.get('binance')!['api']).toMatch(/^https:\/\/api\.binance\.com\/api\/v3/);
    expect(byId.get('kraken')!['docs']).toBe('https://docs.kraken.com/api-reference/');
    // closed exchanges keep the url of the last CCXT file that had them
    expect(byId.get('acx')).toMatchObject({ status: 'defunct', docs: 'https://acx.io/documents/api_v2' });
    for (const row of rows) expect(row['docs']).toMatch(/^https?:\/\/\S+$/);
    const md = await unifex(['exchanges', '--format', 'md']);
    expect(md.stdout).toContain('| [acx.io](https://acx.io/documents/api_v2) | `https://acx.io/api/v2` |');
    const t = await unifex(['exchanges', '--table']);
    expect(t.stdout.split('\n').find((l) => l.startsWith('kraken '))).toMatch(
      /\shttps:\/\/docs\.kraken\.com\/api-reference\/$/,
    );
  });

  it('behavior: JSON when piped, a table with --table, reStructuredText with --format rst', async () => {
    const piped = await unifex(['exchanges']);
    expect(JSON.parse(piped.stdout)).toHaveLength(124);
    const t = await unifex(['exchanges', '--table']);
    const lines = t.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+name\s+API\s+status\s+REST\s+websocket\s+docs$/);
    expect(lines.find((l) => l.startsWith('kraken '))).toMatch(/Kraken\s+0\s+alive\s+implemented\s+implemented/);
    expect(t.stdout).toMatch(/124 exchanges: 42 alive/);
    expect(t.stdout).not.toContain('\x1b['); // no colours when not a terminal
    const rst = await unifex(['exchanges', '--format', 'rst']);
    expect(rst.stdout).toContain('.. list-table::');
    expect(rst.stdout.match(/^ {3}\* - /gm)).toHaveLength(125);
    const bad = await unifex(['exchanges', '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be table, md, rst or json/);
  });
});

describe.concurrent('unifex <exchange> <method>', () => {
  it('default: a ticker as a table for people and as JSON for pipes', async () => {
    const t = await unifex(['kraken', 'fetchTicker', 'BTC/USD', ...C, '--table']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^symbol\s+BTC\/USD$/m);
    expect(t.stdout).toMatch(/^last\s+30303\.2$/m);
    expect(t.stdout).toMatch(/^spread\s+0\.1$/m);
    expect(t.stdout).toMatch(/^change\s+-199\.6 {2}\(-0\.65%\)$/m);
    const j = await unifex(['kraken', 'fetchTicker', 'BTC/USD', ...C]);
    expect(JSON.parse(j.stdout)).toMatchObject({ symbol: 'BTC/USD', last: 30303.2, bid: 30300, ask: 30300.1 });
  });

  it('default: order book, trades, candles and markets as tables; shorthand method names', async () => {
    const book = await unifex(['kraken', 'orderbook', 'BTC/USD', '3', ...C, '--table']);
    expect(book.code).toBe(0);
    expect(book.stdout.split('\n')[0]).toBe('BTC/USD  spread 87.1  mid 30340.55');
    expect(book.stdout).toMatch(/1\.115\s+1\.115\s+30297\s+30384\.1\s+2\.059\s+2\.059/);
    expect(book.stdout).toMatch(/8\.118\s+5\.001\s+30289\.8\s+30393\.7\s+9\.871\s+13\.43/);
    const trades = await unifex(['kraken', 'fetchTrades', 'BTC/USD', ...C, '--table']);
    expect(trades.stdout).toMatch(/2023-07-06 18:53:17\s+buy\s+30243\.4\s+0\.34507674/);
    const candles = await unifex(['kraken', 'fetchOHLCV', 'BTC/USD', '1m', ...C, '--table']);
    expect(candles.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^time\s+open\s+high\s+low\s+close\s+volume$/),
      expect.stringMatching(/^2023-07-06 19:20:00\s+30306\.1\s+30306\.2\s+30305\.7\s+30305\.7\s+3\.39243896$/),
      expect.stringMatching(/^2023-07-06 19:21:00/),
      expect.stringMatching(/^2023-07-06 19:22:00/),
    ]);
    const markets = await unifex(['kraken', 'markets', ...C, '--table']);
    expect(markets.stdout).toMatch(/BTC\/USD\s+XXBTZUSD\s+spot\s+yes\s+0\.1\s+0\.00000001\s+0\.0001/);
  });

  it('behavior: colours only on request or on a terminal; NO_COLOR wins', async () => {
    const colored = await unifex(['kraken', 'fetchTicker', 'BTC/USD', ...C, '--table', '--color']);
    expect(colored.stdout).toContain('\x1b[31m30300.1');
    const none = await unifex(['kraken', 'fetchTicker', 'BTC/USD', ...C, '--table', '--color'], {
      env: { NO_COLOR: '1' },
    });
    expect(none.stdout).not.toContain('\x1b[');
  });

  it('failure: unknown exchanges, methods, symbols and options get suggestions and usage exit codes', async () => {
    const ex = await unifex(['krakn', 'fetchTicker', 'BTC/USD']);
    expect(ex.code).toBe(2);
    expect(ex.stderr).toMatch(/unknown exchange krakn \(did you mean kraken\?\)/);
    expect(ex.stdout).toBe('');
    const notYet = await unifex(['bitfinex', 'fetchTicker', 'BTC/USD']);
    expect(notYet.code).toBe(9);
    expect(notYet.stderr).toMatch(/NotSupported: bitfinex \(Bitfinex, alive\) is in the catalog but not implemented/);
    const method = await unifex(['kraken', 'fetchTikcer', 'BTC/USD', ...C]);
    expect(method.code).toBe(2);
    expect(method.stderr).toMatch(/unknown method fetchTikcer \(did you mean fetchTicker/);
    const symbol = await unifex(['kraken', 'fetchTicker', 'BTC/USDD', ...C]);
    expect(symbol.code).toBe(3);
    expect(symbol.stderr).toMatch(/BadSymbol: kraken has no market BTC\/USDD \(did you mean BTC\/USD\?\)/);
    const option = await unifex(['kraken', 'fetchTicker', 'BTC/USD', '--jsn']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/unknown option --jsn \(did you mean --json\?\)/);
    const args = await unifex(['kraken', 'fetchTicker', ...C]);
    expect(args.code).toBe(2);
    expect(args.stderr).toMatch(/usage: fetchTicker <symbol> \[params\]/);
  });

  it('failure: exit codes follow the error class (network 6, authentication 4)', async () => {
    // not in the cassette: refused like a dead connection
    const net = await unifex(['kraken', 'fetchTime', ...C]);
    expect(net.code).toBe(6);
    expect(net.stderr).toMatch(/NetworkError: .*ECONNREFUSED/);
    const auth = await unifex(['kraken', 'fetchBalance', ...C]);
    expect(auth.code).toBe(4);
    expect(auth.stderr).toMatch(/AuthenticationError: kraken requires "apiKey" credential/);
    expect(auth.stderr).toMatch(
      /set UNIFEX_KRAKEN_API_KEY, UNIFEX_KRAKEN_SECRET or \{"kraken": \{"apiKey": "...", "secret": "..."\}\} in the config file/,
    );
  });

  it('behavior: credentials come from the environment or the config file and are never printed', async () => {
    const key = 'Kk3yAAAABBBBCCCCDDDD';
    const secret = Buffer.from('the-very-secret-secret-of-this-test').toString('base64');
    const r = await unifex(['kraken', 'fetchBalance', ...C, '--verbose'], {
      env: { UNIFEX_KRAKEN_API_KEY: key, UNIFEX_KRAKEN_SECRET: secret },
    });
    // the signed request is made (and refused by the cassette): credentials were used
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/credentials: apiKey from UNIFEX_KRAKEN_API_KEY, secret from UNIFEX_KRAKEN_SECRET/);
    expect(r.stderr).toMatch(/request POST .*\/0\/private\/BalanceEx/);
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(key);
      expect(out).not.toContain(secret);
    }
    const dir = tempDir();
    const config = writeJson(join(dir, 'config.json'), { kraken: { apiKey: key, secret } });
    const viaFile = await unifex(['kraken', 'fetchBalance', ...C, '--verbose', '--config', config]);
    expect(viaFile.code).toBe(6);
    expect(viaFile.stderr).toContain(`apiKey from config file ${config}`);
    expect(viaFile.stderr).toMatch(/readable by others \(chmod 600/);
    for (const out of [viaFile.stdout, viaFile.stderr]) {
      expect(out).not.toContain(key);
      expect(out).not.toContain(secret);
    }
  });

  it('behavior: --param and JSON params reach the method, typed (seen in --verbose)', async () => {
    const r = await unifex([
      'kraken',
      'fetchOHLCV',
      'BTC/USD',
      '5m',
      '2023-07-06T19:20Z',
      '2',
      '{"a":"x"}',
      '--param',
      'b=2',
      '-p',
      'c="3"',
      ...C,
      '--verbose',
    ]);
    expect(r.stderr).toContain('kraken.fetchOHLCV("BTC/USD", "5m", 1688671200000, 2, {"a":"x","b":2,"c":"3"})');
  });

  it('default: help for the command, for an exchange and for a method; --version', async () => {
    const help = await unifex(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/unifex <exchange> download ohlcv\|trades/);
    const none = await unifex([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^unifex \d+\.\d+\.\d+/);
    const ex = await unifex(['kraken', '--help']);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toMatch(/^ {2}fetchOHLCV <symbol> \[timeframe\] \[since\] \[limit\] \[params\]$/m);
    expect(ex.stdout).toMatch(/Watch: orderbook, trades, ticker/);
    const m = await unifex(['kraken', 'createorder', '--help']);
    expect(m.stdout.trim()).toBe('unifex kraken createOrder <symbol> <type> <side> <amount> [price] [params]');
    const v = await unifex(['--version']);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });
});

describe('unifex --record / --cassette', () => {
  let venue: FakeKraken;
  beforeAll(async () => {
    venue = await fakeKraken();
  });
  afterAll(() => venue.close());

  it('behavior: a recorded session replays offline', async () => {
    const dir = tempDir();
    const config = writeJson(join(dir, 'config.json'), venue.config());
    const file = join(dir, 'session.json');
    const live = await unifex(['kraken', 'fetchTicker', 'BTC/USD', '--config', config, '--record', file]);
    expect(live.code).toBe(0);
    const cassette = JSON.parse(readFileSync(file, 'utf8')) as { interactions: { url: string }[] };
    expect(cassette.interactions.map((i) => new URL(i.url).pathname)).toEqual([
      '/0/public/Assets',
      '/0/public/AssetPairs',
      '/0/public/Ticker',
    ]);
    const before = venue.requests.length;
    const offline = await unifex(['kraken', 'fetchTicker', 'BTC/USD', '--config', config, '--cassette', file]);
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.stdout)).toEqual(JSON.parse(live.stdout));
    expect(venue.requests.length).toBe(before);
  });
});

describe('the built command', () => {
  const bin = join(ROOT, 'dist/cli/main.js');
  it.skipIf(!existsSync(bin))('default: dist/cli/main.js is executable with a node shebang and runs', () => {
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ unifex: './dist/cli/main.js' });
    const out = execFileSync(bin, ['kraken', 'fetchTicker', 'BTC/USD', ...C], { encoding: 'utf8' });
    expect(JSON.parse(out)).toMatchObject({ symbol: 'BTC/USD', last: 30303.2 });
  });
});
