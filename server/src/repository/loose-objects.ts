/**
 * Blob storage of a format-1 repository: every chunk its own sealed object, objects/<xx>/<id>. What is
 * stored is learnt by listing the 256 fan-out directories. Kept so that format-1 repositories stay
 * readable and writable; new repositories use packs (./packed-blobs.ts).
 */
import type { Destination } from '../destinations/destination';
import { connectionsOf, forEachLimited } from '../destinations/sema';
import { open, seal, type MasterKeys } from './crypto';

export function objectName(id: string): string {
  return `objects/${id.slice(0, 2)}/${id}`;
}

export class LooseObjects {
  /** Ids of objects known to be stored: filled by loadIndex() (under the lock) and by this process's own saves. */
  private known = new Set<string>();

  constructor(
    private readonly destination: Destination,
    private readonly keys: MasterKeys,
  ) {}

  /**
   * Lists the stored objects NOW, replacing what was known, so that save() skips only what is there. The
   * 256 fan-out directories are listed as many at a time as the destination has connections: on S3 one
   * listing pages through 1,000 keys per round trip, so a repository of 100,000 chunks would otherwise
   * wait for 100 round trips in a row.
   */
  async loadIndex(): Promise<void> {
    const fresh = new Set<string>();
    const fanOut = Array.from({ length: 256 }, (_, i) => `objects/${i.toString(16).padStart(2, '0')}/`);
    await forEachLimited(fanOut, connectionsOf(this.destination), async (prefix) => {
      for await (const object of this.destination.list(prefix)) fresh.add(object.name.slice(object.name.lastIndexOf('/') + 1));
    });
    this.known = fresh;
  }

  /** Objects removed (by prune): never trusted as stored again until a listing finds them. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.known.delete(id);
  }

  has(id: string): boolean {
    return this.known.has(id);
  }

  /** Stores one object unless it is stored; with `giveAway`, the plaintext's buffer may be moved to a worker, not copied. */
  save(id: string, plaintext: Buffer, giveAway = false): Promise<number> {
    return this.add(id, () => seal(this.keys, id, plaintext, undefined, 1, giveAway));
  }

  /** save() of a blob sealed already (layout 1, by a worker that read the file), under its content id. */
  saveSealedBlob(id: string, sealed: [Buffer, Buffer]): Promise<number> {
    return this.add(id, async () => Buffer.concat(sealed));
  }

  private async add(id: string, sealing: () => Promise<Buffer>): Promise<number> {
    if (this.known.has(id)) return 0;
    this.known.add(id); // claimed before the await so a concurrent save of the same chunk is skipped
    try {
      const sealed = await sealing();
      await this.destination.save(objectName(id), sealed);
      return sealed.length;
    } catch (err) {
      this.known.delete(id);
      throw err;
    }
  }

  async load(id: string): Promise<Buffer> {
    return open(this.keys, id, await this.destination.load(objectName(id)), id);
  }

  /** Every object is durable when its save resolves. */
  async flush(): Promise<void> {}
}
