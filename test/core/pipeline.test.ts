/** The shared request pipeline against a real local HTTP server: every failure maps to its error class. */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequest,
  BadResponse,
  BadSymbol,
  DDoSProtection,
  ExchangeNotAvailable,
  InsufficientFunds,
  NetworkError,
  NullResponse,
  OnMaintenance,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
} from '../../src/core/errors.js';
import { startServer, type LocalServer } from '../helpers/server.js';
import { toy } from '../helpers/toy.js';

const SECRET = 'super-secret-value-1234567890';
const API_KEY = 'my-api-key-ABCDEFGH';
let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

function reply(
  status: number,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): void {
  server.handle((_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  });
}

const make = (extra: Record<string, unknown> = {}): toy =>
  new toy({ base: server.url, enableRateLimit: false, ...extra });

describe('pipeline: status and body mapping', () => {
  it('default', async () => {
    reply(200, '{"pong":true}');
    await expect(make().publicGetPing()).resolves.toEqual({ pong: true });
  });

  it('behavior: path placeholders are filled from params', async () => {
    reply(200, '{}');
    await make().publicGetTickerSymbol({ symbol: 'BTC-USD', depth: 5 });
    expect(server.received.at(-1)!.url).toBe('/public/ticker/BTC-USD?depth=5');
  });

  const cases: [string, number, string, Record<string, string>, new (...a: never[]) => Error][] = [
    ['429 rate limit', 429, '{"msg":"slow down"}', {}, RateLimitExceeded],
    ['418 ip ban', 418, '{"msg":"banned"}', {}, DDoSProtection],
    ['401 unauthorized', 401, '{"msg":"bad key"}', {}, AuthenticationError],
    ['403 forbidden', 403, '{"msg":"no"}', {}, PermissionDenied],
    [
      '403 cloudflare page',
      403,
      '<html>Cloudflare DDoS protection</html>',
      { 'content-type': 'text/html' },
      DDoSProtection,
    ],
    ['400 bad request', 400, '{"msg":"bad"}', {}, BadRequest],
    ['500 server error', 500, 'Internal Server Error', { 'content-type': 'text/plain' }, ExchangeNotAvailable],
    ['502 bad gateway', 502, '<html>502 Bad Gateway</html>', { 'content-type': 'text/html' }, ExchangeNotAvailable],
    [
      '503 maintenance page',
      503,
      '<html>We are under maintenance</html>',
      { 'content-type': 'text/html' },
      OnMaintenance,
    ],
    ['504 gateway timeout', 504, '', {}, RequestTimeout],
    [
      '200 html maintenance page',
      200,
      '<html><body>Scheduled maintenance</body></html>',
      { 'content-type': 'text/html' },
      OnMaintenance,
    ],
    ['200 html page', 200, '<html><body>hello</body></html>', { 'content-type': 'text/html' }, ExchangeNotAvailable],
    ['200 invalid json', 200, '{"a":', {}, BadResponse],
    ['200 truncated json', 200, '[{"price":"1.0"},{"pri', {}, BadResponse],
    ['200 plain text', 200, 'OK', { 'content-type': 'text/plain' }, BadResponse],
    ['200 empty body', 200, '', {}, NullResponse],
  ];
  for (const [name, status, body, headers, cls] of cases) {
    it(`error: ${name}`, async () => {
      reply(status, body, { 'content-type': 'application/json', ...headers });
      const err = await make()
        .publicGetPing()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(cls);
      expect((err as { exchange?: string }).exchange).toBe('toy');
      if (status !== 200) expect((err as { status?: number }).status).toBe(status);
      expect(err).not.toBeInstanceOf(TypeError);
    });
  }

  it('error: exchange code table on a 200 body', async () => {
    reply(200, '{"error":"not enough","code":1001}');
    const err = await make({ apiKey: API_KEY, secret: SECRET })
      .privateGetAccount()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientFunds);
    expect((err as { code?: string }).code).toBe('1001');
  });

  it('error: exchange message substring table', async () => {
    reply(400, '{"error":"unknown symbol FOO","code":7}');
    await expect(make().publicGetPing()).rejects.toBeInstanceOf(BadSymbol);
  });

  it('error: timeout', async () => {
    server.handle(() => {
      /* never answers */
    });
    const started = Date.now();
    await expect(make({ timeout: 150 }).publicGetPing()).rejects.toBeInstanceOf(RequestTimeout);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('error: connection reset', async () => {
    server.handle((req, res) => {
      res.socket?.destroy();
      void req;
    });
    const err = await make()
      .publicGetPing()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
  });

  it('error: connection refused', async () => {
    const ex = new toy({ base: 'http://127.0.0.1:9', enableRateLimit: false, timeout: 2000 });
    const err = await ex.publicGetPing().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
  });

  it('behavior: __proto__ in a response does not reach object prototypes', async () => {
    reply(200, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"a":1}');
    const out = (await make().publicGetPing()) as Record<string, unknown>;
    expect(out['a']).toBe(1);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('behavior: no timers left behind', async () => {
    reply(200, '{}');
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const ex = make({ enableRateLimit: true, timeout: 60_000 });
    await Promise.all([ex.publicGetPing(), ex.publicGetPing(), ex.publicGetPing()]);
    reply(500, 'down');
    await ex.publicGetPing().catch(() => undefined);
    expect(timers()).toBe(before);
  });
});

describe('credentials', () => {
  it('error: missing credentials on a private call, nothing sent', async () => {
    const before = server.received.length;
    await expect(make().privateGetAccount()).rejects.toBeInstanceOf(AuthenticationError);
    expect(server.received.length).toBe(before);
  });

  it('behavior: secrets never appear in JSON.stringify, util.inspect, errors or verbose logs', async () => {
    const lines: string[] = [];
    const ex = make({
      apiKey: API_KEY,
      secret: SECRET,
      password: 'pass-phrase-9876',
      verbose: true,
      log: (...args: unknown[]) => lines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ')),
    });
    // The server echoes what it received, as a careless exchange might in an error message.
    server.handle((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `bad request ${req.url} key ${String(req.headers['x-key'])}`, code: 9 }));
    });
    const err = (await ex.privateGetAccount().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    const outputs = [
      JSON.stringify(ex),
      inspect(ex, { depth: 10, showHidden: true }),
      String(err),
      err.stack ?? '',
      inspect(err),
      ...lines,
    ];
    for (const text of outputs) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain('pass-phrase-9876');
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(ex.apiKey).toBe(API_KEY);
  });
});

describe('throttle through the pipeline', () => {
  it('behavior: never exceeds the configured rate under 200 concurrent calls', async () => {
    reply(200, '{}');
    const ex = new toy({ base: server.url, rateLimit: 4 });
    const start = server.received.length;
    await Promise.all(Array.from({ length: 200 }, () => ex.publicGetPing()));
    const times = server.received.slice(start).map((r) => r.at);
    expect(times.length).toBe(200);
    // In any window of W ms at most W/rateLimit + 1 (capacity) requests may arrive; allow 1 for timer jitter.
    for (const window of [20, 50, 200]) {
      let j = 0;
      for (let i = 0; i < times.length; i++) {
        while (times[i]! - times[j]! >= window) j++;
        expect(i - j + 1).toBeLessThanOrEqual(Math.ceil(window / 4) + 2);
      }
    }
  });
});
