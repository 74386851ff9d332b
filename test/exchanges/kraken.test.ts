import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BadSymbol,
  CancelPending,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  OnMaintenance,
  OrderNotFound,
  PermissionDenied,
} from '../../src/core/errors.js';
import { Exchange } from '../../src/core/exchange.js';
import { UNIFIED_METHODS } from '../../src/core/spec.js';
import { hash, hmac } from '../../src/core/auth/index.js';
import { kraken } from '../../src/exchanges/kraken/kraken.js';

const SHARED = new URL('../../../shared/conformance/', import.meta.url);
const markets = JSON.parse(readFileSync(new URL('markets/kraken.json', SHARED), 'utf8')) as Record<string, never>;
const currencies = JSON.parse(readFileSync(new URL('currencies/kraken.json', SHARED), 'utf8')) as Record<string, never>;

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records every request and answers each with the next body (JSON-encoded), or a fixed one. */
function fakeFetch(...bodies: unknown[]): {
  sent: Sent[];
  fetch: (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<unknown>;
} {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: async (url, init) => {
      sent.push({ url, method: init.method, headers: init.headers, body: init.body });
      const body = bodies.length > 1 ? bodies.shift() : bodies[0];
      const text = typeof body === 'string' ? body : JSON.stringify(body ?? { error: [], result: {} });
      return {
        status: 200,
        statusText: 'OK',
        headers: new Headers({ 'content-type': 'application/json' }),
        text: async () => text,
      };
    },
  };
}

const CREDS = { apiKey: 'key', secret: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' };

function make(fetch: unknown, config: Record<string, unknown> = {}): kraken {
  const ex = new kraken({
    ...CREDS,
    enableRateLimit: false,
    fetch: fetch as never,
    now: () => 1_700_000_000_000,
    ...config,
  });
  ex.setMarkets(markets, currencies);
  return ex;
}

const form = (body: string | undefined): Record<string, string> => Object.fromEntries(new URLSearchParams(body ?? ''));

describe('kraken', () => {
  describe('signature', () => {
    it('default: matches the example published in the REST authentication guide', async () => {
      const f = fakeFetch({ error: [], result: {} });
      const ex = new kraken({
        apiKey: 'public-key',
        secret: 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==',
        now: () => 1616492376594,
        enableRateLimit: false,
        fetch: f.fetch as never,
      });
      await ex.privatePostAddOrder({ ordertype: 'limit', pair: 'XBTUSD', price: 37500, type: 'buy', volume: '1.25' });
      const req = f.sent[0]!;
      expect(req.url).toBe('https://api.kraken.com/0/private/AddOrder');
      expect(req.method).toBe('POST');
      expect(req.body).toBe('nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25');
      expect(req.headers['API-Key']).toBe('public-key');
      expect(req.headers['API-Sign']).toBe(
        '4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==',
      );
      expect(req.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    });

    it('behavior: a percent trailing offset goes as a JSON body, signed over that body', async () => {
      const f = fakeFetch({ error: [], result: { descr: { order: 'x' }, txid: ['O1'] } });
      const ex = make(f.fetch);
      await ex.createOrder('BTC/USD', 'market', 'sell', 0.001, undefined, { trailingPercent: '5%' });
      const req = f.sent[0]!;
      expect(req.headers['Content-Type']).toBe('application/json');
      const body = JSON.parse(req.body!) as Record<string, unknown>;
      expect(body).toMatchObject({ ordertype: 'trailing-stop', price: '+5%', trigger: 'last', nonce: '1700000000000' });
      const key = Buffer.from(CREDS.secret, 'base64');
      const digest = Buffer.from(hash(`1700000000000${req.body!}`, 'sha256'), 'hex');
      const message = Buffer.concat([Buffer.from('/0/private/AddOrder'), digest]);
      expect(req.headers['API-Sign']).toBe(hmac(message, key, 'sha512', 'base64'));
    });

    it('behavior: public calls are unsigned GETs with a query string', async () => {
      const f = fakeFetch({ error: [], result: { XXBTZUSD: { asks: [], bids: [] } } });
      const ex = make(f.fetch, { apiKey: undefined, secret: undefined });
      await ex.fetchOrderBook('BTC/USD', 5);
      expect(f.sent[0]!.url).toBe('https://api.kraken.com/0/public/Depth?pair=XXBTZUSD&count=5');
      expect(f.sent[0]!.method).toBe('GET');
      expect(f.sent[0]!.headers['API-Sign']).toBeUndefined();
    });

    it('behavior: nonces increase under concurrent private calls with a stalled clock', async () => {
      const f = fakeFetch({ error: [], result: {} });
      const ex = make(f.fetch);
      await Promise.all([ex.fetchBalance(), ex.fetchBalance(), ex.fetchBalance()]);
      const nonces = f.sent.map((s) => Number(form(s.body)['nonce']));
      expect(nonces).toEqual([1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002]);
    });
  });

  describe('errors', () => {
    const cases: [string, new (...a: never[]) => Error][] = [
      ['EOrder:Insufficient funds', InsufficientFunds],
      ['EGeneral:Invalid arguments', BadRequest],
      ['EGeneral:Invalid arguments:ordertype', BadRequest],
      ['EGeneral:Invalid arguments:volume', InvalidOrder],
      ['EAPI:Invalid nonce', InvalidNonce],
      ['EAPI:Invalid key', AuthenticationError],
      ['EAPI:Invalid signature', AuthenticationError],
      ['EGeneral:Permission denied', PermissionDenied],
      ['EAPI:Rate limit exceeded', DDoSProtection],
      ['EOrder:Unknown order', OrderNotFound],
      ['EOrder:Order minimum not met', InvalidOrder],
      ['EQuery:Unknown asset pair', BadSymbol],
      ['EService:Unavailable', ExchangeNotAvailable],
      ['EService:Market in cancel_only mode', OnMaintenance],
      ['EGeneral:Internal error:8a7c', ExchangeNotAvailable],
      ['EOrder:Cancel pending', CancelPending],
    ];
    for (const [message, cls] of cases) {
      it(`error: ${message} -> ${cls.name}`, async () => {
        const ex = make(fakeFetch({ error: [message] }).fetch);
        await expect(ex.fetchBalance()).rejects.toBeInstanceOf(cls);
      });
    }

    it('error: an unknown error string is an ExchangeError carrying the code', async () => {
      const ex = make(fakeFetch({ error: ['EFoo:Something new'] }).fetch);
      const err = (await ex.fetchBalance().catch((e: unknown) => e)) as ExchangeError;
      expect(err.constructor).toBe(ExchangeError);
      expect(err.code).toBe('EFoo:Something new');
    });

    it('error: a bare string error field is mapped too', async () => {
      const ex = make(fakeFetch({ error: 'EFunding:No funding method' }).fetch);
      await expect(ex.fetchDepositAddress('BTC', { method: 'x' })).rejects.toBeInstanceOf(BadRequest);
    });

    it('behavior: warnings (W...) alone do not fail a successful answer', async () => {
      const ex = make(fakeFetch({ error: ['WGeneral:Deprecated'], result: { unixtime: 1 } }).fetch);
      await expect(ex.fetchTime()).resolves.toBe(1000);
    });

    it('error: a failed order inside an AddOrderBatch result', async () => {
      const f = fakeFetch({ error: [], result: { orders: [{ txid: 'A' }, { error: 'EOrder:Insufficient funds' }] } });
      const ex = make(f.fetch);
      await expect(ex.privatePostAddOrderBatch({ pair: 'XXBTZUSD', orders: [] })).rejects.toBeInstanceOf(
        InsufficientFunds,
      );
      expect(f.sent[0]!.headers['Content-Type']).toBe('application/json');
    });

    it('error: fetchOrder for an id the answer does not hold is OrderNotFound', async () => {
      const ex = make(fakeFetch({ error: [], result: {} }).fetch);
      await expect(ex.fetchOrder('OXXXXX-XXXXX-XXXXXX')).rejects.toBeInstanceOf(OrderNotFound);
    });
  });

  describe('inputs rejected before any request', () => {
    it('error: bad symbol', async () => {
      const f = fakeFetch();
      const ex = make(f.fetch);
      await expect(ex.fetchTicker('NOPE/NOPE')).rejects.toBeInstanceOf(BadSymbol);
      await expect(ex.fetchOHLCV('NOPE/NOPE')).rejects.toBeInstanceOf(BadSymbol);
      await expect(ex.createOrder('NOPE/NOPE', 'limit', 'buy', 1, 1)).rejects.toBeInstanceOf(BadSymbol);
      expect(f.sent).toEqual([]);
    });

    it('error: invalid order arguments', async () => {
      const f = fakeFetch();
      const ex = make(f.fetch);
      for (const amount of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(ex.createOrder('BTC/USD', 'limit', 'buy', amount, 100)).rejects.toBeInstanceOf(InvalidOrder);
      }
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 1, -5)).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 1)).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.createOrder('BTC/USD', 'limit', 'hold' as never, 1, 1)).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.createOrder('BTC/USD', 'market', 'buy', 1, undefined, { postOnly: true })).rejects.toBeInstanceOf(
        InvalidOrder,
      );
      await expect(
        ex.createOrder('BTC/USD', 'market', 'sell', 1, undefined, { stopLossPrice: -1 }),
      ).rejects.toBeInstanceOf(InvalidOrder);
      await expect(ex.createOrder('BTC/USD', 'market', 'buy', 1, undefined, { cost: 0 })).rejects.toBeInstanceOf(
        InvalidOrder,
      );
      // below the amount precision (1e-8)
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 1e-10, 100)).rejects.toBeInstanceOf(InvalidOrder);
      expect(f.sent).toEqual([]);
    });

    it('error: private calls without credentials', async () => {
      const f = fakeFetch();
      const ex = make(f.fetch, { apiKey: undefined, secret: undefined });
      await expect(ex.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
      await expect(ex.createOrder('BTC/USD', 'limit', 'buy', 1, 100)).rejects.toBeInstanceOf(AuthenticationError);
      expect(f.sent).toEqual([]);
    });

    it('error: withdraw without a withdrawal key, cancelAllOrdersAfter beyond a day', async () => {
      const f = fakeFetch();
      const ex = make(f.fetch);
      await expect(ex.withdraw('BTC', 1, 'bc1q')).rejects.toBeInstanceOf(ArgumentsRequired);
      await expect(ex.cancelAllOrdersAfter(86_400_001)).rejects.toBeInstanceOf(BadRequest);
      await expect(ex.cancelAllOrdersAfter(-1)).rejects.toBeInstanceOf(BadRequest);
      expect(f.sent).toEqual([]);
    });
  });

  describe('behavior', () => {
    it('behavior: has is true exactly for the methods the class implements', () => {
      const ex = new kraken();
      const base = Exchange.prototype as unknown as Record<string, unknown>;
      const proto = kraken.prototype as unknown as Record<string, unknown>;
      for (const m of UNIFIED_METHODS) expect(ex.has[m] === true, m).toBe(proto[m] !== base[m]);
      expect(ex.has.margin).toBe(true);
      expect(ex.has.swap).toBe(false);
    });

    it('behavior: loadMarkets reads Assets, then AssetPairs, and resolves legacy ids through the altname', async () => {
      const f = fakeFetch(
        {
          error: [],
          result: {
            XXBT: { aclass: 'currency', altname: 'XBT', decimals: 10, display_decimals: 5, status: 'enabled' },
            ZUSD: { aclass: 'currency', altname: 'USD', decimals: 4, display_decimals: 2, status: 'enabled' },
            XNEW: { aclass: 'currency', altname: 'NEW', decimals: 2, display_decimals: 2, status: 'enabled' },
          },
        },
        {
          error: [],
          result: {
            XXBTZUSD: {
              altname: 'XBTUSD',
              wsname: 'XBT/USD',
              base: 'XXBT',
              quote: 'ZUSD',
              pair_decimals: 1,
              lot_decimals: 8,
              status: 'online',
            },
            XNEWZUSD: {
              altname: 'NEWUSD',
              base: 'XNEW',
              quote: 'ZUSD',
              pair_decimals: 4,
              lot_decimals: 8,
              status: 'online',
            },
          },
        },
      );
      const ex = new kraken({ fetch: f.fetch as never, enableRateLimit: false });
      await ex.loadMarkets();
      expect(f.sent.map((s) => s.url)).toEqual([
        'https://api.kraken.com/0/public/Assets',
        'https://api.kraken.com/0/public/AssetPairs',
      ]);
      expect(ex.symbols).toEqual(['BTC/USD', 'NEW/USD']);
      // XNEW is in no alias table: its altname names it
      expect(ex.markets['NEW/USD']!.base).toBe('NEW');
      // the asset has 2 decimals: amounts cannot be finer than that, whatever lot_decimals says
      expect(ex.markets['NEW/USD']!.precision.amount).toBe(0.01);
      expect(ex.markets['BTC/USD']!.precision.amount).toBe(1e-8);
      expect(ex.safeCurrencyCode('XBT.M')).toBe('BTC.M');
      expect(ex.safeCurrencyCode('XXDG')).toBe('DOGE');
    });

    it('behavior: orders and trades on an altname or a delisted pair still get a symbol', async () => {
      const ex = make(
        fakeFetch({
          error: [],
          result: {
            trades: {
              T1: {
                ordertxid: 'O1',
                pair: 'XBTUSD',
                time: 1,
                type: 'buy',
                ordertype: 'limit',
                price: '1',
                vol: '1',
                fee: '0',
              },
              T2: {
                ordertxid: 'O2',
                pair: 'XXLMZEUR',
                time: 2,
                type: 'sell',
                ordertype: 'market',
                price: '1',
                vol: '1',
              },
            },
          },
        }).fetch,
      );
      const trades = await ex.fetchMyTrades();
      expect(trades.map((t) => t.symbol)).toEqual(['BTC/USD', 'XLM/EUR']);
      expect(trades[0]!.fee).toEqual({ cost: 0, currency: 'USD' });
    });

    it('args: since on OHLCV asks one interval earlier and filters locally', async () => {
      const f = fakeFetch({
        error: [],
        result: {
          XBTUSDT: [
            [1706626800, '1', '1', '1', '1', '1', '1', 1],
            [1706627700, '2', '2', '2', '2', '2', '2', 1],
          ],
          last: 1706627700,
        },
      });
      const ex = make(f.fetch);
      const rows = await ex.fetchOHLCV('BTC/USDT', '15m', 1706627000000);
      expect(f.sent[0]!.url).toContain('since=1706626100');
      expect(f.sent[0]!.url).toContain('interval=15');
      expect(rows.map((r) => r[0])).toEqual([1706627700000]);
      await expect(ex.fetchOHLCV('BTC/USDT', '3m')).rejects.toBeInstanceOf(BadRequest);
    });

    it('args: limit on public trades keeps the newest; the last cursor names an id-less newest row', async () => {
      const ex = make(
        fakeFetch({
          error: [],
          result: {
            XXBTZUSD: [
              ['1', '1', 10, 'b', 'l', ''],
              ['2', '1', 11, 's', 'm', ''],
            ],
            last: '11000000001',
          },
        }).fetch,
      );
      const trades = await ex.fetchTrades('BTC/USD', undefined, 1);
      expect(trades).toHaveLength(1);
      expect(trades[0]).toMatchObject({ id: '11000000001', price: 2, side: 'sell', type: 'market', timestamp: 11000 });
    });

    it('behavior: margin orders carry leverage and reduce_only; oflags combine', async () => {
      const f = fakeFetch({ error: [], result: { descr: { order: 'sell 0.1 XBTUSD @ limit 30000.0' }, txid: ['O1'] } });
      const ex = make(f.fetch);
      await ex.createOrder('BTC/USD', 'limit', 'sell', 0.1, 30000.04, {
        leverage: 3,
        reduceOnly: true,
        postOnly: true,
        oflags: 'fciq',
      });
      expect(form(f.sent[0]!.body)).toEqual({
        nonce: '1700000000000',
        pair: 'XXBTZUSD',
        type: 'sell',
        ordertype: 'limit',
        volume: '0.1',
        price: '30000',
        reduce_only: 'true',
        oflags: 'fciq,post',
        leverage: '3',
      });
    });

    it('behavior: the amount of a viqc market buy is read back as cost', async () => {
      const f = fakeFetch({ error: [], result: { descr: { order: 'buy 50.00000000 XBTUSD @ market' }, txid: ['O1'] } });
      const ex = make(f.fetch);
      const order = await ex.createOrder('BTC/USD', 'market', 'buy', 50, undefined, { cost: 50 });
      expect(order).toMatchObject({ id: 'O1', type: 'market', side: 'buy', cost: 50, amount: undefined });
    });

    it('behavior: fetchDepositAddress picks the deposit method naming the network', async () => {
      const f = fakeFetch(
        {
          error: [],
          result: [
            { method: 'Tether USD (ERC20)', limit: false, 'gen-address': true },
            { method: 'Tether USD (TRC20)', limit: false, 'gen-address': true },
          ],
        },
        { error: [], result: [{ address: 'TQmdxSuC16EhFg8FZWtYgrfFRosoRF7bCp', expiretm: '0' }] },
      );
      const ex = make(f.fetch);
      const address = await ex.fetchDepositAddress('USDT', { network: 'trx' });
      expect(form(f.sent[1]!.body)).toMatchObject({ asset: 'USDT', method: 'Tether USD (TRC20)' });
      expect(address).toMatchObject({
        currency: 'USDT',
        address: 'TQmdxSuC16EhFg8FZWtYgrfFRosoRF7bCp',
        network: 'TRX',
      });
    });

    it('behavior: private endpoints share one counter bucket; trading calls cost nothing there', () => {
      const api = kraken.spec.api.private.post;
      expect(api.Ledgers).toEqual({ cost: 2, bucket: 'private' });
      expect(api.BalanceEx).toEqual({ cost: 1, bucket: 'private' });
      expect(api.AddOrder.cost).toBe(0);
      expect(kraken.spec.rateLimitBuckets.private).toEqual({ rateLimit: 3000, capacity: 15 });
    });
  });
});
