/**
 * A repository: content-addressed, sealed blobs on a Destination, plus keys, a sealed config and sealed
 * snapshot manifests. Layout and formats: docs/repository-format.md.
 *
 *   config              sealed JSON: format version, repository id, chunker seed and sizes, pack size
 *   keys/<id>           JSON key entries (./keys.ts): the master keys sealed by a passphrase or key file
 *   data/<xx>/<id>      format 2: pack files of sealed blobs (./pack.ts); id = HMAC-SHA256(id key, pack)
 *   index/<id>          format 2: sealed index files, blob -> pack, offset, length (./blob-index.ts)
 *   objects/<xx>/<id>   format 1: one sealed chunk each; id = HMAC-SHA256(id key, plaintext)
 *   snapshots/<id>      sealed manifests, written last (./snapshots.ts)
 *   locks/<id>          plain JSON locks (./lock.ts)
 *
 * A blob's id is HMAC-SHA256(id key, plaintext) in both formats, so manifests and tree listings are the
 * same; only where the blobs are kept differs (./loose-objects.ts for format 1, ./packed-blobs.ts for 2).
 */
import { randomBytes } from 'node:crypto';
import { ExitCode, MmBackupError } from '../common/errors';
import type { Destination } from '../destinations/destination';
import { DEFAULT_CHUNKER, type ChunkerParams } from './chunker';
import { DecryptError, contentId, fingerprint, hashes, open, seal, sealFile, type MasterKeys } from './crypto';
import { readWholeFile } from './read-whole';
import { LooseObjects, objectName } from './loose-objects';
import { DEFAULT_PACK_SIZE, PackedBlobs } from './packed-blobs';
import { generateMasterKeys, makeKeyEntry, openKeyEntry, parseKeyEntry, type KeyEntry, type Secret } from './keys';
import { StreamChunking } from './stream-chunking';

/** The newest format this version reads and writes. */
export const FORMAT_VERSION = 2;
/** The format of repositories init creates. */
export const NEW_REPOSITORY_FORMAT: 1 | 2 = 2;

export interface RepositoryConfig {
  formatVersion: number;
  id: string;
  created: string;
  chunker: ChunkerParams & { seed: string };
  /** Format 2: the target size of a pack file in bytes. */
  packSize?: number;
}

export interface InitOptions {
  /** Default NEW_REPOSITORY_FORMAT; 1 only to make format-1 repositories for tests. */
  formatVersion?: 1 | 2;
  /** Format 2: the target pack size (default 8 MiB; `mmbackup init --pack-size`). */
  packSize?: number;
}

export { objectName };

export class Repository {
  /** Where blobs are kept: loose objects (format 1) or packs and index files (format 2). */
  readonly blobs: LooseObjects | PackedBlobs;

  /**
   * Where problems that do not stop an operation go (an unreadable manifest skipped): the CLI and the
   * bridge point it at their reporter; by default a "warning:" line on stderr.
   */
  warn: (line: string) => void = (line) => process.stderr.write(`warning: ${line}\n`);

  private constructor(
    readonly destination: Destination,
    readonly config: RepositoryConfig,
    private readonly keys: MasterKeys,
  ) {
    this.blobs =
      config.formatVersion >= 2
        ? new PackedBlobs(destination, keys, config.packSize ?? DEFAULT_PACK_SIZE, (name) => this.loadSealed(name), (name, plaintext) => this.saveSealed(name, plaintext))
        : new LooseObjects(destination, keys);
  }

  get formatVersion(): 1 | 2 {
    return this.config.formatVersion >= 2 ? 2 : 1;
  }

  get id(): string {
    return this.config.id;
  }

  get fingerprint(): string {
    return fingerprint(this.keys);
  }

  get chunkerSeed(): Buffer {
    return Buffer.from(this.config.chunker.seed, 'base64');
  }

  static async init(destination: Destination, secret: Secret, options: InitOptions = {}): Promise<Repository> {
    if (await exists(destination, 'config')) {
      throw new MmBackupError({
        step: 'init',
        code: 'REPO_EXISTS',
        message: `a repository already exists at ${destination.location}`,
        fix: 'use it as it is (backup, list), or choose another --repo for a new one',
        exitCode: ExitCode.usage,
      });
    }
    const keys = generateMasterKeys();
    const formatVersion = options.formatVersion ?? NEW_REPOSITORY_FORMAT;
    const config: RepositoryConfig = {
      formatVersion,
      id: randomBytes(8).toString('hex'),
      created: new Date().toISOString(),
      chunker: { ...DEFAULT_CHUNKER, seed: randomBytes(32).toString('base64') },
      ...(formatVersion >= 2 ? { packSize: options.packSize ?? DEFAULT_PACK_SIZE } : {}),
    };
    const entry = await makeKeyEntry(keys, secret);
    await destination.save(`keys/${randomBytes(8).toString('hex')}`, Buffer.from(JSON.stringify(entry, null, 2)));
    // The config is written last: a repository whose init died half-way is not a repository yet.
    await destination.save('config', await seal(keys, 'config', Buffer.from(JSON.stringify(config)), undefined, formatVersion));
    return new Repository(destination, config, keys);
  }

  static async open(destination: Destination, secret: Secret, options: { warn?: (line: string) => void } = {}): Promise<Repository> {
    const sealedConfig = await destination.load('config').catch((err) => {
      if (!destination.isNotFound(err)) throw err;
      throw new MmBackupError({
        step: 'open-repository',
        code: 'REPO_NOT_FOUND',
        message: `no repository at ${destination.location}`,
        fix: 'check --repo / MMBACKUP_REPO, or create one with mmbackup init',
        exitCode: ExitCode.usage,
      });
    });
    const warn = options.warn ?? ((line: string) => process.stderr.write(`warning: ${line}\n`));
    const keys = await unlockKeys(destination, secret, warn);
    let config: RepositoryConfig;
    try {
      config = JSON.parse((await open(keys, 'config', sealedConfig)).toString());
    } catch (err) {
      throw new MmBackupError({
        step: 'open-repository',
        code: 'REPO_CONFIG_DAMAGED',
        message: `the repository config at ${destination.location} cannot be read: ${(err as Error).message}`,
        fix: 'restore the file "config" of the repository from a copy; the key opened, so the data may be intact',
        cause: err,
      });
    }
    if (config.formatVersion > FORMAT_VERSION) {
      throw new MmBackupError({
        step: 'open-repository',
        code: 'REPO_TOO_NEW',
        message: `the repository uses format ${config.formatVersion}; this mmbackup reads up to ${FORMAT_VERSION}`,
        fix: 'upgrade mmbackup',
        exitCode: ExitCode.usage,
      });
    }
    const repository = new Repository(destination, config, keys);
    if (options.warn) repository.warn = options.warn;
    return repository;
  }

  /**
   * Learns what is stored NOW, replacing whatever this instance knew: saveChunk() skips only what this
   * read (or this process's own saves since) found. Every operation that writes calls it after taking the
   * repository lock, because an index kept from an earlier operation may name data that a prune (this
   * process's, the CLI's, another node's) has deleted since, and a snapshot naming it could never be
   * restored. Format 2 reads the index files (a damaged one is passed to onDamaged when given, and its
   * blobs then count as not stored; else it rejects); format 1 lists the objects.
   */
  async refreshIndex(onDamaged?: (name: string, err: Error) => void): Promise<void> {
    if (this.blobs instanceof PackedBlobs) await this.blobs.loadIndex(onDamaged);
    else await this.blobs.loadIndex();
  }

  /** Called by whatever removes objects (prune), so this instance never trusts an object it knows is gone. */
  forgetObjects(ids: Iterable<string>): void {
    if (this.blobs instanceof LooseObjects) this.blobs.forget(ids);
  }

  has(id: string): boolean {
    return this.blobs.has(id);
  }

  contentId(plaintext: Buffer): string {
    return contentId(this.keys, plaintext);
  }

  /** contentId() and the plain SHA-256, computed on a sealing worker. */
  async contentIdAndSha256(plaintext: Buffer): Promise<{ id: string; sha256: string }> {
    const { id, sha256 } = await hashes(this.keys, plaintext, true);
    return { id, sha256: sha256! };
  }

  /**
   * Stores a file smaller than the chunker's minimum (`listed` bytes when it was listed) as one chunk, read
   * here (./read-whole.ts) and sealed on a sealing worker. `tooLarge` when it has grown since it was
   * listed: it must then be chunked.
   */
  async saveFileChunk(path: string, listed: number): Promise<{ tooLarge: true } | { tooLarge?: false; id: string; size: number; sha256: string; written: number }> {
    const data = await readWholeFile(path, listed, this.config.chunker.minSize);
    if (!data) return { tooLarge: true };
    const file = await sealFile(this.keys, data, this.formatVersion);
    return { id: file.id, size: file.size, sha256: file.sha256, written: await this.blobs.saveSealedBlob(file.id, file.sealed) };
  }

  /**
   * Stores one chunk unless it is already stored; returns the bytes written (0 when deduplicated). With
   * `giveAway`, the caller is done with the chunk: its buffer may be moved to a worker, not copied.
   */
  async saveChunk(plaintext: Buffer, id = this.contentId(plaintext), giveAway = false): Promise<number> {
    return this.blobs.save(id, plaintext, giveAway);
  }

  /** The chunking of a stream to be stored, on a sealing worker (./stream-chunking.ts). */
  chunking(): StreamChunking {
    return new StreamChunking(this.keys, this.chunkerSeed, this.config.chunker);
  }

  /** Loads, authenticates and checks one chunk against its content address. */
  async loadChunk(id: string): Promise<Buffer> {
    return this.blobs.load(id);
  }

  /**
   * Makes every chunk saved so far durable and findable (format 2: the last pack, then the index file of
   * the packs written). A manifest naming those chunks may be written only after this resolved.
   */
  async flush(): Promise<void> {
    await this.blobs.flush();
  }

  async saveSealed(name: string, plaintext: Buffer): Promise<void> {
    await this.destination.save(name, await seal(this.keys, name, plaintext, undefined, this.formatVersion));
  }

  async loadSealed(name: string): Promise<Buffer> {
    return open(this.keys, name, await this.destination.load(name));
  }

  /** Whether `destination` holds a repository (its config), without opening it. */
  static async existsAt(destination: Destination): Promise<boolean> {
    return exists(destination, 'config');
  }

  /**
   * Creates at `destination` (which must hold no repository) a twin of `source`: the same master keys and
   * the source's sealed config copied byte for byte (so the same repository id and chunker seed), opened
   * by one new key entry for `secret`. Every sealed object and manifest of the source is valid in the twin
   * as it is, which is what `mmbackup copy` relies on. The config is written last, as in init().
   */
  static async initTwin(destination: Destination, source: Repository, secret: Secret): Promise<Repository> {
    if (await exists(destination, 'config')) {
      throw new MmBackupError({
        step: 'init-twin',
        code: 'REPO_EXISTS',
        message: `a repository already exists at ${destination.location}`,
        fix: 'copy into it only if it is a twin made by mmbackup copy; otherwise give an empty location',
        exitCode: ExitCode.usage,
      });
    }
    const sealedConfig = await source.destination.load('config');
    await open(source.keys, 'config', sealedConfig); // the bytes copied must be the config the source opened with
    const twin = new Repository(destination, source.config, source.keys);
    await twin.addKey(secret);
    await destination.save('config', sealedConfig);
    return twin;
  }

  /**
   * Opens the repository at `destination` (which must hold one: see existsAt) with `source`'s master keys
   * instead of a secret: a twin's config authenticates under them, another repository's does not.
   * Undefined when it is another repository (or its config is damaged).
   */
  static async openTwin(destination: Destination, source: Repository): Promise<Repository | undefined> {
    const sealedConfig = await destination.load('config');
    try {
      const config = JSON.parse((await open(source.keys, 'config', sealedConfig)).toString()) as RepositoryConfig;
      return new Repository(destination, config, source.keys);
    } catch (err) {
      if (err instanceof DecryptError || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  /** True when `other` holds the same master keys: sealed objects of one open in the other unchanged. */
  sharesKeysWith(other: Repository): boolean {
    return this.keys.encryption.equals(other.keys.encryption) && this.keys.id.equals(other.keys.id);
  }

  /** Adds another way in (a second passphrase or key file) for the same master keys. */
  async addKey(secret: Secret): Promise<void> {
    const entry = await makeKeyEntry(this.keys, secret);
    await this.destination.save(`keys/${randomBytes(8).toString('hex')}`, Buffer.from(JSON.stringify(entry, null, 2)));
  }
}

async function exists(destination: Destination, name: string): Promise<boolean> {
  try {
    await destination.stat(name);
    return true;
  } catch (err) {
    if (destination.isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Reads and checks every key entry first, so that each damaged one is reported whichever entry opens, then
 * tries the sound ones. An entry that cannot be parsed or has absurd scrypt parameters is skipped with a
 * warning (it must not block the entries that work, nor hang or exhaust memory on open).
 */
async function unlockKeys(destination: Destination, secret: Secret, warn: (line: string) => void): Promise<MasterKeys> {
  let entries = 0;
  const skipped: string[] = [];
  const sound: KeyEntry[] = [];
  for await (const object of destination.list('keys/')) {
    entries++;
    let data: Buffer;
    try {
      data = await destination.load(object.name);
    } catch (err) {
      if (destination.isNotFound(err)) continue;
      skipped.push(object.name);
      warn(`key entry ${object.name} in ${destination.location} skipped: it cannot be read (${(err as Error).message}); check the storage and that this user may read the file`);
      continue;
    }
    try {
      sound.push(parseKeyEntry(data));
    } catch (err) {
      skipped.push(object.name);
      warn(`key entry ${object.name} in ${destination.location} skipped: ${(err as Error).message}; remove it if it is not a key you made, or restore it from a copy of the repository`);
    }
  }
  // Entries made for this kind of secret first: a key file need not pay a passphrase entry's scrypt.
  for (const entry of [...sound.filter((e) => e.kind === secret.kind), ...sound.filter((e) => e.kind !== secret.kind)]) {
    const keys = await openKeyEntry(entry, secret);
    if (keys) return keys;
  }
  const what = secret.kind === 'passphrase' ? 'passphrase' : `key file ${secret.path}`;
  throw new MmBackupError({
    step: 'open-repository',
    code: 'WRONG_KEY',
    message: `the ${what} opens none of the ${entries} key(s) of the repository at ${destination.location}${skipped.length ? ` (${skipped.length} of them unreadable: ${skipped.join(', ')})` : ''}`,
    fix: 'give the passphrase (--passphrase-file, MMBACKUP_PASSPHRASE) or key file (--key-file, MMBACKUP_KEY_FILE) used when this repository was created',
    exitCode: ExitCode.wrongKey,
  });
}
