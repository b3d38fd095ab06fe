/**
 * The database a restore or a drill targets, given three ways: `--db DSN` (kept for scripts, but the
 * password in it is on the command line, which every user of the host sees in `ps`), `--db-file FILE`
 * (the DSN read from a file, e.g. 0600), or an environment variable (MMBACKUP_RESTORE_DB for restore,
 * MMBACKUP_DRILL_DB for verify --drill). The last two keep the password out of any process list.
 */
import { promises as fs } from 'node:fs';
import { ExitCode, MmBackupError, systemCode } from '../../common/errors';
import { parseDsn } from '../../mattermost/dsn';
import type { DbConnection } from '../../mattermost/types';

export interface DbOptions {
  db?: string;
  dbFile?: string;
}

export const RESTORE_DB_ENV = 'MMBACKUP_RESTORE_DB';
export const DRILL_DB_ENV = 'MMBACKUP_DRILL_DB';

/** The DSN from --db, --db-file or `envName`, parsed; undefined when none is given. */
export async function dbTarget(options: DbOptions, envName: string, env: NodeJS.ProcessEnv = process.env): Promise<DbConnection | undefined> {
  if (options.db !== undefined && options.dbFile !== undefined) {
    throw new MmBackupError({
      step: 'options',
      code: 'DB_OPTION_TWICE',
      message: 'both --db and --db-file are given',
      fix: 'give one: --db-file (or the environment variable) keeps the password out of the process list',
      exitCode: ExitCode.usage,
    });
  }
  if (options.db !== undefined) return parseDsn(options.db, '--db');
  if (options.dbFile !== undefined) return parseDsn(await readDsnFile(options.dbFile), `--db-file ${options.dbFile}`);
  const fromEnv = env[envName];
  return fromEnv ? parseDsn(fromEnv, envName) : undefined;
}

async function readDsnFile(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new MmBackupError({
      step: 'options',
      code: 'DB_FILE_UNREADABLE',
      message: `cannot read the --db-file ${file}: ${systemCode(err) ?? String(err)}`,
      fix: 'give a file holding one database DSN (postgres://user:password@host:5432/db or a MySQL DSN), readable by this user',
      exitCode: ExitCode.usage,
      cause: err,
    });
  }
}
