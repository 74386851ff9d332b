/** `unifex <exchange> chart <symbol> [timeframe] [--limit N] [--since ...] [--png file] [--size 1280x720]`. */
import { writeFileSync } from 'node:fs';
import { NotSupported } from '../core/errors.js';
import type { Exchange } from '../core/exchange.js';
import { flag, intOption, option, parseTime, UsageError } from './args.js';
import { checkSymbol } from './call.js';
import { pngChart, terminalChart, toCandles } from './chart.js';
import { println, type Ctx } from './context.js';
import { toJson } from './format.js';

export async function runChart(ex: Exchange, words: string[], ctx: Ctx): Promise<void> {
  const [symbol, tfWord, ...extra] = words;
  if (symbol === undefined || extra.length > 0) {
    throw new UsageError('usage: unifex <exchange> chart <symbol> [timeframe] [--limit N] [--since ...] [--png file]');
  }
  const timeframe = tfWord ?? option(ctx.args, 'timeframe') ?? '1h';
  if (ex.has.fetchOHLCV !== true) throw new NotSupported(`${ex.id} has no candles (fetchOHLCV)`, { exchange: ex.id });
  await checkSymbol(ex, symbol);
  const known = Object.keys(ex.timeframes);
  if (known.length > 0 && !known.includes(timeframe)) {
    throw new UsageError(`${ex.id} has no timeframe ${timeframe}; it serves ${known.join(' ')}`);
  }
  const width = intOption(ctx.args, 'width', 20) ?? (ctx.stdout.isTTY === true ? (ctx.stdout.columns ?? 100) : 100);
  const height =
    intOption(ctx.args, 'height', 8) ??
    (ctx.stdout.isTTY === true ? Math.min(40, Math.max(12, (ctx.stdout.rows ?? 30) - 4)) : 24);
  const sinceText = option(ctx.args, 'since');
  const since = sinceText === undefined ? undefined : parseTime(sinceText, '--since', ex.milliseconds());
  const limit = intOption(ctx.args, 'limit') ?? (since === undefined ? Math.max(10, width - 12) : undefined);
  const rows = await ex.fetchOHLCV(symbol, timeframe, since, limit);
  const candles = toCandles(rows).slice(-(limit ?? rows.length));
  const tfMs = ex.parseTimeframe(timeframe) * 1000;
  const title = `${ex.id} ${symbol} ${timeframe}`;
  const png = option(ctx.args, 'png');
  if (png !== undefined) {
    const size = option(ctx.args, 'size') ?? '1280x720';
    const m = /^(\d+)x(\d+)$/.exec(size);
    if (m === null || Number(m[1]) < 200 || Number(m[2]) < 150 || Number(m[1]) > 8000 || Number(m[2]) > 8000) {
      throw new UsageError(`--size must be WIDTHxHEIGHT between 200x150 and 8000x8000, got ${size}`);
    }
    writeFileSync(
      png,
      pngChart(candles, Number(m[1]), Number(m[2]), `${ex.id.toUpperCase()} ${symbol} ${timeframe}`, tfMs),
    );
    println(ctx.stderr, `unifex: wrote ${png} (${m[1]}x${m[2]}, ${candles.length} candles)`);
  }
  if (flag(ctx.args, 'json')) println(ctx.stdout, toJson(rows));
  else if (png === undefined || ctx.stdout.isTTY === true || flag(ctx.args, 'table')) {
    println(ctx.stdout, terminalChart(candles, { width, height, title, timeframeMs: tfMs }, ctx.style));
  }
}
