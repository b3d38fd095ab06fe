/**
 * The golden format-2 repository (test/fixtures/golden-format2, see its README): bytes written once through
 * the CLI and never regenerated. Every later version must still list, show, verify and restore it, and read
 * its index files as they are (one of a prune, superseding three that are gone): a change to how packs or
 * the index are read that breaks an existing repository fails here.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { silentReporter } from '../src/common/reporter';
import { restoreDirectory } from '../src/engine/restore-directory';
import { verifySnapshots } from '../src/engine/verify';
import { loadBlobIndex } from '../src/repository/blob-index';
import { readBlobToBuffer } from '../src/repository/blobs';
import { expectValidManifest } from '../src/repository/manifest-schema.testkit';
import { findSnapshot, listSnapshots } from '../src/repository/snapshots';
import { requireBuild } from './support/cli';
import { goldenCopy } from './support/golden';

const FIXTURE = path.join(__dirname, 'fixtures/golden-format2/repo');
const PASSPHRASE = 'golden format-2 repository passphrase';
const [GOLDEN, THIRD, FOURTH] = ['fa0d13b4b0ad249c', 'a782abad6c983ddd', '3551484dfb1e2090'];
const POST = '20240301/teams/t2bbbbbbbbbbbbbbbbbbbbbbbb/channels/c2bbbbbbbbbbbbbbbbbbbbbbbb/users/u2bbbbbbbbbbbbbbbbbbbbbbbb/f2bbbbbbbbbbbbbbbbbbbbbbbb';
const EXPORT = '20240302/teams/t2bbbbbbbbbbbbbbbbbbbbbbbb/channels/c2bbbbbbbbbbbbbbbbbbbbbbbb/users/u2bbbbbbbbbbbbbbbbbbbbbbbb/f3bbbbbbbbbbbbbbbbbbbbbbbb/export.csv';

/** SHA-256 of every file each snapshot's `data` root holds, as written when the repository was made. */
const COMMON = {
  [`${POST}/notes.txt`]: 'aaa2db2701cc3c5aa843d7102d2880a7487e3dfdc5410f77cfec13a7b40a3a99',
  [`${POST}/notes_thumb.png`]: 'd746b265348ed6c5b1eff5f1ce82f51b8727d988b9f277f2dd5b0b0e25946b43',
  [EXPORT]: '5f978cd9465d1c7c565a252338f229336da5d83c88ba04e3af31b1ce7d60fdc2',
  'plugins/com.example.plugin.tar.gz': '8b618e421122e94271a709b423548d43bd4e00a31fe2554a3b76a9688acddd37',
};
const THIRD_FILES = {
  ...COMMON,
  [`${POST}/added.txt`]: 'b18016935b3c896a932528ef46bc8e1d7172ed469d69b9fe1000633a24cab516',
  [`${POST}/third.txt`]: 'd520e8dd7eefb8c46c753ef5ecc4ae0642274d04030f4de078fdc0d01c967000',
};
const FILES: Record<string, Record<string, string>> = {
  [GOLDEN]: { ...COMMON, [`${POST}/notes_preview.png`]: 'e8e67bbd6e206fb1a32072ff40c863489b7d1915a6155d0328dd20721a433549' },
  [THIRD]: THIRD_FILES,
  [FOURTH]: { ...THIRD_FILES, [`${POST}/fourth.txt`]: '5f8b527cdf80ab1b0b847d9c17bfcc6aefdae8b489d28d3acb0399197b0e4560' },
};

const golden = goldenCopy(FIXTURE, PASSPHRASE);
const open = () => golden.open();

/** Path -> SHA-256 of every regular file under `dir`. */
async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = createHash('sha256').update(await fs.readFile(full)).digest('hex');
  }
  return out;
}

test('opens as format 2 and lists its three snapshots, newest first', async () => {
  const repository = await open();
  expect(repository.config.formatVersion).toBe(2);
  expect(repository.config.packSize).toBe(1024 * 1024);
  expect([repository.id, repository.fingerprint]).toEqual(['c0136cadc8c205c9', 'b19d:99ff:d933:8dc0:a813:b9a7']);
  const snapshots = await listSnapshots(repository);
  expect(snapshots.map((s) => [s.id, s.tags, Object.keys(s.components)])).toEqual([
    [FOURTH, ['fourth'], ['files']],
    [THIRD, ['third'], ['files']],
    [GOLDEN, ['golden'], ['db', 'config', 'files']],
  ]);
  for (const manifest of snapshots) {
    expect(manifest.formatVersion).toBe(2);
    expectValidManifest(manifest);
  }
});

test('its index: the backup\'s file and the prune\'s, which supersedes three files that are gone', async () => {
  const repository = await open();
  const index = await loadBlobIndex(repository.destination, (name) => repository.loadSealed(name));
  expect(index.files).toEqual(['index/50412c089d669080527f52d6097d02a5', 'index/820817e4065cf879bc9babfbf338eb40']);
  expect([index.packCount, index.blobCount]).toEqual([4, 22]);
  const pruned = JSON.parse((await repository.loadSealed(index.files[1])).toString());
  expect(pruned.supersedes).toHaveLength(3);
  for (const id of index.packIds()) expect((await repository.destination.stat(`data/${id.slice(0, 2)}/${id}`)).size).toBe(index.pack(id)!.size);
});

test('verify --read-data reads and authenticates every pack of every snapshot', async () => {
  const repository = await open();
  const report = await verifySnapshots(repository, await listSnapshots(repository), true, silentReporter);
  expect(report.problems).toEqual([]);
  expect(report.objectsChecked).toBe(22);
  expect(report.bytesRead).toBeGreaterThan(9_000_000);
});

test('restores each snapshot\'s file store byte for byte, and the golden one\'s dump and config directory', async () => {
  const repository = await open();
  for (const id of [GOLDEN, THIRD, FOURTH]) {
    const snapshot = await findSnapshot(repository, id);
    const data = path.join(golden.work, `data-${id}`);
    await restoreDirectory(repository, snapshot.components.files!.roots[0], data, false, silentReporter);
    expect(await hashes(data)).toEqual(FILES[id]);
    expect(await fs.readlink(path.join(data, POST, 'latest.txt'))).toBe('notes.txt');
    const notes = await fs.stat(path.join(data, POST, 'notes.txt'));
    expect([notes.mode & 0o777, notes.mtime.toISOString()]).toEqual([0o640, '2024-03-01T10:00:00.000Z']);
  }

  const first = await findSnapshot(repository, GOLDEN);
  const db = first.components.db!;
  const dump = await readBlobToBuffer(repository, db.dump);
  expect(createHash('sha256').update(dump).digest('hex')).toBe(db.dump.sha256);
  expect(dump.toString()).toMatch(/^--\n-- PostgreSQL database dump\n--/);
  expect(dump.toString()).toContain('CREATE TABLE public.posts');
  expect(db.tables).toMatchObject({ users: 3, channels: 2, posts: 12, fileinfo: 8 });
  const config = path.join(golden.work, 'config');
  await restoreDirectory(repository, first.components.config!.directory!, config, false, silentReporter);
  const restored = JSON.parse(await fs.readFile(path.join(config, 'config.json'), 'utf8'));
  expect(restored.SqlSettings.DriverName).toBe('postgres');
  expect(restored.ServiceSettings.SiteURL).not.toBe('https://chat2.example.com'); // changed only the day after
  expect((await fs.readdir(config)).sort()).toEqual(['config.json', 'ldap-public.crt', 'saml-idp.crt', 'saml-private.key', 'saml-public.crt']);
});

test('the CLI lists, shows, verifies it, and restores its file store', async () => {
  requireBuild();
  const list = await golden.cli(['list']);
  expect(list.code).toBe(0);
  expect(list.json().map((s: { id: string }) => s.id)).toEqual([FOURTH, THIRD, GOLDEN]);
  const show = await golden.cli(['show', GOLDEN.slice(0, 4)]);
  expect(show.code).toBe(0);
  expect(show.json().components.files.roots[0].files).toBe(5);
  const verify = await golden.cli(['verify', '--read-data']);
  expect(verify.code).toBe(0);
  expect(verify.json()).toMatchObject({ ok: true, problems: [], readData: true, objectsChecked: 22 });
  const files = path.join(golden.work, 'restored-files');
  const restore = await golden.cli(['restore', 'latest', '--only', 'files', '--files-dir', files, '--install-dir', path.join(golden.work, 'install')]);
  expect(restore.code).toBe(0);
  expect(restore.json()).toMatchObject({ snapshot: FOURTH, actions: [{ component: 'files', target: files }] });
  expect(await hashes(files)).toEqual(FILES[FOURTH]);
});
