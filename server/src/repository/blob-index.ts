/**
 * The index of a format-2 repository: which pack holds each blob, and where. It is stored as sealed
 * index files, index/<32 hex>, each the JSON
 *
 *   {"supersedes": ["<index name>", ...], "packs": [{"id": "<pack id>", "size": <bytes>, "blobs": [[id, offset, length], ...]}]}
 *
 * A backup adds index files for the packs it wrote; prune writes one covering every pack that remains and
 * names the files it replaces in "supersedes" before deleting them. Readers load every index file and skip
 * superseded ones, so an old index that could not be deleted yet (S3 Object Lock) never brings back a
 * pack prune removed. A backup reads this index instead of listing every object.
 */
import { randomBytes } from 'node:crypto';
import { byCodeUnits } from '../common/order';
import type { Destination } from '../destinations/destination';
import { connectionsOf, forEachLimited } from '../destinations/sema';
import type { PackedBlob } from './pack';

export interface IndexedPack {
  id: string;
  size: number;
  blobs: PackedBlob[];
}

interface IndexFileJson {
  supersedes: string[];
  packs: Array<{ id: string; size: number; blobs: Array<[string, number, number]> }>;
}

export const INDEX_PREFIX = 'index/';

export function newIndexName(): string {
  return `${INDEX_PREFIX}${randomBytes(16).toString('hex')}`;
}

export function encodeIndexFile(packs: IndexedPack[], supersedes: string[] = []): Buffer {
  const json: IndexFileJson = { supersedes, packs: packs.map((p) => ({ id: p.id, size: p.size, blobs: p.blobs.map((b) => [b.id, b.offset, b.length]) })) };
  return Buffer.from(JSON.stringify(json));
}

function decodeIndexFile(plaintext: Buffer): { supersedes: string[]; packs: IndexedPack[] } {
  const json = JSON.parse(plaintext.toString()) as IndexFileJson;
  return {
    supersedes: json.supersedes ?? [],
    packs: json.packs.map((p) => ({ id: p.id, size: p.size, blobs: p.blobs.map(([id, offset, length]) => ({ id, offset, length })) })),
  };
}

export interface BlobLocation {
  pack: IndexedPack;
  offset: number;
  length: number;
}

export class BlobIndex {
  readonly packs = new Map<string, IndexedPack>();
  /** Index files in effect (not superseded). */
  readonly files: string[] = [];
  private readonly blobs = new Map<string, BlobLocation>();

  addPack(pack: IndexedPack): void {
    this.packs.set(pack.id, pack);
    for (const blob of pack.blobs) if (!this.blobs.has(blob.id)) this.blobs.set(blob.id, { pack, offset: blob.offset, length: blob.length });
  }

  has(id: string): boolean {
    return this.blobs.has(id);
  }

  lookup(id: string): BlobLocation | undefined {
    return this.blobs.get(id);
  }

  get blobCount(): number {
    return this.blobs.size;
  }
}

/** An index file that cannot be read; without onDamaged it rejects the load. */
export type DamagedIndex = (name: string, err: Error) => void;

/**
 * Loads every index file under index/ (as many at once as the destination has connections) and returns
 * the index of those not superseded. `open` unseals one file by name.
 */
export async function loadBlobIndex(destination: Destination, open: (name: string) => Promise<Buffer>, onDamaged?: DamagedIndex): Promise<BlobIndex> {
  const loaded = new Map<string, { supersedes: string[]; packs: IndexedPack[] }>();
  await forEachLimited(destination.list(INDEX_PREFIX), connectionsOf(destination), async ({ name }) => {
    try {
      loaded.set(name, decodeIndexFile(await open(name)));
    } catch (err) {
      if (destination.isNotFound(err)) return; // replaced by a prune meanwhile; its successor is listed too
      if (!onDamaged) throw err;
      onDamaged(name, err as Error);
    }
  });
  const superseded = new Set([...loaded.values()].flatMap((file) => file.supersedes));
  const index = new BlobIndex();
  for (const [name, file] of [...loaded.entries()].sort(([a], [b]) => byCodeUnits(a, b))) {
    if (superseded.has(name)) continue;
    index.files.push(name);
    for (const pack of file.packs) index.addPack(pack);
  }
  return index;
}
