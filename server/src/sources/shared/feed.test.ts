import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { feedTool } from './feed';
import { startTool } from './tool-process';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-feed-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

/** Feeds three 1 MiB buffers of their own to `cat > out` and returns them, the digest sent and the file's. */
async function feedCat(ownsInput: boolean): Promise<{ chunks: Buffer[]; sent: string; received: string; code: number | null }> {
  const chunks = [0, 1, 2].map(() => Buffer.from(randomBytes(1024 * 1024)));
  const sent = createHash('sha256').update('prefix;').update(Buffer.concat(chunks)).digest('hex');
  const out = path.join(dir, 'out');
  const proc = startTool('sh', ['-c', `cat > '${out}'`], { env: { PATH: process.env.PATH }, stdin: 'pipe', stdout: 'ignore' });
  const { exit, inputError } = await feedTool(Readable.from(chunks), proc, { prefix: 'prefix;', ownsInput });
  expect(inputError).toBeUndefined();
  const received = createHash('sha256').update(await fs.readFile(out)).digest('hex');
  return { chunks, sent, received, code: exit.code };
}

test('a restore client gets every byte, and the buffers it was fed are freed once written when they are its own', async () => {
  const { chunks, sent, received, code } = await feedCat(true);
  expect(code).toBe(0);
  expect(received).toBe(sent);
  expect(chunks.map((c) => c.length)).toEqual([0, 0, 0]);
});

test('without ownership the buffers fed are left as they were', async () => {
  const { chunks, sent, received } = await feedCat(false);
  expect(received).toBe(sent);
  expect(chunks.map((c) => c.length)).toEqual([1024 * 1024, 1024 * 1024, 1024 * 1024]);
});
