/**
 * Pack files (format 2): many sealed blobs in one stored object of a few MiB, so 100,000 small attachments
 * are a few hundred objects, not 100,000, and object sizes no longer tell file sizes.
 *
 *   blob 1 | blob 2 | ... | blob n | header | header length (uint32, little-endian)
 *
 * - Each blob is sealed on its own (./crypto.ts, layout 2, associated data: the blob id), so a reader can
 *   fetch one blob with a ranged read and authenticate it alone.
 * - The header is sealed (associated data "pack-header") and lists every blob: [id, offset, length]. It
 *   makes a pack self-describing: the index can be rebuilt from the packs, and verify checks that the
 *   index and the pack agree.
 * - The pack's id, and so its name data/<xx>/<id>, is HMAC-SHA256 under the id key of every byte of the
 *   pack: reading a pack whole authenticates it whole, header, flags and length included. A pack renamed,
 *   truncated or with any byte changed no longer matches its name.
 */
import { freeNow } from '../common/free-now';
import type { SaveChecksum } from '../destinations/destination';
import { contentIdAsync, DecryptError, hashPack, open, seal, type MasterKeys } from './crypto';

/** Where a blob lies in its pack. */
export interface PackedBlob {
  id: string;
  offset: number;
  length: number;
}

/**
 * A pack ready to store (under packName(id)): its id, its bytes as the parts to write one after the other
 * (never joined into one buffer), their total size, its blobs, and the checksum the store asked for.
 */
export interface FinishedPack {
  id: string;
  parts: Buffer[];
  size: number;
  blobs: PackedBlob[];
  md5?: string;
  crc32?: number;
}

export const PACK_HEADER_NAME = 'pack-header';
const LENGTH_BYTES = 4;

export function packName(id: string): string {
  return `data/${id.slice(0, 2)}/${id}`;
}

export const PACK_NAME = /^data\/([0-9a-f]{2})\/(\1[0-9a-f]{62})$/;

/** The id a pack's bytes must have: HMAC-SHA256 under the id key, hex (computed on a sealing worker). */
export function packId(keys: MasterKeys, bytes: Buffer): Promise<string> {
  return contentIdAsync(keys, bytes);
}

/**
 * Sealed parts smaller than this are copied into pieces of PIECE_BYTES and freed: a pack of 8 MiB of tiny
 * files (100,000 of them, each sealed as two small buffers) then holds 32 buffers until it is stored, not
 * 200,000. A part this size or larger is kept as it is. Measured (first backups, 2 cores): 100,000 tiny files
 * 13 s and 197 MB at the peak against 22 s and 400-445 MB; the bench's 1 GiB store the same time, 5 MB more.
 * Copying only parts under 4 KiB (a small file's header, its body kept) fragmented the one malloc arena
 * (../common/malloc-tuning.ts): 220-240 MB and 10% slower on that store; not freeing the copied parts, 235 MB
 * for the tiny files.
 */
const COPY_BELOW = 64 * 1024;
const PIECE_BYTES = 256 * 1024;

/** Collects sealed blobs in order; finish() adds the header and gives the pack's bytes and id. */
export class PackBuilder {
  readonly blobs: PackedBlob[] = [];
  private parts: Buffer[] = [];
  /** The piece being filled with small parts (not in `parts` yet), and how much of it is. */
  private piece?: Buffer;
  private pieceUsed = 0;
  size = 0;

  /**
   * Appends one sealed blob (whole, or as the parts sealParts() gives) and returns where it lies. The pack
   * takes the parts: a small one is copied and its buffer freed (the caller must not read it again).
   */
  add(id: string, sealed: Buffer | Buffer[]): PackedBlob {
    const parts = Array.isArray(sealed) ? sealed : [sealed];
    const length = parts.reduce((sum, p) => sum + p.length, 0);
    const blob = { id, offset: this.size, length };
    for (const part of parts) {
      if (part.length >= COPY_BELOW) {
        this.endPiece();
        this.parts.push(part);
        continue;
      }
      for (let from = 0; from < part.length; ) {
        if (!this.piece || this.pieceUsed === this.piece.length) {
          this.endPiece();
          this.piece = Buffer.allocUnsafeSlow(PIECE_BYTES);
        }
        const n = part.copy(this.piece, this.pieceUsed, from);
        this.pieceUsed += n;
        from += n;
      }
      freeNow(part);
    }
    this.blobs.push(blob);
    this.size += length;
    return blob;
  }

  /** Moves the piece being filled into the parts. */
  private endPiece(): void {
    if (this.piece && this.pieceUsed > 0) this.parts.push(this.pieceUsed === this.piece.length ? this.piece : this.piece.subarray(0, this.pieceUsed));
    this.piece = undefined;
    this.pieceUsed = 0;
  }

  /**
   * The sealed bytes of a blob added here, for reads before the pack is stored: a copy, so the parts stay
   * this pack's alone and can be freed once stored.
   */
  async sealedAt(index: number): Promise<Buffer> {
    const { offset, length } = this.blobs[index];
    this.reading++;
    try {
      const parts = this.hashed ? await this.hashed : this.piece ? [...this.parts, this.piece.subarray(0, this.pieceUsed)] : this.parts;
      // Parts are in blob order; a blob may start inside a part (a piece) and go on into the next ones.
      const mine = Buffer.allocUnsafe(length);
      let start = 0;
      for (const part of parts) {
        const end = start + part.length;
        if (end > offset && start < offset + length) {
          const from = Math.max(offset, start);
          part.copy(mine, from - offset, from - start, Math.min(end, offset + length) - start);
        }
        if (end >= offset + length) break;
        start = end;
      }
      return mine;
    } finally {
      this.reading--;
    }
  }

  /** The parts, once finish() moved them to a worker to hash (they are back when this resolves). */
  private hashed?: Promise<Buffer[]>;
  /** sealedAt() calls between their start and their copy: the parts must not be freed under them. */
  private reading = 0;

  /** Frees the stored pack's parts now rather than at a collection, unless a read is copying from them. */
  freeStored(pack: FinishedPack): void {
    if (this.reading === 0) for (const part of pack.parts) freeNow(part);
  }

  /** Seals the header and computes the pack's id, and the `checksum` of a store that checks saves with one. */
  async finish(keys: MasterKeys, checksum?: SaveChecksum): Promise<FinishedPack> {
    const table = JSON.stringify(this.blobs.map((b) => [b.id, b.offset, b.length]));
    const header = await seal(keys, PACK_HEADER_NAME, Buffer.from(table), undefined, 2);
    const length = Buffer.alloc(LENGTH_BYTES);
    length.writeUInt32LE(header.length);
    // Hashed on a worker: the parts are moved to it and back, so reads meanwhile wait for them.
    this.endPiece();
    const hashing = hashPack(keys, [...this.parts, header, length], checksum);
    this.parts = [];
    this.hashed = hashing.then(({ parts }) => parts);
    this.hashed.catch(() => {}); // the caller of finish() gets the failure
    const { id, parts, md5, crc32 } = await hashing;
    return { id, parts, size: this.size + header.length + LENGTH_BYTES, blobs: this.blobs, md5, crc32 };
  }
}

/**
 * Checks a whole pack against its id and reads its header: the blobs it holds. Throws a DecryptError that
 * says what is wrong (modified bytes, a damaged header, blobs outside the pack).
 */
export async function readPack(keys: MasterKeys, id: string, bytes: Buffer): Promise<PackedBlob[]> {
  if ((await packId(keys, bytes)) !== id) throw packMismatch(id, bytes.length);
  return readHeader(keys, id, bytes, 0);
}

export function packMismatch(id: string, size: number): DecryptError {
  return new DecryptError(`${packName(id)} does not match its id: ${size} bytes, modified or damaged (or truncated)`);
}

/**
 * The header of pack `id` from `tail`, the pack's bytes from offset `tailStart` to its end (the whole pack
 * when 0). The header must lie in the tail, and every blob it lists before the header.
 */
export async function readHeader(keys: MasterKeys, id: string, tail: Buffer, tailStart: number): Promise<PackedBlob[]> {
  const name = packName(id);
  if (tail.length < LENGTH_BYTES) throw new DecryptError(`${name} is too short to be a pack`);
  const headerLength = tail.readUInt32LE(tail.length - LENGTH_BYTES);
  const headerStart = tail.length - LENGTH_BYTES - headerLength; // in the tail
  if (tailStart + headerStart < 0) throw new DecryptError(`${name} has a header length of ${headerLength} bytes, more than the pack holds`);
  if (headerStart < 0) throw new DecryptError(`${name} has its header at offset ${tailStart + headerStart}, among the blobs the index places before ${tailStart}`);
  const table = JSON.parse((await open(keys, PACK_HEADER_NAME, tail.subarray(headerStart, tail.length - LENGTH_BYTES))).toString()) as Array<[string, number, number]>;
  const blobs = table.map(([blobId, offset, length]) => ({ id: blobId, offset, length }));
  for (const blob of blobs) {
    if (blob.offset < 0 || blob.offset + blob.length > tailStart + headerStart) throw new DecryptError(`${name} lists blob ${blob.id} outside its data`);
  }
  return blobs;
}
