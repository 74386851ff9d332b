/**
 * Candlestick charts: in the terminal (one column per candle, two price steps per row with box-drawing
 * half-lines: heavy for the body, light for the wicks; green up, red down; volume in block eighths), and as a PNG.
 */
import type { OHLCV } from '../core/types.js';
import { num, paint, type Style } from './format.js';
import { hex, Raster, type Rgb } from './png.js';

export interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** Complete candles only (a candle without open/high/low/close cannot be drawn). */
export function toCandles(rows: readonly OHLCV[]): Candle[] {
  const out: Candle[] = [];
  for (const r of rows) {
    const [t, o, h, l, c, v] = r;
    if ([o, h, l, c].some((x) => typeof x !== 'number' || !Number.isFinite(x))) continue;
    out.push({ t, o: o!, h: h!, l: l!, c: c!, v: v ?? 0 });
  }
  return out;
}

/** Decimals that tell rows `step` apart, no more than 8. */
export function decimalsFor(step: number): number {
  if (!(step > 0)) return 2;
  return Math.min(8, Math.max(0, Math.ceil(-Math.log10(step)) + 1));
}

function timeLabel(ms: number, intraday: boolean): string {
  const iso = new Date(ms).toISOString();
  return intraday ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

export interface ChartOptions {
  width: number;
  height: number;
  title: string;
  timeframeMs: number;
}

type Half = 0 | 1 | 2; // none, wick, body
const CELL: Record<string, string> = {
  '00': ' ',
  '22': '┃',
  '11': '│',
  '02': '╻',
  '20': '╹',
  '01': '╷',
  '10': '╵',
  '12': '╽',
  '21': '╿',
};
const BARS = ' ▁▂▃▄▅▆▇█';

/** The chart as lines of text (with colours when `style.color`). */
export function terminalChart(all: readonly Candle[], opts: ChartOptions, style: Style): string {
  // title, plot, volume, ticks, time labels: `height` lines in all
  const rows = Math.max(4, opts.height - 4);
  if (all.length === 0) return `${opts.title}\n(no candles)`;
  // price labels on the right, their width from the range
  const probe = all.slice(-opts.width);
  const lo0 = Math.min(...probe.map((c) => c.l));
  const hi0 = Math.max(...probe.map((c) => c.h));
  const dec = decimalsFor((hi0 - lo0) / (rows * 2));
  const labelW = Math.max(num(Number(hi0.toFixed(dec))).length, num(Number(lo0.toFixed(dec))).length) + 1;
  const plotW = Math.max(10, opts.width - labelW - 2);
  const gap = all.length * 2 <= plotW ? 2 : 1;
  const candles = all.slice(-Math.floor(plotW / gap));
  const lo = Math.min(...candles.map((c) => c.l));
  const hi = Math.max(...candles.map((c) => c.h));
  const halves = rows * 2;
  const range = hi - lo || Math.abs(hi) * 0.001 || 1;
  const y = (p: number): number => Math.round(((p - lo) / range) * (halves - 1));
  const lines: string[] = [];
  const last = candles[candles.length - 1]!;
  const first = candles[0]!;
  const change = first.o !== 0 ? ((last.c - first.o) / first.o) * 100 : 0;
  lines.push(
    `${paint(style, 'bold', opts.title)}  last ${paint(style, 'bold', num(last.c))}  ` +
      `${paint(style, change >= 0 ? 'green' : 'red', `${change >= 0 ? '+' : ''}${change.toFixed(2)}%`)}  ` +
      `high ${num(hi)}  low ${num(lo)}  ${candles.length} candles`,
  );
  const state = (c: Candle, h: number): Half => {
    const top = y(Math.max(c.o, c.c));
    const bottom = y(Math.min(c.o, c.c));
    if (h >= bottom && h <= top) return 2;
    if (h >= y(c.l) && h <= y(c.h)) return 1;
    return 0;
  };
  const labelEvery = Math.max(2, Math.round(rows / 6));
  for (let r = rows - 1; r >= 0; r--) {
    let line = '';
    for (const c of candles) {
      const ch = CELL[`${state(c, 2 * r + 1)}${state(c, 2 * r)}`]!;
      line += paint(style, ch === ' ' ? undefined : c.c >= c.o ? 'green' : 'red', ch);
      if (gap === 2) line += ' ';
    }
    line += ' '.repeat(Math.max(0, plotW - candles.length * gap));
    const label =
      (rows - 1 - r) % labelEvery === 0 ? num(Number((lo + ((2 * r + 0.5) / (halves - 1)) * range).toFixed(dec))) : '';
    lines.push(`${line} ${paint(style, 'gray', label === '' ? '' : `┤ ${label}`)}`.trimEnd());
  }
  // volume: one row of block eighths
  const vmax = Math.max(...candles.map((c) => c.v));
  if (vmax > 0) {
    let vol = '';
    for (const c of candles) {
      const ch = BARS[Math.max(c.v > 0 ? 1 : 0, Math.round((c.v / vmax) * 8))]!;
      vol += paint(style, 'gray', ch) + (gap === 2 ? ' ' : '');
    }
    lines.push(
      `${vol}${' '.repeat(Math.max(0, plotW - candles.length * gap))} ${paint(style, 'gray', `vol ≤ ${num(Number(vmax.toPrecision(4)))}`)}`,
    );
  }
  // time axis: a tick every ~16 columns, labels that do not overlap
  const intraday = opts.timeframeMs < 86_400_000;
  const labelLen = intraday ? 11 : 10;
  let axis = '';
  let ticks = '';
  let next = 0;
  for (let i = 0; i < candles.length; i++) {
    const col = i * gap;
    if (col >= next && col + labelLen <= plotW + labelW) {
      ticks += ' '.repeat(Math.max(0, col - ticks.length)) + '╵';
      axis += ' '.repeat(Math.max(0, col - axis.length)) + timeLabel(candles[i]!.t, intraday);
      next = col + labelLen + 3;
    }
  }
  lines.push(paint(style, 'gray', ticks), paint(style, 'gray', `${axis}${axis === '' ? '' : '  UTC'}`));
  return lines.join('\n');
}

const THEME = {
  background: hex('#131722'),
  grid: hex('#2a2e39'),
  text: hex('#b2b5be'),
  title: hex('#e6e8ee'),
  up: hex('#26a69a'),
  down: hex('#ef5350'),
  volumeUp: hex('#1c5c57'),
  volumeDown: hex('#7a2f2f'),
};

/** The same chart as an image: price panel, volume panel, price and time labels, title. */
export function pngChart(
  candles: readonly Candle[],
  width: number,
  height: number,
  title: string,
  timeframeMs: number,
): Buffer {
  const img = new Raster(width, height, THEME.background);
  const scale = 2;
  const left = 16;
  const top = 44;
  const bottom = 36;
  const lo = candles.length > 0 ? Math.min(...candles.map((c) => c.l)) : 0;
  const hi = candles.length > 0 ? Math.max(...candles.map((c) => c.h)) : 1;
  const range = hi - lo || Math.abs(hi) * 0.001 || 1;
  const dec = decimalsFor(range / 8);
  const labelText = (p: number): string => num(Number(p.toFixed(dec)));
  const right = Math.max(Raster.textWidth(labelText(hi), scale), Raster.textWidth(labelText(lo), scale)) + 24;
  const plotW = width - left - right;
  const volumeH = Math.round((height - top - bottom) * 0.18);
  const priceH = height - top - bottom - volumeH - 8;
  img.text(left, 14, title, THEME.title, 3);
  if (candles.length === 0 || plotW < 10 || priceH < 10) return img.png();
  const py = (p: number): number => top + (1 - (p - lo) / range) * priceH;
  // grid and price labels
  for (let i = 0; i <= 6; i++) {
    const p = lo + (range * i) / 6;
    const yy = Math.round(py(p));
    img.hline(left, left + plotW, yy, THEME.grid, 4);
    img.text(left + plotW + 8, yy - 5, labelText(p), THEME.text, scale);
  }
  const slot = plotW / candles.length;
  const body = Math.max(1, Math.floor(slot * 0.7));
  const wick = slot >= 12 ? 2 : 1;
  const vmax = Math.max(...candles.map((c) => c.v), 0);
  const volTop = top + priceH + 8;
  candles.forEach((c, i) => {
    const cx = left + slot * i + slot / 2;
    const up = c.c >= c.o;
    const color: Rgb = up ? THEME.up : THEME.down;
    img.rect(cx - wick / 2, py(c.h), wick, Math.max(1, py(c.l) - py(c.h)), color);
    const yTop = py(Math.max(c.o, c.c));
    img.rect(cx - body / 2, yTop, body, Math.max(1, py(Math.min(c.o, c.c)) - yTop), color);
    if (vmax > 0) {
      const h = (c.v / vmax) * volumeH;
      img.rect(
        cx - body / 2,
        volTop + volumeH - h,
        body,
        Math.max(c.v > 0 ? 1 : 0, h),
        up ? THEME.volumeUp : THEME.volumeDown,
      );
    }
  });
  // time labels
  const intraday = timeframeMs < 86_400_000;
  const sample = timeLabel(candles[0]!.t, intraday);
  const labelW = Raster.textWidth(sample, scale);
  const every = Math.max(1, Math.ceil((labelW + 24) / slot));
  for (let i = 0; i < candles.length; i += every) {
    const cx = left + slot * i + slot / 2;
    if (cx + labelW > left + plotW + right) break;
    img.rect(cx, top + priceH + 8 + volumeH, 1, 4, THEME.text);
    img.text(
      cx - labelW / 2 < 0 ? 0 : cx - labelW / 2,
      height - bottom + 12,
      timeLabel(candles[i]!.t, intraday),
      THEME.text,
      scale,
    );
  }
  return img.png();
}
