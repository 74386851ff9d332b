import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/core/errors.js';
import { recordingFetch, replayFetch, requestKey } from '../../src/core/replay.js';
import { startServer, type LocalServer } from '../helpers/server.js';
import { toy } from '../helpers/toy.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe('record/replay transport', () => {
  it('default: a recorded session replays offline with the same answers', async () => {
    let n = 0;
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ n: ++n }));
    });
    const rec = recordingFetch();
    const live = new toy({
      base: server.url,
      fetch: rec.fetch,
      apiKey: 'KEY-123456',
      secret: 'SECRET-123456',
      enableRateLimit: false,
    });
    const a = await live.publicGetPing();
    const b = await live.privateGetAccount();
    const cassette = JSON.parse(JSON.stringify(rec.cassette)) as typeof rec.cassette;
    expect(JSON.stringify(cassette)).not.toContain('SECRET-123456');
    expect(JSON.stringify(cassette)).not.toContain('KEY-123456');

    const before = server.received.length;
    const offline = new toy({
      base: server.url,
      fetch: replayFetch(cassette),
      apiKey: 'KEY-123456',
      secret: 'SECRET-123456',
      enableRateLimit: false,
    });
    expect(await offline.publicGetPing()).toEqual(a);
    // The private request is signed with a new timestamp and signature: it still matches.
    expect(await offline.privateGetAccount()).toEqual(b);
    expect(server.received.length).toBe(before);
  });

  it('error: an unrecorded request fails as a network error', async () => {
    const ex = new toy({ fetch: replayFetch({ version: 1, interactions: [] }), enableRateLimit: false });
    await expect(ex.publicGetPing()).rejects.toBeInstanceOf(NetworkError);
  });

  it('behavior: volatile query keys do not take part in matching', () => {
    expect(requestKey('get', 'https://x/a?b=1&timestamp=5&signature=ff')).toBe('GET https://x/a?b=1');
  });
});
