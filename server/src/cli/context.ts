/**
 * What every command needs from its options and environment: the repository, the key that opens it, the
 * Mattermost installation, and where to write results. Options win over environment variables.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExitCode, MmBackupError, systemCode } from '../common/errors';
import { openDestination } from '../destinations/open';
import { loadInstallation } from '../mattermost/installation';
import type { MattermostInstallation } from '../mattermost/types';
import { passphraseSecret, readKeyFile, writeNewKeyFile, type Secret } from '../repository/keys';
import { Repository } from '../repository/repository';
import { CliReporter } from './progress';

export interface GlobalOptions {
  mattermostConfig?: string;
  repo?: string;
  passphraseFile?: string;
  keyFile?: string;
  json?: boolean;
}

export const DEFAULT_MATTERMOST_CONFIG = '/opt/mattermost/config/config.json';

export function repoUrl(options: GlobalOptions, env = process.env): string {
  const url = options.repo ?? env.MMBACKUP_REPO;
  if (!url) {
    throw new MmBackupError({
      step: 'options',
      code: 'NO_REPO',
      message: 'no repository given',
      fix: 'pass --repo /path/to/repository (or file:///path) or set MMBACKUP_REPO',
      exitCode: ExitCode.usage,
    });
  }
  return url;
}

async function readPassphraseFile(file: string, isNew: boolean): Promise<Secret> {
  try {
    return passphraseSecret(await fs.readFile(file, 'utf8'), isNew);
  } catch (err) {
    if (err instanceof MmBackupError) throw err;
    throw new MmBackupError({
      step: 'open-key',
      code: 'PASSPHRASE_FILE_UNREADABLE',
      message: `cannot read the passphrase file ${file} (${systemCode(err) ?? String(err)})`,
      fix: 'check the path given with --passphrase-file and that this user may read it',
      exitCode: ExitCode.usage,
      cause: err,
    });
  }
}

/** The secret that opens the repository: --passphrase-file, MMBACKUP_PASSPHRASE, --key-file, MMBACKUP_KEY_FILE. */
export async function resolveSecret(options: GlobalOptions, env = process.env, isNew = false): Promise<Secret> {
  if (options.passphraseFile) return readPassphraseFile(options.passphraseFile, isNew);
  if (options.keyFile) return readKeyFile(options.keyFile);
  if (env.MMBACKUP_PASSPHRASE) return passphraseSecret(env.MMBACKUP_PASSPHRASE, isNew);
  if (env.MMBACKUP_KEY_FILE) return readKeyFile(env.MMBACKUP_KEY_FILE);
  throw new MmBackupError({
    step: 'open-key',
    code: 'NO_KEY',
    message: 'no passphrase or key file given to open the repository',
    fix: 'pass --passphrase-file F or --key-file F, or set MMBACKUP_PASSPHRASE or MMBACKUP_KEY_FILE',
    exitCode: ExitCode.usage,
  });
}

/** For init: a given passphrase, or a key file that is generated when it does not exist yet. */
export async function secretForInit(options: GlobalOptions, env = process.env): Promise<{ secret: Secret; generatedKeyFile?: string }> {
  const keyFile = options.keyFile ?? (options.passphraseFile || env.MMBACKUP_PASSPHRASE ? undefined : env.MMBACKUP_KEY_FILE);
  if (options.passphraseFile || (!keyFile && env.MMBACKUP_PASSPHRASE)) return { secret: await resolveSecret({ passphraseFile: options.passphraseFile }, env, true) };
  const file = path.resolve(keyFile ?? 'mmbackup.key');
  const exists = await fs.stat(file).then(() => true, () => false);
  if (exists) return { secret: await readKeyFile(file) };
  return { secret: await writeNewKeyFile(file), generatedKeyFile: file };
}

export async function openRepository(options: GlobalOptions): Promise<Repository> {
  const reporter = reporterFor(options);
  const destination = openDestination(repoUrl(options), { onRetry: (line) => reporter.warn(line) });
  return Repository.open(destination, await resolveSecret(options), { warn: (line) => reporter.warn(line) });
}

export function mattermostConfigSource(options: GlobalOptions, env = process.env): string {
  return options.mattermostConfig ?? env.MM_CONFIG ?? DEFAULT_MATTERMOST_CONFIG;
}

export async function installation(options: GlobalOptions & { installDir?: string }): Promise<MattermostInstallation> {
  return loadInstallation({ source: mattermostConfigSource(options), env: process.env, installDir: options.installDir });
}

/** The installation if its config can be read; restore onto a new server may have none yet. */
export async function installationIfAny(options: GlobalOptions & { installDir?: string }, reporter: CliReporter): Promise<MattermostInstallation | undefined> {
  try {
    return await installation(options);
  } catch (err) {
    if (err instanceof MmBackupError && (options.mattermostConfig || process.env.MM_CONFIG)) throw err;
    reporter.info(`no Mattermost config at ${mattermostConfigSource(options)}; restore targets must be given as options`);
    return undefined;
  }
}

let processReporter: CliReporter | undefined;

/** The one reporter of this CLI process: progress, log lines and warnings (retries included) share it. */
export function reporterFor(_options: GlobalOptions): CliReporter {
  processReporter ??= new CliReporter(process.stderr, Boolean(process.stderr.isTTY), false);
  return processReporter;
}

const reported = new WeakSet<Error>();

/** Marks an error whose JSON the command already wrote in its one --json document, so main does not write a second. */
export function reportedOnStdout<E extends Error>(err: E): E {
  reported.add(err);
  return err;
}

export function wasReportedOnStdout(err: Error): boolean {
  return reported.has(err);
}

/** Writes the command's result: JSON with --json, else the human text. */
export function emit(options: GlobalOptions, json: unknown, human: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
}
