/**
 * Choosing pg_dump and psql. pg_dump refuses to dump a server newer than itself, so it must be at least
 * the server's major version; among those the newest wins (Discourse's postgres_tools.rb does the same).
 * psql only replays plain SQL, but newer pg_dump output uses meta-commands (\restrict) that old psql
 * lacks, so the newest psql is used.
 */
import { MmBackupError } from '../../common/errors';
import { redact } from '../../common/redact';
import { toolMissing } from '../shared/errors';
import { findExecutables, newestAtLeast, probeVersions, versionedDirs, type ToolCandidate } from '../shared/tool-version';

export type PgDumpChoice =
  | { kind: 'ok'; tool: ToolCandidate }
  | { kind: 'too-old'; newest: ToolCandidate }
  | { kind: 'none' };

/** Pure: the newest pg_dump whose major version is at least the server's. */
export function choosePgDump(candidates: ToolCandidate[], serverMajor: number): PgDumpChoice {
  const { chosen, newest } = newestAtLeast(candidates, serverMajor);
  if (chosen) return { kind: 'ok', tool: chosen };
  return newest ? { kind: 'too-old', newest } : { kind: 'none' };
}

/** The Debian package that provides a client of this major version. */
export function clientPackage(major: number): string {
  return `postgresql-client-${major}`;
}

/** The installed copies of a PostgreSQL client program, with their versions. */
export async function pgToolCandidates(name: 'pg_dump' | 'psql'): Promise<ToolCandidate[]> {
  const extra = [
    ...(await versionedDirs('/usr/lib/postgresql', /^\d+$/, 'bin')),
    ...(await versionedDirs('/usr', /^pgsql-\d+$/, 'bin')),
  ];
  return probeVersions(name, await findExecutables(name, extra, /pg_wrapper$/));
}

/** A pg_dump able to dump a server of `serverMajor` (and its version `serverVersion`), or the error that says what to install. */
export async function selectPgDump(step: string, serverVersion: string, serverMajor: number, candidates?: ToolCandidate[]): Promise<ToolCandidate> {
  const choice = choosePgDump(candidates ?? (await pgToolCandidates('pg_dump')), serverMajor);
  if (choice.kind === 'ok') return choice.tool;
  if (choice.kind === 'none') throw toolMissing(step, 'DUMP_TOOL_MISSING', 'pg_dump', clientPackage(serverMajor));
  throw new MmBackupError({
    step,
    code: 'PG_DUMP_TOO_OLD',
    message: redact(`${choice.newest.version.text} (${choice.newest.path}) cannot dump PostgreSQL ${serverVersion}: pg_dump must be at least version ${serverMajor}`),
    fix: `install ${clientPackage(serverMajor)} (or newer); it is found in PATH or /usr/lib/postgresql/<version>/bin`,
  });
}

/** The newest psql, or RESTORE_TOOL_MISSING. */
export async function selectPsql(step: string, serverMajor: number): Promise<ToolCandidate> {
  const { newest } = newestAtLeast(await pgToolCandidates('psql'), 0);
  if (!newest) throw toolMissing(step, 'RESTORE_TOOL_MISSING', 'psql', clientPackage(serverMajor));
  return newest;
}
