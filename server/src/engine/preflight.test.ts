/**
 * What a first backup's space check costs: the exact bytes of a local file store need a walk of every
 * directory, which is skipped when a bound already shows enough room, and never made for a store that
 * does not know its free space.
 */
import { promises as fs, statfsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryDestination } from '../destinations/memory';
import type { MattermostInstallation } from '../mattermost/types';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import { estimateWrite, preflight } from './preflight';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-preflight-'));
  await fs.mkdir(path.join(dir, 'a/b'), { recursive: true });
  await fs.writeFile(path.join(dir, 'a/one'), Buffer.alloc(1000));
  await fs.writeFile(path.join(dir, 'a/b/two'), Buffer.alloc(2345));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const filesOnly = () => ({ fileStore: { driver: 'local', directory: dir } }) as unknown as MattermostInstallation;

test('a first backup walks the store for its exact bytes unless the file system in use fits below the limit', async () => {
  expect(await estimateWrite(filesOnly(), ['files'], [])).toBe(3345);
  expect(await estimateWrite(filesOnly(), ['files'], [], 0)).toBe(3345); // the bound does not fit: walked
  const st = statfsSync(dir);
  const inUse = (st.blocks - st.bfree) * st.bsize;
  const bounded = await estimateWrite(filesOnly(), ['files'], [], Number.MAX_SAFE_INTEGER);
  expect(bounded).toBeGreaterThanOrEqual(3345);
  expect(Math.abs(bounded - inUse)).toBeLessThan(64 * 2 ** 20); // the file system's use, read now, not a walk
});

test('a file system holding both the file store and the config dir is counted once in the bound', async () => {
  const both = { fileStore: { driver: 'local', directory: dir }, configDir: path.join(dir, 'a') } as unknown as MattermostInstallation;
  const st = statfsSync(dir);
  const inUse = (st.blocks - st.bfree) * st.bsize;
  const bounded = await estimateWrite(both, ['files', 'config'], [], Number.MAX_SAFE_INTEGER);
  expect(bounded).toBeGreaterThanOrEqual(3345);
  expect(Math.abs(bounded - inUse)).toBeLessThan(64 * 2 ** 20); // once, not twice
  expect(await estimateWrite(both, ['files', 'config'], [])).toBe(3345 + 1000 + 2345); // walked: each tree's files
});

test('a missing store directory counts 0 either way', async () => {
  const missing = { fileStore: { driver: 'local', directory: path.join(dir, 'none') } } as unknown as MattermostInstallation;
  expect(await estimateWrite(missing, ['files'], [], Number.MAX_SAFE_INTEGER)).toBe(0);
  expect(await estimateWrite(missing, ['files'], [])).toBe(0);
});

test('a store that does not know its free space is probed but nothing is estimated (no database query, no walk)', async () => {
  const repository = await Repository.init(new MemoryDestination(), passphraseSecret('preflight test passphrase'));
  // Any read of the installation would throw: nothing of it is needed.
  const untouchable = new Proxy({}, { get: (_t, key) => { throw new Error(`installation.${String(key)} read`); } }) as MattermostInstallation;
  expect(await preflight(repository, untouchable, ['db', 'files'], [], { warn: () => {} } as never)).toEqual({});
});
