/**
 * Finding the standard tools on this host and their versions. Discovery (PATH plus well-known versioned
 * directories such as /usr/lib/postgresql/<major>/bin) is separate from the choice, which is a pure function
 * of the candidates so that it can be tested without installing anything.
 */
import { access, readdir, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runCommand } from '../../common/child-process';

export interface ToolVersion {
  major: number;
  minor: number;
  /** What to show people, e.g. "pg_dump 15.20" or "mariadb-dump 10.11.19-MariaDB". */
  text: string;
}

export interface ToolCandidate {
  path: string;
  version: ToolVersion;
}

/** Orders versions; negative when a < b. */
export function compareVersions(a: ToolVersion, b: ToolVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

/**
 * The newest candidate whose major version is at least `minMajor`, and the newest overall (to name it in
 * an error). Ties keep the earlier candidate, so PATH order (the admin's choice) wins between equals.
 */
export function newestAtLeast(candidates: ToolCandidate[], minMajor: number): { chosen?: ToolCandidate; newest?: ToolCandidate } {
  let chosen: ToolCandidate | undefined;
  let newest: ToolCandidate | undefined;
  for (const c of candidates) {
    if (!newest || compareVersions(c.version, newest.version) > 0) newest = c;
    if (c.version.major >= minMajor && (!chosen || compareVersions(c.version, chosen.version) > 0)) chosen = c;
  }
  return { chosen, newest };
}

/**
 * Parses `<tool> --version` output: "pg_dump (PostgreSQL) 15.20 (Debian ...)", "psql (PostgreSQL) 17beta1",
 * "mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for ...", "mysqldump  Ver 8.0.36 for Linux ...".
 * For MySQL-family tools the server distribution ("Distrib X") is the meaningful version.
 */
export function parseToolVersion(name: string, output: string): ToolVersion | undefined {
  const distrib = /Distrib\s+([0-9][^\s,]*)/.exec(output);
  const text = distrib ? distrib[1] : output.replace(/^\S+\s+\([^)]*\)/, '');
  const m = /(\d+)(?:\.(\d+))?[0-9A-Za-z.+-]*/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), text: `${name} ${m[0]}` };
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Directories matching `<parent>/<entry>/<sub>` for entries accepted by `filter`, e.g. /usr/lib/postgresql/16/bin. */
export async function versionedDirs(parent: string, filter: RegExp, sub: string): Promise<string[]> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  return entries.filter((e) => filter.test(e)).map((e) => join(parent, e, sub));
}

/**
 * Executables named `name` in PATH, then in `extraDirs`, each real file once. When `skipWrapper` matches a
 * real path (Debian's pg_wrapper) and other candidates exist, the wrapper is dropped: it chooses its own
 * version from the environment, so its --version may not be what it later runs.
 */
export async function findExecutables(name: string, extraDirs: string[], skipWrapper?: RegExp): Promise<string[]> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  const seen = new Set<string>();
  const found: Array<{ path: string; real: string }> = [];
  for (const dir of dirs) {
    const path = join(dir, name);
    if (!(await isExecutable(path))) continue;
    const real = await realpath(path).catch(() => path);
    if (seen.has(real)) continue;
    seen.add(real);
    found.push({ path, real });
  }
  const direct = skipWrapper ? found.filter((f) => !skipWrapper.test(f.real)) : found;
  return (direct.length > 0 ? direct : found).map((f) => f.path);
}

/** Runs `path --version` for each path; tools that fail to answer are left out. */
export async function probeVersions(name: string, paths: string[]): Promise<ToolCandidate[]> {
  const probed = await Promise.all(
    paths.map(async (path) => {
      const result = await runCommand(path, ['--version']).catch(() => undefined);
      const version = result && result.exitCode === 0 ? parseToolVersion(name, result.stdout) : undefined;
      return version ? { path, version } : undefined;
    }),
  );
  return probed.filter((c): c is ToolCandidate => c !== undefined);
}
