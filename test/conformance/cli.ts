/**
 * npm run conformance [-- [--strict] [--verbose] [--dir DIR ...] [ids...]]
 * Without --dir: ../shared/conformance and every src/exchanges/<id>/fixtures.
 * --strict: exit 1 when any in-scope case of an implemented exchange fails; the closing line then counts the
 * gated cases, and everything else is reported on the line before it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isImplemented } from '../../src/registry.js';
import { runConformance, type CaseResult } from './runner.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const strict = args.includes('--strict');
const verbose = args.includes('--verbose');
const dirs: string[] = [];
const ids: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--dir') dirs.push(resolve(args[++i] ?? '.'));
  else if (!a.startsWith('--')) ids.push(a);
}
if (dirs.length === 0) {
  const shared = join(root, '..', 'shared', 'conformance');
  if (existsSync(shared)) dirs.push(shared);
  const exDir = join(root, 'src', 'exchanges');
  for (const id of readdirSync(exDir).sort()) {
    const f = join(exDir, id, 'fixtures');
    if (existsSync(f)) dirs.push(f);
  }
}

const results = await runConformance(dirs, ids);
const byExchange = new Map<string, CaseResult[]>();
for (const r of results) {
  const list = byExchange.get(r.exchange) ?? [];
  list.push(r);
  byExchange.set(r.exchange, list);
}
const count = (list: CaseResult[], kind: string, pred: (r: CaseResult) => boolean = () => true): string => {
  const l = list.filter((r) => r.kind === kind && pred(r));
  return `${l.filter((r) => r.ok).length}/${l.length}`;
};
console.log(`${'exchange'.padEnd(20)} ${'request'.padStart(9)} ${'response'.padStart(9)}   in scope (req, resp)`);
for (const [id, list] of [...byExchange.entries()].sort()) {
  const impl = isImplemented(id) ? '' : '  (not implemented)';
  const scoped = (r: CaseResult): boolean => r.inScope;
  console.log(
    `${id.padEnd(20)} ${count(list, 'request').padStart(9)} ${count(list, 'response').padStart(9)}   ${count(list, 'request', scoped)}, ${count(list, 'response', scoped)}${impl}`,
  );
  if (verbose || strict) {
    for (const r of list) {
      if (r.ok || (!verbose && !(strict && r.inScope))) continue;
      console.log(
        `    FAIL ${r.kind} ${r.method} "${r.description}"${r.inScope ? '' : ' [out of scope]'}: ${r.reason}`,
      );
    }
  }
}
const gated = results.filter((r) => r.inScope && isImplemented(r.exchange));
const rest = results.filter((r) => !(r.inScope && isImplemented(r.exchange)));
const passed = (l: CaseResult[]): number => l.filter((r) => r.ok).length;
if (strict) {
  console.log(
    `every case, out of scope and unimplemented ones included: ${passed(results)} of ${results.length} pass (${rest.length} out of scope or not implemented, ${passed(rest)} of those pass)`,
  );
  console.log(`conformance: ${passed(gated)} passed, ${gated.length - passed(gated)} failed`);
  process.exitCode = gated.length === 0 || passed(gated) < gated.length ? 1 : 0;
} else {
  console.log(`${passed(results)} passed, ${results.length - passed(results)} failed`);
}
