/**
 * Streaming a dump into a restore client (psql, mariadb). The one rule that matters: when the input fails
 * midway, the client must never see a clean end of input, because psql --single-transaction COMMITs at
 * EOF. So an input error SIGKILLs the client first and never ends its stdin.
 */
import { Writable, type Readable } from 'node:stream';
import { freeNow } from '../../common/free-now';
import type { ToolExit, ToolProcess } from './tool-process';

export interface FeedResult {
  exit: ToolExit;
  /** The input stream's own error, when it failed; the client was killed because of it. */
  inputError?: unknown;
}

/**
 * `stdin`, each chunk freed once the pipe has taken it. A dump's chunks are MiBs; the client is the slow end,
 * and a chunk left to the collector outlived its write long enough to keep a sealing worker's malloc arena
 * at 59 MB during a database restore.
 */
function freeingEachWrite(stdin: Writable): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      // The callback runs once the pipe has the bytes, or with an error once the client is gone (its exit
      // code says why). Backpressure is stdin's own, as for a plain pipe.
      if (stdin.write(chunk, () => freeNow(chunk))) done();
      else stdin.once('drain', () => done());
    },
    final(done) {
      stdin.end();
      done();
    },
  });
}

export interface FeedOptions {
  /** Written before `sql`. */
  prefix?: string;
  /** `sql`'s buffers are nobody else's: each is freed once written. */
  ownsInput?: boolean;
}

/** Writes the prefix (if any) then pipes `sql` into the client's stdin and waits for the client to exit. */
export async function feedTool(sql: Readable, proc: ToolProcess, { prefix, ownsInput = false }: FeedOptions = {}): Promise<FeedResult> {
  const stdin = proc.child.stdin!;
  const sink = ownsInput ? freeingEachWrite(stdin) : stdin;
  let inputError: unknown;
  const onInputError = (err: unknown): void => {
    inputError ??= err;
    proc.kill(); // before anything could end stdin
  };
  sql.on('error', onInputError);
  if (prefix) stdin.write(prefix);
  sql.pipe(sink);
  const exit = await proc.exited;
  sql.unpipe(sink);
  sql.off('error', onInputError);
  // The client stopped reading (an SQL error, or killed): release whoever produces the input.
  if (!sql.readableEnded) {
    sql.on('error', () => undefined);
    sql.destroy();
  }
  return { exit, inputError };
}
