/**
 * Cold import + construction. Every sample is a fresh `node` child process (fresh V8 isolate, empty module cache);
 * the child times only `await import(module)` + `new Exchange()` with performance.now(), so node's own startup and
 * any loader startup (tsx) are excluded. The OS file cache is warm: one discarded spawn precedes the samples.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const UNIFEX_EXCHANGES = ['binance', 'bitstamp', 'coinbasepro', 'kraken'] as const;

export type ColdFrom = 'dist' | 'build' | 'src';

export interface UnifexColdTarget {
  from: ColdFrom;
  /** What was measured, in words, for the report. */
  description: string;
  /** file: URL of the module exporting class `id`, or undefined when that exchange has no code yet. */
  moduleUrl(id: string): string | undefined;
  /** Extra node flags for the child (tsx's loader for TypeScript sources). */
  nodeArgs: string[];
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function srcFile(id: string): string {
  return path.join(ROOT, 'src', 'exchanges', id, `${id}.ts`);
}

function fromSource(): UnifexColdTarget {
  return {
    from: 'src',
    description: 'TypeScript sources src/exchanges/<id>/<id>.ts through tsx (loader startup excluded)',
    moduleUrl: (id) => (existsSync(srcFile(id)) ? pathToFileURL(srcFile(id)).href : undefined),
    nodeArgs: ['--import', 'tsx'],
  };
}

/** dist/ from `npx tsup`, when it exists and is not older than src/. */
function fromDist(notes: string[]): UnifexColdTarget | undefined {
  const dist = path.join(ROOT, 'dist', 'exchanges');
  if (!existsSync(dist)) return undefined;
  const built = UNIFEX_EXCHANGES.map((id) => path.join(dist, id, `${id}.js`)).filter((f) => existsSync(f));
  if (built.length === 0) return undefined;
  const oldest = Math.min(...built.map((f) => statSync(f).mtimeMs));
  if (oldest < newestMtime(path.join(ROOT, 'src'))) {
    notes.push('dist/ is older than src/ (run `npx tsup` to refresh it); not measuring the stale build');
    return undefined;
  }
  return {
    from: 'dist',
    description: 'built ESM dist/exchanges/<id>/<id>.js (npx tsup)',
    moduleUrl: (id) => {
      const f = path.join(dist, id, `${id}.js`);
      return existsSync(f) ? pathToFileURL(f).href : undefined;
    },
    nodeArgs: [],
  };
}

/**
 * The same bundle tsup makes (ESM, node20, code splitting, the runtime dependencies external), written by esbuild to
 * bench/.bench-cache/dist, so the cold figure is for shipped JavaScript even without a dist/.
 */
async function fromBuild(notes: string[]): Promise<UnifexColdTarget | undefined> {
  const ids = UNIFEX_EXCHANGES.filter((id) => existsSync(srcFile(id)));
  if (ids.length === 0) return undefined;
  const outdir = path.join(ROOT, 'bench', '.bench-cache', 'dist');
  try {
    const esbuild = await import('esbuild');
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    await esbuild.build({
      entryPoints: Object.fromEntries(ids.map((id) => [`exchanges/${id}/${id}`, srcFile(id)])),
      outdir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['undici', '@noble/hashes', '@noble/curves'],
      outExtension: { '.js': '.js' },
      logLevel: 'silent',
    });
  } catch (e) {
    notes.push(`esbuild bundle failed (${(e as Error).message.split('\n')[0]}); measuring TypeScript sources`);
    return undefined;
  }
  return {
    from: 'build',
    description: 'ESM bundle of src/ made like tsup does (esbuild, splitting, node20) in bench/.bench-cache/dist',
    moduleUrl: (id) => {
      const f = path.join(outdir, 'exchanges', id, `${id}.js`);
      return existsSync(f) ? pathToFileURL(f).href : undefined;
    },
    nodeArgs: [],
  };
}

/** dist/ if fresh, else a tsup-equivalent esbuild bundle, else the TS sources through tsx. */
export async function unifexColdTarget(forced: ColdFrom | undefined, notes: string[]): Promise<UnifexColdTarget> {
  if (forced === 'src') return fromSource();
  if (forced === 'dist') {
    const d = fromDist(notes);
    if (d !== undefined) return d;
    notes.push('--cold-from=dist requested but no fresh dist/; falling back');
  }
  if (forced !== 'build') {
    const d = fromDist(notes);
    if (d !== undefined) return d;
  }
  return (await fromBuild(notes)) ?? fromSource();
}

export function ccxtModuleUrl(): string {
  return import.meta.resolve('ccxt');
}

function childScript(moduleUrl: string, ctor: string): string {
  return [
    'const t0 = performance.now();',
    `const m = await import(${JSON.stringify(moduleUrl)});`,
    `const ex = new (${ctor})();`,
    'const t1 = performance.now();',
    'process.stdout.write("\\n" + JSON.stringify({ ms: t1 - t0, id: ex.id }));',
  ].join('\n');
}

/** One cold sample in a fresh process; returns milliseconds spent in import() + constructor. */
export function coldSample(moduleUrl: string, ctor: string, nodeArgs: string[], expectId: string): number {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  const res = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', childScript(moduleUrl, ctor)], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (res.status !== 0) {
    throw new Error(`cold child failed (${moduleUrl}): ${res.stderr || res.error?.message || `exit ${res.status}`}`);
  }
  const last = res.stdout.trim().split('\n').pop() ?? '';
  const out = JSON.parse(last) as { ms: number; id: string };
  if (out.id !== expectId) throw new Error(`cold child built ${out.id}, expected ${expectId}`);
  return out.ms;
}
