/**
 * The golden format-1 repository (test/fixtures/golden-format1, see its README): bytes written once by the
 * format-1 code and never regenerated. Every later version must still list, show, verify and restore it:
 * a disaster-recovery tool never orphans an old backup.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { silentReporter } from '../src/common/reporter';
import { restoreDirectory } from '../src/engine/restore-directory';
import { verifySnapshots } from '../src/engine/verify';
import { readBlobToBuffer } from '../src/repository/blobs';
import { expectValidManifest } from '../src/repository/manifest-schema.testkit';
import { findSnapshot, listSnapshots } from '../src/repository/snapshots';
import { requireBuild } from './support/cli';
import { goldenCopy } from './support/golden';

const FIXTURE = path.join(__dirname, 'fixtures/golden-format1/repo');
const PASSPHRASE = 'golden repository passphrase';
const FILE_DIR = '20240102/teams/t1aaaaaaaaaaaaaaaaaaaaaaaa/channels/c1aaaaaaaaaaaaaaaaaaaaaaaa/users/u1aaaaaaaaaaaaaaaaaaaaaaaa/f1aaaaaaaaaaaaaaaaaaaaaaaa';

const golden = goldenCopy(FIXTURE, PASSPHRASE);
const open = () => golden.open();

test('opens as format 1 and lists both snapshots, newest first', async () => {
  const repository = await open();
  expect(repository.config.formatVersion).toBe(1);
  expect([repository.id, repository.fingerprint]).toEqual(['46be954f9d99e8f5', '10fa:43c5:ab1c:0247:3b58:ca9c']);
  const snapshots = await listSnapshots(repository);
  expect(snapshots.map((s) => [s.id, s.tags])).toEqual([
    ['1a2b3c4d5e6f7081', ['config-only']],
    ['0a1b2c3d4e5f6071', ['golden']],
  ]);
  const first = await findSnapshot(repository, '0a1b');
  expect(Object.keys(first.components)).toEqual(['db', 'config', 'files']);
  expect(first.components.db!.tables).toEqual({ posts: 1, users: 1 });
});

test('verify --read-data reads and authenticates every object of both snapshots', async () => {
  const repository = await open();
  const report = await verifySnapshots(repository, await listSnapshots(repository), true, silentReporter);
  expect(report.problems).toEqual([]);
  expect(report.objectsChecked).toBeGreaterThanOrEqual(10);
  expect(report.bytesRead).toBeGreaterThan(1000);
});

test('restores the database dump, the config directory and the file store byte for byte', async () => {
  const repository = await open();
  const first = await findSnapshot(repository, '0a1b2c3d4e5f6071');
  const dump = await readBlobToBuffer(repository, first.components.db!.dump);
  expect(dump.toString()).toMatch(/^-- PostgreSQL database dump \(golden stand-in\)\nCREATE TABLE posts/);
  expect(createHash('sha256').update(dump).digest('hex')).toBe(first.components.db!.dump.sha256);
  expect(JSON.parse((await readBlobToBuffer(repository, first.components.config!.environment)).toString())).toEqual({ MM_SERVICESETTINGS_SITEURL: 'https://chat.example.com' });

  const config = path.join(golden.work, 'config');
  await restoreDirectory(repository, first.components.config!.directory!, config, false, silentReporter);
  expect(JSON.parse(await fs.readFile(path.join(config, 'config.json'), 'utf8')).SqlSettings.DriverName).toBe('postgres');
  expect(await fs.readFile(path.join(config, 'saml-idp.crt'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);

  const data = path.join(golden.work, 'data');
  await restoreDirectory(repository, first.components.files!.roots[0], data, false, silentReporter);
  const notes = path.join(data, FILE_DIR, 'notes.txt');
  expect(await fs.readFile(notes, 'utf8')).toBe('golden repository: a small attachment\n'.repeat(20));
  expect((await fs.stat(notes)).mode & 0o777).toBe(0o640);
  expect((await fs.stat(notes)).mtime.toISOString()).toBe('2024-01-02T10:00:00.000Z');
  expect(await fs.readlink(path.join(data, FILE_DIR, 'latest.txt'))).toBe('notes.txt');
  expect(await fs.readFile(path.join(data, FILE_DIR, 'notes_thumb.jpg'), 'utf8')).toBe('not really a jpeg, a thumbnail stand-in\n');
  expect(await fs.readFile(path.join(data, 'plugins/com.example.plugin.tar.gz'), 'utf8')).toBe('plugin bundle stand-in\n');

  const latest = await findSnapshot(repository, 'latest');
  const newer = path.join(golden.work, 'config-2');
  await restoreDirectory(repository, latest.components.config!.directory!, newer, false, silentReporter);
  expect(JSON.parse(await fs.readFile(path.join(newer, 'config.json'), 'utf8')).ServiceSettings.SiteURL).toBe('https://chat.example.com');
});

test('the CLI lists, shows and verifies it', async () => {
  requireBuild();
  const list = await golden.cli(['list']);
  expect(list.code).toBe(0);
  expect(list.json().map((s: { id: string }) => s.id)).toEqual(['1a2b3c4d5e6f7081', '0a1b2c3d4e5f6071']);
  const show = await golden.cli(['show', '0a1b']);
  expect(show.code).toBe(0);
  expect(JSON.stringify(show.json())).toContain('plain-sql');
  const verify = await golden.cli(['verify', '--read-data']);
  expect(verify.code).toBe(0);
  expect(verify.json()).toMatchObject({ ok: true, problems: [], readData: true });
});

test('its manifests match the manifest JSON Schema; a manifest with credentials in the source does not', async () => {
  const repository = await open();
  const snapshots = await listSnapshots(repository);
  for (const manifest of snapshots) expectValidManifest(manifest);
  const leaky = structuredClone(snapshots[1]);
  leaky.components.db!.source = 'postgres://mmuser:secret@db:5432/mattermost';
  expect(() => expectValidManifest(leaky)).toThrow(/source/);
  const broken = structuredClone(snapshots[0]) as unknown as { components: { config: { directory: { tree: { chunks: string[] } } } } };
  broken.components.config.directory.tree.chunks = ['not-a-chunk-id'];
  expect(() => expectValidManifest(broken)).toThrow(/chunks/);
});
