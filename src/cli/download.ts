/**
 * `unifex <exchange> download ohlcv|trades <symbol> --since ... [--until ...] --out file.csv|file.jsonl`:
 * history page by page through the exchange's own throttle, appended to the file after each page (so an
 * interrupted download keeps what it has), resumed from the file's last timestamp, transient failures retried
 * with backoff, a progress bar on stderr when it is a terminal.
 */
import {
  closeSync,
  existsSync,
  openSync,
  readSync,
  statSync,
  appendFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { DDoSProtection, NetworkError, RateLimitExceeded } from '../core/errors.js';
import type { Exchange } from '../core/exchange.js';
import type { OHLCV, Trade } from '../core/types.js';
import { intOption, option, parseTime, UsageError } from './args.js';
import { checkSymbol } from './call.js';
import { println, type Ctx } from './context.js';
import { isoTime, num, paint } from './format.js';

type Kind = 'ohlcv' | 'trades';
type Format = 'csv' | 'jsonl';

export const HEADERS: Record<Kind, string> = {
  ohlcv: 'timestamp,datetime,open,high,low,close,volume',
  trades: 'timestamp,datetime,id,side,price,amount,cost,takerOrMaker,type,order',
};

const csvCell = (v: unknown): string => {
  const s = typeof v === 'number' ? num(v) : v === undefined || v === null ? '' : String(v as string);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

function ohlcvLine(c: OHLCV, format: Format): string {
  if (format === 'jsonl') return JSON.stringify(c);
  return [c[0], isoTime(c[0]), c[1], c[2], c[3], c[4], c[5]].map(csvCell).join(',');
}

function tradeLine(t: Trade, format: Format): string {
  if (format === 'jsonl') {
    const { info: _info, ...rest } = t;
    return JSON.stringify(rest);
  }
  return [t.timestamp, t.datetime, t.id, t.side, t.price, t.amount, t.cost, t.takerOrMaker, t.type, t.order]
    .map(csvCell)
    .join(',');
}

/** The last whole lines of a file (up to 256 KiB back), without reading all of it. */
function tailLines(path: string): string[] {
  const size = statSync(path).size;
  const n = Math.min(size, 256 * 1024);
  const buf = Buffer.alloc(n);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, n, size - n);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n');
  if (n < size) lines.shift(); // the first one is probably cut
  return lines;
}

export interface ResumePoint {
  /** Timestamp of the last row written. */
  last: number;
  /** Trade ids at that timestamp (so the next page does not write them twice). */
  idsAtLast: Set<string>;
}

function rowOf(line: string, kind: Kind, format: Format): { ts: number; id: string | undefined } | undefined {
  if (line.trim() === '') return undefined;
  if (format === 'jsonl') {
    const v = JSON.parse(line) as unknown;
    if (kind === 'ohlcv' && Array.isArray(v)) return { ts: Number(v[0]), id: undefined };
    const o = v as { timestamp?: number; id?: string };
    return { ts: Number(o.timestamp), id: o.id };
  }
  const cells = line.split(',');
  const ts = Number(cells[0]);
  if (!Number.isFinite(ts)) return undefined;
  return { ts, id: kind === 'trades' ? cells[2] : undefined };
}

/**
 * Where an existing file left off. A last line cut by a crash is removed first; a CSV with another header is
 * refused rather than mixed.
 */
export function resumePoint(path: string, kind: Kind, format: Format): ResumePoint | undefined {
  if (!existsSync(path) || statSync(path).size === 0) return undefined;
  const lines = tailLines(path);
  const tail = lines[lines.length - 1];
  if (tail !== undefined && tail !== '') {
    // no newline at the end: the last write was interrupted; drop the partial line
    truncateSync(path, statSync(path).size - Buffer.byteLength(tail));
    lines.pop();
  }
  if (format === 'csv') {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(200);
    const got = readSync(fd, head, 0, 200, 0);
    closeSync(fd);
    const header = head.subarray(0, got).toString('utf8').split('\n')[0];
    if (header !== HEADERS[kind]) {
      throw new UsageError(`${path} exists and is not a ${kind} CSV written by unifex (header: ${header})`);
    }
  }
  let last: number | undefined;
  const ids = new Set<string>();
  for (let i = lines.length - 1; i >= 0; i--) {
    let row;
    try {
      row = rowOf(lines[i]!, kind, format);
    } catch {
      throw new UsageError(`${path}: cannot read line ${lines[i]!.slice(0, 80)}`);
    }
    if (row === undefined) continue;
    if (last === undefined) last = row.ts;
    if (row.ts !== last) break;
    if (row.id !== undefined) ids.add(row.id);
  }
  if (last === undefined) return undefined;
  return { last, idsAtLast: ids };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Transient failures worth another try after a pause; everything else stops the download. */
function transient(e: unknown): boolean {
  return e instanceof NetworkError;
}

class Progress {
  #last = 0;
  #shown = false;
  constructor(
    private readonly ctx: Ctx,
    private readonly from: number,
    private readonly to: number,
    private readonly started = Date.now(),
  ) {}
  get enabled(): boolean {
    return this.ctx.stderr.isTTY === true;
  }
  update(cursor: number, rows: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.#last < 100) return;
    this.#last = now;
    const frac = this.to > this.from ? Math.min(1, Math.max(0, (cursor - this.from) / (this.to - this.from))) : 1;
    const cols = Math.max(40, (this.ctx.stderr.columns ?? 80) - 1);
    const elapsed = (now - this.started) / 1000;
    const eta = frac > 0 && frac < 1 ? ` eta ${formatSeconds((elapsed / frac) * (1 - frac))}` : '';
    const info = ` ${(frac * 100).toFixed(1).padStart(5)}% ${isoTime(cursor).slice(0, 16)}Z ${rows} rows${eta}`;
    const barW = Math.max(10, Math.min(40, cols - info.length - 2));
    const full = Math.floor(frac * barW);
    const bar = `${'█'.repeat(full)}${full < barW ? '░'.repeat(barW - full) : ''}`;
    this.ctx.stderr.write(`\r${paint(this.ctx.errStyle, 'cyan', bar)}${info}\x1b[K`);
    this.#shown = true;
  }
  done(): void {
    if (this.#shown) this.ctx.stderr.write('\r\x1b[K');
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export async function runDownload(ex: Exchange, words: string[], ctx: Ctx, interrupted: () => boolean): Promise<void> {
  const [kindWord, symbol, tfWord, ...extra] = words;
  if (kindWord !== 'ohlcv' && kindWord !== 'trades') {
    throw new UsageError(
      'usage: unifex <exchange> download ohlcv|trades <symbol> [timeframe] --since ... --out file.csv',
    );
  }
  const kind: Kind = kindWord;
  if (symbol === undefined) throw new UsageError(`download ${kind} needs a symbol`);
  if (extra.length > 0 || (kind === 'trades' && tfWord !== undefined)) {
    throw new UsageError(`too many arguments for download ${kind}`);
  }
  const timeframe = tfWord ?? option(ctx.args, 'timeframe') ?? '1m';
  const out = option(ctx.args, 'out');
  const format: Format =
    out === undefined || out === '-'
      ? option(ctx.args, 'format') === 'jsonl'
        ? 'jsonl'
        : 'csv'
      : /\.(jsonl|ndjson)$/i.test(out)
        ? 'jsonl'
        : /\.csv$/i.test(out)
          ? 'csv'
          : (() => {
              throw new UsageError(`--out must end in .csv or .jsonl (or be - for stdout), got ${out}`);
            })();
  const toFile = out !== undefined && out !== '-';
  const now = ex.milliseconds();
  const sinceText = option(ctx.args, 'since');
  const untilText = option(ctx.args, 'until');
  let since = sinceText === undefined ? undefined : parseTime(sinceText, '--since', now);
  let until = untilText === undefined ? undefined : parseTime(untilText, '--until', now);
  const limit = intOption(ctx.args, 'limit');
  const retries = intOption(ctx.args, 'retries', 0) ?? 5;

  await checkSymbol(ex, symbol);
  if (kind === 'ohlcv') {
    const has = Object.keys(ex.timeframes);
    if (has.length > 0 && !has.includes(timeframe)) {
      throw new UsageError(`${ex.id} has no timeframe ${timeframe}; it serves ${has.join(' ')}`);
    }
    if (ex.has.fetchOHLCV !== true) throw new UsageError(`${ex.id} has no fetchOHLCV`);
  } else if (ex.has.fetchTrades !== true) throw new UsageError(`${ex.id} has no fetchTrades`);
  const tfMs = ex.parseTimeframe(timeframe) * 1000;
  // Candles still forming are left out: by default the download stops at the start of the current candle.
  until ??= kind === 'ohlcv' ? Math.floor(now / tfMs) * tfMs : now;

  const resume = toFile ? resumePoint(out, kind, format) : undefined;
  let cursor: number;
  let seen = new Set<string>();
  let lastTs: number | undefined;
  if (resume !== undefined) {
    lastTs = resume.last;
    cursor = kind === 'ohlcv' ? resume.last + tfMs : resume.last;
    seen = resume.idsAtLast;
    since ??= cursor;
    println(ctx.stderr, `unifex: resuming ${out} after ${isoTime(resume.last)}`);
  } else {
    if (since === undefined) throw new UsageError('download needs --since (2024-01-01, ms since the epoch, or 30d)');
    cursor = since;
    if (toFile) writeFileSync(out, format === 'csv' ? `${HEADERS[kind]}\n` : '');
    else if (format === 'csv') ctx.stdout.write(`${HEADERS[kind]}\n`);
  }
  const write = (text: string): void => {
    if (toFile) appendFileSync(out, text);
    else ctx.stdout.write(text);
  };

  const progress = new Progress(ctx, since ?? cursor, until);
  let rows = 0;
  let pages = 0;
  let stuck = 0;
  let step = 0;
  try {
    while (cursor < until && !interrupted()) {
      progress.update(cursor, rows);
      const page = await withRetries(ctx, retries, interrupted, () =>
        kind === 'ohlcv'
          ? ex.fetchOHLCV(symbol, timeframe, cursor, limit)
          : (ex.fetchTrades(symbol, cursor, limit) as Promise<unknown[]>),
      );
      if (page === undefined) break; // interrupted while waiting to retry
      pages++;
      if (kind === 'ohlcv') {
        const candles = (page as OHLCV[]).filter((c) => c[0] >= cursor && c[0] < until);
        if (candles.length === 0) break; // nothing after the cursor: the end of the history
        candles.sort((a, b) => a[0] - b[0]);
        write(candles.map((c) => `${ohlcvLine(c, format)}\n`).join(''));
        rows += candles.length;
        cursor = candles[candles.length - 1]![0] + tfMs;
      } else {
        const trades = (page as Trade[])
          .filter((t) => t.timestamp !== undefined && t.timestamp >= cursor && t.timestamp < until)
          .filter((t) => !(t.timestamp === lastTs && t.id !== undefined && seen.has(t.id)))
          .sort((a, b) => a.timestamp! - b.timestamp!);
        if (trades.length === 0) {
          // Only already-written trades from the cursor on: the exchange pages by a coarser clock (or ignores
          // `since`). Step past them, twice as far each time, and stop if that never yields anything new.
          const ahead = (page as Trade[]).some(
            (t) => t.timestamp !== undefined && t.timestamp >= cursor && t.timestamp < until,
          );
          if (!ahead || ++stuck > 20) break;
          step = step === 0 ? 1 : step * 2;
          cursor = (lastTs ?? cursor) + step;
          continue;
        }
        stuck = 0;
        step = 0;
        write(trades.map((t) => `${tradeLine(t, format)}\n`).join(''));
        rows += trades.length;
        const newest = trades[trades.length - 1]!.timestamp!;
        if (newest !== lastTs) seen = new Set();
        for (const t of trades) if (t.timestamp === newest && t.id !== undefined) seen.add(t.id);
        lastTs = newest;
        cursor = newest;
      }
    }
  } finally {
    progress.update(cursor, rows, true);
    progress.done();
  }
  const where = toFile ? out : 'stdout';
  const stopped = interrupted() ? ' (interrupted: run the same command again to resume)' : '';
  println(
    ctx.stderr,
    `unifex: ${rows} ${kind === 'ohlcv' ? 'candles' : 'trades'} in ${pages} page${pages === 1 ? '' : 's'} to ${where}, up to ${isoTime(Math.min(cursor, until))}${stopped}`,
  );
}

async function withRetries<T>(
  ctx: Ctx,
  retries: number,
  interrupted: () => boolean,
  call: () => Promise<T>,
): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!transient(e) || attempt >= retries) throw e;
      const base = e instanceof RateLimitExceeded || e instanceof DDoSProtection ? 5000 : 1000;
      const wait = Math.min(60_000, base * 2 ** attempt);
      println(
        ctx.stderr,
        `${ctx.stderr.isTTY === true ? '\r\x1b[K' : ''}unifex: ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}; retrying in ${wait / 1000}s (${attempt + 1}/${retries})`,
      );
      const end = Date.now() + wait;
      while (Date.now() < end) {
        if (interrupted()) return undefined;
        await sleep(Math.min(200, end - Date.now()));
      }
    }
  }
}
