import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentReporter } from '../common/reporter';
import { LocalDestination } from '../destinations/local';
import { newWriteStats, readBlobLines } from '../repository/blobs';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import { restoreTree } from './restore-tree';
import { captureTree, loadParent, loadParentFiles, noParent, treeChunkIds } from './tree';

let root: string;
let repository: Repository;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-tree-'));
  repository = await Repository.init(new LocalDestination(path.join(root, 'repo')), passphraseSecret('tree test passphrase'));
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

async function makeSource(): Promise<string> {
  const src = path.join(root, 'src');
  await fs.mkdir(path.join(src, 'a/b'), { recursive: true });
  await fs.mkdir(path.join(src, 'empty'));
  await fs.writeFile(path.join(src, 'a/b/ünïcødé; "q".txt'), 'hello');
  await fs.writeFile(path.join(src, 'a/run.sh'), '#!/bin/sh\n');
  await fs.chmod(path.join(src, 'a/run.sh'), 0o755);
  await fs.writeFile(path.join(src, 'secret.key'), 'k');
  await fs.chmod(path.join(src, 'secret.key'), 0o600);
  await fs.writeFile(path.join(src, 'zero'), '');
  await fs.symlink('a/run.sh', path.join(src, 'link'));
  await fs.chmod(path.join(src, 'empty'), 0o750);
  return src;
}

async function describeTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const name of (await fs.readdir(path.join(dir, rel))).sort()) {
      const p = path.join(rel, name);
      const st = await fs.lstat(path.join(dir, p));
      const kind = st.isSymbolicLink() ? `link->${await fs.readlink(path.join(dir, p))}` : st.isDirectory() ? 'dir' : `file:${(await fs.readFile(path.join(dir, p))).toString('hex')}`;
      out.push(`${p} ${(st.mode & 0o7777).toString(8)} ${kind} ${st.isSymbolicLink() ? '' : Math.round(st.mtimeMs)}`);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk('');
  return out;
}

test('a captured tree restores with contents, modes, mtimes, symlinks and empty directories', async () => {
  const src = await makeSource();
  const tree = await captureTree(repository, 'data', src, noParent(), newWriteStats(), silentReporter);
  expect(tree).toMatchObject({ files: 4, dirs: 3, bytes: 16 });
  const dst = path.join(root, 'dst');
  await fs.mkdir(dst);
  await restoreTree(repository, tree, dst, silentReporter);
  expect(await describeTree(dst)).toEqual(await describeTree(src));
});

test('unchanged files are taken from the parent listing without being read again', async () => {
  const src = await makeSource();
  const first = await captureTree(repository, 'data', src, noParent(), newWriteStats(), silentReporter);
  await fs.writeFile(path.join(src, 'zero'), 'now changed');
  const stats = newWriteStats();
  await repository.flush(); // as a backup does before its manifest
  await repository.refreshIndex();
  const second = await captureTree(repository, 'data', src, await loadParent(repository, first), stats, silentReporter);
  // Only the changed file and the new listing itself went through the chunker.
  expect(stats.bytesRead).toBe(Buffer.byteLength('now changed') + second.tree.size);
});

test('the parent index holds every file and no directory, whatever quotes and keys their names spell', async () => {
  const src = path.join(root, 'src');
  const tricky = ['"b":{', '","t":"f","b":{"chunks":[]}', 'x\\"b":'];
  for (const name of tricky) {
    await fs.mkdir(path.join(src, name, 'inner'), { recursive: true });
    await fs.writeFile(path.join(src, name, 'inner', name), `content of ${name}`);
  }
  const tree = await captureTree(repository, 'data', src, noParent(), newWriteStats(), silentReporter);
  await repository.flush();
  const index = await loadParentFiles(repository, tree);
  expect([...index.keys()].sort()).toEqual(tricky.map((name) => `${name}/inner/${name}`).sort());
  for (const entry of index.values()) expect(entry.t).toBe('f');
  const ids = new Set<string>();
  await treeChunkIds(repository, tree, ids);
  expect(ids.size).toBe(tree.tree.chunks.length + tricky.length);
  // The next backup cuts the same names out of the listing: nothing is read again, and the listing is the same.
  await repository.refreshIndex();
  const stats = newWriteStats();
  const again = await captureTree(repository, 'data', src, await loadParent(repository, tree), stats, silentReporter);
  expect(stats.bytesRead).toBe(0);
  expect(again.tree).toEqual(tree.tree);
});

test('a listing of unchanged files among files read again is the one a fresh capture writes, line for line', async () => {
  const src = path.join(root, 'many');
  // More files to read than are captured at once, unchanged ones between them, and subdirectories.
  for (let d = 0; d < 4; d++) {
    await fs.mkdir(path.join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < 60; f++) await fs.writeFile(path.join(src, `d${d}`, `f${String(f).padStart(2, '0')}`), `file ${d}/${f}`);
  }
  const first = await captureTree(repository, 'data', src, noParent(), newWriteStats(), silentReporter);
  for (let d = 0; d < 4; d++) {
    for (let f = 0; f < 60; f += 3) await fs.writeFile(path.join(src, `d${d}`, `f${String(f).padStart(2, '0')}`), `changed ${d}/${f}`);
  }
  await repository.flush();
  await repository.refreshIndex();
  const stats = newWriteStats();
  const again = await captureTree(repository, 'data', src, await loadParent(repository, first), stats, silentReporter);
  expect(stats.chunksNew).toBe(80 + again.tree.chunks.length);
  const fresh = await captureTree(repository, 'data', src, noParent(), newWriteStats(), silentReporter);
  const lines = async (ref: typeof again) => {
    const out: string[] = [];
    for await (const line of readBlobLines(repository, ref.tree)) out.push(line);
    return out;
  };
  const expected = await lines(fresh);
  expect(expected).toHaveLength(4 + 240);
  expect(await lines(again)).toEqual(expected);
});

test('a file that fails to be captured fails the capture, wherever it is among the files in flight', async () => {
  const src = path.join(root, 'failing');
  await fs.mkdir(src);
  for (let f = 0; f < 20; f++) await fs.writeFile(path.join(src, `f${String(f).padStart(2, '0')}`), `file ${f}`);
  // The first file is slow and the eighth fails at once: its failure settles while the first is still at
  // the head of the listing, and must not be passed over once the first is written.
  const save = repository.saveFileChunk.bind(repository);
  jest.spyOn(repository, 'saveFileChunk').mockImplementation(async (file, listed) => {
    if (file.endsWith('f00')) await new Promise((resolve) => setTimeout(resolve, 100));
    if (file.endsWith('f07')) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
    return save(file, listed);
  });
  await expect(captureTree(repository, 'data', src, noParent(), newWriteStats(), silentReporter)).rejects.toThrow(/f07/);
});
