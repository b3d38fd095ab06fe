/**
 * Secrets stay out of the dump tools and out of the process list.
 * - pg_dump runs through the real backup path with a stand-in pg_dump first on PATH that records its
 *   environment and argv: it gets PATH, the locale, the time zone and the PG* variables mmbackup sets, the
 *   password only through a 0600 PGPASSFILE, and never the passphrase, S3 or AWS keys, tokens, or a stray
 *   PGPASSWORD/MYSQL_PWD of the caller's environment.
 * - restore --db-file and MMBACKUP_RESTORE_DB, and verify --drill --db-file, run the real psql while the
 *   process list is sampled: the database password never appears in any process's command line.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { dropGeneratedDatabase } from '../src/demo/generate-database';
import { startTool } from '../src/sources/shared/tool-process';
import { toolEnv as mysqlToolEnv } from '../src/sources/mysql/connection';
import { requireBuild, runCli, startCli } from './support/cli';
import { createInstallation, DB_PASSWORD, PASSPHRASE, SERVERS, uniqueName, type TestInstallation } from './support/installation';
import { dsnFor } from './support/round-trip';

const SECRETS = {
  MMBACKUP_PASSPHRASE: PASSPHRASE,
  MMBACKUP_S3_SECRET_ACCESS_KEY: 's3-secret-that-must-not-reach-tools',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-that-must-not-reach-tools',
  AWS_SESSION_TOKEN: 'aws-token-that-must-not-reach-tools',
  GITHUB_TOKEN: 'gh-token-that-must-not-reach-tools',
  PGPASSWORD: 'stray-pgpassword',
  MYSQL_PWD: 'stray-mysql-pwd',
};

let inst: TestInstallation;
let args: string[];
const dropLater: string[] = [];

beforeAll(async () => {
  requireBuild();
  inst = await createInstallation('postgres', { posts: 60 });
  args = inst.args.filter((a, i) => a !== '--passphrase-file' && inst.args[i - 1] !== '--passphrase-file');
  expect((await runCli([...args, 'init'], { MMBACKUP_PASSPHRASE: PASSPHRASE })).code).toBe(0);
});
afterAll(async () => {
  for (const db of dropLater) await dropGeneratedDatabase('postgres', { ...SERVERS.postgres, password: undefined }, db).catch(() => {});
  await inst?.cleanup();
});

test('pg_dump gets only the allow-listed environment and the password through a 0600 file', async () => {
  const fake = path.join(inst.root, 'fake-bin');
  const out = path.join(inst.root, 'fake-out');
  await fs.mkdir(fake);
  await fs.mkdir(out);
  await fs.writeFile(path.join(fake, 'pg_dump'), `#!/bin/sh
if [ "$1" = "--version" ]; then env > ${out}/version-env; echo "pg_dump (PostgreSQL) 99.0"; exit 0; fi
env > ${out}/env
tr '\\0' ' ' < /proc/$$/cmdline > ${out}/argv
stat -c %a "$PGPASSFILE" > ${out}/passfile-mode
cat "$PGPASSFILE" > ${out}/passfile
echo "pg_dump: stand-in stops here" >&2
exit 1
`, { mode: 0o755 });
  const result = await runCli([...args, 'backup', '--only', 'db'], { ...SECRETS, PATH: `${fake}:${process.env.PATH}`, LANG: 'C.UTF-8', TZ: 'Europe/Berlin' });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/stand-in stops here/);
  const env = await fs.readFile(path.join(out, 'env'), 'utf8');
  const names = env.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf('='))).filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n)); // the shell sets these itself
  expect(names.sort()).toEqual(expect.arrayContaining(['HOME', 'LANG', 'PATH', 'PGAPPNAME', 'PGCONNECT_TIMEOUT', 'PGDATABASE', 'PGHOST', 'PGOPTIONS', 'PGPASSFILE', 'PGPORT', 'PGUSER', 'TZ']));
  expect(names.filter((n) => !/^(HOME|LANG|LANGUAGE|LC_\w+|PATH|TZ|TMPDIR|LD_LIBRARY_PATH|PG\w+)$/.test(n))).toEqual([]);
  expect(names).not.toContain('PGPASSWORD');
  for (const text of [env, await fs.readFile(path.join(out, 'version-env'), 'utf8'), await fs.readFile(path.join(out, 'argv'), 'utf8')]) {
    for (const secret of [...Object.values(SECRETS), DB_PASSWORD]) expect(text).not.toContain(secret);
  }
  expect(await fs.readFile(path.join(out, 'passfile'), 'utf8')).toBe(`*:*:*:*:${DB_PASSWORD}\n`);
  expect((await fs.readFile(path.join(out, 'passfile-mode'), 'utf8')).trim()).toBe('600');
  // ...and the file is gone once the backup has failed.
  const passFile = env.split('\n').find((l) => l.startsWith('PGPASSFILE='))!.slice('PGPASSFILE='.length);
  await expect(fs.stat(passFile)).rejects.toThrow(/ENOENT/);
});

test('mysqldump and mariadb get the same allow-listed environment (the real spawn path, running env)', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, SECRETS, { MYSQL_HOST: 'elsewhere', LC_ALL: 'C' });
  try {
    const tool = startTool('env', [], { env: mysqlToolEnv(), stdin: 'ignore', stdout: 'pipe' });
    let printed = '';
    tool.child.stdout!.on('data', (d) => (printed += d));
    expect((await tool.exited).code).toBe(0);
    const names = printed.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf('=')));
    expect(names).toContain('LC_ALL');
    expect(names.filter((n) => !/^(HOME|LANG|LANGUAGE|LC_\w+|PATH|TZ|TMPDIR|LD_LIBRARY_PATH)$/.test(n))).toEqual([]);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

/** A password of this test alone: other tests on this host may show theirs (through --db) meanwhile. */
const RESTORE_PASSWORD = `Restore-Pw-${randomBytes(6).toString('hex')}`;

/**
 * Runs the CLI while sampling the command lines of it and of every process it starts; returns the result,
 * how many samples were taken and the lines that held the password.
 */
async function runWatchingPs(cliArgs: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string; samples: number; leaked: string[] }> {
  const { child, result } = startCli(cliArgs, env);
  let done = false;
  let samples = 0;
  const leaked: string[] = [];
  const watcher = (async () => {
    while (!done) {
      const { stdout } = await promisify(execFile)('ps', ['-eo', 'pid=,ppid=,args=']).catch(() => ({ stdout: '' }));
      const rows = stdout.split('\n').map((l) => /^\s*(\d+)\s+(\d+)\s(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
      const ours = new Set([child.pid]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const [, pid, ppid] of rows) if (ours.has(Number(ppid)) && !ours.has(Number(pid))) [grew] = [true, ours.add(Number(pid))];
      }
      samples++;
      for (const [, pid, , args] of rows) if (ours.has(Number(pid)) && args.includes(RESTORE_PASSWORD)) leaked.push(args);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const r = await result;
  done = true;
  await watcher;
  return { code: r.code, stderr: r.stderr, stdout: r.stdout, samples, leaked };
}

test('restore --db-file and MMBACKUP_RESTORE_DB, verify --drill --db-file: the password is in no process list', async () => {
  const backup = await runCli([...args, '--json', 'backup', '--only', 'db'], { MMBACKUP_PASSPHRASE: PASSPHRASE });
  expect(backup.code).toBe(0);
  const id = backup.json().snapshot.id;
  const server = { ...SERVERS.postgres, password: RESTORE_PASSWORD }; // trust authentication: any password is accepted

  const viaFile = uniqueName('mmbackup_dbfile');
  dropLater.push(viaFile);
  const dsnFile = path.join(inst.root, 'restore.dsn');
  await fs.writeFile(dsnFile, `${dsnFor('postgres', { ...server, database: viaFile })}\n`, { mode: 0o600 });
  const first = await runWatchingPs([...args, '--json', 'restore', id, '--only', 'db', '--db-file', dsnFile], { MMBACKUP_PASSPHRASE: PASSPHRASE });
  if (first.code !== 0) throw new Error(first.stderr + first.stdout);
  expect(first.samples).toBeGreaterThan(2);
  expect(first.leaked).toEqual([]);

  const viaEnv = uniqueName('mmbackup_dbenv');
  dropLater.push(viaEnv);
  const second = await runWatchingPs([...args, '--json', 'restore', id, '--only', 'db'], { MMBACKUP_PASSPHRASE: PASSPHRASE, MMBACKUP_RESTORE_DB: dsnFor('postgres', { ...server, database: viaEnv }) });
  expect(second.code).toBe(0);
  expect(second.leaked).toEqual([]);

  const drillFile = path.join(inst.root, 'drill.dsn');
  await fs.writeFile(drillFile, dsnFor('postgres', { ...server, database: 'postgres' }), { mode: 0o600 });
  const drill = await runWatchingPs([...args, '--json', 'verify', id, '--drill', '--db-file', drillFile], { MMBACKUP_PASSPHRASE: PASSPHRASE });
  expect(drill.code).toBe(0);
  expect(drill.leaked).toEqual([]);

  // --db still works (backwards compatible), and the sampler does see what it costs: the password in ps.
  const viaArgv = uniqueName('mmbackup_dbargv');
  dropLater.push(viaArgv);
  const shown = await runWatchingPs([...args, '--json', 'restore', id, '--only', 'db', '--db', dsnFor('postgres', { ...server, database: viaArgv })], { MMBACKUP_PASSPHRASE: PASSPHRASE });
  expect(shown.code).toBe(0);
  expect(shown.leaked.length).toBeGreaterThan(0);
  // --help says so.
  const help = await runCli(['restore', '--help']);
  expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/--db <dsn> .*a password in it shows in `ps`: prefer --db-file or \$MMBACKUP_RESTORE_DB --db-file <file>/);
  const both = await runCli([...args, 'restore', id, '--db', 'postgres://x@h/db', '--db-file', dsnFile], { MMBACKUP_PASSPHRASE: PASSPHRASE });
  expect(both.code).toBe(2);
  expect(both.stderr).toMatch(/both --db and --db-file are given/);
});
