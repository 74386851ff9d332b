/** The paper exchange through the unified API: embedded data, orders, errors, streams, sources, state file. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOrderBook, buildTrade } from '../../src/core/build.js';
import { TICK_SIZE, dAdd, dCmp, dMul, dSub } from '../../src/core/decimal.js';
import {
  ArgumentsRequired,
  BadRequest,
  BadSymbol,
  ExchangeClosedByUser,
  ExchangeError,
  InsufficientFunds,
  InvalidOrder,
  NotSupported,
  OrderImmediatelyFillable,
  OrderNotFound,
} from '../../src/core/errors.js';
import { Exchange } from '../../src/core/exchange.js';
import { defineSpec } from '../../src/core/spec.js';
import type { Market, OrderBook, Ticker, Trade } from '../../src/core/types.js';
import { paper } from '../../src/paper/paper.js';
import { ReplaySource } from '../../src/paper/source.js';
import { createExchange } from '../../src/registry.js';

const offline = async (url: string): Promise<never> => {
  throw new Error(`paper must not use the network: ${url}`);
};
const tmp = (): string => mkdtempSync(join(tmpdir(), 'unifex-paper-'));
const money = (x: number | undefined): string => String(x);

describe('paper: embedded dataset', () => {
  it('default: offline markets, currencies, ticker, book, trades and candles, labelled recorded or generated', async () => {
    const ex = (await createExchange('paper', { fetch: offline as never })) as paper;
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/BTC', 'ETH/USDT', 'LTC/USDT', 'XRP/USDT']);
    expect(markets['BTC/USDT']).toMatchObject({ spot: true, maker: 0.001, taker: 0.001, precision: { price: 0.01 } });
    expect(ex.codes).toEqual(['BTC', 'ETH', 'LTC', 'USDT', 'XRP']);

    const btc = await ex.fetchTicker('BTC/USDT');
    expect(btc).toMatchObject({ last: 73384.8, bid: 73384.7, ask: 73384.8, open: 72166.8, high: 73625.6, low: 68600 });
    expect(btc.info).toMatchObject({ generated: false });
    expect(String(btc.info.source)).toContain('OKX');
    expect((await ex.fetchTicker('ETH/USDT')).info).toMatchObject({ generated: true });
    expect(Object.keys(await ex.fetchTickers())).toHaveLength(5);

    const book = await ex.fetchOrderBook('BTC/USDT', 10);
    expect(book.bids).toHaveLength(10);
    expect(book.bids[0]).toEqual([73384.7, 0.0655768]);
    expect(book.asks[0]).toEqual([73384.8, 0.40193728]);
    for (let i = 1; i < 10; i++) {
      expect(book.bids[i]![0]).toBeLessThan(book.bids[i - 1]![0]);
      expect(book.asks[i]![0]).toBeGreaterThan(book.asks[i - 1]![0]);
    }

    const trades = await ex.fetchTrades('BTC/USDT');
    const recorded = trades.filter((t) => t.info.recorded === true);
    expect(recorded.length).toBeGreaterThanOrEqual(10);
    expect(recorded.find((t) => t.info.venue === 'binance')).toMatchObject({ price: 73238.7, amount: 0.00109 });
    expect(trades.at(-1)).toMatchObject({ price: 73384.8, info: { generated: true } });
    expect(await ex.fetchTrades('BTC/USDT', undefined, 3)).toHaveLength(3);

    const hours = await ex.fetchOHLCV('BTC/USDT', '1h', undefined, 24);
    expect(hours).toHaveLength(24);
    expect(hours.at(-1)![4]).toBe(73384.8);
    expect(Math.max(...hours.map((c) => c[2]!))).toBeLessThanOrEqual(73625.6);
    const days = await ex.fetchOHLCV('BTC/USDT', '1d');
    expect(days.length).toBeGreaterThanOrEqual(7);
    const since = hours[5]![0];
    expect((await ex.fetchOHLCV('BTC/USDT', '1h', since, 2)).map((c) => c[0])).toEqual([since, since + 3_600_000]);
    await expect(ex.fetchOHLCV('BTC/USDT', '7m')).rejects.toBeInstanceOf(BadRequest);

    const about = ex.describeSource();
    expect(about['kind']).toBe('embedded');
    expect(String(about['note'])).toMatch(/Recorded.*Generated/s);
    await ex.close();
  });

  it('behavior: the same data every time (deterministic generation)', async () => {
    const a = new paper();
    const b = new paper();
    expect(await a.fetchOHLCV('XRP/USDT', '5m', undefined, 50)).toEqual(
      await b.fetchOHLCV('XRP/USDT', '5m', undefined, 50),
    );
    // the nonce counts refreshes of the embedded book (one a second): two calls may straddle a second
    const levels = (book: { bids: unknown; asks: unknown; timestamp: unknown }): unknown => [
      book.bids,
      book.asks,
      book.timestamp,
    ];
    expect(levels(await a.fetchOrderBook('ETH/BTC'))).toEqual(levels(await b.fetchOrderBook('ETH/BTC')));
  });

  it('behavior: a limit order rests, a market order fills against the book with fees in the currency received', async () => {
    const ex = new paper();
    const start = await ex.fetchBalance();
    expect(start.total).toEqual({ BTC: 4, ETH: 50, USDT: 240000 });

    const limit = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.5, 73000);
    expect(limit).toMatchObject({ status: 'open', side: 'buy', price: 73000, amount: 0.5, filled: 0, remaining: 0.5 });
    let b = await ex.fetchBalance();
    expect(b['USDT']).toEqual({ free: 240000 - 36500, used: 36500, total: 240000 });
    expect((await ex.fetchOrderBook('BTC/USDT', 100)).bids.find((l) => l[0] === 73000)?.[1]).toBeGreaterThanOrEqual(
      0.5,
    );

    const market = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.5);
    expect(market.status).toBe('closed');
    expect(market.filled).toBe(0.5);
    expect(market.trades.map((t) => [t.price, t.amount])).toEqual([
      [73384.8, 0.40193728],
      [73387.84, 0.09806272],
    ]);
    const cost = dAdd(dMul('73384.8', '0.40193728'), dMul('73387.84', '0.09806272'));
    expect(money(market.cost)).toBe(String(Number(cost)));
    expect(market.fee).toEqual({ cost: 0.0005, currency: 'BTC' });
    expect(market.trades[0]!.fee).toMatchObject({ currency: 'BTC', rate: 0.001 });
    b = await ex.fetchBalance();
    expect(b.total['BTC']).toBe(4.4995);
    expect(b.total['USDT']).toBe(Number(dSub('240000', cost)));
    expect(b.used['USDT']).toBe(36500);

    expect((await ex.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toEqual([limit.id]);
    expect((await ex.fetchClosedOrders()).map((o) => o.id)).toEqual([market.id]);
    expect(await ex.fetchMyTrades('BTC/USDT')).toHaveLength(2);
    expect(await ex.fetchOrderTrades(market.id)).toHaveLength(2);
    expect((await ex.fetchOrder(limit.id)).status).toBe('open');

    const canceled = await ex.cancelOrder(limit.id, 'BTC/USDT');
    expect(canceled).toMatchObject({ status: 'canceled', remaining: 0.5 });
    expect((await ex.fetchBalance()).used['USDT']).toBe(0);
    expect((await ex.fetchCanceledOrders()).map((o) => o.id)).toEqual([limit.id]);

    // the paper fills are on the venue's tape
    const tape = (await ex.fetchTrades('BTC/USDT')).filter((t) => t.info.paper === true);
    expect(tape.map((t) => t.amount)).toEqual([0.40193728, 0.09806272]);
    await ex.close();
  });

  it('behavior: sells pay fees in quote; market buys by cost; post-only and IOC/FOK through params', async () => {
    const ex = new paper({ fees: { maker: 0.0002, taker: 0.0007 } });
    expect((await ex.fetchTradingFee('ETH/USDT')).taker).toBe(0.0007);
    const sell = await ex.createOrder('ETH/USDT', 'market', 'sell', 2);
    expect(sell.fee!.currency).toBe('USDT');
    expect(money(sell.fee!.cost)).toBe(String(Number(dMul(String(sell.cost), '0.0007'))));
    const byCost = await ex.createMarketBuyOrder('ETH/USDT', 0, { cost: 1000 });
    expect(byCost.status).toBe('closed');
    expect(byCost.cost).toBeLessThanOrEqual(1000);
    expect(byCost.cost).toBeGreaterThan(999);
    const po = await ex.createOrder('ETH/USDT', 'limit', 'buy', 1, 4000, { postOnly: true });
    expect(po).toMatchObject({ status: 'open', postOnly: true, timeInForce: 'PO' });
    await expect(ex.createOrder('ETH/USDT', 'limit', 'buy', 1, 4100, { postOnly: true })).rejects.toBeInstanceOf(
      OrderImmediatelyFillable,
    );
    const ioc = await ex.createOrder('ETH/USDT', 'limit', 'buy', 1, 4000, { timeInForce: 'IOC' });
    expect(ioc).toMatchObject({ status: 'canceled', filled: 0 });
    const fok = await ex.createOrder('ETH/USDT', 'limit', 'buy', 1, 4100, { timeInForce: 'FOK' });
    expect(fok).toMatchObject({ status: 'closed', filled: 1 });
    expect((await ex.cancelAllOrders('ETH/USDT')).map((o) => o.id)).toEqual([po.id]);
  });

  it('error: the classes a real exchange raises, before anything changes', async () => {
    const ex = new paper({ balance: { USDT: 1000, BTC: 0.01 } });
    await ex.loadMarkets();
    const before = await ex.fetchBalance();
    await expect(ex.createOrder('BTC/USDT', 'market', 'buy', 1)).rejects.toBeInstanceOf(InsufficientFunds);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'sell', 0.02, 80000)).rejects.toBeInstanceOf(InsufficientFunds);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.000001, 70000)).rejects.toBeInstanceOf(InvalidOrder);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.00001, 100)).rejects.toThrow(/minimum 5/);
    await expect(ex.createOrder('BTC/USDT', 'stop', 'buy', 0.001, 70000)).rejects.toBeInstanceOf(InvalidOrder);
    await expect(
      ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 70000, { timeInForce: 'GTX' }),
    ).rejects.toBeInstanceOf(InvalidOrder);
    // one trigger per order: a stop-loss and a take-profit together would be an OCO, which paper does not simulate
    await expect(
      ex.createOrder('BTC/USDT', 'limit', 'sell', 0.001, 70000, { stopLossPrice: 71000, takeProfitPrice: 80000 }),
    ).rejects.toBeInstanceOf(NotSupported);
    await expect(ex.createOrder('NOPE/USDT', 'limit', 'buy', 1, 1)).rejects.toBeInstanceOf(BadSymbol);
    await expect(ex.fetchTicker('NOPE/USDT')).rejects.toBeInstanceOf(BadSymbol);
    await expect(ex.fetchOrder('12345')).rejects.toBeInstanceOf(OrderNotFound);
    await expect(ex.cancelOrder('12345')).rejects.toBeInstanceOf(OrderNotFound);
    const o = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 70000);
    await expect(ex.fetchOrder(o.id, 'ETH/USDT')).rejects.toBeInstanceOf(OrderNotFound);
    await ex.cancelOrder(o.id);
    await expect(ex.cancelOrder(o.id)).rejects.toBeInstanceOf(OrderNotFound);
    expect((await ex.fetchBalance()).total).toEqual(before.total);
  });

  it('behavior: consumed book liquidity comes back after refreshMs', async () => {
    let now = 1_800_000_000_000;
    const ex = new paper({ now: () => now, options: { refreshMs: 1000 } });
    const first = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.40193728);
    expect(first.average).toBe(73384.8);
    const second = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001);
    expect(second.average).toBeGreaterThan(73384.8); // the best level is used up this tick
    now += 1000;
    expect((await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001)).average).toBe(73384.8);
  });

  it('behavior: accounts are separate; params.account trades for another one', async () => {
    const ex = new paper({ balance: { USDT: 10000 } });
    await ex.createOrder('BTC/USDT', 'limit', 'sell', 0.01, 80000, { account: 'bob' }).catch((e: unknown) => e);
    expect((await ex.fetchBalance({ account: 'bob' })).total).toEqual({ USDT: 10000 });
    await ex.deposit('BTC', 1, { account: 'bob' });
    // inside the source's spread (73384.7 / 73384.8): bob's ask is the best one
    const ask = await ex.createOrder('BTC/USDT', 'limit', 'sell', 0.01, 73384.75, { account: 'bob' });
    const buy = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 73384.79);
    expect(buy.trades[0]).toMatchObject({ price: 73384.75, takerOrMaker: 'taker' });
    expect((await ex.fetchOrder(ask.id, undefined, { account: 'bob' })).status).toBe('closed');
    await expect(ex.fetchOrder(ask.id)).rejects.toBeInstanceOf(OrderNotFound);
  });
});

describe('paper: watch', () => {
  it('behavior: watchOrderBook answers with the book, then with the next change', async () => {
    const ex = new paper();
    const first = await ex.watchOrderBook('BTC/USDT', 5);
    expect(first.asks[0]).toEqual([73384.8, 0.40193728]);
    const next = ex.watchOrderBook('BTC/USDT', 5);
    await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.2, 73384.75);
    const book = await next;
    expect(book.bids[0]).toEqual([73384.75, 0.2]);
    expect(book.bids).toHaveLength(5);
    await ex.close();
  });

  it('behavior: watchOrders, watchMyTrades, watchBalance and watchTrades follow the account and the tape', async () => {
    const ex = new paper();
    const balance0 = await ex.watchBalance();
    expect(balance0.total['USDT']).toBe(240000);
    const orders = ex.watchOrders('BTC/USDT');
    const mine = ex.watchMyTrades();
    const balance = ex.watchBalance();
    const tape = ex.watchTrades('BTC/USDT');
    const o = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.1);
    expect((await orders).map((x) => [x.id, x.status])).toEqual([[o.id, 'closed']]);
    expect((await mine).map((t) => t.order)).toEqual([o.id, o.id]);
    expect((await balance).total['BTC']).toBe(3.9);
    expect((await tape).map((t) => [t.side, t.amount, t.info.paper])).toEqual([
      ['sell', 0.0655768, true],
      ['sell', 0.0344232, true],
    ]);
    // an order of another symbol does not wake a BTC/USDT watcher
    const btcOnly = ex.watchOrders('BTC/USDT');
    await ex.createOrder('ETH/USDT', 'market', 'buy', 0.1);
    const later = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 70000);
    expect((await btcOnly).map((x) => x.id)).toEqual([later.id]);
    await ex.close();
  });

  it('behavior: a first watch call made just before an order sees it; a balance change between calls is not lost', async () => {
    const ex = new paper();
    const first = await ex.watchBalance(); // loads the streams
    // this hash's first call: the fill below happens while the call is still getting ready
    const mine = ex.watchMyTrades('BTC/USDT');
    const o = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.01);
    expect((await mine).map((t) => t.order)).toContain(o.id);
    await ex.createOrder('BTC/USDT', 'market', 'sell', 0.01);
    // nobody was waiting when the two orders changed the balance: the next call answers with it at once
    const next = await ex.watchBalance();
    expect(next.total['USDT']).toBeLessThan(first.total['USDT']!);
    await ex.close();
  });

  it('behavior: stream() iterates updates; close() rejects pending watches with ExchangeClosedByUser', async () => {
    const ex = new paper();
    const seen: number[] = [];
    const it = ex.stream('orderBook', 'ETH/USDT', 1);
    seen.push((await it.next()).value.bids[0][0]);
    const pending = it.next();
    await ex.createOrder('ETH/USDT', 'limit', 'buy', 1, 4042.3);
    seen.push((await pending).value.bids[0][0]);
    await it.return(undefined);
    expect(seen).toEqual([4042.29, 4042.3]);
    const waiting = ex.watchOrders();
    await ex.close();
    await expect(waiting).rejects.toBeInstanceOf(ExchangeClosedByUser);
  });
});

describe('paper: replay source', () => {
  const lines = [
    { type: 'book', symbol: 'BTC/USDT', timestamp: 1000, bids: [['99', '1']], asks: [['101', '1']] },
    { type: 'trade', symbol: 'BTC/USDT', timestamp: 2000, price: '100.5', amount: '0.3', side: 'buy', id: 'a' },
    { type: 'trade', symbol: 'BTC/USDT', timestamp: 3000, price: '99.5', amount: '0.4', side: 'sell', id: 'b' },
    {
      type: 'book',
      symbol: 'BTC/USDT',
      timestamp: 4000,
      bids: [['98', '1']],
      asks: [
        ['99.8', '0.5'],
        ['102', '1'],
      ],
    },
    { type: 'trades', symbol: 'FOO/USDT', timestamp: 4500, trades: [{ price: '1.2345', amount: '10.5' }] },
    { type: 'ticker', symbol: 'BTC/USDT', timestamp: 5000, last: '99.9', bid: '98', ask: '99.8', baseVolume: '12' },
  ];

  it('behavior: stepped by hand, its trades and books fill resting orders at replay time', async () => {
    const ex = new paper({ source: { lines, speed: 0 }, balance: { USDT: 1000 } });
    await ex.loadMarkets();
    expect(ex.symbols).toEqual(['BTC/USDT', 'FOO/USDT']);
    expect(ex.markets['FOO/USDT']).toMatchObject({ precision: { price: 0.0001, amount: 0.1 } });
    expect(ex.markets['FOO/USDT']!.info).toMatchObject({ generated: true });
    const replay = ex.source as ReplaySource;
    replay.step(1);
    expect((await ex.fetchOrderBook('BTC/USDT')).asks).toEqual([[101, 1]]);
    const bid = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 100);
    expect(bid.timestamp).toBe(1000); // the replay's clock
    replay.step(1); // a buy at 100.5 never fills a bid
    expect((await ex.fetchOrder(bid.id)).filled).toBe(0);
    replay.step(1); // a sell at 99.5 goes through the bid: 0.4 filled at the bid's price
    let o = await ex.fetchOrder(bid.id);
    expect(o).toMatchObject({ filled: 0.4, lastTradeTimestamp: 3000 });
    expect(o.trades[0]).toMatchObject({ price: 100, takerOrMaker: 'maker', fee: { currency: 'BTC' } });
    replay.step(1); // the new book's ask at 99.8 crosses the bid: 0.5 more
    o = await ex.fetchOrder(bid.id);
    expect(o).toMatchObject({ filled: 0.9, remaining: 0.1, status: 'open' });
    expect((await ex.fetchOrderBook('BTC/USDT')).asks).toEqual([[102, 1]]);
    replay.step(2);
    expect(await ex.fetchTicker('BTC/USDT')).toMatchObject({ last: 99.9, timestamp: 5000 });
    expect((await ex.fetchTrades('FOO/USDT'))[0]).toMatchObject({ price: 1.2345, amount: 10.5 });
    expect(replay.remaining).toBe(0);
    const b = await ex.fetchBalance();
    expect(b.total['BTC']).toBe(0.9 * 0.999);
    expect(b.used['USDT']).toBe(10);
    await ex.close();
  });

  it('behavior: a JSONL file played as fast as possible reaches its end; watchers see its trades', async () => {
    const dir = tmp();
    const file = join(dir, 'ticks.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const ex = new paper({ source: { file, speed: Infinity } });
    await ex.loadMarkets();
    const replay = ex.source as ReplaySource;
    const seen: Trade[] = [];
    const watching = (async () => {
      while (seen.length < 2) seen.push(...(await ex.watchTrades('BTC/USDT')));
    })();
    await ex.matchingEngine(); // starts playing
    await replay.done;
    await watching;
    expect(seen.map((t) => t.id)).toEqual(['a', 'b']);
    expect((await ex.fetchOHLCV('BTC/USDT', '1m')).at(-1)).toEqual([0, 100.5, 100.5, 99.5, 99.5, 0.7]);
    await ex.close();
  });

  it('error: a line that is not JSON or has no timestamp is BadRequest', async () => {
    await expect(new paper({ source: { lines: '{"type":"book"' } }).loadMarkets()).rejects.toBeInstanceOf(BadRequest);
    await expect(
      new paper({ source: { lines: [{ type: 'trade', symbol: 'X/Y', price: 1, amount: 1 }] } }).loadMarkets(),
    ).rejects.toThrow(/timestamp/);
  });
});

/** A stand-in for a live exchange: public market data from memory, counting calls. */
const fakeSpec = defineSpec({
  id: 'fakelive',
  name: 'Fake live',
  countries: [],
  rateLimit: 0,
  marketTypes: ['spot'],
  precisionMode: TICK_SIZE,
  urls: { api: {} },
  api: {},
});
class fakelive extends Exchange {
  static override spec = fakeSpec;
  book: OrderBook = buildOrderBook(
    [['30000', '1']],
    [
      ['30010', '0.5'],
      ['30020', '2'],
    ],
    'BTC/USD',
    1,
    1,
  );
  trades: Trade[] = [];
  last = 30005;
  calls: string[] = [];
  override async fetchMarkets(): Promise<Market[]> {
    this.calls.push('fetchMarkets');
    const m = (symbol: string, type: 'spot' | 'swap'): Market => ({
      id: symbol.replace('/', ''),
      symbol,
      base: symbol.split('/')[0]!,
      quote: 'USD',
      baseId: 'XBT',
      quoteId: 'ZUSD',
      type,
      spot: type === 'spot',
      margin: false,
      swap: type === 'swap',
      future: false,
      option: false,
      active: true,
      contract: type === 'swap',
      precision: { amount: 0.0001, price: 0.1 },
      limits: { amount: { min: 0.0001 } },
      info: {},
    });
    return [m('BTC/USD', 'spot'), m('ETH/USD:USD', 'swap')];
  }
  override async fetchTicker(symbol: string): Promise<Ticker> {
    this.calls.push('fetchTicker');
    return { symbol, last: this.last, info: {} } as Ticker;
  }
  override async fetchOrderBook(): Promise<OrderBook> {
    this.calls.push('fetchOrderBook');
    return this.book;
  }
  override async fetchTrades(): Promise<Trade[]> {
    this.calls.push('fetchTrades');
    return this.trades;
  }
}

describe('paper: live source', () => {
  it('behavior: market data from the other exchange, orders on paper, resting orders filled by its trades', async () => {
    let now = 5_000;
    const live = new fakelive();
    const ex = new paper({ source: live, now: () => now, options: { pollInterval: 1000 } });
    await ex.loadMarkets();
    expect(ex.symbols).toEqual(['BTC/USD']); // spot only
    expect((await ex.fetchTicker('BTC/USD')).last).toBe(30005);
    expect((await ex.fetchBalance()).total).toEqual({ BTC: 4, ETH: 50, USD: 240000 });
    const taker = await ex.createOrder('BTC/USD', 'market', 'buy', 1);
    expect(taker.trades.map((t) => [t.price, t.amount])).toEqual([
      [30010, 0.5],
      [30020, 0.5],
    ]);
    const bid = await ex.createOrder('BTC/USD', 'limit', 'buy', 0.5, 29990);
    live.trades = [
      buildTrade({
        id: 't1',
        timestamp: 6_000,
        symbol: 'BTC/USD',
        side: 'sell',
        price: '29980',
        amount: '2',
        info: {},
      }),
    ];
    live.book = buildOrderBook([['29970', '1']], [['29985', '1']], 'BTC/USD', 6_000, 2);
    now = 7_000;
    const o = await ex.fetchOrder(bid.id); // pulls the live book and trades for symbols with resting orders
    expect(o).toMatchObject({ status: 'closed', filled: 0.5, average: 29990 });
    expect(live.calls.filter((c) => c === 'fetchTrades')).toHaveLength(1);
    await ex.fetchOpenOrders(); // within pollInterval: no new pull
    expect(live.calls.filter((c) => c === 'fetchTrades')).toHaveLength(1);
    await ex.close();
  });
});

describe('paper: live source, watched', () => {
  it('behavior: while watched, the live book and ticker are pulled every pollInterval', async () => {
    const live = new fakelive();
    const ex = new paper({ source: live, options: { pollInterval: 20 } });
    expect((await ex.watchOrderBook('BTC/USD')).asks[0]).toEqual([30010, 0.5]);
    live.book = buildOrderBook([['30001', '1']], [['30002', '1']], 'BTC/USD', 2, 2);
    expect((await ex.watchOrderBook('BTC/USD')).bids[0]).toEqual([30001, 1]);
    expect((await ex.watchTicker('BTC/USD')).last).toBe(30005);
    live.last = 30100;
    expect((await ex.watchTicker('BTC/USD')).last).toBe(30100);
    await expect(ex.fetchTickers()).rejects.toBeInstanceOf(NotSupported);
    expect(Object.keys(await ex.fetchTickers(['BTC/USD']))).toEqual(['BTC/USD']);
    await ex.close();
  });
});

describe('paper: state file', () => {
  it('behavior: balances, orders and fills survive a restart', async () => {
    const file = join(tmp(), 'state.json');
    const a = new paper({ stateFile: file });
    const rest = await a.createOrder('BTC/USDT', 'limit', 'sell', 1, 80000);
    const filled = await a.createOrder('ETH/USDT', 'market', 'buy', 2);
    const balance = await a.fetchBalance();
    await a.close();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { format: string; engine: { orders: unknown[] } };
    expect(saved.format).toBe('unifex-paper-state');
    expect(saved.engine.orders).toHaveLength(2);

    const b = new paper({ stateFile: file });
    expect((await b.fetchBalance()).total).toEqual(balance.total);
    expect((await b.fetchBalance()).used).toEqual(balance.used);
    expect((await b.fetchOpenOrders()).map((o) => o.id)).toEqual([rest.id]);
    expect((await b.fetchOrder(filled.id)).trades.length).toBe(filled.trades.length);
    expect(await b.fetchMyTrades()).toHaveLength(filled.trades.length);
    const next = await b.createOrder('BTC/USDT', 'limit', 'sell', 0.1, 90000);
    expect(Number(next.id)).toBeGreaterThan(Number(filled.id));
    await b.cancelAllOrders();
    await b.close();
    const c = new paper({ stateFile: file });
    expect(await c.fetchOpenOrders()).toEqual([]);
    expect((await c.fetchBalance()).used['BTC']).toBe(0);
  });

  it('behavior: concurrent createOrder calls are all kept, funds never overspent, the file always whole', async () => {
    const dir = tmp();
    const file = join(dir, 'state.json');
    const ex = new paper({ stateFile: file, balance: { USDT: 10000 } });
    await ex.loadMarkets();
    // 60 orders of 0.01 BTC at 20,000 = 200 USDT each: only 50 can be paid for
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, () => ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 20000)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(50);
    expect(refused.every((r) => (r as PromiseRejectedResult).reason instanceof InsufficientFunds)).toBe(true);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      engine: {
        orders: { status: string }[];
        accounts: Record<string, Record<string, { free: string; used: string }>>;
      };
    };
    expect(saved.engine.orders.filter((o) => o.status === 'open')).toHaveLength(50);
    const usdt = saved.engine.accounts['main']!['USDT']!;
    expect(dCmp(usdt.free, '0')).toBeGreaterThanOrEqual(0);
    expect(dAdd(usdt.free, usdt.used)).toBe('10000');
    expect((await ex.matchingEngine()).audit()).toEqual([]);
    await Promise.all(ok.map((r) => ex.cancelOrder((r as PromiseFulfilledResult<{ id: string }>).value.id)));
    await ex.close();
    const reloaded = new paper({ stateFile: file });
    expect(await reloaded.fetchOpenOrders()).toEqual([]);
    expect((await reloaded.fetchBalance()).total['USDT']).toBe(10000);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('error: a state file that is not a paper state is left untouched and reported', async () => {
    const file = join(tmp(), 'state.json');
    writeFileSync(file, '{"hello": "world"}');
    const ex = new paper({ stateFile: file });
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(ExchangeError);
    expect(readFileSync(file, 'utf8')).toBe('{"hello": "world"}');
    expect(existsSync(file)).toBe(true);
  });
});

describe('paper: trigger orders', () => {
  const lines = [
    {
      type: 'book',
      symbol: 'BTC/USDT',
      timestamp: 1000,
      bids: [
        ['100', '2'],
        ['99', '5'],
      ],
      asks: [
        ['101', '2'],
        ['102', '5'],
      ],
    },
    { type: 'trade', symbol: 'BTC/USDT', timestamp: 2000, price: '100.5', amount: '0.1', side: 'buy', id: 'a' },
    { type: 'trade', symbol: 'BTC/USDT', timestamp: 3000, price: '99', amount: '0.1', side: 'sell', id: 'b' },
    {
      type: 'book',
      symbol: 'BTC/USDT',
      timestamp: 4000,
      bids: [
        ['97', '2'],
        ['96', '5'],
      ],
      asks: [
        ['98', '2'],
        ['99', '5'],
      ],
    },
    { type: 'trade', symbol: 'BTC/USDT', timestamp: 5000, price: '97', amount: '0.1', side: 'sell', id: 'c' },
    { type: 'trade', symbol: 'BTC/USDT', timestamp: 6000, price: '104', amount: '0.1', side: 'buy', id: 'd' },
  ];
  const balance = { BTC: 2, USDT: 1000 };
  /** A paper exchange on the replay, played up to the first trade (last price 100.5, clock 2000). */
  const start = async (config: Record<string, unknown> = {}): Promise<{ ex: paper; replay: ReplaySource }> => {
    const ex = new paper({ source: { lines, speed: 0 }, balance, ...config });
    await ex.matchingEngine();
    const replay = ex.source as ReplaySource;
    replay.step(2);
    return { ex, replay };
  };

  it('behavior: a stop-loss sell triggers when the last price falls to it and fills as a market order', async () => {
    const { ex, replay } = await start();
    const o = await ex.createOrder('BTC/USDT', 'market', 'sell', 1, undefined, { stopLossPrice: 98 });
    expect(o).toMatchObject({ status: 'open', triggerPrice: 98, stopPrice: 98, stopLossPrice: 98, filled: 0 });
    expect(o).toMatchObject({ remaining: 1, timestamp: 2000, takeProfitPrice: undefined });
    expect((await ex.fetchOpenOrders('BTC/USDT')).map((x) => x.id)).toEqual([o.id]);
    // waiting off the book, its base held
    expect(await ex.fetchOrderBook('BTC/USDT')).toMatchObject({
      bids: [
        [100, 2],
        [99, 5],
      ],
      asks: [
        [101, 2],
        [102, 5],
      ],
    });
    expect((await ex.fetchBalance())['BTC']).toEqual({ free: 1, used: 1, total: 2 });
    replay.step(1); // 99: not yet
    expect((await ex.fetchOrder(o.id)).status).toBe('open');
    replay.step(2); // a new book, then a trade at 97: fires, sells into the 97 bid
    const done = await ex.fetchOrder(o.id);
    expect(done).toMatchObject({
      status: 'closed',
      filled: 1,
      average: 97,
      lastTradeTimestamp: 5000,
      triggerPrice: 98,
    });
    expect(done.trades[0]).toMatchObject({ price: 97, takerOrMaker: 'taker', fee: { currency: 'USDT' } });
    expect(done.info.trigger).toMatchObject({ kind: 'stopLoss', triggeredAt: 5000, triggeredBy: '97' });
    const b = await ex.fetchBalance();
    expect(b['BTC']).toEqual({ free: 1, used: 0, total: 1 });
    expect(b.total['USDT']).toBe(Number(dAdd('1000', dMul('97', '0.999'))));
    expect(await ex.fetchOpenOrders()).toEqual([]);
    await ex.close();
  });

  it('behavior: a take-profit limit sell triggers when the last price rises to it and rests at its limit price', async () => {
    const { ex, replay } = await start();
    const o = await ex.createTakeProfitOrder('BTC/USDT', 'limit', 'sell', 1, 103.5, 103);
    expect(o).toMatchObject({ status: 'open', price: 103.5, triggerPrice: 103, takeProfitPrice: 103 });
    expect(o.stopLossPrice).toBeUndefined();
    replay.step(3); // 99, a book, 97: the wrong way
    expect((await ex.fetchOrder(o.id)).info.trigger.triggeredAt).toBeUndefined();
    replay.step(1); // 104: fires; nothing bids 103.5, so it rests there as a maker
    const fired = await ex.fetchOrder(o.id);
    expect(fired).toMatchObject({ status: 'open', filled: 0, price: 103.5, lastUpdateTimestamp: 6000 });
    expect(fired.info.trigger).toMatchObject({ triggeredAt: 6000, triggeredBy: '104' });
    expect((await ex.fetchOrderBook('BTC/USDT')).asks[0]).toEqual([98, 2]);
    expect((await ex.fetchOrderBook('BTC/USDT')).asks.at(-1)).toEqual([103.5, 1]);
    expect((await ex.fetchBalance())['BTC']).toEqual({ free: 1, used: 1, total: 2 });
    await ex.cancelOrder(o.id);
    expect((await ex.fetchBalance())['BTC']).toEqual({ free: 2, used: 0, total: 2 });
    await ex.close();
  });

  it('behavior: triggerPrice fires above or below the last price it was placed at, or the way triggerDirection says', async () => {
    const { ex, replay } = await start();
    // last 100.5: 97 is below it (fires on the way down), 104 above it (fires on the way up)
    const down = await ex.createTriggerOrder('BTC/USDT', 'market', 'buy', 1, undefined, 97);
    const up = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 105, { stopPrice: 104 });
    const told = await ex.createOrder('BTC/USDT', 'market', 'sell', 1, undefined, {
      triggerPrice: 95,
      triggerDirection: 'descending',
    });
    expect([down, up, told].map((o) => o.info.trigger.direction)).toEqual(['below', 'above', 'below']);
    expect(up).toMatchObject({ triggerPrice: 104, stopPrice: 104, stopLossPrice: undefined });
    replay.step(3);
    expect((await ex.fetchOrder(down.id)).trades.map((t) => [t.price, t.amount])).toEqual([[98, 1]]);
    expect((await ex.fetchOrder(up.id)).status).toBe('open');
    replay.step(1); // 104: the buy stop-limit at 105 takes what the first one left of the 98 ask
    expect(await ex.fetchOrder(up.id)).toMatchObject({ status: 'closed', filled: 1, average: 98 });
    expect((await ex.fetchOrder(told.id)).status).toBe('open'); // 95 never traded
    const engine = await ex.matchingEngine();
    expect(engine.audit()).toEqual([]);
    await ex.close();
  });

  it('behavior: a trigger order that never fires is cancellable and gives back what it held', async () => {
    const { ex, replay } = await start();
    const o = await ex.createStopLossOrder('BTC/USDT', 'limit', 'buy', 1, 120, 110);
    expect((await ex.fetchBalance())['USDT']).toEqual({ free: 880, used: 120, total: 1000 });
    const canceled = await ex.cancelOrder(o.id, 'BTC/USDT');
    expect(canceled).toMatchObject({ status: 'canceled', filled: 0, triggerPrice: 110 });
    expect((await ex.fetchBalance())['USDT']).toEqual({ free: 1000, used: 0, total: 1000 });
    replay.step(10);
    expect((await ex.fetchCanceledOrders()).map((x) => x.id)).toEqual([o.id]);
    expect(await ex.fetchMyTrades()).toEqual([]);
    await ex.close();
  });

  it('behavior: a trailing stop sell follows the highest last price by trailingAmount', async () => {
    const { ex, replay } = await start();
    const o = await ex.createTrailingAmountOrder('BTC/USDT', 'market', 'sell', 1, undefined, 2);
    expect(o.triggerPrice).toBe(98.5); // 100.5 - 2
    replay.step(1); // 99: above 98.5
    expect((await ex.fetchOrder(o.id)).status).toBe('open');
    replay.step(2); // 97
    expect(await ex.fetchOrder(o.id)).toMatchObject({ status: 'closed', average: 97, triggerPrice: 98.5 });
    const pct = await ex.createTrailingPercentOrder('BTC/USDT', 'market', 'buy', 0.5, undefined, 5);
    expect(pct.triggerPrice).toBe(Number(dMul('97', '1.05')));
    await expect(
      ex.createTrailingAmountOrder('BTC/USDT', 'market', 'sell', 1, undefined, 2, 105),
    ).rejects.toBeInstanceOf(NotSupported);
    await ex.close();
  });

  it('error: trigger orders are refused before anything changes when they cannot work', async () => {
    const { ex } = await start();
    const before = await ex.fetchBalance();
    // the last price (100.5) is already past these: Binance's "Order would trigger immediately"
    await expect(
      ex.createOrder('BTC/USDT', 'market', 'sell', 1, undefined, { stopLossPrice: 101 }),
    ).rejects.toBeInstanceOf(OrderImmediatelyFillable);
    await expect(
      ex.createOrder('BTC/USDT', 'market', 'buy', 1, undefined, { triggerPrice: 99, triggerDirection: 'above' }),
    ).rejects.toBeInstanceOf(OrderImmediatelyFillable);
    await expect(
      ex.createOrder('BTC/USDT', 'market', 'buy', 1, undefined, { triggerPrice: 99, triggerDirection: 'sideways' }),
    ).rejects.toBeInstanceOf(InvalidOrder);
    await expect(
      ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 90, { triggerPrice: 95, postOnly: true }),
    ).rejects.toBeInstanceOf(InvalidOrder);
    await expect(
      ex.createOrder('BTC/USDT', 'market', 'sell', 1, undefined, { triggerPrice: -5 }),
    ).rejects.toBeInstanceOf(InvalidOrder);
    await expect(
      ex.createOrder('BTC/USDT', 'market', 'sell', 3, undefined, { stopLossPrice: 90 }),
    ).rejects.toBeInstanceOf(InsufficientFunds);
    // a market buy holds amount x trigger price x 1.05: 10 x 100 x 1.05 = 1050 > 1000
    await expect(
      ex.createOrder('BTC/USDT', 'market', 'buy', 10, undefined, { triggerPrice: 100, triggerDirection: 'below' }),
    ).rejects.toBeInstanceOf(InsufficientFunds);
    await expect(ex.createStopLossOrder('BTC/USDT', 'market', 'sell', 1)).rejects.toBeInstanceOf(ArgumentsRequired);
    await expect(
      ex.createOrder('BTC/USDT', 'market', 'sell', 1, undefined, { trailingAmount: 1, trailingPercent: 1 }),
    ).rejects.toBeInstanceOf(InvalidOrder);
    expect(await ex.fetchOpenOrders()).toEqual([]);
    expect((await ex.fetchBalance()).total).toEqual(before.total);
    expect((await ex.fetchBalance()).used).toEqual(before.used);
    expect(ex.has).toMatchObject({
      createTriggerOrder: true,
      createStopLossOrder: true,
      createTakeProfitOrder: true,
      createTrailingAmountOrder: true,
      createTrailingPercentOrder: true,
      createOrderWithTakeProfitAndStopLoss: false,
    });
    await ex.close();
  });

  it('behavior: watchOrders sees the placement, then the trigger with its fills', async () => {
    const { ex, replay } = await start();
    await ex.watchBalance(); // the first call loads the streams and answers with the current balance
    const placed = ex.watchOrders('BTC/USDT');
    const o = await ex.createStopLossOrder('BTC/USDT', 'market', 'sell', 1, undefined, 98);
    expect((await placed).map((x) => [x.id, x.status, x.stopLossPrice, x.filled])).toEqual([[o.id, 'open', 98, 0]]);
    const fired = ex.watchOrders('BTC/USDT');
    const mine = ex.watchMyTrades('BTC/USDT');
    const next = ex.watchBalance();
    replay.step(3);
    const update = await fired;
    expect(update.map((x) => [x.id, x.status, x.filled, x.info.trigger.triggeredBy])).toEqual([
      [o.id, 'closed', 1, '97'],
    ]);
    expect((await mine).map((t) => [t.order, t.price, t.amount])).toEqual([[o.id, 97, 1]]);
    expect((await next)['BTC']).toEqual({ free: 1, used: 0, total: 1 });
    await ex.close();
  });

  it('behavior: a pending trigger order survives a restart from the state file and fires afterwards', async () => {
    const file = join(tmp(), 'state.json');
    const { ex: a } = await start({ stateFile: file });
    const stop = await a.createStopLossOrder('BTC/USDT', 'market', 'sell', 1, undefined, 98);
    const trail = await a.createTrailingAmountOrder('BTC/USDT', 'market', 'buy', 0.5, undefined, 3);
    await a.close();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { engine: { orders: { trigger?: unknown }[] } };
    expect(saved.engine.orders.map((o) => o.trigger)).toEqual([
      { kind: 'stopLoss', direction: 'below', price: '98' },
      { kind: 'trailing', direction: 'above', price: '103.5', trailingAmount: '3', extreme: '100.5' },
    ]);

    const b = new paper({ source: { lines, speed: 0 }, stateFile: file, balance });
    const open = await b.fetchOpenOrders();
    expect(open.map((o) => [o.id, o.status, o.triggerPrice])).toEqual([
      [stop.id, 'open', 98],
      [trail.id, 'open', 103.5],
    ]);
    expect((await b.fetchBalance()).used).toMatchObject({ BTC: 1, USDT: Number(dMul('0.5', dMul('103.5', '1.05'))) });
    expect((await b.matchingEngine()).audit()).toEqual([]);
    (b.source as ReplaySource).step(5); // the replay again from its start: 97 fires the stop, the trail follows to 97
    expect((await b.fetchOrder(stop.id)).status).toBe('closed');
    expect((await b.fetchOrder(trail.id)).triggerPrice).toBe(100);
    await b.close();

    // the next run replays what came after: a book, 97 (the trail stays at 100), then 104 fires the trailing buy
    const c = new paper({ source: { lines: lines.slice(3), speed: 0 }, stateFile: file, balance });
    expect((await c.fetchOrder(stop.id)).status).toBe('closed'); // the fire was saved
    expect(await c.fetchOrder(trail.id)).toMatchObject({ status: 'open', triggerPrice: 100 });
    (c.source as ReplaySource).step(3);
    expect(await c.fetchOrder(trail.id)).toMatchObject({ status: 'closed', filled: 0.5, average: 98 });
    await c.close();
  });

  it('behavior: on the embedded data a market sell sweeping the bids sets off another account’s stop-loss', async () => {
    const ex = new paper();
    const stop = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, {
      stopLossPrice: 73380,
      account: 'bob',
    });
    expect(stop.status).toBe('open');
    const sweep = await ex.createOrder('BTC/USDT', 'market', 'sell', 2);
    expect(sweep.trades.at(-1)!.price).toBeLessThanOrEqual(73380);
    const fired = await ex.fetchOrder(stop.id, undefined, { account: 'bob' });
    expect(fired).toMatchObject({ status: 'closed', filled: 0.1 });
    expect(fired.average).toBeLessThanOrEqual(73380);
    await ex.close();
  });

  it('behavior: with a live source, trigger orders pull its trades and fire from them', async () => {
    let now = 5_000;
    const live = new fakelive();
    live.trades = [
      buildTrade({ id: 't0', timestamp: 4_000, symbol: 'BTC/USD', side: 'buy', price: '30005', amount: '1', info: {} }),
    ];
    const ex = new paper({ source: live, now: () => now, options: { pollInterval: 1000 } });
    const o = await ex.createStopLossOrder('BTC/USD', 'market', 'sell', 0.5, undefined, 29990);
    expect(o.info.trigger.direction).toBe('below');
    live.trades = [
      buildTrade({
        id: 't1',
        timestamp: 6_000,
        symbol: 'BTC/USD',
        side: 'sell',
        price: '29990',
        amount: '2',
        info: {},
      }),
    ];
    now = 7_000;
    expect(await ex.fetchOrder(o.id)).toMatchObject({ status: 'closed', filled: 0.5, average: 30000 });
    await ex.close();
  });
});
