import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentReporter } from '../common/reporter';
import { MemoryDestination } from '../destinations/memory';
import { newWriteStats } from '../repository/blobs';
import { passphraseSecret } from '../repository/keys';
import { Repository } from '../repository/repository';
import type { SnapshotManifest } from '../repository/snapshots';
import { snapshotChunkIds } from './references';
import { captureTree, noParent } from './tree';

test('a listing already walked into the same set is not read again; another set reads it', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-refs-'));
  try {
    for (let i = 0; i < 5; i++) await fs.writeFile(path.join(dir, `f${i}`), `file ${i}`);
    const destination = new MemoryDestination();
    const repository = await Repository.init(destination, passphraseSecret('references test passphrase'));
    const root = await captureTree(repository, 'config', dir, noParent(), newWriteStats(), silentReporter);
    await repository.flush();
    const snapshot = (id: string) => ({ id, components: { config: { source: 'file', directory: root, environmentNames: [], environment: { size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', chunks: [] }, durationMs: 1 } } }) as unknown as SnapshotManifest;
    const reader = await Repository.open(destination, passphraseSecret('references test passphrase'));
    const into = new Set<string>();
    await snapshotChunkIds(reader, snapshot('a'), into);
    expect(into.size).toBe(6); // the listing and five files
    const loads = destination.calls.load;
    await snapshotChunkIds(reader, snapshot('b'), into);
    expect(destination.calls.load).toBe(loads); // the same listing: not read twice
    const other = await snapshotChunkIds(reader, snapshot('b'), new Set());
    expect(other).toEqual(into);
    expect(destination.calls.load).toBeGreaterThan(loads);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
