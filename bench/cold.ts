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

export type ColdFrom = 'dist' | 'build' | 'src';

/** How one unifex exchange module is loaded in the cold child. */
export interface UnifexColdModule {
  from: ColdFrom;
  /** file: URL of the module exporting class `id`. */
  url: string;
  /** Extra node flags for the child (tsx's loader for TypeScript sources). */
  nodeArgs: string[];
}

export const COLD_FROM_TEXT: Record<ColdFrom, string> = {
  dist: 'built ESM dist/exchanges/<id>/<id>.js (npx tsup)',
  build:
    'ESM bundle of src/exchanges/<id>/<id>.ts made like tsup does (esbuild, splitting, node20, deps external) ' +
    'in node_modules/.cache/unifex-bench',
  src: 'TypeScript source src/exchanges/<id>/<id>.ts through node --import tsx (loader startup excluded)',
};

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

/** dist/ from `npx tsup`, when it has this exchange and is not older than src/. */
function fromDist(id: string, notes: string[]): UnifexColdModule | undefined {
  const f = path.join(ROOT, 'dist', 'exchanges', id, `${id}.js`);
  if (!existsSync(f)) return undefined;
  if (statSync(f).mtimeMs < newestMtime(path.join(ROOT, 'src'))) {
    notes.push(`dist/exchanges/${id} is older than src/ (run \`npx tsup\` to refresh it); not measuring it`);
    return undefined;
  }
  return { from: 'dist', url: pathToFileURL(f).href, nodeArgs: [] };
}

/**
 * The bundle tsup makes for the `unifex/<id>` subpath (ESM, node20, code splitting, runtime dependencies external),
 * written by esbuild to node_modules/.cache/unifex-bench/<id> (inside node_modules, so lint and prettier skip it and
 * `@noble/*` still resolve). One build per exchange, so another exchange's unfinished code cannot break it.
 */
async function fromBuild(id: string, notes: string[]): Promise<UnifexColdModule | undefined> {
  const outdir = path.join(ROOT, 'node_modules', '.cache', 'unifex-bench', id);
  try {
    const esbuild = await import('esbuild');
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    await esbuild.build({
      entryPoints: { [`exchanges/${id}/${id}`]: srcFile(id) },
      outdir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['undici', '@noble/hashes', '@noble/curves'],
      logLevel: 'silent',
    });
  } catch (e) {
    notes.push(`esbuild bundle of ${id} failed (${(e as Error).message.split('\n')[0]}); measuring its TS source`);
    return undefined;
  }
  return { from: 'build', url: pathToFileURL(path.join(outdir, 'exchanges', id, `${id}.js`)).href, nodeArgs: [] };
}

function fromSource(id: string): UnifexColdModule {
  return { from: 'src', url: pathToFileURL(srcFile(id)).href, nodeArgs: ['--import', 'tsx'] };
}

/**
 * dist/ if fresh, else a tsup-equivalent esbuild bundle, else the TS source through tsx; `forced` picks one
 * (falling back down the same list when it is not available). Undefined when the exchange has no code yet.
 */
export async function unifexColdModule(
  id: string,
  forced: ColdFrom | undefined,
  notes: string[],
): Promise<UnifexColdModule | undefined> {
  if (!existsSync(srcFile(id))) return undefined;
  if (forced === 'src') return fromSource(id);
  if (forced !== 'build') {
    const d = fromDist(id, notes);
    if (d !== undefined) return d;
    if (forced === 'dist') notes.push(`--cold-from=dist: no fresh dist/ for ${id}; falling back`);
  }
  return (await fromBuild(id, notes)) ?? fromSource(id);
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
