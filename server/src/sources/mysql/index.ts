/**
 * The MySQL/MariaDB DatabaseDriver: mysqldump or mariadb-dump under a brief global read lock for dumps
 * (./dump.ts), a staging database swapped in with one RENAME TABLE for restores (./restore.ts,
 * ./swap.ts), and the catalog queries both share (./catalog.ts).
 * Step names in errors: dump-db, restore-db, inspect-db (inspect, countRows, referencedFiles), drop-db.
 */
import type { DbConnection } from '../../mattermost/types';
import type { DatabaseDriver } from '../database';
import { countRows, referencedPaths } from './catalog';
import { connect, withConnection } from './connection';
import { dumpMysql } from './dump';
import { dropMysqlDatabase, inspectMysql, restoreMysql } from './restore';

/** Referenced paths of a live database, read in one consistent-snapshot transaction of their own. */
async function* referencedFiles(conn: DbConnection): AsyncGenerator<string> {
  const c = await connect(conn, 'inspect-db');
  try {
    await c.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    yield* referencedPaths(c);
    await c.query('COMMIT');
  } finally {
    c.destroy();
  }
}

export const mysqlDriver: DatabaseDriver = {
  name: 'mysql',
  dump: dumpMysql,
  restore: restoreMysql,
  inspect: (conn) => inspectMysql(conn),
  dropDatabase: (conn) => dropMysqlDatabase(conn),
  countRows: (conn) => withConnection(conn, 'inspect-db', countRows),
  sizeOnServer: (conn) =>
    withConnection(conn, 'inspect-db', async (c) => {
      const [rows] = await c.query('SELECT COALESCE(SUM(data_length + index_length), 0) AS size FROM information_schema.tables WHERE table_schema = DATABASE()');
      return Number((rows as Array<{ size: number | string }>)[0].size);
    }),
  referencedFiles,
  listDatabases: (conn, prefix) =>
    withConnection(conn, 'inspect-db', async (c) => {
      const [rows] = await c.query('SELECT schema_name AS name FROM information_schema.schemata');
      return (rows as Array<{ name: string }>).map((r) => r.name).filter((name) => name.startsWith(prefix));
    }, null),
  dataDirectory: (conn) =>
    withConnection(conn, 'inspect-db', async (c) => {
      const [rows] = await c.query('SELECT @@datadir AS d');
      return String((rows as Array<{ d: string }>)[0].d);
    }, null).catch(() => undefined),
};
