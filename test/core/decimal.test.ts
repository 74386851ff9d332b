import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  DECIMAL_PLACES,
  NO_PADDING,
  PAD_WITH_ZERO,
  ROUND,
  SIGNIFICANT_DIGITS,
  TICK_SIZE,
  TRUNCATE,
  dAbs,
  dAdd,
  dCmp,
  dDiv,
  dEq,
  dGe,
  dGt,
  dIsZero,
  dLe,
  dLt,
  dMax,
  dMin,
  dMul,
  dNeg,
  dNormalize,
  dSub,
  decimalToPrecision,
  isDecimalString,
  parseDecimal,
  precisionFromTick,
  tickFromPrecision,
  toDecimal,
  toNumber,
} from '../../src/core/decimal.js';

// ---------------------------------------------------------------------------------------------------------------------
// Independent reference: exact rationals [numerator, denominator > 0] built from integer generators.

type Rat = readonly [bigint, bigint];

const CANONICAL = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;

function ten(n: number): bigint {
  let r = 1n;
  for (let i = 0; i < n; i++) r *= 10n;
  return r;
}

/** Parses a canonical output string into a rational (test-side, regex based). */
function rat(str: string): Rat {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(str);
  if (!match) throw new Error(`not a plain decimal: ${str}`);
  const frac = match[3] ?? '';
  const n = BigInt((match[2] ?? '') + frac);
  return [match[1] === '-' ? -n : n, ten(frac.length)];
}

function ratEq(a: Rat, b: Rat): boolean {
  return a[0] * b[1] === b[0] * a[1];
}

function ratCmp(a: Rat, b: Rat): number {
  const x = a[0] * b[1];
  const y = b[0] * a[1];
  return x < y ? -1 : x > y ? 1 : 0;
}

function ratSub(a: Rat, b: Rat): Rat {
  return [a[0] * b[1] - b[0] * a[1], a[1] * b[1]];
}

function ratAbs(a: Rat): Rat {
  return [a[0] < 0n ? -a[0] : a[0], a[1]];
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Integer quotient of N/D (D > 0): TRUNCATE toward zero via floor of magnitude, ROUND half away from zero. */
function refQuotient(num: bigint, den: bigint, mode: number): bigint {
  const sign = num < 0n ? -1n : 1n;
  const mag = mode === ROUND ? (2n * abs(num) + den) / (2n * den) : abs(num) / den;
  return sign * mag;
}

/** Reference for DECIMAL_PLACES rounding of x to p decimals (p may be negative). */
function refDecimalPlaces(x: Rat, p: number, mode: number): Rat {
  const num = x[0] * ten(Math.max(p, 0));
  const den = x[1] * ten(Math.max(-p, 0));
  const q = refQuotient(num, den, mode);
  return [q * ten(Math.max(-p, 0)), ten(Math.max(p, 0))];
}

/** Reference for TICK_SIZE rounding of x to a multiple of tick t > 0. */
function refTick(x: Rat, t: Rat, mode: number): Rat {
  // x / t = (x0 * t1) / (x1 * t0)
  const q = refQuotient(x[0] * t[1], x[1] * t[0], mode);
  return [q * t[0], t[1]];
}

/** floor(log10(|x|)) for x != 0 by comparison with powers of ten. */
function refExponent(x: Rat): number {
  const n = abs(x[0]);
  let e = 0;
  while (n >= x[1] * ten(e + 1)) e++;
  while (n * ten(-e) < x[1]) e--;
  return e;
}

/** Builds the plain string for n / 10^s by padding (different from the library's formatter). */
function plain(n: bigint, s: number): string {
  const neg = n < 0n;
  let d = abs(n).toString();
  if (s > 0) {
    d = d.padStart(s + 1, '0');
    d = d.slice(0, d.length - s) + '.' + d.slice(d.length - s);
  }
  return (neg ? '-' : '') + d;
}

interface Dec {
  readonly r: Rat;
  readonly input: string | number | bigint;
}

const bigMantissa = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
const smallMantissa = fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n });

/** A decimal value n / 10^s presented in one of several input spellings. */
const decimal = fc
  .tuple(fc.oneof(bigMantissa, smallMantissa), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 8 }))
  .map(([n, s, form]): Dec => {
    const r: Rat = [n, ten(s)];
    switch (form) {
      case 0:
        return { r, input: `${n}e-${s}` };
      case 1:
        return { r, input: plain(n, s) + (s > 0 ? '000' : '.000') };
      case 2:
        return { r, input: s === 0 ? n : plain(n, s) };
      case 3:
        return { r, input: s === 0 && abs(n) < 2n ** 53n ? Number(n) : `${n}E-${s}` };
      case 4:
        return { r, input: (n >= 0n ? '+' : '') + plain(n, s) };
      case 5:
        return { r, input: (n < 0n ? '-00' : '00') + plain(abs(n), s) };
      case 6:
        return { r, input: plain(n, s).replace(/^(-?)0\./, '$1.') };
      default:
        return { r, input: plain(n, s) };
    }
  });

const positiveTick = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 6n }), fc.integer({ min: 0, max: 10 }))
  .map(([n, s]): Dec => ({ r: [n, ten(s)], input: plain(n, s) }));

function expectCanonical(str: string): void {
  expect(str).toMatch(CANONICAL);
  expect(str).not.toBe('-0');
}

// ---------------------------------------------------------------------------------------------------------------------
// Examples

describe('decimal', () => {
  it('default', () => {
    expect(dAdd('0.1', '0.2')).toBe('0.3');
    expect(dSub('1', '1.000')).toBe('0');
    expect(dSub('-0', '0')).toBe('0');
    expect(dMul('1.5', '-2')).toBe('-3');
    expect(dMul('0.001', '0.001')).toBe('0.000001');
    expect(dDiv('1', '3')).toBe('0.333333333333333333');
    expect(dDiv('-2', '3', 4)).toBe('-0.6666');
    expect(dDiv('10', '4', 0)).toBe('2');
    expect(dAdd(0.1, 0.2)).toBe('0.3');
    expect(dAdd(10n, '0.5')).toBe('10.5');
    expect(dNormalize('1.2E+5')).toBe('120000');
    expect(dNormalize('1e-8')).toBe('0.00000001');
    expect(dNormalize(1e-7)).toBe('0.0000001');
    expect(dNormalize(1e21)).toBe('1000000000000000000000');
    expect(dNormalize('-0.000')).toBe('0');
    expect(dNormalize('001.500')).toBe('1.5');
    expect(dNormalize('.5')).toBe('0.5');
    expect(dNormalize('5.')).toBe('5');
    expect(dNormalize('+7')).toBe('7');
    expect(dNormalize('-0.5')).toBe('-0.5');
    expect(dNormalize('-.5')).toBe('-0.5');
    expect(dNormalize('-00.50')).toBe('-0.5');
    expect(dNormalize('-0.0')).toBe('0');
    expect(dNormalize('+0012')).toBe('12');
    expect(dNormalize('12.')).toBe('12');
    expect(dNormalize('-12.')).toBe('-12');
    expect(dNormalize('100')).toBe('100');
    expect(dNormalize('1.5e0')).toBe('1.5');
    expect(dCmp('1.10', '1.1')).toBe(0);
    expect(dCmp('-1', '0.5')).toBe(-1);
    expect(dCmp('1e3', '999.99')).toBe(1);
    expect(dEq('2', '2.0')).toBe(true);
    expect(dGt('2', '1.99')).toBe(true);
    expect(dGe('2', '2')).toBe(true);
    expect(dLt('-3', '-2')).toBe(true);
    expect(dLe('-3', '-3.0')).toBe(true);
    expect(dNeg('1.5')).toBe('-1.5');
    expect(dNeg('0')).toBe('0');
    expect(dAbs('-0.25')).toBe('0.25');
    expect(dMin('1', '0.999')).toBe('0.999');
    expect(dMax('1.000', '0.999')).toBe('1');
    expect(dIsZero('0.000')).toBe(true);
    expect(dIsZero('1e-18')).toBe(false);
    expect(parseDecimal('-1.50')).toEqual({ m: -150n, s: 2 });
  });

  it('parsing: isDecimalString', () => {
    for (const s of ['1', '-1.5', '.5', '5.', '+1', '1e-8', '1.2E+5', '-.5e3', '0'])
      expect(isDecimalString(s)).toBe(true);
    for (const s of [
      '',
      'abc',
      'NaN',
      'Infinity',
      '-Infinity',
      ' 1',
      '1 ',
      '.',
      '-',
      'e5',
      '1e',
      '1e+',
      '0x10',
      '1_0',
    ]) {
      expect(isDecimalString(s)).toBe(false);
    }
    expect(isDecimalString(1)).toBe(false);
    expect(isDecimalString(null)).toBe(false);
  });

  it('parsing: toDecimal and toNumber', () => {
    expect(toDecimal(undefined)).toBeUndefined();
    expect(toDecimal(null)).toBeUndefined();
    expect(toDecimal('')).toBeUndefined();
    expect(toDecimal('abc')).toBeUndefined();
    expect(toDecimal('NaN')).toBeUndefined();
    expect(toDecimal(NaN)).toBeUndefined();
    expect(toDecimal(Infinity)).toBeUndefined();
    expect(toDecimal({})).toBeUndefined();
    expect(toDecimal(true)).toBeUndefined();
    expect(toDecimal('1.2300')).toBe('1.23');
    expect(toDecimal(' 42 ')).toBe('42');
    expect(toDecimal(1.5e-7)).toBe('0.00000015');
    expect(toDecimal(12n)).toBe('12');
    expect(toNumber(undefined)).toBeUndefined();
    expect(toNumber(null)).toBeUndefined();
    expect(toNumber('')).toBeUndefined();
    expect(toNumber('1.5')).toBe(1.5);
    expect(toNumber('1e-8')).toBe(1e-8);
    expect(toNumber(3)).toBe(3);
  });

  it('tick size: precision from tick', () => {
    expect(precisionFromTick('0.001')).toBe(3);
    expect(precisionFromTick('1')).toBe(0);
    expect(precisionFromTick('10')).toBe(0);
    expect(precisionFromTick('0.5')).toBe(1);
    expect(precisionFromTick('0.00025')).toBe(5);
    expect(precisionFromTick('0.0100')).toBe(2);
    expect(precisionFromTick('1e-8')).toBe(8);
    expect(precisionFromTick(1e-8)).toBe(8);
    expect(tickFromPrecision(3)).toBe('0.001');
    expect(tickFromPrecision(0)).toBe('1');
    expect(tickFromPrecision(-2)).toBe('100');
    expect(() => tickFromPrecision(1.5)).toThrow(RangeError);
  });

  it('decimal places: truncate and round', () => {
    expect(decimalToPrecision('12.3456', TRUNCATE, 3)).toBe('12.345');
    expect(decimalToPrecision('12.3456000', TRUNCATE, 100, DECIMAL_PLACES)).toBe('12.3456');
    expect(decimalToPrecision('12.3456', ROUND, 2, DECIMAL_PLACES)).toBe('12.35');
    expect(decimalToPrecision('12.3456', ROUND, 0, DECIMAL_PLACES)).toBe('12');
    expect(decimalToPrecision('0.00000001', TRUNCATE, 8, DECIMAL_PLACES)).toBe('0.00000001');
    expect(decimalToPrecision('-0.123456', TRUNCATE, 5, DECIMAL_PLACES)).toBe('-0.12345');
    expect(decimalToPrecision('-0.123456', ROUND, 5, DECIMAL_PLACES)).toBe('-0.12346');
    expect(decimalToPrecision('-0.9', TRUNCATE, 0, DECIMAL_PLACES)).toBe('0');
    expect(decimalToPrecision('9.999', ROUND, 2, DECIMAL_PLACES)).toBe('10');
    expect(decimalToPrecision('10000', ROUND, 6, DECIMAL_PLACES)).toBe('10000');
    expect(decimalToPrecision('123.', TRUNCATE, 0, DECIMAL_PLACES)).toBe('123');
    expect(decimalToPrecision(1.005, ROUND, 2)).toBe('1.01'); // shortest repr of the double is '1.005'
    expect(decimalToPrecision('1.2e-3', ROUND, 3)).toBe('0.001');
    expect(decimalToPrecision('12.34', ROUND, '1')).toBe('12.3');
  });

  it('decimal places: negative precision', () => {
    expect(decimalToPrecision('12345', TRUNCATE, -2)).toBe('12300');
    expect(decimalToPrecision('123.456', TRUNCATE, -2, DECIMAL_PLACES)).toBe('100');
    expect(decimalToPrecision('99.9999', TRUNCATE, -2, DECIMAL_PLACES)).toBe('0');
    expect(decimalToPrecision('9.99999', ROUND, -1, DECIMAL_PLACES)).toBe('10');
    expect(decimalToPrecision('5', ROUND, -1, DECIMAL_PLACES)).toBe('10');
    expect(decimalToPrecision('4.999', ROUND, -1, DECIMAL_PLACES)).toBe('0');
    expect(decimalToPrecision('-69.3', ROUND, -1, DECIMAL_PLACES)).toBe('-70');
    expect(decimalToPrecision('5001', ROUND, -4, DECIMAL_PLACES)).toBe('10000');
    expect(decimalToPrecision('-69.3', TRUNCATE, -2, DECIMAL_PLACES)).toBe('0');
    expect(decimalToPrecision('5', ROUND, -1, DECIMAL_PLACES, PAD_WITH_ZERO)).toBe('10');
    expect(decimalToPrecision('69.3', TRUNCATE, -1, SIGNIFICANT_DIGITS)).toBe('60');
    expect(decimalToPrecision('-69.3', TRUNCATE, -1, SIGNIFICANT_DIGITS)).toBe('-60');
    expect(decimalToPrecision('69.3', TRUNCATE, -2, SIGNIFICANT_DIGITS)).toBe('0');
  });

  it('rounding: half away from zero', () => {
    expect(decimalToPrecision('0.125', ROUND, 2)).toBe('0.13');
    expect(decimalToPrecision('-0.125', ROUND, 2)).toBe('-0.13');
    expect(decimalToPrecision('0.124999', ROUND, 2)).toBe('0.12');
    expect(decimalToPrecision('1.45', ROUND, 1, DECIMAL_PLACES)).toBe('1.5');
    expect(decimalToPrecision('1.45', ROUND, 0, DECIMAL_PLACES)).toBe('1'); // no double rounding
    expect(decimalToPrecision('2.5', ROUND, 0)).toBe('3');
    expect(decimalToPrecision('-2.5', ROUND, 0)).toBe('-3');
    expect(decimalToPrecision('-0.4', ROUND, 0)).toBe('0');
    expect(decimalToPrecision('1.05', ROUND, '0.1', TICK_SIZE)).toBe('1.1');
    expect(decimalToPrecision('-1.05', ROUND, '0.1', TICK_SIZE)).toBe('-1.1');
    expect(decimalToPrecision('165', ROUND, 110, TICK_SIZE)).toBe('220');
    expect(decimalToPrecision('-165', ROUND, '110', TICK_SIZE)).toBe('-220');
  });

  it('significant digits', () => {
    expect(decimalToPrecision('0.000123456', ROUND, 3, SIGNIFICANT_DIGITS)).toBe('0.000123');
    expect(decimalToPrecision('0.000123456', ROUND, 5, SIGNIFICANT_DIGITS)).toBe('0.00012346');
    expect(decimalToPrecision('123456', TRUNCATE, 2, SIGNIFICANT_DIGITS)).toBe('120000');
    expect(decimalToPrecision('123.0000987654', TRUNCATE, 8, SIGNIFICANT_DIGITS)).toBe('123.00009');
    expect(decimalToPrecision('123.0000987654', ROUND, 7, SIGNIFICANT_DIGITS)).toBe('123.0001');
    expect(decimalToPrecision('0.00098765', ROUND, 1, SIGNIFICANT_DIGITS)).toBe('0.001');
    expect(decimalToPrecision('1114.5', ROUND, 3, SIGNIFICANT_DIGITS)).toBe('1110');
    expect(decimalToPrecision('1115.5', ROUND, 3, SIGNIFICANT_DIGITS)).toBe('1120');
    expect(decimalToPrecision('-1115.5', ROUND, 3, SIGNIFICANT_DIGITS)).toBe('-1120');
    expect(decimalToPrecision('1602000000000000000000', TRUNCATE, 3, SIGNIFICANT_DIGITS)).toBe(
      '1600000000000000000000',
    );
    expect(decimalToPrecision('1234.69', TRUNCATE, 0, SIGNIFICANT_DIGITS)).toBe('0');
    expect(decimalToPrecision('1234.69', TRUNCATE, 0, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('0');
    expect(decimalToPrecision('-0.123', ROUND, 0, SIGNIFICANT_DIGITS)).toBe('0');
    expect(decimalToPrecision('0', ROUND, 3, SIGNIFICANT_DIGITS)).toBe('0');
  });

  it('tick size: power of ten', () => {
    expect(decimalToPrecision('0.123456', TRUNCATE, '0.0001', TICK_SIZE)).toBe('0.1234');
    expect(decimalToPrecision('0.00005714', TRUNCATE, 0.00000001, TICK_SIZE)).toBe('0.00005714');
    expect(decimalToPrecision('0.0000571495257361', TRUNCATE, 0.00000001, TICK_SIZE)).toBe('0.00005714');
    expect(decimalToPrecision('0.000273398', ROUND, 1e-7, TICK_SIZE)).toBe('0.0002734');
    expect(decimalToPrecision('20', TRUNCATE, 0.00000001, TICK_SIZE)).toBe('20');
    expect(decimalToPrecision('101.000123456700', ROUND, 100, TICK_SIZE)).toBe('100');
    expect(decimalToPrecision('0.000123456700', ROUND, 100, TICK_SIZE)).toBe('0');
    expect(decimalToPrecision('-0.0006', TRUNCATE, 0.0001, TICK_SIZE)).toBe('-0.0006');
  });

  it('tick size: non power of ten', () => {
    expect(decimalToPrecision('7', TRUNCATE, '5', TICK_SIZE)).toBe('5');
    expect(decimalToPrecision('-7', TRUNCATE, '5', TICK_SIZE)).toBe('-5');
    expect(decimalToPrecision('7.5', ROUND, '5', TICK_SIZE)).toBe('10');
    expect(decimalToPrecision('1.2345', TRUNCATE, '0.00025', TICK_SIZE)).toBe('1.2345');
    expect(decimalToPrecision('1.23456', TRUNCATE, '0.00025', TICK_SIZE)).toBe('1.2345');
    expect(decimalToPrecision('1.234625', ROUND, '0.00025', TICK_SIZE)).toBe('1.23475');
    expect(decimalToPrecision('0.000123456700', ROUND, 0.00012, TICK_SIZE)).toBe('0.00012');
    expect(decimalToPrecision('0.0001234567', ROUND, 0.00013, TICK_SIZE)).toBe('0.00013');
    expect(decimalToPrecision('0.0001234567', TRUNCATE, 0.00013, TICK_SIZE)).toBe('0');
    expect(decimalToPrecision('165', TRUNCATE, 110, TICK_SIZE)).toBe('110');
    expect(decimalToPrecision('3210', TRUNCATE, 1110, TICK_SIZE)).toBe('2220');
    expect(decimalToPrecision('0.000123456789', ROUND, 0.00000012, TICK_SIZE)).toBe('0.00012348');
    expect(decimalToPrecision('-0.000123456789', TRUNCATE, '0.00000012', TICK_SIZE)).toBe('-0.00012336');
    expect(decimalToPrecision('-1650', ROUND, 1100, TICK_SIZE)).toBe('-2200');
    expect(decimalToPrecision('0.6', TRUNCATE, 0.2, TICK_SIZE)).toBe('0.6');
    expect(decimalToPrecision('-1.2', ROUND, 0.4, TICK_SIZE)).toBe('-1.2');
    expect(decimalToPrecision('44.00000001', ROUND, 4.4, TICK_SIZE)).toBe('44');
    expect(decimalToPrecision('-44.00000001', ROUND, 4.4, TICK_SIZE)).toBe('-44');
  });

  it('padding: no padding', () => {
    expect(decimalToPrecision('1.500', ROUND, 3, DECIMAL_PLACES, NO_PADDING)).toBe('1.5');
    expect(decimalToPrecision('0.0', ROUND, 3, DECIMAL_PLACES, NO_PADDING)).toBe('0');
    expect(decimalToPrecision('1.5', ROUND, 4, SIGNIFICANT_DIGITS, NO_PADDING)).toBe('1.5');
    expect(decimalToPrecision('0.0100', ROUND, '0.0001', TICK_SIZE, NO_PADDING)).toBe('0.01');
  });

  it('padding: pad with zero', () => {
    expect(decimalToPrecision('1.5', ROUND, 3, DECIMAL_PLACES, PAD_WITH_ZERO)).toBe('1.500');
    expect(decimalToPrecision('123', TRUNCATE, 5, DECIMAL_PLACES, PAD_WITH_ZERO)).toBe('123.00000');
    expect(decimalToPrecision('0.', TRUNCATE, 5, DECIMAL_PLACES, PAD_WITH_ZERO)).toBe('0.00000');
    expect(decimalToPrecision('0.000000000', TRUNCATE, 9, DECIMAL_PLACES, PAD_WITH_ZERO)).toBe('0.000000000');
    expect(decimalToPrecision('9.999', ROUND, 2, DECIMAL_PLACES, PAD_WITH_ZERO)).toBe('10.00');
    expect(decimalToPrecision('-99.999', ROUND, 2, DECIMAL_PLACES, PAD_WITH_ZERO)).toBe('-100.00');
    expect(decimalToPrecision('-0.001', TRUNCATE, 2, DECIMAL_PLACES, PAD_WITH_ZERO)).toBe('0.00');
    expect(decimalToPrecision('12', ROUND, 0, DECIMAL_PLACES, PAD_WITH_ZERO)).toBe('12');
    expect(decimalToPrecision('0.01', ROUND, 0.0001, TICK_SIZE, PAD_WITH_ZERO)).toBe('0.0100');
    expect(decimalToPrecision('0.01', TRUNCATE, '0.001', TICK_SIZE, PAD_WITH_ZERO)).toBe('0.010');
    expect(decimalToPrecision('7', TRUNCATE, '5', TICK_SIZE, PAD_WITH_ZERO)).toBe('5');
    expect(decimalToPrecision('1.2', TRUNCATE, '0.00025', TICK_SIZE, PAD_WITH_ZERO)).toBe('1.20000');
    expect(decimalToPrecision('1.5', ROUND, 4, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('1.500');
    expect(decimalToPrecision('1234', TRUNCATE, 5, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('1234.0');
    expect(decimalToPrecision('1234', TRUNCATE, 4, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('1234');
    expect(decimalToPrecision('123.0000987654', TRUNCATE, 10, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('123.0000987');
    expect(decimalToPrecision('123.0000987654', TRUNCATE, 7, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('123.0000');
    expect(decimalToPrecision('123.0000987654', TRUNCATE, 1, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('100');
    expect(decimalToPrecision('0.00098765', ROUND, 2, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('0.00099');
    expect(decimalToPrecision('0.00098765', ROUND, 10, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('0.0009876500000');
    expect(decimalToPrecision('0.098765', ROUND, 1, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('0.1');
    expect(decimalToPrecision('9.99', ROUND, 2, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('10');
    expect(decimalToPrecision('0', ROUND, 3, SIGNIFICANT_DIGITS, PAD_WITH_ZERO)).toBe('0.00');
  });

  it('error: non-finite', () => {
    for (const bad of [NaN, Infinity, -Infinity, 'abc', '', 'NaN', 'Infinity', ' 1', '1e99999']) {
      expect(() => decimalToPrecision(bad, ROUND, 2)).toThrow(RangeError);
      expect(() => dAdd(bad, '1')).toThrow(RangeError);
      expect(() => dNormalize(bad)).toThrow(RangeError);
    }
    expect(() => dDiv('1', '0')).toThrow(RangeError);
    expect(() => dDiv('1', '0.000')).toThrow(RangeError);
    expect(() => dDiv('1', '3', -1)).toThrow(RangeError);
  });

  it('error: invalid precision or mode', () => {
    expect(() => decimalToPrecision('1', ROUND, 0, TICK_SIZE)).toThrow(RangeError);
    expect(() => decimalToPrecision('1', ROUND, '-0.01', TICK_SIZE)).toThrow(RangeError);
    expect(() => decimalToPrecision('1', ROUND, 'abc', TICK_SIZE)).toThrow(RangeError);
    expect(() => decimalToPrecision('1', ROUND, 1.5, DECIMAL_PLACES)).toThrow(RangeError);
    expect(() => decimalToPrecision('1', ROUND, NaN, DECIMAL_PLACES)).toThrow(RangeError);
    expect(() => decimalToPrecision('1', 7, 2)).toThrow(RangeError);
    expect(() => decimalToPrecision('1', ROUND, 2, 9)).toThrow(RangeError);
    expect(() => decimalToPrecision('1', ROUND, 2, DECIMAL_PLACES, 9)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Properties

describe('decimal properties', () => {
  it('property: add/sub/mul match rational reference', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const sum = dAdd(a.input, b.input);
        const diff = dSub(a.input, b.input);
        const prod = dMul(a.input, b.input);
        expectCanonical(sum);
        expectCanonical(diff);
        expectCanonical(prod);
        const [an, ad] = a.r;
        const [bn, bd] = b.r;
        expect(ratEq(rat(sum), [an * bd + bn * ad, ad * bd])).toBe(true);
        expect(ratEq(rat(diff), [an * bd - bn * ad, ad * bd])).toBe(true);
        expect(ratEq(rat(prod), [an * bn, ad * bd])).toBe(true);
        expect(dSub(sum, b.input)).toBe(dNormalize(a.input));
      }),
      { numRuns: 500 },
    );
  });

  it('property: normalize is canonical and exact', () => {
    fc.assert(
      fc.property(decimal, (a) => {
        const n = dNormalize(a.input);
        expectCanonical(n);
        expect(ratEq(rat(n), a.r)).toBe(true);
        expect(dNormalize(n)).toBe(n);
        expect(toDecimal(a.input)).toBe(n);
        if (typeof a.input === 'string') expect(isDecimalString(a.input)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('property: numbers round-trip through their shortest representation', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const n = dNormalize(x);
        expectCanonical(n);
        expect(Number(n)).toBe(x === 0 ? 0 : x);
        expect(toNumber(n)).toBe(x === 0 ? 0 : x);
      }),
      { numRuns: 500 },
    );
  });

  it('property: isDecimalString agrees with Number() on numeric alphabets', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789.-+eE'), maxLength: 8 }), (s) => {
        fc.pre(!/[eE][+-]?\d{5}/.test(s));
        expect(isDecimalString(s)).toBe(s !== '' && !Number.isNaN(Number(s)));
      }),
      { numRuns: 1000 },
    );
  });

  it('property: compare matches rational reference', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const c = dCmp(a.input, b.input);
        expect(c).toBe(ratCmp(a.r, b.r));
        expect(dLt(a.input, b.input)).toBe(c < 0);
        expect(dGe(a.input, b.input)).toBe(c >= 0);
        expect(ratEq(rat(dMin(a.input, b.input)), c <= 0 ? a.r : b.r)).toBe(true);
        expect(ratEq(rat(dMax(a.input, b.input)), c >= 0 ? a.r : b.r)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('property: division truncates toward zero at scale', () => {
    fc.assert(
      fc.property(decimal, decimal, fc.integer({ min: 0, max: 30 }), (a, b, scale) => {
        fc.pre(b.r[0] !== 0n);
        const q = dDiv(a.input, b.input, scale);
        expectCanonical(q);
        const r = rat(q);
        // exact quotient a / b = (an * bd) / (ad * bn), with a positive denominator
        const sign = b.r[0] < 0n ? -1n : 1n;
        const exact: Rat = [sign * a.r[0] * b.r[1], sign * a.r[1] * b.r[0]];
        const ref = refDecimalPlaces(exact, scale, TRUNCATE);
        expect(ratEq(r, ref)).toBe(true);
        // |r| <= |exact| < |r| + 10^-scale
        expect(ratCmp(ratAbs(r), ratAbs(exact))).toBeLessThanOrEqual(0);
        expect(ratCmp(ratSub(ratAbs(exact), ratAbs(r)), [1n, ten(scale)])).toBe(-1);
      }),
      { numRuns: 500 },
    );
  });

  it('property: decimal places match rational reference', () => {
    fc.assert(
      fc.property(
        decimal,
        fc.integer({ min: -8, max: 24 }),
        fc.constantFrom(ROUND, TRUNCATE),
        fc.constantFrom(NO_PADDING, PAD_WITH_ZERO),
        (x, p, mode, padding) => {
          const out = decimalToPrecision(x.input, mode, p, DECIMAL_PLACES, padding);
          expect(out).not.toMatch(/^-0(\.0*)?$/);
          expect(ratEq(rat(out), refDecimalPlaces(x.r, p, mode))).toBe(true);
          if (padding === PAD_WITH_ZERO && p > 0) expect(out).toMatch(new RegExp(`^-?\\d+\\.\\d{${p}}$`));
          else expectCanonical(out);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: tick size matches rational reference and invariants', () => {
    fc.assert(
      fc.property(
        decimal,
        positiveTick,
        fc.constantFrom(ROUND, TRUNCATE),
        fc.constantFrom(NO_PADDING, PAD_WITH_ZERO),
        (x, tick, mode, padding) => {
          const out = decimalToPrecision(x.input, mode, tick.input, TICK_SIZE, padding);
          const r = rat(out);
          expect(out).not.toMatch(/^-0(\.0*)?$/);
          expect(ratEq(r, refTick(x.r, tick.r, mode))).toBe(true);
          // result is an integer multiple of the tick: r / tick = (r0 * t1) / (r1 * t0)
          expect((r[0] * tick.r[1]) % (r[1] * tick.r[0])).toBe(0n);
          const err = ratAbs(ratSub(x.r, r));
          if (mode === ROUND) {
            expect(ratCmp(err, [tick.r[0], 2n * tick.r[1]])).toBeLessThanOrEqual(0);
          } else {
            expect(ratCmp(ratAbs(r), ratAbs(x.r))).toBeLessThanOrEqual(0);
            expect(ratCmp(err, tick.r)).toBe(-1);
          }
          if (padding === PAD_WITH_ZERO) {
            const decimals = precisionFromTick(tick.input);
            expect(out).toMatch(new RegExp(decimals > 0 ? `^-?\\d+\\.\\d{${decimals}}$` : '^-?\\d+$'));
          } else {
            expectCanonical(out);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: significant digits match rational reference', () => {
    fc.assert(
      fc.property(decimal, fc.integer({ min: 1, max: 25 }), fc.constantFrom(ROUND, TRUNCATE), (x, p, mode) => {
        fc.pre(x.r[0] !== 0n);
        const out = decimalToPrecision(x.input, mode, p, SIGNIFICANT_DIGITS);
        expectCanonical(out);
        const e = refExponent(x.r);
        expect(ratEq(rat(out), refDecimalPlaces(x.r, p - 1 - e, mode))).toBe(true);
        const sig = out.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
        expect(sig.length).toBeLessThanOrEqual(p);
        if (mode === TRUNCATE) expect(ratCmp(ratAbs(rat(out)), ratAbs(x.r))).toBeLessThanOrEqual(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: exact ties round away from zero', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.integer({ min: 0, max: 12 }),
        positiveTick,
        (k, p, tick) => {
          // x = (k + 1/2) / 10^p, exactly halfway between two multiples of 10^-p
          const x: Rat = [2n * k + 1n, 2n * ten(p)];
          const xs = plain((2n * k + 1n) * 5n, p + 1);
          const out = rat(decimalToPrecision(xs, ROUND, p));
          expect(ratEq(out, refDecimalPlaces(x, p, ROUND))).toBe(true);
          expect(ratCmp(ratAbs(out), ratAbs(x))).toBe(1);
          // y = (k + 1/2) * tick, exactly halfway between two multiples of the tick
          const y: Rat = [(2n * k + 1n) * tick.r[0], 2n * tick.r[1]];
          const ys = plain((2n * k + 1n) * tick.r[0] * 5n, tick.r[1].toString().length);
          const outTick = rat(decimalToPrecision(ys, ROUND, tick.input, TICK_SIZE));
          expect(ratEq(outTick, refTick(y, tick.r, ROUND))).toBe(true);
          expect(ratCmp(ratAbs(outTick), ratAbs(y))).toBe(1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: truncate never increases magnitude, round stays within half a unit', () => {
    fc.assert(
      fc.property(decimal, fc.integer({ min: 0, max: 12 }), (x, p) => {
        const t = rat(decimalToPrecision(x.input, TRUNCATE, p));
        const r = rat(decimalToPrecision(x.input, ROUND, p));
        expect(ratCmp(ratAbs(t), ratAbs(x.r))).toBeLessThanOrEqual(0);
        expect(ratCmp(ratAbs(ratSub(x.r, r)), [1n, 2n * ten(p)])).toBeLessThanOrEqual(0);
        expect(ratCmp(ratAbs(ratSub(x.r, t)), [1n, ten(p)])).toBe(-1);
      }),
      { numRuns: 500 },
    );
  });
});
