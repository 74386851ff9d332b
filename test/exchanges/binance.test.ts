import { generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AccountSuspended,
  ArgumentsRequired,
  AuthenticationError,
  BadSymbol,
  DDoSProtection,
  DuplicateOrderId,
  ExchangeError,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  MarketClosed,
  NotSupported,
  OnMaintenance,
  OrderImmediatelyFillable,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
} from '../../src/core/errors.js';
import { binance } from '../../src/exchanges/binance/binance.js';

const FIXTURES = new URL('../../src/exchanges/binance/fixtures/', import.meta.url);
const markets = JSON.parse(readFileSync(new URL('markets/binance.json', FIXTURES), 'utf8')) as Record<string, never>;
const currencies = JSON.parse(readFileSync(new URL('currencies/binance.json', FIXTURES), 'utf8')) as Record<
  string,
  never
>;

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

interface Reply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Records every request; answers with the replies in turn (the last one repeats). */
function fakeFetch(...replies: Reply[]): {
  sent: Sent[];
  fetch: (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<unknown>;
} {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: async (url, init) => {
      sent.push({ url, method: init.method, headers: init.headers, body: init.body });
      const r = replies.length > 1 ? replies.shift()! : (replies[0] ?? { body: {} });
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      return {
        status: r.status ?? 200,
        statusText: 'OK',
        headers: new Headers({ 'content-type': 'application/json', ...r.headers }),
        text: async () => text,
      };
    },
  };
}

const ok = (body: unknown): Reply => ({ body });
const CREDS = { apiKey: 'test-api-key', secret: 'test-secret' };
const NOW = 1_700_000_000_000;

function make(fetch: unknown, config: Record<string, unknown> = {}): binance {
  const ex = new binance({ ...CREDS, enableRateLimit: false, fetch: fetch as never, now: () => NOW, ...config });
  ex.setMarkets(markets, currencies);
  return ex;
}

const query = (url: string): Record<string, string> => Object.fromEntries(new URL(url).searchParams);
const form = (body: string | undefined): Record<string, string> => Object.fromEntries(new URLSearchParams(body ?? ''));

afterEach(() => {
  vi.useRealTimers();
});

describe('binance', () => {
  describe('signature', () => {
    it('default: matches the HMAC example of the request-security docs', async () => {
      // https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security (SIGNED endpoint example)
      const f = fakeFetch(ok({}));
      const ex = new binance({
        apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A',
        secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j',
        now: () => 1499827319559,
        enableRateLimit: false,
        fetch: f.fetch as never,
        options: { recvWindow: 5000 },
      });
      await ex.privatePostOrder({
        symbol: 'LTCBTC',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTC',
        quantity: '1',
        price: '0.1',
      });
      const req = f.sent[0]!;
      expect(req.method).toBe('POST');
      expect(req.url).toBe('https://api.binance.com/api/v3/order');
      expect(req.body).toBe(
        'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559' +
          '&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71',
      );
      expect(req.headers['X-MBX-APIKEY']).toBe('vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A');
      expect(req.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    });

    it('behavior: GET and DELETE carry the signed query in the url, params before timestamp', async () => {
      const f = fakeFetch(ok({ balances: [] }), ok({ symbol: 'BTCUSDT', orderId: 1, status: 'CANCELED' }));
      const ex = make(f.fetch);
      await ex.fetchBalance();
      await ex.cancelOrder('1', 'BTC/USDT');
      expect(f.sent[0]!.method).toBe('GET');
      expect(f.sent[0]!.body).toBeUndefined();
      expect(f.sent[0]!.url).toMatch(
        /^https:\/\/api\.binance\.com\/api\/v3\/account\?recvWindow=10000&timestamp=1700000000000&signature=[0-9a-f]{64}$/,
      );
      expect(f.sent[1]!.method).toBe('DELETE');
      expect(query(f.sent[1]!.url)).toMatchObject({ symbol: 'BTCUSDT', orderId: '1', recvWindow: '10000' });
    });

    it('behavior: public endpoints are not signed and send no key; system/status inside sapi is public', async () => {
      const f = fakeFetch(ok({ serverTime: 1 }), ok({ status: 0, msg: 'normal' }));
      const ex = make(f.fetch);
      await ex.fetchTime();
      await ex.fetchStatus();
      for (const req of f.sent) {
        expect(req.url).not.toContain('signature=');
        expect(req.headers['X-MBX-APIKEY']).toBeUndefined();
      }
      expect(f.sent[1]!.url).toBe('https://api.binance.com/sapi/v1/system/status');
    });

    it('behavior: historicalTrades is public but sends the API key', async () => {
      const f = fakeFetch(ok([]));
      await make(f.fetch).fetchTrades('BTC/USDT', undefined, 10, { fetchTradesMethod: 'publicGetHistoricalTrades' });
      expect(f.sent[0]!.url).toBe('https://api.binance.com/api/v3/historicalTrades?symbol=BTCUSDT&limit=10');
      expect(f.sent[0]!.headers['X-MBX-APIKEY']).toBe(CREDS.apiKey);
    });

    it('behavior: an Ed25519 PEM secret signs with Ed25519, base64, url-escaped', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const f = fakeFetch(ok({ balances: [] }));
      const ex = make(f.fetch, { secret: pem });
      await ex.fetchBalance();
      const url = f.sent[0]!.url;
      const signedPart = url.slice(url.indexOf('?') + 1, url.indexOf('&signature='));
      const signature = decodeURIComponent(url.slice(url.indexOf('&signature=') + '&signature='.length));
      expect(signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(verify(null, Buffer.from(signedPart), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    });

    it('behavior: an RSA PEM secret signs with RSA-SHA256', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const f = fakeFetch(ok({ balances: [] }));
      await make(f.fetch, { secret: pem }).fetchBalance();
      const url = f.sent[0]!.url;
      const signedPart = url.slice(url.indexOf('?') + 1, url.indexOf('&signature='));
      const signature = decodeURIComponent(url.slice(url.indexOf('&signature=') + '&signature='.length));
      expect(verify('sha256', Buffer.from(signedPart), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    });

    it('args: recvWindow from params overrides the option; timeDifference shifts the timestamp', async () => {
      const f = fakeFetch(ok({ balances: [] }));
      const ex = make(f.fetch, { options: { timeDifference: 1500 } });
      await ex.fetchBalance({ recvWindow: 3000 });
      expect(query(f.sent[0]!.url)).toMatchObject({ recvWindow: '3000', timestamp: String(NOW - 1500) });
    });
  });

  describe('errors', () => {
    const cases: [string, number, unknown, new (...a: never[]) => Error][] = [
      ['bad symbol', 400, { code: -1121, msg: 'Invalid symbol.' }, BadSymbol],
      [
        'insufficient balance (message wins over -2010)',
        400,
        { code: -2010, msg: 'Account has insufficient balance for requested action.' },
        InsufficientFunds,
      ],
      ['duplicate order', 400, { code: -2010, msg: 'Duplicate order sent.' }, DuplicateOrderId],
      [
        'post-only would take',
        400,
        { code: -2010, msg: 'Order would immediately match and take.' },
        OrderImmediatelyFillable,
      ],
      ['other order rejection', 400, { code: -2010, msg: 'Some new reason.' }, InvalidOrder],
      ['lot size filter', 400, { code: -1013, msg: 'Filter failure: LOT_SIZE' }, InvalidOrder],
      ['unknown order on cancel', 400, { code: -2011, msg: 'Unknown order sent.' }, OrderNotFound],
      ['missing order', 400, { code: -2013, msg: 'Order does not exist.' }, OrderNotFound],
      [
        'timestamp outside recvWindow',
        400,
        { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
        InvalidNonce,
      ],
      ['bad key', 401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' }, AuthenticationError],
      ['bad signature', 400, { code: -1022, msg: 'Signature for this request is not valid.' }, AuthenticationError],
      ['too much weight', 400, { code: -1003, msg: 'Too much request weight used.' }, RateLimitExceeded],
      ['market closed', 400, { code: -1013, msg: 'Market is closed.' }, MarketClosed],
      ['maintenance', 200, { code: 1, msg: 'System is under maintenance.' }, OnMaintenance],
      ['action disabled', 400, { code: -2011, msg: 'This action is disabled on this account.' }, AccountSuspended],
      ['wallet: not enough balance', 400, { code: -4026, msg: 'You have insufficient balance.' }, InsufficientFunds],
      ['unknown code', 400, { code: -9999, msg: 'Something new.' }, ExchangeError],
      [
        'sapi error wrapped in msg',
        200,
        { success: false, msg: '{"code":-1002,"msg":"not authorized"}' },
        AuthenticationError,
      ],
      ['lone error in a batch answer', 200, [{ code: -2011, msg: 'Unknown order sent.' }], OrderNotFound],
      ['rate limited', 429, { code: -1003, msg: 'Way too much request weight used.' }, RateLimitExceeded],
      ['IP banned', 418, { code: -1003, msg: 'Way too much request weight used; IP banned.' }, DDoSProtection],
    ];
    for (const [name, status, body, cls] of cases) {
      it(`error: ${name}`, async () => {
        const f = fakeFetch({ status, body });
        await expect(make(f.fetch).fetchOrder('1', 'BTC/USDT')).rejects.toBeInstanceOf(cls);
      });
    }

    it('error: the exchange code travels on the error, secrets do not', async () => {
      const f = fakeFetch({ status: 400, body: { code: -1121, msg: 'Invalid symbol. test-api-key' } });
      const err = (await make(f.fetch)
        .fetchOrder('1', 'BTC/USDT')
        .catch((e: unknown) => e)) as BadSymbol & { code?: unknown };
      expect(err).toBeInstanceOf(BadSymbol);
      expect(err.code).toBe('-1121');
      expect(err.message).not.toContain(CREDS.apiKey);
    });

    it('behavior: success codes 0, "000000" and 200 are not errors', async () => {
      const f = fakeFetch(ok({ code: '000000', message: 'success', data: [], total: 0, success: true }));
      await expect(make(f.fetch).fetchDeposits('EUR')).resolves.toEqual([]);
    });
  });

  describe('inputs rejected before any request', () => {
    it('error: bad symbol', async () => {
      const f = fakeFetch(ok({}));
      const ex = make(f.fetch);
      await expect(ex.fetchTicker('NOPE/USDT')).rejects.toBeInstanceOf(BadSymbol);
      await expect(ex.createOrder('NOPE/USDT', 'limit', 'buy', 1, 1)).rejects.toBeInstanceOf(BadSymbol);
      expect(f.sent).toEqual([]);
    });

    it('error: invalid orders', async () => {
      const f = fakeFetch(ok({}));
      const ex = make(f.fetch);
      await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001)).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0, 30000)).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', Number.NaN, 30000)).rejects.toBeInstanceOf(InvalidOrder);
      // Below the lot step: nothing to send.
      await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.000001, 30000)).rejects.toBeInstanceOf(InvalidOrder);
      await expect(
        ex.createOrder('BTC/USDT', 'market', 'buy', 0.1, undefined, { postOnly: true }),
      ).rejects.toBeInstanceOf(InvalidOrder);
      // ETH/BTC lists no plain STOP_LOSS (market) orders in exchangeInfo.orderTypes.
      await expect(
        ex.createOrder('ETH/BTC', 'market', 'sell', 1, undefined, { triggerPrice: 0.04 }),
      ).rejects.toBeInstanceOf(InvalidOrder);
      await expect(
        ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000, { postOnly: true, triggerPrice: 29000 }),
      ).rejects.toBeInstanceOf(InvalidOrder);
      expect(f.sent).toEqual([]);
    });

    it('error: symbol and address arguments are required', async () => {
      const f = fakeFetch(ok({}));
      const ex = make(f.fetch);
      await expect(ex.cancelOrder('1')).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.fetchOrder('1')).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.fetchOrders()).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.fetchMyTrades()).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.cancelAllOrders()).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.withdraw('BTC', 1, '')).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.withdraw('BTC', -1, 'addr')).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.fetchTickers(undefined, { rolling: true })).rejects.toBeInstanceOf(ArgumentsRequired);
      expect(f.sent).toEqual([]);
    });

    it('error: missing credentials', async () => {
      const f = fakeFetch(ok([]));
      const keyOnly = make(f.fetch, { secret: undefined });
      // historicalTrades needs the key only (MARKET_DATA security), so this one is sent.
      await keyOnly.fetchTrades('BTC/USDT', undefined, 1, { fetchTradesMethod: 'publicGetHistoricalTrades' });
      await expect(keyOnly.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
      expect(f.sent).toHaveLength(1);
      f.sent.length = 0;
      const ex = make(f.fetch, { apiKey: undefined, secret: undefined });
      await expect(ex.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
      await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000)).rejects.toBeInstanceOf(
        AuthenticationError,
      );
      await expect(
        ex.fetchTrades('BTC/USDT', undefined, 1, { fetchTradesMethod: 'publicGetHistoricalTrades' }),
      ).rejects.toBeInstanceOf(AuthenticationError);
      expect(f.sent).toEqual([]);
    });

    it('error: other market types are not served yet', async () => {
      const f = fakeFetch(ok({}));
      const ex = make(f.fetch);
      ex.setMarkets([
        ...Object.values(markets),
        {
          ...(markets['BTC/USDT'] as unknown as object),
          symbol: 'BTC/USDT:USDT',
          type: 'swap',
          spot: false,
          swap: true,
          contract: true,
          linear: true,
          settle: 'USDT',
        } as never,
      ]);
      await expect(ex.fetchTicker('BTC/USDT:USDT')).rejects.toBeInstanceOf(NotSupported);
      await expect(ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 0.001, 30000)).rejects.toBeInstanceOf(NotSupported);
      await expect(ex.fetchBalance({ type: 'swap' })).rejects.toBeInstanceOf(NotSupported);
      await expect(ex.fetchOrder('1', 'BTC/USDT', { marginMode: 'cross' })).rejects.toBeInstanceOf(NotSupported);
      expect(f.sent).toEqual([]);
    });
  });

  describe('createOrder', () => {
    it('default: every order carries a generated client order id Binance accepts', async () => {
      const f = fakeFetch(ok({ symbol: 'BTCUSDT', orderId: 5, status: 'NEW' }));
      const ex = make(f.fetch);
      await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000);
      await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000);
      const ids = f.sent.map((r) => form(r.body)['newClientOrderId']!);
      for (const id of ids) expect(id).toMatch(/^ufx[0-9a-f]{24}$/);
      expect(ids[0]).not.toBe(ids[1]);
      expect(/^[.A-Z:/a-z0-9_-]{1,36}$/.test(ids[0]!)).toBe(true);
    });

    it('args: price and amount are sent as exact decimal strings on the market grid', async () => {
      const f = fakeFetch(ok({ symbol: 'BTCUSDT', orderId: 5, status: 'NEW' }));
      await make(f.fetch).createOrder('BTC/USDT', 'limit', 'buy', 0.1 + 0.2, 30000.129);
      expect(form(f.sent[0]!.body)).toMatchObject({ quantity: '0.3', price: '30000.13' });
    });

    it('args: cost buys by quote amount, cut (not rounded) to the price tick', async () => {
      const f = fakeFetch(ok({ symbol: 'BTCUSDT', orderId: 5, status: 'FILLED' }));
      await make(f.fetch).createMarketBuyOrderWithCost('BTC/USDT', 25.019);
      const sent = form(f.sent[0]!.body);
      expect(sent).toMatchObject({ type: 'MARKET', side: 'BUY', quoteOrderQty: '25.01' });
      expect(sent['quantity']).toBeUndefined();
    });

    it('behavior: a lost answer is recovered by looking the order up by its client order id', async () => {
      const f = fakeFetch(
        { status: 504, body: '' },
        ok({ symbol: 'BTCUSDT', orderId: 77, clientOrderId: 'x', status: 'NEW', origQty: '0.001', price: '30000' }),
      );
      const order = await make(f.fetch).createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000);
      expect(order.id).toBe('77');
      expect(f.sent[1]!.method).toBe('GET');
      expect(query(f.sent[1]!.url)['origClientOrderId']).toBe(form(f.sent[0]!.body)['newClientOrderId']);
    });

    it('error: a lost answer with no order behind it reports the original error', async () => {
      const f = fakeFetch(
        { status: 504, body: '' },
        { status: 400, body: { code: -2013, msg: 'Order does not exist.' } },
      );
      await expect(make(f.fetch).createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000)).rejects.toBeInstanceOf(
        RequestTimeout,
      );
      expect(f.sent).toHaveLength(2);
    });

    it('error: a rejected order is not looked up', async () => {
      const f = fakeFetch({
        status: 400,
        body: { code: -2010, msg: 'Account has insufficient balance for requested action.' },
      });
      await expect(make(f.fetch).createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000)).rejects.toBeInstanceOf(
        InsufficientFunds,
      );
      expect(f.sent).toHaveLength(1);
    });

    it('args: test: true validates through order/test', async () => {
      const f = fakeFetch(ok({}));
      const order = await make(f.fetch).createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000, { test: true });
      expect(f.sent[0]!.url).toBe('https://api.binance.com/api/v3/order/test');
      expect(form(f.sent[0]!.body)['test']).toBeUndefined();
      expect(order.clientOrderId).toMatch(/^ufx/);
    });

    it('args: raw Binance params pass through untouched', async () => {
      const f = fakeFetch(ok({ symbol: 'BTCUSDT', orderId: 5, status: 'NEW' }));
      await make(f.fetch).createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30000, {
        icebergQty: '0.0005',
        strategyId: 7,
      });
      expect(form(f.sent[0]!.body)).toMatchObject({ icebergQty: '0.0005', strategyId: '7' });
    });
  });

  describe('market data', () => {
    it('args: since opens a one-hour aggTrades window, until closes it', async () => {
      const f = fakeFetch(ok([]));
      const ex = make(f.fetch);
      await ex.fetchTrades('BTC/USDT', 1_699_990_000_000);
      await ex.fetchTrades('BTC/USDT', 1_699_990_000_000, undefined, { until: 1_699_990_060_000 });
      expect(query(f.sent[0]!.url)).toMatchObject({ startTime: '1699990000000', endTime: '1699993600000' });
      expect(query(f.sent[1]!.url)).toMatchObject({ startTime: '1699990000000', endTime: '1699990060000' });
    });

    it('behavior: without since, limit keeps the latest candles; with since, the first ones', async () => {
      const rows = [3, 1, 2].map((i) => [
        i * 60_000,
        '1',
        '2',
        '0.5',
        '1.5',
        '10',
        i * 60_000 + 59_999,
        '15',
        3,
        '5',
        '7',
        '0',
      ]);
      const ex = make(fakeFetch(ok(rows)).fetch);
      expect((await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 2)).map((c) => c[0])).toEqual([120_000, 180_000]);
      expect((await ex.fetchOHLCV('BTC/USDT', '1m', 60_000, 2)).map((c) => c[0])).toEqual([60_000, 120_000]);
    });

    it('error: unknown timeframe', async () => {
      const f = fakeFetch(ok([]));
      await expect(make(f.fetch).fetchOHLCV('BTC/USDT', '7m')).rejects.toThrow(/timeframe/);
      expect(f.sent).toEqual([]);
    });

    it('behavior: request weight depends on the depth limit and on sending a symbol', async () => {
      const ex = make(fakeFetch(ok({ lastUpdateId: 1, bids: [], asks: [] })).fetch);
      const spy = vi.spyOn(ex, 'throttle').mockResolvedValue();
      ex.enableRateLimit = true;
      await ex.fetchOrderBook('BTC/USDT', 5000);
      await ex.fetchOrderBook('BTC/USDT', 100);
      expect(spy.mock.calls.map((c) => c[0])).toEqual([50, 1]);
      spy.mockClear();
      const ex2 = make(fakeFetch(ok([])).fetch);
      const spy2 = vi.spyOn(ex2, 'throttle').mockResolvedValue();
      ex2.enableRateLimit = true;
      await ex2.fetchTickers();
      await ex2.fetchTicker('BTC/USDT').catch(() => undefined);
      expect(spy2.mock.calls.map((c) => c[0])).toEqual([16, 0.4]);
    });
  });

  describe('rate limits', () => {
    it('behavior: a used-up X-MBX-USED-WEIGHT-1M window holds requests until the next minute', async () => {
      vi.useFakeTimers();
      const minute = 28_333_333 * 60_000; // a whole minute
      vi.setSystemTime(minute + 30_000);
      const f = fakeFetch(
        { body: { serverTime: 1 }, headers: { 'x-mbx-used-weight-1m': '5999' } },
        { body: { serverTime: 2 } },
      );
      const ex = new binance({ fetch: f.fetch as never });
      await ex.fetchTime();
      let done = false;
      const second = ex.fetchTime().then(() => (done = true));
      await vi.advanceTimersByTimeAsync(29_000);
      expect(done).toBe(false);
      expect(f.sent).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1_500);
      await second;
      expect(done).toBe(true);
    });

    it('behavior: a burst of 250 weight leaves at once (five 1000-level depth snapshots), then requests are spaced', async () => {
      vi.useFakeTimers();
      const f = fakeFetch({ body: { lastUpdateId: 1, bids: [], asks: [] } });
      const ex = make(f.fetch);
      ex.enableRateLimit = true;
      const calls = Array.from({ length: 6 }, () => ex.fetchOrderBook('BTC/USDT', 1000));
      await vi.advanceTimersByTimeAsync(0);
      expect(f.sent).toHaveLength(5);
      await vi.advanceTimersByTimeAsync(499);
      expect(f.sent).toHaveLength(5);
      await vi.advanceTimersByTimeAsync(2);
      expect(f.sent).toHaveLength(6);
      await Promise.all(calls);
    });

    it('behavior: weight well within the window does not slow anything down', async () => {
      vi.useFakeTimers();
      const f = fakeFetch({ body: { serverTime: 1 }, headers: { 'x-mbx-used-weight-1m': '1200' } });
      const ex = new binance({ fetch: f.fetch as never });
      await ex.fetchTime();
      const second = ex.fetchTime();
      await vi.advanceTimersByTimeAsync(100);
      await expect(second).resolves.toBe(1);
    });

    it('behavior: the weight limit follows exchangeInfo.rateLimits', async () => {
      const info = JSON.parse(readFileSync(new URL('response/binance.json', FIXTURES), 'utf8')) as {
        methods: { fetchMarkets: { httpResponse: { rateLimits: { limit: number }[] } }[] };
      };
      const body = structuredClone(info.methods.fetchMarkets[0]!.httpResponse);
      body.rateLimits[0]!.limit = 1200;
      const ex = new binance({ fetch: fakeFetch(ok(body)).fetch as never, enableRateLimit: false });
      await ex.loadMarkets();
      expect((ex.options['usedWeightHeaders'] as Record<string, number>)['x-mbx-used-weight-1m']).toBe(1200);
    });
  });

  describe('markets', () => {
    const exchangeInfo = (
      JSON.parse(readFileSync(new URL('response/binance.json', FIXTURES), 'utf8')) as {
        methods: Record<string, { httpResponse: unknown }[]>;
      }
    ).methods;

    it('default: without keys loadMarkets asks only exchangeInfo and derives currencies', async () => {
      const f = fakeFetch(ok(exchangeInfo['fetchMarkets']![0]!.httpResponse));
      const ex = new binance({ fetch: f.fetch as never, enableRateLimit: false });
      await ex.loadMarkets();
      expect(f.sent.map((r) => r.url)).toEqual(['https://api.binance.com/api/v3/exchangeInfo']);
      expect(ex.symbols).toEqual(['BNB/USDT', 'BTC/USDT']);
      expect(ex.codes).toEqual(['BNB', 'BTC', 'USDT']);
      expect(ex.markets['BTC/USDT']!.precision).toEqual({ amount: 0.00001, price: 0.01, base: 1e-8, quote: 1e-8 });
    });

    it('behavior: with keys loadMarkets also loads the wallet currencies', async () => {
      const f = fakeFetch(
        ok(exchangeInfo['fetchCurrencies']![0]!.httpResponse),
        ok(exchangeInfo['fetchMarkets']![0]!.httpResponse),
      );
      const ex = new binance({ ...CREDS, fetch: f.fetch as never, enableRateLimit: false });
      await ex.loadMarkets();
      expect(f.sent.map((r) => new URL(r.url).pathname)).toEqual([
        '/sapi/v1/capital/config/getall',
        '/api/v3/exchangeInfo',
      ]);
      expect(ex.currencies['USDT']!.networks!['TRC20']!.id).toBe('TRX');
    });

    it('fetchDepositWithdrawFee: emulated from fetchDepositWithdrawFees (one call, the one currency)', async () => {
      const coins = exchangeInfo['fetchCurrencies']![0]!.httpResponse as { coin: string }[];
      const f = fakeFetch(ok(coins));
      const ex = make(f.fetch);
      expect(ex.has['fetchDepositWithdrawFee']).toBe('emulated');
      const fee = await ex.fetchDepositWithdrawFee('USDT');
      expect(fee.networks['TRC20']!.withdraw.fee).toBeGreaterThanOrEqual(0);
      expect(f.sent.map((r) => new URL(r.url).pathname)).toEqual(['/sapi/v1/capital/config/getall']);
      await expect(ex.fetchDepositWithdrawFee('NOPE')).rejects.toBeInstanceOf(ExchangeError);
    });

    it('behavior: sandbox points api/v3 at the spot testnet and skips the wallet', async () => {
      const f = fakeFetch(ok(exchangeInfo['fetchMarkets']![0]!.httpResponse));
      const ex = new binance({ ...CREDS, fetch: f.fetch as never, enableRateLimit: false, sandbox: true });
      await ex.loadMarkets();
      expect(f.sent.map((r) => r.url)).toEqual(['https://testnet.binance.vision/api/v3/exchangeInfo']);
    });
  });

  describe('wallet', () => {
    it('args: network codes are unified both ways', async () => {
      const ex = make(fakeFetch(ok({})).fetch);
      expect(ex.networkCodeToId('ERC20', 'USDT')).toBe('ETH');
      expect(ex.networkCodeToId('ETH', 'USDT')).toBe('ETH');
      expect(ex.networkCodeToId('TRC20', 'USDT')).toBe('TRX');
      expect(ex.networkIdToCode('ETH', 'USDT')).toBe('ERC20');
      expect(ex.networkIdToCode('ETH', 'ETH')).toBe('ETH');
      expect(ex.networkIdToCode('TRX', 'TRX')).toBe('TRX');
      expect(ex.networkIdToCode('BSC', 'USDT')).toBe('BEP20');
      expect(ex.networkIdToCode('ARBITRUM', 'ETH')).toBe('ARBITRUM');
    });

    it('args: withdrawal amounts are cut to the network step, never rounded up', async () => {
      const f = fakeFetch(ok({ id: 'w1' }));
      await make(f.fetch).withdraw('USDT', 10.9999999, 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', undefined, {
        network: 'TRC20',
      });
      expect(form(f.sent[0]!.body)).toMatchObject({ amount: '10.999999', network: 'TRX', coin: 'USDT' });
    });

    it('behavior: deposit history asked for a coin is filtered to that coin', async () => {
      const f = fakeFetch(
        ok([
          { id: '1', amount: '1', coin: 'BTC', status: 1, insertTime: 1 },
          { id: '2', amount: '2', coin: 'ETH', status: 1, insertTime: 2 },
        ]),
      );
      const list = await make(f.fetch).fetchDeposits('BTC');
      expect(list.map((t) => t.id)).toEqual(['1']);
      expect(query(f.sent[0]!.url)['coin']).toBe('BTC');
    });
  });

  it('behavior: has lists the spot methods and the extras', () => {
    const ex = new binance();
    for (const m of [
      'fetchMarkets',
      'fetchCurrencies',
      'fetchTicker',
      'fetchTickers',
      'fetchOrderBook',
      'fetchTrades',
      'fetchOHLCV',
      'fetchTime',
      'fetchStatus',
      'fetchBalance',
      'createOrder',
      'cancelOrder',
      'cancelAllOrders',
      'fetchOrder',
      'fetchOrders',
      'fetchOpenOrders',
      'fetchClosedOrders',
      'fetchCanceledOrders',
      'fetchMyTrades',
      'fetchOrderTrades',
      'fetchDepositAddress',
      'fetchDeposits',
      'fetchWithdrawals',
      'withdraw',
      'fetchTradingFee',
      'fetchTradingFees',
      'createMarketBuyOrderWithCost',
      'fetchDepositWithdrawFees',
      'fetchTransactionFees',
    ]) {
      expect.soft(ex.has[m], m).toBe(true);
    }
    expect(ex.has.spot).toBe(true);
    expect(ex.has.swap).toBe(false);
    expect(ex.has.editOrder).toBe(false);
    expect(ex.has.sandbox).toBe(true);
  });
});
