const MIN_SECRET_LENGTH = 4;

/**
 * Replace every occurrence of each secret (non-empty, at least 4 characters) with '***', including its
 * percent-encoded form (secrets can end up in URLs). Longer secrets are replaced first so a secret containing another
 * is fully hidden.
 */
export function redactSecrets(text: string, secrets: (string | undefined)[]): string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    needles.add(secret);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) needles.add(encoded);
  }
  let out = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    out = out.split(needle).join('***');
  }
  return out;
}
