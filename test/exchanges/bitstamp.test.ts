/** Bitstamp: v2 signing, error mapping, input checks and the parts of the API that are easy to get wrong. */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AccountSuspended,
  ArgumentsRequired,
  AuthenticationError,
  BadSymbol,
  DuplicateOrderId,
  ExchangeError,
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
import type { ExchangeConfig } from '../../src/core/exchange.js';
import type { Currency, Market } from '../../src/core/types.js';
import { bitstamp } from '../../src/exchanges/bitstamp/bitstamp.js';

const SHARED = new URL('../../../shared/conformance/', import.meta.url);
const MARKETS = JSON.parse(readFileSync(new URL('markets/bitstamp.json', SHARED), 'utf8')) as Record<string, Market>;
const CURRENCIES = JSON.parse(readFileSync(new URL('currencies/bitstamp.json', SHARED), 'utf8')) as Record<
  string,
  Currency
>;

const NOW = 1_700_000_000_000;
const NONCE = 'f93c979d-b00d-43a9-9b9c-ef4e8d3a9d23';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}
interface Reply {
  status?: number;
  body: unknown;
}

/** An exchange on a fixed clock and nonce whose fetch records requests and answers from `replies` in order. */
function harness(replies: Reply[] = [], config: ExchangeConfig = {}): { ex: bitstamp; sent: Sent[] } {
  const sent: Sent[] = [];
  const queue = [...replies];
  const fetch = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    sent.push({ url, method: init.method, headers: init.headers, body: init.body });
    const reply = queue.shift();
    if (reply === undefined) throw new Error(`unexpected request ${url}`);
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    return {
      status: reply.status ?? 200,
      statusText: 'OK',
      headers: new Headers({ 'content-type': 'application/json' }),
      text: async () => text,
    };
  };
  const ex = new bitstamp({
    apiKey: 'api_key',
    secret: 'api_key_secret',
    enableRateLimit: false,
    now: () => NOW,
    fetch: fetch as never,
    options: { nonceFactory: () => NONCE },
    ...config,
  });
  ex.setMarkets(MARKETS, CURRENCIES);
  return { ex, sent };
}

const form = (body: string | undefined): Record<string, string> => Object.fromEntries(new URLSearchParams(body ?? ''));

describe('bitstamp', () => {
  describe('signing', () => {
    it("default: signs the documentation's user_transactions example (offset=1)", async () => {
      const { ex, sent } = harness([{ body: [] }]);
      await ex.privatePostUserTransactions({ offset: '1' });
      const req = sent[0]!;
      expect(req.url).toBe('https://www.bitstamp.net/api/v2/user_transactions/');
      expect(req.method).toBe('POST');
      expect(req.body).toBe('offset=1');
      // The documented string to sign, spelled out independently of the implementation.
      const message =
        'BITSTAMP api_key' +
        'POST' +
        'www.bitstamp.net' +
        '/api/v2/user_transactions/' +
        '' +
        'application/x-www-form-urlencoded' +
        NONCE +
        '1700000000000' +
        'v2' +
        'offset=1';
      const expected = createHmac('sha256', 'api_key_secret').update(message).digest('hex');
      expect(expected).toBe('0d54a309e80a1960c94b4a1ca4bcb4400fe6ccfc0cdb20478ceda3b155471bad');
      expect(req.headers['X-Auth-Signature']).toBe(expected);
      expect(req.headers['X-Auth']).toBe('BITSTAMP api_key');
      expect(req.headers['X-Auth-Nonce']).toBe(NONCE);
      expect(req.headers['X-Auth-Timestamp']).toBe('1700000000000');
      expect(req.headers['X-Auth-Version']).toBe('v2');
      expect(req.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    });

    it('default: an empty private POST has no body and no Content-Type, in the request and in the signature', async () => {
      const { ex, sent } = harness([{ body: [] }]);
      await ex.fetchBalance();
      const req = sent[0]!;
      expect(req.url).toBe('https://www.bitstamp.net/api/v2/account_balances/');
      expect(req.body).toBeUndefined();
      expect(req.headers['Content-Type']).toBeUndefined();
      expect(req.headers['X-Auth-Signature']).toBe('c1ab56213bb11cf86a7a904a2c962c5476faa2a5a5109b95d53701f674ea736a');
    });

    it('default: a fresh UUID v4 nonce per request without a nonceFactory', async () => {
      const { ex, sent } = harness([{ body: [] }, { body: [] }], { options: {} });
      await ex.fetchBalance();
      await ex.fetchBalance();
      const [a, b] = sent.map((s) => s.headers['X-Auth-Nonce']);
      expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(a).not.toBe(b);
    });

    it('default: public endpoints carry no auth headers', async () => {
      const { ex, sent } = harness([{ body: { timestamp: '1', last: '1' } }]);
      await ex.fetchTicker('BTC/USD');
      expect(sent[0]!.url).toBe('https://www.bitstamp.net/api/v2/ticker/btcusd/');
      expect(Object.keys(sent[0]!.headers).filter((h) => h.startsWith('X-Auth'))).toEqual([]);
    });

    it('error: missing credentials fail before any request', async () => {
      const { ex, sent } = harness([], { apiKey: '' });
      await expect(ex.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
      expect(sent).toEqual([]);
    });
  });

  describe('error mapping', () => {
    const cases: [string, number, unknown, new (...a: never[]) => Error][] = [
      [
        'auth code API0005',
        403,
        { status: 'error', reason: 'Invalid signature', code: 'API0005' },
        AuthenticationError,
      ],
      ['auth code API0004', 403, { status: 'error', reason: 'Invalid nonce', code: 'API0004' }, InvalidNonce],
      [
        'clock skew API0017',
        403,
        { status: 'error', reason: 'X-Auth-Timestamp header is out of boundaries', code: 'API0017' },
        InvalidNonce,
      ],
      ['bare error string', 200, { error: 'No permission found' }, PermissionDenied],
      [
        'reason.__all__ message',
        200,
        { status: 'error', reason: { __all__: ['Minimum order size is 10.0 USD.'] } },
        InvalidOrder,
      ],
      [
        'field errors',
        200,
        {
          status: 'error',
          reason: { amount: ['Ensure that there are no more than 8 decimal places.'], __all__: [''] },
        },
        InvalidOrder,
      ],
      [
        'balance message',
        200,
        {
          status: 'error',
          reason: { __all__: ['You have only 0.00100000 BTC available. Check your account balance for details.'] },
        },
        InsufficientFunds,
      ],
      [
        'response_code 400.009',
        200,
        { status: 'error', reason: 'Insufficient balance for provided user.', response_code: '400.009' },
        InsufficientFunds,
      ],
      [
        'response_code 404.002',
        404,
        { status: 'error', reason: 'Order not found for corresponding request.', response_code: '404.002' },
        OrderNotFound,
      ],
      [
        'response_code 400.019',
        400,
        { status: 'error', reason: 'Provided client_order_id already exists.', response_code: '400.019' },
        DuplicateOrderId,
      ],
      [
        'response_code 400.002',
        400,
        { status: 'error', reason: 'Request rejected due to exceeded rate limit.', response_code: '400.002' },
        RateLimitExceeded,
      ],
      [
        'trading blocked',
        403,
        {
          status: 'error',
          reason: { __all__: ['Trading is currently unavailable for your account.'] },
          response_code: '403.004',
        },
        AccountSuspended,
      ],
      [
        'address too short',
        200,
        { status: 'error', reason: { address: ['Ensure this value has at least 25 characters (it has 4).'] } },
        InvalidAddress,
      ],
      [
        'maintenance',
        200,
        { error: "Bitstamp.net is under scheduled maintenance. We'll be back soon." },
        OnMaintenance,
      ],
      ['unknown error payload', 200, { status: 'error', reason: 'Something new went wrong' }, ExchangeError],
    ];
    for (const [name, status, body, cls] of cases) {
      it(`error: ${name}`, async () => {
        const { ex } = harness([{ status, body }]);
        const err = await ex.fetchBalance().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(cls);
      });
    }

    it('error: the most specific class wins (response code over a generic message)', async () => {
      const { ex } = harness([
        { status: 404, body: { status: 'error', reason: 'Unknown', response_code: '404.002', code: '404.002' } },
      ]);
      const err = await ex.fetchOrder('1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OrderNotFound);
    });

    it('default: order statuses named "status" are not mistaken for errors', async () => {
      const { ex } = harness([{ body: { id: 1, status: 'Finished', amount_remaining: '0', transactions: [] } }]);
      const order = await ex.fetchOrder('1');
      expect(order.status).toBe('closed');
    });
  });

  describe('inputs rejected before any request', () => {
    it('error: bad symbol', async () => {
      const { ex, sent } = harness();
      await expect(ex.fetchTicker('NOPE/USD')).rejects.toBeInstanceOf(BadSymbol);
      await expect(ex.createOrder('NOPE/USD', 'limit', 'buy', 1, 1)).rejects.toBeInstanceOf(BadSymbol);
      await expect(ex.fetchTickers(['BTC/USD', 'NOPE/USD'])).rejects.toBeInstanceOf(BadSymbol);
      expect(sent).toEqual([]);
    });

    it('error: bad order arguments', async () => {
      const { ex, sent } = harness();
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 0, 100)).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', Number.NaN, 100)).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 1)).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.createOrder('BTC/USD', 'limit', 'hold' as never, 1, 1)).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.createOrder('BTC/USD', 'stop', 'buy', 1, 1)).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 1, 100, { triggerPrice: 90 })).rejects.toBeInstanceOf(
        NotSupported,
      );
      await expect(ex.createOrder('BTC/USD', 'market', 'buy', 1, undefined, { postOnly: true })).rejects.toBeInstanceOf(
        InvalidOrder,
      );
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 1, 100, { timeInForce: 'GTD' })).rejects.toBeInstanceOf(
        ArgumentsRequired,
      );
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 1, 100, { timeInForce: 'XYZ' })).rejects.toBeInstanceOf(
        InvalidOrder,
      );
      await expect(
        ex.createOrder('BTC/USD', 'limit', 'buy', 1, 100, { postOnly: true, timeInForce: 'IOC' }),
      ).rejects.toBeInstanceOf(InvalidOrder);
      // below the amount tick (1e-8) truncates to zero
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 1e-9, 100)).rejects.toBeInstanceOf(InvalidOrder);
      expect(sent).toEqual([]);
    });

    it('error: bad funding arguments', async () => {
      const { ex, sent } = harness();
      await expect(ex.withdraw('BTC', 0, 'bc1qaddress')).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.withdraw('BTC', 1, '')).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.fetchDepositAddress('USD')).rejects.toBeInstanceOf(NotSupported);
      await expect(ex.fetchOrder(undefined as never)).rejects.toBeInstanceOf(ArgumentsRequired);
      expect(sent).toEqual([]);
    });
  });

  describe('orders', () => {
    const created = {
      id: '1234123412341234',
      market: 'BTC/USD',
      type: '0',
      price: '30000',
      amount: '0.50000000',
      datetime: '2023-11-14 22:13:20.000000',
      client_order_id: 'my-1',
    };

    it('args: postOnly and clientOrderId map to moc_order and client_order_id', async () => {
      const { ex, sent } = harness([{ body: created }]);
      const order = await ex.createOrder('BTC/USD', 'limit', 'buy', 0.5, 30000.4, {
        postOnly: true,
        clientOrderId: 'my-1',
      });
      expect(sent[0]!.url).toBe('https://www.bitstamp.net/api/v2/buy/btcusd/');
      expect(form(sent[0]!.body)).toEqual({
        amount: '0.5',
        price: '30000',
        moc_order: 'True',
        client_order_id: 'my-1',
      });
      expect(order).toMatchObject({
        id: '1234123412341234',
        clientOrderId: 'my-1',
        symbol: 'BTC/USD',
        type: 'limit',
        side: 'buy',
        price: 30000,
        amount: 0.5,
        timestamp: 1700000000000,
      });
    });

    it('args: timeInForce IOC, FOK and GTD', async () => {
      const { ex, sent } = harness([{ body: created }, { body: created }, { body: created }]);
      await ex.createOrder('ETH/USD', 'limit', 'sell', 1.23456789, 2000, { timeInForce: 'IOC' });
      await ex.createOrder('ETH/USD', 'limit', 'sell', 1, 2000, { timeInForce: 'FOK' });
      await ex.createOrder('ETH/USD', 'limit', 'sell', 1, 2000, { timeInForce: 'GTD', expireTime: 1700003600000 });
      expect(sent[0]!.url).toBe('https://www.bitstamp.net/api/v2/sell/ethusd/');
      // ETH/USD amounts have 6 decimals: truncated, never rounded up
      expect(form(sent[0]!.body)).toEqual({ amount: '1.234567', price: '2000', ioc_order: 'True' });
      expect(form(sent[1]!.body)).toEqual({ amount: '1', price: '2000', fok_order: 'True' });
      expect(form(sent[2]!.body)).toEqual({
        amount: '1',
        price: '2000',
        gtd_order: 'True',
        expire_time: '1700003600000',
      });
    });

    it('args: cost buys at market through the instant endpoint, in quote currency', async () => {
      const { ex, sent } = harness([{ body: { ...created, price: undefined } }, { body: created }, { body: created }]);
      const order = await ex.createOrder('BTC/USD', 'market', 'buy', 1, undefined, { cost: 100.129 });
      await ex.createMarketBuyOrderWithCost('BTC/USD', 55.5);
      await ex.createOrder('BTC/USD', 'market', 'sell', 1, undefined, { cost: 20 });
      expect(sent[0]!.url).toBe('https://www.bitstamp.net/api/v2/buy/instant/btcusd/');
      // instant_order_counter_decimals is 2 for BTC/USD
      expect(form(sent[0]!.body)).toEqual({ amount: '100.12' });
      expect(form(sent[1]!.body)).toEqual({ amount: '55.5' });
      // selling for a quote amount: instant sell with amount_in_counter
      expect(sent[2]!.url).toBe('https://www.bitstamp.net/api/v2/sell/instant/btcusd/');
      expect(form(sent[2]!.body)).toEqual({ amount: '20', amount_in_counter: 'True' });
      expect(order.type).toBe('market');
    });

    it('default: market orders without cost go to buy/market and sell/market', async () => {
      const { ex, sent } = harness([{ body: created }, { body: created }]);
      await ex.createOrder('BTC/USD', 'market', 'sell', 0.1);
      await ex.createOrder('BTC/USD', 'market', 'buy', 0.1);
      expect(sent.map((s) => s.url)).toEqual([
        'https://www.bitstamp.net/api/v2/sell/market/btcusd/',
        'https://www.bitstamp.net/api/v2/buy/market/btcusd/',
      ]);
      expect(form(sent[0]!.body)).toEqual({ amount: '0.1' });
    });

    it('behavior: fetchOrder derives filled, cost, average and fee from the fills', async () => {
      const { ex, sent } = harness([
        {
          body: {
            id: 1429545880227846,
            datetime: '2021-11-25 12:59:58.123000',
            type: '1',
            status: 'Open',
            market: 'ETH/USD',
            amount_remaining: '0.50000000',
            client_order_id: '',
            transactions: [
              {
                tid: 209895701,
                price: '4451.25',
                fee: '0.11128',
                datetime: '2021-11-25 12:59:59.322000',
                type: 2,
                usd: '22.25625',
                eth: '0.00500000',
              },
              {
                tid: 209895702,
                price: '4451.50',
                fee: '0.00001',
                datetime: '2021-11-25 13:00:01.000000',
                type: 2,
                usd: '2.2257500',
                eth: '0.0005',
              },
            ],
          },
        },
      ]);
      const order = await ex.fetchOrder('1429545880227846');
      expect(form(sent[0]!.body)).toEqual({ id: '1429545880227846' });
      expect(order).toMatchObject({
        id: '1429545880227846',
        clientOrderId: undefined,
        symbol: 'ETH/USD',
        side: 'sell',
        status: 'open',
        filled: 0.0055,
        remaining: 0.5,
        amount: 0.5055,
        cost: 24.482,
        fee: { cost: 0.11129, currency: 'USD' },
        lastTradeTimestamp: Date.UTC(2021, 10, 25, 13, 0, 1),
      });
      expect(order.average).toBeCloseTo(4451.272727, 5);
      expect(order.trades.map((t) => [t.id, t.side, t.amount, t.cost, t.order])).toEqual([
        ['209895701', 'sell', 0.005, 22.25625, '1429545880227846'],
        ['209895702', 'sell', 0.0005, 2.22575, '1429545880227846'],
      ]);
    });

    it('args: clientOrderId looks orders up and cancels them by client id', async () => {
      const { ex, sent } = harness([
        { body: { id: 5, status: 'Canceled', amount_remaining: '1', transactions: [] } },
        { body: { id: 5, amount: '1', price: '100', type: 0, market: 'BTC/USD' } },
      ]);
      await ex.fetchOrder(undefined as never, undefined, { clientOrderId: 'abc' });
      const canceled = await ex.cancelOrder(undefined as never, undefined, { clientOrderId: 'abc' });
      expect(form(sent[0]!.body)).toEqual({ client_order_id: 'abc' });
      expect(sent[1]!.url).toBe('https://www.bitstamp.net/api/v2/cancel_order/');
      expect(form(sent[1]!.body)).toEqual({ client_order_id: 'abc' });
      expect(canceled).toMatchObject({ id: '5', status: 'canceled', symbol: 'BTC/USD', side: 'buy' });
    });

    it('behavior: open orders report the original size in amount_at_create', async () => {
      const { ex } = harness([
        {
          body: [
            {
              id: '1',
              datetime: '2023-11-14 22:13:20',
              type: '0',
              price: '30000',
              amount: '0.3',
              amount_at_create: '0.5',
              currency_pair: 'BTC/USD',
              market: 'BTC/USD',
              client_order_id: '',
            },
            {
              id: '2',
              datetime: '2023-11-14 22:13:21',
              type: '1',
              price: '2000',
              amount: '1',
              amount_at_create: '1',
              currency_pair: 'ETH/USD',
              market: 'ETH/USD',
            },
          ],
        },
      ]);
      const orders = await ex.fetchOpenOrders('BTC/USD');
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({
        id: '1',
        status: 'open',
        type: 'limit',
        amount: 0.5,
        remaining: 0.3,
        filled: 0.2,
      });
    });

    it('default: cancelAllOrders with a symbol uses the per-market endpoint', async () => {
      const { ex, sent } = harness([
        {
          body: {
            canceled: [{ id: 1, amount: '0.1', price: '30000', type: 0, currency_pair: 'BTC/USD', market: 'BTC/USD' }],
            success: true,
          },
        },
      ]);
      const orders = await ex.cancelAllOrders('BTC/USD');
      expect(sent[0]!.url).toBe('https://www.bitstamp.net/api/v2/cancel_all_orders/btcusd/');
      expect(orders).toMatchObject([{ id: '1', status: 'canceled', symbol: 'BTC/USD', side: 'buy', amount: 0.1 }]);
    });
  });

  describe('history', () => {
    const rows = [
      {
        id: 3,
        order_id: 30,
        datetime: '2023-11-14 22:15:00',
        type: '2',
        fee: '0.12',
        usd: '-30.10',
        btc: '0.001',
        eur: 0,
        btc_usd: '30100',
        self_trade: false,
      },
      {
        id: 2,
        order_id: 20,
        datetime: '2023-11-14 22:14:00',
        type: '2',
        fee: '0.05',
        usdt: '22.26',
        eth: '-0.005',
        btc: 0,
        usd: 0,
        eth_usdt: 4452,
        btc_usd: '0.00',
      },
      {
        id: 1,
        datetime: '2023-11-14 22:13:00',
        type: '0',
        fee: '0.00000000',
        btc: '0.5',
        usd: 0,
        eur: 0,
        btc_usd: '0.00',
      },
    ];

    it('behavior: fetchMyTrades keeps trade rows and reads side from the signed base amount', async () => {
      const { ex, sent } = harness([{ body: rows }]);
      const trades = await ex.fetchMyTrades(undefined, undefined, 10);
      expect(sent[0]!.url).toBe('https://www.bitstamp.net/api/v2/user_transactions/');
      expect(form(sent[0]!.body)).toEqual({ limit: '10' });
      expect(trades.map((t) => [t.id, t.order, t.symbol, t.side, t.price, t.amount, t.cost, t.fee])).toEqual([
        ['2', '20', 'ETH/USDT', 'sell', 4452, 0.005, 22.26, { cost: 0.05, currency: 'USDT' }],
        ['3', '30', 'BTC/USD', 'buy', 30100, 0.001, 30.1, { cost: 0.12, currency: 'USD' }],
      ]);
    });

    it('args: since filters the trades client-side', async () => {
      const { ex } = harness([{ body: rows }]);
      const trades = await ex.fetchMyTrades('BTC/USD', Date.UTC(2023, 10, 14, 22, 14, 30));
      expect(trades.map((t) => t.id)).toEqual(['3']);
    });

    it('behavior: fetchDepositsWithdrawals keeps deposit and withdrawal rows', async () => {
      const { ex } = harness([
        {
          body: [
            ...rows,
            { id: 4, datetime: '2023-11-14 22:16:00', type: '1', fee: '0.0001', xrp: '-20.00000000', usd: 0, btc: 0 },
          ],
        },
      ]);
      const list = await ex.fetchDepositsWithdrawals();
      expect(list.map((t) => [t.id, t.type, t.currency, t.amount, t.status, t.fee])).toEqual([
        ['1', 'deposit', 'BTC', 0.5, 'ok', { cost: 0, currency: 'BTC' }],
        ['4', 'withdrawal', 'XRP', 20, 'ok', { cost: 0.0001, currency: 'XRP' }],
      ]);
    });

    it('args: since becomes a timedelta in seconds for withdrawal-requests', async () => {
      const { ex, sent } = harness([
        {
          body: [
            {
              id: 3386432,
              type: 14,
              amount: '863.21332500',
              status: 2,
              address: 'rE1sdh25BJQ3qFwngiTBwaq3zPGGYcrjp1?dt=1455',
              currency: 'XRP',
              network: 'xrpl',
              datetime: '2023-11-14 21:00:00',
              transaction_id: '0017',
            },
          ],
        },
      ]);
      const list = await ex.fetchWithdrawals(undefined, NOW - 86_400_000);
      expect(form(sent[0]!.body)).toEqual({ timedelta: '86400' });
      expect(list[0]).toMatchObject({
        id: '3386432',
        txid: '0017',
        type: 'withdrawal',
        currency: 'XRP',
        network: 'XRP',
        amount: 863.213325,
        status: 'ok',
        address: 'rE1sdh25BJQ3qFwngiTBwaq3zPGGYcrjp1',
        tag: '1455',
      });
    });

    it('args: since for fetchOHLCV sets start and an end that spans limit candles', async () => {
      const { ex, sent } = harness([
        {
          body: {
            data: {
              pair: 'BTC/USD',
              ohlc: [
                { timestamp: '1700003600', open: '2', high: '3', low: '1', close: '2.5', volume: '10' },
                { timestamp: '1700000000', open: '1', high: '2', low: '0.5', close: '2', volume: '5' },
              ],
            },
          },
        },
      ]);
      const candles = await ex.fetchOHLCV('BTC/USD', '1h', NOW, 2);
      expect(sent[0]!.url).toBe(
        'https://www.bitstamp.net/api/v2/ohlc/btcusd/?step=3600&limit=2&start=1700000000&end=1700007199',
      );
      expect(candles).toEqual([
        [1700000000000, 1, 2, 0.5, 2, 5],
        [1700003600000, 2, 3, 1, 2.5, 10],
      ]);
    });

    it('error: an unknown timeframe is rejected before the request', async () => {
      const { ex, sent } = harness();
      await expect(ex.fetchOHLCV('BTC/USD', '1w')).rejects.toThrow(/timeframe/);
      expect(sent).toEqual([]);
    });
  });

  describe('funding and fees', () => {
    it('behavior: trading fees arrive in percent and leave as fractions', async () => {
      const { ex } = harness([
        {
          body: [
            { currency_pair: 'btcusd', market: 'btcusd', fees: { maker: '0.15000', taker: '0.16000' } },
            { currency_pair: 'ethusd', market: 'ethusd', fees: { maker: '0.30000', taker: '0.40000' } },
          ],
        },
      ]);
      const fees = await ex.fetchTradingFees();
      expect(fees['BTC/USD']).toMatchObject({ symbol: 'BTC/USD', maker: 0.0015, taker: 0.0016 });
      expect(fees['ETH/USD']).toMatchObject({ maker: 0.003, taker: 0.004 });
    });

    it('args: XRP withdrawals send the tag as destination_tag, others as memo_id', async () => {
      const { ex, sent } = harness([{ body: { id: 1 } }, { body: { id: 2 } }]);
      const tx = await ex.withdraw('XRP', 20, 'rE1sdh25BJQ3qFwngiTBwaq3zPGGYcrjp1', '1455');
      await ex.withdraw('ADA', 5, 'addr1qxy', '77', { network: 'cardano' });
      expect(sent[0]!.url).toBe('https://www.bitstamp.net/api/v2/xrp_withdrawal/');
      expect(form(sent[0]!.body)).toEqual({
        amount: '20',
        address: 'rE1sdh25BJQ3qFwngiTBwaq3zPGGYcrjp1',
        destination_tag: '1455',
      });
      expect(sent[1]!.url).toBe('https://www.bitstamp.net/api/v2/ada_withdrawal/');
      expect(form(sent[1]!.body)).toEqual({ amount: '5', address: 'addr1qxy', memo_id: '77', network: 'cardano' });
      expect(tx).toMatchObject({
        id: '1',
        type: 'withdrawal',
        currency: 'XRP',
        amount: 20,
        tag: '1455',
        status: 'pending',
      });
    });

    it('behavior: deposit addresses carry memo ids as tags; networks go by unified code', async () => {
      const { ex, sent } = harness([
        { body: { address: '0x6a56f5b80f04b4fd70d64d72e1396698635e5436', memo_id: '299576079' } },
      ]);
      const address = await ex.fetchDepositAddress('ETH', { network: 'ERC20' });
      expect(sent[0]!.url).toBe('https://www.bitstamp.net/api/v2/eth_address/');
      expect(form(sent[0]!.body)).toEqual({ network: 'ethereum' });
      expect(address).toMatchObject({
        currency: 'ETH',
        address: '0x6a56f5b80f04b4fd70d64d72e1396698635e5436',
        tag: '299576079',
        network: 'ERC20',
      });
    });

    it('behavior: fetchCurrencies reads the currencies endpoint with its networks', async () => {
      const { ex } = harness([
        {
          body: [
            {
              name: 'Tether',
              currency: 'USDT',
              type: 'crypto',
              symbol: '₮',
              decimals: 5,
              deposit: 'Enabled',
              withdrawal: 'Disabled',
              networks: [
                {
                  network: 'ethereum',
                  deposit: 'Enabled',
                  withdrawal: 'Disabled',
                  withdrawal_decimals: 6,
                  withdrawal_minimum_amount: '20.00000',
                },
              ],
            },
            {
              name: 'Euro',
              currency: 'EUR',
              type: 'fiat',
              decimals: 2,
              deposit: 'Enabled',
              withdrawal: 'Enabled',
              networks: [],
            },
          ],
        },
      ]);
      const currencies = await ex.fetchCurrencies();
      expect(currencies['USDT']).toMatchObject({
        id: 'usdt',
        code: 'USDT',
        name: 'Tether',
        type: 'crypto',
        precision: 0.00001,
        deposit: true,
        withdraw: false,
        active: false,
        limits: { withdraw: { min: 20 } },
        networks: { ERC20: { id: 'ethereum', network: 'ERC20', withdraw: false, precision: 0.000001 } },
      });
      expect(currencies['EUR']).toMatchObject({ id: 'eur', type: 'fiat', precision: 0.01, active: true });
    });

    it('behavior: fetchMarkets lists spot pairs and perpetuals with tick-size precision', async () => {
      const spot = MARKETS['BTC/USD']!;
      const perp = MARKETS['BTC/USD:USD']!;
      const { ex } = harness([
        {
          body: [
            spot.info,
            perp.info,
            { ...(spot.info as object), market_symbol: 'xyzusd', base_currency: 'XYZ', trading: 'Disabled' },
          ],
        },
      ]);
      const markets = await ex.fetchMarkets();
      expect(markets.map((m) => [m.symbol, m.type, m.active])).toEqual([
        ['BTC/USD', 'spot', true],
        ['BTC/USD:USD', 'swap', true],
        ['XYZ/USD', 'spot', false],
      ]);
      expect(markets[0]).toMatchObject({
        id: 'btcusd',
        precision: { amount: 1e-8, price: 1 },
        limits: { cost: { min: 10 } },
      });
      expect(markets[1]).toMatchObject({
        settle: 'USD',
        linear: true,
        contract: true,
        limits: { amount: { min: 0.00001, max: 10 } },
      });
    });

    it('args: transfer goes from main to a sub-account or back, nothing else', async () => {
      const { ex, sent } = harness([{ body: { status: 'ok' } }, { body: { status: 'ok' } }]);
      const out = await ex.transfer('BTC', 0.25, 'main', '1234567');
      await ex.transfer('USD', 100, '1234567', 'main');
      expect(sent.map((r) => [r.url, form(r.body)])).toEqual([
        [
          'https://www.bitstamp.net/api/v2/transfer-from-main/',
          { amount: '0.25', currency: 'BTC', subAccount: '1234567' },
        ],
        [
          'https://www.bitstamp.net/api/v2/transfer-to-main/',
          { amount: '100', currency: 'USD', subAccount: '1234567' },
        ],
      ]);
      expect(out).toMatchObject({
        currency: 'BTC',
        amount: 0.25,
        fromAccount: 'main',
        toAccount: '1234567',
        status: 'ok',
      });
      await expect(ex.transfer('BTC', 1, '111', '222')).rejects.toThrow(/main/);
      expect(sent).toHaveLength(2);
    });

    it('behavior: fetchTickers names perpetuals as swaps and keeps unlisted pairs', async () => {
      const { ex } = harness([
        {
          body: [
            { timestamp: '1700000000', last: '36500', open: '36000', pair: 'BTC/USD-PERP' },
            { timestamp: '1700000000', last: '1.5', open: '1.4', pair: 'NEW/EUR' },
          ],
        },
      ]);
      const tickers = await ex.fetchTickers();
      expect(Object.keys(tickers).sort()).toEqual(['BTC/USD:USD', 'NEW/EUR']);
      expect(tickers['NEW/EUR']).toMatchObject({ last: 1.5, open: 1.4 });
    });

    it('behavior: fetchLedger reads every user_transactions row type', async () => {
      const { ex } = harness([
        {
          body: [
            { id: 9, datetime: '2023-11-14 22:20:00', type: '27', fee: '0', eth: '0.01', usd: 0 },
            { id: 8, datetime: '2023-11-14 22:19:00', type: '14', fee: '0', usd: '-5.00', btc: 0 },
          ],
        },
      ]);
      const ledger = await ex.fetchLedger();
      expect(ledger.map((e) => [e.id, e.type, e.direction, e.currency, e.amount])).toEqual([
        ['8', 'transfer', 'out', 'USD', 5],
        ['9', 'reward', 'in', 'ETH', 0.01],
      ]);
    });

    it('behavior: loadMarkets reads currencies/ then markets/ and resolves ids through them', async () => {
      const spot = MARKETS['BTC/USD']!;
      const sent: string[] = [];
      const replies: unknown[] = [
        [{ name: 'Bitcoin', currency: 'BTC', type: 'crypto', decimals: 8, deposit: 'Enabled', withdrawal: 'Enabled' }],
        [spot.info],
        [{ currency: 'btc', total: '1', available: '1', reserved: '0' }],
      ];
      const ex = new bitstamp({
        apiKey: 'k',
        secret: 's',
        enableRateLimit: false,
        fetch: (async (url: string) => {
          sent.push(url);
          const body = JSON.stringify(replies.shift());
          return { status: 200, statusText: 'OK', headers: new Headers(), text: async () => body };
        }) as never,
      });
      const balance = await ex.fetchBalance();
      expect(sent).toEqual([
        'https://www.bitstamp.net/api/v2/currencies/',
        'https://www.bitstamp.net/api/v2/markets/',
        'https://www.bitstamp.net/api/v2/account_balances/',
      ]);
      expect(ex.symbols).toEqual(['BTC/USD']);
      expect(ex.currencies['BTC']?.id).toBe('btc');
      expect(balance.total['BTC']).toBe(1);
    });
  });
});
