/**
 * Knowing when mysqldump/mariadb-dump has its consistent snapshot, so our global read lock can be lifted.
 * The tool prints its header, then starts its transaction (--single-transaction), then dumps the first
 * table. So the first line that belongs to a table (or to the events/routines sections, or the end of the
 * dump, or the exit of the tool) proves its snapshot exists. Output read while waiting is kept and
 * handed back in order, so nothing is lost.
 */
import type { Readable } from 'node:stream';

/** Lines that the dump tools write only after their transaction has started. */
export const STARTED_MARKER =
  /^(?:-- (?:Table structure for table|Temporary (?:table|view) structure for view|Dumping (?:events|routines) for database|Dump completed)|CREATE TABLE|DROP TABLE IF EXISTS|\/\*!50001 CREATE)/m;

export interface GateResult {
  /** Everything read from stdout while waiting, to be replayed first. */
  chunks: Buffer[];
  reason: 'marker' | 'exit' | 'timeout';
}

/**
 * Reads `stdout` in flowing mode (unbounded, but only the short header comes before a marker) until a
 * marker appears, the stream ends, or `timeoutMs` passes; then pauses it, so the caller can pipe it on.
 */
export function waitForDumpStart(stdout: Readable, timeoutMs: number): Promise<GateResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let window = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (reason: GateResult['reason']): void => {
      stdout.pause();
      stdout.off('data', onData);
      stdout.off('end', onEnd);
      stdout.off('close', onEnd);
      if (timer) clearTimeout(timer);
      resolve({ chunks, reason });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      // Keep the tail of the previous chunk so a marker split across chunks is still seen.
      window = window.slice(-200) + chunk.toString('latin1');
      if (STARTED_MARKER.test(window)) finish('marker');
    };
    const onEnd = (): void => finish('exit');
    stdout.on('data', onData);
    stdout.once('end', onEnd);
    stdout.once('close', onEnd);
    timer = setTimeout(() => finish('timeout'), timeoutMs);
  });
}
