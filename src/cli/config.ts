/**
 * Exchange configuration for the command line: a JSON config file (per exchange id) overlaid by environment
 * variables. Secrets are read, handed to the exchange and never printed: messages name where a credential came
 * from, never its value, and a config file that fails to parse is reported without its content.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ExchangeConfig } from '../core/exchange.js';
import { UsageError } from './args.js';

/** Credential fields and their environment variable suffix: UNIFEX_<ID>_<SUFFIX>. */
export const CREDENTIALS = {
  apiKey: 'API_KEY',
  secret: 'SECRET',
  password: 'PASSWORD',
  uid: 'UID',
  privateKey: 'PRIVATE_KEY',
  walletAddress: 'WALLET_ADDRESS',
  token: 'TOKEN',
} as const;
type CredentialName = keyof typeof CREDENTIALS;

/** Settings a config file may hold per exchange besides credentials. */
const SETTINGS = [
  'timeout',
  'enableRateLimit',
  'rateLimit',
  'options',
  'headers',
  'userAgent',
  'httpProxy',
  'httpsProxy',
  'urls',
  'sandbox',
] as const;

export function envName(id: string, field: CredentialName): string {
  return `UNIFEX_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${CREDENTIALS[field]}`;
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : '';
  return join(base !== '' ? base : join(homedir(), '.config'), 'unifex', 'config.json');
}

/** Where `unifex paper ...` keeps balances, orders and fills between commands ($XDG_STATE_HOME/unifex/paper.json). */
export function defaultPaperState(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_STATE_HOME'] !== undefined && env['XDG_STATE_HOME'] !== '' ? env['XDG_STATE_HOME'] : '';
  return join(base !== '' ? base : join(homedir(), '.local', 'state'), 'unifex', 'paper.json');
}

export interface LoadedConfig {
  config: ExchangeConfig;
  /** Where each credential came from (names only, for --verbose). */
  sources: Partial<Record<CredentialName, string>>;
  warnings: string[];
}

/**
 * The configuration for exchange `id`: `{ "<id>": { "apiKey": ..., "secret": ..., "options": {...} } }` from the
 * config file (an explicit path must exist; the default one may not), then UNIFEX_<ID>_* variables on top.
 */
export function loadConfig(id: string, path: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const config: Record<string, unknown> = {};
  const sources: Partial<Record<CredentialName, string>> = {};
  const warnings: string[] = [];
  const file = path ?? defaultConfigPath(env);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (path !== undefined)
      throw new UsageError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code}`);
  }
  if (text !== undefined) {
    let all: unknown;
    try {
      all = JSON.parse(text);
    } catch {
      // The parser's message quotes the text around the error, which may be a secret: say where, not what.
      throw new UsageError(`config file ${file} is not valid JSON`);
    }
    if (typeof all !== 'object' || all === null || Array.isArray(all)) {
      throw new UsageError(`config file ${file} must hold an object keyed by exchange id`);
    }
    const entry = (all as Record<string, unknown>)[id];
    if (entry !== undefined) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new UsageError(`config file ${file}: "${id}" must be an object`);
      }
      const e = entry as Record<string, unknown>;
      let hasSecret = false;
      for (const name of Object.keys(CREDENTIALS) as CredentialName[]) {
        const v = e[name];
        if (v === undefined) continue;
        if (typeof v !== 'string') throw new UsageError(`config file ${file}: ${id}.${name} must be a string`);
        config[name] = v;
        sources[name] = `config file ${file}`;
        hasSecret = true;
      }
      for (const name of SETTINGS) if (e[name] !== undefined) config[name] = e[name];
      const unknown = Object.keys(e).filter((k) => !(k in CREDENTIALS) && !(SETTINGS as readonly string[]).includes(k));
      if (unknown.length > 0) warnings.push(`config file ${file}: ignoring unknown keys ${unknown.join(', ')}`);
      if (hasSecret && process.platform !== 'win32') {
        try {
          if ((statSync(file).mode & 0o077) !== 0) {
            warnings.push(`config file ${file} holds credentials and is readable by others (chmod 600 ${file})`);
          }
        } catch {
          // stat after a successful read only fails in a race; nothing to warn about
        }
      }
    }
  }
  for (const name of Object.keys(CREDENTIALS) as CredentialName[]) {
    const v = env[envName(id, name)];
    if (v !== undefined && v !== '') {
      config[name] = v;
      sources[name] = envName(id, name);
    }
  }
  return { config: config as ExchangeConfig, sources, warnings };
}
