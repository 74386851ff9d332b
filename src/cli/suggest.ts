/** "Did you mean": edit distance (with adjacent transpositions) over lower-cased names. */

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  // three rows: two back (for transpositions), previous, current
  let back = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, back[j - 2]! + 1);
      cur[j] = d;
    }
    [back, prev, cur] = [prev, cur, back];
  }
  return prev[n]!;
}

/** Normalised for comparison: lower case, separators dropped (`btc-usd` ~ `BTC/USD`). */
export function normalize(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Up to `max` candidates close to `input`, best first: same name once normalised, then a prefix / substring
 * match, then edit distance within about a third of the length.
 */
export function suggest(input: string, candidates: Iterable<string>, max = 3): string[] {
  const needle = input.toLowerCase();
  const flat = normalize(input);
  const scored: { name: string; score: number }[] = [];
  const seen = new Set<string>();
  for (const name of candidates) {
    if (seen.has(name)) continue;
    seen.add(name);
    const lower = name.toLowerCase();
    let score: number;
    if (flat !== '' && normalize(name) === flat) score = 0;
    else {
      const d = editDistance(needle, lower);
      const limit = Math.max(2, Math.floor(Math.max(needle.length, 3) / 3));
      if (d <= limit) score = 1 + d;
      else if (needle.length >= 3 && (lower.startsWith(needle) || lower.includes(needle))) score = 1 + limit + 0.5;
      else continue;
    }
    scored.push({ name, score });
  }
  scored.sort((a, b) => a.score - b.score || a.name.length - b.name.length || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}

export function didYouMean(input: string, candidates: Iterable<string>): string {
  const s = suggest(input, candidates);
  if (s.length === 0) return '';
  return ` (did you mean ${s.length === 1 ? s[0] : `${s.slice(0, -1).join(', ')} or ${s[s.length - 1]}`}?)`;
}
