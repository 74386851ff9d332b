/** Shared streaming rules through the Exchange surface: no stale book after a gap, per-symbol resync, iterators. */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { ExchangeClosedByUser, NotSupported } from '../../src/core/errors.js';
import { toy } from '../helpers/toy.js';
import { toyws } from '../helpers/toyws.js';

interface Script {
  url: string;
  subs: Record<string, unknown>[];
  sockets: ServerSocket[];
  send: (frame: unknown) => void;
  close: () => Promise<void>;
}

async function scripted(onSub: (symbol: string, socket: ServerSocket, count: number) => void): Promise<Script> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const s: Script = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    subs: [],
    sockets: [],
    send: (frame) => {
      for (const c of wss.clients) c.send(JSON.stringify(frame));
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (socket) => {
    s.sockets.push(socket);
    socket.on('message', (d) => {
      const msg = JSON.parse(d.toString()) as Record<string, unknown>;
      s.subs.push(msg);
      if (msg['op'] === 'sub') onSub(String(msg['symbol']), socket, s.subs.filter((m) => m['op'] === 'sub').length);
    });
  });
  return s;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

const snapshot = (symbol: string, seq: number, bid = '100'): unknown => ({
  type: 'snapshot',
  symbol,
  seq,
  bids: [[bid, '1']],
  asks: [['101', '1']],
});
const delta = (symbol: string, seq: number, side: 'bids' | 'asks', price: string, amount: string): unknown => ({
  type: 'delta',
  symbol,
  seq,
  side,
  price,
  amount,
});

function make(url: string): toyws {
  const ex = new toyws({ urls: { ws: { public: url } } as never });
  cleanup.push(() => ex.close());
  return ex;
}

describe('streaming rules', () => {
  it('error: watch methods without a handler throw NotSupported', async () => {
    await expect(new toy().watchOrderBook('BTC/USD')).rejects.toBeInstanceOf(NotSupported);
  });

  it('default: snapshot then deltas', async () => {
    const s = await scripted((symbol, socket) => socket.send(JSON.stringify(snapshot(symbol, 1))));
    cleanup.push(s.close);
    const ex = make(s.url);
    const first = await ex.watchOrderBook('BTC/USD');
    expect(first.bids).toEqual([[100, 1]]);
    const next = ex.watchOrderBook('BTC/USD');
    s.send(delta('BTC/USD', 2, 'bids', '100.5', '2'));
    expect((await next).bids).toEqual([
      [100.5, 2],
      [100, 1],
    ]);
  });

  it('behavior: a sequence gap resyncs that symbol alone and no watch resolves with the stale book', async () => {
    let snapshots = 0;
    const s = await scripted((symbol, socket) => {
      snapshots++;
      // The snapshot after a resync carries the truth (bid 99), unlike the drifted local book.
      socket.send(
        JSON.stringify(snapshot(symbol, 10 * snapshots, snapshots > 2 && symbol === 'BTC/USD' ? '99' : '100')),
      );
    });
    cleanup.push(s.close);
    const ex = make(s.url);
    await Promise.all([ex.watchOrderBook('BTC/USD'), ex.watchOrderBook('ETH/USD')]);
    const btc = ex.watchOrderBook('BTC/USD');
    s.send(delta('BTC/USD', 99, 'bids', '100.7', '5')); // gap: expected seq 11 or so
    const book = await btc;
    expect(book.bids).toEqual([[99, 1]]); // the rebuilt book, never the one from before the gap
    const eth = ex.watchOrderBook('ETH/USD');
    s.send(delta('ETH/USD', 21, 'asks', '102', '1'));
    expect((await eth).asks).toEqual([
      [101, 1],
      [102, 1],
    ]);
    expect(s.subs.filter((m) => m['symbol'] === 'ETH/USD' && m['op'] === 'sub')).toHaveLength(1);
  });

  it('behavior: bookStatus shows a symbol syncing while its snapshot is awaited, live after', async () => {
    let answer = false;
    const s = await scripted((symbol, socket) => {
      if (answer) socket.send(JSON.stringify(snapshot(symbol, 1)));
    });
    cleanup.push(s.close);
    const ex = make(s.url);
    expect(await ex.bookStatus()).toEqual({});
    const pending = ex.watchOrderBook('BTC/USD');
    await new Promise((r) => setTimeout(r, 30));
    expect(await ex.bookStatus()).toEqual({ 'BTC/USD': 'syncing' });
    answer = true;
    s.send(snapshot('BTC/USD', 1));
    await pending;
    expect(await ex.bookStatus()).toEqual({ 'BTC/USD': 'live' });
  });

  it('behavior: a crossed book is not published; it resyncs', async () => {
    let n = 0;
    const s = await scripted((symbol, socket) => socket.send(JSON.stringify(snapshot(symbol, ++n * 100))));
    cleanup.push(s.close);
    const ex = make(s.url);
    await ex.watchOrderBook('BTC/USD');
    const next = ex.watchOrderBook('BTC/USD');
    s.send(delta('BTC/USD', 101, 'bids', '105', '1')); // bid above the ask
    const book = await next;
    expect(book.bids).toEqual([[100, 1]]);
    expect(book.nonce).toBe(200);
  });

  it('behavior: after a dropped connection the subscription is restored and data flows', async () => {
    const s = await scripted((symbol, socket, count) => socket.send(JSON.stringify(snapshot(symbol, count * 10))));
    cleanup.push(s.close);
    const ex = make(s.url);
    await ex.watchOrderBook('BTC/USD');
    const next = ex.watchOrderBook('BTC/USD');
    s.sockets[0]!.terminate();
    expect((await next).nonce).toBe(20);
  });

  it('behavior: stream() yields updates and unsubscribes on break', async () => {
    const s = await scripted((symbol, socket) => {
      socket.send(JSON.stringify(snapshot(symbol, 1)));
      socket.send(JSON.stringify(delta(symbol, 2, 'asks', '101.5', '3')));
    });
    cleanup.push(s.close);
    const ex = make(s.url);
    let seen = 0;
    for await (const book of ex.stream('orderBook', 'BTC/USD')) {
      expect(book.symbol).toBe('BTC/USD');
      if (++seen === 1) s.send(delta('BTC/USD', 3, 'asks', '102', '1'));
      if (seen === 2) break;
    }
    await new Promise((r) => setTimeout(r, 30));
    expect(s.subs).toContainEqual({ op: 'unsub', symbol: 'BTC/USD' });
  });

  it('behavior: close rejects pending watch calls and reports closed', async () => {
    const s = await scripted(() => undefined);
    cleanup.push(s.close);
    const ex = make(s.url);
    const pending = ex.watchOrderBook('BTC/USD');
    await new Promise((r) => setTimeout(r, 30));
    expect(Object.values(await ex.streamStatus())).toEqual(['connected']);
    await ex.close();
    await expect(pending).rejects.toBeInstanceOf(ExchangeClosedByUser);
  });
});
