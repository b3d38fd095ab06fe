/**
 * Temporary credential files (pgpass, MySQL defaults-extra-file) for the standard tools, so that a password
 * never appears on a command line (visible to every user through `ps`). Each file lives alone in a fresh
 * 0700 directory under the OS temp dir, is created 0600 with O_EXCL, and is removed by `remove()`; files
 * still present when the process exits are removed by an exit hook, as a last resort.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SecretFile {
  /** Absolute path of the 0600 file. */
  readonly path: string;
  /** Deletes the file and its directory; idempotent, never throws. */
  remove(): Promise<void>;
}

const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const dir of live) rmSync(dir, { recursive: true, force: true });
  });
}

/** Writes `content` to a new private file named `name`; the caller must `remove()` it in every case. */
export async function writeSecretFile(name: string, content: string): Promise<SecretFile> {
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'mmbackup-cred-'));
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
