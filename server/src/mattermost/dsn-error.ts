/**
 * The one error for a database address that cannot be used. It names the setting that held the address
 * and what is wrong with it, and never quotes the address itself: a malformed DSN is exactly the case
 * where we cannot tell which part is the password.
 */
import { ExitCode, MmBackupError } from '../common/errors';

const EXAMPLES =
  'write it as postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=disable (percent-encode special characters ' +
  'in the password), or for MySQL as USER:PASSWORD@tcp(HOST:3306)/DATABASE?charset=utf8mb4,utf8';

/** `source` says where the address came from, e.g. "SqlSettings.DataSource in /opt/mattermost/config/config.json". */
export function badDsn(source: string | undefined, problem: string): MmBackupError {
  return new MmBackupError({
    step: 'read-config',
    code: 'BAD_DSN',
    exitCode: ExitCode.usage,
    message: `${source ?? 'The database address'} is not a usable database address: ${problem}`,
    fix: EXAMPLES,
  });
}
