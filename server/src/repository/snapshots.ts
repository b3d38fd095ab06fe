/**
 * Snapshot manifests: what one backup captured. A manifest is sealed and written as "snapshots/<id>"
 * after every object it names is stored, so a snapshot that exists is complete; a killed run leaves
 * only unreferenced objects, which prune reclaims.
 */
import { randomBytes } from 'node:crypto';
import { ExitCode, MmBackupError } from '../common/errors';
import { byCodeUnits } from '../common/order';
import type { BlobRef } from './blobs';
import type { Repository } from './repository';

export type ComponentName = 'db' | 'config' | 'files';
export const ALL_COMPONENTS: ComponentName[] = ['db', 'config', 'files'];

/** A captured directory: its listing is a blob of NDJSON tree entries (see ../engine/tree.ts). */
export interface TreeRoot {
  /** "config", "data", "plugins" or "client-plugins" */
  name: string;
  /** Where it was on the source host. */
  path: string;
  /** Permission bits and owner of the directory itself. */
  mode?: number;
  uid?: number;
  gid?: number;
  files: number;
  dirs: number;
  bytes: number;
  tree: BlobRef;
}

export interface DbComponent {
  driver: 'postgres' | 'mysql';
  database: string;
  /** host:port/database, no credentials */
  source: string;
  serverVersion: string;
  dumpTool: string;
  format: 'plain-sql';
  dump: BlobRef;
  tables: Record<string, number>;
  /** Paths the database's fileinfo rows reference, read in the dump's snapshot: NDJSON blob of strings. */
  referencedFiles: { count: number; list: BlobRef };
  durationMs: number;
}

export interface ConfigComponent {
  source: 'file' | 'database';
  /** file source: the whole config directory */
  directory?: TreeRoot;
  /** database source: the active Configurations row and the ConfigurationFiles rows, as a tree of files */
  databaseConfig?: TreeRoot;
  /** Names of the MM_* variables in effect; their values are in `environment` (sealed like everything else). */
  environmentNames: string[];
  environment: BlobRef;
  durationMs: number;
}

export interface FilesComponent {
  /** Where the Mattermost file store was: a local directory, or an S3 bucket (the "data" root then lists objects). */
  driver: 'local' | 'amazons3';
  /** For amazons3: the bucket, prefix and endpoint it came from (never keys). */
  s3?: { bucket: string; pathPrefix: string; endpoint: string; region: string };
  roots: TreeRoot[];
  durationMs: number;
}

export interface SnapshotManifest {
  /** The repository format the snapshot was written in: 1 (loose objects) or 2 (packs). */
  formatVersion: 1 | 2;
  id: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  host: string;
  tags: string[];
  tool: { name: 'mmbackup'; version: string };
  mattermost: {
    configSource: 'file' | 'database';
    configLocation: string;
    installDir: string;
    version?: string;
    schemaVersion?: number;
    /** The Mattermost config's DataSource database/driver and file store directory at backup time. */
    database: { driver: 'postgres' | 'mysql'; name: string };
    fileStoreDirectory?: string;
  };
  components: { db?: DbComponent; config?: ConfigComponent; files?: FilesComponent };
  totals: { size: number; bytesWritten: number; chunksNew: number; chunksReused: number };
}

export function newSnapshotId(): string {
  return randomBytes(8).toString('hex');
}

export async function saveSnapshot(repository: Repository, manifest: SnapshotManifest): Promise<void> {
  await repository.saveSealed(`snapshots/${manifest.id}`, Buffer.from(JSON.stringify(manifest)));
}

export async function loadSnapshot(repository: Repository, id: string): Promise<SnapshotManifest> {
  return JSON.parse((await repository.loadSealed(`snapshots/${id}`)).toString()) as SnapshotManifest;
}

/** A manifest that exists but cannot be read, and why. */
export interface UnreadableManifest {
  /** The snapshot id, or the stray file's name under snapshots/. */
  id: string;
  name: string;
  problem: string;
}

export interface SnapshotListing {
  /** Newest first. */
  snapshots: SnapshotManifest[];
  /** Manifests under a snapshot id that cannot be opened (damaged, truncated, another key): snapshots lost until restored. */
  unreadable: UnreadableManifest[];
  /** Files under snapshots/ whose names no mmbackup writes (a "._x" of macOS, an admin's "x.bak"). */
  strays: string[];
}

const SNAPSHOT_ID = /^[0-9a-f]{16}$/;

/**
 * Every readable snapshot, and what could not be read. One bad file never hides the others: each
 * unreadable manifest or stray file is reported through `warn` (default: the repository's) with what to
 * do, and skipped. A manifest removed while listing (a prune) is left out silently.
 */
export async function readSnapshots(repository: Repository, warn: (line: string) => void = repository.warn): Promise<SnapshotListing> {
  const listing: SnapshotListing = { snapshots: [], unreadable: [], strays: [] };
  for await (const object of repository.destination.list('snapshots/')) {
    const id = object.name.slice('snapshots/'.length);
    if (!SNAPSHOT_ID.test(id)) {
      listing.strays.push(object.name);
      warn(`ignored ${object.name} in ${repository.destination.location}: not a snapshot manifest mmbackup writes; move it out of the repository`);
      continue;
    }
    try {
      listing.snapshots.push(await loadSnapshot(repository, id));
    } catch (err) {
      if (repository.destination.isNotFound(err)) continue;
      const problem = (err as Error).message;
      listing.unreadable.push({ id, name: object.name, problem });
      warn(`snapshot ${id} skipped: its manifest ${object.name} cannot be read (${problem}); restore that file from a copy of the repository (mmbackup copy), or remove it if the snapshot is not needed; until then prune reclaims no objects`);
    }
  }
  listing.snapshots.sort((a, b) => byCodeUnits(b.startedAt, a.startedAt));
  return listing;
}

/** Every readable snapshot, newest first (see readSnapshots for what is skipped). */
export async function listSnapshots(repository: Repository, warn?: (line: string) => void): Promise<SnapshotManifest[]> {
  return (await readSnapshots(repository, warn)).snapshots;
}

/** Resolves "latest", a full id or a unique id prefix. */
export async function findSnapshot(repository: Repository, ref: string, warn?: (line: string) => void): Promise<SnapshotManifest> {
  const { snapshots: all, unreadable } = await readSnapshots(repository, warn);
  if (ref === 'latest') {
    if (all.length === 0) throw noSnapshot(repository, 'the repository has no snapshots yet', 'run mmbackup backup first');
    return all[0];
  }
  const matches = all.filter((s) => s.id.startsWith(ref));
  if (matches.length === 1) return matches[0];
  const damaged = unreadable.find((u) => u.id.startsWith(ref));
  if (matches.length === 0 && damaged) {
    throw new MmBackupError({
      step: 'find-snapshot',
      code: 'SNAPSHOT_UNREADABLE',
      message: `the manifest of snapshot ${damaged.id} cannot be read: ${damaged.problem}`,
      fix: `restore ${damaged.name} from a copy of the repository, or choose another snapshot (mmbackup list)`,
    });
  }
  if (matches.length === 0) throw noSnapshot(repository, `no snapshot ${ref}`, 'see mmbackup list for the ids');
  throw noSnapshot(repository, `"${ref}" matches ${matches.length} snapshots`, 'give more characters of the id');
}

function noSnapshot(repository: Repository, message: string, fix: string): MmBackupError {
  return new MmBackupError({
    step: 'find-snapshot',
    code: 'SNAPSHOT_NOT_FOUND',
    message: `${message} (repository ${repository.destination.location})`,
    fix,
    exitCode: ExitCode.usage,
  });
}
