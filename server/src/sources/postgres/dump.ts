/**
 * An online, consistent PostgreSQL dump. Our own connection opens a REPEATABLE READ READ ONLY transaction
 * and exports its snapshot; pg_dump imports it (--snapshot), so the SQL it writes and everything we read
 * on our connection (row counts, versions, the fileinfo paths) describe the very same instant. The
 * transaction stays open until pg_dump is done and the file list has been read (see DumpSession).
 */
import type { Client } from 'pg';
import type { Reporter } from '../../common/reporter';
import { redact } from '../../common/redact';
import type { DbConnection } from '../../mattermost/types';
import type { DatabaseDump } from '../database';
import { startDumpSession } from '../shared/dump-session';
import { endpoint, toolFailed, toolMissing } from '../shared/errors';
import type { SecretFile } from '../shared/secret-file';
import { startTool, type ToolExit, type ToolProcess } from '../shared/tool-process';
import type { ToolCandidate } from '../shared/tool-version';
import { countRows, readVersions, referencedPaths } from './catalog';
import { connect, serverVersion, toolEnv, writePgPass } from './connection';
import { clientPackage, selectPgDump } from './tools';

const STEP = 'dump-db';

/** pg_dump's arguments: no connection information and no secret, those travel in the environment. */
export function pgDumpArgs(snapshotId: string): string[] {
  return [`--snapshot=${snapshotId}`, '--format=plain', '--no-owner', '--no-privileges', '--no-password'];
}

/** Starts the dump; resolves once pg_dump runs on the exported snapshot. */
export async function dumpPostgres(conn: DbConnection, reporter: Reporter): Promise<DatabaseDump> {
  const client = await connect(conn, STEP);
  let passFile: SecretFile | undefined;
  try {
    const server = await serverVersion(client);
    reporter.info(redact(`PostgreSQL ${server.version} at ${endpoint(conn)}, database "${conn.database}"`));
    const tool = await selectPgDump(STEP, server.version, server.major);
    reporter.info(redact(`using ${tool.version.text} (${tool.path})`));
    const snapshotId = await openSnapshot(client);
    passFile = await writePgPass(conn);
    const proc = startTool(tool.path, pgDumpArgs(snapshotId), {
      env: toolEnv(conn, conn.database, passFile),
      stdin: 'ignore',
      stdout: 'pipe',
      onStderrLine: (line) => reporter.info(line),
    });
    return session(client, proc, tool, server.version, server.major, passFile);
  } catch (err) {
    await passFile?.remove();
    await client.end().catch(() => undefined);
    throw err;
  }
}

/** Begins the snapshot transaction and exports it. Timeouts are lifted: the transaction idles while pg_dump works. */
async function openSnapshot(client: Client): Promise<string> {
  await client.query('SET statement_timeout = 0');
  await client.query('SET idle_in_transaction_session_timeout = 0');
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const res = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
  return res.rows[0].id;
}

function session(client: Client, proc: ToolProcess, tool: ToolCandidate, version: string, major: number, passFile?: SecretFile): DatabaseDump {
  return startDumpSession({
    step: STEP,
    proc,
    base: { driver: 'postgres', serverVersion: `PostgreSQL ${version}`, dumpTool: tool.version.text, format: 'plain-sql' },
    readInfo: () => readInfo(client),
    files: () => referencedPaths(client),
    failure: (exit) => dumpFailure(exit, proc, tool, major),
    releaseSnapshot: async (graceful) => {
      if (graceful) await client.query('COMMIT').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
    cleanup: async () => passFile?.remove(),
  });
}

/**
 * Counts and versions, inside a savepoint: if one of our reads fails (say, no SELECT privilege), the
 * snapshot transaction must stay valid so that pg_dump can still import it and report the cause itself.
 */
async function readInfo(client: Client) {
  await client.query('SAVEPOINT mmbackup_info');
  try {
    const info = { tables: await countRows(client), ...(await readVersions(client)) };
    await client.query('RELEASE SAVEPOINT mmbackup_info');
    return info;
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT mmbackup_info').catch(() => undefined);
    throw err;
  }
}

function dumpFailure(exit: ToolExit, proc: ToolProcess, tool: ToolCandidate, major: number) {
  if (exit.spawnError) return toolMissing(STEP, 'DUMP_TOOL_MISSING', tool.path, clientPackage(major), exit.spawnError);
  return toolFailed(
    STEP,
    'DUMP_FAILED',
    tool.version.text,
    exit,
    proc.stderr.tail,
    'read the pg_dump message above; common causes: no SELECT privilege on a table (dump as the Mattermost database owner), or the server closed the connection',
  );
}
