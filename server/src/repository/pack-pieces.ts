/**
 * Reading a stored pack in pieces of at most SPAN_PIECE_BYTES, cut at blob boundaries, the next piece read
 * while one is used: what restore and verify hold of a pack is two pieces, whatever the pack size.
 */
import type { Destination } from '../destinations/destination';
import { freeNow } from '../common/free-now';
import { DecryptError, idHmac, type MasterKeys } from './sealing';
import { packMismatch, packName, readHeader, type PackedBlob } from './pack';
import type { IndexedPack } from './blob-index';

/**
 * Most bytes of a pack read at once. Reading each pack's span whole, a cold restore of 1 GiB of files
 * from S3 peaked at 192-214 MB (210 median, 4 runs), and in pieces of 2 MiB at 185-195 (189), no slower;
 * from disk at 162-168 MB against 173-176.
 */
export const SPAN_PIECE_BYTES = 2 * 1024 * 1024;

/** Blobs in position order cut into runs whose span is at most `maxBytes` (or one blob, if larger). */
export function spanPieces<T extends PackedBlob>(blobs: readonly T[], maxBytes: number): T[][] {
  const pieces: T[][] = [];
  for (const blob of blobs) {
    const piece = pieces.at(-1);
    if (piece && blob.offset + blob.length - piece[0].offset <= maxBytes) piece.push(blob);
    else pieces.push([blob]);
  }
  return pieces;
}

export function pieceEnd(piece: readonly PackedBlob[]): number {
  return Math.max(...piece.map((b) => b.offset + b.length));
}

/** Runs `use` on each item in order, with what `read` gave for it; the next item is read while one is used. */
export async function eachReadAhead<T, R>(items: readonly T[], read: (item: T) => Promise<R>, use: (value: R, item: T) => Promise<void>): Promise<void> {
  let next = items.length > 0 ? read(items[0]) : undefined;
  for (let i = 0; i < items.length; i++) {
    const value = await next!;
    next = i + 1 < items.length ? read(items[i + 1]) : undefined;
    next?.catch(() => {}); // awaited on the next turn; a failure of this one must not leave it unhandled
    await use(value, items[i]);
  }
}

/**
 * Reads every byte of a stored pack in order, in pieces: hands each blob the index places in it to
 * `onBlob` as its piece arrives, then checks the whole pack against its id (an HMAC over every byte, fed
 * piece by piece) and returns its header's blob list, as readPack() does for a pack read whole. Bytes
 * between the blobs the index names are read too. A pack whose index entry places blobs over each other or
 * past its end is refused before anything is read.
 */
export async function scanPack(destination: Destination, keys: MasterKeys, pack: IndexedPack, onBlob: (blob: PackedBlob, sealed: Buffer) => Promise<void>, onBytes: (count: number) => void): Promise<PackedBlob[]> {
  const name = packName(pack.id);
  const blobs = [...pack.blobs].sort((a, b) => a.offset - b.offset);
  for (let i = 0; i < blobs.length; i++) {
    const overlaps = i > 0 && blobs[i].offset < blobs[i - 1].offset + blobs[i - 1].length;
    if (blobs[i].offset < 0 || overlaps || blobs[i].offset + blobs[i].length > pack.size) throw new DecryptError(`the index places blob ${blobs[i].id} of ${name} over another blob or outside the pack`);
  }
  // Each piece reads from where the last one ended, so the gaps are read (and hashed) with the blobs.
  const ranges: Array<{ piece: PackedBlob[]; start: number; end: number }> = [];
  let start = 0;
  for (const piece of spanPieces(blobs, SPAN_PIECE_BYTES)) {
    const end = pieceEnd(piece);
    ranges.push({ piece, start, end });
    start = end;
  }
  const hmac = idHmac(keys);
  await eachReadAhead(
    ranges,
    (range) => destination.load(name, { offset: range.start, length: range.end - range.start }),
    async (bytes, range) => {
      onBytes(bytes.length);
      hmac.update(bytes);
      for (const blob of range.piece) await onBlob(blob, bytes.subarray(blob.offset - range.start, blob.offset - range.start + blob.length));
      freeNow(bytes);
    },
  );
  const tail = await destination.load(name, { offset: start, length: pack.size - start });
  onBytes(tail.length);
  if (hmac.update(tail).digest('hex') !== pack.id) throw packMismatch(pack.id, pack.size);
  return readHeader(keys, pack.id, tail, start);
}
