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
import { BlobSlots, BlobTable, type IndexedPack } from './blob-table';

export type { IndexedPack } from './blob-table';

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

/** An index file's packs go straight into columns: the parsed JSON of one file is all that is ever held as objects. */
function decodeIndexFile(plaintext: Buffer): { supersedes: string[]; packs: BlobTable } {
  const json = JSON.parse(plaintext.toString()) as IndexFileJson;
  const packs = new BlobTable();
  packs.reserve(json.packs.reduce((blobs, p) => blobs + p.blobs.length, 0));
  for (const p of json.packs) packs.appendListed(p.id, p.size, p.blobs);
  return { supersedes: json.supersedes ?? [], packs };
}

/** Where a blob lies. */
export interface BlobLocation {
  packId: string;
  packSize: number;
  offset: number;
  length: number;
}

/**
 * Which pack holds each blob. A pack is known once (by its id, which is a MAC of its bytes); a blob stored
 * in several packs is found in the first one added.
 */
export class BlobIndex {
  /** Index files in effect (not superseded). */
  readonly files: string[] = [];
  private readonly table = new BlobTable();
  private readonly slots = new BlobSlots(this.table);
  private readonly packNumbers = new Map<string, number>();

  addPack(pack: IndexedPack): void {
    if (this.packNumbers.has(pack.id)) return;
    // Through a table of its own: append() throws at a bad id half-way, which must leave this index as it was.
    const one = new BlobTable();
    one.append(pack);
    this.addPacks(one);
  }

  /** Adds every pack of `packs` not known yet. */
  addPacks(packs: BlobTable): void {
    for (let number = 0; number < packs.packIds.length; number++) {
      if (this.packNumbers.has(packs.packIds[number])) continue;
      const here = this.table.copyPack(packs, number);
      this.packNumbers.set(packs.packIds[number], here);
      const [first, end] = this.table.blobRange(here);
      for (let at = first; at < end; at++) this.slots.insert(at);
    }
  }

  /** Makes room for `blobs` more at once (growing as they come left copies behind). */
  reserve(blobs: number): void {
    this.table.reserve(blobs);
    this.slots.reserve(blobs);
  }

  has(id: string): boolean {
    return this.slots.find(id) >= 0;
  }

  lookup(id: string): BlobLocation | undefined {
    const at = this.slots.find(id);
    if (at < 0) return undefined;
    const { table } = this;
    const pack = table.packOf[at];
    return { packId: table.packIds[pack], packSize: table.packSizes[pack], offset: table.offsets[at], length: table.lengths[at] };
  }

  get blobCount(): number {
    return this.slots.size;
  }

  get packCount(): number {
    return this.packNumbers.size;
  }

  hasPack(id: string): boolean {
    return this.packNumbers.has(id);
  }

  /** A pack with its blobs as index files list them, built when asked. */
  pack(id: string): IndexedPack | undefined {
    const number = this.packNumbers.get(id);
    return number === undefined ? undefined : this.table.pack(number);
  }

  packIds(): IterableIterator<string> {
    return this.packNumbers.keys();
  }

  /** Every pack, each built when reached: one pack's objects at a time. */
  *eachPack(): IterableIterator<IndexedPack> {
    for (const number of this.packNumbers.values()) yield this.table.pack(number);
  }
}

/** An index file that cannot be read; without onDamaged it rejects the load. */
export type DamagedIndex = (name: string, err: Error) => void;

/**
 * Loads every index file under index/ (as many at once as the destination has connections) and returns
 * the index of those not superseded. `open` unseals one file by name.
 */
export async function loadBlobIndex(destination: Destination, open: (name: string) => Promise<Buffer>, onDamaged?: DamagedIndex): Promise<BlobIndex> {
  const loaded = new Map<string, { supersedes: string[]; packs: BlobTable }>();
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
  const inEffect = [...loaded.entries()].filter(([name]) => !superseded.has(name)).sort(([a], [b]) => byCodeUnits(a, b));
  const index = new BlobIndex();
  index.reserve(inEffect.reduce((blobs, [, file]) => blobs + file.packs.blobCount, 0));
  for (const [name, file] of inEffect) {
    index.files.push(name);
    index.addPacks(file.packs);
  }
  for (const file of loaded.values()) file.packs.free();
  return index;
}
