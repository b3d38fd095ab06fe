/**
 * Streaming a dump into a restore client (psql, mariadb). The one rule that matters: when the input fails
 * midway, the client must never see a clean end of input, because psql --single-transaction COMMITs at
 * EOF. So an input error SIGKILLs the client first and never ends its stdin.
 */
import type { Readable } from 'node:stream';
import type { ToolExit, ToolProcess } from './tool-process';

export interface FeedResult {
  exit: ToolExit;
  /** The input stream's own error, when it failed; the client was killed because of it. */
  inputError?: unknown;
}

/** Writes `prefix` (if any) then pipes `sql` into the client's stdin and waits for the client to exit. */
export async function feedTool(sql: Readable, proc: ToolProcess, prefix?: string): Promise<FeedResult> {
  const stdin = proc.child.stdin!;
  let inputError: unknown;
  const onInputError = (err: unknown): void => {
    inputError ??= err;
    proc.kill(); // before anything could end stdin
  };
  sql.on('error', onInputError);
  if (prefix) stdin.write(prefix);
  sql.pipe(stdin);
  const exit = await proc.exited;
  sql.unpipe(stdin);
  sql.off('error', onInputError);
  // The client stopped reading (an SQL error, or killed): release whoever produces the input.
  if (!sql.readableEnded) {
    sql.on('error', () => undefined);
    sql.destroy();
  }
  return { exit, inputError };
}
