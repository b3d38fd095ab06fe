/** The metadata read-ahead finishes on any tree, stops when aborted, and never throws (the walk reports errors). */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetadataAhead } from './read-ahead';

let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-read-ahead-'));
  for (let d = 0; d < 40; d++) {
    const dir = path.join(root, `2026010${d % 10}`, 'teams', `t${d}`, 'channels', 'c');
    await fs.mkdir(dir, { recursive: true });
    for (let f = 0; f < 70; f++) await fs.writeFile(path.join(dir, `f${f}`), 'x');
  }
  await fs.symlink('/nowhere', path.join(root, 'dangling'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('reads a deep tree with wide directories and a dangling link to the end', async () => {
  const opened: string[] = [];
  const original = fs.readdir.bind(fs);
  const readdir = jest.spyOn(fs, 'readdir').mockImplementation(((dir: string, options: { withFileTypes: true }) => {
    opened.push(dir);
    return original(dir, options);
  }) as typeof fs.readdir);
  try {
    await readMetadataAhead(root);
  } finally {
    readdir.mockRestore();
  }
  // Every directory: the root, 10 dates, their teams/, 40 team dirs, channels/ and c/ of each.
  expect(new Set(opened).size).toBe(1 + 10 + 10 + 40 + 40 + 40);
});

test('a missing root or an aborted read resolves without an error', async () => {
  await expect(readMetadataAhead(path.join(root, 'missing'))).resolves.toBeUndefined();
  const controller = new AbortController();
  controller.abort();
  await expect(readMetadataAhead(root, controller.signal)).resolves.toBeUndefined();
});
