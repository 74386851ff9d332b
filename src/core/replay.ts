/**
 * Record/replay transport for users' own CI: record a session's HTTP traffic once (credentials never stored),
 * then replay it offline through the `fetch` option. Requests match on method + URL without volatile query keys
 * (timestamps, nonces, signatures), in recorded order for repeated requests.
 */
import type { FetchInit, FetchLike, FetchResponseLike } from './http.js';

export interface Interaction {
  method: string;
  url: string;
  body?: string | undefined;
  status: number;
  headers: Record<string, string>;
  response: string;
}
export interface Cassette {
  version: 1;
  interactions: Interaction[];
}

const VOLATILE = /^(timestamp|ts|nonce|signature|sign|recvwindow|tonce|_|t)$/i;

/** The part of a request that identifies it across runs. */
export function requestKey(method: string, url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return `${method.toUpperCase()} ${url}`;
  const params = [...new URLSearchParams(url.slice(q + 1)).entries()]
    .filter(([k]) => !VOLATILE.test(k))
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return `${method.toUpperCase()} ${url.slice(0, q)}${params.length > 0 ? `?${params.join('&')}` : ''}`;
}

function response(i: Interaction): FetchResponseLike {
  return {
    status: i.status,
    statusText: '',
    headers: new Headers(i.headers),
    text: async () => i.response,
  };
}

/** Wraps a fetch and appends every exchange answer to `cassette`. Request headers (keys, signatures) are dropped. */
export function recordingFetch(inner: FetchLike = globalThis.fetch as unknown as FetchLike): {
  fetch: FetchLike;
  cassette: Cassette;
} {
  const cassette: Cassette = { version: 1, interactions: [] };
  const fetch: FetchLike = async (url: string, init: FetchInit) => {
    const res = await inner(url, init);
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const i: Interaction = { method: init.method, url, status: res.status, headers, response: text };
    if (init.body !== undefined) i.body = init.body;
    cassette.interactions.push(i);
    return response(i);
  };
  return { fetch, cassette };
}

/** A fetch that answers from a cassette; an unrecorded request fails like a refused connection. */
export function replayFetch(cassette: Cassette): FetchLike {
  const queues = new Map<string, Interaction[]>();
  for (const i of cassette.interactions) {
    const key = requestKey(i.method, i.url);
    const q = queues.get(key) ?? [];
    q.push(i);
    queues.set(key, q);
  }
  const used = new Map<string, number>();
  return async (url: string, init: FetchInit) => {
    const key = requestKey(init.method, url);
    const q = queues.get(key);
    if (q === undefined || q.length === 0) {
      throw Object.assign(new Error(`no recorded response for ${key}`), { code: 'ECONNREFUSED' });
    }
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    // Past the end, the last answer repeats (polling loops keep working).
    return response(q[Math.min(n, q.length - 1)]!);
  };
}
