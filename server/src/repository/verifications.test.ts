/**
 * Verification records in a real local repository: passes and failures of read-back verifies and drills,
 * the pass flags prune reads, records written before outcomes existed, and redaction of stored failures.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearSecretsForTests, registerSecret } from '../common/redact';
import { LocalDestination } from '../destinations/local';
import { passphraseSecret } from './keys';
import { Repository } from './repository';
import { listVerifications, loadVerification, mergeOutcome, recordOutcome, removeVerification } from './verifications';

let dir: string;
let repo: Repository;
const ID = '0123456789abcdef';
const t = (hour: number) => new Date(Date.UTC(2026, 0, 10, hour));

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmbackup-verifications-'));
  repo = await Repository.init(new LocalDestination(dir), passphraseSecret('correct horse battery staple'));
});
afterEach(async () => {
  clearSecretsForTests();
  await fs.rm(dir, { recursive: true, force: true });
});

test('a passing verify and a passing drill both show, each with its own time; the drill keeps its restore time', async () => {
  await recordOutcome(repo, ID, { kind: 'verify', ok: true, readData: true, at: t(1), jobId: 'verify-1' });
  await recordOutcome(repo, ID, { kind: 'drill', ok: true, restoreDurationMs: 4200, at: t(2), jobId: 'drill-1' });
  const [record] = await listVerifications(repo);
  expect(record).toEqual({
    snapshot: ID, readData: true, drill: true, at: t(2).toISOString(),
    lastVerify: { ok: true, at: t(1).toISOString(), readData: true, jobId: 'verify-1' },
    lastDrill: { ok: true, at: t(2).toISOString(), restoreDurationMs: 4200, jobId: 'drill-1' },
  });
});

test('a failed drill is recorded with step, message and fix, clears only the drill flag, and keeps the last pass time', async () => {
  await recordOutcome(repo, ID, { kind: 'verify', ok: true, readData: true, at: t(1) });
  await recordOutcome(repo, ID, { kind: 'drill', ok: true, restoreDurationMs: 100, at: t(2) });
  const after = await recordOutcome(repo, ID, { kind: 'drill', ok: false, at: t(3), step: 'drill-check', message: 'row counts differ', fix: 'take a new backup' });
  expect(after).toMatchObject({ readData: true, drill: false, at: t(2).toISOString() });
  expect(after.lastDrill).toEqual({ ok: false, at: t(3).toISOString(), restoreDurationMs: null, step: 'drill-check', message: 'row counts differ', fix: 'take a new backup' });
  expect(await loadVerification(repo, ID)).toEqual(after);
});

test('a snapshot whose only verification failed is not verified for prune, and its time is when it ran', async () => {
  const record = await recordOutcome(repo, ID, { kind: 'verify', ok: false, readData: true, at: t(5), message: 'object damaged' });
  expect(record).toMatchObject({ readData: false, drill: false, at: t(5).toISOString(), lastVerify: { ok: false, message: 'object damaged', fix: '' } });
  expect(record.lastDrill).toBeUndefined();
});

test('a later pass after a failure sets the flag again', () => {
  const failed = mergeOutcome(undefined, ID, { kind: 'verify', ok: false, readData: true, at: t(1), message: 'x' });
  const passed = mergeOutcome(failed, ID, { kind: 'verify', ok: true, readData: true, at: t(2) });
  expect(passed).toMatchObject({ readData: true, at: t(2).toISOString(), lastVerify: { ok: true, at: t(2).toISOString() } });
  expect(passed.lastVerify).not.toHaveProperty('message');
});

test('an outcome of one kind leaves the other kind alone', async () => {
  await recordOutcome(repo, ID, { kind: 'drill', ok: true, restoreDurationMs: 900, at: t(1) });
  await recordOutcome(repo, ID, { kind: 'verify', ok: true, readData: true, at: t(2) });
  const record = (await loadVerification(repo, ID))!;
  expect(record).toMatchObject({ readData: true, drill: true, at: t(2).toISOString() });
  expect(record.lastDrill).toMatchObject({ ok: true, restoreDurationMs: 900 });
});

test('a record in the first format (pass flags only) reads as passed outcomes', async () => {
  const legacy = { snapshot: ID, readData: true, drill: true, at: t(4).toISOString() };
  await repo.saveSealed(`verifications/${ID}`, Buffer.from(JSON.stringify(legacy)));
  const [record] = await listVerifications(repo);
  expect(record.lastVerify).toEqual({ ok: true, at: t(4).toISOString(), readData: true });
  expect(record.lastDrill).toEqual({ ok: true, at: t(4).toISOString(), restoreDurationMs: null });
});

test('a damaged record is replaced by the next outcome, but stops listVerifications', async () => {
  await fs.mkdir(path.join(dir, 'verifications'), { recursive: true });
  await fs.writeFile(path.join(dir, 'verifications', ID), 'not sealed');
  await expect(listVerifications(repo)).rejects.toMatchObject({ code: 'VERIFICATION_RECORD_DAMAGED' });
  expect(await loadVerification(repo, ID)).toBeUndefined();
  await recordOutcome(repo, ID, { kind: 'verify', ok: true, readData: true, at: t(1) });
  expect(await listVerifications(repo)).toHaveLength(1);
  await removeVerification(repo, ID);
  expect(await listVerifications(repo)).toEqual([]);
});

test('a failure message is stored redacted', async () => {
  registerSecret('s3cret-passphrase-value');
  const record = await recordOutcome(repo, ID, { kind: 'drill', ok: false, at: t(1), message: 'auth failed for s3cret-passphrase-value', fix: 'postgres://u:pw123@db/x' });
  const stored = JSON.stringify(await loadVerification(repo, ID));
  expect(stored).not.toContain('s3cret-passphrase-value');
  expect(stored).not.toContain('pw123');
  expect(record.lastDrill?.message).toBe('auth failed for ***');
});
