import { base64UrlEncode } from './encoding.js';
import { hmacBytes } from './hash.js';
import { es256Sign, rsaSignBytes } from './sign.js';

export type JwtAlg = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'ES256';

/**
 * Compact JWS (RFC 7515/7519). Header is `{ alg, typ: 'JWT', ...opts.header }`; `alg` always reflects the algorithm
 * actually used. Secrets: HS* take the shared secret (string as UTF-8, or bytes); RS256 a PEM RSA private key;
 * ES256 a PEM P-256 private key (or its 32-byte scalar as hex).
 */
export function jwt(
  payload: Record<string, unknown>,
  secret: string | Uint8Array,
  opts: { alg?: JwtAlg; header?: Record<string, unknown> } = {},
): string {
  const alg = opts.alg ?? 'HS256';
  const header: Record<string, unknown> = { alg, typ: 'JWT', ...opts.header };
  header['alg'] = alg;
  const signingInput = `${base64UrlEncode(JSON.stringify(header))}.${base64UrlEncode(JSON.stringify(payload))}`;
  return `${signingInput}.${base64UrlEncode(jwsSignature(signingInput, secret, alg))}`;
}

function jwsSignature(input: string, secret: string | Uint8Array, alg: JwtAlg): Uint8Array {
  switch (alg) {
    case 'HS256':
      return hmacBytes(input, secret, 'sha256');
    case 'HS384':
      return hmacBytes(input, secret, 'sha384');
    case 'HS512':
      return hmacBytes(input, secret, 'sha512');
    case 'RS256':
      return rsaSignBytes(input, asKeyString(secret, alg), 'sha256');
    case 'ES256':
      return es256Sign(input, asKeyString(secret, alg));
    default:
      throw new TypeError(`jwt: unsupported alg ${String(alg)}`);
  }
}

function asKeyString(secret: string | Uint8Array, alg: JwtAlg): string {
  if (typeof secret !== 'string') throw new TypeError(`jwt: ${alg} requires a PEM private key string`);
  return secret;
}
