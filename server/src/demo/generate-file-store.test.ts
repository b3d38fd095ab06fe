/**
 * The file store and plugin directories match the FileInfo rows and are deterministic, and compareTrees()
 * catches a flipped byte, a mode change, a retargeted symlink, a vanished empty directory and an extra file.
 * No database needed: the FileInfo rows come from the same pure generators generateDatabase() uses.
 */
import { mkdtemp, readFile, writeFile, chmod, lstat, readlink, rm, rmdir, symlink, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareTrees } from './compare';
import { generateFileStore, generatePluginDirs, type GeneratedTree } from './generate-file-store';
import { generateAttachments, type GeneratedFile } from './rows-content';
import { generateDirectory } from './rows-people';

const SEED = 5;
let root: string;
let files: GeneratedFile[];
let treeA: GeneratedTree;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmb-demo-store-'));
  files = generateAttachments(SEED, generateDirectory(SEED, { users: 10, teams: 2, channelsPerTeam: 3 }), 80, 60).files;
  treeA = await generateFileStore(join(root, 'a'), files, { seed: SEED });
  await generateFileStore(join(root, 'b'), files, { seed: SEED });
  await generatePluginDirs(join(root, 'pa'), { seed: SEED });
  await generatePluginDirs(join(root, 'pb'), { seed: SEED });
});

afterAll(() => rm(root, { recursive: true, force: true }));

test('writes every file of every FileInfo row, at its size, deleted ones included', async () => {
  for (const f of files) expect((await stat(join(root, 'a', f.path))).size).toBe(f.size);
  const images = files.filter((f) => f.thumbnailPath);
  expect(images.length).toBeGreaterThan(0);
  for (const f of images) await stat(join(root, 'a', f.previewPath));
  expect(files.some((f) => f.deleted)).toBe(true);
  expect(files.some((f) => f.size === 0)).toBe(true);
  expect(files.some((f) => /[^\x20-\x7e]/.test(f.name)) && files.some((f) => /[ ;'"]/.test(f.name))).toBe(true);
  expect(treeA.files).toContain(files[0].path);
});

test('identical uploads have identical bytes', async () => {
  const dup = files.find((f, i) => files.findIndex((o) => o.contentSeed === f.contentSeed) !== i && f.size > 0)!;
  const original = files.find((f) => f.contentSeed === dup.contentSeed)!;
  expect(await readFile(join(root, 'a', dup.path))).toEqual(await readFile(join(root, 'a', original.path)));
});

test('has 0600 and 0644 files, a symlink and an empty directory; plugins have a 0755 binary', async () => {
  const modes = await Promise.all(files.map(async (f) => (await stat(join(root, 'a', f.path))).mode & 0o777));
  expect(new Set(modes)).toEqual(new Set([0o600, 0o644]));
  expect(await readlink(join(root, 'a', 'brand/current.png'))).toBe('image.png');
  expect((await lstat(join(root, 'a', 'import'))).isDirectory()).toBe(true);
  const binary = join(root, 'pa', 'plugins/com.example.demo/server/dist/plugin-linux-amd64');
  expect((await stat(binary)).mode & 0o777).toBe(0o755);
  expect(JSON.parse(await readFile(join(root, 'pa', 'plugins/com.example.demo/plugin.json'), 'utf8')).id).toBe('com.example.demo');
  await stat(join(root, 'pa', 'client/plugins/com.example.demo/main.js'));
});

test('the same seed gives the same trees', async () => {
  expect(await compareTrees(join(root, 'a'), join(root, 'b'))).toEqual([]);
  expect(await compareTrees(join(root, 'pa'), join(root, 'pb'))).toEqual([]);
});

test('compareTrees reports each kind of change', async () => {
  const b = join(root, 'b');
  const victim = files.find((f) => f.size > 100)!;
  const bytes = await readFile(join(b, victim.path));
  bytes[50] ^= 0x01;
  await writeFile(join(b, victim.path), bytes);
  const other = files.find((f) => f !== victim && f.size > 0 && f.path !== victim.path)!;
  await chmod(join(b, other.path), 0o640);
  await rm(join(b, 'brand/current.png'));
  await symlink('elsewhere.png', join(b, 'brand/current.png'));
  await rmdir(join(b, 'import'));
  await writeFile(join(b, 'stray.txt'), 'x');
  expect((await compareTrees(join(root, 'a'), b)).sort()).toEqual([
    `content differs: ${victim.path} (same size ${victim.size}, different bytes)`,
    `mode differs: ${other.path} (0${(other.contentSeed % 7 === 3 ? 0o600 : 0o644).toString(8)} in A, 0640 in B)`,
    'symlink target differs: brand/current.png (image.png in A, elsewhere.png in B)',
    'only in A: import (dir)',
    'only in B: stray.txt (file)',
  ].sort());
});
