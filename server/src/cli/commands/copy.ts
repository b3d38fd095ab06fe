/**
 * mmbackup copy --to <repo-url>: copies the snapshots the other repository lacks. The first copy into an
 * empty location creates it as a twin of this repository (docs/repository-format.md, "Copies").
 */
import { ExitCode, MmBackupError } from '../../common/errors';
import { openDestination } from '../../destinations/open';
import { copySnapshots, openCopyTarget, type CopyReport } from '../../engine/copy';
import type { Secret } from '../../repository/keys';
import { Repository } from '../../repository/repository';
import { emit, repoUrl, reporterFor, resolveSecret, secretForInit, type GlobalOptions } from '../context';
import { formatBytes, formatDuration } from '../format';

export interface CopyCliOptions extends GlobalOptions {
  /** Required (commander enforces it); optional in the type because main.ts passes its untyped option bag. */
  to?: string;
  toPassphraseFile?: string;
  toKeyFile?: string;
  /** Read back and authenticate every copied object (slower; sizes are always checked). */
  verify?: boolean;
}

/**
 * The target's own secret, when one is given. For a new twin a missing --to-key-file is generated (as init
 * does); for an existing repository it must already exist. The environment is not consulted: the
 * MMBACKUP_* variables belong to the source.
 */
async function targetSecret(options: CopyCliOptions, targetExists: boolean): Promise<{ secret?: Secret; generatedKeyFile?: string }> {
  if (options.toPassphraseFile && options.toKeyFile) {
    throw new MmBackupError({
      step: 'options',
      code: 'TWO_TARGET_KEYS',
      message: '--to-passphrase-file and --to-key-file were both given',
      fix: 'give one of them: the passphrase or the key file that opens (or will open) the other repository',
      exitCode: ExitCode.usage,
    });
  }
  if (!options.toPassphraseFile && !options.toKeyFile) return {};
  const given = { passphraseFile: options.toPassphraseFile, keyFile: options.toKeyFile };
  try {
    return targetExists ? { secret: await resolveSecret(given, {}) } : await secretForInit(given, {});
  } catch (err) {
    // The shared messages name --key-file / --passphrase-file, which here mean the source's.
    if (!(err instanceof MmBackupError) || !err.code.endsWith('_UNREADABLE')) throw err;
    const flag = options.toKeyFile ? '--to-key-file' : '--to-passphrase-file';
    throw new MmBackupError({ step: 'open-target-key', code: err.code, message: err.message, fix: `check the path given with ${flag} and that this user may read it`, exitCode: err.exitCode, cause: err });
  }
}

export async function copyCommand(options: CopyCliOptions, signal?: AbortSignal): Promise<void> {
  const started = Date.now();
  const reporter = reporterFor(options);
  const sourceSecret = await resolveSecret(options);
  const source = await Repository.open(openDestination(repoUrl(options)), sourceSecret);
  const destination = openDestination(targetUrl(options));
  const { secret, generatedKeyFile } = await targetSecret(options, await Repository.existsAt(destination));
  const { target, created } = await openCopyTarget(source, destination, { secret, sourceSecret });
  if (created) reporter.info(`created the twin repository ${target.id} at ${destination.location} (key fingerprint ${target.fingerprint})`);
  const report = await copySnapshots({ source, target, reporter, verify: options.verify, signal });
  const opener = secret ? describeSecret(secret) : `the same ${describeSecret(sourceSecret)} as ${source.destination.location}`;
  emit(
    options,
    { ...report, repository: target.id, fingerprint: target.fingerprint, created, keyFile: generatedKeyFile, durationMs: Date.now() - started },
    summary(report, created ? opener : undefined, generatedKeyFile, Date.now() - started),
  );
  if (report.snapshotsFailed.length > 0) {
    const first = report.snapshotsFailed[0];
    throw new MmBackupError({
      step: 'copy',
      code: 'COPY_INCOMPLETE',
      message: `${report.snapshotsFailed.length} snapshot(s) could not be read from ${report.source} and were not copied; first: ${first.id}: ${first.problem}`,
      fix: `run mmbackup verify --read-data on ${report.source} to see the damage; every other snapshot was copied`,
      exitCode: ExitCode.failed,
    });
  }
}

function targetUrl(options: CopyCliOptions): string {
  if (options.to) return options.to;
  throw new MmBackupError({ step: 'options', code: 'NO_COPY_TARGET', message: 'no repository to copy to', fix: 'pass --to <path | file:///path | s3://bucket/prefix>', exitCode: ExitCode.usage });
}

function describeSecret(secret: Secret): string {
  return secret.kind === 'key-file' ? `key file ${secret.path}` : 'passphrase';
}

function summary(report: CopyReport, createdOpener: string | undefined, generatedKeyFile: string | undefined, ms: number): string {
  const lines: string[] = [];
  if (createdOpener) lines.push(`created ${report.target} as a twin of ${report.source} (same master keys), opened by the ${createdOpener}`);
  lines.push(
    `copied ${report.snapshotsCopied.length} snapshot(s) to ${report.target} in ${formatDuration(ms)}: ${report.objectsCopied} object(s), ${formatBytes(report.bytesCopied)}${report.verified ? ', read back and authenticated' : ''}`,
    `  ${report.objectsSkipped} object(s) and ${report.snapshotsSkipped.length} snapshot(s) were already there`,
    ...report.snapshotsFailed.map((f) => `  NOT COPIED: snapshot ${f.id}: ${f.problem}`),
  );
  if (generatedKeyFile) {
    lines.push(
      '',
      `A new key file for ${report.target} was written to ${generatedKeyFile} (mode 0600).`,
      'Copy it OFF this host now: the off-site copy is only useful with a key that survives the loss of this host.',
    );
  }
  return lines.join('\n');
}
