import { ExitCode, MmBackupError } from '../../common/errors';
import { openDestination } from '../../destinations/open';
import { Repository } from '../../repository/repository';
import { emit, repoUrl, secretForInit, type GlobalOptions } from '../context';

/** Bounds of --pack-size: smaller packs mean more objects (and S3 requests), larger ones more memory per upload. */
export const MIN_PACK_MIB = 1;
export const MAX_PACK_MIB = 64;

export async function initCommand(options: GlobalOptions & { packSize?: string }): Promise<void> {
  const packSize = packSizeBytes(options.packSize);
  const destination = openDestination(repoUrl(options));
  // Before the key file is generated or anything is stored: a bucket that cannot give the asked-for
  // immutability is refused now, not at the first backup.
  await destination.checkImmutability?.();
  const { secret, generatedKeyFile } = await secretForInit(options);
  const repository = await Repository.init(destination, secret, packSize ? { packSize } : {});
  const lines = [
    `created repository ${repository.id} at ${destination.location}`,
    `key fingerprint: ${repository.fingerprint}`,
  ];
  if (generatedKeyFile) {
    lines.push(
      '',
      `A new key file was written to ${generatedKeyFile} (mode 0600).`,
      'Without this key file the backups cannot be read by anyone, you included.',
      'Copy it OFF this host now (a password manager, a safe, another site): a backup whose key dies with the server is no backup.',
      `Use it with --key-file ${generatedKeyFile} or MMBACKUP_KEY_FILE.`,
    );
  } else if (secret.kind === 'passphrase') {
    lines.push('', 'Keep the passphrase somewhere that survives the loss of this host: without it the backups cannot be read.');
  }
  emit(options, { repository: repository.id, location: destination.location, fingerprint: repository.fingerprint, keyFile: generatedKeyFile ?? (secret.kind === 'key-file' ? secret.path : undefined), keyKind: secret.kind }, lines.join('\n'));
}

function packSizeBytes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const mib = Number(value);
  if (!Number.isInteger(mib) || mib < MIN_PACK_MIB || mib > MAX_PACK_MIB) {
    throw new MmBackupError({
      step: 'init',
      code: 'BAD_PACK_SIZE',
      message: `--pack-size ${value} is not a whole number of MiB from ${MIN_PACK_MIB} to ${MAX_PACK_MIB}`,
      fix: 'leave it out for the default (8 MiB), or give e.g. --pack-size 16',
      exitCode: ExitCode.usage,
    });
  }
  return mib * 1024 * 1024;
}
