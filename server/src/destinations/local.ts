/**
 * A repository in a local directory (or any mounted file system: NFS, a USB disk).
 * Atomic writes: a temporary file in the same directory, fsync, rename, fsync of the directory. Temporary
 * names start with ".tmp-" so that list() skips them and prune can reclaim those left by a killed run.
 * Packs are written mostly past the page cache (./direct-write.ts), so a backup does not evict the host's.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { systemCode } from '../common/errors';
import { DIRECT_ALIGNMENT, DirectIoUnsupported, O_DIRECT, writeDirectPrefix } from './direct-write';
import { byteLength, partsFrom, partsOf, type Destination, type ObjectBytes, type SaveOptions, type StoredObject } from './destination';

export const TEMP_PREFIX = '.tmp-';

/** Writes in flight to a local repository: each waits on its own fsync, so a few overlap well. */
export const LOCAL_CONNECTIONS = 8;

/** Objects from this size on (packs) are written past the page cache; smaller ones are not worth a second open. */
const DIRECT_MIN = 1 << 20;

export class LocalDestination implements Destination {
  readonly location: string;
  readonly connections = LOCAL_CONNECTIONS;

  /** Large objects are written past the page cache (./direct-write.ts) until the file system refuses. */
  private directWrites = O_DIRECT !== undefined;

  constructor(private readonly root: string) {
    this.location = path.resolve(root);
  }

  private fullPath(name: string): string {
    if (name.includes('..') || path.isAbsolute(name)) throw new Error(`invalid object name: ${name}`);
    return path.join(this.root, name);
  }

  async save(name: string, data: ObjectBytes, options: SaveOptions = {}): Promise<void> {
    const target = this.fullPath(name);
    const dir = path.dirname(target);
    await fs.mkdir(dir, { recursive: true });
    if (options.exclusive) return this.saveExclusive(target, data);
    const temp = path.join(dir, `${TEMP_PREFIX}${path.basename(target)}-${randomBytes(6).toString('hex')}`);
    try {
      await this.writeDurably(temp, data);
      await fs.rename(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => {});
      throw err;
    }
    await syncDirectory(dir);
  }

  /**
   * Lock files: written whole to a temp name, then hard-linked to the name, which fails with EEXIST when
   * the name exists, so two writers can never both own it and a crash never leaves a partial file there.
   */
  private async saveExclusive(target: string, data: ObjectBytes): Promise<void> {
    const dir = path.dirname(target);
    const temp = path.join(dir, `${TEMP_PREFIX}${path.basename(target)}-${randomBytes(6).toString('hex')}`);
    try {
      await this.writeDurably(temp, data);
      await fs.link(temp, target);
    } finally {
      await fs.rm(temp, { force: true }).catch(() => {});
    }
    await syncDirectory(dir);
  }

  private async writeDurably(file: string, data: ObjectBytes): Promise<void> {
    const parts = partsOf(data);
    const size = byteLength(data);
    const handle = await fs.open(file, 'wx', 0o600);
    try {
      const direct = await this.writeDirectly(file, parts, size);
      await writeAll(handle, parts, direct);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const st = await fs.stat(file);
    if (st.size !== size) throw new Error(`short write to ${file}: ${st.size} of ${size} bytes`);
  }

  /** Writes the aligned start of a large object with O_DIRECT; returns how many bytes that wrote. */
  private async writeDirectly(file: string, parts: readonly Buffer[], size: number): Promise<number> {
    if (!this.directWrites || size < DIRECT_MIN) return 0;
    try {
      return await writeDirectPrefix(file, parts, size - (size % DIRECT_ALIGNMENT));
    } catch (err) {
      if (!(err instanceof DirectIoUnsupported)) throw err;
      this.directWrites = false;
      return 0;
    }
  }

  async load(name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const file = this.fullPath(name);
    if (!range) return fs.readFile(file);
    const handle = await fs.open(file, 'r');
    try {
      const buffer = Buffer.allocUnsafeSlow(range.length); // a buffer of its own, so it can be moved to a worker
      const { bytesRead } = await handle.read(buffer, 0, range.length, range.offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async stat(name: string): Promise<StoredObject> {
    const st = await fs.stat(this.fullPath(name));
    return { name, size: st.size, modified: st.mtime };
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const base = this.fullPath(prefix.replace(/\/+$/, ''));
    yield* walk(base, prefix.replace(/\/+$/, ''));
  }

  async remove(name: string): Promise<void> {
    await fs.rm(this.fullPath(name), { force: true });
  }

  isNotFound(err: unknown): boolean {
    return systemCode(err) === 'ENOENT';
  }

  isAlreadyExists(err: unknown): boolean {
    return systemCode(err) === 'EEXIST';
  }

  isPermanent(err: unknown): boolean {
    const code = systemCode(err);
    return code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC' || code === 'EROFS' || code === 'EDQUOT';
  }

  async freeSpace(): Promise<number | undefined> {
    try {
      const st = await fs.statfs(this.root);
      return st.bavail * st.bsize;
    } catch {
      return undefined;
    }
  }
}

/** Lists temporary files left behind by killed writers, for prune to reclaim. */
export async function* listTemporaryFiles(root: string): AsyncIterable<string> {
  for await (const entry of walk(root, '', true)) {
    if (path.basename(entry.name).startsWith(TEMP_PREFIX)) yield entry.name;
  }
}

/** At most this many buffers per writev call (Linux's IOV_MAX is 1024). */
const WRITEV_MAX = 1024;

/**
 * Writes the object `parts` make from byte `position` on, at that offset, with writev; after a short
 * write it goes on where it stopped.
 */
async function writeAll(handle: fs.FileHandle, parts: readonly Buffer[], position: number): Promise<void> {
  let rest = partsFrom(parts, position); // never an empty part, so a batch always has a byte to write
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest.slice(0, WRITEV_MAX), position);
    if (bytesWritten === 0) throw new Error('the file system wrote nothing and gave no error');
    position += bytesWritten;
    rest = partsFrom(rest, bytesWritten);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function* walk(dir: string, prefix: string, includeTemp = false): AsyncIterable<StoredObject> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (systemCode(err) === 'ENOENT' || systemCode(err) === 'ENOTDIR') return;
    throw err;
  }
  for (const entry of entries) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      yield* walk(full, name, includeTemp);
    } else if (entry.isFile() && (includeTemp || !entry.name.startsWith(TEMP_PREFIX))) {
      const st = await fs.stat(full);
      yield { name, size: st.size };
    }
  }
}
