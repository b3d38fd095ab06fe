/**
 * The PostgreSQL DatabaseDriver: pg_dump on an exported snapshot for dumps (./dump.ts), psql in one
 * transaction for restores (./restore.ts), and the catalog queries both share (./catalog.ts).
 * Step names in errors: dump-db, restore-db, inspect-db (inspect, countRows, referencedFiles), drop-db.
 */
import type { DbConnection } from '../../mattermost/types';
import type { DatabaseDriver } from '../database';
import { countRows, referencedPaths } from './catalog';
import { connect, connectMaintenance, withClient } from './connection';
import { dumpPostgres } from './dump';
import { dropPostgresDatabase, inspectPostgres, restorePostgres } from './restore';

/** Referenced paths of a live database, read in one REPEATABLE READ transaction of their own. */
async function* referencedFiles(conn: DbConnection): AsyncGenerator<string> {
  const client = await connect(conn, 'inspect-db');
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    yield* referencedPaths(client);
    await client.query('COMMIT');
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresDriver: DatabaseDriver = {
  name: 'postgres',
  dump: dumpPostgres,
  restore: restorePostgres,
  inspect: (conn) => inspectPostgres(conn),
  dropDatabase: (conn) => dropPostgresDatabase(conn),
  countRows: (conn) => withClient(conn, 'inspect-db', countRows),
  sizeOnServer: (conn) => withClient(conn, 'inspect-db', async (client) => Number((await client.query('SELECT pg_database_size(current_database()) AS size')).rows[0].size)),
  referencedFiles,
  listDatabases: async (conn, prefix) => {
    const admin = await connectMaintenance(conn, 'inspect-db');
    try {
      const rows = (await admin.query<{ datname: string }>('SELECT datname FROM pg_database')).rows;
      return rows.map((r) => r.datname).filter((name) => name.startsWith(prefix));
    } finally {
      await admin.end().catch(() => undefined);
    }
  },
  // Readable by superusers and pg_read_all_settings members only; anyone else gets undefined.
  dataDirectory: (conn) => withClient(conn, 'inspect-db', async (client) => (await client.query<{ d: string }>("SELECT current_setting('data_directory') AS d")).rows[0].d).catch(() => undefined),
};
