/**
 * An online, consistent MySQL/MariaDB dump. The two snapshots (the dump tool's and ours, from which the
 * row counts and the FileInfo paths are read) must be taken at the same instant, and InnoDB cannot share
 * a snapshot between connections. So, as mysqldump --master-data does: our connection takes FLUSH TABLES
 * WITH READ LOCK (writes pause), starts its own consistent snapshot (the global lock survives START
 * TRANSACTION), starts the tool, waits until the tool's output shows that its snapshot exists, and only
 * then UNLOCK TABLES. Writes pause for well under a second. Without the RELOAD privilege there is no
 * lock: both snapshots are taken close together, and a reporter warning says the match is best-effort.
 *
 * Known limit: the server drops a connection that cannot send for net_write_timeout (60 s by default),
 * and the dump tool stops reading from the server while nobody reads `sql`. Consumers should read `sql`
 * concurrently with (or before) `referencedFiles`; our own snapshot session raises its own timeout.
 */
import type { Reporter } from '../../common/reporter';
import { redact } from '../../common/redact';
import type { DbConnection } from '../../mattermost/types';
import type { DatabaseDump } from '../database';
import { startDumpSession } from '../shared/dump-session';
import { endpoint, messageOf, toolFailed, toolMissing } from '../shared/errors';
import type { SecretFile } from '../shared/secret-file';
import { startTool, type ToolExit, type ToolProcess } from '../shared/tool-process';
import { countRows, readVersions, referencedPaths } from './catalog';
import { connect, serverInfo, toolEnv, writeDefaultsFile, type Connection } from './connection';
import { waitForDumpStart } from './start-gate';
import { mysqlClientPackage, selectMysqlTool, type MysqlTool } from './tools';

const STEP = 'dump-db';
/** How long writes may wait behind our global read lock, twice over: to get it, and for the tool to start. */
const LOCK_WAIT_SECONDS = 10;
const START_TIMEOUT_MS = 30_000;

/** The tool's arguments: the option file with the credentials first (the tools require it there). */
export function mysqlDumpArgs(defaultsFile: string, database: string): string[] {
  return [
    `--defaults-extra-file=${defaultsFile}`,
    '--single-transaction',
    '--quick',
    '--routines',
    '--triggers',
    '--events',
    '--hex-blob',
    '--default-character-set=utf8mb4',
    '--skip-lock-tables',
    '--no-tablespaces',
    database,
  ];
}

/** Starts the dump; resolves once the tool has its snapshot and our lock is released. */
export async function dumpMysql(conn: DbConnection, reporter: Reporter): Promise<DatabaseDump> {
  const c = await connect(conn, STEP);
  let defaults: SecretFile | undefined;
  let proc: ToolProcess | undefined;
  try {
    const server = await serverInfo(c);
    reporter.info(redact(`${server.text} at ${endpoint(conn)}, database "${conn.database}"`));
    const tool = await selectMysqlTool('dump', server.mariadb, STEP);
    reporter.info(redact(`using ${tool.version.text} (${tool.path})`));
    await c.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const locked = await globalReadLock(c, conn, reporter);
    await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    defaults = await writeDefaultsFile(conn, tool.maria);
    proc = startTool(tool.path, mysqlDumpArgs(defaults.path, conn.database), {
      env: toolEnv(),
      stdin: 'ignore',
      stdout: 'pipe',
      onStderrLine: (line) => reporter.info(line),
    });
    const lockedAt = Date.now();
    const gate = await waitForDumpStart(proc.child.stdout!, START_TIMEOUT_MS);
    if (gate.reason === 'timeout') reporter.warn(`${tool.version.text} showed no progress within ${START_TIMEOUT_MS / 1000} s; releasing the read lock anyway (file list consistency is best-effort)`);
    if (locked) {
      await c.query('UNLOCK TABLES');
      reporter.info(`writes paused for ${Date.now() - lockedAt} ms while the dump took its snapshot`);
    }
    return session(c, proc, tool, server.text, server.mariadb, gate.chunks, defaults);
  } catch (err) {
    proc?.stop();
    await defaults?.remove();
    c.destroy();
    throw err;
  }
}

/**
 * FLUSH TABLES WITH READ LOCK, or false (with a warning) when not permitted or when it cannot be had
 * quickly (a long-running query holds tables open: waiting would stall every writer behind it).
 */
async function globalReadLock(c: Connection, conn: DbConnection, reporter: Reporter): Promise<boolean> {
  await c.query(`SET SESSION lock_wait_timeout = ${LOCK_WAIT_SECONDS}`);
  try {
    await c.query('FLUSH TABLES WITH READ LOCK');
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const denied = code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR';
    if (!denied && code !== 'ER_LOCK_WAIT_TIMEOUT') throw err;
    const why = denied ? `user "${conn.user}" may not run FLUSH TABLES WITH READ LOCK` : `FLUSH TABLES WITH READ LOCK waited more than ${LOCK_WAIT_SECONDS} s (${messageOf(err)})`;
    const fix = denied ? `; grant it the RELOAD privilege (GRANT RELOAD ON *.* TO '${conn.user}'@'<host>') to make them match exactly` : '';
    reporter.warn(redact(`${why}: consistency between the file list and the database dump is best-effort${fix}`));
    return false;
  }
}

function session(c: Connection, proc: ToolProcess, tool: MysqlTool, server: string, mariadb: boolean, prefix: Buffer[], defaults: SecretFile): DatabaseDump {
  return startDumpSession({
    step: STEP,
    proc,
    prefix,
    base: { driver: 'mysql', serverVersion: server, dumpTool: tool.version.text, format: 'plain-sql' },
    readInfo: async () => ({ tables: await countRows(c), ...(await readVersions(c)) }),
    files: () => referencedPaths(c),
    failure: (exit) => dumpFailure(exit, proc, tool, mariadb),
    releaseSnapshot: async (graceful) => {
      if (graceful) await c.query('COMMIT').catch(() => undefined);
      c.destroy();
    },
    cleanup: () => defaults.remove(),
  });
}

function dumpFailure(exit: ToolExit, proc: ToolProcess, tool: MysqlTool, mariadb: boolean) {
  if (exit.spawnError) return toolMissing(STEP, 'DUMP_TOOL_MISSING', tool.path, mysqlClientPackage(mariadb), exit.spawnError);
  return toolFailed(
    STEP,
    'DUMP_FAILED',
    tool.version.text,
    exit,
    proc.stderr.tail,
    'read the message above; common causes: missing SELECT, SHOW VIEW, TRIGGER or EVENT privileges on the database, or (for stored routines) SELECT on mysql.proc (MariaDB) / SHOW_ROUTINE (MySQL 8), or the server closed the connection',
  );
}
