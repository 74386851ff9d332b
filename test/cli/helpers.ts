/**
 * Helpers for the command-line tests: run `unifex` as a subprocess (from source through tsx, or the built
 * dist), and a local Kraken (REST history with pagination, websocket v2 ticker/trade/book) the CLI is pointed at
 * through a config file, so nothing leaves the machine.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { WebSocketServer, type WebSocket } from 'ws';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const MAIN = join(ROOT, 'src/cli/main.ts');
export const CASSETTE = join(ROOT, 'examples/kraken.cassette.json');
/** tsx's loader by absolute url, so the command runs from any working directory. */
export const TSX = import.meta.resolve('tsx');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** util-linux `script` runs commands under a pseudo-terminal; the live-view tests need it. */
export const HAS_SCRIPT = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Environment without anything of the user's: no UNIFEX_* credentials, no config home, no colours forced. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('UNIFEX_') || k === 'NO_COLOR' || k === 'FORCE_COLOR') continue;
    env[k] = v;
  }
  env['XDG_CONFIG_HOME'] = tempDir();
  return { ...env, ...extra };
}

/** `unifex args...` from source; resolves with exit code and output (never rejects on a non-zero exit). */
export function unifex(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX, MAIN, ...args],
      { cwd: opts.cwd ?? ROOT, env: cleanEnv(opts.env), encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * The command under a pseudo-terminal (util-linux `script`): stdout and stderr are a terminal of `cols` x
 * `rows`. `input` is typed into the terminal once `when` holds for the output (e.g. '\x03' for Ctrl-C).
 */
export function underPty(
  args: string[],
  opts: {
    env?: Record<string, string>;
    input?: string;
    /** Send `input` once the output so far passes this test (default: right away). */
    when?: (output: string) => boolean;
    cols?: number;
    rows?: number;
  } = {},
): Promise<Run & { output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [
    `stty cols ${opts.cols ?? 100} rows ${opts.rows ?? 30} 2>/dev/null;`,
    'exec',
    quote(process.execPath),
    '--import',
    quote(TSX),
    quote(MAIN),
    ...args.map(quote),
  ].join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: ROOT,
      env: cleanEnv({ TERM: 'xterm-256color', ...opts.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let sent = opts.input === undefined;
    const maybeSend = (): void => {
      if (sent || !(opts.when?.(out) ?? true)) return;
      sent = true;
      child.stdin.write(opts.input!);
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      maybeSend();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    maybeSend();
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: out, stderr: err, output: out });
    });
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'unifex-cli-'));
}

export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

// ---- a local Kraken ----

const cassette = JSON.parse(readFileSync(CASSETTE, 'utf8')) as { interactions: { url: string; response: string }[] };
const recorded = (path: string): string => cassette.interactions.find((i) => i.url.includes(path))!.response;

export const T0 = Date.UTC(2024, 0, 1); // 2024-01-01T00:00:00Z

/** A deterministic minute candle at index i (time T0 + i minutes). */
export function candleAt(i: number): [number, string, string, string, string, string, string, number] {
  const base = 40000 + Math.round(Math.sin(i / 15) * 800 + i * 2);
  const open = base + (i % 7) - 3;
  const close = base + ((i * 5) % 11) - 5;
  const high = Math.max(open, close) + 10 + (i % 5);
  const low = Math.min(open, close) - 10 - (i % 3);
  const t = (T0 + i * 60_000) / 1000;
  return [t, `${open}.0`, `${high}.0`, `${low}.0`, `${close}.0`, `${close}.0`, `${(1 + (i % 9) / 4).toFixed(8)}`, 10];
}

/** Trades: every 7 seconds, plus bursts of three trades in the same millisecond every 10th trade. */
export function tradesList(n: number): [string, string, number, string, string, string, number][] {
  const out: [string, string, number, string, string, string, number][] = [];
  let id = 1000;
  for (let i = 0; i < n; i++) {
    const ms = T0 + i * 7000 + (i % 1000);
    const burst = i % 10 === 0 ? 3 : 1;
    for (let k = 0; k < burst; k++) {
      out.push([
        `${40000 + (i % 50)}.${k}`,
        `0.${String(100 + i).padStart(8, '0')}`,
        ms / 1000,
        id % 2 === 0 ? 'b' : 's',
        'l',
        '',
        id++,
      ]);
    }
  }
  return out;
}

export interface FakeKraken {
  url: string;
  wsUrl: string;
  requests: { path: string; query: URLSearchParams; at: number }[];
  /** Answers the next `n` history requests with this HTTP status. */
  failNext(n: number, status: number): void;
  /** Config file content pointing the CLI at this server. */
  config(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export interface FakeOptions {
  candles?: number;
  trades?: number;
  pageCandles?: number;
  pageTrades?: number;
}

export async function fakeKraken(opts: FakeOptions = {}): Promise<FakeKraken> {
  const nCandles = opts.candles ?? 300;
  const trades = tradesList(opts.trades ?? 120);
  const pageCandles = opts.pageCandles ?? 100;
  const pageTrades = opts.pageTrades ?? 25;
  const requests: FakeKraken['requests'] = [];
  let failures = 0;
  let failStatus = 503;
  const json = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: u.pathname, query: u.searchParams, at: Date.now() });
    if (u.pathname === '/0/public/Assets') return json(res, 200, recorded('/Assets'));
    if (u.pathname === '/0/public/AssetPairs') return json(res, 200, recorded('/AssetPairs'));
    if (u.pathname === '/0/public/Ticker') return json(res, 200, recorded('/Ticker'));
    if (failures > 0 && (u.pathname === '/0/public/OHLC' || u.pathname === '/0/public/Trades')) {
      failures--;
      return json(res, failStatus, failStatus === 429 ? '{"error":["EAPI:Rate limit exceeded"]}' : 'unavailable');
    }
    if (u.pathname === '/0/public/OHLC') {
      const interval = Number(u.searchParams.get('interval') ?? 1);
      const since = u.searchParams.get('since');
      const all = Array.from({ length: Math.floor(nCandles / interval) }, (_, i) => {
        const c = candleAt(i * interval);
        return [c[0], ...c.slice(1)];
      });
      // Kraken answers the candles after `since`, at most a page; without since, the latest page
      const after = since === null ? all.slice(-pageCandles) : all.filter((c) => (c[0] as number) > Number(since));
      const page = after.slice(0, pageCandles);
      return json(
        res,
        200,
        JSON.stringify({ error: [], result: { XXBTZUSD: page, last: page[page.length - 1]?.[0] ?? 0 } }),
      );
    }
    if (u.pathname === '/0/public/Trades') {
      const since = Number(u.searchParams.get('since') ?? 0); // seconds (the library truncates)
      const page = trades.filter((t) => t[2] >= since).slice(0, pageTrades);
      return json(res, 200, JSON.stringify({ error: [], result: { XXBTZUSD: page, last: String(Date.now() * 1e6) } }));
    }
    return json(res, 404, '{"error":["EGeneral:Unknown method"]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  wss.on('connection', (socket) => serveWs(socket));
  return {
    url,
    wsUrl,
    requests,
    failNext(n, status) {
      failures = n;
      failStatus = status;
    },
    config(extra = {}) {
      return {
        kraken: {
          urls: { api: { public: url, private: url }, ws: { public: `${wsUrl}/v2`, private: `${wsUrl}/auth/v2` } },
          options: { ws: { pingInterval: 0, staleAfter: 0 } },
          ...extra,
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
      }),
  };
}

// ---- websocket v2: ticker, trade, ohlc, book (with the documented CRC32 checksum) ----

const TS = '2024-01-01T00:00:00.000000Z';
type Msg = Record<string, any>;

function serveWs(socket: WebSocket): void {
  const send = (m: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
  };
  const timers: NodeJS.Timeout[] = [];
  socket.on('close', () => timers.forEach(clearInterval));
  send({ channel: 'status', type: 'update', data: [{ api_version: 'v2', system: 'online', version: '2.0.0' }] });
  socket.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as Msg;
    if (msg['method'] === 'ping') return send({ method: 'pong', req_id: msg['req_id'], time_in: TS, time_out: TS });
    const p = msg['params'] as Msg | undefined;
    if (p === undefined) return;
    const symbol = (p['symbol'] as string[])[0]!;
    const ack = { method: msg['method'], success: true, time_in: TS, time_out: TS, req_id: msg['req_id'] };
    if (msg['method'] === 'unsubscribe') return send({ ...ack, result: { channel: p['channel'], symbol } });
    let n = 0;
    if (p['channel'] === 'ticker') {
      send({ ...ack, result: { channel: 'ticker', symbol, snapshot: true } });
      const tick = (): void => {
        const last = 42000 + (n % 10) * 1.5;
        send({
          channel: 'ticker',
          type: n === 0 ? 'snapshot' : 'update',
          data: [
            {
              symbol,
              bid: last - 0.5,
              bid_qty: 1.25,
              ask: last + 0.5,
              ask_qty: 2.5,
              last,
              volume: 1234.5,
              vwap: 41900.1,
              low: 41000,
              high: 43000,
              change: 120.5,
              change_pct: 0.29,
              timestamp: new Date(T0 + n * 1000).toISOString(),
            },
          ],
        });
        n++;
      };
      tick();
      timers.push(setInterval(tick, 40));
    } else if (p['channel'] === 'trade') {
      send({ ...ack, result: { channel: 'trade', symbol, snapshot: true } });
      const trade = (): Msg => ({
        symbol,
        side: n % 2 === 0 ? 'buy' : 'sell',
        price: 42000 + (n % 7),
        qty: 0.01 * (1 + (n % 5)),
        ord_type: 'limit',
        trade_id: 5000 + n,
        timestamp: new Date(T0 + n * 250).toISOString(),
      });
      const snapshot: Msg[] = [];
      for (let k = 0; k < 2; k++, n++) snapshot.push(trade());
      send({ channel: 'trade', type: 'snapshot', data: snapshot });
      timers.push(
        setInterval(() => {
          send({ channel: 'trade', type: 'update', data: [trade()] });
          n++;
        }, 40),
      );
    } else if (p['channel'] === 'ohlc') {
      const interval = Number(p['interval'] ?? 1);
      send({ ...ack, result: { channel: 'ohlc', symbol, interval, snapshot: true } });
      // the current candle (minute 0) grows, then the next one opens
      const candle = (minute: number, k: number): Msg => ({
        symbol,
        open: 42000 + minute,
        high: 42010 + minute + k,
        low: 41990 + minute,
        close: 42000 + minute + k,
        trades: 10 + k,
        volume: 1.5 + k,
        vwap: 42001,
        interval_begin: new Date(T0 + minute * 60_000).toISOString(),
        interval,
        timestamp: new Date(T0 + (minute + 1) * 60_000).toISOString(),
      });
      send({ channel: 'ohlc', type: 'snapshot', data: [candle(0, 0)] });
      timers.push(
        setInterval(() => {
          n++;
          send({ channel: 'ohlc', type: 'update', data: [candle(n < 3 ? 0 : 1, n)] });
        }, 40),
      );
    } else if (p['channel'] === 'book') {
      const depth = Number(p['depth'] ?? 10);
      send({ ...ack, result: { channel: 'book', symbol, depth, snapshot: true } });
      const bids = new Map<number, number>();
      const asks = new Map<number, number>();
      for (let i = 0; i < depth; i++) {
        bids.set(42000 - i * 0.5, 1 + i * 0.25);
        asks.set(42000.5 + i * 0.5, 1.5 + i * 0.25);
      }
      const sorted = (m: Map<number, number>, desc: boolean): [number, number][] =>
        [...m.entries()].sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]));
      const checksum = (): number => {
        const part = (v: number, d: number): string => v.toFixed(d).replace('.', '').replace(/^0+/, '');
        let text = '';
        for (const [price, qty] of sorted(asks, false).slice(0, 10)) text += part(price, 1) + part(qty, 8);
        for (const [price, qty] of sorted(bids, true).slice(0, 10)) text += part(price, 1) + part(qty, 8);
        return crc32(text);
      };
      const levels = (ls: [number, number][]): Msg[] => ls.map(([price, qty]) => ({ price, qty }));
      send({
        channel: 'book',
        type: 'snapshot',
        data: [{ symbol, bids: levels(sorted(bids, true)), asks: levels(sorted(asks, false)), checksum: checksum() }],
      });
      timers.push(
        setInterval(() => {
          n++;
          // change the size of the best bid and ask
          const bid = sorted(bids, true)[0]![0];
          const ask = sorted(asks, false)[0]![0];
          const bq = 1 + (n % 4) * 0.5;
          const aq = 2 + (n % 3) * 0.5;
          bids.set(bid, bq);
          asks.set(ask, aq);
          send({
            channel: 'book',
            type: 'update',
            data: [
              {
                symbol,
                bids: [{ price: bid, qty: bq }],
                asks: [{ price: ask, qty: aq }],
                checksum: checksum(),
                timestamp: TS,
              },
            ],
          });
        }, 40),
      );
    }
  });
}
