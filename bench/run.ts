/**
 * unifex vs ccxt, side by side in one run:
 *   1. cold import + construction (binance, kraken): fresh node child per sample
 *   2. binance loadMarkets(true) on a 3000-symbol spot exchangeInfo, served by an injected fetch
 *   3. binance fetchOrderBook on a 5000 + 5000 level depth response, served by an injected fetch
 *   4. binance websocket order book: diff-depth updates per second through each library's message handler (ws.ts)
 *
 *   npx tsx bench/run.ts [--quick] [--only=cold,markets,book,wsbook] [--lib=both|unifex|ccxt]
 *                        [--cold-from=dist|build|src]
 *
 * ccxt is a devDependency used here only; src/ never imports it. See bench/README.md.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Exchange, ExchangeConfig } from '../src/core/exchange.js';
import type { FetchLike, FetchResponseLike } from '../src/core/http.js';
import { COLD_FROM_TEXT, ROOT, ccxtModuleUrl, coldSample, unifexColdModule, type ColdFrom } from './cold.js';
import { depth, exchangeInfo } from './fixtures.js';

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
};
const QUICK = flag('quick') !== undefined;
const ONLY = new Set((flag('only') ?? 'cold,markets,book,wsbook').split(',').filter((s) => s !== ''));
const LIB = (flag('lib') ?? 'both') as 'both' | 'unifex' | 'ccxt';
const COLD_FROM = flag('cold-from') as ColdFrom | undefined;
const RUN_CCXT = LIB !== 'unifex';
const RUN_UNIFEX = LIB !== 'ccxt';

const N = QUICK
  ? { cold: 3, marketsWarmup: 2, markets: 5, bookWarmup: 10, book: 9, bookBatch: 5 }
  : { cold: 7, marketsWarmup: 4, markets: 15, bookWarmup: 40, book: 25, bookBatch: 5 };

const SYMBOLS = 3000;
const LEVELS = 5000;

// ---------------------------------------------------------------- helpers

/** A real gc() between samples, so one sample's garbage is not charged to the next (or to the other library). */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
  /** Calls per sample (a sample is their mean). */
  batch: number;
}

function stat(xs: number[], batch = 1): Stat {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length, batch };
}

/** Updates per second. */
function rate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M/s` : `${(x / 1e3).toFixed(1)}k/s`;
}

function ms(x: number): string {
  return x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
}

/** Milliseconds per call, averaged over `batch` back-to-back calls (after a full GC). */
async function timed(fn: () => Promise<unknown>, batch: number): Promise<number> {
  gc();
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) await fn();
  return (performance.now() - t0) / batch;
}

/**
 * Warm-up then alternating samples of a and b (who goes first flips every round), so drift, GC pressure
 * and JIT state are shared evenly.
 */
async function paired(
  warmup: number,
  runs: number,
  a: (() => Promise<unknown>) | undefined,
  b: (() => Promise<unknown>) | undefined,
  batch = 1,
): Promise<[number[], number[]]> {
  for (let i = 0; i < warmup; i++) {
    if (a !== undefined) await a();
    if (b !== undefined) await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      if (a !== undefined) ta.push(await timed(a, batch));
      if (b !== undefined) tb.push(await timed(b, batch));
    } else {
      if (b !== undefined) tb.push(await timed(b, batch));
      if (a !== undefined) ta.push(await timed(a, batch));
    }
  }
  return [ta, tb];
}

interface Row {
  name: string;
  ccxt: Stat | undefined;
  unifex: Stat | undefined;
  /** 'ms': the stats are times (lower is better); 'rate': updates per second (higher is better). */
  unit?: 'ms' | 'rate';
  /** Required speed-up of unifex over ccxt: ccxt/unifex time, or unifex/ccxt rate. */
  goal: number;
  goalText: string;
  why?: string;
}

const rows: Row[] = [];
const checks: string[] = [];
const notes: string[] = [];

// ---------------------------------------------------------------- libraries

type UnifexClass = new (config?: ExchangeConfig) => Exchange;

/** In-process unifex class (TypeScript source through tsx); undefined when that exchange has no code yet. */
async function unifexClass(id: string): Promise<UnifexClass | undefined> {
  const override = process.env[`UNIFEX_BENCH_${id.toUpperCase()}`];
  const file = override ?? path.join(ROOT, 'src', 'exchanges', id, `${id}.ts`);
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const cls = mod[id];
  return typeof cls === 'function' ? (cls as UnifexClass) : undefined;
}

type CcxtModule = typeof import('ccxt');
let ccxtModule: CcxtModule | undefined;
async function ccxtLib(): Promise<CcxtModule['default']> {
  ccxtModule ??= await import('ccxt');
  return ccxtModule.default;
}

/** Serves pre-serialized bodies to unifex: the library does its own JSON.parse, as with a real response. */
function unifexFetch(routes: Record<string, string>, counter: { n: number }): FetchLike {
  const headers = new Headers({ 'content-type': 'application/json;charset=UTF-8' });
  return async (url: string): Promise<FetchResponseLike> => {
    counter.n++;
    const text = route(routes, url);
    return { status: 200, statusText: 'OK', headers, text: async () => text };
  };
}

/** ccxt calls `this.fetch(url, method, headers, body)` and expects parsed JSON: it gets JSON.parse of the same text. */
function ccxtFetch(routes: Record<string, string>, counter: { n: number }) {
  return async (url: string): Promise<unknown> => {
    counter.n++;
    return JSON.parse(route(routes, url));
  };
}

function route(routes: Record<string, string>, url: string): string {
  const pathname = new URL(url).pathname;
  const body = routes[pathname];
  if (body === undefined) throw new Error(`bench: unexpected request ${url}`);
  return body;
}

/** Median time of JSON.parse alone on a body: the floor both libraries pay inside benchmarks 2 and 3. */
async function jsonFloor(text: string, runs: number, batch = 1): Promise<number> {
  const [t] = await paired(2, runs, async () => JSON.parse(text), undefined, batch);
  return stat(t).median;
}

// ---------------------------------------------------------------- 1. cold import + construction

async function benchCold(): Promise<void> {
  const ccxtUrl = ccxtModuleUrl();
  const used = new Set<ColdFrom>();
  for (const id of ['binance', 'kraken']) {
    const u = RUN_UNIFEX ? await unifexColdModule(id, COLD_FROM, notes) : undefined;
    if (u !== undefined) used.add(u.from);
    const cCtor = `(m.default ?? m).${id}`;
    const uCtor = `m.${id}`;
    // one discarded spawn each: OS file cache (and tsx's transform cache) warm, like any second start of an app
    if (RUN_CCXT) coldSample(ccxtUrl, cCtor, [], id);
    if (u !== undefined) coldSample(u.url, uCtor, u.nodeArgs, id);
    const tc: number[] = [];
    const tu: number[] = [];
    for (let i = 0; i < N.cold; i++) {
      if (RUN_CCXT) tc.push(coldSample(ccxtUrl, cCtor, [], id));
      if (u !== undefined) tu.push(coldSample(u.url, uCtor, u.nodeArgs, id));
    }
    const row: Row = {
      name: `cold import + new ${id}()` + (u !== undefined && u.from !== 'build' ? ` [${u.from}]` : ''),
      ccxt: tc.length > 0 ? stat(tc) : undefined,
      unifex: tu.length > 0 ? stat(tu) : undefined,
      goal: 10,
      goalText: '>= 10x',
    };
    if (RUN_UNIFEX && u === undefined) row.why = `unifex ${id} not implemented yet`;
    rows.push(row);
  }
  for (const from of used) notes.push(`cold unifex${used.size > 1 ? ` [${from}]` : ''}: ${COLD_FROM_TEXT[from]}`);
  if (RUN_CCXT) notes.push("cold ccxt: import('ccxt') = node_modules/ccxt/js/ccxt.js under plain node");
}

// ---------------------------------------------------------------- 2. loadMarkets

// only the serialized bodies are kept: the parsed fixtures would only add old-generation heap for the GC to walk
const infoText = exchangeInfo(SYMBOLS).text;
const bookText = depth(LEVELS).text;
const ROUTES = {
  '/api/v3/exchangeInfo': infoText,
  '/api/v3/depth': bookText,
};

async function makeCcxt(counter: { n: number }) {
  const ccxt = await ccxtLib();
  const ex = new ccxt.binance({
    enableRateLimit: false,
    // spot only (no fapi/dapi exchangeInfo), no sapi currencies: both libraries parse the same 3000 symbols
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
  (ex as unknown as { fetch: unknown }).fetch = ccxtFetch(ROUTES, counter);
  return ex;
}

async function makeUnifex(cls: UnifexClass, counter: { n: number }): Promise<Exchange> {
  return new cls({ fetch: unifexFetch(ROUTES, counter), enableRateLimit: false });
}

async function benchMarkets(cls: UnifexClass | undefined): Promise<void> {
  const name = `binance loadMarkets, ${SYMBOLS} spot symbols`;
  const cc = { n: 0 };
  const uc = { n: 0 };
  const c = RUN_CCXT ? await makeCcxt(cc) : undefined;
  const u = RUN_UNIFEX && cls !== undefined ? await makeUnifex(cls, uc) : undefined;

  // correctness first: same request count, same symbols
  if (c !== undefined) {
    const before = cc.n;
    const m = await c.loadMarkets(true);
    checks.push(`ccxt loadMarkets: ${Object.keys(m).length} markets from ${cc.n - before} request(s)`);
  }
  if (u !== undefined) {
    const before = uc.n;
    const m = await u.loadMarkets(true);
    checks.push(`unifex loadMarkets: ${Object.keys(m).length} markets from ${uc.n - before} request(s)`);
  }
  if (c !== undefined && u !== undefined) {
    const cs = new Set(Object.keys(c.markets ?? {}));
    const us = Object.keys(u.markets);
    const same = us.length === cs.size && us.every((s) => cs.has(s));
    checks.push(same ? 'same symbol set on both sides' : `SYMBOL SETS DIFFER (ccxt ${cs.size}, unifex ${us.length})`);
    const a = c.markets?.['BTC/USDT'];
    const b = u.markets['BTC/USDT'];
    if (a !== undefined && b !== undefined) {
      const pc = `${a.precision?.price}/${a.precision?.amount}`;
      const pu = `${b.precision.price}/${b.precision.amount}`;
      checks.push(`BTC/USDT precision price/amount: ccxt ${pc}, unifex ${pu}${pc === pu ? '' : '  (DIFFERENT)'}`);
    }
  }

  const [tc, tu] = await paired(
    N.marketsWarmup,
    N.markets,
    c === undefined ? undefined : () => c.loadMarkets(true),
    u === undefined ? undefined : () => u.loadMarkets(true),
  );
  const row: Row = {
    name,
    ccxt: tc.length > 0 ? stat(tc) : undefined,
    unifex: tu.length > 0 ? stat(tu) : undefined,
    goal: 2,
    goalText: '>= 2x',
  };
  if (RUN_UNIFEX && cls === undefined) row.why = 'unifex binance not implemented yet';
  notes.push(
    `JSON.parse alone of the exchangeInfo body: ${ms(await jsonFloor(infoText, N.markets))} (in both figures)`,
  );
  rows.push(row);
}

// ---------------------------------------------------------------- 3. order book

async function benchBook(cls: UnifexClass | undefined): Promise<void> {
  const name = `binance fetchOrderBook, ${LEVELS}+${LEVELS} levels`;
  const cc = { n: 0 };
  const uc = { n: 0 };
  const c = RUN_CCXT ? await makeCcxt(cc) : undefined;
  let u = RUN_UNIFEX && cls !== undefined ? await makeUnifex(cls, uc) : undefined;
  if (c !== undefined) await c.loadMarkets();
  if (u !== undefined) {
    await u.loadMarkets();
    if (!u.has.fetchOrderBook) {
      notes.push('unifex binance has no fetchOrderBook yet');
      u = undefined;
    }
  }
  if (c !== undefined) {
    const ob = await c.fetchOrderBook('BTC/USDT', LEVELS);
    checks.push(
      `ccxt book: ${ob.bids.length} bids, ${ob.asks.length} asks, best ${ob.bids[0]?.[0]} / ${ob.asks[0]?.[0]}`,
    );
  }
  if (u !== undefined) {
    const ob = await u.fetchOrderBook('BTC/USDT', LEVELS);
    checks.push(
      `unifex book: ${ob.bids.length} bids, ${ob.asks.length} asks, best ${ob.bids[0]?.[0]} / ${ob.asks[0]?.[0]}`,
    );
  }
  const [tc, tu] = await paired(
    N.bookWarmup,
    N.book,
    c === undefined ? undefined : () => c.fetchOrderBook('BTC/USDT', LEVELS),
    u === undefined ? undefined : () => u.fetchOrderBook('BTC/USDT', LEVELS),
    N.bookBatch,
  );
  const row: Row = {
    name,
    ccxt: tc.length > 0 ? stat(tc, N.bookBatch) : undefined,
    unifex: tu.length > 0 ? stat(tu, N.bookBatch) : undefined,
    goal: 1,
    goalText: '>= 1x',
  };
  if (RUN_UNIFEX && u === undefined) row.why = 'unifex binance fetchOrderBook not implemented yet';
  notes.push(
    `JSON.parse alone of the depth body: ${ms(await jsonFloor(bookText, N.book, N.bookBatch))} (in both figures)`,
  );
  rows.push(row);
}

// ---------------------------------------------------------------- 4. websocket order book

async function benchWs(cls: UnifexClass | undefined): Promise<void> {
  if (RUN_UNIFEX && cls === undefined) {
    rows.push({ name: 'binance diff-depth', ccxt: undefined, unifex: undefined, goal: 3, goalText: '>= 3x' });
    rows[rows.length - 1]!.why = 'unifex binance not implemented yet';
    return;
  }
  // loaded here only: the other benchmarks never import ccxt.pro or the websocket code
  const { benchWsBook } = await import('./ws.js');
  const result = await benchWsBook({ quick: QUICK, lib: LIB, ...(cls === undefined ? {} : { exchange: cls }) });
  for (const r of result.rows) {
    rows.push({
      name: r.name,
      ccxt: r.ccxt.length > 0 ? stat(r.ccxt) : undefined,
      unifex: r.unifex.length > 0 ? stat(r.unifex) : undefined,
      unit: 'rate',
      goal: 3,
      goalText: '>= 3x',
    });
  }
  checks.push(...result.checks);
  notes.push(...result.notes);
}

// ---------------------------------------------------------------- report

function gitRev(): string {
  try {
    const git = (args: string): string =>
      execSync(`git ${args}`, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // uncommitted changes under src/ are what the benchmarks run, so say so
    return git('rev-parse --short HEAD') + (git('status --porcelain -- src') === '' ? '' : '+dirty');
  } catch {
    return 'unknown';
  }
}

function ccxtVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'ccxt', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** How many times better unifex is: ccxt/unifex for times, unifex/ccxt for rates. */
function speedup(r: Row): number | undefined {
  if (r.ccxt === undefined || r.unifex === undefined) return undefined;
  return r.unit === 'rate' ? r.unifex.median / r.ccxt.median : r.ccxt.median / r.unifex.median;
}

function show(r: Row, x: number): string {
  return r.unit === 'rate' ? rate(x) : ms(x);
}

function table(): string {
  const head = ['benchmark', `ccxt ${ccxtVersion()}`, 'unifex', 'ratio', 'goal', ''];
  const body = rows.map((r) => {
    const ratio = speedup(r);
    const verdict = ratio === undefined ? 'n/a' : ratio >= r.goal ? 'PASS' : 'MISS';
    return [
      r.name,
      r.ccxt === undefined ? '-' : show(r, r.ccxt.median),
      r.unifex === undefined ? '-' : show(r, r.unifex.median),
      ratio === undefined ? '-' : `${ratio.toFixed(2)}x`,
      r.goalText,
      verdict,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n').replace(/ +$/gm, '');
}

function summary(r: Row): string {
  if (r.ccxt === undefined || r.unifex === undefined) {
    return `${r.name}: ${r.why ?? 'only one library measured'}${r.ccxt !== undefined ? ` (ccxt ${show(r, r.ccxt.median)})` : ''}${r.unifex !== undefined ? ` (unifex ${show(r, r.unifex.median)})` : ''}.`;
  }
  const ratio = speedup(r)!;
  const how = ratio >= 1 ? `${ratio.toFixed(2)}x faster than` : `${(1 / ratio).toFixed(2)}x slower than`;
  const spread = (s: Stat): string =>
    `${show(r, s.min)}..${show(r, s.max)}, n=${s.n}${s.batch > 1 ? ` samples x ${s.batch} calls` : ''}`;
  return (
    `${r.name}: unifex ${show(r, r.unifex.median)} vs ccxt ${show(r, r.ccxt.median)} (medians; unifex ${spread(r.unifex)}; ` +
    `ccxt ${spread(r.ccxt)}) -> unifex is ${how} ccxt; goal ${r.goalText}: ${ratio >= r.goal ? 'met' : 'NOT met'}.`
  );
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const t0 = performance.now();
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  console.log(`unifex bench — ${new Date().toISOString()}`);
  console.log(
    `node ${process.version} · ${process.platform} ${process.arch} · ${cpu.trim()} x${os.cpus().length} · ` +
      `ccxt ${ccxtVersion()} · unifex @ ${gitRev()}${QUICK ? ' · --quick' : ''}`,
  );
  const load0 = os.loadavg()[0]!;
  console.log(
    `fixtures: exchangeInfo ${SYMBOLS} symbols (${(infoText.length / 1e6).toFixed(2)} MB), ` +
      `depth ${LEVELS}+${LEVELS} levels (${(bookText.length / 1e3).toFixed(0)} kB)\n`,
  );

  const binance = RUN_UNIFEX ? await unifexClass('binance') : undefined;
  if (RUN_UNIFEX && binance === undefined) notes.push('unifex binance is not implemented yet: its columns are empty');

  if (ONLY.has('cold')) await benchCold();
  if (ONLY.has('markets')) await benchMarkets(binance);
  if (ONLY.has('book')) await benchBook(binance);
  if (ONLY.has('wsbook')) await benchWs(binance);

  console.log(table());
  console.log('');
  for (const r of rows) console.log(summary(r));
  if (checks.length > 0) console.log(`\nchecks:\n${checks.map((c) => `  ${c}`).join('\n')}`);
  if (notes.length > 0) console.log(`notes:\n${notes.map((n) => `  ${n}`).join('\n')}`);
  console.log(
    `\ntotal bench time ${((performance.now() - t0) / 1000).toFixed(1)} s; 1-min load average ${load0.toFixed(2)} ` +
      `at start, ${os.loadavg()[0]!.toFixed(2)} at end (${os.cpus().length} CPUs; other work on the machine adds noise)`,
  );
}

await main();
