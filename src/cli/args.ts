/**
 * Command-line tokens -> positionals and options, and the rules that turn what a person types into values:
 * numbers, `undefined`/`null`, JSON objects and arrays, dates and durations for `since`/`until`.
 * Hand-written rather than node:util parseArgs so that negative numbers (`-7d`, `-0.5`) stay positionals and
 * unknown options get a "did you mean" answer.
 */
import { suggest } from './suggest.js';

/** A mistake in how the command was typed: exit code 2. */
export class UsageError extends Error {
  override get name(): string {
    return 'UsageError';
  }
}

interface OptionSpec {
  /** Takes a value (`--out file`, `--out=file`). */
  value: boolean;
  /** May be given more than once (values accumulate). */
  repeat?: boolean;
  short?: string;
  hidden?: boolean;
}

export const OPTIONS: Record<string, OptionSpec> = {
  help: { value: false, short: 'h' },
  version: { value: false, short: 'V' },
  json: { value: false },
  table: { value: false },
  format: { value: true },
  param: { value: true, repeat: true, short: 'p' },
  config: { value: true },
  verbose: { value: false, short: 'v' },
  sandbox: { value: false },
  color: { value: false },
  'no-color': { value: false },
  timeout: { value: true },
  // download
  since: { value: true },
  until: { value: true },
  out: { value: true, short: 'o' },
  timeframe: { value: true },
  limit: { value: true },
  retries: { value: true },
  // watch
  depth: { value: true },
  count: { value: true },
  interval: { value: true },
  // chart
  png: { value: true },
  width: { value: true },
  height: { value: true },
  size: { value: true },
  // offline: answer REST calls from a cassette recorded with recordingFetch (or --record)
  cassette: { value: true, hidden: true },
  record: { value: true, hidden: true },
};

export interface Parsed {
  positionals: string[];
  options: Map<string, string[]>;
}

const SHORT = new Map(
  Object.entries(OPTIONS)
    .filter(([, s]) => s.short !== undefined)
    .map(([name, s]) => [s.short!, name]),
);

/** Looks like a number or a relative time (`-1`, `-0.5`, `-7d`): a positional, not an option. */
const NEGATIVE = /^-(\d|\.\d)/;

export function parseArgv(argv: readonly string[]): Parsed {
  const positionals: string[] = [];
  const options = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const spec = OPTIONS[name]!;
    const prev = options.get(name);
    if (prev !== undefined && spec.repeat !== true && spec.value) {
      throw new UsageError(`--${name} given twice`);
    }
    options.set(name, [...(prev ?? []), value]);
  };
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (tok === '-' || NEGATIVE.test(tok) || !tok.startsWith('-')) {
      positionals.push(tok);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      name = eq === -1 ? tok.slice(2) : tok.slice(2, eq);
      inline = eq === -1 ? undefined : tok.slice(eq + 1);
    } else {
      const short = SHORT.get(tok.slice(1, 2));
      if (short === undefined) throw new UsageError(`unknown option ${tok}`);
      name = short;
      inline = tok.length > 2 ? tok.slice(2) : undefined;
    }
    const spec = OPTIONS[name];
    if (spec === undefined) {
      const names = Object.entries(OPTIONS)
        .filter(([, s]) => s.hidden !== true)
        .map(([n]) => n);
      const hint = suggest(name, names);
      throw new UsageError(`unknown option --${name}${hint.length > 0 ? ` (did you mean --${hint[0]}?)` : ''}`);
    }
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      add(name, 'true');
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      inline = next;
      i++;
    }
    add(name, inline);
  }
  return { positionals, options };
}

export function flag(p: Parsed, name: string): boolean {
  return p.options.has(name);
}

export function option(p: Parsed, name: string): string | undefined {
  const v = p.options.get(name);
  return v === undefined ? undefined : v[v.length - 1];
}

export function intOption(p: Parsed, name: string, min = 1): number | undefined {
  const v = option(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${v}`);
  return n;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * A value as a person types it: `undefined` and `null` mean "not given", `true`/`false` are booleans, numbers are
 * numbers, `{...}` and `[...]` are JSON, `"..."` is a JSON string (to keep a number-like string a string);
 * anything else is the string itself.
 */
export function parseValue(text: string): unknown {
  if (text === 'undefined' || text === 'null') return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  const first = text.trimStart()[0];
  if (first === '{' || first === '[' || first === '"') return parseJsonArg(text);
  return text;
}

export function parseJsonArg(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`not valid JSON: ${text} (${(e as Error).message})`);
  }
}

/** A string argument: the text itself, `undefined`/`null` for none, `"..."` unwrapped. */
export function parseString(text: string): string | undefined {
  if (text === 'undefined' || text === 'null' || text === '') return undefined;
  if (text.startsWith('"')) {
    const v = parseJsonArg(text);
    if (typeof v !== 'string') throw new UsageError(`expected a string, got ${text}`);
    return v;
  }
  return text;
}

export function parseNumber(text: string, name: string): number | undefined {
  if (text === 'undefined' || text === 'null') return undefined;
  if (!NUMBER.test(text) || !Number.isFinite(Number(text))) {
    throw new UsageError(`${name} must be a number, got ${text}`);
  }
  return Number(text);
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  M: 2_592_000_000,
  y: 31_536_000_000,
};

/** `30s`, `15m`, `4h`, `7d`, `2w`, `1M`, `1y` -> milliseconds; undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhdwMy])$/.exec(text);
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/**
 * A point in time in ms: an integer (ms since the epoch), an ISO 8601 date or date-time (UTC unless it names a
 * zone), `now`, or a duration meaning that long ago (`7d`, `-7d`, `12h`).
 */
export function parseTime(text: string, name: string, now: number = Date.now()): number | undefined {
  if (text === 'undefined' || text === 'null') return undefined;
  if (text === 'now') return now;
  if (/^\d+$/.test(text)) return Number(text);
  const ago = parseDuration(text.startsWith('-') ? text.slice(1) : text);
  if (ago !== undefined) return now - ago;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (m !== null) {
    const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${m[7] ?? ''}${m[8] ?? 'Z'}`;
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(
    `${name} must be a date (2024-01-31, 2024-01-31T12:00:00Z), ms since the epoch, "now" or a duration ago (7d, 12h), got ${text}`,
  );
}

/** `--param key=value` (repeatable) -> an object; values parsed like positionals, dotted keys nest. */
export function parseParams(items: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param expects key=value, got ${item}`);
    const key = item.slice(0, eq);
    const value = parseValue(item.slice(eq + 1));
    const path = key.split('.');
    let target = out;
    for (const part of path.slice(0, -1)) {
      const next = target[part];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[path[path.length - 1]!] = value;
  }
  return out;
}
