import { sign as nodeSign, type KeyObject } from 'node:crypto';
import { base64ToBytes, bytesToHex, hexToBytes, isHexOfLength, toBuffer, toBytes } from './encoding.js';
import { p256, secp256k1 } from './curves.js';
import { hashBytes, type HashAlgo } from './hash.js';
import { keccak256Bytes } from './keccak.js';
import { assertKeyType, ed25519KeyFromSeed, isPem, privateKeyFromPem } from './keys.js';

function encodeSig(sig: Buffer, enc: 'base64' | 'hex'): string {
  if (enc === 'base64' || enc === 'hex') return sig.toString(enc);
  throw new TypeError(`unsupported encoding: ${String(enc)}`);
}

/** RSASSA-PKCS1-v1_5 signature over the UTF-8 bytes of `data`. */
export function rsaSign(
  data: string,
  pemPrivateKey: string,
  algo: 'sha256' | 'sha512' = 'sha256',
  enc: 'base64' | 'hex' = 'base64',
): string {
  return encodeSig(rsaSignRaw(data, pemPrivateKey, algo), enc);
}

function rsaSignRaw(data: string, pem: string, algo: 'sha256' | 'sha512'): Buffer {
  if (algo !== 'sha256' && algo !== 'sha512') throw new TypeError(`rsaSign: unsupported hash ${String(algo)}`);
  const key = privateKeyFromPem(pem);
  assertKeyType(key, 'rsa', 'rsaSign');
  return nodeSign(algo, Buffer.from(data, 'utf8'), key);
}

function ed25519Key(privateKey: string | Uint8Array): KeyObject {
  if (typeof privateKey !== 'string') {
    // 64-byte keys are the NaCl/libsodium "secret key" layout: seed || public key.
    return ed25519KeyFromSeed(privateKey.length === 64 ? privateKey.subarray(0, 32) : privateKey);
  }
  if (isPem(privateKey)) {
    const key = privateKeyFromPem(privateKey);
    assertKeyType(key, 'ed25519', 'ed25519Sign');
    return key;
  }
  if (isHexOfLength(privateKey, 32) || isHexOfLength(privateKey, 64)) return ed25519Key(hexToBytes(privateKey));
  const raw = base64ToBytes(privateKey.trim());
  if (raw.length !== 32 && raw.length !== 64) {
    throw new TypeError('ed25519Sign: private key must be PEM or a 32-byte seed as hex/base64/bytes');
  }
  return ed25519Key(raw);
}

/**
 * Ed25519 (RFC 8032, pure) signature. `privateKey` is a PEM (PKCS#8) or a raw 32-byte seed given as bytes, hex or
 * base64; a 64-byte seed||publicKey secret key is also accepted.
 */
export function ed25519Sign(
  data: string | Uint8Array,
  privateKey: string | Uint8Array,
  enc: 'base64' | 'hex' = 'base64',
): string {
  const key = ed25519Key(privateKey);
  return encodeSig(nodeSign(null, toBuffer(toBytes(data)), key), enc);
}

export interface EcdsaSignature {
  /** 32-byte big-endian hex, no prefix. */
  r: string;
  /** 32-byte big-endian hex, no prefix; always low-S. */
  s: string;
  /** Recovery id (0 or 1). Ethereum-style `v` is `27 + v` (or `chainId * 2 + 35 + v`). */
  v: number;
  /** DER-encoded signature as hex, only present when `opts.der` is set. */
  der?: string;
}

/**
 * Deterministic (RFC 6979), low-S ECDSA over secp256k1 or P-256 with public-key recovery id.
 *
 * Without `opts.prehash`, `digestOrData` is the message digest itself (hex string, optional 0x, or bytes). With
 * `opts.prehash`, `digestOrData` is the message (strings as UTF-8) and is hashed with that algorithm first.
 *
 * node:crypto has no recovery id (and signs with random k), so this uses @noble/curves for both curves.
 */
export function ecdsaSign(
  digestOrData: string | Uint8Array,
  privateKeyHex: string,
  curve: 'secp256k1' | 'p256',
  opts: { prehash?: HashAlgo | 'keccak256'; der?: boolean } = {},
): EcdsaSignature {
  const impl = curve === 'secp256k1' ? secp256k1() : curve === 'p256' ? p256() : undefined;
  if (impl === undefined) throw new TypeError(`ecdsaSign: unsupported curve ${String(curve)}`);
  if (!isHexOfLength(privateKeyHex, 32)) throw new TypeError('ecdsaSign: private key must be 32 bytes of hex');
  let digest: Uint8Array;
  if (opts.prehash !== undefined) {
    digest = opts.prehash === 'keccak256' ? keccak256Bytes(digestOrData) : hashBytes(digestOrData, opts.prehash);
  } else if (typeof digestOrData === 'string') {
    try {
      digest = hexToBytes(digestOrData);
    } catch {
      throw new TypeError('ecdsaSign: digest must be hex; pass opts.prehash to sign a raw message');
    }
  } else {
    digest = digestOrData;
  }
  if (digest.length === 0) throw new TypeError('ecdsaSign: empty digest');
  const recovered = impl.sign(digest, hexToBytes(privateKeyHex), { prehash: false, lowS: true, format: 'recovered' });
  const v = recovered[0];
  if (v === undefined || v > 1) throw new Error('ecdsaSign: unexpected recovery id');
  const compact = recovered.subarray(1);
  const result: EcdsaSignature = { r: bytesToHex(compact.subarray(0, 32)), s: bytesToHex(compact.subarray(32, 64)), v };
  if (opts.der === true) result.der = impl.Signature.fromBytes(compact, 'compact').toHex('der');
  return result;
}

/** ES256 helper for JWT: IEEE P1363 (r||s) signature over SHA-256 of `data`. */
export function es256Sign(data: string, key: string): Uint8Array {
  if (isPem(key)) {
    const keyObject = privateKeyFromPem(key);
    assertKeyType(keyObject, 'ec', 'ES256');
    const curve = keyObject.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') throw new TypeError(`ES256: expected a P-256 key, got ${String(curve)}`);
    return new Uint8Array(nodeSign('sha256', Buffer.from(data, 'utf8'), { key: keyObject, dsaEncoding: 'ieee-p1363' }));
  }
  const sig = ecdsaSign(data, key, 'p256', { prehash: 'sha256' });
  return hexToBytes(sig.r + sig.s);
}

/** RS256/RS512 helper for JWT. */
export function rsaSignBytes(data: string, pem: string, algo: 'sha256' | 'sha512'): Uint8Array {
  return new Uint8Array(rsaSignRaw(data, pem, algo));
}
