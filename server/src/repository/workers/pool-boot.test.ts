/**
 * While the sealing workers started are still booting, an object of up to a few MiB is opened on the calling
 * thread instead of waiting for one; once a worker has booted, it goes to the workers again. A pool never
 * started is not booting: its first job starts a worker, as before.
 */
import { randomBytes } from 'node:crypto';
import type { MasterKeys } from '../sealing';

test('objects are opened here until a worker has booted, then on the workers', async () => {
  const keys: MasterKeys = { encryption: randomBytes(32), id: randomBytes(32) };
  const data = randomBytes(1024 * 1024);
  await jest.isolateModulesAsync(async () => {
    const { open } = await import('../crypto');
    const { sealSync } = await import('../sealing');
    const { sealingPool, SealingPool } = await import('./pool');
    const sealed = Buffer.concat(sealSync(keys, 'object', data, 1, 2));
    const sent = jest.spyOn(SealingPool.prototype, 'run');
    expect(sealingPool().booting).toBe(false); // not started: a job would start a worker
    sealingPool().start();
    expect(sealingPool().booting).toBe(true);
    expect((await open(keys, 'object', sealed)).equals(data)).toBe(true);
    expect(sent).not.toHaveBeenCalled();
    for (let i = 0; i < 300 && sealingPool().booting; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sealingPool().booting).toBe(false);
    expect((await open(keys, 'object', sealed)).equals(data)).toBe(true);
    expect(sent).toHaveBeenCalledWith(expect.objectContaining({ op: 'open' }), expect.anything());
  });
});
