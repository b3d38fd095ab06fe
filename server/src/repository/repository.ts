/**
 * A repository: content-addressed, sealed objects on a Destination, plus keys, a sealed config and sealed
 * snapshot manifests. Layout and formats: docs/repository-format.md.
 *
 *   config              sealed JSON: format version, repository id, chunker seed and sizes
 *   keys/<id>           JSON key entries (./keys.ts): the master keys sealed by a passphrase or key file
 *   objects/<xx>/<id>   sealed chunks; id = HMAC-SHA256(id key, plaintext)
 *   snapshots/<id>      sealed manifests, written last (./snapshots.ts)
 *   locks/<id>          plain JSON locks (./lock.ts)
 */
import { randomBytes } from 'node:crypto';
import { ExitCode, MmBackupError } from '../common/errors';
import type { Destination } from '../destinations/destination';
import { connectionsOf, forEachLimited } from '../destinations/sema';
import { DEFAULT_CHUNKER, type ChunkerParams } from './chunker';
import { DecryptError, contentId, fingerprint, open, seal, type MasterKeys } from './crypto';
import { generateMasterKeys, makeKeyEntry, openKeyEntry, type KeyEntry, type Secret } from './keys';

export const FORMAT_VERSION = 1;

export interface RepositoryConfig {
  formatVersion: number;
  id: string;
  created: string;
  chunker: ChunkerParams & { seed: string };
}

export function objectName(id: string): string {
  return `objects/${id.slice(0, 2)}/${id}`;
}

export class Repository {
  /** Ids of objects known to be stored: filled by loadIndex() and by this process's own saves. */
  private known = new Set<string>();
  private indexLoaded = false;

  private constructor(
    readonly destination: Destination,
    readonly config: RepositoryConfig,
    private readonly keys: MasterKeys,
  ) {}

  get id(): string {
    return this.config.id;
  }

  get fingerprint(): string {
    return fingerprint(this.keys);
  }

  get chunkerSeed(): Buffer {
    return Buffer.from(this.config.chunker.seed, 'base64');
  }

  static async init(destination: Destination, secret: Secret): Promise<Repository> {
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
    const config: RepositoryConfig = {
      formatVersion: FORMAT_VERSION,
      id: randomBytes(8).toString('hex'),
      created: new Date().toISOString(),
      chunker: { ...DEFAULT_CHUNKER, seed: randomBytes(32).toString('base64') },
    };
    const entry = await makeKeyEntry(keys, secret);
    await destination.save(`keys/${randomBytes(8).toString('hex')}`, Buffer.from(JSON.stringify(entry, null, 2)));
    // The config is written last: a repository whose init died half-way is not a repository yet.
    await destination.save('config', await seal(keys, 'config', Buffer.from(JSON.stringify(config))));
    return new Repository(destination, config, keys);
  }

  static async open(destination: Destination, secret: Secret): Promise<Repository> {
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
    const keys = await unlockKeys(destination, secret);
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
    return new Repository(destination, config, keys);
  }

  /**
   * Lists the stored objects once, so that saveChunk() can skip what is already there. The 256 fan-out
   * directories are listed as many at a time as the destination has connections: on S3 one listing pages
   * through 1,000 keys per round trip, so a repository of 100,000 chunks would otherwise wait for 100
   * round trips in a row.
   */
  async loadIndex(): Promise<void> {
    if (this.indexLoaded) return;
    const fanOut = Array.from({ length: 256 }, (_, i) => `objects/${i.toString(16).padStart(2, '0')}/`);
    const listOne = async (prefix: string) => {
      for await (const object of this.destination.list(prefix)) this.known.add(object.name.slice(object.name.lastIndexOf('/') + 1));
    };
    await forEachLimited(fanOut, connectionsOf(this.destination), listOne);
    this.indexLoaded = true;
  }

  has(id: string): boolean {
    return this.known.has(id);
  }

  contentId(plaintext: Buffer): string {
    return contentId(this.keys, plaintext);
  }

  /** Stores one chunk unless it is already stored. Returns the id and the bytes written (0 when deduplicated). */
  async saveChunk(plaintext: Buffer, id = this.contentId(plaintext)): Promise<{ id: string; written: number }> {
    if (this.known.has(id)) return { id, written: 0 };
    this.known.add(id); // claimed before the await so a concurrent save of the same chunk is skipped
    try {
      const sealed = await seal(this.keys, id, plaintext);
      await this.destination.save(objectName(id), sealed);
      return { id, written: sealed.length };
    } catch (err) {
      this.known.delete(id);
      throw err;
    }
  }

  /** Loads, authenticates and checks one chunk against its content address. */
  async loadChunk(id: string): Promise<Buffer> {
    const plaintext = await open(this.keys, id, await this.destination.load(objectName(id)));
    if (contentId(this.keys, plaintext) !== id) throw new DecryptError(`object ${id} holds content of another id`);
    return plaintext;
  }

  async saveSealed(name: string, plaintext: Buffer): Promise<void> {
    await this.destination.save(name, await seal(this.keys, name, plaintext));
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

async function unlockKeys(destination: Destination, secret: Secret): Promise<MasterKeys> {
  let entries = 0;
  for await (const object of destination.list('keys/')) {
    entries++;
    const entry = JSON.parse((await destination.load(object.name)).toString()) as KeyEntry;
    const keys = await openKeyEntry(entry, secret);
    if (keys) return keys;
  }
  const what = secret.kind === 'passphrase' ? 'passphrase' : `key file ${secret.path}`;
  throw new MmBackupError({
    step: 'open-repository',
    code: 'WRONG_KEY',
    message: `the ${what} opens none of the ${entries} key(s) of the repository at ${destination.location}`,
    fix: 'give the passphrase (--passphrase-file, MMBACKUP_PASSPHRASE) or key file (--key-file, MMBACKUP_KEY_FILE) used when this repository was created',
    exitCode: ExitCode.wrongKey,
  });
}
