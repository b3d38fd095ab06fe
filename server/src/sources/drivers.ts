/**
 * The one place that maps a database connection to its DatabaseDriver; the engine never imports a driver
 * directly, so adding an engine means adding it here. A driver and its client library are loaded when
 * first asked for: a files-only backup, or one of a MySQL server, loads no PostgreSQL code.
 */
import { ExitCode, MmBackupError } from '../common/errors';
import type { DbConnection } from '../mattermost/types';
import type { DatabaseDriver } from './database';

/** The driver for `conn.driver`; an unknown driver is a configuration error (exit code 2). */
export function driverFor(conn: DbConnection): DatabaseDriver {
  switch (conn.driver) {
    case 'postgres':
      return (require('./postgres') as typeof import('./postgres')).postgresDriver;
    case 'mysql':
      return (require('./mysql') as typeof import('./mysql')).mysqlDriver;
    default:
      throw new MmBackupError({
        step: 'config',
        code: 'UNSUPPORTED_DRIVER',
        message: `unsupported database driver "${String((conn as { driver?: unknown }).driver)}"`,
        fix: 'set SqlSettings.DriverName to "postgres" or "mysql"',
        exitCode: ExitCode.usage,
      });
  }
}
