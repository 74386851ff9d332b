import { createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * Parsed-key cache. Parsing a PEM (especially RSA) costs far more than signing a short payload, and exchanges sign
 * every request with the same key, so keep a small bounded cache keyed by the PEM text. Nothing is parsed until the
 * first signature is requested.
 */
const MAX_CACHED_KEYS = 32;
const pemCache = new Map<string, KeyObject>();

export function isPem(s: string): boolean {
  return s.includes('-----BEGIN');
}

/** Parse a PEM private key (PKCS#8, PKCS#1 RSA, SEC1 EC). Literal `\n` escapes (common in env vars) are accepted. */
export function privateKeyFromPem(pem: string): KeyObject {
  const cached = pemCache.get(pem);
  if (cached !== undefined) return cached;
  const normalized = pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
  const key = createPrivateKey({ key: normalized.trim(), format: 'pem' });
  if (pemCache.size >= MAX_CACHED_KEYS) {
    const oldest = pemCache.keys().next();
    if (oldest.done !== true) pemCache.delete(oldest.value);
  }
  pemCache.set(pem, key);
  return key;
}

// PKCS#8 wrapper for a raw 32-byte Ed25519 seed: SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING {
// OCTET STRING (32) } }.
const ED25519_PKCS8_PREFIX_HEX = '302e020100300506032b657004220420';

export function ed25519KeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new TypeError('ed25519: raw private key must be a 32-byte seed');
  const der = Buffer.concat([Buffer.from(ED25519_PKCS8_PREFIX_HEX, 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

export function assertKeyType(key: KeyObject, type: string, what: string): void {
  if (key.asymmetricKeyType !== type) {
    throw new TypeError(`${what}: expected a ${type} private key, got ${String(key.asymmetricKeyType)}`);
  }
}
