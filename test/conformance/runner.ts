/**
 * Conformance runner: replays recorded exchange traffic (shared/conformance format) against our exchanges.
 * Request cases: calling `method(...input)` must send `url` (+ body `output`); keys in skipKeys are not compared.
 * Response cases: when the exchange answers `httpResponse`, the method must return `parsedResponse`.
 * A case that cannot run (exchange or method missing, wrong request, exception) is a failure, never a pass.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Exchange } from '../../src/core/exchange.js';
import { isImplemented, loadExchangeClass, resolveId } from '../../src/registry.js';

export interface CaseResult {
  exchange: string;
  kind: 'request' | 'response';
  method: string;
  description: string;
  ok: boolean;
  /** false when the case is outside what the exchange implements (method not in `has`, or another market type). */
  inScope: boolean;
  reason?: string;
}

interface RequestCase {
  description: string;
  method: string;
  url: string;
  input: unknown[];
  output?: unknown;
}
interface ResponseCase {
  description: string;
  method: string;
  input: unknown[];
  httpResponse: unknown;
  parsedResponse: unknown;
}
interface CaseFile<C> {
  exchange: string;
  skipKeys?: string[];
  outputType?: string;
  options?: Record<string, unknown>;
  methods: Record<string, C[]>;
}

export const FIXED_NOW = 1_700_000_000_000;
/** Dummy credentials: the secret is valid base64 and hex-free so every signer can run. */
export const DUMMY_CREDENTIALS = {
  apiKey: 'conformanceApiKey',
  secret: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0',
  password: 'conformancePassword',
  uid: 'conformanceUid',
  walletAddress: '0x0000000000000000000000000000000000000001',
  privateKey: '0x1111111111111111111111111111111111111111111111111111111111111111',
};

class Captured extends Error {
  constructor(
    readonly url: string,
    readonly body: string | undefined,
  ) {
    super('captured');
  }
}

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

/** Markets/currencies for a file id, looked up under that id, its canonical id and aliases, in every dir. */
function findData(dirs: string[], kind: 'markets' | 'currencies', id: string): unknown {
  const names = [...new Set([id, resolveId(id), ...aliasesOf(resolveId(id))])];
  for (const dir of dirs) {
    for (const name of names) {
      const data = readJson<unknown>(join(dir, kind, `${name}.json`));
      if (data !== undefined) return data;
    }
  }
  return undefined;
}

function aliasesOf(id: string): string[] {
  return id === 'coinbasepro' ? ['coinbaseexchange'] : [];
}

async function makeExchange(
  id: string,
  dirs: string[],
  options: Record<string, unknown> | undefined,
  fetchImpl: (url: string, init: { body?: string | undefined }) => Promise<unknown>,
): Promise<Exchange> {
  const Cls = await loadExchangeClass(id);
  const ex = new Cls({
    ...DUMMY_CREDENTIALS,
    enableRateLimit: false,
    now: () => FIXED_NOW,
    options: options ?? {},
    fetch: fetchImpl as never,
  });
  const markets = findData(dirs, 'markets', id);
  const currencies = findData(dirs, 'currencies', id);
  if (markets !== undefined) ex.setMarkets(markets as never, currencies as never);
  return ex;
}

const OTHER_TYPE_WORDS: Record<string, RegExp> = {
  swap: /\b(swap|perp|perpetual|linear|inverse)\b/i,
  future: /\b(future|futures|delivery)\b/i,
  option: /\b(option|options)\b/i,
  margin: /\b(margin|portfolio)\b/i,
};

/** Is this case within what the exchange implements? Unimplemented methods and other market types are not. */
function scopeOf(ex: Exchange, method: string, input: unknown[], description: string): boolean {
  const has = ex.has[method];
  if (has !== true && has !== 'emulated') return false;
  const types = ex.spec.marketTypes as readonly string[];
  for (const arg of input) {
    if (typeof arg === 'string' && ex.markets[arg] !== undefined && !types.includes(ex.markets[arg].type)) return false;
    if (Array.isArray(arg)) {
      for (const s of arg)
        if (typeof s === 'string' && ex.markets[s] !== undefined && !types.includes(ex.markets[s].type)) return false;
    }
    if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
      const p = arg as Record<string, unknown>;
      for (const key of ['type', 'defaultType', 'subType']) {
        const t = p[key];
        if (
          typeof t === 'string' &&
          ['spot', 'margin', 'swap', 'future', 'option', 'linear', 'inverse', 'delivery'].includes(t)
        ) {
          const norm = t === 'linear' || t === 'inverse' ? 'swap' : t === 'delivery' ? 'future' : t;
          if (!types.includes(norm)) return false;
        }
      }
      if (
        !types.includes('margin') &&
        (p['portfolioMargin'] !== undefined || p['marginMode'] !== undefined || p['margin'] !== undefined)
      ) {
        return false;
      }
    }
  }
  for (const [type, re] of Object.entries(OTHER_TYPE_WORDS)) {
    if (!types.includes(type) && re.test(description)) return false;
  }
  return true;
}

// ---------- comparison ----------
function numeric(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
  return undefined;
}

/** Every key the expected value gives must match; null expectations and `info` are not compared. */
export function compare(expected: unknown, actual: unknown, path = ''): string | undefined {
  if (expected === null || expected === undefined) return undefined;
  if (typeof expected === 'number' || (typeof expected === 'string' && typeof actual === 'number')) {
    const a = numeric(actual);
    const e = numeric(expected);
    if (a === undefined || e === undefined)
      return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    const tol = 1e-9 * Math.max(Math.abs(e), Math.abs(a));
    return Math.abs(a - e) <= tol ? undefined : `${path}: expected ${e}, got ${a}`;
  }
  if (typeof expected !== 'object') {
    return expected === actual
      ? undefined
      : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${JSON.stringify(actual)?.slice(0, 80)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = compare(expected[i], actual[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== 'object')
    return `${path}: expected an object, got ${JSON.stringify(actual)}`;
  for (const [k, v] of Object.entries(expected)) {
    if (k === 'info') continue;
    const d = compare(v, (actual as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

function splitUrl(url: string): { base: string; query: [string, string][] } {
  const q = url.indexOf('?');
  const base = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? [] : [...new URLSearchParams(url.slice(q + 1)).entries()];
  return { base, query };
}

function sameParams(expected: [string, string][], actual: [string, string][], skip: Set<string>): string | undefined {
  const norm = (list: [string, string][]): string[] =>
    list
      .filter(([k]) => !skip.has(k))
      .map(([k, v]) => `${k}=${v}`)
      .sort();
  const e = norm(expected);
  const a = norm(actual);
  if (e.join('&') === a.join('&')) return undefined;
  const missing = e.filter((x) => !a.includes(x));
  const extra = a.filter((x) => !e.includes(x));
  return `missing [${missing.join(', ')}] extra [${extra.join(', ')}]`;
}

function stripKeys(x: unknown, skip: Set<string>): unknown {
  if (Array.isArray(x)) return x.map((v) => stripKeys(v, skip));
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (!skip.has(k)) out[k] = stripKeys(v, skip);
    return out;
  }
  return x;
}

function compareBody(
  expected: unknown,
  actual: string | undefined,
  outputType: string,
  skip: Set<string>,
): string | undefined {
  if (expected === null || expected === undefined || expected === 'foo=bar') return undefined;
  if (outputType === 'json' || (typeof expected === 'object' && expected !== null)) {
    const e = typeof expected === 'string' ? (JSON.parse(expected) as unknown) : expected;
    let a: unknown;
    try {
      a = actual === undefined || actual === '' ? undefined : (JSON.parse(actual) as unknown);
    } catch {
      return `body is not JSON: ${actual?.slice(0, 100)}`;
    }
    const es = JSON.stringify(sortDeep(stripKeys(e, skip)));
    const as = JSON.stringify(sortDeep(stripKeys(a, skip)));
    return es === as ? undefined : `body: expected ${es.slice(0, 300)}, got ${as.slice(0, 300)}`;
  }
  const d = sameParams(
    [...new URLSearchParams(String(expected)).entries()],
    [...new URLSearchParams(actual ?? '').entries()],
    skip,
  );
  return d === undefined ? undefined : `body: ${d}`;
}

function sortDeep(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortDeep);
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(
      Object.keys(x)
        .sort()
        .map((k) => [k, sortDeep((x as Record<string, unknown>)[k])]),
    );
  }
  return x;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message.slice(0, 300)}`;
  return String(e);
}

// ---------- running ----------
async function runRequestFile(id: string, file: CaseFile<RequestCase>, dirs: string[]): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const skip = new Set(file.skipKeys ?? []);
  for (const [method, cases] of Object.entries(file.methods)) {
    for (const c of cases) {
      const base: Omit<CaseResult, 'ok' | 'inScope'> = {
        exchange: id,
        kind: 'request',
        method,
        description: c.description,
      };
      if (!isImplemented(id)) {
        out.push({ ...base, ok: false, inScope: false, reason: 'exchange not implemented' });
        continue;
      }
      let captured: Captured | undefined;
      const ex = await makeExchange(id, dirs, file.options, async (url, init) => {
        // The first request is the one a case describes; later ones (parallel or after a catch) are ignored.
        const c = new Captured(url, init.body);
        captured ??= c;
        throw c;
      });
      const inScope = scopeOf(ex, c.method, c.input, c.description);
      if (typeof (ex as unknown as Record<string, unknown>)[c.method] !== 'function') {
        out.push({ ...base, ok: false, inScope, reason: `${c.method}() is not a method of ${id}` });
        continue;
      }
      let error: unknown;
      try {
        await (ex as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[c.method]!(
          ...structuredClone(c.input),
        );
      } catch (e) {
        if (!(e instanceof Captured) && captured === undefined) error = e;
      }
      if (captured === undefined) {
        out.push({
          ...base,
          ok: false,
          inScope,
          reason: error === undefined ? 'no request sent' : describeError(error),
        });
        continue;
      }
      const e = splitUrl(c.url);
      const a = splitUrl(captured.url);
      let reason: string | undefined;
      if (e.base !== a.base) reason = `url: expected ${e.base}, got ${a.base}`;
      else {
        const d = sameParams(e.query, a.query, skip);
        if (d !== undefined) reason = `query: ${d}`;
        else reason = compareBody(c.output, captured.body, file.outputType ?? 'urlencoded', skip);
      }
      out.push(reason === undefined ? { ...base, ok: true, inScope } : { ...base, ok: false, inScope, reason });
    }
  }
  return out;
}

async function runResponseFile(id: string, file: CaseFile<ResponseCase>, dirs: string[]): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const [method, cases] of Object.entries(file.methods)) {
    for (const c of cases) {
      const base: Omit<CaseResult, 'ok' | 'inScope'> = {
        exchange: id,
        kind: 'response',
        method,
        description: c.description,
      };
      if (!isImplemented(id)) {
        out.push({ ...base, ok: false, inScope: false, reason: 'exchange not implemented' });
        continue;
      }
      const body = JSON.stringify(c.httpResponse);
      const ex = await makeExchange(id, dirs, file.options, async () => ({
        status: 200,
        statusText: 'OK',
        headers: new Headers({ 'content-type': 'application/json' }),
        text: async () => body,
      }));
      const inScope = scopeOf(ex, c.method, c.input, c.description);
      if (typeof (ex as unknown as Record<string, unknown>)[c.method] !== 'function') {
        out.push({ ...base, ok: false, inScope, reason: `${c.method}() is not a method of ${id}` });
        continue;
      }
      try {
        const result = await (ex as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[c.method]!(
          ...structuredClone(c.input),
        );
        const d = compare(c.parsedResponse, JSON.parse(JSON.stringify(result ?? null)) as unknown);
        out.push(d === undefined ? { ...base, ok: true, inScope } : { ...base, ok: false, inScope, reason: d });
      } catch (e) {
        out.push({ ...base, ok: false, inScope, reason: describeError(e) });
      }
    }
  }
  return out;
}

/** Runs every case under each directory (request/, response/, markets/, currencies/ in the shared format). */
export async function runConformance(dirs: string[], only?: string[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const want = only === undefined || only.length === 0 ? undefined : new Set(only.map(resolveId));
  for (const dir of dirs) {
    for (const kind of ['request', 'response'] as const) {
      const folder = join(dir, kind);
      if (!existsSync(folder)) continue;
      for (const name of readdirSync(folder).sort()) {
        if (!name.endsWith('.json')) continue;
        const id = name.slice(0, -5);
        if (want !== undefined && !want.has(resolveId(id))) continue;
        const file = readJson<CaseFile<never>>(join(folder, name))!;
        const dataDirs = [dir, ...dirs.filter((d) => d !== dir)];
        results.push(
          ...(kind === 'request'
            ? await runRequestFile(id, file as CaseFile<RequestCase>, dataDirs)
            : await runResponseFile(id, file as CaseFile<ResponseCase>, dataDirs)),
        );
      }
    }
  }
  return results;
}
