/**
 * Blob storage of a format-2 repository: blobs go into pack files (./pack.ts) of about `packSize` bytes,
 * and the packs into index files (./blob-index.ts). What is stored is known from the index files alone:
 * no listing of the data.
 *
 * Writing: save() seals a blob and appends it to the pack being filled; a full pack is stored (at most
 * PACK_UPLOADS at once, which bounds memory to a few packs) and its blobs enter the in-memory index;
 * every PACKS_PER_INDEX packs or BLOBS_PER_INDEX blobs, and at flush(), an index file names the packs
 * stored since the last one.
 * A blob is only ever in a snapshot after flush() resolved: packs first, then their index, then (the
 * caller's job) the manifest. A run killed before its index leaves packs no index names, which prune
 * reclaims; one killed before its manifest leaves indexed blobs no snapshot names, which prune reclaims.
 */
import type { Destination } from '../destinations/destination';
import { Semaphore } from '../destinations/sema';
import { BlobIndex, encodeIndexFile, loadBlobIndex, newIndexName, type DamagedIndex, type IndexedPack } from './blob-index';
import { checkBlob, DecryptError, open, sealParts, writeChunkTo, writeFilesFromSpan, type MasterKeys, type SpanBlob } from './crypto';
import { PackBuilder, packName, readPack, type FinishedPack, type PackedBlob } from './pack';
import { eachReadAhead, pieceEnd, scanPack, SPAN_PIECE_BYTES, spanPieces } from './pack-pieces';

/** Default target size of a pack. */
export const DEFAULT_PACK_SIZE = 8 * 1024 * 1024;
/** Packs being stored at once: each is held whole until stored. */
const PACK_UPLOADS = 2;
/** Packs named per index file written during a backup (so a killed run loses little). */
const PACKS_PER_INDEX = 64;
/**
 * Blobs named per index file written during a backup, whatever the packs: until its index file is written,
 * a blob is an object in memory, and 64 packs of thumbnails are 300,000 of them (a first backup of 300,000
 * files of 0.2-3 KB held them all, then their index file as one string, to the end).
 */
const BLOBS_PER_INDEX = 50_000;

/** When an index file is written during a backup (a test makes them small). */
export interface IndexFileLimits {
  packs: number;
  blobs: number;
}

export class BlobNotIndexedError extends Error {}

export class PackedBlobs {
  index = new BlobIndex();
  /** The first index load, shared by every caller that needs it before loadIndex() was called. */
  private loading?: Promise<void>;
  private current = new PackBuilder();
  /** Blobs this process saved or is saving that no index file names yet: id -> where to read it meanwhile. */
  private readonly pending = new Map<string, { pack: PackBuilder; at: number }>();
  private readonly unindexed: IndexedPack[] = [];
  private readonly uploads = new Semaphore(PACK_UPLOADS);
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * Awaited right before each index file is written (a writer sets its lock's check()): an index file
   * makes packs visible, and one written after the lock was lost could name packs a prune that took over
   * has deleted as unindexed.
   */
  beforeIndexWrite?: () => Promise<void>;

  constructor(
    private readonly destination: Destination,
    private readonly keys: MasterKeys,
    private readonly packSize: number,
    private readonly openSealed: (name: string) => Promise<Buffer>,
    private readonly saveSealed: (name: string, plaintext: Buffer) => Promise<void>,
    private readonly indexEvery: IndexFileLimits = { packs: PACKS_PER_INDEX, blobs: BLOBS_PER_INDEX },
  ) {}

  /**
   * Reads the index files afresh (a writer calls this under the repository lock, so what another process
   * added or pruned meanwhile is seen). Whatever this process had not flushed is forgotten: an operation
   * that failed before its flush leaves nothing it could wrongly count as stored.
   */
  async loadIndex(onDamaged?: DamagedIndex): Promise<void> {
    const index = await loadBlobIndex(this.destination, this.openSealed, onDamaged);
    this.index = index;
    this.current = new PackBuilder();
    this.pending.clear();
    this.unindexed.length = 0;
    this.loading ??= Promise.resolve();
  }

  private ensureLoaded(): Promise<void> {
    this.loading ??= this.loadIndex();
    return this.loading;
  }

  has(id: string): boolean {
    return this.index.has(id) || this.pending.has(id);
  }

  /**
   * Stores one blob unless it is stored. Returns the sealed bytes added (0 when deduplicated). With
   * `giveAway`, the plaintext's buffer may be moved to a worker, not copied.
   */
  save(id: string, plaintext: Buffer, giveAway = false): Promise<number> {
    return this.add(id, () => sealParts(this.keys, id, plaintext, undefined, 2, giveAway));
  }

  /** save() of a blob sealed already (by a worker that read the file), under its content id. */
  saveSealedBlob(id: string, sealed: [Buffer, Buffer]): Promise<number> {
    return this.add(id, async () => sealed);
  }

  private async add(id: string, sealing: () => Promise<[Buffer, Buffer]>): Promise<number> {
    await this.ensureLoaded();
    if (this.has(id)) return 0;
    // Full packs wait here, not in memory: while as many packs are being stored as can go at once, no blob
    // is added. Without this, a slow destination lets every file being captured fill pack after pack
    // behind the uploads (8 MiB each, as many as files in flight). Letting one more full pack wait its turn
    // was no faster (S3 and disk, 4 pairs each) and held 8 MiB more.
    while (this.inFlight.size >= PACK_UPLOADS) await Promise.race(this.inFlight);
    const sealed = await sealing();
    if (this.has(id)) return 0; // a concurrent save of the same blob won while this one was sealing
    const pack = this.current;
    const bytes = sealed[0].length + sealed[1].length; // the pack may free small parts as it copies them
    pack.add(id, sealed);
    this.pending.set(id, { pack, at: pack.blobs.length - 1 });
    if (pack.size >= this.packSize) await this.storePack();
    return bytes;
  }

  /** Stores the pack being filled, if it holds anything; resolves once stored (and indexed in memory). */
  private async storePack(): Promise<void> {
    const pack = this.current;
    if (pack.blobs.length === 0) return;
    this.current = new PackBuilder();
    const storing = this.uploads.run(async () => {
      const finished = await pack.finish(this.keys, this.destination.checksWith);
      const { id, parts, size, blobs, md5, crc32 } = finished;
      await this.destination.save(packName(id), parts, { md5, crc32 });
      const indexed: IndexedPack = { id, size, blobs };
      this.index.addPack(indexed);
      this.unindexed.push(indexed);
      for (const blob of blobs) this.pending.delete(blob.id);
      pack.freeStored(finished); // read from the store from now on: 8 MiB less for the collector to find
    });
    const tracked = storing.catch((err) => {
      for (const blob of pack.blobs) this.pending.delete(blob.id); // not stored: must be saved again
      throw err;
    });
    const settled = tracked.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    await tracked;
    const unindexedBlobs = this.unindexed.reduce((sum, pack) => sum + pack.blobs.length, 0); // 64 packs at the most
    if (this.unindexed.length >= this.indexEvery.packs || unindexedBlobs >= this.indexEvery.blobs) await this.writeIndex();
  }

  private async writeIndex(): Promise<void> {
    if (this.unindexed.length === 0) return;
    await this.beforeIndexWrite?.();
    if (this.unindexed.length === 0) return; // a pack stored meanwhile wrote them (two are stored at once)
    const packs = this.unindexed.splice(0);
    const name = newIndexName();
    try {
      await this.saveSealed(name, encodeIndexFile(packs));
    } catch (err) {
      this.unindexed.unshift(...packs);
      throw err;
    }
    this.index.files.push(name);
  }

  /** Stores the last pack, waits for every pack in flight, and writes the index file of what was stored. */
  async flush(): Promise<void> {
    await this.storePack();
    await Promise.all([...this.inFlight]);
    if (this.pending.size > 0) throw new Error(`${this.pending.size} blob(s) could not be stored in a pack`);
    await this.writeIndex();
  }

  /** Loads, authenticates and checks one blob against its content address. */
  async load(id: string): Promise<Buffer> {
    const waiting = this.pending.get(id);
    if (waiting) return open(this.keys, id, await waiting.pack.sealedAt(waiting.at), id);
    const { sealed, describe } = await this.loadSealed(id);
    return this.named(describe, () => open(this.keys, id, sealed, id, true));
  }

  /**
   * Writes the blobs `ids` in order at the current position of the open file `fd`, each opened and checked
   * against its id on a worker (the main thread never holds their plaintext), the next one read while one
   * is written. Resolves with the bytes written.
   */
  async writeBlobsTo(ids: string[], fd: number): Promise<number> {
    let size = 0;
    await eachReadAhead(ids, (id) => this.loadSealed(id), async ({ sealed, describe }, id) => {
      size += await this.named(describe, () => writeChunkTo(this.keys, id, sealed, fd));
    });
    return size;
  }

  /** Reads a stored blob's sealed bytes; where it lies, for error messages. */
  private async loadSealed(id: string, retried = false): Promise<{ sealed: Buffer; describe: string }> {
    await this.ensureLoaded();
    const where = this.index.lookup(id);
    if (!where) throw new BlobNotIndexedError(`blob ${id} is in no index file of the repository`);
    const name = packName(where.packId);
    try {
      const sealed = await this.destination.load(name, { offset: where.offset, length: where.length });
      return { sealed, describe: `blob ${id} at offset ${where.offset} of ${name}` };
    } catch (err) {
      // A prune in another process may have repacked it: an index read now says where it went.
      if (!this.destination.isNotFound(err) || retried || this.pending.size > 0 || this.unindexed.length > 0 || this.inFlight.size > 0) throw err;
      await this.loadIndex();
      return this.loadSealed(id, true);
    }
  }

  /** Runs `work`; a blob that fails to open is named with where it lies. */
  private async named<T>(describe: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof DecryptError) throw new DecryptError(`${describe}: ${err.message}`);
      throw err;
    }
  }

  /** Checks a blob in sealed bytes already read against its id: its size. */
  checkBlob(id: string, sealed: Buffer): Promise<number> {
    return checkBlob(this.keys, id, sealed);
  }

  /**
   * Restores whole files from one pack, `blobs` in position order: reads the span from the first blob
   * listed to the end of the last in pieces of at most SPAN_PIECE_BYTES (one request each, the next one
   * read while a worker opens and checks each blob of one and writes it to its files).
   */
  async writeFiles(pack: string, blobs: SpanBlob[]): Promise<{ bytes: number; files: number }> {
    const name = packName(pack);
    const written = { bytes: 0, files: 0 };
    await eachReadAhead(
      spanPieces(blobs, SPAN_PIECE_BYTES),
      async (piece) => this.destination.load(name, { offset: piece[0].offset, length: pieceEnd(piece) - piece[0].offset }),
      async (span, piece) => {
        const { bytes, files } = await writeFilesFromSpan(this.keys, span, piece[0].offset, piece);
        written.bytes += bytes;
        written.files += files;
      },
    );
    return written;
  }

  /** Seals the header of a pack built elsewhere (prune's repacking) and gives its bytes and id. */
  finishPack(pack: PackBuilder): Promise<FinishedPack> {
    return pack.finish(this.keys, this.destination.checksWith);
  }

  /** Reads a stored pack in pieces, blob by blob, and checks it whole (./pack-pieces.ts scanPack). */
  scanPack(pack: IndexedPack, onBlob: (blob: PackedBlob, sealed: Buffer) => Promise<void>, onBytes: (count: number) => void): Promise<PackedBlob[]> {
    return scanPack(this.destination, this.keys, pack, onBlob, onBytes);
  }

  /** Checks a whole pack against its id and returns its header's blob list (./pack.ts readPack). */
  readPack(id: string, bytes: Buffer): Promise<PackedBlob[]> {
    return readPack(this.keys, id, bytes);
  }
}
