import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeDestination } from './contract.testkit';
import { LocalDestination, listTemporaryFiles } from './local';

async function makeLocal() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-local-'));
  return { destination: new LocalDestination(dir), cleanup: () => fs.rm(dir, { recursive: true, force: true }), dir };
}

describeDestination('local', makeLocal);

describe('LocalDestination specifics', () => {
  test('temporary files of a killed writer are hidden from list and found for reclaiming', async () => {
    const { destination, cleanup, dir } = await makeLocal();
    try {
      await fs.mkdir(path.join(dir, 'objects/ab'), { recursive: true });
      await fs.writeFile(path.join(dir, 'objects/ab/.tmp-abcd-123'), 'partial');
      const names: string[] = [];
      for await (const o of destination.list('objects')) names.push(o.name);
      expect(names).toEqual([]);
      const temps: string[] = [];
      for await (const t of listTemporaryFiles(dir)) temps.push(t);
      expect(temps).toEqual(['objects/ab/.tmp-abcd-123']);
    } finally {
      await cleanup();
    }
  });

  test('names that escape the root are refused', async () => {
    const { destination, cleanup } = await makeLocal();
    try {
      await expect(destination.save('../evil', Buffer.from('x'))).rejects.toThrow(/invalid object name/);
    } finally {
      await cleanup();
    }
  });
});
