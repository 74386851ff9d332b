/** Small helpers shared by the core and the exchanges. Pure, allocation-light, no dependencies. */
import type { Dict } from './types.js';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(x: unknown): x is Dict {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Deep merge of plain objects (arrays and other values replace). Never writes prototype keys. */
export function deepExtend<T extends Dict>(...objects: (Dict | undefined)[]): T {
  const out: Dict = {};
  for (const obj of objects) {
    if (obj === undefined) continue;
    for (const key of Object.keys(obj)) {
      if (FORBIDDEN.has(key)) continue;
      const value = obj[key];
      const prev = out[key];
      out[key] = isPlainObject(value) && isPlainObject(prev) ? deepExtend(prev, value) : cloneValue(value);
    }
  }
  return out as T;
}

function cloneValue(value: unknown): unknown {
  if (isPlainObject(value)) return deepExtend(value);
  return value;
}

/** Shallow copy without the given keys. */
export function omit<T extends Dict>(obj: T, ...keys: (string | string[])[]): Dict {
  const drop = new Set(keys.flat());
  const out: Dict = {};
  for (const k of Object.keys(obj)) if (!drop.has(k)) out[k] = obj[k];
  return out;
}

export function extend(...objects: (Dict | undefined)[]): Dict {
  return Object.assign({}, ...objects.filter((o) => o !== undefined)) as Dict;
}

/** JSON.parse that returns undefined on failure; '__proto__' keys become plain own data (JSON.parse semantics). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** First defined, non-null, non-empty-string value among keys. */
export function pick(obj: unknown, ...keys: string[]): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const o = obj as Dict;
  for (const k of keys) {
    const v = o[k];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

export function str(obj: unknown, ...keys: string[]): string | undefined {
  const v = pick(obj, ...keys);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Integer (e.g. a timestamp) from a number or numeric string; undefined otherwise. */
export function int(obj: unknown, ...keys: string[]): number | undefined {
  const v = pick(obj, ...keys);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : undefined;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isFinite(n) ? Math.trunc(n) : undefined;
  }
  return undefined;
}

/** Seconds (number or decimal string, possibly fractional) -> integer milliseconds. */
export function secondsToMs(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? Math.round(n * 1000) : undefined;
}

export function bool(obj: unknown, ...keys: string[]): boolean | undefined {
  const v = pick(obj, ...keys);
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

export function iso8601(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  const t = Math.trunc(ms);
  // Streams stamp every update: reuse the formatted minute and append seconds and milliseconds. Years 1970-9999
  // only, where toISOString's layout is fixed.
  if (t >= 0 && t < MAX_FAST_ISO) {
    const minute = t - (t % 60_000);
    if (minute !== isoMinute) {
      isoPrefix = new Date(minute).toISOString().slice(0, 17);
      isoMinute = minute;
    }
    const rest = t - minute;
    const sec = (rest / 1000) | 0;
    const milli = rest - sec * 1000;
    return `${isoPrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 100 ? (milli < 10 ? '00' : '0') : ''}${milli}Z`;
  }
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
/** 10000-01-01T00:00:00Z */
const MAX_FAST_ISO = 253_402_300_800_000;
let isoMinute = -1;
let isoPrefix = '';

/** ISO 8601 / RFC 3339 date (with optional sub-millisecond digits) -> integer ms; undefined on junk. */
export function parse8601(s: unknown): number | undefined {
  if (typeof s !== 'string' || s.length < 10) return undefined;
  // Date.parse rejects more than 3 fractional digits on some engines: cut them to milliseconds.
  const m = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/.exec(s.trim());
  if (m === null) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? undefined : t;
  }
  const frac = m[2] === undefined ? '' : m[2].slice(0, 4).padEnd(4, '0');
  const t = Date.parse(`${m[1]!.replace(' ', 'T')}${frac}${m[3] ?? 'Z'}`);
  return Number.isNaN(t) ? undefined : t;
}

export function sortBy<T>(items: T[], key: (x: T) => number | undefined, descending = false): T[] {
  const sign = descending ? -1 : 1;
  return items.sort((a, b) => sign * ((key(a) ?? 0) - (key(b) ?? 0)));
}

/** Keep items with timestamp >= since, then the first `limit` (CCXT's filterBySinceLimit). */
export function filterBySinceLimit<T extends { timestamp?: number | undefined }>(
  items: T[],
  since?: number,
  limit?: number,
  tail = false,
): T[] {
  let out = since === undefined ? items : items.filter((x) => x.timestamp !== undefined && x.timestamp >= since);
  if (limit !== undefined) out = tail ? out.slice(-limit) : out.slice(0, limit);
  return out;
}

/** 'api/v3/ticker/24hr' -> 'ApiV3Ticker24hr'; the runtime twin of the CamelPath type in spec.ts. */
export function camelPath(path: string, upperFirst = true): string {
  let out = '';
  let up = upperFirst;
  for (const c of path) {
    if ('/-_{}. :'.includes(c)) {
      up = true;
      continue;
    }
    out += up ? c.toUpperCase() : c;
    up = false;
  }
  return out;
}

/** Replace '{name}' placeholders with params[name]; returns the path and the params left over. */
export function implodePath(path: string, params: Dict): { path: string; rest: Dict } {
  if (!path.includes('{')) return { path, rest: params };
  const rest: Dict = { ...params };
  const out = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = rest[name];
    delete rest[name];
    return v === undefined ? `{${name}}` : encodeURIComponent(String(v));
  });
  return { path: out, rest };
}

/** Callers from JSON (and CCXT habits) pass null for an absent optional argument: treat it as absent. */
export function given<T>(x: T | null | undefined): T | undefined {
  return x === null ? undefined : x;
}
