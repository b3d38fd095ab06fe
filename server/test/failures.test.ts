/**
 * What goes wrong in real life, each with its exit code, a message naming cause and fix, no snapshot left
 * behind, and earlier snapshots unharmed. All against the real PostgreSQL / MariaDB.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import mysql from 'mysql2/promise';
import { LocalDestination } from '../src/destinations/local';
import { passphraseSecret } from '../src/repository/keys';
import { packName } from '../src/repository/pack';
import type { PackedBlobs } from '../src/repository/packed-blobs';
import { Repository } from '../src/repository/repository';
import { allOutput, requireBuild, runCli, startCli } from './support/cli';
import { createInstallation, DB_PASSWORD, PASSPHRASE, type TestInstallation } from './support/installation';

let inst: TestInstallation;
let firstSnapshot: string;

async function snapshotIds(args = inst.args): Promise<string[]> {
  const list = await runCli([...args, '--json', 'list']);
  expect(list.code).toBe(0);
  return list.json().map((s: { id: string }) => s.id);
}

async function withConfig(change: (config: any) => void): Promise<string[]> {
  const config = JSON.parse(await fs.readFile(inst.configFile, 'utf8'));
  change(config);
  const file = path.join(inst.root, `config-${Math.random().toString(16).slice(2)}.json`);
  await fs.writeFile(file, JSON.stringify(config));
  const args = [...inst.args];
  args[args.indexOf('--mattermost-config') + 1] = file;
  return args;
}

beforeAll(async () => {
  requireBuild();
  inst = await createInstallation('postgres', { posts: 3000, extraFiles: 40 });
  expect((await runCli([...inst.args, 'init'])).code).toBe(0);
  const first = await runCli([...inst.args, '--json', 'backup', '--only', 'db,config']);
  expect(first.code).toBe(0);
  firstSnapshot = first.json().snapshot.id;
});
afterAll(() => inst?.cleanup());

test('the database server down: exit 1, says unreachable and how to fix, no snapshot', async () => {
  const args = await withConfig((c) => (c.SqlSettings.DataSource = `postgres://postgres:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:1/nowhere?sslmode=disable`));
  const result = await runCli([...args, 'backup']);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/127\.0\.0\.1:1/);
  expect(result.stderr).toMatch(/fix:/);
  expect(await snapshotIds()).toEqual([firstSnapshot]);
});

test('a bad database password (MariaDB): exit 1, names the user and the setting, never the password', async () => {
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  const user = `mmbk_${Math.random().toString(16).slice(2, 8)}`;
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'right-password-123'`);
  try {
    const args = await withConfig((c) => {
      c.SqlSettings.DriverName = 'mysql';
      c.SqlSettings.DataSource = `${user}:${DB_PASSWORD}@tcp(127.0.0.1:3306)/mysql?charset=utf8mb4`;
    });
    const result = await runCli([...args, 'backup', '--only', 'db']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(user);
    expect(result.stderr).toMatch(/DataSource|password/i);
    expect(result.stderr).not.toContain(DB_PASSWORD);
    expect(await snapshotIds()).toEqual([firstSnapshot]);
  } finally {
    await admin.query(`DROP USER '${user}'@'%'`);
    await admin.end();
  }
});

test('a wrong passphrase is exit 4', async () => {
  const wrong = path.join(inst.root, 'wrong-passphrase');
  await fs.writeFile(wrong, 'not the passphrase at all');
  const args = [...inst.args];
  args[args.indexOf('--passphrase-file') + 1] = wrong;
  const result = await runCli([...args, 'list']);
  expect(result.code).toBe(4);
  expect(result.stderr).toMatch(/opens none of the/);
  expect(result.stderr).not.toContain('not the passphrase at all');
});

test('SIGKILL mid-backup: no snapshot, earlier ones intact, the next backup takes over the stale lock', async () => {
  const { child, result } = startCli([...inst.args, 'backup']);
  await new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      if (/files|dump-db/.test(d.toString())) {
        child.stderr!.off('data', onData);
        setTimeout(resolve, 150);
      }
    };
    child.stderr!.on('data', onData);
  });
  child.kill('SIGKILL');
  const killed = await result;
  expect(killed.code).toBeNull();
  expect(await fs.readdir(path.join(inst.repo, 'locks'))).toHaveLength(1);
  expect(await snapshotIds()).toEqual([firstSnapshot]);
  const verify = await runCli([...inst.args, 'verify', firstSnapshot, '--read-data']);
  expect(verify.code).toBe(0);
  const next = await runCli([...inst.args, 'backup']);
  expect(next.code).toBe(0);
  expect(next.stderr).toMatch(/removing stale lock/);
  expect(await snapshotIds()).toHaveLength(2);
});

async function withSmallDisk(run: (args: string[], repo: string) => Promise<void>): Promise<void> {
  const mountPoint = path.join(inst.root, `small-disk-${Math.random().toString(16).slice(2, 8)}`);
  await fs.mkdir(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mountPoint]);
  try {
    const args = [...inst.args];
    args[args.indexOf('--repo') + 1] = path.join(mountPoint, 'repo');
    expect((await runCli([...args, 'init'])).code).toBe(0);
    await run(args, path.join(mountPoint, 'repo'));
  } finally {
    execFileSync('umount', [mountPoint]);
  }
}

test('too little room for a first backup: preflight refuses before writing anything', async () => {
  await withSmallDisk(async (args, repo) => {
    const result = await runCli([...args, 'backup']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/preflight: .* MiB free, but this backup may write up to/);
    expect(result.stderr).toMatch(/fix:/);
    expect(await fs.readdir(repo)).not.toContain('objects');
  });
});

test('a disk that fills up during the write: exit 1, says the disk is full, no snapshot, no lock left', async () => {
  await withSmallDisk(async (args, repo) => {
    // A small first backup makes the estimate for the next one small; then the data grows past the disk.
    expect((await runCli([...args, 'backup', '--only', 'config'])).code).toBe(0);
    const before = await snapshotIds(args);
    const result = await runCli([...args, 'backup']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is full \(ENOSPC\)/);
    expect(result.stderr).toMatch(/fix:/);
    expect(await snapshotIds(args)).toEqual(before);
    expect(await fs.readdir(path.join(repo, 'locks'))).toEqual([]);
  });
});

test('one flipped byte in one pack: verify --read-data names the snapshot and the pack, exit 1', async () => {
  const show = (await runCli([...inst.args, '--json', 'show', firstSnapshot])).json();
  const id: string = show.components.db.dump.chunks[0];
  const repository = await Repository.open(new LocalDestination(inst.repo), passphraseSecret(PASSPHRASE));
  await repository.refreshIndex();
  const pack = (repository.blobs as PackedBlobs).index.lookup(id)!.packId;
  const file = path.join(inst.repo, packName(pack));
  const original = await fs.readFile(file);
  const damaged = Buffer.from(original);
  damaged[damaged.length >> 1] ^= 0x01;
  await fs.writeFile(file, damaged);
  try {
    const result = await runCli([...inst.args, 'verify', firstSnapshot, '--read-data']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(firstSnapshot);
    expect(result.stdout + result.stderr).toContain(packName(pack));
    expect((await runCli([...inst.args, 'verify', firstSnapshot])).code).toBe(0); // present, just damaged
  } finally {
    await fs.writeFile(file, original);
  }
});

test('restore into a non-empty database without --yes is refused (exit 2) and changes nothing', async () => {
  const before = (await runCli([...inst.args, '--json', 'list'])).json().length;
  const result = await runCli([...inst.args, 'restore', firstSnapshot, '--only', 'db']);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/--yes/);
  expect(result.stderr).toContain(inst.connection.database);
  expect((await runCli([...inst.args, '--json', 'list'])).json()).toHaveLength(before);
});

test('restore --yes over the live database takes a safety snapshot first and restores', async () => {
  const result = await runCli([...inst.args, '--json', 'restore', firstSnapshot, '--only', 'db', '--yes']);
  expect(result.code).toBe(0);
  const { safetySnapshot, check } = result.json();
  expect(safetySnapshot).toMatch(/^[0-9a-f]{16}$/);
  expect(check.rowMismatches).toEqual([]);
  const safety = (await runCli([...inst.args, '--json', 'show', safetySnapshot])).json();
  expect(safety.tags).toContain('pre-restore');
});

test('no secret appeared in any output', () => {
  const everything = allOutput.join('\n');
  expect(everything).not.toContain(PASSPHRASE);
  expect(everything).not.toContain(DB_PASSWORD);
  expect(everything).not.toContain(encodeURIComponent(DB_PASSWORD));
});
