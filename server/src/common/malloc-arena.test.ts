/**
 * The CLI's entry replaces its process once with glibc limited to one malloc arena: same pid, arguments
 * and environment, any GLIBC_TUNABLES already set kept, and never a second time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const helper = path.join(__dirname, 'malloc-arena.ts');
const swc = path.resolve(__dirname, '../../test/support/swc-require.js');

function run(env: NodeJS.ProcessEnv): { pid: number; tunables: string; args: string[]; secret?: string; starts: number } {
  const script = `
    process.env.STARTS = String(Number(process.env.STARTS ?? 0) + 1);
    require(${JSON.stringify(helper)}).runWithOneMallocArena();
    console.log(JSON.stringify({ pid: process.pid, tunables: process.env.GLIBC_TUNABLES, args: process.argv.slice(2), secret: process.env.SOME_SECRET, starts: Number(process.env.STARTS) }));`;
  // A script file, as bin/mmbackup is: what follows its path is its own arguments, never Node's options.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mmbackup-arena-'));
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

test('the process replaces itself once with one malloc arena, keeping its pid, arguments and environment', () => {
  const out = run({ SOME_SECRET: 'kept' });
  expect(out.tunables).toBe('glibc.malloc.arena_max=1');
  expect(out.args).toEqual(['backup', '--only', 'files']);
  expect(out.secret).toBe('kept');
  // The variable set before the replacement is seen after it: the code ran twice, in one process.
  expect(out.starts).toBe(2);
});

test('tunables already set are kept, and a limit already set is left alone', () => {
  expect(run({ GLIBC_TUNABLES: 'glibc.malloc.check=0' }).tunables).toBe('glibc.malloc.check=0:glibc.malloc.arena_max=1');
  const given = run({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' });
  expect(given.tunables).toBe('glibc.malloc.arena_max=4');
  expect(given.starts).toBe(1);
});
