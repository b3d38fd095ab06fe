/**
 * glibc gives threads that allocate at the same time malloc arenas of their own (up to eight per core) and
 * keeps the holes that buffers freed out of order leave in each. The sealing workers allocate and free
 * buffers of up to MiBs all the time, and each worker's arena held 30-60 MB at a backup's peak. With one
 * arena for the whole process, measured on two cores: a cold first backup of a 1 GiB file store 172 MB at
 * its peak instead of 195, the same backup to S3 198 instead of 217, a restore from S3 236-241 instead of
 * 254-258, and none of them slower.
 *
 * glibc reads the limit (GLIBC_TUNABLES) only when a process starts, so the CLI's entry calls this first:
 * the process replaces itself, same pid, arguments and environment, once, with the limit added. Where
 * process.execve() is missing (Node before 23.11, not Linux) the process goes on as it is; a C library that
 * is not glibc ignores the variable.
 */
const ONE_ARENA = 'glibc.malloc.arena_max=1';

export function runWithOneMallocArena(): void {
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  const tunables = process.env.GLIBC_TUNABLES ?? '';
  if (process.platform !== 'linux' || typeof execve !== 'function' || tunables.includes('glibc.malloc.arena_max=')) return;
  const env = { ...process.env, GLIBC_TUNABLES: tunables ? `${tunables}:${ONE_ARENA}` : ONE_ARENA };
  execve.call(process, process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
}
