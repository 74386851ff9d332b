import { createHash, createHmac } from 'node:crypto';
import { bytesToBase64, bytesToHex, fromBuffer } from './encoding.js';

/** What node:crypto computes natively; keccak256 is in keccak.ts. */
export type HashAlgo = 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'md5' | 'sha3-256';

const NODE_ALGOS: Readonly<Record<HashAlgo, string>> = {
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  md5: 'md5',
  'sha3-256': 'sha3-256',
};

function nodeAlgo(algo: HashAlgo): string {
  const name = (NODE_ALGOS as Record<string, string | undefined>)[algo];
  if (name === undefined) throw new TypeError(`unsupported hash algorithm: ${String(algo)}`);
  return name;
}

function encode(bytes: Uint8Array, enc: 'hex' | 'base64'): string {
  if (enc === 'hex') return bytesToHex(bytes);
  if (enc === 'base64') return bytesToBase64(bytes);
  throw new TypeError(`unsupported encoding: ${String(enc)}`);
}

/** Raw message digest. Strings are hashed as UTF-8. */
export function hashBytes(data: string | Uint8Array, algo: HashAlgo = 'sha256'): Uint8Array {
  return fromBuffer(createHash(nodeAlgo(algo)).update(data).digest());
}

/** Message digest encoded as hex (default) or base64. */
export function hash(data: string | Uint8Array, algo: HashAlgo = 'sha256', enc: 'hex' | 'base64' = 'hex'): string {
  return encode(hashBytes(data, algo), enc);
}

/** Raw HMAC. Strings (data and key) are UTF-8. */
export function hmacBytes(data: string | Uint8Array, key: string | Uint8Array, algo: HashAlgo = 'sha256'): Uint8Array {
  return fromBuffer(createHmac(nodeAlgo(algo), key).update(data).digest());
}

/** HMAC encoded as hex (default) or base64. */
export function hmac(
  data: string | Uint8Array,
  key: string | Uint8Array,
  algo: HashAlgo = 'sha256',
  enc: 'hex' | 'base64' = 'hex',
): string {
  return encode(hmacBytes(data, key, algo), enc);
}
