/**
 * The repository lock on a real local directory: who may take a lock over (a provably dead owner, or a
 * lock the store's own clock says is old), who may not (a live pid, another container with the same
 * hostname), unreadable lock files, and a holder that notices when its lock is lost.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Reporter } from '../common/reporter';
import { silentReporter } from '../common/reporter';
import type { Destination } from '../destinations/destination';
import { LocalDestination } from '../destinations/local';
import { acquireLock, lockTiming, removeLocks } from './lock';
import { PROCESS_OWNER, pidNamespace } from './lock-owner';

let dir: string;
let destination: LocalDestination;
let warnings: string[];
let reporter: Reporter;
const timing = { ...lockTiming };

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-lock-'));
  destination = new LocalDestination(dir);
  warnings = [];
  reporter = { ...silentReporter, warn: (l) => void warnings.push(l) };
});
afterEach(async () => {
  Object.assign(lockTiming, timing);
  await fs.rm(dir, { recursive: true, force: true });
});

const DEAD_PID = 2 ** 22 + 12345;

function lockJson(fields: Record<string, unknown>): Buffer {
  const now = new Date().toISOString();
  return Buffer.from(JSON.stringify({ host: os.hostname(), pid: process.pid, operation: 'backup', created: now, heartbeat: now, owner: 'someoneelse00000', namespace: pidNamespace(), ...fields }));
}

async function backdate(name: string, minutes: number): Promise<void> {
  const then = new Date(Date.now() - minutes * 60_000);
  await fs.utimes(path.join(dir, name), then, then);
}

test('a live lock refuses a second writer with exit code 3; release frees it', async () => {
  const held = await acquireLock(destination, 'backup', silentReporter);
  const stored = JSON.parse((await destination.load(held.name)).toString());
  expect(stored).toMatchObject({ host: os.hostname(), pid: process.pid, owner: PROCESS_OWNER, namespace: pidNamespace(), operation: 'backup' });
  const err = await acquireLock(destination, 'backup', silentReporter).catch((e) => e);
  expect(err.exitCode).toBe(3);
  expect(err.message).toMatch(/locked by "backup"/);
  await held.release();
  await (await acquireLock(destination, 'backup', silentReporter)).release();
  expect(await fs.readdir(path.join(dir, 'locks'))).toEqual([]);
});

test('the lock of a dead process on this host, boot and pid namespace is stale and taken over with a warning', async () => {
  await destination.save('locks/dead', lockJson({ pid: DEAD_PID }));
  const held = await acquireLock(destination, 'backup', reporter);
  expect(warnings.join('\n')).toMatch(new RegExp(`removing stale lock .*pid ${DEAD_PID}.*: its process ${DEAD_PID} on this host is gone`));
  await held.release();
});

test('same hostname, another pid namespace (another container): a dead-looking pid is NOT taken over while its lock is fresh', async () => {
  await destination.save('locks/other-container', lockJson({ pid: DEAD_PID, namespace: 'another-boot/pid:[4026532999]' }));
  const err = await acquireLock(destination, 'backup', reporter).catch((e) => e);
  expect(err.code).toBe('REPO_LOCKED');
  expect(err.exitCode).toBe(3);
  // A lock written by an older mmbackup (no namespace recorded) is not judged by its pid either.
  await fs.rm(path.join(dir, 'locks/other-container'));
  await destination.save('locks/old-format', lockJson({ pid: DEAD_PID, namespace: undefined, owner: undefined }));
  expect((await acquireLock(destination, 'backup', reporter).catch((e) => e)).code).toBe('REPO_LOCKED');
});

test('staleness is judged by the store\'s clock, not by the heartbeat the writer\'s clock wrote', async () => {
  // Another host whose clock is an hour behind: its heartbeat field looks old, the file was written just now.
  await destination.save('locks/behind', lockJson({ host: 'elsewhere', heartbeat: new Date(Date.now() - 3_600_000).toISOString() }));
  expect((await acquireLock(destination, 'backup', reporter).catch((e) => e)).code).toBe('REPO_LOCKED');
  // A host whose clock is ahead: its heartbeat field looks fresh, but the store last saw the file 11 minutes ago.
  await fs.rm(path.join(dir, 'locks/behind'));
  await destination.save('locks/ahead', lockJson({ host: 'elsewhere', heartbeat: new Date(Date.now() + 3_600_000).toISOString() }));
  await backdate('locks/ahead', 11);
  const held = await acquireLock(destination, 'backup', reporter);
  expect(warnings.join('\n')).toMatch(/removing stale lock .* on elsewhere.*no heartbeat for 11 minute\(s\) by the repository storage's clock/);
  await held.release();
});

test('an empty or unparseable lock file is skipped with a warning naming it and the fix; unlock removes it', async () => {
  await fs.mkdir(path.join(dir, 'locks'), { recursive: true });
  await fs.writeFile(path.join(dir, 'locks/0123456789abcdef'), '');
  await fs.writeFile(path.join(dir, 'locks/fedcba9876543210'), '{"host":');
  const held = await acquireLock(destination, 'backup', reporter);
  expect(warnings.join('\n')).toMatch(/ignored locks\/0123456789abcdef in .*: not a readable lock \(it is empty\); remove it with mmbackup unlock/);
  expect(warnings.join('\n')).toMatch(/ignored locks\/fedcba9876543210/);
  await held.release();
  await removeLocks(destination, reporter);
  expect(await fs.readdir(path.join(dir, 'locks'))).toEqual([]);
});

test('a lock taken over while held: check() fails with LOCK_LOST (exit 3), the heartbeat aborts the signal, release leaves the new owner alone', async () => {
  lockTiming.heartbeatMs = 30;
  const held = await acquireLock(destination, 'backup', reporter);
  await fs.rm(path.join(dir, held.name));
  await destination.save('locks/newowner', lockJson({}));
  const err = await held.check().catch((e) => e);
  expect(err.code).toBe('LOCK_LOST');
  expect(err.exitCode).toBe(3);
  expect(err.message).toMatch(/no longer holds the lock .* was removed/);
  expect(held.signal.aborted).toBe(true);
  await held.release();
  expect(await fs.readdir(path.join(dir, 'locks'))).toEqual(['newowner']);
});

test('heartbeats failing for longer than the bound abort the holder', async () => {
  Object.assign(lockTiming, { heartbeatMs: 20, lostAfterMs: 150 });
  let failSaves = false;
  const flaky: Destination = Object.assign(Object.create(destination), {
    save: (name: string, data: Buffer, options?: { exclusive?: boolean }) => (failSaves && name.startsWith('locks/') ? Promise.reject(new Error('connection reset')) : destination.save(name, data, options)),
  });
  const held = await acquireLock(flaky, 'prune', reporter);
  failSaves = true;
  await new Promise<void>((resolve) => held.signal.addEventListener('abort', () => resolve()));
  expect(held.signal.reason.code).toBe('LOCK_LOST');
  expect(held.signal.reason.message).toMatch(/heartbeat could not be written for \d+ s: connection reset/);
  expect(warnings.join('\n')).toMatch(/could not refresh the repository lock \(will try again\): connection reset/);
  await expect(held.check()).rejects.toMatchObject({ code: 'LOCK_LOST' });
  await held.release();
});

test('an exclusive save goes through a temp name: the lock name holds a whole lock or nothing, and a second writer gets isAlreadyExists', async () => {
  await destination.save('locks/aaaa', Buffer.from('{}'), { exclusive: true });
  const again = await destination.save('locks/aaaa', Buffer.from('{}'), { exclusive: true }).catch((e) => e);
  expect(destination.isAlreadyExists(again)).toBe(true);
  // Only the whole lock under its name: the write went to a temp name that is gone.
  expect(await fs.readdir(path.join(dir, 'locks'))).toEqual(['aaaa']);
});
