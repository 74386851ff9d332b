/** What every command shares: output mode, colours, and opening an exchange from an id plus configuration. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { catalog } from '../catalog.js';
import { NotSupported } from '../core/errors.js';
import type { Exchange, ExchangeConfig } from '../core/exchange.js';
import { recordingFetch, replayFetch, type Cassette } from '../core/replay.js';
import { aliases, createExchange, implementedIds, isImplemented, resolveId } from '../registry.js';
import { flag, intOption, option, UsageError, type Parsed } from './args.js';
import { defaultPaperState, loadConfig } from './config.js';
import type { Style } from './format.js';
import { didYouMean } from './suggest.js';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export interface Ctx {
  args: Parsed;
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** JSON on stdout: --json, or stdout is not a terminal (unless --table). */
  json: boolean;
  style: Style;
  errStyle: Style;
  verbose: boolean;
}

export function makeCtx(args: Parsed, stdout: Output, stderr: Output, env: NodeJS.ProcessEnv): Ctx {
  const tty = stdout.isTTY === true;
  if (flag(args, 'json') && flag(args, 'table')) throw new UsageError('--json and --table exclude each other');
  const json = flag(args, 'json') || (!tty && !flag(args, 'table'));
  const noColor = flag(args, 'no-color') || (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '');
  const color = flag(args, 'color') || (!noColor && tty);
  const errColor = flag(args, 'color') || (!noColor && stderr.isTTY === true);
  return {
    args,
    stdout,
    stderr,
    env,
    json,
    style: { color: color && !noColor },
    errStyle: { color: errColor && !noColor },
    verbose: flag(args, 'verbose'),
  };
}

export function println(out: Output, text = ''): void {
  out.write(`${text}\n`);
}

/** Every id the command line answers to: the catalog, aliases and implemented extras (e.g. paper). */
export function knownIds(): string[] {
  return [...new Set([...catalog.map((e) => e.id), ...Object.keys(aliases), ...implementedIds()])];
}

/** Unknown ids are usage errors with suggestions; catalog ids without code are NotSupported. */
export function checkExchangeId(id: string): string {
  if (isImplemented(id)) return resolveId(id);
  const entry = catalog.find((e) => e.id === id);
  if (entry !== undefined) {
    const hint =
      entry.currentName !== undefined && isImplemented(entry.currentName) ? `; use ${entry.currentName}` : '';
    throw new NotSupported(
      `${id} (${entry.name}, ${entry.status}) is in the catalog but not implemented yet${hint}. ` +
        `Implemented: ${implementedIds().join(', ')}`,
    );
  }
  throw new UsageError(`unknown exchange ${id}${didYouMean(id, knownIds())}. See: unifex exchanges`);
}

export interface Opened {
  ex: Exchange;
  /** Closes the exchange (sockets, timers) and writes the --record cassette, if any. */
  finish(): Promise<void>;
}

export async function openExchange(rawId: string, ctx: Ctx): Promise<Opened> {
  const id = checkExchangeId(rawId);
  const loaded = loadConfig(id, option(ctx.args, 'config'), ctx.env);
  for (const w of loaded.warnings) println(ctx.stderr, `unifex: warning: ${w}`);
  const config: ExchangeConfig = { ...loaded.config };
  if (ctx.verbose) {
    config.verbose = true;
    // Library logs (already redacted) go to stderr so stdout stays clean for pipes.
    config.log = (...parts: unknown[]) =>
      println(ctx.stderr, parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' '));
    const names = Object.entries(loaded.sources).map(([k, from]) => `${k} from ${from}`);
    println(ctx.stderr, `unifex: ${id} credentials: ${names.length > 0 ? names.join(', ') : 'none'}`);
  }
  const timeout = intOption(ctx.args, 'timeout');
  if (timeout !== undefined) config.timeout = timeout;
  if (flag(ctx.args, 'sandbox')) config.sandbox = true;
  if (id === 'paper') {
    // One command after another is one paper account: its state lives in a file unless the config names one.
    const options = { ...(config.options ?? {}) };
    const top = (config as Record<string, unknown>)['stateFile'];
    if (options['stateFile'] === undefined && top === undefined) {
      const file = defaultPaperState(ctx.env);
      mkdirSync(dirname(file), { recursive: true });
      options['stateFile'] = file;
    }
    config.options = options;
    if (ctx.verbose) println(ctx.stderr, `unifex: paper state in ${String(options['stateFile'] ?? top)}`);
  }
  const cassettePath = option(ctx.args, 'cassette');
  const recordPath = option(ctx.args, 'record');
  if (cassettePath !== undefined && recordPath !== undefined)
    throw new UsageError('--cassette and --record exclude each other');
  if (cassettePath !== undefined) {
    let cassette: Cassette;
    try {
      cassette = JSON.parse(readFileSync(cassettePath, 'utf8')) as Cassette;
    } catch (e) {
      throw new UsageError(`cannot read cassette ${cassettePath}: ${(e as Error).message}`);
    }
    if (!Array.isArray(cassette?.interactions)) throw new UsageError(`${cassettePath} is not a cassette`);
    config.fetch = replayFetch(cassette);
    // Answers come from a file: no exchange to protect, no reason to wait.
    config.enableRateLimit = false;
  }
  let recorder: ReturnType<typeof recordingFetch> | undefined;
  if (recordPath !== undefined) {
    recorder = recordingFetch(config.fetch);
    config.fetch = recorder.fetch;
  }
  const ex = await createExchange(id, config);
  return {
    ex,
    finish: async () => {
      await ex.close();
      if (recorder !== undefined && recordPath !== undefined) {
        // Credentials never reach the file: any configured secret left in a url or body is replaced by ***.
        const clean: Cassette = {
          version: 1,
          interactions: recorder.cassette.interactions.map((i) => {
            const copy = { ...i, url: ex.redact(i.url), response: ex.redact(i.response) };
            if (i.body !== undefined) copy.body = ex.redact(i.body);
            return copy;
          }),
        };
        writeFileSync(recordPath, `${JSON.stringify(clean, null, 2)}\n`);
      }
    },
  };
}
