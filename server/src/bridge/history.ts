/**
 * GET /api/v1/backups: one line per snapshot, newest first, with its last verify and drill and the exact
 * restore lines to copy. The restore lines follow the CLI (DESIGN section 4, src/cli/main.ts):
 *
 *   mmbackup restore <id> --repo <repository>                 every component the snapshot holds
 *   mmbackup restore <id> --only db --repo <repository>       one component
 *
 * <repository> is the local path (a path holds no secret), or "$MMBACKUP_REPO" for S3, whose URL may name
 * an endpoint an admin would rather not show and whose keys live only in the environment. The key is never
 * on the line: the CLI reads MMBACKUP_KEY_FILE or MMBACKUP_PASSPHRASE from the same environment file as the
 * bridge. Restore refuses to replace non-empty targets without --yes, and --dry-run shows the plan first;
 * both are the admin's choice, so neither is on the line.
 */
import type { BackupSummary } from '../api/core';
import { ALL_COMPONENTS, type ComponentName, type SnapshotManifest } from '../repository/snapshots';
import type { VerificationRecord } from '../repository/verifications';
import { verifiedAtOf } from './status';

/** How a restore line names the repository, from its shown location (a path, or s3://... for S3). */
export function repositoryArgument(location: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return '"$MMBACKUP_REPO"';
  return shellQuote(location);
}

/** Quotes for a POSIX shell when needed: plain paths stay readable. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** All components first, then one line per component the snapshot holds (in db, config, files order). */
export function restoreCommands(snapshot: SnapshotManifest, repositoryLocation: string): string[] {
  const repo = `--repo ${repositoryArgument(repositoryLocation)}`;
  const held = ALL_COMPONENTS.filter((c) => snapshot.components[c]);
  return [`mmbackup restore ${snapshot.id} ${repo}`, ...held.map((c) => `mmbackup restore ${snapshot.id} --only ${c} ${repo}`)];
}

export function backupSummaries(snapshots: SnapshotManifest[], records: VerificationRecord[], repositoryLocation: string): BackupSummary[] {
  const bySnapshot = new Map(records.map((r) => [r.snapshot, r]));
  return snapshots.map((s) => {
    const record = bySnapshot.get(s.id);
    const verify = record?.lastVerify;
    const drill = record?.lastDrill;
    return {
      id: s.id,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      durationMs: s.durationMs,
      host: s.host,
      components: ALL_COMPONENTS.filter((c) => s.components[c]) as ComponentName[],
      sizeBytes: s.totals.size,
      verifiedAt: verifiedAtOf(records, s.id),
      verification: verify ? { ok: verify.ok, at: verify.at, readData: verify.readData } : null,
      drill: drill ? { ok: drill.ok, at: drill.at, restoreDurationMs: drill.restoreDurationMs, ...(drill.recoveryMs !== undefined ? { recoveryMs: drill.recoveryMs, mattermostVersion: drill.mattermostVersion } : {}) } : null,
      restoreCommands: restoreCommands(s, repositoryLocation),
    };
  });
}
