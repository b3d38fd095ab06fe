/**
 * The blobs of the index (./blob-index.ts) in columns: per blob 32 bytes of id, its offset, its length
 * and the number of its pack, in typed arrays, and a hash table over the ids. No object per blob. Measured
 * for a million blobs (a million small files, or some 5 TB of chunks): 82 MB of array buffers and 129 MB
 * more resident memory, where an object, a location and a map entry per blob took 218 MB of heap and
 * 453 MB more resident memory; 300,000 blobs: 23 and 61 MB against 71 and 187 MB.
 */
import { freeNow, moveToLonger } from '../common/array-memory';
import type { PackedBlob } from './pack';

/** A pack as index files list it. */
export interface IndexedPack {
  id: string;
  size: number;
  blobs: PackedBlob[];
}

/**
 * Every blob id of format 2 (a content id) is 32 bytes as 64 lowercase hex digits. Upper-case digits are
 * read as lower case: no id is ever written so, and the blob's MAC check would refuse the other spelling.
 */
const ID_BYTES = 32;
const WORDS = ID_BYTES / 4;
const FIRST_CAPACITY = 256;

/** Writes the 32 bytes of `id` into `into` at `offset`; false when `id` is not 64 hex digits. */
function writeId(into: Buffer, offset: number, id: unknown): boolean {
  return typeof id === 'string' && id.length === ID_BYTES * 2 && into.write(id, offset, 'hex') === ID_BYTES;
}

/**
 * `array` with room for `needed` elements, a quarter more unless `exactly`; the old memory is freed at once.
 * Not double: a first backup's index grows blob by blob to its end, and a column twice as long as needed
 * was up to 24 bytes a blob of nothing. First backup of 300,000 small files, 3 pairs: peak 183.0-183.8 MiB
 * against 187.6-192.3 when doubling, in the same time (each growth is one copy of a few MB).
 */
function grown<T extends Float64Array | Uint32Array>(array: T, needed: number, exactly = false): T {
  if (needed <= array.length) return array;
  return moveToLonger(array, exactly ? needed : Math.max(needed, array.length + (array.length >> 2)));
}

/** Packs and their blobs, appended in order; a pack's blobs run from its first to the next pack's first. */
export class BlobTable {
  readonly packIds: string[] = [];
  readonly packSizes: number[] = [];
  readonly packFirst: number[] = [];
  blobCount = 0;
  /** Ids as 8 words each; `ids` is the same memory as bytes. */
  words = new Uint32Array(WORDS * FIRST_CAPACITY);
  ids = Buffer.from(this.words.buffer);
  offsets = new Float64Array(FIRST_CAPACITY);
  lengths = new Uint32Array(FIRST_CAPACITY);
  packOf = new Uint32Array(FIRST_CAPACITY);

  /** Appends a pack; throws when a blob id is not 64 hex digits (a damaged index file). Returns its number. */
  append(pack: IndexedPack): number {
    const number = this.startPack(pack.id, pack.size, pack.blobs.length);
    for (const blob of pack.blobs) this.put(pack.id, number, blob.id, blob.offset, blob.length);
    return number;
  }

  /** append() of a pack as an index file's JSON lists it: its blobs as [id, offset, length]. */
  appendListed(id: string, size: number, blobs: Array<[string, number, number]>): number {
    const number = this.startPack(id, size, blobs.length);
    for (const [blob, offset, length] of blobs) this.put(id, number, blob, offset, length);
    return number;
  }

  private put(packId: string, number: number, id: string, offset: number, length: number): void {
    const at = this.blobCount++;
    if (!writeId(this.ids, at * ID_BYTES, id)) {
      throw new Error(`pack ${packId} lists a blob id that is not 64 hex digits: ${JSON.stringify(String(id).slice(0, 80))}`);
    }
    this.offsets[at] = offset;
    this.lengths[at] = length;
    this.packOf[at] = number;
  }

  /** Appends pack `number` of `from`, blobs and all. Returns its number here. */
  copyPack(from: BlobTable, number: number): number {
    const [first, end] = from.blobRange(number);
    const here = this.startPack(from.packIds[number], from.packSizes[number], end - first);
    const at = this.blobCount;
    from.ids.copy(this.ids, at * ID_BYTES, first * ID_BYTES, end * ID_BYTES);
    this.offsets.set(from.offsets.subarray(first, end), at);
    this.lengths.set(from.lengths.subarray(first, end), at);
    this.packOf.fill(here, at, at + end - first);
    this.blobCount += end - first;
    return here;
  }

  /** Blob numbers [first, end) of pack `number`. */
  blobRange(number: number): [number, number] {
    return [this.packFirst[number], number + 1 < this.packFirst.length ? this.packFirst[number + 1] : this.blobCount];
  }

  blobId(at: number): string {
    return this.ids.toString('hex', at * ID_BYTES, (at + 1) * ID_BYTES);
  }

  /** Pack `number` as index files list it (an object per blob: for one pack at a time). */
  pack(number: number): IndexedPack {
    const [first, end] = this.blobRange(number);
    const blobs: PackedBlob[] = [];
    for (let at = first; at < end; at++) blobs.push({ id: this.blobId(at), offset: this.offsets[at], length: this.lengths[at] });
    return { id: this.packIds[number], size: this.packSizes[number], blobs };
  }

  /** Whether blob `at`'s id is the 8 words of `id` from `from` on. */
  idIs(at: number, id: Uint32Array, from = 0): boolean {
    const { words } = this;
    for (let i = 0, w = at * WORDS; i < WORDS; i++, w++) if (words[w] !== id[from + i]) return false;
    return true;
  }

  /** The first word of blob `at`'s id: ids are MACs, so it is as good as any hash of them. */
  hashOf(at: number): number {
    return this.words[at * WORDS];
  }

  /** Frees the columns now: for a table copied elsewhere and used no more. */
  free(): void {
    for (const column of [this.words, this.offsets, this.lengths, this.packOf]) freeNow(column);
    this.blobCount = 0;
  }

  /** Makes room for `blobs` more, exactly: for a count known ahead, such as an index file's. */
  reserve(blobs: number): void {
    this.growTo(this.blobCount + blobs, true);
  }

  private growTo(needed: number, exactly: boolean): void {
    if (needed * WORDS > this.words.length) {
      this.words = grown(this.words, needed * WORDS, exactly);
      this.ids = Buffer.from(this.words.buffer);
    }
    this.offsets = grown(this.offsets, needed, exactly);
    this.lengths = grown(this.lengths, needed, exactly);
    this.packOf = grown(this.packOf, needed, exactly);
  }

  private startPack(id: string, size: number, blobs: number): number {
    this.growTo(this.blobCount + blobs, false);
    this.packIds.push(id);
    this.packSizes.push(size);
    this.packFirst.push(this.blobCount);
    return this.packIds.length - 1;
  }
}

/** Blob ids to their first blob in a BlobTable: open addressing, linear probing, at most half full. */
export class BlobSlots {
  private slots = new Int32Array(FIRST_CAPACITY * 2); // blob number + 1; 0 is empty
  private used = 0;
  private readonly probeWords = new Uint32Array(WORDS);
  private readonly probe = Buffer.from(this.probeWords.buffer);

  constructor(private readonly table: BlobTable) {}

  get size(): number {
    return this.used;
  }

  /** Makes room for `blobs` more without a rehash on the way. */
  reserve(blobs: number): void {
    let capacity = this.slots.length;
    while ((this.used + blobs) * 2 > capacity) capacity *= 2;
    if (capacity > this.slots.length) this.rehash(capacity);
  }

  /** Adds blob `at` unless an earlier blob has its id (the first copy is the one found). */
  insert(at: number): void {
    this.reserve(1);
    const mask = this.slots.length - 1;
    for (let i = this.table.hashOf(at) & mask; ; i = (i + 1) & mask) {
      const there = this.slots[i];
      if (there === 0) {
        this.slots[i] = at + 1;
        this.used++;
        return;
      }
      if (this.table.idIs(there - 1, this.table.words, at * WORDS)) return;
    }
  }

  /** The blob number of `id`, or -1 (always for an id that is not 64 hex digits). */
  find(id: string): number {
    if (!writeId(this.probe, 0, id)) return -1;
    const { probeWords, table } = this;
    const mask = this.slots.length - 1;
    for (let i = probeWords[0] & mask; ; i = (i + 1) & mask) {
      const there = this.slots[i];
      if (there === 0) return -1;
      if (table.idIs(there - 1, probeWords)) return there - 1;
    }
  }

  private rehash(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (const there of old) {
      if (there === 0) continue;
      let i = this.table.hashOf(there - 1) & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = there;
    }
    freeNow(old);
  }
}
