/**
 * Temporary credential files (pgpass, MySQL defaults-extra-file) for the standard tools, so that a password
 * never appears on a command line (visible to every user through `ps`) or in a tool's environment.
 *
 * Each file lives alone in a fresh directory "<tag>-<pid>-<random>" inside one private parent,
 * <tmp>/mmbackup-cred-<uid> (0700, owned by this user: anything else there is refused), and is created
 * 0600 with O_EXCL. It is removed by `remove()`, by an exit hook as a last resort, and, when the process
 * was killed (SIGKILL, OOM killer, power cut), by the next run: writing a credential file first removes
 * every directory whose process is gone (a readdir of a directory that holds a few entries at most). <tag> identifies the kernel boot and pid
 * namespace, so a run only judges directories of processes whose pids it can see.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, rmSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processIsAlive, processNamespace } from '../../common/child-process';
import { MmBackupError } from '../../common/errors';

export interface SecretFile {
  /** Absolute path of the 0600 file. */
  readonly path: string;
  /** Deletes the file and its directory; idempotent, never throws. */
  remove(): Promise<void>;
}

const live = new Set<string>();
let exitHookInstalled = false;

/** The private parent of every credential directory of this user. */
export function secretFilesParent(): string {
  return join(tmpdir(), `mmbackup-cred-${process.getuid?.() ?? 'user'}`);
}

function namespaceTag(): string {
  const ns = processNamespace();
  return ns ? createHash('sha256').update(ns).digest('hex').slice(0, 12) : 'unknown';
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const dir of live) rmSync(dir, { recursive: true, force: true });
  });
}

/** Creates the parent, or checks that an existing one is a private directory of this user. */
async function privateParent(): Promise<string> {
  const parent = secretFilesParent();
  await mkdir(parent, { mode: 0o700 }).catch((err) => {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
  const st = lstatSync(parent);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new MmBackupError({
      step: 'credentials',
      code: 'CREDENTIAL_DIR_UNSAFE',
      message: `${parent} is not a private directory of this user (a symlink, another owner, or readable by others), so no password file is written there`,
      fix: `remove ${parent} (mmbackup creates it again, mode 0700), or set TMPDIR to a directory only this user can write`,
    });
  }
  return parent;
}

/** Removes credential directories of processes that are gone (killed before they could clean up). */
export async function removeLeftoverSecretFiles(parent = secretFilesParent()): Promise<string[]> {
  const tag = namespaceTag();
  const removed: string[] = [];
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const m = /^([0-9a-f]{12}|unknown)-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m || m[1] !== tag || tag === 'unknown') continue;
    const dir = join(parent, name);
    const pid = Number(m[2]);
    if (live.has(dir) || (pid !== process.pid && processIsAlive(pid))) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    removed.push(dir);
  }
  return removed;
}

/** Writes `content` to a new private file named `name`; the caller must `remove()` it in every case. */
export async function writeSecretFile(name: string, content: string): Promise<SecretFile> {
  installExitHook();
  const parent = await privateParent();
  await removeLeftoverSecretFiles(parent);
  const dir = join(parent, `${namespaceTag()}-${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  live.add(dir);
  const path = join(dir, name);
  const remove = async (): Promise<void> => {
    if (!live.delete(dir)) return;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    await writeFile(path, content, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    await remove();
    throw err;
  }
  return { path, remove };
}

/** Directories of credential files not yet removed, in this process; tests assert it is empty. */
export function liveSecretFiles(): string[] {
  return [...live];
}
