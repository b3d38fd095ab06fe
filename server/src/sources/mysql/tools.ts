/**
 * Choosing the MySQL-family command-line tools. MariaDB's mariadb-dump/mariadb understand MariaDB-only
 * syntax (sequences, system-versioned tables, the "sandbox mode" line its dumps begin with); Oracle's
 * mysqldump/mysql know MySQL 8's. So the server's family decides which name is tried first.
 */
import { basename } from 'node:path';
import { toolMissing } from '../shared/errors';
import { findExecutables, probeVersions, type ToolCandidate } from '../shared/tool-version';

export type ToolKind = 'dump' | 'client';

export interface MysqlTool extends ToolCandidate {
  /** A MariaDB build (its TLS options are named differently). */
  maria: boolean;
}

/** Pure: the tool names to try, best first, for a server of this family. */
export function preferredToolNames(kind: ToolKind, mariadbServer: boolean): string[] {
  const [maria, oracle] = kind === 'dump' ? ['mariadb-dump', 'mysqldump'] : ['mariadb', 'mysql'];
  return mariadbServer ? [maria, oracle] : [oracle, maria];
}

/** The Debian package that provides the tools for this server family. */
export function mysqlClientPackage(mariadbServer: boolean): string {
  return mariadbServer ? 'mariadb-client' : 'default-mysql-client';
}

/** The first installed tool by preference, with its version; DUMP_TOOL_MISSING / RESTORE_TOOL_MISSING when none. */
export async function selectMysqlTool(kind: ToolKind, mariadbServer: boolean, step: string): Promise<MysqlTool> {
  const names = preferredToolNames(kind, mariadbServer);
  for (const name of names) {
    const [found] = await probeVersions(name, await findExecutables(name, []));
    if (found) return { ...found, maria: /mariadb/i.test(found.version.text) || basename(found.path).startsWith('mariadb') };
  }
  const code = kind === 'dump' ? 'DUMP_TOOL_MISSING' : 'RESTORE_TOOL_MISSING';
  throw toolMissing(step, code, names.join(' or '), mysqlClientPackage(mariadbServer));
}
