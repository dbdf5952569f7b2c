import { createHmac, createSecretKey, hash, type BinaryLike, type KeyObject } from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

// One KeyObject per signing key: the SDK's signer caches its derived key as one Uint8Array per day/region/service.
const keyObjects = new WeakMap<object, KeyObject>();
// The signer also keys an HMAC with the secret access key (a string) on every call; few distinct ones ever exist.
const stringKeys = new Map<string, KeyObject>();
const MAX_STRING_KEYS = 16;
// HMACs keyed with a string over a short input, by key then input: on every URL the signer recomputes
// HMAC(secret access key, access key id) only to name its signing-key cache entry. Bounded like stringKeys.
const stringKeyedMacs = new Map<string, Map<string, Buffer>>();
const MAX_MACS_PER_KEY = 16;
const MEMO_INPUT_BYTES = 128;

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function keyObjectOf(secret: SourceData): KeyObject {
  if (typeof secret === 'string') {
    let key = stringKeys.get(secret);
    if (!key) {
      if (stringKeys.size >= MAX_STRING_KEYS) {
        stringKeys.clear();
        stringKeyedMacs.clear();
      }
      key = createSecretKey(toBuffer(secret));
      stringKeys.set(secret, key);
    }
    return key;
  }
  let key = keyObjects.get(secret);
  if (!key) {
    key = createSecretKey(toBuffer(secret));
    keyObjects.set(secret, key);
  }
  return key;
}

/**
 * SHA-256 and HMAC-SHA-256 for the SDK's SigV4 signer (its `sha256` option), on node:crypto like the SDK's own
 * `@smithy/hash-node`, but keyed with a cached KeyObject and hashing in one call: on Node 24, turning key bytes
 * into a key on every `createHmac` was a third of the cost of presigning a URL. The bytes it computes are the same.
 * A key given as bytes must not change afterwards (the SDK never changes its keys).
 */
export class KeyCachingSha256 implements Checksum {
  /** The input, hashed in one call at digest (the signer hashes one canonical request, or one string, at a time). */
  private chunks: BinaryLike[] = [];

  constructor(private readonly secret?: SourceData) {}

  update(data: SourceData): void {
    this.chunks.push(typeof data === 'string' ? data : toBuffer(data));
  }

  digest(): Promise<Uint8Array> {
    const input = this.chunks.length === 1 ? (this.chunks[0] as BinaryLike) : Buffer.concat(this.chunks.map(toBinary));
    // As in the SDK's hash: no key, or an empty string key, means plain SHA-256.
    if (!this.secret) return Promise.resolve(hash('sha256', input, 'buffer'));
    if (typeof this.secret === 'string' && inputLength(input) <= MEMO_INPUT_BYTES) {
      return Promise.resolve(memoizedMac(this.secret, input));
    }
    return Promise.resolve(createHmac('sha256', keyObjectOf(this.secret)).update(input).digest());
  }

  reset(): void {
    this.chunks = [];
  }
}

function inputLength(input: BinaryLike): number {
  return typeof input === 'string' ? input.length * 3 : input.byteLength;
}

/** HMAC-SHA-256 under a string key, remembered per key and input; each caller gets its own copy. */
function memoizedMac(secret: string, input: BinaryLike): Buffer {
  const key = keyObjectOf(secret);
  const inputKey =
    typeof input === 'string'
      ? `s${input}`
      : `b${Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1')}`;
  let macs = stringKeyedMacs.get(secret);
  if (!macs) stringKeyedMacs.set(secret, (macs = new Map()));
  let mac = macs.get(inputKey);
  if (!mac) {
    if (macs.size >= MAX_MACS_PER_KEY) macs.clear();
    mac = createHmac('sha256', key).update(input).digest();
    macs.set(inputKey, mac);
  }
  return Buffer.from(mac);
}

function toBinary(chunk: BinaryLike): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Uint8Array);
}
