/**
 * `unifex <exchange> <method> [args...] [--param key=value ...]`: any unified method (or a raw endpoint method of
 * the exchange's implicit API) with its positional arguments parsed by the method's signature.
 */
import { BadRequest, BadSymbol } from '../core/errors.js';
import type { Exchange } from '../core/exchange.js';
import { camelPath } from '../core/util.js';
import {
  parseJsonArg,
  parseNumber,
  parseParams,
  parseString,
  parseTime,
  parseValue,
  UsageError,
  type Parsed,
} from './args.js';
import { println, type Ctx } from './context.js';
import { toJson } from './format.js';
import { METHODS, usageOf, type Arg, type View } from './methods.js';
import { render } from './render.js';
import { didYouMean } from './suggest.js';

/** Raw endpoint methods of the exchange (publicGetTicker, privatePostAddOrder, ...), named as the library does. */
export function implicitMethods(ex: Exchange): string[] {
  const names: string[] = [];
  for (const [section, methods] of Object.entries(ex.spec.api)) {
    for (const [verb, endpoints] of Object.entries(methods as Record<string, Record<string, unknown>>)) {
      const v = verb.charAt(0).toUpperCase() + verb.slice(1).toLowerCase();
      for (const path of Object.keys(endpoints)) names.push(`${camelPath(section, false)}${v}${camelPath(path)}`);
    }
  }
  return names;
}

/**
 * The method a person meant: exact, then case-insensitive, then with `fetch` in front (`ticker` -> fetchTicker,
 * `orderbook` -> fetchOrderBook). Unknown names get suggestions.
 */
export function resolveMethod(ex: Exchange, name: string): { method: string; implicit: boolean } {
  const unified = Object.keys(METHODS);
  const implicit = implicitMethods(ex);
  if (METHODS[name] !== undefined) return { method: name, implicit: false };
  if (implicit.includes(name)) return { method: name, implicit: true };
  const lower = name.toLowerCase();
  for (const candidate of [lower, `fetch${lower}`]) {
    const hit = unified.find((m) => m.toLowerCase() === candidate);
    if (hit !== undefined) return { method: hit, implicit: false };
    const raw = implicit.find((m) => m.toLowerCase() === candidate);
    if (raw !== undefined) return { method: raw, implicit: true };
  }
  const hint = didYouMean(name, [...unified, ...implicit]);
  throw new UsageError(`unknown method ${name}${hint}. See: unifex ${ex.id} --help`);
}

/** Checks a symbol against the loaded markets; BadSymbol with the closest ones when it is not there. */
export async function checkSymbol(ex: Exchange, symbol: string): Promise<void> {
  await ex.loadMarkets();
  if (ex.markets[symbol] !== undefined || ex.marketsById[symbol] !== undefined) return;
  throw new BadSymbol(`${ex.id} has no market ${symbol}${didYouMean(symbol, ex.symbols)}`, { exchange: ex.id });
}

async function checkCode(ex: Exchange, code: string): Promise<void> {
  await ex.loadMarkets();
  if (ex.codes.length === 0 || ex.currencies[code] !== undefined || ex.currenciesById[code] !== undefined) return;
  throw new BadRequest(`${ex.id} has no currency ${code}${didYouMean(code, ex.codes)}`, { exchange: ex.id });
}

function checkTimeframe(ex: Exchange, timeframe: string): void {
  const known = Object.keys(ex.timeframes);
  if (known.length === 0 || known.includes(timeframe)) return;
  throw new UsageError(
    `${ex.id} has no timeframe ${timeframe}${didYouMean(timeframe, known)}; it serves ${known.join(' ')}`,
  );
}

/** One positional argument, typed by its place in the signature. */
async function parseArg(ex: Exchange, arg: Arg, text: string, method: string): Promise<unknown> {
  const where = `${method}: ${arg.name}`;
  switch (arg.kind) {
    case 'number':
      return parseNumber(text, where);
    case 'time':
      return parseTime(text, where, ex.milliseconds());
    case 'bool': {
      const v = parseValue(text);
      if (v !== undefined && typeof v !== 'boolean') throw new UsageError(`${where} must be true or false`);
      return v;
    }
    case 'symbols':
    case 'codes': {
      if (text === 'undefined' || text === 'null') return undefined;
      const list = text.trimStart().startsWith('[')
        ? parseJsonArg(text)
        : text
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
      const example = arg.kind === 'codes' ? 'BTC,ETH or ["BTC","ETH"]' : 'BTC/USD,ETH/USD or ["BTC/USD","ETH/USD"]';
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
        throw new UsageError(`${where} must be a list of ${arg.kind}: ${example}`);
      }
      for (const s of list) await (arg.kind === 'codes' ? checkCode(ex, s) : checkSymbol(ex, s));
      return list;
    }
    default: {
      const v = parseString(text);
      if (v === undefined) return undefined;
      if (arg.kind === 'symbol') await checkSymbol(ex, v);
      if (arg.kind === 'code') await checkCode(ex, v);
      if (arg.kind === 'timeframe') checkTimeframe(ex, v);
      if (arg.kind === 'side' && v !== 'buy' && v !== 'sell') {
        throw new UsageError(`${where} must be buy or sell, got ${v}`);
      }
      return v;
    }
  }
}

function paramsOf(args: Parsed, positional: string | undefined, method: string): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  if (positional !== undefined) {
    const v = parseJsonArg(positional);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new UsageError(`too many arguments: usage: ${usageOf(method)} (params is a JSON object)`);
    }
    params = v as Record<string, unknown>;
  }
  return { ...params, ...parseParams(args.options.get('param') ?? []) };
}

/** The argument list for `method` from the words typed after it. */
export async function buildArguments(ex: Exchange, method: string, implicit: boolean, words: string[], args: Parsed) {
  if (implicit) {
    if (words.length > 1) throw new UsageError(`${method} takes one JSON object of params (or --param key=value)`);
    return { values: [paramsOf(args, words[0], method)] as unknown[], view: 'generic' as View };
  }
  const info = METHODS[method]!;
  if (words.length > info.args.length + 1) {
    throw new UsageError(`too many arguments: usage: ${usageOf(method)}`);
  }
  const values: unknown[] = [];
  for (let i = 0; i < info.args.length; i++) {
    const arg = info.args[i]!;
    const text = words[i];
    if (text === undefined) {
      if (arg.optional !== true) throw new UsageError(`${method} needs ${arg.name}: usage: ${usageOf(method)}`);
      values.push(undefined);
      continue;
    }
    values.push(await parseArg(ex, arg, text, method));
  }
  const params = paramsOf(args, words[info.args.length], method);
  values.push(params);
  // Trailing undefined arguments are dropped so defaults apply; params always goes last.
  return { values, view: info.view };
}

export async function runCall(ex: Exchange, name: string, words: string[], ctx: Ctx): Promise<void> {
  const { method, implicit } = resolveMethod(ex, name);
  const { values, view } = await buildArguments(ex, method, implicit, words, ctx.args);
  if (ctx.verbose) {
    // Arguments are echoed; credentials never are (they are not arguments).
    println(
      ctx.stderr,
      `unifex: ${ex.id}.${method}(${values.map((v) => JSON.stringify(v) ?? 'undefined').join(', ')})`,
    );
  }
  const fn = (ex as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
  if (typeof fn !== 'function') throw new UsageError(`${ex.id} has no method ${method}`);
  const result = await fn.apply(ex, values);
  if (ctx.json) println(ctx.stdout, toJson(result));
  else println(ctx.stdout, render(view, result, ctx.style));
}
