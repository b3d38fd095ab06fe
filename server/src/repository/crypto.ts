/**
 * Sealing of everything the repository stores: zstd compression (skipped when it does not pay), then
 * AES-256-GCM with a random 96-bit nonce, the object's name bound as associated data so that an object
 * moved or swapped under another name fails to open. Compression runs on libuv's thread pool (async zlib),
 * so it works beside the main thread, which does hashing and chunking.
 *
 * Sealed layout (docs/repository-format.md):  magic (4) | flags (1) | nonce (12) | ciphertext | tag (16)
 * flags bit 0: the plaintext was zstd-compressed before encryption.
 * Magic "MMB1" (format 1): the associated data is the name alone, so the flags byte is not authenticated.
 * Magic "MMB2" (format 2): the associated data is magic and flags, then the name: every byte of the object
 * but the nonce (which the tag covers anyway) is authenticated. open() reads both.
 */
import { createHmac, randomBytes, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const MAGIC = Buffer.from('MMB1');
const MAGIC_V2 = Buffer.from('MMB2');

/** Which sealed layout a writer uses: 1 for format-1 repositories, 2 for format 2. */
export type SealVersion = 1 | 2;
const FLAG_ZSTD = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + NONCE_BYTES;
export const SEAL_OVERHEAD = HEADER_BYTES + TAG_BYTES;

const OUTPUT_CHUNK = 1024 * 1024;

/** zlib allocates a whole output buffer per call: sized to the data, small files do not churn 1 MiB each. */
function outputChunk(expected: number): number {
  return Math.min(OUTPUT_CHUNK, Math.max(16 * 1024, expected + 1024));
}
const zstdCompress = promisify(zlib.zstdCompress);
const zstdDecompress = promisify(zlib.zstdDecompress);

export interface MasterKeys {
  /** AES-256-GCM key for every sealed object */
  encryption: Buffer;
  /** HMAC-SHA256 key that names content-addressed objects, so ids reveal nothing about content */
  id: Buffer;
}

export class DecryptError extends Error {}

/**
 * zstd level 2: on independently compressed ~1 MiB chunks it measured both faster and smaller than
 * levels 1 and 3 (pg_dump output of the benchmark database).
 */
export const ZSTD_LEVEL = 2;

/**
 * Encryption and hashing of whole buffers go through WebCrypto, whose work runs on libuv's thread pool:
 * the main thread, which chunks, walks the file store and keeps every stream moving, is not held up by a
 * pass over every byte, and the second core gets a share of the work. The keys are imported once.
 */
const subtle = webcrypto.subtle;
const aesKeys = new WeakMap<Buffer, Promise<webcrypto.CryptoKey>>();
const hmacKeys = new WeakMap<Buffer, Promise<webcrypto.CryptoKey>>();

function aesKey(keys: MasterKeys): Promise<webcrypto.CryptoKey> {
  let key = aesKeys.get(keys.encryption);
  if (!key) aesKeys.set(keys.encryption, (key = subtle.importKey('raw', keys.encryption, 'AES-GCM', false, ['encrypt', 'decrypt'])));
  return key;
}

function hmacKey(keys: MasterKeys): Promise<webcrypto.CryptoKey> {
  let key = hmacKeys.get(keys.id);
  if (!key) hmacKeys.set(keys.id, (key = subtle.importKey('raw', keys.id, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])));
  return key;
}

/** From this size on a sample decides whether compressing the whole is worth the CPU. */
const SAMPLE_FROM = 8 * 1024;
const SAMPLE_BYTES = 16 * 1024;

/**
 * Attachments are mostly JPEG, PNG, PDF and zip: already compressed. zstd on such data costs a pass over
 * every byte for nothing, so a sample from the middle is compressed first (level 1, on this thread: well
 * under a millisecond) and data that does not shrink by 3% there is stored as it is.
 */
function worthCompressing(plaintext: Buffer): boolean {
  if (plaintext.length < SAMPLE_FROM) return true;
  const size = Math.min(SAMPLE_BYTES, plaintext.length);
  const start = (plaintext.length - size) >> 1;
  const sample = plaintext.subarray(start, start + size);
  return zlib.zstdCompressSync(sample, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } }).length < size * 0.97;
}

export async function seal(keys: MasterKeys, name: string, plaintext: Buffer, level = ZSTD_LEVEL, version: SealVersion = 1): Promise<Buffer> {
  return Buffer.concat(await sealParts(keys, name, plaintext, level, version));
}

/**
 * seal(), as its two parts (header; ciphertext and tag) without joining them: a pack appends both, and
 * a copy of every blob would only feed the garbage collector.
 */
export async function sealParts(keys: MasterKeys, name: string, plaintext: Buffer, level = ZSTD_LEVEL, version: SealVersion = 1): Promise<[Buffer, Buffer]> {
  let body = plaintext;
  let flags = 0;
  if (plaintext.length > 64 && worthCompressing(plaintext)) {
    // A large output buffer: fewer round trips between the thread pool and the main thread.
    const compressed = await zstdCompress(plaintext, { chunkSize: outputChunk(plaintext.length), params: { [zlib.constants.ZSTD_c_compressionLevel]: level } });
    if (compressed.length < plaintext.length) {
      body = compressed;
      flags |= FLAG_ZSTD;
    }
  }
  const nonce = randomBytes(NONCE_BYTES);
  const magic = version === 2 ? MAGIC_V2 : MAGIC;
  const header = Buffer.concat([magic, Buffer.from([flags]), nonce]);
  // AES-GCM with a 128-bit tag: WebCrypto returns ciphertext || tag, the layout stored.
  const encrypted = await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: associatedData(version, flags, name), tagLength: 128 }, await aesKey(keys), body);
  return [header, Buffer.from(encrypted)];
}

export async function open(keys: MasterKeys, name: string, sealed: Buffer): Promise<Buffer> {
  const magic = sealed.subarray(0, MAGIC.length);
  const version: SealVersion | undefined = magic.equals(MAGIC) ? 1 : magic.equals(MAGIC_V2) ? 2 : undefined;
  if (sealed.length < SEAL_OVERHEAD || !version) {
    throw new DecryptError(`${name} is not a sealed mmbackup object (bad header or truncated)`);
  }
  const flags = sealed[MAGIC.length];
  const nonce = sealed.subarray(MAGIC.length + 1, HEADER_BYTES);
  let body: Buffer;
  try {
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: associatedData(version, flags, name), tagLength: 128 }, await aesKey(keys), sealed.subarray(HEADER_BYTES));
    body = Buffer.from(plain);
  } catch {
    throw new DecryptError(`${name} failed authentication: it was modified or damaged, or belongs to another key`);
  }
  return flags & FLAG_ZSTD ? zstdDecompress(body, { chunkSize: outputChunk(body.length * 4) }) : body;
}

function associatedData(version: SealVersion, flags: number, name: string): Buffer {
  return version === 2 ? Buffer.concat([MAGIC_V2, Buffer.from([flags]), Buffer.from(name)]) : Buffer.from(name);
}

/** The content address of a chunk: HMAC-SHA256 under the repository's id key, hex. */
export function contentId(keys: MasterKeys, plaintext: Buffer): string {
  return createHmac('sha256', keys.id).update(plaintext).digest('hex');
}

/** contentId(), computed on the thread pool. */
export async function contentIdAsync(keys: MasterKeys, plaintext: Buffer): Promise<string> {
  return Buffer.from(await subtle.sign('HMAC', await hmacKey(keys), plaintext)).toString('hex');
}

/** SHA-256 of a whole buffer, hex, computed on the thread pool. */
export async function sha256Async(data: Buffer): Promise<string> {
  return Buffer.from(await subtle.digest('SHA-256', data)).toString('hex');
}

/** A short public fingerprint of the master keys, to tell keys apart without revealing them. */
export function fingerprint(keys: MasterKeys): string {
  const hex = createHmac('sha256', keys.id).update('mmbackup key fingerprint').digest('hex').slice(0, 24);
  return hex.match(/.{4}/g)!.join(':');
}
