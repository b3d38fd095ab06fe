/**
 * The life of one running dump, shared by both drivers: the tool's stdout becomes `sql`, the driver's
 * snapshot connection answers `finished` (row counts, versions) and `referencedFiles`, and everything is
 * released exactly once.
 *
 * Lifetime of the snapshot connection: it stays open until `finished` has settled AND `referencedFiles`
 * has been iterated to its end (or abandoned with break/throw), because the file list is streamed from
 * the same snapshot as the dump. abort() releases it at any time. A caller that may not iterate the files
 * must call abort() in its cleanup; after a successful dump abort() only releases, it never un-resolves.
 */
import { PassThrough } from 'node:stream';
import { MmBackupError } from '../../common/errors';
import type { DatabaseDump, DumpInfo } from '../database';
import { aborted, messageOf } from './errors';
import type { ToolExit, ToolProcess } from './tool-process';

type SnapshotInfo = Pick<DumpInfo, 'tables' | 'mattermostVersion' | 'schemaVersion'>;

export interface DumpSessionOptions {
  step: string;
  proc: ToolProcess;
  /** Output the tool wrote before the session took over (the MySQL start gate); replayed first, in order. */
  prefix?: Buffer[];
  base: Omit<DumpInfo, keyof SnapshotInfo>;
  /** Reads row counts and versions in the snapshot; called once, at once. */
  readInfo: () => Promise<SnapshotInfo>;
  /** Streams the referenced file paths from the snapshot; called at most once. */
  files: () => AsyncIterable<string>;
  /** Maps an unsuccessful exit of the tool to the error `finished` rejects with. */
  failure: (exit: ToolExit) => MmBackupError;
  /**
   * Ends the snapshot transaction and closes its connection; must not throw. `graceful` is false after an
   * abort or a failure, when queries may still be in flight: then close at once instead of committing.
   */
  releaseSnapshot: (graceful: boolean) => Promise<void>;
  /** Removes temporary credential files; idempotent, must not throw. */
  cleanup: () => Promise<void>;
}

class DumpSession implements DatabaseDump {
  readonly sql = new PassThrough();
  readonly finished: Promise<DumpInfo>;
  readonly referencedFiles: AsyncIterable<string>;
  private settled = false;
  private abortRequested = false;
  private error?: MmBackupError;
  private filesStarted = false;
  private filesDone = false;
  private released?: Promise<void>;

  constructor(private readonly o: DumpSessionOptions) {
    // A consumer's pipeline sees errors through its own listener; this one only keeps an unconsumed
    // stream from crashing the process.
    this.sql.on('error', () => undefined);
    for (const chunk of o.prefix ?? []) this.sql.write(chunk);
    o.proc.child.stdout!.pipe(this.sql, { end: false });
    this.finished = this.run();
    this.finished.catch(() => undefined);
    this.referencedFiles = { [Symbol.asyncIterator]: () => this.iterateFiles() };
  }

  private async run(): Promise<DumpInfo> {
    const info = this.o.readInfo();
    info.catch(() => undefined);
    const exit = await this.o.proc.exited;
    await this.o.cleanup();
    try {
      if (this.abortRequested) throw aborted(this.o.step);
      if (exit.spawnError || exit.code !== 0) throw this.o.failure(exit);
      const snapshot = await info.catch((e: unknown) => {
        throw this.wrap(e, 'reading row counts and versions in the snapshot');
      });
      const result: DumpInfo = { ...this.o.base, ...snapshot };
      if (this.abortRequested) throw aborted(this.o.step);
      this.sql.end();
      return result;
    } catch (err) {
      this.error = this.abortRequested ? aborted(this.o.step) : this.wrap(err, 'finishing the dump');
      this.sql.destroy(this.error);
      throw this.error;
    } finally {
      this.settled = true;
      await this.maybeRelease();
    }
  }

  private async *iterateFiles(): AsyncGenerator<string> {
    if (this.filesStarted) {
      throw new MmBackupError({ step: this.o.step, code: 'FILES_ALREADY_READ', message: 'the referenced files of a dump can be read only once' });
    }
    this.filesStarted = true;
    try {
      if (this.abortRequested) throw aborted(this.o.step);
      if (this.error) throw this.error;
      for await (const path of this.o.files()) yield path;
    } catch (err) {
      throw this.abortRequested ? aborted(this.o.step) : this.wrap(err, 'reading the referenced files in the snapshot');
    } finally {
      this.filesDone = true;
      await this.maybeRelease();
    }
  }

  /** Our own queries' errors (driver errors, lost connections) as DUMP_FAILED saying what we were doing. */
  private wrap(err: unknown, doing: string): MmBackupError {
    if (err instanceof MmBackupError) return err;
    return new MmBackupError({ step: this.o.step, code: 'DUMP_FAILED', message: `${doing} failed: ${messageOf(err)}`, cause: err });
  }

  abort(): void {
    if (this.abortRequested) return;
    this.abortRequested = true;
    if (!this.settled) {
      this.o.proc.stop();
      this.sql.destroy(aborted(this.o.step));
    }
    void this.release();
    void this.o.cleanup();
  }

  private maybeRelease(): Promise<void> | undefined {
    if (this.abortRequested || this.error || (this.settled && this.filesDone)) return this.release();
    return undefined;
  }

  private release(): Promise<void> {
    this.released ??= this.o.releaseSnapshot(!this.abortRequested && !this.error);
    return this.released;
  }
}

/** Wraps a started dump tool and its open snapshot connection into a DatabaseDump. */
export function startDumpSession(options: DumpSessionOptions): DatabaseDump {
  return new DumpSession(options);
}
