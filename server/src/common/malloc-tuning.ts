/**
 * glibc's malloc, tuned for what the bridge does: buffers of KiBs to a few MiBs (file contents, chunks,
 * sealed blobs) allocated and freed all the time, by several threads.
 *
 * - One arena for the whole process. glibc gives threads that allocate at the same time arenas of their own
 *   (up to eight per core) and keeps the holes that buffers freed out of order leave in each; each sealing
 *   worker's arena held 30-60 MB at a backup's peak. With one arena, measured on two cores: a cold first
 *   backup of a 1 GiB file store 172 MB at its peak instead of 195, the same backup to S3 198 instead of
 *   217, a restore from S3 236-241 instead of 254-258, and none of them slower.
 * - Blocks of up to 4 MiB (the largest chunk) come from that heap, and the heap's free top is kept. By
 *   default glibc maps a block of its own above a threshold that it moves up to the largest block freed so
 *   far, and hands the heap's free top back beyond twice that: memory given back and faulted in again, over
 *   and over, 100,000-130,000 page faults in a cold first backup of that store. Kept: 35,000-38,000, that
 *   backup 9.4 and 9.7 s against 10.4 and 11.2 (two pairs), verify --read-data 3.1-3.3 s against 3.9-4.0,
 *   and the peaks the same (disk 177-193 MB against 184-195, S3 187-191 against 188-190). Larger blocks (a
 *   whole pack read for a repack) are still mapped and unmapped whole.
 *
 * glibc reads these settings (GLIBC_TUNABLES) only when a process starts, so the CLI's entry calls this
 * first: the process replaces itself, same pid, arguments and environment, once, with the settings added.
 * A setting the environment gives already is left as it is. Where process.execve() is missing (Node before
 * 23.11, not Linux) the process goes on as it is; a C library that is not glibc ignores the variable.
 * The package's /usr/bin/mmbackup sets TUNED_MALLOC itself (build/deb/mmbackup), so Node starts only once.
 */
const MALLOC_TUNABLES: Record<string, string> = {
  'glibc.malloc.arena_max': '1',
  'glibc.malloc.mmap_threshold': String(4 * 1024 * 1024 + 1),
  'glibc.malloc.trim_threshold': String(256 * 1024 * 1024),
};

/** GLIBC_TUNABLES with all of our settings, for a launcher to start the CLI with. */
export const TUNED_MALLOC = Object.entries(MALLOC_TUNABLES)
  .map(([name, value]) => `${name}=${value}`)
  .join(':');

/** `tunables` with each of ours it does not set already added ('' when nothing is missing). */
function withOurs(tunables: string): string {
  const given = new Set(tunables.split(':').map((setting) => setting.split('=')[0]));
  const missing = Object.entries(MALLOC_TUNABLES).filter(([name]) => !given.has(name));
  if (missing.length === 0) return '';
  return [...(tunables ? [tunables] : []), ...missing.map(([name, value]) => `${name}=${value}`)].join(':');
}

export function runWithTunedMalloc(): void {
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (process.platform !== 'linux' || typeof execve !== 'function') return;
  const tunables = withOurs(process.env.GLIBC_TUNABLES ?? '');
  if (!tunables) return;
  const env = { ...process.env, GLIBC_TUNABLES: tunables };
  execve.call(process, process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
}
