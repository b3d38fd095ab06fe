/**
 * What the slash command needs from the rest of the bridge, injected so that this folder depends on neither
 * the engine nor the HTTP server (STYLE 1). The bridge implements it over its job runner, repository and
 * MattermostApi; tests implement it with plain objects.
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
  /** Whether the Mattermost user is a system admin (their roles include system_admin). */
  isSystemAdmin(userId: string): Promise<boolean>;
  /**
   * Starts a backup of `components` (undefined: all) in the background and returns at once. `requestedBy`
   * is the invocation, so that the bridge can report completion to its response_url (see completion.ts).
   */
  startBackup(components: ComponentName[] | undefined, requestedBy: BackupRequester): Promise<StartResult>;
  status(): Promise<StatusSummary>;
  /** The newest `limit` snapshots, newest first. */
  list(limit: number): Promise<SnapshotSummary[]>;
  /** Starts verifying one snapshot (id or unique prefix; undefined: the latest) in the background. */
  startVerify(id: string | undefined, requestedBy: BackupRequester): Promise<StartResult>;
  /** The current tokens of every team's `/backup` command (from registration); re-read on each request. */
  commandTokens(): string[];
}

/** Who asked, and where to answer when the job ends. */
export interface BackupRequester {
  userId: string;
  userName: string;
  channelId: string;
  /** Mattermost's per-invocation hook; empty when absent, then the bridge posts as the bot instead. */
  responseUrl: string;
}
