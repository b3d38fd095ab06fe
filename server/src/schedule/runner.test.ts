import { MmBackupError } from '../common/errors';
import { clearSecretsForTests, registerSecret } from '../common/redact';
import { JobRunner, LOG_LINES_KEPT, phaseOf, type LogLine } from './runner';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

afterEach(() => clearSecretsForTests());

test('one job at a time: a second is refused with the running job named', async () => {
  const runner = new JobRunner();
  const g = gate();
  const { id, done } = runner.start('backup', async (_signal, log) => {
    log.stepStarted('dump-db', 'postgres', 1000);
    log.bytes(300);
    await g.opened;
    return 42;
  });
  expect(runner.isBusy()).toBe(true);
  expect(runner.current()).toMatchObject({ id, kind: 'backup', step: 'dump-db', bytesDone: 300, bytesTotal: 1000, cancelRequested: false });
  expect(() => runner.start('drill', async () => 0)).toThrow(/^busy: backup started at .* is running \(step dump-db\)$/);
  try {
    runner.start('prune', async () => 0);
  } catch (err) {
    expect(err).toMatchObject({ code: 'BUSY', exitCode: 3 });
  }
  g.open();
  await expect(done).resolves.toBe(42);
  expect(runner.isBusy()).toBe(false);
  await expect(runner.run('drill', async () => 'ok')).resolves.toBe('ok');
});

test('records the last result per kind, with the failure\'s step, code, message and fix', async () => {
  let t = Date.parse('2026-01-10T03:00:00Z');
  const runner = new JobRunner(() => new Date((t += 1000)));
  await runner.run('backup', async () => undefined);
  const failure = new MmBackupError({ step: 'dump-db', code: 'PG_DUMP_TOO_OLD', message: 'pg_dump 15 cannot dump 16', fix: 'install postgresql-client-16' });
  await expect(runner.run('drill', async () => { throw failure; })).rejects.toBe(failure);
  await expect(runner.run('prune', async (_s, log) => { log.stepStarted('list'); throw new Error('boom'); })).rejects.toMatchObject({ step: 'list', code: 'UNEXPECTED' });
  const results = runner.lastResults();
  expect(results.backup).toMatchObject({ kind: 'backup', ok: true, cancelled: false, durationMs: 1000 });
  expect(results.drill).toMatchObject({ ok: false, error: { step: 'dump-db', code: 'PG_DUMP_TOO_OLD', message: 'pg_dump 15 cannot dump 16', fix: 'install postgresql-client-16' } });
  expect(results.prune.error).toMatchObject({ step: 'list', message: 'boom' });
  expect(Date.parse(results.prune.finishedAt)).toBeGreaterThan(Date.parse(results.prune.startedAt));
});

test('cancel() aborts the signal and the result says cancelled', async () => {
  const runner = new JobRunner();
  const started = gate();
  const { done } = runner.start('backup', (signal) => new Promise((_resolve, reject) => {
    started.open();
    signal.addEventListener('abort', () => reject(new Error('aborted by signal')));
  }));
  await started.opened;
  expect(runner.cancel()).toBe(true);
  await expect(done).rejects.toMatchObject({ code: 'CANCELLED' });
  expect(runner.lastResult('backup')).toMatchObject({ ok: false, cancelled: true, error: { code: 'CANCELLED' } });
  expect(runner.cancel()).toBe(false);
});

test('the log is bounded, redacted, streamed to subscribers and kept after the job', async () => {
  registerSecret('hunter2-secret');
  const runner = new JobRunner();
  const g = gate();
  const seen: LogLine[] = [];
  let ended = false;
  const { id, done } = runner.start('backup', async (_s, log) => {
    await g.opened;
    log.stepStarted('capture-files');
    for (let i = 0; i < LOG_LINES_KEPT + 50; i++) log.info(`file ${i}`);
    log.warn('password is hunter2-secret');
  });
  const unsubscribe = runner.subscribe(id, { line: (l) => seen.push(l), end: () => (ended = true) });
  expect(unsubscribe).toBeDefined();
  expect(runner.subscribe('other', {})).toBeUndefined();
  g.open();
  await done;
  expect(ended).toBe(true);
  expect(seen[0]).toMatchObject({ level: 'step', text: 'capture-files' });
  expect(seen.some((l) => l.text.includes('hunter2-secret'))).toBe(false);
  const kept = runner.log(id)!;
  expect(kept).toHaveLength(LOG_LINES_KEPT);
  expect(kept[kept.length - 1].text).toBe('backup finished');
  expect(kept[kept.length - 2].text).toBe('password is ***');
});

test('a subscriber that throws is dropped without failing the job', async () => {
  const runner = new JobRunner();
  const g = gate();
  const { id, done } = runner.start('backup', async (_s, log) => {
    await g.opened;
    log.info('one');
    log.info('two');
    return 'ok';
  });
  let calls = 0;
  runner.subscribe(id, { line: () => { calls++; throw new Error('client went away'); } });
  g.open();
  await expect(done).resolves.toBe('ok');
  expect(calls).toBe(1);
});

describe('step plan: "step i of n" for the status API', () => {
  const plan = [
    { name: 'preflight', covers: ['lock', 'index'] },
    { name: 'dump-db' },
    { name: 'write-manifest' },
    { name: 'offsite-copy', covers: ['lock', 'index', /^copy /] },
    { name: 'prune', covers: ['lock', 'plan'] },
  ];

  test.each([
    // step, phase before, phase after
    ['preflight', undefined, 1],
    ['lock', 1, 1],
    ['dump-db', 1, 2],
    ['lock', 4, 4], // the copy's lock stays in the copy, it does not jump back to the preflight
    ['copy 0123abcd', 4, 4],
    ['lock', 5, 5],
    ['unknown-step', 2, undefined],
    ['preflight', 3, undefined], // never backwards
  ])('%s from phase %s is phase %s', (step, current, expected) => {
    expect(phaseOf(plan, step, current)).toBe(expected);
  });

  test('the running job shows its phase and the count; the job gets its own id', async () => {
    const runner = new JobRunner();
    const g = gate();
    const seen: Array<[number | undefined, number | undefined, string | undefined]> = [];
    let ownId = '';
    const { id, done } = runner.start('backup', async (_s, log, jobId) => {
      ownId = jobId;
      for (const step of ['preflight', 'lock', 'dump-db', 'made-up', 'write-manifest', 'offsite-copy', 'lock', 'copy abc', 'prune', 'lock']) {
        log.stepStarted(step);
        const s = runner.current()!;
        seen.push([s.stepIndex, s.stepCount, s.step]);
      }
      await g.opened;
    }, { plan });
    g.open();
    await done;
    expect(ownId).toBe(id);
    expect(seen.map(([i]) => i)).toEqual([1, 1, 2, 2, 3, 4, 4, 4, 5, 5]);
    expect(new Set(seen.map(([, n]) => n))).toEqual(new Set([5]));
  });

  test('without a plan there is no index or count', async () => {
    const runner = new JobRunner();
    const g = gate();
    const { done } = runner.start('verify', async (_s, log) => {
      log.stepStarted('verify', undefined, 10);
      await g.opened;
    });
    expect(runner.current()).not.toHaveProperty('stepIndex');
    expect(runner.current()).not.toHaveProperty('stepCount');
    expect(runner.current()).toMatchObject({ bytesTotal: 10 });
    g.open();
    await done;
  });
});
