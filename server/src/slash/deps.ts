/**
 * What the slash command needs from the rest of the bridge, injected so that this folder depends on neither
 * the engine nor the HTTP server (STYLE 1). The bridge implements it over its job runner and repository;
 * tests implement it with plain objects.
 */
import type { ComponentName } from '../repository/snapshots';

/** One snapshot as `/backup list` shows it. */
export interface SnapshotSummary {
  id: string;
  /** When the backup finished. */
  finishedAt: Date;
  components: ComponentName[];
  /** Bytes captured (before deduplication). */
  sizeBytes: number;
  /** Last successful verification, if any. */
  verifiedAt?: Date;
}

/** What `/backup status` reports: a subset of the bridge's GET /api/v1/status, already redacted. */
export interface StatusSummary {
  /** The job running now, if any. */
  running?: { jobId: string; kind: 'backup' | 'verify' | 'drill' | 'prune'; step?: string; startedAt: Date };
  lastSuccess?: { snapshotId: string; finishedAt: Date };
  lastVerified?: { snapshotId: string; verifiedAt: Date };
  /** Age of the newest good backup against the RPO threshold; `overdue` when older than the threshold. */
  rpo?: { ageMs: number; thresholdMs: number; overdue: boolean };
  nextBackup?: Date;
  /** The repository location, redacted (no keys or passwords). */
  repository: string;
  /** Problems worth an admin's attention (invalid settings, storage nearly full, ...), one line each. */
  warnings: string[];
}

/** A job was started, or could not be because another operation holds the bridge (`busy` says which). */
export type StartResult = { jobId: string } | { busy: string };

export interface SlashDeps {
  /**
   * Starts a backup of `components` (undefined: all) in the background and returns at once. `requestedBy`
   * is the invocation, so that the bridge can tell its outcome in that channel (a `reply` event).
   */
  startBackup(components: ComponentName[] | undefined, requestedBy: BackupRequester): Promise<StartResult>;
  status(): Promise<StatusSummary>;
  /** The newest `limit` snapshots, newest first. */
  list(limit: number): Promise<SnapshotSummary[]>;
  /** Starts verifying one snapshot (id or unique prefix; undefined: the latest) in the background. */
  startVerify(id: string | undefined, requestedBy: BackupRequester): Promise<StartResult>;
}

/** Who asked, and where the outcome is posted when the job ends (the channel, and the thread if any). */
export interface BackupRequester {
  userId: string;
  username: string;
  channelId: string;
  rootId?: string;
}
