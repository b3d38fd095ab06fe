/**
 * Restoring small files from a format-2 repository pack by pack (restic's restorer). A file under the
 * chunker's minimum size is one blob; one ranged read per such file would make 100,000 attachments 100,000
 * requests. Instead the small files of a batch are grouped by the pack that holds their blob, each pack is
 * read once (the span from its first needed blob to its last, in pieces of a few MiB: one request each), a
 * few packs at a time, and a sealing worker opens its blobs in position order and writes each to every file
 * that has that content (../repository/workers/worker.ts): each blob is authenticated and checked against its
 * id, each file's size is checked, then its owner, mode and time are set. Files of several chunks (512 KiB
 * and more) are streamed chunk by chunk by the caller: their chunks are large, so their reads are few.
 *
 * Memory: one batch of file entries, and two pieces of a span for each of PACKS_AT_ONCE packs
 * (../repository/pack-pieces.ts SPAN_PIECE_BYTES).
 */
import type { Reporter } from '../common/reporter';
import { forEachLimited } from '../destinations/sema';
import type { FileTarget, SpanBlob } from '../repository/crypto';
import type { PackedBlobs } from '../repository/packed-blobs';
import type { Repository } from '../repository/repository';
import { defaultWorkerCount } from '../repository/workers/pool';
import type { FileEntry } from './tree';

/** Small files restored per batch: bounds the memory the plan takes, whatever the size of the tree. */
export const FILES_PER_BATCH = 4000;
/**
 * Packs read and written at once: one per sealing worker. Measured when each pack's span was read whole, a
 * third pack on two workers only held 8 MiB more: a cold restore of the 1 GiB bench store peaked at 192-199
 * MB resident with three and 184-188 MB with two, from S3 at 248-264 and 232-248 MB, no slower.
 */
const PACKS_AT_ONCE = defaultWorkerCount();

export class PackRestorer {
  private batch: FileTarget[] = [];
  private ids: string[] = [];

  /** `beforeWrite`: the files' directories exist once it resolved. */
  constructor(
    private readonly repository: Repository,
    private readonly reporter: Reporter,
    private readonly beforeWrite: () => Promise<void>,
  ) {}

  private get blobs(): PackedBlobs {
    return this.repository.blobs as PackedBlobs;
  }

  /** Whether `entry` is restored here (a file of one blob, in a stored pack) rather than streamed. */
  takes(entry: FileEntry): boolean {
    return entry.b.chunks.length === 1 && this.blobs.index.has(entry.b.chunks[0]);
  }

  /** Queues a one-blob file (one that takes() accepted); a full batch is restored before this resolves. */
  async add(entry: FileEntry, file: FileTarget): Promise<void> {
    this.batch.push(file);
    this.ids.push(entry.b.chunks[0]);
    if (this.batch.length >= FILES_PER_BATCH) await this.flush();
  }

  /** Restores every queued file. */
  async flush(): Promise<void> {
    const [batch, ids] = [this.batch, this.ids];
    [this.batch, this.ids] = [[], []];
    if (batch.length === 0) return;
    const packs = new Map<string, Map<string, SpanBlob>>();
    batch.forEach((file, i) => {
      const id = ids[i];
      const where = this.blobs.index.lookup(id);
      if (!where) throw new Error(`blob ${id} of ${file.path} is in no index file of the repository (run mmbackup verify --read-data)`);
      const inPack = packs.get(where.packId) ?? new Map<string, SpanBlob>();
      packs.set(where.packId, inPack);
      const blob = inPack.get(id) ?? { id, offset: where.offset, length: where.length, files: [] };
      inPack.set(id, blob);
      blob.files.push(file);
    });
    await this.beforeWrite();
    await forEachLimited(packs.entries(), PACKS_AT_ONCE, async ([pack, needed]) => {
      const written = await this.blobs.writeFiles(pack, [...needed.values()].sort((a, b) => a.offset - b.offset));
      this.reporter.bytes(written.bytes);
    });
  }
}
