/** Coinbase Exchange (coinbasepro, alias coinbaseexchange): signing, error mapping, input checks, paging. */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BadSymbol,
  DuplicateOrderId,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidAddress,
  InvalidNonce,
  InvalidOrder,
  NotSupported,
  OnMaintenance,
  OrderNotFound,
  PermissionDenied,
  RateLimitExceeded,
} from '../../src/core/errors.js';
import { Exchange } from '../../src/core/exchange.js';
import { UNIFIED_METHODS } from '../../src/core/spec.js';
import { coinbaseexchange, coinbasepro } from '../../src/exchanges/coinbasepro/coinbasepro.js';
import { createExchange } from '../../src/registry.js';

const SHARED = new URL('../../../shared/conformance/', import.meta.url);
const MARKETS = JSON.parse(readFileSync(new URL('markets/coinbaseexchange.json', SHARED), 'utf8')) as never;
const CURRENCIES = JSON.parse(readFileSync(new URL('currencies/coinbaseexchange.json', SHARED), 'utf8')) as never;

const NOW = 1_700_000_000_000;
const SECRET = 'ZGVtby1zZWNyZXQtZm9yLWNvaW5iYXNlLWV4Y2hhbmdlLXNpZ25pbmctdGVzdHM=';
const CREDS = { apiKey: 'cb-key-0123456789', secret: SECRET, password: 'cb-passphrase-xyz' };

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}
type Reply = { status?: number; body: unknown; headers?: Record<string, string> };

/** An exchange whose fetch records every request and answers from `route` (by url), without any network. */
function make(route: (req: Sent) => Reply = () => ({ body: {} }), config: Record<string, unknown> = {}) {
  const sent: Sent[] = [];
  const fetch = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    const req: Sent = { url, method: init.method, headers: init.headers, body: init.body };
    sent.push(req);
    const r = route(req);
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return {
      status: r.status ?? 200,
      statusText: '',
      headers: new Headers({ 'content-type': 'application/json', ...r.headers }),
      text: async () => text,
    };
  };
  const ex = new coinbasepro({ ...CREDS, enableRateLimit: false, now: () => NOW, fetch: fetch as never, ...config });
  ex.setMarkets(MARKETS, CURRENCIES);
  return { ex, sent };
}

/** Reference signer written from the docs, independent of the implementation. */
function docSignature(secret: string, prehash: string): string {
  return createHmac('sha256', Buffer.from(secret, 'base64')).update(prehash).digest('base64');
}

describe('coinbasepro: signing', () => {
  it('default: POST signs timestamp + method + path + body with the base64-decoded secret', () => {
    const ex = new coinbasepro({ ...CREDS, now: () => NOW });
    const body = JSON.stringify({ price: '1.0', size: '1.0', side: 'buy', product_id: 'BTC-USD' });
    const signed = ex.sign('orders', 'private', 'POST', {
      price: '1.0',
      size: '1.0',
      side: 'buy',
      product_id: 'BTC-USD',
    });
    expect(signed.url).toBe('https://api.exchange.coinbase.com/orders');
    expect(signed.body).toBe(body);
    // The docs' Node example (secret decoded from base64, HMAC-SHA256, base64 digest), at a fixed clock.
    expect(signed.headers!['CB-ACCESS-SIGN']).toBe('A8Ja9JdRKebsvA8aVkmzGJH8Jw6yEZCy7H13O1zB0Jw=');
    expect(signed.headers!['CB-ACCESS-SIGN']).toBe(docSignature(SECRET, `1700000000POST/orders${body}`));
    expect(signed.headers).toMatchObject({
      'CB-ACCESS-KEY': CREDS.apiKey,
      'CB-ACCESS-TIMESTAMP': '1700000000',
      'CB-ACCESS-PASSPHRASE': CREDS.password,
      'Content-Type': 'application/json',
    });
  });

  it('behavior: a GET signs the path with its query string and sends no body', async () => {
    const { ex, sent } = make(() => ({ body: [] }));
    await ex.fetchMyTrades('BTC/USD', undefined, 2);
    expect(sent).toHaveLength(1);
    const req = sent[0]!;
    expect(req.url).toBe('https://api.exchange.coinbase.com/fills?product_id=BTC-USD&limit=2');
    expect(req.body).toBeUndefined();
    expect(req.headers['CB-ACCESS-SIGN']).toBe('eHlTM7sre3xVHNdq8htJTs0l2BdKlpy+c1vUtwxtJT4=');
    expect(req.headers['CB-ACCESS-SIGN']).toBe(docSignature(SECRET, '1700000000GET/fills?product_id=BTC-USD&limit=2'));
  });

  it('behavior: the order a createOrder sends is the one it signs', async () => {
    const { ex, sent } = make(() => ({ body: { id: 'x', product_id: 'BTC-USDT', status: 'pending' } }));
    await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.5, 35000);
    const req = sent[0]!;
    expect(req.method).toBe('POST');
    expect(JSON.parse(req.body!)).toEqual({
      type: 'limit',
      side: 'buy',
      product_id: 'BTC-USDT',
      price: '35000',
      size: '0.5',
    });
    expect(req.headers['CB-ACCESS-SIGN']).toBe(docSignature(SECRET, `1700000000POST/orders${req.body!}`));
  });

  it('behavior: a DELETE carries its parameters in the signed query', async () => {
    const { ex, sent } = make(() => ({ body: '"abc"' }));
    await ex.cancelOrder('abc', 'ETH/USDT');
    const req = sent[0]!;
    expect(req.method).toBe('DELETE');
    expect(req.url).toBe('https://api.exchange.coinbase.com/orders/abc?product_id=ETH-USDT');
    expect(req.body).toBeUndefined();
    expect(req.headers['CB-ACCESS-SIGN']).toBe(docSignature(SECRET, '1700000000DELETE/orders/abc?product_id=ETH-USDT'));
  });

  it('behavior: public endpoints are not signed', async () => {
    const { ex, sent } = make(() => ({ body: { iso: '2015-01-07T23:47:25.201Z', epoch: 1420674445.201 } }));
    await expect(ex.fetchTime()).resolves.toBe(1420674445201);
    expect(Object.keys(sent[0]!.headers).filter((h) => h.startsWith('CB-'))).toEqual([]);
  });

  it('error: the passphrase is required, nothing is sent without it', async () => {
    const { ex, sent } = make(() => ({ body: [] }), { password: undefined });
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
    expect(sent).toEqual([]);
  });

  it('error: a secret that is not base64 is rejected before sending', async () => {
    const { ex, sent } = make(() => ({ body: [] }), { secret: 'not base64 at all!' });
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
    expect(sent).toEqual([]);
  });

  it('behavior: secrets stay out of JSON, inspect and signed error messages', async () => {
    const { ex } = make(() => ({ status: 400, body: { message: `bad ${CREDS.password}` } }));
    for (const text of [JSON.stringify(ex), inspect(ex, { depth: 6, showHidden: true })]) {
      expect(text).not.toContain(CREDS.password);
      expect(text).not.toContain(SECRET);
    }
    const err = (await ex.fetchBalance().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ExchangeError);
    expect(err.message).not.toContain(CREDS.password);
  });

  it('behavior: sandbox mode points both sections at the sandbox host', async () => {
    const { ex, sent } = make(() => ({ body: [] }), { sandbox: true });
    await ex.fetchBalance();
    await ex.fetchMarkets();
    expect(sent.map((s) => new URL(s.url).host)).toEqual([
      'api-public.sandbox.exchange.coinbase.com',
      'api-public.sandbox.exchange.coinbase.com',
    ]);
  });
});

describe('coinbasepro: errors', () => {
  const cases: [string, number, unknown, new (...a: never[]) => Error][] = [
    ['Insufficient funds', 400, { message: 'Insufficient funds' }, InsufficientFunds],
    ['NotFound', 404, { message: 'NotFound' }, OrderNotFound],
    ['order already done', 400, { message: 'Order already done' }, OrderNotFound],
    ['invalid signature', 401, { message: 'invalid signature' }, AuthenticationError],
    ['Invalid Passphrase', 401, { message: 'Invalid Passphrase' }, AuthenticationError],
    ['size is too small', 400, { message: 'size is too small. Minimum size is 0.00100000' }, InvalidOrder],
    ['funds is too accurate', 400, { message: 'funds is too accurate. Smallest unit is 0.01000000' }, InvalidOrder],
    ['rate limit', 429, { message: 'Private rate limit exceeded' }, RateLimitExceeded],
    ['cancel only', 400, { message: 'Cancel only mode' }, OnMaintenance],
    ['expired timestamp', 400, { message: 'request timestamp expired' }, InvalidNonce],
    ['duplicate client oid', 400, { message: 'Duplicate client_oid' }, DuplicateOrderId],
    ['unknown product', 404, { message: 'Product not found' }, BadSymbol],
    ['pair not available', 403, { message: 'Trading pair not available' }, PermissionDenied],
    ['bad address', 400, { message: 'invalid crypto_address' }, InvalidAddress],
  ];
  for (const [name, status, body, cls] of cases) {
    it(`error: ${name} -> ${cls.name}`, async () => {
      const { ex } = make(() => ({ status, body }));
      await expect(ex.fetchBalance()).rejects.toBeInstanceOf(cls);
    });
  }

  it('error: an unknown message on a 400 is an ExchangeError, not a subclass', async () => {
    const { ex } = make(() => ({ status: 400, body: { message: 'something entirely new' } }));
    const err = await ex.fetchBalance().catch((e: unknown) => e);
    expect((err as Error).constructor).toBe(ExchangeError);
  });

  it('error: an unknown message keeps the meaning of 401 and 5xx statuses', async () => {
    const a = make(() => ({ status: 401, body: { message: 'who are you' } }));
    await expect(a.ex.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
    const b = make(() => ({ status: 502, body: { message: 'upstream' } }));
    await expect(b.ex.fetchBalance()).rejects.toBeInstanceOf(ExchangeNotAvailable);
  });

  it('error: a 200 body that is only a message is an error', async () => {
    const { ex } = make(() => ({ status: 200, body: { message: 'Insufficient funds' } }));
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(InsufficientFunds);
  });

  it('behavior: a 200 body with an empty message field is data', async () => {
    const { ex } = make(() => ({ body: [{ id: 'BTC', name: 'Bitcoin', status: 'online', message: '' }] }));
    await expect(ex.fetchCurrencies()).resolves.toHaveProperty('BTC');
  });
});

describe('coinbasepro: inputs rejected before any request', () => {
  it('error: bad symbol', async () => {
    const { ex, sent } = make();
    await expect(ex.fetchTicker('NOPE/USD')).rejects.toBeInstanceOf(BadSymbol);
    await expect(ex.createOrder('NOPE/USD', 'limit', 'buy', 1, 1)).rejects.toBeInstanceOf(BadSymbol);
    await expect(ex.fetchMyTrades('NOPE/USD')).rejects.toBeInstanceOf(BadSymbol);
    expect(sent).toEqual([]);
  });

  it('error: invalid orders', async () => {
    const { ex, sent } = make();
    for (const amount of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', amount, 100)).rejects.toBeInstanceOf(InvalidOrder);
    }
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 1)).rejects.toBeInstanceOf(ArgumentsRequired);
    await expect(ex.createOrder('BTC/USDT', 'stop', 'buy', 1, 100)).rejects.toBeInstanceOf(InvalidOrder);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'hold' as never, 1, 100)).rejects.toBeInstanceOf(InvalidOrder);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'sell', 1, 100, { triggerPrice: -5 })).rejects.toBeInstanceOf(
      InvalidOrder,
    );
    // Below the amount tick: truncates to zero.
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.000000001, 100)).rejects.toBeInstanceOf(InvalidOrder);
    expect(sent).toEqual([]);
  });

  it('error: required arguments', async () => {
    const { ex, sent } = make();
    await expect(ex.fetchMyTrades()).rejects.toBeInstanceOf(ArgumentsRequired);
    await expect(ex.fetchLedger()).rejects.toBeInstanceOf(ArgumentsRequired);
    await expect(ex.fetchOHLCV('BTC/USDT', '2h')).rejects.toBeInstanceOf(BadRequest);
    await expect(ex.withdraw('BTC', 1, '')).rejects.toBeInstanceOf(InvalidAddress);
    await expect(ex.withdraw('BTC', 1, 'bc1q xyz')).rejects.toBeInstanceOf(InvalidAddress);
    await expect(ex.withdraw('BTC', 0, 'bc1qxyz')).rejects.toBeInstanceOf(InvalidOrder);
    await expect(ex.withdraw('NOPE', 1, 'bc1qxyz')).rejects.toBeInstanceOf(BadRequest);
    expect(sent).toEqual([]);
  });
});

describe('coinbasepro: requests and answers', () => {
  it('behavior: the alias coinbaseexchange is the same class, also through the registry', async () => {
    expect(coinbaseexchange).toBe(coinbasepro);
    const ex = await createExchange('coinbaseexchange');
    expect(ex).toBeInstanceOf(coinbasepro);
    expect(ex.id).toBe('coinbasepro');
  });

  it('behavior: has is true exactly for the methods the class implements', () => {
    const ex = new coinbasepro();
    const base = Exchange.prototype as unknown as Record<string, unknown>;
    const proto = coinbasepro.prototype as unknown as Record<string, unknown>;
    for (const m of UNIFIED_METHODS) expect(ex.has[m] === true, m).toBe(proto[m] !== base[m]);
    expect(ex.has.spot).toBe(true);
    expect(ex.has.swap).toBe(false);
    expect(ex.has.sandbox).toBe(true);
  });

  it('error: editOrder is not supported and sends nothing', async () => {
    const { ex, sent } = make();
    await expect(ex.editOrder('1', 'BTC/USDT', 'limit', 'buy', 1, 1)).rejects.toBeInstanceOf(NotSupported);
    expect(sent).toEqual([]);
  });

  it('behavior: loadMarkets reads currencies then products and maps CGLD to CELO', async () => {
    const sent: string[] = [];
    const fetch = async (url: string) => {
      sent.push(url);
      const body = url.endsWith('/currencies')
        ? [{ id: 'CGLD', name: 'Celo', status: 'online', max_precision: '0.01', details: { type: 'crypto' } }]
        : [
            {
              id: 'CGLD-USD',
              base_currency: 'CGLD',
              quote_currency: 'USD',
              quote_increment: '0.001',
              base_increment: '0.01',
              min_market_funds: '1',
              status: 'online',
            },
          ];
      return { status: 200, headers: new Headers(), text: async () => JSON.stringify(body) };
    };
    const ex = new coinbasepro({ enableRateLimit: false, fetch: fetch as never });
    const markets = await ex.loadMarkets();
    expect(sent.map((u) => new URL(u).pathname)).toEqual(['/currencies', '/products']);
    expect(Object.keys(markets)).toEqual(['CELO/USD']);
    expect(markets['CELO/USD']).toMatchObject({
      id: 'CGLD-USD',
      baseId: 'CGLD',
      base: 'CELO',
      precision: { price: 0.001 },
    });
    expect(ex.currencies['CELO']?.id).toBe('CGLD');
  });

  it('behavior: fetchTicker completes /ticker with the 24h /stats', async () => {
    const { ex, sent } = make((req) =>
      req.url.endsWith('/stats')
        ? {
            body: {
              open: '36000',
              high: '37500',
              low: '35800',
              last: '37000',
              volume: '1234.5',
              volume_30day: '40000',
            },
          }
        : {
            body: {
              trade_id: 1,
              price: '37000.5',
              size: '0.01',
              time: '2023-11-14T22:13:20.000Z',
              bid: '37000',
              ask: '37001',
              volume: '1234.5',
            },
          },
    );
    const t = await ex.fetchTicker('BTC/USDT');
    expect(sent.map((s) => new URL(s.url).pathname)).toEqual(['/products/BTC-USDT/ticker', '/products/BTC-USDT/stats']);
    expect(t).toMatchObject({
      symbol: 'BTC/USDT',
      open: 36000,
      high: 37500,
      low: 35800,
      last: 37000.5,
      bid: 37000,
      ask: 37001,
      baseVolume: 1234.5,
      change: 1000.5,
      timestamp: NOW,
    });
    expect(t.percentage).toBeCloseTo(2.779166666, 6);
  });

  it('behavior: fetchTicker with fetchTickerStats off makes one request', async () => {
    const { ex, sent } = make(() => ({ body: { price: '1', time: '2023-11-14T22:13:20.000Z' } }), {
      options: { fetchTickerStats: false },
    });
    await ex.fetchTicker('BTC/USDT');
    expect(sent).toHaveLength(1);
  });

  it('args: since windows the candles; rows are reordered and sorted', async () => {
    const { ex, sent } = make(() => ({
      body: [
        [1700006400, '1', '4', '2', '3', '10'],
        [1700002800, '5', '8', '6', '7', '20'],
      ],
    }));
    const rows = await ex.fetchOHLCV('BTC/USDT', '1h', 1700002800000, 2);
    const q = new URL(sent[0]!.url).searchParams;
    expect(q.get('granularity')).toBe('3600');
    expect(q.get('start')).toBe('2023-11-14T23:00:00.000Z');
    // On a boundary the end candle counts: two candles end one hour later.
    expect(q.get('end')).toBe('2023-11-15T00:00:00.000Z');
    expect(rows).toEqual([
      [1700002800000, 6, 8, 5, 7, 20],
      [1700006400000, 2, 4, 1, 3, 10],
    ]);
  });

  it('args: since filters public trades and limit keeps the oldest from it', async () => {
    const { ex } = make(() => ({
      body: [
        { trade_id: 3, side: 'buy', size: '1', price: '3', time: '2023-11-14T22:13:30.000Z' },
        { trade_id: 2, side: 'sell', size: '1', price: '2', time: '2023-11-14T22:13:20.000Z' },
        { trade_id: 1, side: 'buy', size: '1', price: '1', time: '2023-11-14T22:13:10.000Z' },
      ],
    }));
    const trades = await ex.fetchTrades('BTC/USDT', NOW, 1);
    expect(trades.map((t) => [t.id, t.side])).toEqual([['2', 'buy']]);
    const latest = await ex.fetchTrades('BTC/USDT', undefined, 2);
    expect(latest.map((t) => t.id)).toEqual(['2', '3']);
  });

  it('behavior: paginates fills along CB-AFTER until a page is empty', async () => {
    const pages: Record<string, Reply> = {
      '': { body: [fill(30, '2023-11-14T22:00:30Z'), fill(29, '2023-11-14T22:00:29Z')], headers: { 'cb-after': '29' } },
      '29': { body: [fill(28, '2023-11-14T22:00:28Z')], headers: { 'cb-after': '28' } },
      '28': { body: [], headers: {} },
    };
    const { ex, sent } = make((req) => pages[new URL(req.url).searchParams.get('after') ?? '']!);
    const trades = await ex.fetchMyTrades('BTC/USDT', undefined, undefined, { paginate: true });
    expect(sent.map((s) => new URL(s.url).searchParams.get('after'))).toEqual([null, '29', '28']);
    expect(new URL(sent[0]!.url).searchParams.get('limit')).toBe('1000');
    expect(new URL(sent[0]!.url).searchParams.has('paginate')).toBe(false);
    expect(trades.map((t) => t.id)).toEqual(['28', '29', '30']);
    // Each page is signed for its own query.
    for (const s of sent) {
      const u = new URL(s.url);
      expect(s.headers['CB-ACCESS-SIGN']).toBe(docSignature(SECRET, `1700000000GET${u.pathname}${u.search}`));
    }
  });

  it('behavior: paginating stops at the limit and at items older than since', async () => {
    const older = { body: [fill(10, '2023-11-14T20:00:00Z')], headers: { 'cb-after': '10' } };
    const first = {
      body: [fill(12, '2023-11-14T22:30:00Z'), fill(11, '2023-11-14T22:20:00Z')],
      headers: { 'cb-after': '11' },
    };
    const a = make((req) => (new URL(req.url).searchParams.get('after') === null ? first : older));
    const byLimit = await a.ex.fetchMyTrades('BTC/USDT', undefined, 2, { paginate: true });
    expect(a.sent).toHaveLength(1);
    expect(byLimit.map((t) => t.id)).toEqual(['11', '12']);
    const b = make((req) => (new URL(req.url).searchParams.get('after') === null ? first : older));
    const bySince = await b.ex.fetchMyTrades('BTC/USDT', NOW, undefined, { paginate: true });
    expect(b.sent).toHaveLength(2);
    expect(bySince.map((t) => t.id)).toEqual(['11', '12']);
  });

  it('behavior: without paginate one page is read even when a cursor comes back', async () => {
    const { ex, sent } = make(() => ({ body: [fill(5, '2023-11-14T22:00:00Z')], headers: { 'cb-after': '5' } }));
    await ex.fetchMyTrades('BTC/USDT');
    expect(sent).toHaveLength(1);
  });

  it('behavior: cancel answers are bare JSON strings', async () => {
    const { ex } = make(() => ({ body: '"d50ec984-77a8-460a-b958-66f114b0de9b"' }));
    const order = await ex.cancelOrder('d50ec984-77a8-460a-b958-66f114b0de9b', 'BTC/USDT');
    expect(order).toMatchObject({ id: 'd50ec984-77a8-460a-b958-66f114b0de9b', status: 'canceled', symbol: 'BTC/USDT' });
  });

  it('behavior: a deposit address is generated on the Coinbase wallet of the currency', async () => {
    const { ex, sent } = make((req) =>
      req.method === 'GET'
        ? {
            body: [
              { id: 'w-usdt', currency: 'USDT', name: 'USDT Wallet' },
              { id: 'w-btc', currency: 'BTC', name: 'BTC Wallet' },
            ],
          }
        : { body: { id: 'a1', address: 'bc1qexample', network: 'bitcoin', address_info: { address: 'bc1qexample' } } },
    );
    const a = await ex.fetchDepositAddress('BTC');
    expect(a).toMatchObject({ currency: 'BTC', address: 'bc1qexample', network: 'BTC' });
    expect(sent.map((s) => `${s.method} ${new URL(s.url).pathname}`)).toEqual([
      'GET /coinbase-accounts',
      'POST /coinbase-accounts/w-btc/addresses',
    ]);
    // The wallet list is kept: the next address skips it.
    await ex.createDepositAddress('USDT');
    expect(sent.map((s) => `${s.method} ${new URL(s.url).pathname}`).slice(2)).toEqual([
      'POST /coinbase-accounts/w-usdt/addresses',
    ]);
  });

  it('behavior: a transfer without a currency takes it from its account', async () => {
    const { ex } = make((req) =>
      new URL(req.url).pathname === '/accounts'
        ? { body: [{ id: 'acc-eth', currency: 'ETH', balance: '1', hold: '0', available: '1' }] }
        : {
            body: [
              {
                id: 't1',
                type: 'deposit',
                account_id: 'acc-eth',
                amount: '0.5',
                created_at: '2023-11-14T22:00:00Z',
                completed_at: '2023-11-14T22:10:00Z',
                details: { network: 'ethereum' },
              },
            ],
          },
    );
    const [t] = await ex.fetchDeposits();
    expect(t).toMatchObject({ currency: 'ETH', amount: 0.5, status: 'ok', network: 'ETH', type: 'deposit' });
  });

  it('behavior: fetchDeposits for a code reads that account transfers', async () => {
    const { ex, sent } = make((req) =>
      new URL(req.url).pathname === '/accounts' ? { body: [{ id: 'acc-btc', currency: 'BTC' }] } : { body: [] },
    );
    await ex.fetchDeposits('BTC', undefined, 5);
    expect(sent.map((s) => new URL(s.url).pathname + new URL(s.url).search)).toEqual([
      '/accounts',
      '/accounts/acc-btc/transfers?type=deposit&limit=5',
    ]);
  });
});

function fill(id: number, time: string) {
  return {
    created_at: time,
    trade_id: id,
    product_id: 'BTC-USDT',
    order_id: `o-${id}`,
    liquidity: 'T',
    price: '37000',
    size: '0.001',
    fee: '0.222',
    side: 'buy',
    settled: true,
  };
}
