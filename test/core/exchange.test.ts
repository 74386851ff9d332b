/** The base class on its own: markets, precision, nonces, config merging, sandbox, proxy. */
import { createServer as createNetServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequest, BadSymbol, ExchangeError, InvalidOrder, NotSupported } from '../../src/core/errors.js';
import type { Market } from '../../src/core/types.js';
import { startServer, type LocalServer } from '../helpers/server.js';
import { toy } from '../helpers/toy.js';

const market = (over: Partial<Market>): Market => ({
  id: 'BTCUSD',
  symbol: 'BTC/USD',
  base: 'BTC',
  quote: 'USD',
  baseId: 'XBT',
  quoteId: 'ZUSD',
  type: 'spot',
  spot: true,
  margin: false,
  swap: false,
  future: false,
  option: false,
  active: true,
  contract: false,
  precision: { amount: 0.0001, price: 0.5 },
  limits: {},
  info: {},
  ...over,
});

describe('markets', () => {
  it('default: setMarkets builds symbol, id and currency maps', () => {
    const ex = new toy();
    ex.setMarkets([market({}), market({ id: 'ETHUSD', symbol: 'ETH/USD', base: 'ETH', baseId: 'XETH' })]);
    expect(ex.symbols).toEqual(['BTC/USD', 'ETH/USD']);
    expect(ex.market('BTC/USD').id).toBe('BTCUSD');
    expect(ex.marketId('ETH/USD')).toBe('ETHUSD');
    expect(ex.safeSymbol('ETHUSD')).toBe('ETH/USD');
    expect(ex.safeCurrencyCode('XBT')).toBe('BTC');
    expect(ex.codes).toEqual(['BTC', 'ETH', 'USD']);
  });

  it('behavior: markets from JSON without precision or limits still load', () => {
    const ex = new toy();
    const bare = { ...market({}) } as Partial<Market>;
    delete bare.precision;
    delete bare.limits;
    expect(() => ex.setMarkets([bare as Market])).not.toThrow();
    expect(ex.codes).toEqual(['BTC', 'USD']);
  });

  it('error: bad symbol', () => {
    const ex = new toy();
    ex.setMarkets([market({})]);
    expect(() => ex.market('DOGE/USD')).toThrow(BadSymbol);
    expect(() => ex.currency('DOGE')).toThrow(BadRequest);
  });

  it('error: markets not loaded', () => {
    expect(() => new toy().market('BTC/USD')).toThrow(ExchangeError);
  });

  it('behavior: unknown ids from a response still give a symbol', () => {
    const ex = new toy();
    ex.setMarkets([market({})]);
    expect(ex.safeSymbol('DOGE-USDT', undefined, '-')).toBe('DOGE/USDT');
    expect(ex.safeSymbol('WEIRD')).toBe('WEIRD');
  });

  it('behavior: loadMarkets is cached and deduplicated', async () => {
    let calls = 0;
    class counted extends toy {
      override async fetchMarkets(): Promise<Market[]> {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        return [market({})];
      }
    }
    const ex = new counted();
    await Promise.all([ex.loadMarkets(), ex.loadMarkets(), ex.loadMarkets()]);
    await ex.loadMarkets();
    expect(calls).toBe(1);
    await ex.loadMarkets(true);
    expect(calls).toBe(2);
  });
});

describe('precision', () => {
  const ex = new toy();
  ex.setMarkets([market({})]);

  it('default: amount truncates to the step, price rounds to the tick', () => {
    expect(ex.amountToPrecision('BTC/USD', 1.23456789)).toBe('1.2345');
    expect(ex.priceToPrecision('BTC/USD', 100.26)).toBe('100.5');
    expect(ex.priceToPrecision('BTC/USD', '100.24')).toBe('100');
    expect(ex.amountToPrecision('BTC/USD', '0.1')).toBe('0.1');
  });

  it('behavior: no float error', () => {
    // 0.1 + 0.2 style inputs stay exact.
    expect(ex.amountToPrecision('BTC/USD', 0.30000000000000004)).toBe('0.3');
    expect(ex.priceToPrecision('BTC/USD', 1e-7)).toBe('0');
  });

  it('error: amount below the step', () => {
    expect(() => ex.amountToPrecision('BTC/USD', 0.00001)).toThrow(InvalidOrder);
  });

  it('error: non-finite', () => {
    expect(() => ex.priceToPrecision('BTC/USD', Number.NaN)).toThrow(InvalidOrder);
    expect(() => ex.priceToPrecision('BTC/USD', 'abc')).toThrow(InvalidOrder);
  });
});

describe('nonce', () => {
  it('behavior: strictly increasing under concurrency and a stalled clock', async () => {
    const ex = new toy({ now: () => 1_000 });
    const nonces = await Promise.all(Array.from({ length: 1000 }, async () => ex.nonce()));
    expect(new Set(nonces).size).toBe(1000);
    for (let i = 1; i < nonces.length; i++) expect(nonces[i]!).toBeGreaterThan(nonces[i - 1]!);
  });
});

describe('config', () => {
  it('behavior: options and urls are deep-merged per instance', () => {
    const a = new toy({ options: { x: { y: 1 } } });
    const b = new toy();
    (a.options['x'] as Record<string, number>)['y'] = 2;
    expect(b.options['x']).toBeUndefined();
    expect(a.urls.api['public']).toBe('http://127.0.0.1:1/public');
  });

  it('error: sandbox without testnet urls', () => {
    expect(() => new toy().setSandboxMode(true)).toThrow(NotSupported);
  });

  it('behavior: has is generated from code', () => {
    const ex = new toy();
    expect(ex.has.fetchTicker).toBe(false);
    expect(ex.has.spot).toBe(true);
  });
});

describe('proxy', () => {
  let server: LocalServer;
  let proxyPort = 0;
  let tunnels = 0;
  const proxy = createNetServer((client: Socket) => {
    client.once('data', (head: Buffer) => {
      const m = /^CONNECT ([^:\s]+):(\d+)/.exec(head.toString());
      if (m === null) return client.destroy();
      tunnels++;
      const upstream = connect(Number(m[2]), m[1]!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
  });

  beforeAll(async () => {
    server = await startServer();
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyPort = (proxy.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await server.close();
    await new Promise<void>((r) => proxy.close(() => r()));
  });

  it('behavior: httpsProxy routes requests through the proxy', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"via":"proxy"}');
    });
    const ex = new toy({ base: server.url, httpsProxy: `http://127.0.0.1:${proxyPort}`, enableRateLimit: false });
    await expect(ex.publicGetPing()).resolves.toEqual({ via: 'proxy' });
    expect(tunnels).toBeGreaterThan(0);
  });
});
