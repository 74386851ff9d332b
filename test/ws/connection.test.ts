/** The websocket core against a local server: reconnect, resubscribe, watchdog, close. */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { Streams } from '../../src/ws/streams.js';
import type { WsStatus } from '../../src/ws/connection.js';

interface Server {
  url: string;
  wss: WebSocketServer;
  sockets: ServerSocket[];
  received: unknown[];
  connections: number;
  close: () => Promise<void>;
}

async function server(onMessage?: (msg: any, socket: ServerSocket) => void): Promise<Server> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const s: Server = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    wss,
    sockets: [],
    received: [],
    connections: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (socket) => {
    s.connections++;
    s.sockets.push(socket);
    socket.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as unknown;
      s.received.push(msg);
      onMessage?.(msg, socket);
    });
  });
  return s;
}

const servers: Server[] = [];
const streamsList: Streams[] = [];
afterEach(async () => {
  for (const st of streamsList.splice(0)) st.close();
  for (const s of servers.splice(0)) await s.close();
});

/** A toy protocol: {op:'sub', topic} -> server pushes {topic, n}. */
function makeStreams(
  url: string,
  statuses: WsStatus[] = [],
  opts: { staleAfter?: number; pingInterval?: number } = {},
): Streams {
  const st: Streams = new Streams({
    exchange: 'toy',
    connection: () => ({
      backoff: { initial: 20, max: 100, jitter: 0 },
      staleAfter: opts.staleAfter ?? 0,
      pingInterval: opts.pingInterval ?? 0,
    }),
    onMessage: (data) => {
      const m = data as { topic?: string; n?: number };
      if (m.topic !== undefined) st.resolve(m.topic, m.n);
    },
    onStatus: (s) => statuses.push(s),
  });
  streamsList.push(st);
  void url;
  return st;
}

describe('websocket core', () => {
  it('default: one connection shared by subscriptions; watch resolves with the next update', async () => {
    const s = await server((msg, socket) => {
      if (msg.op === 'sub') socket.send(JSON.stringify({ topic: msg.topic, n: 1 }));
    });
    servers.push(s);
    const st = makeStreams(s.url);
    const [a, b] = await Promise.all([
      st.watch({ key: 'a', url: s.url, subscribe: { op: 'sub', topic: 'a' } }, 'a'),
      st.watch({ key: 'b', url: s.url, subscribe: { op: 'sub', topic: 'b' } }, 'b'),
    ]);
    expect([a, b]).toEqual([1, 1]);
    expect(s.connections).toBe(1);
  });

  it('behavior: after a dropped connection every subscription is sent again and data flows', async () => {
    const s = await server((msg, socket) => {
      if (msg.op === 'sub') socket.send(JSON.stringify({ topic: msg.topic, n: s.connections }));
    });
    servers.push(s);
    const statuses: WsStatus[] = [];
    const st = makeStreams(s.url, statuses);
    expect(await st.watch({ key: 'a', url: s.url, subscribe: { op: 'sub', topic: 'a' } }, 'a')).toBe(1);
    const next = st.next<number>('a');
    s.sockets[0]!.terminate(); // drop mid-stream
    expect(await next).toBe(2);
    expect(s.connections).toBe(2);
    expect(s.received.filter((m: any) => m.op === 'sub')).toHaveLength(2);
    expect(statuses).toContain('reconnecting');
  });

  it('behavior: a silent server is declared stale and replaced', async () => {
    let subs = 0;
    const s = await server((msg, socket) => {
      if (msg.op !== 'sub') return;
      subs++;
      // Answers only on the second connection: the first goes silent after subscribing.
      if (subs >= 2) socket.send(JSON.stringify({ topic: 'a', n: subs }));
    });
    servers.push(s);
    const statuses: WsStatus[] = [];
    const st = makeStreams(s.url, statuses, { staleAfter: 150 });
    const value = await st.watch<number>({ key: 'a', url: s.url, subscribe: { op: 'sub', topic: 'a' } }, 'a');
    expect(value).toBe(2);
    expect(statuses).toContain('stale');
  });

  it('behavior: restart(immediate) reconnects without the backoff delay', async () => {
    const s = await server((msg, socket) => {
      if (msg.op === 'sub') socket.send(JSON.stringify({ topic: 'a', n: s.connections }));
    });
    servers.push(s);
    const st = new Streams({
      exchange: 'toy',
      connection: () => ({ backoff: { initial: 5000, max: 5000, jitter: 0 }, staleAfter: 0, pingInterval: 0 }),
      onMessage: (d) => st.resolve('a', (d as { n: number }).n),
    });
    streamsList.push(st);
    await st.watch({ key: 'a', url: s.url, subscribe: { op: 'sub', topic: 'a' } }, 'a');
    const started = Date.now();
    const next = st.next<number>('a');
    st.connection(s.url)!.restart('server asked', true);
    expect(await next).toBe(2);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('behavior: unsubscribe keeps the socket and the other topics', async () => {
    const s = await server((msg, socket) => {
      if (msg.op === 'sub') socket.send(JSON.stringify({ topic: msg.topic, n: 7 }));
    });
    servers.push(s);
    const st = makeStreams(s.url);
    await st.watch(
      { key: 'a', url: s.url, subscribe: { op: 'sub', topic: 'a' }, unsubscribe: { op: 'unsub', topic: 'a' } },
      'a',
    );
    await st.watch({ key: 'b', url: s.url, subscribe: { op: 'sub', topic: 'b' } }, 'b');
    st.unsubscribe('a');
    await new Promise((r) => setTimeout(r, 30));
    expect(s.received).toContainEqual({ op: 'unsub', topic: 'a' });
    expect(s.connections).toBe(1);
    expect(st.isSubscribed('b')).toBe(true);
  });

  it('behavior: subscribe and unsubscribe messages go through sendControl (where exchanges pace them)', async () => {
    const s = await server((msg, socket) => {
      if (msg.op === 'sub') socket.send(JSON.stringify({ topic: msg.topic, n: 1 }));
    });
    servers.push(s);
    const sent: unknown[] = [];
    const st: Streams = new Streams({
      exchange: 'toy',
      connection: () => ({ staleAfter: 0, pingInterval: 0 }),
      onMessage: (data) => {
        const m = data as { topic?: string; n?: number };
        if (m.topic !== undefined) st.resolve(m.topic, m.n);
      },
      // held back 20 ms, as a pacing outbox would
      sendControl: (conn, message) => {
        sent.push(message);
        setTimeout(() => conn.send(message), 20);
      },
    });
    streamsList.push(st);
    const t0 = Date.now();
    await st.watch(
      { key: 'a', url: s.url, subscribe: { op: 'sub', topic: 'a' }, unsubscribe: { op: 'unsub', topic: 'a' } },
      'a',
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    st.unsubscribe('a');
    expect(sent).toEqual([
      { op: 'sub', topic: 'a' },
      { op: 'unsub', topic: 'a' },
    ]);
    await new Promise((r) => setTimeout(r, 40));
    expect(s.received).toEqual(sent);
  });

  it('behavior: topics beyond the cap open another connection', async () => {
    const s = await server((msg, socket) => {
      if (msg.op === 'sub') socket.send(JSON.stringify({ topic: msg.topic, n: 1 }));
    });
    servers.push(s);
    const st = new Streams({
      exchange: 'toy',
      maxTopicsPerConnection: 2,
      onMessage: (d) => st.resolve((d as { topic: string }).topic, 1),
    });
    streamsList.push(st);
    await Promise.all(
      ['a', 'b', 'c'].map((t) => st.watch({ key: t, url: s.url, subscribe: { op: 'sub', topic: t } }, t)),
    );
    expect(s.connections).toBe(2);
  });

  it('behavior: close releases everything and rejects waiting calls', async () => {
    const s = await server();
    servers.push(s);
    const st = makeStreams(s.url);
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const pending = st.watch({ key: 'a', url: s.url, subscribe: { op: 'sub', topic: 'a' } }, 'a');
    await new Promise((r) => setTimeout(r, 30));
    st.close();
    await expect(pending).rejects.toThrow(/closed/);
    expect(timers()).toBe(before);
  });

  it('error: connection refused rejects the watch call', async () => {
    const st = makeStreams('ws://127.0.0.1:9');
    await expect(st.watch({ key: 'a', url: 'ws://127.0.0.1:9', subscribe: {} }, 'a')).rejects.toThrow(/connect/);
  });
});

describe('subscription options', () => {
  it('behavior: subscribe messages made at send time, groups on separate sockets, per-caller map', async () => {
    let stamp = 0;
    const s = await server((msg, socket) => {
      if (msg.op === 'sub') socket.send(JSON.stringify({ topic: msg.topic, n: 10 }));
    });
    servers.push(s);
    const st = makeStreams(s.url);
    const sub = { key: 'a', url: s.url, subscribe: () => ({ op: 'sub', topic: 'a', stamp: ++stamp }) };
    const [plain, doubled] = await Promise.all([
      st.watch<number>(sub, 'a'),
      st.watch<number>(sub, 'a', (n: number) => n * 2),
    ]);
    expect([plain, doubled]).toEqual([10, 20]);
    await st.watch({ key: 'p', url: s.url, subscribe: { op: 'sub', topic: 'p' }, group: 'private' }, 'p');
    expect(s.connections).toBe(2);
    s.sockets[0]!.terminate();
    expect(await st.next<number>('a')).toBe(10);
    expect(s.received.filter((m: any) => m.topic === 'a').map((m: any) => m.stamp)).toEqual([1, 2]);
  });

  it('error: a subscribe that cannot be made rejects its watch call', async () => {
    const s = await server();
    servers.push(s);
    const st = makeStreams(s.url);
    const failing = {
      key: 'x',
      url: s.url,
      subscribe: () => {
        throw new Error('cannot sign');
      },
    };
    await expect(st.watch(failing, 'x')).rejects.toThrow(/cannot sign/);
  });

  it('error: next() after close rejects at once', async () => {
    const st = makeStreams('ws://127.0.0.1:9');
    st.close();
    await expect(st.next('a')).rejects.toThrow(/closed/);
  });
});
