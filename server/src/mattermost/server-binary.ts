/**
 * The Mattermost server binary on this host: where it is and which version it is. Restore compares it with
 * the version a backup was taken with (a database from a newer Mattermost must not be handed to an older
 * binary), and drills boot it on the restored data.
 *
 * Found, in order: an explicit path (--mattermost-binary, or $MMBACKUP_MATTERMOST_BINARY), then
 * `<install dir>/bin/mattermost`, as Mattermost's own release tarball lays it out.
 *
 * The version comes from `mattermost version`, which prints the compiled-in version and needs neither a
 * config nor a database. The migration level the binary knows is read from the binary itself: Mattermost
 * embeds its schema migrations (`channels/db/migrations/postgres/000150_add_translation_state.up.sql`, ...)
 * with go:embed, so their names are in the executable; the highest number is the newest schema it can run.
 */
import { spawn } from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExitCode, MmBackupError } from '../common/errors';

export interface MattermostBinary {
  path: string;
  /** The install dir the binary belongs to (parent of bin/): its i18n/, templates/ and fonts/ live there. */
  installDir: string;
  /** e.g. "11.4.0" */
  version: string;
  buildNumber?: string;
  /** The highest schema migration embedded per driver, when the binary holds any. */
  migrations: { postgres?: number; mysql?: number };
}

export interface BinaryLookup {
  /** An explicit path from the admin; it must exist. */
  explicit?: string;
  installDir?: string;
}

/** The binary's path, or undefined when none is installed where we look (the caller says what was skipped). */
export async function findMattermostBinary(lookup: BinaryLookup): Promise<string | undefined> {
  const explicit = lookup.explicit ?? process.env.MMBACKUP_MATTERMOST_BINARY;
  if (explicit) {
    if (!(await isExecutable(explicit))) {
      throw new MmBackupError({
        step: 'mattermost-binary',
        code: 'MATTERMOST_BINARY_NOT_FOUND',
        message: `${explicit} is not an executable Mattermost binary`,
        fix: 'pass --mattermost-binary (or set MMBACKUP_MATTERMOST_BINARY) to the bin/mattermost of the Mattermost install',
        exitCode: ExitCode.usage,
      });
    }
    return path.resolve(explicit);
  }
  if (!lookup.installDir) return undefined;
  const candidate = path.join(lookup.installDir, 'bin', 'mattermost');
  return (await isExecutable(candidate)) ? candidate : undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fs.constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

const cache = new Map<string, Promise<MattermostBinary>>();

/** Reads the binary's version and migration level; cached per path, size and modification time. */
export async function inspectMattermostBinary(binary: string): Promise<MattermostBinary> {
  const stat = await fs.stat(binary);
  const key = `${binary}:${stat.size}:${stat.mtimeMs}`;
  if (!cache.has(key)) cache.set(key, readBinary(binary).catch((err) => { cache.delete(key); throw err; }));
  return cache.get(key)!;
}

async function readBinary(binary: string): Promise<MattermostBinary> {
  const [printed, migrations] = await Promise.all([runVersion(binary), embeddedMigrations(binary)]);
  const version = /^Version:\s*(\S+)/m.exec(printed)?.[1];
  if (!version) {
    throw new MmBackupError({
      step: 'mattermost-binary',
      code: 'MATTERMOST_VERSION_UNREADABLE',
      message: `"${binary} version" printed no version: ${printed.trim().split('\n').pop() ?? ''}`,
      fix: 'check that the file is the Mattermost server binary (bin/mattermost of a Mattermost install)',
    });
  }
  return { path: binary, installDir: path.dirname(path.dirname(binary)), version, buildNumber: /^Build Number:\s*(\S+)/m.exec(printed)?.[1], migrations };
}

function runVersion(binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // No inherited MM_* variables: the version needs none, and they may hold secrets.
    const child = spawn(binary, ['version'], { cwd: path.dirname(path.dirname(binary)), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new MmBackupError({ step: 'mattermost-binary', code: 'MATTERMOST_BINARY_FAILED', message: `${binary} could not be run: ${err.message}`, fix: 'check the path and that it is executable by this user', cause: err }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new MmBackupError({ step: 'mattermost-binary', code: 'MATTERMOST_BINARY_FAILED', message: `"${binary} version" exited with ${code}: ${out.trim().split('\n').pop() ?? ''}`, fix: 'run it by hand to see why; the binary may be damaged or built for another system' }));
    });
  });
}

const MIGRATION_NAME = /(postgres|mysql)\/(\d{6})_[a-z0-9_]+\.up\.sql/g;

/** Scans the executable for the embedded migration file names, streaming (the binary is ~200 MB). */
async function embeddedMigrations(binary: string): Promise<{ postgres?: number; mysql?: number }> {
  const found: { postgres?: number; mysql?: number } = {};
  let carry = '';
  for await (const chunk of createReadStream(binary, { encoding: 'latin1', highWaterMark: 4 << 20 })) {
    const text = carry + (chunk as string);
    for (const match of text.matchAll(MIGRATION_NAME)) {
      const driver = match[1] as 'postgres' | 'mysql';
      const level = Number(match[2]);
      if (level > (found[driver] ?? 0)) found[driver] = level;
    }
    carry = text.slice(-200); // a name cut between two chunks is found in the next round
  }
  return found;
}

/** Compares dotted versions numerically ("11.10.0" > "11.9.2"); non-numeric suffixes are ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.replace(/^v/, '').split(/[.-]/).slice(0, 3).map((p) => parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
