/**
 * The repository's cryptography as the main thread uses it: sealing, opening and content ids of anything
 * larger than a few KiB run on the sealing workers (./workers/), the rest right here, with the same
 * synchronous functions (./sealing.ts, which also documents the sealed layout), and so does a small file's
 * sealing while the workers have more jobs than they take (sealFile). Inputs are copied into
 * the job (a view into a larger buffer would otherwise send all of it) unless the caller gives its buffer
 * away; results come back without a copy.
 */
import { createHmac } from 'node:crypto';
import { freeNow } from '../common/free-now';
import type { SaveChecksum } from '../destinations/destination';
import type { SpanBlob } from './workers/jobs';
import { sealingPool } from './workers/pool';
import { copyOf, owning } from './workers/transfer';
import { contentId, openSync, sealFileSync, sealSync, sha256, ZSTD_LEVEL, type MasterKeys, type SealedFile, type SealVersion } from './sealing';

export type { FileTarget, SpanBlob } from './workers/jobs';
export { contentId, DecryptError, SEAL_OVERHEAD, ZSTD_LEVEL, type MasterKeys, type SealedFile, type SealVersion } from './sealing';

/** Below this many bytes a job costs more than the work: done on the main thread. */
const INLINE_BELOW = 16 * 1024;

/**
 * Opened on the main thread while the workers started are still booting: a command's first objects (its
 * index files, a parent's listing) would otherwise wait up to a few hundred milliseconds for one, with the
 * main thread idle.
 */
const INLINE_WHILE_BOOTING = 4 * 1024 * 1024;

/** Whether opening `sealed` is better done right here than sent to a worker. */
function openInline(sealed: Uint8Array): boolean {
  return sealed.length < INLINE_BELOW || (sealed.length < INLINE_WHILE_BOOTING && sealingPool().booting);
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The keys as sent with each job (keysFor()): copies in buffers of their own, made once per key set. A key
 * that is a view into a larger buffer (Node's 8 KiB pool) would otherwise send that whole buffer with every
 * job.
 */
const jobKeys = new WeakMap<MasterKeys, MasterKeys>();

export function keysFor(keys: MasterKeys): MasterKeys {
  let own = jobKeys.get(keys);
  if (!own) jobKeys.set(keys, (own = { encryption: Buffer.from(copyOf(keys.encryption).buffer), id: Buffer.from(copyOf(keys.id).buffer) }));
  return own;
}

export async function seal(keys: MasterKeys, name: string, plaintext: Buffer, level = ZSTD_LEVEL, version: SealVersion = 1, giveAway = false): Promise<Buffer> {
  return Buffer.concat(await sealParts(keys, name, plaintext, level, version, giveAway));
}

/** seal(), as its two parts (header; ciphertext and tag) without joining them: a pack appends both. */
export async function sealParts(keys: MasterKeys, name: string, plaintext: Buffer, level = ZSTD_LEVEL, version: SealVersion = 1, giveAway = false): Promise<[Buffer, Buffer]> {
  if (plaintext.length < INLINE_BELOW) return sealSync(keys, name, plaintext, level, version);
  const data = jobInput(plaintext, giveAway);
  const result = await sealingPool().run({ op: 'seal', keys: keysFor(keys), name, data, level, version }, [data.buffer]);
  return [asBuffer(result.header), asBuffer(result.body)];
}

/** `view` as a job's input: itself when it may be given away and covers its whole buffer, else a copy. */
function jobInput(view: Uint8Array, giveAway: boolean): Uint8Array<ArrayBuffer> {
  return giveAway ? owning(view) : copyOf(view);
}

/**
 * Opens a sealed object; with `checkId`, also checks the plaintext has that content id (a blob). With
 * `giveAway`, the caller is done with `sealed`: its buffer may be moved to the worker instead of copied.
 */
export async function open(keys: MasterKeys, name: string, sealed: Buffer, checkId?: string, giveAway = false): Promise<Buffer> {
  if (openInline(sealed)) return openSync(keys, name, sealed, checkId);
  const input = jobInput(sealed, giveAway);
  const result = await sealingPool().run({ op: 'open', keys: keysFor(keys), name, sealed: input, checkId }, [input.buffer]);
  return asBuffer(result.plaintext);
}

/**
 * Opens a blob and checks it against its id, on a worker, without sending its plaintext back (verify and
 * prune only need to know it is sound). Resolves with the plaintext's size.
 */
export async function checkBlob(keys: MasterKeys, id: string, sealed: Buffer): Promise<number> {
  if (sealed.length < INLINE_BELOW) return openSync(keys, id, sealed, id).length;
  const input = jobInput(sealed, false);
  return (await sealingPool().run({ op: 'checkBlob', keys: keysFor(keys), id, sealed: input }, [input.buffer])).size;
}

/** contentId() (and, when asked, the plain SHA-256), computed on a worker. */
export async function contentIdAsync(keys: MasterKeys, plaintext: Buffer): Promise<string> {
  return (await hashes(keys, plaintext, false)).id;
}

export async function hashes(keys: MasterKeys, plaintext: Buffer, withSha256: boolean): Promise<{ id: string; sha256?: string }> {
  if (plaintext.length < INLINE_BELOW) return { id: contentId(keys, plaintext), sha256: withSha256 ? sha256(plaintext) : undefined };
  const data = copyOf(plaintext);
  const result = await sealingPool().run({ op: 'contentId', keys: keysFor(keys), data, sha256: withSha256 }, [data.buffer]);
  return result;
}

/**
 * Seals a whole file's content as one blob named by its content id, on a worker; `data` is moved there.
 * While every worker has its fill of jobs and more wait, the main thread seals it itself: it would
 * otherwise only wait for them (half idle in a cold first backup's profile, its workers blocked on the
 * disk by listing jobs), and it makes a third sealer on two cores without a third worker's 22-33 MiB.
 * A small file takes well under a millisecond. Measured, cold first backup of a 1 GiB store, 2 cores, two
 * runs of 6 pairs: 7.96 and 8.32 s against 8.64 and 9.07 s (medians), 5-6% less CPU, peak 176-177 MiB
 * against 186-188.
 */
export async function sealFile(keys: MasterKeys, data: Buffer, version: SealVersion): Promise<SealedFile> {
  if (sealingPool().saturated) return sealFileHere(keys, data, version);
  const moved = owning(data);
  const result = await sealingPool().run({ op: 'sealFile', keys: keysFor(keys), data: moved, version }, [moved.buffer]);
  return { size: result.size, sha256: result.sha256, id: result.id, sealed: [asBuffer(result.header), asBuffer(result.body)] };
}

function sealFileHere(keys: MasterKeys, data: Buffer, version: SealVersion): SealedFile {
  const file = sealFileSync(keys, data, undefined, version);
  freeNow(data); // as if moved to a worker: the caller is done with it
  return file;
}

/**
 * Opens the blobs lying in `span` (bytes of one pack, from offset `spanStart`) on a worker, checks each
 * against its id, and writes each whole into its files with their mode, time and owner. The span is
 * given away: the caller must not use it again.
 */
export async function writeFilesFromSpan(keys: MasterKeys, span: Buffer, spanStart: number, blobs: SpanBlob[]): Promise<{ bytes: number; files: number }> {
  const owned = jobInput(span, true);
  const result = await sealingPool().run({ op: 'writeFiles', keys: keysFor(keys), span: owned, spanStart, blobs }, [owned.buffer]);
  return { bytes: result.bytes, files: result.files };
}

/**
 * Computes a pack's id (HMAC-SHA256 of every byte, its parts in order) on a worker, and the `checksum` a
 * store checks saves with when asked, and gives the parts back unjoined: no pack-sized buffer is ever
 * allocated. The parts are moved to the worker and back; each must own its buffer (sealed blobs do), or it
 * is copied.
 */
export async function hashPack(keys: MasterKeys, parts: Buffer[], checksum?: SaveChecksum): Promise<{ id: string; parts: Buffer[]; md5?: string; crc32?: number }> {
  const inputs = parts.map((part) => jobInput(part, true));
  const result = await sealingPool().run({ op: 'hashPack', keys: keysFor(keys), parts: inputs, checksum }, inputs.map((p) => p.buffer));
  return { id: result.id, parts: result.parts.map(asBuffer), md5: result.md5, crc32: result.crc32 };
}

/**
 * Opens a chunk on a worker, checks it against its id and writes it at the current position of `fd`;
 * resolves with its size. The sealed buffer is given away. One file's chunks must be sent one at a time.
 */
export async function writeChunkTo(keys: MasterKeys, id: string, sealed: Buffer, fd: number): Promise<number> {
  const input = jobInput(sealed, true);
  const result = await sealingPool().run({ op: 'writeChunk', keys: keysFor(keys), id, sealed: input, fd }, [input.buffer]);
  return result.size;
}

/** A short public fingerprint of the master keys, to tell keys apart without revealing them. */
export function fingerprint(keys: MasterKeys): string {
  const hex = createHmac('sha256', keys.id).update('mmbackup key fingerprint').digest('hex').slice(0, 24);
  return hex.match(/.{4}/g)!.join(':');
}
