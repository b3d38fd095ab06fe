/**
 * The db component: the dump and, from the same database snapshot, the list of files the database
 * references, per-table row counts and versions.
 */
import { Readable } from 'node:stream';
import { MmBackupError } from '../common/errors';
import { describeConnection } from '../mattermost/dsn';
import { writeBlob } from '../repository/blobs';
import type { DbComponent } from '../repository/snapshots';
import type { DumpInfo } from '../sources/database';
import { driverFor } from '../sources/drivers';
import type { CaptureContext } from './backup';

export async function captureDatabase(context: CaptureContext): Promise<{ component: DbComponent; info: DumpInfo }> {
  const { installation, repository, stats, reporter, signal } = context;
  const conn = installation.database;
  const started = Date.now();
  const dump = await driverFor(conn).dump(conn, reporter);
  const onAbort = () => dump.abort();
  signal?.addEventListener('abort', onAbort);
  try {
    let count = 0;
    const listing = Readable.from(
      (async function* () {
        for await (const file of dump.referencedFiles) {
          count++;
          yield `${JSON.stringify(file)}\n`;
        }
      })(),
    );
    if (context.parent?.components.db) reporter.expectBytes?.(context.parent.components.db.dump.size);
    // Both are read at once: a dump tool nobody reads from stalls, and MySQL drops a stalled connection.
    // Nothing but the chunker reads the dump's buffers, so it frees each once cut (ownsSource).
    const saving = [writeBlob(repository, listing, stats), writeBlob(repository, dump.sql, stats, (n) => reporter.bytes(n), true)];
    const [list, sql] = await Promise.all(saving).catch(async (err) => {
      // When the dump tool itself failed, its own error (with the tool's last words) is the one to show.
      const toolError = await Promise.race([dump.finished.then(() => undefined, (e: unknown) => e), delay(2000)]);
      dump.abort();
      await Promise.allSettled(saving);
      throw toolError instanceof MmBackupError && toolError.code !== 'ABORTED' ? toolError : err;
    });
    reporter.info(`the database references ${count} files`);
    const info = await dump.finished;
    if (signal?.aborted) throw aborted();
    reporter.info(`dumped ${info.serverVersion} with ${info.dumpTool}: ${sql.size} bytes, ${Object.keys(info.tables).length} tables`);
    return {
      info,
      component: {
        driver: info.driver,
        database: conn.database,
        source: describeConnection(conn),
        serverVersion: info.serverVersion,
        dumpTool: info.dumpTool,
        format: info.format,
        dump: sql,
        tables: info.tables,
        referencedFiles: { count, list },
        durationMs: Date.now() - started,
      },
    };
  } catch (err) {
    dump.abort();
    await dump.finished.catch(() => {});
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

function aborted(): MmBackupError {
  return new MmBackupError({ step: 'dump-db', code: 'ABORTED', message: 'the backup was cancelled', fix: 'start it again when ready' });
}
