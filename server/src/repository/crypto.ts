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
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
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

export async function seal(keys: MasterKeys, name: string, plaintext: Buffer, level = ZSTD_LEVEL, version: SealVersion = 1): Promise<Buffer> {
  let body = plaintext;
  let flags = 0;
  if (plaintext.length > 64) {
    // A large output buffer: fewer round trips between the thread pool and the main thread.
    const compressed = await zstdCompress(plaintext, { chunkSize: outputChunk(plaintext.length), params: { [zlib.constants.ZSTD_c_compressionLevel]: level } });
    if (compressed.length < plaintext.length) {
      body = compressed;
      flags |= FLAG_ZSTD;
    }
  }
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, nonce);
  const magic = version === 2 ? MAGIC_V2 : MAGIC;
  cipher.setAAD(associatedData(version, flags, name));
  const header = Buffer.concat([magic, Buffer.from([flags]), nonce]);
  const ciphertext = Buffer.concat([cipher.update(body), cipher.final()]);
  return Buffer.concat([header, ciphertext, cipher.getAuthTag()]);
}

export async function open(keys: MasterKeys, name: string, sealed: Buffer): Promise<Buffer> {
  const magic = sealed.subarray(0, MAGIC.length);
  const version: SealVersion | undefined = magic.equals(MAGIC) ? 1 : magic.equals(MAGIC_V2) ? 2 : undefined;
  if (sealed.length < SEAL_OVERHEAD || !version) {
    throw new DecryptError(`${name} is not a sealed mmbackup object (bad header or truncated)`);
  }
  const flags = sealed[MAGIC.length];
  const nonce = sealed.subarray(MAGIC.length + 1, HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', keys.encryption, nonce);
  decipher.setAAD(associatedData(version, flags, name));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  let body: Buffer;
  try {
    body = Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
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

/** A short public fingerprint of the master keys, to tell keys apart without revealing them. */
export function fingerprint(keys: MasterKeys): string {
  const hex = createHmac('sha256', keys.id).update('mmbackup key fingerprint').digest('hex').slice(0, 24);
  return hex.match(/.{4}/g)!.join(':');
}
