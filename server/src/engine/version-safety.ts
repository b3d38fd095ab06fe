/**
 * Version safety for restore: a database taken from a newer Mattermost must never be handed to an older
 * binary. The schema migration level (max db_migrations.version) is the measure every Mattermost has;
 * `Systems.Version` is only present in databases upgraded from older releases (Mattermost 11 no longer
 * writes it on a new install), so it is compared when recorded. Mattermost only migrates forward; an older server on a newer schema refuses to start or, worse,
 * runs against columns it does not know. So before anything is replaced, the backup's recorded
 * `Systems.Version` and schema migration level (the manifest's `mattermost.version` and `schemaVersion`,
 * read in the dump's own snapshot) are compared with the Mattermost binary that will run on the restored
 * data. Older binary: refused, naming the version to install. Newer binary: allowed (it migrates the
 * restored database forward on its first start), and said so. No binary found: said so, and not checked.
 */
import { ExitCode, MmBackupError } from '../common/errors';
import { compareVersions, findMattermostBinary, inspectMattermostBinary, type MattermostBinary } from '../mattermost/server-binary';
import type { SnapshotManifest } from '../repository/snapshots';

export type VersionVerdict = 'same' | 'newer-binary' | 'not-checked';

export interface VersionCheck {
  verdict: VersionVerdict;
  message: string;
  backup: { version?: string; schemaVersion?: number };
  binary?: { path: string; version: string; schemaVersion?: number };
}

export interface VersionCheckInput {
  snapshot: SnapshotManifest;
  /** --mattermost-binary, when given */
  explicitBinary?: string;
  /** The install dir the restored server runs from; its bin/mattermost is the binary to check. */
  installDir?: string;
}

export async function checkRestoreVersion(input: VersionCheckInput): Promise<VersionCheck> {
  const { snapshot } = input;
  const backup = { version: snapshot.mattermost.version, schemaVersion: snapshot.mattermost.schemaVersion };
  const binaryPath = await findMattermostBinary({ explicit: input.explicitBinary, installDir: input.installDir });
  if (!binaryPath) {
    const where = input.installDir ? `${input.installDir}/bin/mattermost` : 'the install dir';
    return { verdict: 'not-checked', backup, message: `no Mattermost binary at ${where}: the backup's Mattermost ${backup.version ?? '(version unknown)'} was not compared with the one that will run it; pass --mattermost-binary to check` };
  }
  return judge(backup, await inspectMattermostBinary(binaryPath), snapshot.components.db?.driver ?? snapshot.mattermost.database.driver);
}

/** The decision itself, apart from finding the binary (so it reads as the rule it is). */
export function judge(backup: VersionCheck['backup'], binary: MattermostBinary, driver: 'postgres' | 'mysql'): VersionCheck {
  const schemaVersion = binary.migrations[driver];
  const found = { path: binary.path, version: binary.version, schemaVersion };
  const versionOrder = backup.version ? compareVersions(backup.version, binary.version) : 0;
  const schemaAhead = backup.schemaVersion !== undefined && schemaVersion !== undefined && backup.schemaVersion > schemaVersion;
  if (versionOrder > 0 || schemaAhead) {
    const why = versionOrder > 0
      ? `this backup was taken from Mattermost ${backup.version}, but ${binary.path} is Mattermost ${binary.version}`
      : `this backup's database schema is at migration ${backup.schemaVersion}, but ${binary.path} (Mattermost ${binary.version}) knows migrations up to ${schemaVersion}`;
    throw new MmBackupError({
      step: 'check-version',
      code: 'MATTERMOST_TOO_OLD',
      message: `${why}: an older Mattermost cannot run a newer database; nothing was replaced`,
      fix: `install ${backup.version && versionOrder > 0 ? `Mattermost ${backup.version} or newer` : `the Mattermost the backup was taken with (newer than ${binary.version}: one whose schema reaches migration ${backup.schemaVersion})`} on this host (or point --mattermost-binary at it), then run the restore again`,
      exitCode: ExitCode.usage,
    });
  }
  const newer = versionOrder < 0 || (backup.schemaVersion !== undefined && schemaVersion !== undefined && schemaVersion > backup.schemaVersion);
  if (newer) {
    const levels = backup.schemaVersion !== undefined && schemaVersion !== undefined && schemaVersion > backup.schemaVersion ? ` (schema migrations ${backup.schemaVersion + 1} to ${schemaVersion})` : '';
    return { verdict: 'newer-binary', backup, binary: found, message: `Mattermost ${binary.version} is newer than the backup's ${backup.version ?? 'version'}: it migrates the restored database forward on its first start${levels}; keep this backup until it has` };
  }
  return { verdict: 'same', backup, binary: found, message: `Mattermost ${binary.version} at ${binary.path} matches the backup (${backup.version ?? 'version unrecorded'}, schema ${backup.schemaVersion ?? 'unrecorded'})` };
}
