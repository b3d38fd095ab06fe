import { promises as fs } from 'node:fs';

/**
 * A small file's whole content, read on Node's thread pool, or undefined when its size as listed
 * (`listed`, the walk's lstat: not asked for again) is `maxSize` or more, or it grew since (the caller then
 * streams it through the chunker instead). Read here rather than on a sealing worker: a worker blocked on
 * a cold disk leaves its core idle, and the main thread only waits for these reads.
 */
export async function readWholeFile(path: string, listed: number, maxSize: number): Promise<Buffer | undefined> {
  if (listed >= maxSize) return undefined;
  const handle = await fs.open(path, 'r');
  try {
    const data = Buffer.allocUnsafeSlow(listed); // a buffer of its own: it moves to a worker whole
    let size = 0;
    while (size < listed) {
      const { bytesRead } = await handle.read(data, size, listed - size, null);
      if (bytesRead === 0) return data.subarray(0, size); // it shrank meanwhile: what is there now
      size += bytesRead;
    }
    const grew = (await handle.read(Buffer.alloc(1), 0, 1, null)).bytesRead > 0;
    return grew ? undefined : data;
  } finally {
    await handle.close();
  }
}
