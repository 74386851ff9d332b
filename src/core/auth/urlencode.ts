export interface UrlencodeOptions {
  /** Sort keys by code unit (ASCII) order; many exchanges sign a sorted query. Default false (insertion order). */
  sort?: boolean;
  /** `repeat`: a=1&a=2 (default); `brackets`: a[]=1&a[]=2; `json`: a=[1,2]. */
  encodeArrays?: 'repeat' | 'brackets' | 'json';
}

/**
 * Decimal string for a number, never in exponent notation (1e-7 -> '0.0000001', 1e21 -> '1000000000000000000000').
 * Uses the shortest round-trip digits, exactly like `String(n)` apart from the exponent expansion.
 */
export function numberToPlainString(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot encode non-finite number ${String(n)}`);
  const str = String(n);
  const e = str.indexOf('e');
  if (e === -1) return str;
  let mantissa = str.slice(0, e);
  const exponent = Number(str.slice(e + 1));
  let sign = '';
  if (mantissa.startsWith('-')) {
    sign = '-';
    mantissa = mantissa.slice(1);
  }
  const dot = mantissa.indexOf('.');
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const pointAt = (dot === -1 ? mantissa.length : dot) + exponent;
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return sign + digits + '0'.repeat(pointAt - digits.length);
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** String form of a scalar parameter value, or undefined when the parameter must be omitted. */
function scalar(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return numberToPlainString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
      return undefined;
    case 'object':
      return value === null ? undefined : JSON.stringify(value);
    default:
      throw new TypeError(`cannot urlencode a ${typeof value}`);
  }
}

const identity = (s: string): string => s;

function build(params: Record<string, unknown>, opts: UrlencodeOptions, enc: (s: string) => string): string {
  const keys = Object.keys(params);
  if (opts.sort === true) keys.sort();
  const mode = opts.encodeArrays ?? 'repeat';
  const parts: string[] = [];
  for (const key of keys) {
    const value = params[key];
    if (Array.isArray(value) && mode !== 'json') {
      const name = enc(mode === 'brackets' ? `${key}[]` : key);
      for (const item of value) {
        const s = scalar(item);
        if (s !== undefined) parts.push(`${name}=${enc(s)}`);
      }
      continue;
    }
    const s = scalar(value);
    if (s !== undefined) parts.push(`${enc(key)}=${enc(s)}`);
  }
  return parts.join('&');
}

/**
 * Query/form encoding the way exchanges sign it: `encodeURIComponent` for keys and values (space -> %20), undefined
 * and null values omitted, booleans as 'true'/'false', numbers without exponent notation, nested objects and
 * `encodeArrays: 'json'` arrays as JSON.
 */
export function urlencode(params: Record<string, unknown>, opts: UrlencodeOptions = {}): string {
  return build(params, opts, encodeURIComponent);
}

/** Same as {@link urlencode} but without any percent-encoding (for exchanges that sign the raw string). */
export function urlencodeRaw(params: Record<string, unknown>, opts: UrlencodeOptions = {}): string {
  return build(params, opts, identity);
}
