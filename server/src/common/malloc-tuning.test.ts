/**
 * The CLI's entry replaces its process once with glibc's malloc tuned (one arena, blocks up to 4 MiB from
 * the heap, its top kept): same pid, arguments and environment, any GLIBC_TUNABLES already set kept, and
 * never a second time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TUNED_MALLOC } from './malloc-tuning';

const helper = path.join(__dirname, 'malloc-tuning.ts');
const swc = path.resolve(__dirname, '../../test/support/swc-require.js');

function run(env: NodeJS.ProcessEnv): { pid: number; tunables: string; args: string[]; secret?: string; starts: number } {
  const script = `
    process.env.STARTS = String(Number(process.env.STARTS ?? 0) + 1);
    require(${JSON.stringify(helper)}).runWithTunedMalloc();
    console.log(JSON.stringify({ pid: process.pid, tunables: process.env.GLIBC_TUNABLES, args: process.argv.slice(2), secret: process.env.SOME_SECRET, starts: Number(process.env.STARTS) }));`;
  // A script file, as bin/mmbackup is: what follows its path is its own arguments, never Node's options.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mmbackup-malloc-'));
  try {
    writeFileSync(path.join(dir, 'entry.js'), script);
    const child = spawnSync(process.execPath, ['--require', swc, path.join(dir, 'entry.js'), 'backup', '--only', 'files'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    const out = JSON.parse(child.stdout);
    expect(out.pid).toBe(child.pid); // replaced, not a child of its own: cron and systemd see one process
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const OURS = 'glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=4194305:glibc.malloc.trim_threshold=268435456';

test('the process replaces itself once with malloc tuned, keeping its pid, arguments and environment', () => {
  const out = run({ SOME_SECRET: 'kept' });
  expect(out.tunables).toBe(OURS);
  expect(out.args).toEqual(['backup', '--only', 'files']);
  expect(out.secret).toBe('kept');
  // The variable set before the replacement is seen after it: the code ran twice, in one process.
  expect(out.starts).toBe(2);
});

test('tunables already set are kept, and a setting already given is left alone', () => {
  expect(run({ GLIBC_TUNABLES: 'glibc.malloc.check=0' }).tunables).toBe(`glibc.malloc.check=0:${OURS}`);
  const some = run({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' });
  expect(some.tunables).toBe('glibc.malloc.arena_max=4:glibc.malloc.mmap_threshold=4194305:glibc.malloc.trim_threshold=268435456');
  expect(some.starts).toBe(2);
  const all = run({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=1' });
  expect(all.tunables).toBe('glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=1');
  expect(all.starts).toBe(1); // nothing to add: not replaced
});

test('started with TUNED_MALLOC, as the package launcher starts it, the process is not replaced', () => {
  expect(TUNED_MALLOC).toBe(OURS);
  const out = run({ GLIBC_TUNABLES: TUNED_MALLOC });
  expect(out).toMatchObject({ tunables: OURS, starts: 1 });
});
