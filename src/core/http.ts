/**
 * The transport: one fetch with a timeout, mapped to the error hierarchy. It never throws a bare TypeError and
 * never leaves a timer behind. Status and body checks that need the exchange's knowledge live in Exchange.
 */
import { ExchangeNotAvailable, NetworkError, RequestTimeout, type ErrorDetails } from './errors.js';

export type FetchLike = (input: string, init: FetchInit) => Promise<FetchResponseLike>;
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal;
  dispatcher?: unknown;
}
export interface FetchResponseLike {
  status: number;
  statusText?: string;
  headers: { forEach(cb: (value: string, key: string) => void): void } | Headers;
  text(): Promise<string>;
}

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
}
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  text: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur !== null && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function httpFetch(
  fetchImpl: FetchLike,
  req: HttpRequest,
  timeoutMs: number,
  details: ErrorDetails,
  dispatcher?: unknown,
): Promise<HttpResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const where = `${req.method} ${redactUrl(req.url)}`;
  try {
    const init: FetchInit = { method: req.method, headers: req.headers, body: req.body, signal: controller.signal };
    if (dispatcher !== undefined) init.dispatcher = dispatcher;
    const res = await fetchImpl(req.url, init);
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    return { status: res.status, statusText: res.statusText ?? '', headers, text };
  } catch (e) {
    if (timedOut)
      throw new RequestTimeout(`${details.exchange ?? ''} ${where} timed out after ${timeoutMs} ms`, details);
    const code = errorCode(e);
    const msg = e instanceof Error ? e.message : String(e);
    if (code !== undefined && NETWORK_CODES.has(code)) {
      throw new NetworkError(`${details.exchange ?? ''} ${where} failed: ${code}`, { ...details, cause: e });
    }
    throw new ExchangeNotAvailable(`${details.exchange ?? ''} ${where} failed: ${msg}`, { ...details, cause: e });
  } finally {
    clearTimeout(timer);
  }
}

/** Drop query values that look like credentials or signatures from a URL kept in messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(
    /([?&](?:signature|sign|apikey|api_key|key|secret|token|passphrase|access_key|nonce)=)[^&]*/gi,
    '$1***',
  );
}
