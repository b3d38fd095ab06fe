/**
 * One unreadable file never blocks the others. A repository with two good snapshots gets a damaged
 * manifest (truncated), a macOS "._" file and an admin's ".bak" under snapshots/, an empty and a garbage
 * key entry and one with absurd scrypt parameters, and an empty lock file. Then list, show, restore of a
 * good snapshot, verify, backup and prune all still work, each skipped file named in a warning with what
 * to do; verify reports the damaged manifest as a problem; unlock removes the empty lock file.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentReporter } from '../src/common/reporter';
import { LocalDestination } from '../src/destinations/local';
import { runBackup } from '../src/engine/backup';
import { passphraseSecret } from '../src/repository/keys';
import { Repository } from '../src/repository/repository';
import { requireBuild, runCli } from './support/cli';
import { filesInstallation } from './support/files-installation';
import { storedFiles } from './support/stored-files';

const PASSPHRASE = 'unreadable files passphrase';
let root: string;
let repo: string;
let args: string[];
let good: string[];
let damaged: string;

beforeAll(async () => {
  requireBuild();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-unreadable-'));
  repo = path.join(root, 'repo');
  const dataDir = path.join(root, 'mm', 'data');
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(path.join(root, 'passphrase'), PASSPHRASE, { mode: 0o600 });
  args = ['--repo', repo, '--passphrase-file', path.join(root, 'passphrase')];
  const repository = await Repository.init(new LocalDestination(repo), passphraseSecret(PASSPHRASE, true));
  const installation = filesInstallation(dataDir, path.join(root, 'mm'));
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    await fs.writeFile(path.join(dataDir, `f${i}.bin`), randomBytes(50_000));
    ids.push((await runBackup({ installation, repository, components: ['files'], reporter: silentReporter })).id);
  }
  [damaged, ...good] = ids;
  good.reverse(); // newest first, as list shows them
  const manifest = path.join(repo, 'snapshots', damaged);
  const bytes = await fs.readFile(manifest);
  await fs.writeFile(path.join(repo, 'snapshots', `${good[0]}.bak`), await fs.readFile(path.join(repo, 'snapshots', good[0])));
  await fs.writeFile(path.join(repo, 'snapshots', '._' + good[1]), randomBytes(4096));
  await fs.writeFile(manifest, bytes.subarray(0, bytes.length - 40)); // truncated: bit rot, a half-copied disk
  await fs.writeFile(path.join(repo, 'keys', '0000000000000000'), '');
  await fs.writeFile(path.join(repo, 'keys', '0000000000000001'), '{"version":1,');
  const absurd = JSON.parse(await fs.readFile(path.join(repo, 'keys', (await fs.readdir(path.join(repo, 'keys'))).find((n) => n.length === 16 && !n.startsWith('000000000000000'))!), 'utf8'));
  absurd.kdf.N = 2 ** 30;
  absurd.kdf.p = 1000;
  await fs.writeFile(path.join(repo, 'keys', '0000000000000002'), JSON.stringify(absurd));
  await fs.mkdir(path.join(repo, 'locks'), { recursive: true });
  await fs.writeFile(path.join(repo, 'locks', 'abcdefabcdefabcd'), '');
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

test('list shows the good snapshots and names every skipped file with what to do', async () => {
  const started = Date.now();
  const list = await runCli([...args, '--json', 'list']);
  expect(list.code).toBe(0);
  expect(Date.now() - started).toBeLessThan(20_000); // the absurd key entry was not tried
  expect(list.json().map((s: { id: string }) => s.id)).toEqual(good);
  expect(list.stderr).toMatch(new RegExp(`snapshot ${damaged} skipped: its manifest snapshots/${damaged} cannot be read \\(.*\\); restore that file from a copy`));
  expect(list.stderr).toMatch(new RegExp(`ignored snapshots/${good[0]}\\.bak .*not a snapshot manifest mmbackup writes; move it out of the repository`));
  expect(list.stderr).toMatch(new RegExp(`ignored snapshots/\\._${good[1]}`));
  expect(list.stderr).toMatch(/key entry keys\/0000000000000000 .* skipped: it is empty; remove it if it is not a key you made/);
  expect(list.stderr).toMatch(/key entry keys\/0000000000000001 .* skipped: it is not JSON/);
  expect(list.stderr).toMatch(/key entry keys\/0000000000000002 .* skipped: its scrypt parameters N=1073741824 r=8 p=1000 are outside what mmbackup accepts/);
});

test('show and restore of a good snapshot work; show of the damaged one says what is wrong', async () => {
  expect((await runCli([...args, 'show', good[1]])).code).toBe(0);
  const bad = await runCli([...args, 'show', damaged]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(new RegExp(`the manifest of snapshot ${damaged} cannot be read[^]*fix: restore snapshots/${damaged} from a copy`));
  const target = path.join(root, 'restored');
  const restore = await runCli([...args, '--json', 'restore', good[1], '--only', 'files', '--files-dir', target, '--install-dir', path.join(root, 'restored-install')]);
  expect(restore.code).toBe(0);
  expect((await fs.readdir(target)).sort()).toEqual(['f0.bin', 'f1.bin']); // the older good snapshot: two files
});

test('verify checks the good snapshots and reports the damaged manifest as a problem (exit 1)', async () => {
  const verify = await runCli([...args, '--json', 'verify', '--read-data']);
  expect(verify.code).toBe(1);
  // With --json a failed command prints its report, then the error document.
  const report = JSON.parse(verify.stdout.slice(0, verify.stdout.indexOf('\n}\n') + 2));
  expect(report.snapshots).toEqual(good);
  expect(report.problems).toEqual([{ snapshot: damaged, object: `snapshots/${damaged}`, problem: expect.stringMatching(/the manifest cannot be read/) }]);
  expect((await runCli([...args, 'verify', good[0], '--read-data'])).code).toBe(0);
});

test('prune applies retention to the readable snapshots and reclaims no objects while a manifest is unreadable', async () => {
  const objects = () => storedFiles(repo);
  const before = await objects();
  const prune = await runCli([...args, '--json', 'prune', '--keep-last', '1']);
  expect(prune.code).toBe(0);
  expect(prune.json().removed.map((r: { id: string }) => r.id)).toEqual([good[1]]);
  expect(prune.stderr).toMatch(new RegExp(`no objects reclaimed: the manifest\\(s\\) snapshots/${damaged} cannot be read`));
  expect(await objects()).toBe(before);
  // unlock removes the empty lock file that backup and prune skipped.
  const unlock = await runCli([...args, 'unlock']);
  expect(unlock.code).toBe(0);
  expect(unlock.stderr).toMatch(/removing unreadable lock file locks\/abcdefabcdefabcd/);
  expect(await fs.readdir(path.join(repo, 'locks'))).toEqual([]);
});

test('a backup opens the repository past the bad key entries and runs past the bad manifests and lock file', async () => {
  const warnings: string[] = [];
  const warn = (line: string) => void warnings.push(line);
  await fs.writeFile(path.join(repo, 'locks', 'abcdefabcdefabcd'), '');
  const repository = await Repository.open(new LocalDestination(repo), passphraseSecret(PASSPHRASE), { warn });
  const manifest = await runBackup({ installation: filesInstallation(path.join(root, 'mm', 'data'), path.join(root, 'mm')), repository, components: ['files'], reporter: { ...silentReporter, warn } });
  expect(manifest.components.files?.roots[0].files).toBe(3);
  expect(warnings.join('\n')).toMatch(/key entry keys\/0000000000000002 .* skipped/);
  expect(warnings.join('\n')).toMatch(new RegExp(`snapshot ${damaged} skipped`));
  expect(warnings.join('\n')).toMatch(/ignored locks\/abcdefabcdefabcd .*: not a readable lock \(it is empty\); remove it with mmbackup unlock/);
  expect((await runCli([...args, 'verify', manifest.id, '--read-data'])).code).toBe(0);
});
