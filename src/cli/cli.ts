/**
 * The `unifex` command as a function: `main(argv, io)` resolves with the exit code (main.ts is the executable).
 * Usage in docs/cli.md; `unifex --help` for the short form.
 */
import pkg from '../../package.json' with { type: 'json' };
import { AuthenticationError } from '../core/errors.js';
import type { Exchange } from '../core/exchange.js';
import { loadExchangeClass } from '../registry.js';
import { flag, option, parseArgv, UsageError, type Parsed } from './args.js';
import { implicitMethods, resolveMethod, runCall } from './call.js';
import { runChart } from './chartcmd.js';
import { CREDENTIALS, envName } from './config.js';
import { checkExchangeId, makeCtx, openExchange, println, type Ctx, type Output } from './context.js';
import { runDownload } from './download.js';
import { exchangeRows, renderExchanges } from './exchanges.js';
import { EXIT, exitCode } from './exit.js';
import { paint } from './format.js';
import { METHODS, usageOf } from './methods.js';
import { runWatch, type Stopper } from './watch.js';

export const HELP = `unifex ${pkg.version}: one CCXT-compatible API to crypto exchanges, from the shell

Usage:
  unifex exchanges [--format table|md|rst|json]     the 124 exchanges and what is implemented
  unifex <exchange> <method> [args...] [options]    call a unified method, e.g.
      unifex kraken fetchTicker BTC/USD
      unifex kraken fetchOHLCV BTC/USD 1h 2024-01-01 100
      unifex kraken createOrder BTC/USD limit buy 0.001 20000 --param postOnly=true
  unifex <exchange> download ohlcv|trades <symbol> [timeframe] --since 2024-01-01 [--until ...] --out file.csv
  unifex <exchange> watch orderbook|trades|ticker|ohlcv <symbol> [timeframe] [--depth N]
  unifex <exchange> chart <symbol> [timeframe] [--limit N] [--png chart.png]
  unifex <exchange> --help                          the methods an exchange has

Arguments are typed as you would write them: numbers, undefined or null (skip an optional argument), JSON
objects and arrays, dates (2024-01-31, 2024-01-31T12:00Z, ms since the epoch, 7d = seven days ago).

Options:
  --json / --table        JSON or tables (default: tables on a terminal, JSON when stdout is piped)
  -p, --param key=value   exchange-specific parameter (repeatable; values typed like arguments)
  --config file           config file (default: ~/.config/unifex/config.json)
  -v, --verbose           log requests and responses to stderr (credentials are never shown)
  --sandbox               the exchange's testnet
  --timeout ms            request timeout
  --no-color              no colours (also: NO_COLOR=1)
  -V, --version / -h, --help

Credentials: UNIFEX_<ID>_API_KEY, UNIFEX_<ID>_SECRET, UNIFEX_<ID>_PASSWORD (e.g. UNIFEX_KRAKEN_API_KEY),
or {"kraken": {"apiKey": "...", "secret": "..."}} in the config file.
Exit codes: 0 ok, 1 error, 2 usage, 3 bad symbol/request, 4 authentication, 5 insufficient funds/invalid order,
6 network, 7 exchange not available, 8 rate limited, 9 not supported, 130 interrupted. See docs/cli.md.`;

function credentialsLine(id: string, required: Record<string, boolean | undefined>): string {
  const names = (Object.keys(required) as (keyof typeof CREDENTIALS)[]).filter(
    (k) => required[k] === true && k in CREDENTIALS,
  );
  if (names.length === 0) return 'Credentials: none needed';
  return `Credentials: set ${names.map((k) => envName(id, k)).join(', ')} or {"${id}": {${names.map((k) => `"${k}": "..."`).join(', ')}}} in the config file`;
}

const COMMAND_USAGE: Record<string, string> = {
  download:
    'download ohlcv|trades <symbol> [timeframe] --since <time> [--until <time>] [--out file.csv|file.jsonl] [--limit N] [--retries N]',
  watch: 'watch orderbook|trades|ticker|ohlcv <symbol> [timeframe] [--depth N] [--count N] [--interval ms]',
  chart: 'chart <symbol> [timeframe] [--limit N] [--since <time>] [--width N --height N] [--png file] [--size WxH]',
};

async function exchangeHelp(id: string, ctx: Ctx, out: Output): Promise<void> {
  const cls = (await loadExchangeClass(id)) as unknown as {
    spec: { name: string; marketTypes: readonly string[]; requiredCredentials?: Record<string, boolean | undefined> };
    new (): { has: Record<string, unknown>; timeframes: Record<string, unknown> };
  };
  const ex = new cls();
  const has = ex.has;
  const methods = Object.keys(METHODS).filter((m) => has[m] === true || has[m] === 'emulated');
  const conveniences = Object.keys(METHODS).filter(
    (m) => /^create(Limit|Market)/.test(m) && has['createOrder'] === true,
  );
  const watch = ['orderbook:watchOrderBook', 'trades:watchTrades', 'ticker:watchTicker']
    .filter((x) => has[x.split(':')[1]!] === true)
    .map((x) => x.split(':')[0]);
  const raw = implicitMethods(ex as unknown as Exchange);
  const lines = [
    `${paint(ctx.style, 'bold', id)} (${cls.spec.name}): ${cls.spec.marketTypes.join(', ')}`,
    '',
    'Methods:',
    ...[...methods, ...conveniences].map((m) => `  ${usageOf(m)}`),
    '',
    'Commands:',
    ...Object.values(COMMAND_USAGE).map((u) => `  ${u}`),
    '',
    `Timeframes: ${Object.keys(ex.timeframes).join(' ') || '(none)'}`,
    `Watch: ${watch.length > 0 ? watch.join(', ') : '(no streaming yet)'}`,
    ...(raw.length > 0
      ? [
          `Raw endpoints: ${raw.length} (${raw.slice(0, 3).join(', ')}, ...), e.g. unifex ${id} ${raw[0]} '{"key":"value"}'`,
        ]
      : []),
    credentialsLine(id, cls.spec.requiredCredentials ?? { apiKey: true, secret: true }),
  ];
  println(out, lines.join('\n'));
}

export interface Io {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  stopper: Stopper;
}

/** Runs one command; resolves with the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let args: Parsed;
  let ctx: Ctx | undefined;
  let interrupted = false;
  try {
    args = parseArgv(argv);
    ctx = makeCtx(args, io.stdout, io.stderr, io.env);
    const [first, second, ...rest] = args.positionals;
    if (flag(args, 'version')) {
      println(io.stdout, pkg.version);
      return EXIT.ok;
    }
    if (first === undefined || first === 'help') {
      if (first === undefined && !flag(args, 'help')) {
        println(io.stderr, HELP);
        return EXIT.usage;
      }
      println(io.stdout, HELP);
      return EXIT.ok;
    }
    if (first === 'exchanges') {
      if (second !== undefined) throw new UsageError('unifex exchanges takes no arguments');
      const format = option(args, 'format') ?? (ctx.json ? 'json' : 'table');
      println(io.stdout, renderExchanges(await exchangeRows(), format, ctx.style));
      return EXIT.ok;
    }
    const id = checkExchangeId(first);
    if (second === undefined) {
      const help = flag(args, 'help');
      await exchangeHelp(id, ctx, help ? io.stdout : io.stderr);
      return help ? EXIT.ok : EXIT.usage;
    }
    if (flag(args, 'help') && COMMAND_USAGE[second] !== undefined) {
      println(io.stdout, `unifex ${id} ${COMMAND_USAGE[second]}`);
      return EXIT.ok;
    }
    if (flag(args, 'help')) {
      const cls = await loadExchangeClass(id);
      const { method } = resolveMethod(new cls(), second);
      println(io.stdout, `unifex ${id} ${usageOf(method)}`);
      return EXIT.ok;
    }
    const { ex, finish } = await openExchange(id, ctx);
    const unregister = io.stopper.onStop(() => {
      interrupted = true;
    });
    try {
      if (second === 'download') await runDownload(ex, rest, ctx, () => interrupted);
      else if (second === 'watch') {
        await runWatch(ex, rest, ctx, io.stopper);
        interrupted = false; // Ctrl-C is how a live view ends
      } else if (second === 'chart') await runChart(ex, rest, ctx);
      else await runCall(ex, second, rest, ctx);
    } finally {
      unregister();
      await finish();
    }
    return interrupted ? EXIT.interrupted : EXIT.ok;
  } catch (e) {
    const err = ctx?.errStyle ?? { color: false };
    const code = exitCode(e);
    const name = e instanceof Error ? e.name : 'Error';
    const message = e instanceof Error ? e.message : String(e);
    println(io.stderr, `${paint(err, 'red', `unifex: ${name}`)}: ${message}`);
    if (e instanceof AuthenticationError && /requires "/.test(message) && ctx !== undefined) {
      const id = e.exchange ?? args!.positionals[0]!;
      const cls = (await loadExchangeClass(id).catch(() => undefined)) as
        { spec: { requiredCredentials?: Record<string, boolean | undefined> } } | undefined;
      println(io.stderr, `  ${credentialsLine(id, cls?.spec.requiredCredentials ?? { apiKey: true, secret: true })}`);
    }
    if (code === EXIT.usage && !(e instanceof UsageError && /^usage:|See: /.test(message))) {
      println(io.stderr, '  unifex --help for usage');
    }
    if (ctx?.verbose === true && e instanceof Error && e.stack !== undefined) println(io.stderr, e.stack);
    return code;
  }
}

/** SIGINT / SIGTERM go to whoever listens (a download stops after its page, a live view closes); else exit 130. */
export function processStopper(): Stopper {
  const handlers = new Set<() => void>();
  let count = 0;
  const onSignal = (): void => {
    count++;
    if (handlers.size === 0 || count > 1) process.exit(EXIT.interrupted);
    for (const h of [...handlers]) h();
  };
  return {
    onStop(handler) {
      if (handlers.size === 0) {
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
        if (handlers.size === 0) {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      };
    },
  };
}
