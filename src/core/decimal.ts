/**
 * Exact decimal arithmetic on strings, backed by BigInt, plus CCXT-compatible precision rounding.
 *
 * Internally a value is a pair `{ m, s }` meaning `m / 10^s` with `s >= 0` (never negative: values like
 * `1e5` are stored with the zeros folded into the mantissa). No floating point math is ever used on
 * amounts; JS numbers are accepted as inputs through their shortest round-trip representation
 * (`String(n)`), which is what a human reading the number would write.
 */

// ---------------------------------------------------------------------------------------------------------------------
// Mode constants (same numeric values as CCXT)

/** Rounding mode: drop digits beyond the precision (toward zero). */
export const TRUNCATE = 0;
/** Rounding mode: round to nearest, ties away from zero. */
export const ROUND = 1;
/** Counting mode: precision is a number of digits after the decimal point (may be negative). */
export const DECIMAL_PLACES = 2;
/** Counting mode: precision is a number of significant digits. */
export const SIGNIFICANT_DIGITS = 3;
/** Counting mode: precision is a tick size; the result is a multiple of it. */
export const TICK_SIZE = 4;
/** Padding mode: strip trailing zeros. */
export const NO_PADDING = 5;
/** Padding mode: pad with zeros to the number of decimals implied by the precision. */
export const PAD_WITH_ZERO = 6;

export type Decimalish = string | number | bigint;

/** Parsed decimal: value = m / 10^s, s is a non-negative integer. */
export interface DecimalParts {
  readonly m: bigint;
  readonly s: number;
}

/**
 * Largest accepted decimal exponent magnitude in string inputs ('1e10000'). Numbers representable as JS doubles
 * need at most ~340; the cap exists so a hostile payload cannot make us allocate a gigantic BigInt.
 */
export const MAX_EXPONENT = 10_000;

// ---------------------------------------------------------------------------------------------------------------------
// Powers of ten

const POW10_CACHE_SIZE = 64;
const POW10: bigint[] = [];
{
  let p = 1n;
  for (let i = 0; i < POW10_CACHE_SIZE; i++) {
    POW10.push(p);
    p *= 10n;
  }
}

function pow10(n: number): bigint {
  if (n < POW10_CACHE_SIZE) return POW10[n] as bigint;
  return 10n ** BigInt(n);
}

// ---------------------------------------------------------------------------------------------------------------------
// Parsing

const ZERO: DecimalParts = { m: 0n, s: 0 };

// Scanner output. Module-level to avoid an allocation per scan; only read right after a successful scan().
let scNeg = false;
let scIntStart = 0;
let scIntEnd = 0;
let scFracStart = 0;
let scFracEnd = 0;
let scExp = 0;

/**
 * Single pass scanner over a numeric string. Grammar: [+-]? digits? ('.' digits?)? ([eE] [+-]? digits)?
 * with at least one mantissa digit. Returns false when the string is not a finite decimal.
 */
function scan(str: string): boolean {
  const len = str.length;
  if (len === 0) return false;
  let i = 0;
  let c = str.charCodeAt(0);
  scNeg = false;
  if (c === 45 /* - */ || c === 43 /* + */) {
    scNeg = c === 45;
    i = 1;
  }
  scIntStart = i;
  while (i < len) {
    c = str.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  scIntEnd = i;
  scFracStart = i;
  scFracEnd = i;
  if (i < len && str.charCodeAt(i) === 46 /* . */) {
    i++;
    scFracStart = i;
    while (i < len) {
      c = str.charCodeAt(i);
      if (c < 48 || c > 57) break;
      i++;
    }
    scFracEnd = i;
  }
  if (scIntEnd === scIntStart && scFracEnd === scFracStart) return false;
  let exp = 0;
  if (i < len) {
    c = str.charCodeAt(i);
    if (c !== 101 /* e */ && c !== 69 /* E */) return false;
    i++;
    let expNeg = false;
    if (i < len) {
      c = str.charCodeAt(i);
      if (c === 45 || c === 43) {
        expNeg = c === 45;
        i++;
      }
    }
    const expStart = i;
    while (i < len) {
      c = str.charCodeAt(i);
      if (c < 48 || c > 57) return false;
      exp = exp * 10 + (c - 48);
      if (exp > MAX_EXPONENT) return false;
      i++;
    }
    if (i === expStart) return false;
    if (expNeg) exp = -exp;
  }
  scExp = exp;
  return true;
}

/** Builds parts from the last successful scan of `str`. */
function partsFromScan(str: string): DecimalParts {
  let digits: string;
  if (scFracEnd === scFracStart) digits = str.slice(scIntStart, scIntEnd);
  else if (scIntEnd === scIntStart) digits = str.slice(scFracStart, scFracEnd);
  else digits = str.slice(scIntStart, scIntEnd) + str.slice(scFracStart, scFracEnd);
  let m = BigInt(digits);
  if (m === 0n) return ZERO;
  let s = scFracEnd - scFracStart - scExp;
  if (s < 0) {
    m *= pow10(-s);
    s = 0;
  }
  return { m: scNeg ? -m : m, s };
}

function parseString(str: string): DecimalParts | undefined {
  return scan(str) ? partsFromScan(str) : undefined;
}

/** Canonical string of a numeric string; plain decimals (no exponent) are normalized without BigInt. */
function normalizeString(str: string): string | undefined {
  if (!scan(str)) return undefined;
  if (scExp !== 0) {
    const d = partsFromScan(str);
    return format(d.m, d.s);
  }
  let i = scIntStart;
  while (i < scIntEnd && str.charCodeAt(i) === 48) i++;
  let f = scFracEnd;
  while (f > scFracStart && str.charCodeAt(f - 1) === 48) f--;
  if (f === scFracStart) {
    if (i === scIntEnd) return '0';
    if (i === 0 && scIntEnd === str.length) return str; // already canonical non-negative integer
    return scNeg ? '-' + str.slice(i, scIntEnd) : str.slice(i, scIntEnd);
  }
  if (
    f === str.length &&
    scIntStart === (scNeg ? 1 : 0) &&
    (i === scIntStart ? i < scIntEnd : scIntEnd - scIntStart === 1)
  ) {
    return str; // already canonical: 'd+.d*[1-9]' without leading zeros, or '0.d*[1-9]', optional '-'
  }
  const intPart = i === scIntEnd ? '0' : str.slice(i, scIntEnd);
  const result = intPart + '.' + str.slice(scFracStart, f);
  return scNeg ? '-' + result : result;
}

function parseNumber(n: number): DecimalParts | undefined {
  if (Number.isSafeInteger(n)) return n === 0 ? ZERO : { m: BigInt(n), s: 0 };
  if (!Number.isFinite(n)) return undefined;
  return parseString(String(n));
}

function tryParse(x: unknown): DecimalParts | undefined {
  if (typeof x === 'string') return parseString(x);
  if (typeof x === 'number') return parseNumber(x);
  if (typeof x === 'bigint') return { m: x, s: 0 };
  return undefined;
}

function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 64 ? x.slice(0, 64) + '...' : x);
  if (typeof x === 'bigint') return `${x}n`;
  return String(x);
}

/** Parses a Decimalish into `{ m, s }` (value = m / 10^s). Throws RangeError if it is not a finite decimal. */
export function parseDecimal(x: Decimalish): DecimalParts {
  const d = tryParse(x);
  if (d === undefined) throw new RangeError(`decimal: not a finite decimal number: ${describe(x)}`);
  return d;
}

// ---------------------------------------------------------------------------------------------------------------------
// Formatting

/** Canonical plain string of m / 10^s: no exponent, no trailing fractional zeros, no '-0'. */
function format(m: bigint, s: number): string {
  if (m === 0n) return '0';
  const neg = m < 0n;
  let digits = (neg ? -m : m).toString();
  if (s > 0) {
    let end = digits.length;
    while (s > 0 && digits.charCodeAt(end - 1) === 48) {
      end--;
      s--;
    }
    if (s === 0) digits = digits.slice(0, end);
    else if (end <= s) digits = '0.' + '0'.repeat(s - end) + digits.slice(0, end);
    else digits = digits.slice(0, end - s) + '.' + digits.slice(end - s, end);
  }
  return neg ? '-' + digits : digits;
}

/** Like format() but with exactly `decimals` fractional digits; the value must not need more than that. */
function formatFixed(m: bigint, s: number, decimals: number): string {
  const str = format(m, s);
  if (decimals <= 0) return str;
  const dot = str.indexOf('.');
  if (dot === -1) return str + '.' + '0'.repeat(decimals);
  const have = str.length - dot - 1;
  return have >= decimals ? str : str + '0'.repeat(decimals - have);
}

// ---------------------------------------------------------------------------------------------------------------------
// Arithmetic

function align(a: DecimalParts, b: DecimalParts): [bigint, bigint, number] {
  if (a.s === b.s) return [a.m, b.m, a.s];
  if (a.s > b.s) return [a.m, b.m * pow10(a.s - b.s), a.s];
  return [a.m * pow10(b.s - a.s), b.m, b.s];
}

function cmpParts(a: DecimalParts, b: DecimalParts): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function dAdd(a: Decimalish, b: Decimalish): string {
  const [x, y, s] = align(parseDecimal(a), parseDecimal(b));
  return format(x + y, s);
}

export function dSub(a: Decimalish, b: Decimalish): string {
  const [x, y, s] = align(parseDecimal(a), parseDecimal(b));
  return format(x - y, s);
}

export function dMul(a: Decimalish, b: Decimalish): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return format(x.m * y.m, x.s + y.s);
}

/** a / b truncated toward zero at `scale` decimals (default 18). Throws RangeError on division by zero. */
export function dDiv(a: Decimalish, b: Decimalish, scale = 18): string {
  if (!Number.isInteger(scale) || scale < 0) throw new RangeError(`decimal: invalid division scale: ${scale}`);
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (y.m === 0n) throw new RangeError('decimal: division by zero');
  // x.m/10^x.s / (y.m/10^y.s) * 10^scale = x.m * 10^(scale + y.s - x.s) / y.m
  const k = scale + y.s - x.s;
  const q = k >= 0 ? (x.m * pow10(k)) / y.m : x.m / (y.m * pow10(-k));
  return format(q, scale);
}

export function dCmp(a: Decimalish, b: Decimalish): -1 | 0 | 1 {
  return cmpParts(parseDecimal(a), parseDecimal(b));
}

export function dEq(a: Decimalish, b: Decimalish): boolean {
  return dCmp(a, b) === 0;
}

export function dGt(a: Decimalish, b: Decimalish): boolean {
  return dCmp(a, b) > 0;
}

export function dGe(a: Decimalish, b: Decimalish): boolean {
  return dCmp(a, b) >= 0;
}

export function dLt(a: Decimalish, b: Decimalish): boolean {
  return dCmp(a, b) < 0;
}

export function dLe(a: Decimalish, b: Decimalish): boolean {
  return dCmp(a, b) <= 0;
}

export function dNeg(a: Decimalish): string {
  const x = parseDecimal(a);
  return format(-x.m, x.s);
}

export function dAbs(a: Decimalish): string {
  const x = parseDecimal(a);
  return format(x.m < 0n ? -x.m : x.m, x.s);
}

export function dMin(a: Decimalish, b: Decimalish): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const r = cmpParts(x, y) <= 0 ? x : y;
  return format(r.m, r.s);
}

export function dMax(a: Decimalish, b: Decimalish): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const r = cmpParts(x, y) >= 0 ? x : y;
  return format(r.m, r.s);
}

export function dIsZero(a: Decimalish): boolean {
  return parseDecimal(a).m === 0n;
}

/** Canonical plain decimal string: no exponent, no trailing fractional zeros, no trailing '.', no '-0'. */
export function dNormalize(a: Decimalish): string {
  if (typeof a === 'string') {
    const n = normalizeString(a);
    if (n !== undefined) return n;
  }
  const x = parseDecimal(a);
  return format(x.m, x.s);
}

// ---------------------------------------------------------------------------------------------------------------------
// Boundary helpers

/** True for finite numeric strings ('1', '-1.5', '.5', '5.', '1e-8'); no surrounding whitespace, no NaN/Infinity. */
export function isDecimalString(s: unknown): s is string {
  return typeof s === 'string' && scan(s);
}

/**
 * Tolerant parsing of exchange payload values: undefined for null/undefined/''/non-numeric/non-finite input,
 * otherwise the canonical decimal string. Surrounding whitespace in strings is ignored.
 */
export function toDecimal(x: unknown): string | undefined {
  if (typeof x === 'string') {
    const n = normalizeString(x);
    if (n !== undefined) return n;
    const t = x.trim();
    return t.length !== x.length ? normalizeString(t) : undefined;
  }
  const d = tryParse(x);
  return d === undefined ? undefined : format(d.m, d.s);
}

/** Decimal string -> JS number at the unified output boundary (null/undefined/'' -> undefined). */
export function toNumber(x: string | number | undefined | null): number | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'number') return x;
  if (x === '') return undefined;
  const n = Number(x);
  return Number.isNaN(n) ? undefined : n;
}

/** Number of decimal places of a tick size: '0.001' -> 3, '1' -> 0, '10' -> 0, '0.5' -> 1, '1e-8' -> 8. */
export function precisionFromTick(tick: Decimalish): number {
  const t = parseDecimal(tick);
  return decimalsOf(t.m, t.s);
}

/** Tick size implied by a number of decimal places: 3 -> '0.001', 0 -> '1', -2 -> '100'. */
export function tickFromPrecision(digits: number): string {
  if (!Number.isInteger(digits)) throw new RangeError(`decimal: precision must be an integer: ${digits}`);
  if (digits > MAX_EXPONENT || digits < -MAX_EXPONENT)
    throw new RangeError(`decimal: precision out of range: ${digits}`);
  return digits >= 0 ? format(1n, digits) : format(pow10(-digits), 0);
}

/** Number of fractional digits of m / 10^s once trailing zeros are removed. */
function decimalsOf(m: bigint, s: number): number {
  if (m === 0n || s === 0) return 0;
  const digits = (m < 0n ? -m : m).toString();
  let end = digits.length;
  while (s > 0 && digits.charCodeAt(end - 1) === 48) {
    end--;
    s--;
  }
  return s;
}

/** Number of digits of |m| (m != 0). */
function digitCount(m: bigint): number {
  return (m < 0n ? -m : m).toString().length;
}

// ---------------------------------------------------------------------------------------------------------------------
// Rounding

/**
 * Rounds m / 10^s to `d` decimal places (d may be negative: tens, hundreds...). Returns parts with s >= 0.
 * TRUNCATE goes toward zero, ROUND is half away from zero.
 */
function roundToDecimals(m: bigint, s: number, d: number, mode: number): DecimalParts {
  if (d >= s) return { m, s };
  const div = pow10(s - d);
  let q = m / div;
  if (mode === ROUND) {
    const r = m - q * div;
    const r2 = r < 0n ? -2n * r : 2n * r;
    if (r2 >= div) q += m < 0n ? -1n : 1n;
  }
  return d >= 0 ? { m: q, s: d } : { m: q * pow10(-d), s: 0 };
}

/** Rounds m / 10^s to a multiple of the tick t (t > 0). */
function roundToTick(x: DecimalParts, tick: DecimalParts, mode: number): DecimalParts {
  const [xm, tm, s] = align(x, tick);
  let q = xm / tm;
  if (mode === ROUND) {
    const r = xm - q * tm;
    const r2 = r < 0n ? -2n * r : 2n * r;
    if (r2 >= tm) q += xm < 0n ? -1n : 1n;
  }
  return { m: q * tm, s };
}

function integerPrecision(precision: Decimalish): number {
  let p: number;
  if (typeof precision === 'number') p = precision;
  else if (typeof precision === 'bigint') p = Number(precision);
  else {
    const d = parseString(precision);
    p = d !== undefined && d.m % pow10(d.s) === 0n ? Number(d.m / pow10(d.s)) : NaN;
  }
  if (!Number.isInteger(p)) throw new RangeError(`decimal: precision must be an integer: ${describe(precision)}`);
  if (p > MAX_EXPONENT || p < -MAX_EXPONENT) throw new RangeError(`decimal: precision out of range: ${p}`);
  return p;
}

/**
 * CCXT-compatible decimalToPrecision.
 *
 * - DECIMAL_PLACES: `precision` digits after the point; negative precision rounds to tens, hundreds, ...
 * - SIGNIFICANT_DIGITS: `precision` significant digits; 0 gives '0'.
 * - TICK_SIZE: `precision` is the tick (> 0); the result is a multiple of it.
 * - Negative precision with DECIMAL_PLACES or SIGNIFICANT_DIGITS rounds to 10^-precision; padding is ignored.
 * - ROUND is half away from zero, TRUNCATE is toward zero. A zero result is never signed.
 * - PAD_WITH_ZERO pads to `precision` decimals (DECIMAL_PLACES), to the tick's decimals (TICK_SIZE), or to
 *   `precision` significant digits (SIGNIFICANT_DIGITS).
 *
 * Throws RangeError for non-finite/non-numeric input, unknown modes, a non-integer precision (except TICK_SIZE)
 * or a non-positive tick.
 */
export function decimalToPrecision(
  x: Decimalish,
  roundingMode: number,
  precision: Decimalish,
  countingMode: number = DECIMAL_PLACES,
  paddingMode: number = NO_PADDING,
): string {
  if (roundingMode !== ROUND && roundingMode !== TRUNCATE) {
    throw new RangeError(`decimal: invalid rounding mode: ${describe(roundingMode)}`);
  }
  if (paddingMode !== NO_PADDING && paddingMode !== PAD_WITH_ZERO) {
    throw new RangeError(`decimal: invalid padding mode: ${describe(paddingMode)}`);
  }
  const v = parseDecimal(x);
  const pad = paddingMode === PAD_WITH_ZERO;

  if (countingMode === TICK_SIZE) {
    const tick = tryParse(precision);
    if (tick === undefined || tick.m <= 0n) {
      throw new RangeError(`decimal: tick size must be a positive number: ${describe(precision)}`);
    }
    const r = roundToTick(v, tick, roundingMode);
    return pad ? formatFixed(r.m, r.s, decimalsOf(tick.m, tick.s)) : format(r.m, r.s);
  }
  if (countingMode !== DECIMAL_PLACES && countingMode !== SIGNIFICANT_DIGITS) {
    throw new RangeError(`decimal: invalid counting mode: ${describe(countingMode)}`);
  }
  const p = integerPrecision(precision);

  if (p < 0) {
    const r = roundToDecimals(v.m, v.s, p, roundingMode);
    return format(r.m, r.s);
  }
  if (countingMode === DECIMAL_PLACES) {
    const r = roundToDecimals(v.m, v.s, p, roundingMode);
    return pad ? formatFixed(r.m, r.s, p) : format(r.m, r.s);
  }
  // SIGNIFICANT_DIGITS
  if (p === 0) return '0';
  if (v.m === 0n) return pad ? formatFixed(0n, 0, p - 1) : '0';
  // exponent of the leading digit: value in [10^e, 10^(e+1))
  const e = digitCount(v.m) - 1 - v.s;
  const r = roundToDecimals(v.m, v.s, p - 1 - e, roundingMode);
  if (!pad) return format(r.m, r.s);
  const re = digitCount(r.m) - 1 - r.s; // rounding may carry into a new leading digit (9.99 -> 10)
  return formatFixed(r.m, r.s, p - 1 - re);
}
