/**
 * The directory swap of restore, with faults injected into the real filesystem calls: the second rename
 * failing puts the old directory back; the old copy that cannot be removed after a good swap is a warning;
 * config.json is replaced atomically (a failure leaves the old file whole, and no temp file behind).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Reporter } from '../common/reporter';
import { silentReporter } from '../common/reporter';
import { LocalDestination } from '../destinations/local';
import { newWriteStats } from '../repository/blobs';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import type { TreeRoot } from '../repository/snapshots';
import { rewriteRestoredConfig } from './config-rewrite';
import { restoreDirectory } from './restore-directory';
import { captureTree, noParent } from './tree';

let root: string;
let repository: Repository;
let captured: TreeRoot;
let target: string;
let warnings: string[];
let reporter: Reporter;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-swap-'));
  repository = await Repository.init(new LocalDestination(path.join(root, 'repo')), passphraseSecret('swap test passphrase'));
  const src = path.join(root, 'src');
  await fs.mkdir(src);
  await fs.writeFile(path.join(src, 'new.txt'), 'restored');
  captured = await captureTree(repository, 'data', src, noParent(), newWriteStats(), silentReporter);
  target = path.join(root, 'target');
  await fs.mkdir(target);
  await fs.writeFile(path.join(target, 'old.txt'), 'what was there');
  warnings = [];
  reporter = { ...silentReporter, warn: (l) => void warnings.push(l) };
});
afterEach(async () => {
  jest.restoreAllMocks();
  await fs.rm(root, { recursive: true, force: true });
});

const siblings = async () => (await fs.readdir(root)).filter((n) => n.startsWith('.target.')).sort();

test('a failure between the two renames puts the old directory back, and nothing is left beside it', async () => {
  const rename = fs.rename;
  jest.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
    if (String(from).includes('mmbackup-restore-')) throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
    return rename(from, to);
  });
  const err = await restoreDirectory(repository, captured, target, true, reporter).catch((e) => e);
  expect(err.code).toBe('RESTORE_SWAP_FAILED');
  expect(err.message).toMatch(/could not be moved to .*target \(EXDEV\); the old contents were put back/);
  expect(await fs.readdir(target)).toEqual(['old.txt']);
  expect(await siblings()).toEqual([]);
});

test('when even the way back fails, the error says where the old contents are', async () => {
  const rename = fs.rename;
  jest.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
    if (String(from).includes('mmbackup-restore-') || String(from).includes('mmbackup-old-')) throw Object.assign(new Error('EIO'), { code: 'EIO' });
    return rename(from, to);
  });
  const err = await restoreDirectory(repository, captured, target, true, reporter).catch((e) => e);
  expect(err.code).toBe('RESTORE_SWAP_FAILED');
  const old = (await siblings()).find((n) => n.includes('mmbackup-old-'))!;
  expect(err.message).toContain(`the old contents are intact at ${path.join(root, old)}`);
  expect(err.fix).toMatch(/move .* back to .* by hand/);
  expect(await fs.readdir(path.join(root, old))).toEqual(['old.txt']);
});

test('a good swap whose old copy cannot be removed is a success with a warning', async () => {
  const rm = fs.rm;
  jest.spyOn(fs, 'rm').mockImplementation(async (p, o) => {
    if (String(p).includes('mmbackup-old-')) throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' });
    return rm(p, o);
  });
  await restoreDirectory(repository, captured, target, true, reporter);
  expect(await fs.readdir(target)).toEqual(['new.txt']);
  expect(warnings.join('\n')).toMatch(/target was restored, but its old copy .*mmbackup-old-\w+ could not be removed \(EBUSY\): remove it by hand/);
});

test('config.json is replaced atomically: a failed rename leaves the old file whole and no temp file', async () => {
  const configDir = path.join(root, 'config');
  await fs.mkdir(configDir);
  const original = JSON.stringify({ SqlSettings: { DriverName: 'postgres', DataSource: 'postgres://mm:pw@old:5432/mm?sslmode=disable' }, FileSettings: { Directory: './data/' } }, null, 2);
  await fs.writeFile(path.join(configDir, 'config.json'), original, { mode: 0o640 });
  jest.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }));
  await expect(rewriteRestoredConfig(configDir, { filesDir: path.join(root, 'files') })).rejects.toThrow(/ENOSPC/);
  expect(await fs.readFile(path.join(configDir, 'config.json'), 'utf8')).toBe(original);
  expect(await fs.readdir(configDir)).toEqual(['config.json']);

  jest.restoreAllMocks();
  const rewrite = await rewriteRestoredConfig(configDir, { filesDir: path.join(root, 'files') });
  expect(rewrite?.changed).toEqual(['FileSettings.Directory']);
  expect(JSON.parse(await fs.readFile(path.join(configDir, 'config.json'), 'utf8')).FileSettings.Directory).toBe(`${path.join(root, 'files')}/`);
  expect((await fs.stat(path.join(configDir, 'config.json'))).mode & 0o777).toBe(0o640);
  expect(await fs.readdir(configDir)).toEqual(['config.json']);
});
