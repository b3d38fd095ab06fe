/**
 * Sealing of everything the repository stores, as plain synchronous functions: zstd compression (skipped
 * when it does not pay), then AES-256-GCM with a random 96-bit nonce, the object's name bound as
 * associated data so that an object moved or swapped under another name fails to open. These run in the
 * worker threads (./workers/), where blocking is the point; the main thread calls them through
 * ./crypto.ts, which sends large inputs to the workers.
 *
 * Sealed layout (docs/repository-format.md):  magic (4) | flags (1) | nonce (12) | ciphertext | tag (16)
 * flags bit 0: the plaintext was zstd-compressed before encryption.
 * Magic "MMB1" (format 1): the associated data is the name alone, so the flags byte is not authenticated.
 * Magic "MMB2" (format 2): the associated data is magic and flags, then the name: every byte of the object
 * but the nonce (which the tag covers anyway) is authenticated. openSync() reads both.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, randomBytes, type Hmac, type KeyObject } from 'node:crypto';
import * as zlib from 'node:zlib';
import { freeNow } from '../common/free-now';
import { isCompressedFormat } from './compressed-formats';
import { freeBacking } from './workers/transfer';
import { frameContentSize } from './zstd-frame';

const MAGIC = Buffer.from('MMB1');
const MAGIC_V2 = Buffer.from('MMB2');

/** Which sealed layout a writer uses: 1 for format-1 repositories, 2 for format 2. */
export type SealVersion = 1 | 2;
const FLAG_ZSTD = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + NONCE_BYTES;
export const SEAL_OVERHEAD = HEADER_BYTES + TAG_BYTES;

export interface MasterKeys {
  /** AES-256-GCM key for every sealed object */
  encryption: Buffer;
  /** HMAC-SHA256 key that names content-addressed objects, so ids reveal nothing about content */
  id: Buffer;
}

/** KeyObjects of the keys met lately, newest first: a process uses one key set, two during a copy. */
const secretKeys: Array<{ raw: Buffer; key: KeyObject }> = [];
const SECRET_KEYS_KEPT = 8;

/**
 * A key as a KeyObject, made once. Given a Buffer, Node's createHmac and createCipheriv first try it as a
 * KeyObject and as a CryptoKey, and each failed try builds a TypeError with its stack trace: seven times
 * the cost of a small blob's HMAC, and 4% of a first backup's CPU. Jobs bring their keys as fresh Buffers,
 * so they are matched by content.
 */
export function secretKey(raw: Buffer): KeyObject {
  for (const known of secretKeys) if (known.raw.equals(raw)) return known.key;
  const key = createSecretKey(raw);
  secretKeys.unshift({ raw: Buffer.from(raw), key });
  if (secretKeys.length > SECRET_KEYS_KEPT) secretKeys.pop();
  return key;
}

export class DecryptError extends Error {
  override name = 'DecryptError';
}

/**
 * zstd level 2: on independently compressed ~1 MiB chunks it measured both faster and smaller than
 * levels 1 and 3 (pg_dump output of the benchmark database).
 */
export const ZSTD_LEVEL = 2;

const OUTPUT_CHUNK = 1024 * 1024;

/**
 * zlib's output buffer for a decompression whose frame declares no size (decompressChunk), sized from the
 * data: one buffer for most chunks instead of a list of 16 KiB pieces joined at the end.
 */
function outputChunk(expected: number): number {
  return Math.min(OUTPUT_CHUNK, Math.max(16 * 1024, expected + 1024));
}

/**
 * Options of one zstd compression of `size` bytes: an output buffer the result fits in (one buffer, freed
 * as a whole once sealed), and the size pledged, so zstd sizes its tables to the input instead of
 * allocating and clearing those of an unbounded stream on every call.
 */
function compressOptions(size: number, level: number): zlib.ZstdOptions {
  return { chunkSize: compressBound(size), pledgedSrcSize: size, params: { [zlib.constants.ZSTD_c_compressionLevel]: level } };
}

/** The most zstd can output for `size` bytes (ZSTD_COMPRESSBOUND), plus room for the frame header. */
function compressBound(size: number): number {
  return size + (size >> 8) + (size < 128 * 1024 ? (128 * 1024 - size) >> 11 : 0) + 64;
}

/** From this size on a sample decides whether compressing the whole is worth the CPU. */
const SAMPLE_FROM = 8 * 1024;
const SAMPLE_BYTES = 16 * 1024;

/**
 * Attachments are mostly JPEG, PNG, PDF and zip: already compressed. zstd on such data costs a pass over
 * every byte for nothing. A format that is always compressed is known by its first bytes and stored as it
 * is, whatever its size: a thumbnail of 2 KB costs zstd 30-50 µs, as much as its hashing and encryption
 * together, and a store holds one beside every image. For anything else a sample from the middle is
 * compressed first (level 1: well under a millisecond) and data that does not shrink by 3% there is
 * stored as it is.
 */
function worthCompressing(plaintext: Uint8Array): boolean {
  if (isCompressedFormat(plaintext)) return false;
  if (plaintext.length < SAMPLE_FROM) return true;
  const size = Math.min(SAMPLE_BYTES, plaintext.length);
  const start = (plaintext.length - size) >> 1;
  const sample = plaintext.subarray(start, start + size);
  const compressed = zlib.zstdCompressSync(sample, compressOptions(size, 1));
  const worth = compressed.length < size * 0.97;
  freeBacking(compressed);
  return worth;
}

/**
 * Seals as two parts (header; ciphertext and tag) without joining them: a pack appends both, and a copy
 * of every blob would only feed the garbage collector.
 */
export function sealSync(keys: MasterKeys, name: string, plaintext: Uint8Array, level = ZSTD_LEVEL, version: SealVersion = 1): [Buffer, Buffer] {
  let body: Uint8Array = plaintext;
  let flags = 0;
  if (plaintext.length > 64 && worthCompressing(plaintext)) {
    const compressed = zlib.zstdCompressSync(plaintext, compressOptions(plaintext.length, level));
    if (compressed.length < plaintext.length) {
      body = compressed;
      flags |= FLAG_ZSTD;
    } else {
      freeBacking(compressed);
    }
  }
  const nonce = randomBytes(NONCE_BYTES);
  const header = Buffer.concat([version === 2 ? MAGIC_V2 : MAGIC, Buffer.from([flags]), nonce]);
  const cipher = createCipheriv('aes-256-gcm', secretKey(keys.encryption), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(version, flags, name));
  // One exact-size output: the ciphertext is as long as the body, the tag follows it.
  const out = Buffer.allocUnsafeSlow(body.length + TAG_BYTES);
  const encrypted = cipher.update(body);
  let at = encrypted.copy(out, 0);
  at += cipher.final().copy(out, at);
  cipher.getAuthTag().copy(out, at);
  // Both are garbage now, as large as the data: freed here, not left for the collector (a worker sealing
  // at full speed otherwise held tens of MB of them between collections).
  freeNow(encrypted);
  if (flags & FLAG_ZSTD) freeBacking(body);
  return [header, out];
}

/** A small file's whole content sealed as one blob, named by its content id, with the file's SHA-256. */
export interface SealedFile {
  size: number;
  sha256: string;
  id: string;
  sealed: [Buffer, Buffer];
}

/** Seals a whole file's content as one blob named by its content id (a worker's sealFile job, or the main thread's). */
export function sealFileSync(keys: MasterKeys, data: Uint8Array, level = ZSTD_LEVEL, version: SealVersion = 1): SealedFile {
  const id = contentId(keys, data);
  return { size: data.length, sha256: sha256(data), id, sealed: sealSync(keys, id, data, level, version) };
}

/** Opens a sealed object; with `checkId`, also checks that the plaintext has that content id (a blob). */
export function openSync(keys: MasterKeys, name: string, sealed: Uint8Array, checkId?: string): Buffer {
  const plaintext = openUnchecked(keys, name, sealed);
  if (checkId !== undefined && contentId(keys, plaintext) !== checkId) throw new DecryptError(`blob ${checkId} holds content of another id`);
  return plaintext;
}

function openUnchecked(keys: MasterKeys, name: string, sealed: Uint8Array): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const magic = bytes.subarray(0, MAGIC.length);
  const version: SealVersion | undefined = magic.equals(MAGIC) ? 1 : magic.equals(MAGIC_V2) ? 2 : undefined;
  if (bytes.length < SEAL_OVERHEAD || !version) {
    throw new DecryptError(`${name} is not a sealed mmbackup object (bad header or truncated)`);
  }
  const flags = bytes[MAGIC.length];
  const nonce = bytes.subarray(MAGIC.length + 1, HEADER_BYTES);
  let body: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', secretKey(keys.encryption), nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(version, flags, name));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const head = decipher.update(bytes.subarray(HEADER_BYTES, bytes.length - TAG_BYTES));
    const tail = decipher.final();
    body = tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    throw new DecryptError(`${name} failed authentication: it was modified or damaged, or belongs to another key`);
  }
  if (!(flags & FLAG_ZSTD)) return body;
  const plaintext = zlib.zstdDecompressSync(body, { chunkSize: decompressChunk(body) });
  freeNow(body);
  return plaintext;
}

/**
 * The output buffer of a decompression: the size the frame declares, and some room, so that one buffer
 * holds it all and is never exactly full (zlib then allocates another to look for more). A frame that
 * declares nothing, or more than a sealed object ever holds, gets buffers of outputChunk() joined at the end.
 */
function decompressChunk(frame: Uint8Array): number {
  const size = frameContentSize(frame);
  if (size === undefined || size > MAX_DECLARED_SIZE) return outputChunk(frame.length * 4);
  return size + 64;
}
const MAX_DECLARED_SIZE = 256 * 1024 * 1024;

function associatedData(version: SealVersion, flags: number, name: string): Buffer {
  return version === 2 ? Buffer.concat([MAGIC_V2, Buffer.from([flags]), Buffer.from(name)]) : Buffer.from(name);
}

/** The content address of a chunk: HMAC-SHA256 under the repository's id key, hex. */
export function contentId(keys: MasterKeys, plaintext: Uint8Array): string {
  return idHmac(keys).update(plaintext).digest('hex');
}

/** The HMAC every content address and pack id is computed with, for data fed to it in parts. */
export function idHmac(keys: MasterKeys): Hmac {
  return createHmac('sha256', secretKey(keys.id));
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
