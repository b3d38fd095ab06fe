/**
 * One backup: lock the repository, capture the chosen components, flush the last pack and the index, and
 * write the manifest last. Anything that fails before the manifest is written leaves no snapshot; the packs
 * already stored are reclaimed by the next prune, and earlier snapshots are never touched (packs and index
 * files are only ever added).
 */
import * as os from 'node:os';
import type { Reporter } from '../common/reporter';
import type { MattermostInstallation } from '../mattermost/types';
import { newWriteStats, type WriteStats } from '../repository/blobs';
import { acquireLock, type HeldLock } from '../repository/lock';
import { PackedBlobs } from '../repository/packed-blobs';
import type { Repository } from '../repository/repository';
import {
  ALL_COMPONENTS,
  listSnapshots,
  newSnapshotId,
  saveSnapshot,
  type ComponentName,
  type SnapshotManifest,
} from '../repository/snapshots';
import { captureConfig } from './capture-config';
import { captureDatabase } from './capture-database';
import { captureFiles } from './capture-files';
import { preflight } from './preflight';
import { storageError } from './storage-errors';
import { runSteps, withLockLoss, type Step } from './steps';
import { TOOL_VERSION } from './version';

export interface BackupOptions {
  installation: MattermostInstallation;
  repository: Repository;
  components?: ComponentName[];
  tags?: string[];
  reporter: Reporter;
  /** Aborting stops the dump tools and fails the backup with code ABORTED. */
  signal?: AbortSignal;
}

export interface CaptureContext {
  installation: MattermostInstallation;
  repository: Repository;
  stats: WriteStats;
  reporter: Reporter;
  signal?: AbortSignal;
  /** The newest earlier snapshot, whose file listings let unchanged files be skipped. */
  parent?: SnapshotManifest;
}

export async function runBackup(options: BackupOptions): Promise<SnapshotManifest> {
  const { installation, repository, reporter } = options;
  const components = options.components ?? ALL_COMPONENTS;
  const started = new Date();
  const context: CaptureContext = { installation, repository, stats: newWriteStats(), reporter, signal: options.signal };
  const manifest: SnapshotManifest = {
    formatVersion: repository.formatVersion,
    id: newSnapshotId(),
    startedAt: started.toISOString(),
    finishedAt: '',
    durationMs: 0,
    host: os.hostname(),
    tags: options.tags ?? [],
    tool: { name: 'mmbackup', version: TOOL_VERSION },
    mattermost: {
      configSource: installation.configSource.kind,
      configLocation: installation.configSource.kind === 'file' ? installation.configSource.path : 'database',
      installDir: installation.installDir,
      database: { driver: installation.database.driver, name: installation.database.database },
      fileStoreDirectory: installation.fileStore.driver === 'local' ? installation.fileStore.directory : undefined,
    },
    components: {},
    totals: { size: 0, bytesWritten: 0, chunksNew: 0, chunksReused: 0 },
  };
  let lock: HeldLock | undefined;
  let snapshots: SnapshotManifest[] = [];

  const steps: Step[] = [
    {
      name: 'preflight',
      run: async () => {
        snapshots = await listSnapshots(repository, (line) => reporter.warn(line));
        await preflight(repository, installation, components, snapshots, reporter);
      },
    },
    // Preflight first: a repository that cannot take the backup is refused before anything, lock included, is written.
    {
      name: 'lock',
      run: async () => {
        lock = await acquireLock(repository.destination, 'backup', reporter);
        const held = lock;
        if (repository.blobs instanceof PackedBlobs) repository.blobs.beforeIndexWrite = () => held.check();
        // A lost lock stops the dump tools and every step after, as a cancel does.
        context.signal = options.signal ? AbortSignal.any([options.signal, lock.signal]) : lock.signal;
      },
    },
    {
      name: 'index',
      run: async () => {
        // Read again under the lock: what was listed before it may have been pruned since.
        context.parent = (await listSnapshots(repository, () => {})).find((s) => s.components.files || s.components.config);
        // A damaged index file only costs deduplication: its blobs are stored again (verify names it).
        const damaged = (name: string, err: Error) => reporter.warn(`the index file ${name} cannot be read (${err.message}); what it lists is stored again; run mmbackup verify --read-data`);
        await repository.refreshIndex(damaged);
      },
    },
    ...(components.includes('db') ? [{ name: 'dump-db', run: guard(context, async () => captureDatabaseInto(manifest, context)) }] : []),
    ...(components.includes('config') ? [{ name: 'config', run: guard(context, async () => void (manifest.components.config = await captureConfig(context))) }] : []),
    ...(components.includes('files') ? [{ name: 'files', run: guard(context, async () => void (manifest.components.files = await captureFiles(context))) }] : []),
    {
      name: 'write-manifest',
      run: guard(context, async () => {
        const finished = new Date();
        manifest.finishedAt = finished.toISOString();
        manifest.durationMs = finished.getTime() - started.getTime();
        manifest.totals = totals(manifest, context.stats);
        // Packs, then their index, then the manifest: a snapshot that exists names only findable blobs.
        await repository.flush();
        await lock!.check(); // the last moment another writer (a prune) could have taken over
        await saveSnapshot(repository, manifest);
      }),
    },
  ];
  await withLockLoss(
    () => lock,
    () =>
      runSteps(
        steps,
        [
          {
            name: 'unlock',
            run: async () => {
              if (repository.blobs instanceof PackedBlobs) repository.blobs.beforeIndexWrite = undefined;
              await lock?.release();
            },
          },
        ],
        reporter,
      ),
  );
  return manifest;
}

/** Turns storage failures (disk full, permissions) into errors that name the repository and the fix. */
function guard(context: CaptureContext, run: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      context.signal?.throwIfAborted();
      await run();
    } catch (err) {
      throw storageError(err, context.repository.destination.location);
    }
  };
}

async function captureDatabaseInto(manifest: SnapshotManifest, context: CaptureContext): Promise<void> {
  const { component, info } = await captureDatabase(context);
  manifest.components.db = component;
  manifest.mattermost.version = info.mattermostVersion;
  manifest.mattermost.schemaVersion = info.schemaVersion;
}

function totals(manifest: SnapshotManifest, stats: WriteStats): SnapshotManifest['totals'] {
  const { db, config, files } = manifest.components;
  const size =
    (db?.dump.size ?? 0) +
    (config?.directory?.bytes ?? 0) +
    (config?.databaseConfig?.bytes ?? 0) +
    (files?.roots.reduce((sum, r) => sum + r.bytes, 0) ?? 0);
  return { size, bytesWritten: stats.bytesWritten, chunksNew: stats.chunksNew, chunksReused: stats.chunksReused };
}
