/**
 * Restoring small files from a format-2 repository pack by pack (restic's restorer). A file under the
 * chunker's minimum size is one blob; one ranged read per such file would make 100,000 attachments
 * 100,000 requests. Instead the small files of a batch are grouped by the pack that holds their blob, each
 * pack is read once (the span from its first needed blob to its last, one request), a few packs at a time,
 * and its blobs are opened in position order and written to every file that has that content. Each blob
 * is authenticated and checked against its id as it is opened; each file's size is checked, then its
 * mode, owner and time are set. Files of several chunks (512 KiB and more) are streamed chunk by chunk
 * by the caller: their chunks are large, so their reads are few.
 *
 * Memory: one batch of file entries, and PACKS_AT_ONCE pack spans.
 */
import { promises as fs } from 'node:fs';
import type { Reporter } from '../common/reporter';
import { forEachLimited } from '../destinations/sema';
import { packName } from '../repository/pack';
import type { PackedBlobs } from '../repository/packed-blobs';
import type { Repository } from '../repository/repository';
import type { TreeEntry } from './tree';

type FileEntry = Extract<TreeEntry, { t: 'f' }>;

/** Small files restored per batch: bounds the memory the plan takes, whatever the size of the tree. */
export const FILES_PER_BATCH = 4000;
/** Packs read and written at once: each span is held in memory. */
const PACKS_AT_ONCE = 2;

interface SmallFile {
  entry: FileEntry;
  full: string;
}

export class PackRestorer {
  private batch: SmallFile[] = [];

  constructor(
    private readonly repository: Repository,
    private readonly finish: (entry: FileEntry, full: string) => Promise<void>,
    private readonly reporter: Reporter,
  ) {}

  /** Whether `entry` is restored here (a file of one blob, in a stored pack) rather than streamed. */
  takes(entry: FileEntry): boolean {
    return entry.b.chunks.length === 1 && (this.repository.blobs as PackedBlobs).index.has(entry.b.chunks[0]);
  }

  /** Queues a one-blob file (its directory must exist); a full batch is restored before this resolves. */
  async add(entry: FileEntry, full: string): Promise<void> {
    this.batch.push({ entry, full });
    if (this.batch.length >= FILES_PER_BATCH) await this.flush();
  }

  /** Restores every queued file. */
  async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    const index = (this.repository.blobs as PackedBlobs).index;
    const packs = new Map<string, Map<string, { offset: number; length: number; files: SmallFile[] }>>();
    for (const file of batch) {
      const id = file.entry.b.chunks[0];
      const where = index.lookup(id);
      if (!where) throw new Error(`blob ${id} of ${file.entry.p} is in no index file of the repository (run mmbackup verify --read-data)`);
      const inPack = packs.get(where.pack.id) ?? new Map();
      packs.set(where.pack.id, inPack);
      const blob = inPack.get(id) ?? { offset: where.offset, length: where.length, files: [] };
      inPack.set(id, blob);
      blob.files.push(file);
    }
    await forEachLimited(packs.entries(), PACKS_AT_ONCE, ([pack, needed]) => this.restorePack(pack, needed));
  }

  private async restorePack(pack: string, needed: Map<string, { offset: number; length: number; files: SmallFile[] }>): Promise<void> {
    const blobs = this.repository.blobs as PackedBlobs;
    const ordered = [...needed.entries()].sort((a, b) => a[1].offset - b[1].offset);
    const start = ordered[0][1].offset;
    const end = Math.max(...ordered.map(([, b]) => b.offset + b.length));
    const span = await this.repository.destination.load(packName(pack), { offset: start, length: end - start });
    for (const [id, blob] of ordered) {
      const plaintext = await blobs.openBlob(id, span.subarray(blob.offset - start, blob.offset - start + blob.length));
      for (const { entry, full } of blob.files) {
        if (plaintext.length !== entry.s) throw new Error(`${entry.p}: blob ${id} holds ${plaintext.length} bytes; the listing says ${entry.s}`);
        await fs.writeFile(full, plaintext, { mode: 0o600 });
        await this.finish(entry, full);
        this.reporter.bytes(entry.s);
      }
    }
  }
}
