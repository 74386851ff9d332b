/** Text output: ANSI colours (only when wanted), column tables, numbers without exponents, UTC times. */
import { plainString } from '../core/exchange.js';

export interface Style {
  color: boolean;
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;
export type Color = keyof typeof codes;

export function paint(style: Style, color: Color | undefined, text: string): string {
  if (!style.color || color === undefined || text === '') return text;
  const [open, close] = codes[color];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}
/** Display width: code points outside escapes (the tables use no wide characters). */
export function width(s: string): number {
  let n = 0;
  for (const _ of stripAnsi(s)) n++;
  return n;
}
export function padEnd(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}
export function padStart(s: string, w: number): string {
  return ' '.repeat(Math.max(0, w - width(s))) + s;
}
/** Cut to `w` columns with an ellipsis (plain text only). */
export function truncate(s: string, w: number): string {
  const chars = [...s];
  return chars.length <= w ? s : `${chars.slice(0, Math.max(0, w - 1)).join('')}…`;
}

/** A number as the exchange would print it: no exponent, no float noise beyond 15 significant digits. */
export function num(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    return plainString(Number(v.toPrecision(15)));
  }
  return String(v as string);
}

/** Decimal places of a number as printed (1.25 -> 2, 1e-7 -> 7). */
export function decimalsOf(v: number): number {
  const s = num(v);
  const dot = s.indexOf('.');
  return dot === -1 ? 0 : s.length - dot - 1;
}

/** a - b (or a + b) without float noise: rounded to the operands' decimals (30300.1 - 30300 = 0.1). */
export function exactSum(a: number, b: number): number {
  return Number((a + b).toFixed(Math.min(20, Math.max(decimalsOf(a), decimalsOf(b)))));
}
export function exactDiff(a: number, b: number): number {
  return exactSum(a, -b);
}
/** (a + b) / 2, one more decimal than the operands. */
export function exactMid(a: number, b: number): number {
  return Number(((a + b) / 2).toFixed(Math.min(20, Math.max(decimalsOf(a), decimalsOf(b)) + 1)));
}

export function isoTime(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  return new Date(ms).toISOString();
}
/** `2024-01-31 12:00:00` (UTC, no ms, no Z) for table columns. */
export function shortTime(ms: unknown): string {
  const s = isoTime(ms);
  return s === '' ? '' : s.slice(0, 19).replace('T', ' ');
}

export interface Column<T> {
  header: string;
  get: (row: T) => string;
  align?: 'left' | 'right';
  color?: (row: T) => Color | undefined;
}

/** Rows under a header, columns two spaces apart; empty columns are dropped. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[], style: Style): string {
  const cells = rows.map((r) => columns.map((c) => c.get(r)));
  const keep = columns.map((_, i) => cells.some((row) => row[i] !== ''));
  const cols = columns.filter((_, i) => keep[i]);
  const kept = cells.map((row) => row.filter((_, i) => keep[i]));
  const widths = cols.map((c, i) => Math.max(width(c.header), ...kept.map((row) => width(row[i]!))));
  const line = (values: string[], colorOf?: (i: number) => Color | undefined): string =>
    values
      .map((v, i) => {
        const padded = cols[i]!.align === 'right' ? padStart(v, widths[i]!) : padEnd(v, widths[i]!);
        return paint(style, colorOf?.(i), padded);
      })
      .join('  ')
      .trimEnd();
  const out = [paint(style, 'bold', line(cols.map((c) => c.header)))];
  kept.forEach((row, r) => out.push(line(row, (i) => cols[i]!.color?.(rows[r]!))));
  return out.join('\n');
}

/** Key / value lines for one object. */
export function keyValues(entries: readonly [string, string, (Color | undefined)?][], style: Style): string {
  const shown = entries.filter(([, v]) => v !== '');
  const w = Math.max(0, ...shown.map(([k]) => width(k)));
  return shown.map(([k, v, c]) => `${paint(style, 'gray', padEnd(k, w))}  ${paint(style, c, v)}`).join('\n');
}

/** Any value as text: scalars as they are, objects and arrays as compact JSON. */
export function scalar(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** JSON for pipes: two-space indented, `info` kept, undefined fields dropped as JSON does. */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2) ?? 'null';
}
