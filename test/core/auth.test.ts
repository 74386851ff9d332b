import { createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  base64UrlEncode,
  bytesToBase64,
  bytesToHex,
  ecdsaSign,
  ed25519Sign,
  hash,
  hashBytes,
  hexToBytes,
  hmac,
  hmacBytes,
  jwt,
  numberToPlainString,
  randomHex,
  redactSecrets,
  rsaSign,
  urlencode,
  urlencodeRaw,
  utf8,
  uuid,
  hmacKeccak256,
  keccak256,
  keccak256Bytes,
} from '../../src/core/auth/index.js';

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
};

const decodeJwtPart = (part: string | undefined): unknown =>
  JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));

describe('encoding', () => {
  it('encoding: hex round-trips and accepts 0x prefix', () => {
    expect(bytesToHex(Uint8Array.of(0, 1, 0xab, 0xff))).toBe('0001abff');
    expect(hexToBytes('0001abff')).toEqual(Uint8Array.of(0, 1, 0xab, 0xff));
    expect(hexToBytes('0xABFF')).toEqual(Uint8Array.of(0xab, 0xff));
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
  });

  it('encoding: hexToBytes rejects malformed hex', () => {
    expect(() => hexToBytes('abc')).toThrow(TypeError);
    expect(() => hexToBytes('zz')).toThrow(TypeError);
  });

  it('encoding: base64 round-trips (RFC 4648 vectors)', () => {
    expect(bytesToBase64(utf8('foobar'))).toBe('Zm9vYmFy');
    expect(bytesToBase64(utf8('fo'))).toBe('Zm8=');
    expect(base64ToBytes('Zm9vYg==')).toEqual(utf8('foob'));
    expect(base64ToBytes('-_8')).toEqual(Uint8Array.of(0xfb, 0xff));
  });

  it('encoding: base64url has no padding and uses url-safe alphabet', () => {
    expect(base64UrlEncode(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect(base64UrlEncode('fo')).toBe('Zm8');
  });

  it('encoding: returns plain Uint8Array, not Buffer', () => {
    expect(Object.getPrototypeOf(utf8('x'))).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(hexToBytes('00'))).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(hashBytes('x'))).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(hmacBytes('x', 'k'))).toBe(Uint8Array.prototype);
  });

  it('encoding: utf8 encodes multi-byte characters', () => {
    expect(bytesToHex(utf8('€'))).toBe('e282ac');
  });
});

describe('hash', () => {
  it('hash: sha256 of "abc" (FIPS 180-2)', () => {
    expect(hash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hash(utf8('abc'), 'sha256')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hash: sha1, sha384, sha512, md5 of "abc"', () => {
    expect(hash('abc', 'sha1')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hash('abc', 'sha384')).toBe(
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
    expect(hash('abc', 'sha512')).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
    expect(hash('abc', 'md5')).toBe('900150983cd24fb0d6963f7d28e17f72');
  });

  it('hash: sha3-256 of "abc" (FIPS 202)', () => {
    expect(hash('abc', 'sha3-256')).toBe('3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532');
  });

  it('hash: keccak256 of empty string', () => {
    expect(keccak256('')).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(bytesToHex(keccak256Bytes(new Uint8Array(0)))).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
  });

  it('hash: base64 output', () => {
    expect(hash('abc', 'sha256', 'base64')).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
  });

  it('hash: rejects unknown algorithm', () => {
    expect(() => hash('abc', 'sha224' as never)).toThrow(/unsupported hash/);
  });
});

describe('hmac', () => {
  const key = 'Jefe';
  const data = 'what do ya want for nothing?';

  it('hmac: sha256 hex (RFC 4231 test case 2)', () => {
    expect(hmac(data, key)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(hmac(utf8(data), utf8(key), 'sha256', 'hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('hmac: sha384 and sha512 hex (RFC 4231 test case 2)', () => {
    expect(hmac(data, key, 'sha384')).toBe(
      'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    );
    expect(hmac(data, key, 'sha512')).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
  });

  it('hmac: sha256 base64', () => {
    expect(hmac(data, key, 'sha256', 'base64')).toBe(
      bytesToBase64(hexToBytes('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')),
    );
  });

  it('hmac: Binance signed-endpoint example', () => {
    const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
    const query =
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
    expect(hmac(query, secret)).toBe('c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
  });

  it('hmac: keccak256 matches the RFC 2104 construction', () => {
    const blockSize = 136; // keccak256 rate in bytes
    const k = utf8(key);
    const ipad = new Uint8Array(blockSize).fill(0x36);
    const opad = new Uint8Array(blockSize).fill(0x5c);
    k.forEach((b, i) => {
      ipad[i] = b ^ 0x36;
      opad[i] = b ^ 0x5c;
    });
    const inner = keccak256Bytes(concat(ipad, utf8(data)));
    const expected = bytesToHex(keccak256Bytes(concat(opad, inner)));
    expect(bytesToHex(hmacKeccak256(data, key))).toBe(expected);
  });

  it('hmac: md5, sha1 and sha3-256 are supported', () => {
    // RFC 2202 test case 2 for HMAC-MD5 / HMAC-SHA1.
    expect(hmac(data, key, 'md5')).toBe('750c783e6ab0b503eaa86e310a5db738');
    expect(hmac(data, key, 'sha1')).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
    expect(hmac(data, key, 'sha3-256')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('rsa', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pkcs1Pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const message = 'GET/api/v1/orders?symbol=BTC-USDT1700000000000';

  it('rsa: sha256 base64 signature verifies with crypto.verify', () => {
    const sig = rsaSign(message, pem);
    expect(nodeVerify('sha256', Buffer.from(message), publicKey, Buffer.from(sig, 'base64'))).toBe(true);
  });

  it('rsa: sha512 hex signature verifies with crypto.verify', () => {
    const sig = rsaSign(message, pkcs1Pem, 'sha512', 'hex');
    expect(sig).toMatch(/^[0-9a-f]{512}$/);
    expect(nodeVerify('sha512', Buffer.from(message), publicKey, Buffer.from(sig, 'hex'))).toBe(true);
  });

  it('rsa: PKCS#1 v1.5 signatures are deterministic', () => {
    expect(rsaSign(message, pem)).toBe(rsaSign(message, pem));
  });

  it('rsa: accepts PEM with literal \\n escapes', () => {
    const escaped = pem.replace(/\n/g, '\\n');
    expect(rsaSign(message, escaped)).toBe(rsaSign(message, pem));
  });

  it('rsa: rejects non-RSA keys', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => rsaSign(message, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(
      /rsa private key/,
    );
  });
});

describe('ed25519', () => {
  // RFC 8032 section 7.1, TEST 1.
  const seedHex = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
  const publicHex = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
  const expected =
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

  it('ed25519: RFC 8032 test 1 with hex seed', () => {
    expect(ed25519Sign('', seedHex, 'hex')).toBe(expected);
  });

  it('ed25519: seed as bytes, base64, 0x-hex and 64-byte secret key give the same signature', () => {
    const seed = hexToBytes(seedHex);
    expect(ed25519Sign(new Uint8Array(0), seed, 'hex')).toBe(expected);
    expect(ed25519Sign('', bytesToBase64(seed), 'hex')).toBe(expected);
    expect(ed25519Sign('', `0x${seedHex}`, 'hex')).toBe(expected);
    expect(ed25519Sign('', concat(seed, hexToBytes(publicHex)), 'hex')).toBe(expected);
    expect(ed25519Sign('', seedHex)).toBe(bytesToBase64(hexToBytes(expected)));
  });

  it('ed25519: PEM key signature verifies with crypto.verify', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const sig = ed25519Sign('apiKey=abc&timestamp=1', pem);
    expect(nodeVerify(null, Buffer.from('apiKey=abc&timestamp=1'), publicKey, Buffer.from(sig, 'base64'))).toBe(true);
  });

  it('ed25519: rejects keys of the wrong size', () => {
    expect(() => ed25519Sign('', 'abcd')).toThrow(TypeError);
  });
});

describe('ecdsa', () => {
  const privHex = '4646464646464646464646464646464646464646464646464646464646464646';

  it('ecdsa: secp256k1 EIP-155 known vector', () => {
    // EIP-155 example transaction: signing hash and (r, s, v = 37 => recovery id 0) are published in the EIP.
    const sig = ecdsaSign('0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53', privHex, 'secp256k1');
    expect(BigInt(`0x${sig.r}`)).toBe(18515461264373351373200002665853028612451056578545711640558177340181847433846n);
    expect(BigInt(`0x${sig.s}`)).toBe(46948507304638947509940763649030358759909902576025900602547168820602576006531n);
    expect(sig.v).toBe(0);
    expect(sig.der).toBeUndefined();
  });

  it('ecdsa: secp256k1 recovers signer', () => {
    const message = 'hello unifex';
    const sig = ecdsaSign(message, privHex, 'secp256k1', { prehash: 'keccak256' });
    const digest = keccak256Bytes(message);
    const pub = secp256k1.getPublicKey(hexToBytes(privHex));
    const compact = hexToBytes(sig.r + sig.s);
    expect(sig.r).toMatch(/^[0-9a-f]{64}$/);
    expect(sig.s).toMatch(/^[0-9a-f]{64}$/);
    expect(secp256k1.verify(compact, digest, pub, { prehash: false })).toBe(true);
    const recovered = secp256k1.recoverPublicKey(concat(Uint8Array.of(sig.v), compact), digest, { prehash: false });
    expect(bytesToHex(recovered)).toBe(bytesToHex(pub));
  });

  it('ecdsa: secp256k1 digest as bytes equals digest as hex', () => {
    const digest = hashBytes('x', 'sha256');
    expect(ecdsaSign(digest, privHex, 'secp256k1')).toEqual(ecdsaSign(bytesToHex(digest), privHex, 'secp256k1'));
    expect(ecdsaSign('x', `0x${privHex}`, 'secp256k1', { prehash: 'sha256' })).toEqual(
      ecdsaSign(digest, privHex, 'secp256k1'),
    );
  });

  it('ecdsa: p256 DER signature verifies with node:crypto and recovery id is correct', () => {
    const message = 'GET /orders 1700000000';
    const sig = ecdsaSign(message, privHex, 'p256', { prehash: 'sha256', der: true });
    const pubUncompressed = p256.getPublicKey(hexToBytes(privHex), false);
    const publicKey = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: base64UrlEncode(pubUncompressed.subarray(1, 33)),
        y: base64UrlEncode(pubUncompressed.subarray(33, 65)),
      },
      format: 'jwk',
    });
    expect(sig.der).toBeDefined();
    expect(
      nodeVerify('sha256', Buffer.from(message), { key: publicKey, dsaEncoding: 'der' }, hexToBytes(sig.der ?? '')),
    ).toBe(true);
    const digest = hashBytes(message, 'sha256');
    const recovered = p256.recoverPublicKey(concat(Uint8Array.of(sig.v), hexToBytes(sig.r + sig.s)), digest, {
      prehash: false,
    });
    expect(bytesToHex(recovered)).toBe(bytesToHex(p256.getPublicKey(hexToBytes(privHex))));
  });

  it('ecdsa: rejects bad keys and non-hex digests', () => {
    expect(() => ecdsaSign('00'.repeat(32), 'abcd', 'secp256k1')).toThrow(/private key/);
    expect(() => ecdsaSign('not hex', privHex, 'secp256k1')).toThrow(/prehash/);
    expect(() => ecdsaSign('00', privHex, 'ed448' as never)).toThrow(/unsupported curve/);
  });
});

describe('jwt', () => {
  it('jwt: HS256 known vector (jwt.io)', () => {
    const token = jwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, 'your-256-bit-secret');
    expect(token).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    );
  });

  it('jwt: HS384/HS512 signatures are HMACs of the signing input', () => {
    for (const [alg, algo] of [
      ['HS384', 'sha384'],
      ['HS512', 'sha512'],
    ] as const) {
      const token = jwt({ a: 1 }, 'secret', { alg });
      const [h, p, s] = token.split('.');
      expect(decodeJwtPart(h)).toEqual({ alg, typ: 'JWT' });
      expect(s).toBe(base64UrlEncode(hmacBytes(`${h}.${p}`, 'secret', algo)));
    }
  });

  it('jwt: custom header fields are merged and alg stays authoritative', () => {
    const token = jwt({ sub: 'k' }, utf8('secret'), { header: { kid: 'key-1', nonce: 'abc', alg: 'none' } });
    expect(decodeJwtPart(token.split('.')[0])).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'key-1', nonce: 'abc' });
  });

  it('jwt: RS256 verifies with crypto.verify', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt({ iss: 'x' }, privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), { alg: 'RS256' });
    const [h, p, s] = token.split('.');
    expect(decodeJwtPart(h)).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(nodeVerify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s ?? '', 'base64url'))).toBe(true);
  });

  it('jwt: ES256 with PEM EC key verifies with crypto.verify (P1363 encoding)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    for (const type of ['sec1', 'pkcs8'] as const) {
      const pem = privateKey.export({ type, format: 'pem' }).toString();
      const token = jwt({ iss: 'cdp', sub: 'key' }, pem, { alg: 'ES256', header: { kid: 'key' } });
      const [h, p, s] = token.split('.');
      const sig = Buffer.from(s ?? '', 'base64url');
      expect(sig.length).toBe(64);
      expect(nodeVerify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(
        true,
      );
    }
  });

  it('jwt: ES256 with raw hex P-256 key verifies', () => {
    const privHex = '4646464646464646464646464646464646464646464646464646464646464646';
    const [h, p, s] = jwt({ a: 1 }, privHex, { alg: 'ES256' }).split('.');
    const pub = p256.getPublicKey(hexToBytes(privHex));
    expect(p256.verify(base64ToBytes(s ?? ''), utf8(`${h}.${p}`), pub)).toBe(true);
  });

  it('jwt: ES256 rejects keys on other curves', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => jwt({}, pem, { alg: 'ES256' })).toThrow(/P-256/);
  });
});

describe('urlencode', () => {
  it('urlencode: encodes keys and values with encodeURIComponent (space -> %20)', () => {
    expect(urlencode({ 'a b': 'c d', e: 'x&y=z', f: '€' })).toBe('a%20b=c%20d&e=x%26y%3Dz&f=%E2%82%AC');
  });

  it('urlencode: skips undefined and null, formats booleans and bigints', () => {
    expect(urlencode({ a: undefined, b: true, c: false, d: null, e: 10n })).toBe('b=true&c=false&e=10');
  });

  it('urlencode: numbers never use exponent notation', () => {
    expect(urlencode({ a: 1e-7, b: 1.5e-10, c: 1e21, d: -2.5e-8, e: 0.1, f: 42, g: 1.2345e25 })).toBe(
      'a=0.0000001&b=0.00000000015&c=1000000000000000000000&d=-0.000000025&e=0.1&f=42&g=12345000000000000000000000',
    );
  });

  it('urlencode: rejects non-finite numbers', () => {
    expect(() => urlencode({ a: NaN })).toThrow(TypeError);
    expect(() => urlencode({ a: Infinity })).toThrow(TypeError);
  });

  it('urlencode: preserves insertion order unless sort is set', () => {
    expect(urlencode({ b: 1, a: 2, C: 3 })).toBe('b=1&a=2&C=3');
    expect(urlencode({ b: 1, a: 2, C: 3 }, { sort: true })).toBe('C=3&a=2&b=1');
  });

  it('urlencode: arrays repeat by default, or use brackets / json', () => {
    const params = { ids: [1, 'x y', undefined], s: 'v' };
    expect(urlencode(params)).toBe('ids=1&ids=x%20y&s=v');
    expect(urlencode(params, { encodeArrays: 'brackets' })).toBe('ids%5B%5D=1&ids%5B%5D=x%20y&s=v');
    expect(urlencode({ ids: [1, 'a'] }, { encodeArrays: 'json' })).toBe('ids=%5B1%2C%22a%22%5D');
  });

  it('urlencode: nested objects are JSON', () => {
    expect(urlencode({ o: { a: 1 } })).toBe('o=%7B%22a%22%3A1%7D');
  });

  it('urlencode: empty params give empty string', () => {
    expect(urlencode({})).toBe('');
  });

  it('urlencodeRaw: no percent-encoding', () => {
    expect(urlencodeRaw({ a: 'x y', b: 'c,d', n: 1e-7, u: undefined })).toBe('a=x y&b=c,d&n=0.0000001');
    expect(urlencodeRaw({ b: [1, 2], a: '1' }, { sort: true, encodeArrays: 'brackets' })).toBe('a=1&b[]=1&b[]=2');
  });

  it('numberToPlainString: matches String(n) when no exponent', () => {
    for (const n of [0, -0, 1, -1, 0.5, 123.456, 1e-6, 1e20, Number.MAX_SAFE_INTEGER]) {
      expect(numberToPlainString(n)).toBe(String(n));
    }
    expect(numberToPlainString(5e-324)).toBe(`0.${'0'.repeat(323)}5`);
    expect(Number(numberToPlainString(1.7976931348623157e308))).toBe(1.7976931348623157e308);
  });
});

describe('random', () => {
  it('randomHex: returns 2 * bytes lower-case hex characters', () => {
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(randomHex(0)).toBe('');
    expect(randomHex(8)).not.toBe(randomHex(8));
    expect(() => randomHex(-1)).toThrow(RangeError);
  });

  it('uuid: RFC 4122 v4 format', () => {
    expect(uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid()).not.toBe(uuid());
  });
});

describe('redactSecrets', () => {
  it('redactSecrets: replaces every occurrence of each secret', () => {
    expect(redactSecrets('key=abcd1234&sig=abcd1234, secret=s3cr3t', ['abcd1234', 's3cr3t'])).toBe(
      'key=***&sig=***, secret=***',
    );
  });

  it('redactSecrets: ignores undefined, empty and short secrets', () => {
    expect(redactSecrets('a abc abcd', [undefined, '', 'abc'])).toBe('a abc abcd');
  });

  it('redactSecrets: hides a secret that contains another secret', () => {
    expect(redactSecrets('token=abcdefgh', ['abcd', 'abcdefgh'])).toBe('token=***');
  });

  it('redactSecrets: hides percent-encoded secrets', () => {
    expect(redactSecrets('url?secret=ab%2Bcd%2F%3D', ['ab+cd/='])).toBe('url?secret=***');
  });
});
