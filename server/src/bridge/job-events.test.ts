/**
 * trackJob on the real JobRunner and EventHub: a job's events in order, the log replayed from its start, and
 * progress sampled no more often than the interval, only when it changed.
 */
import type { JobEvent } from '@backup-dr/wire';
import { EventHub } from '../api/events';
import { JobRunner } from '../schedule/runner';
import { trackJob } from './job-events';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function jobEvents(hub: EventHub): JobEvent[] {
  return hub.recent().filter((e) => e.type === 'job').map((e) => e.data as JobEvent);
}

test('a job is started, stepped, logged, sampled and finished; progress comes at most once per interval', async () => {
  const hub = new EventHub({ version: 'test', host: 'h' });
  const runner = new JobRunner();
  const job = runner.start('backup', async (_signal, reporter) => {
    reporter.info('started by @alice');
    reporter.stepStarted('dump-db', 'pg_dump', 1000);
    for (let i = 0; i < 30; i++) {
      reporter.bytes(10);
      await sleep(10);
    }
    reporter.stepFinished('dump-db', true);
  }, { plan: [{ name: 'dump-db' }] });
  trackJob(hub, runner, job.id, 100);
  await job.done;
  const events = jobEvents(hub);
  expect(events[0]).toEqual({ jobId: job.id, kind: 'backup', phase: 'started', stepCount: 1 });
  expect(events.filter((e) => e.phase === 'log').map((e) => e.line)).toEqual(['started by @alice', 'dump-db: pg_dump', 'dump-db done', 'backup finished']);
  expect(events.find((e) => e.phase === 'step')).toMatchObject({ step: 'dump-db', stepIndex: 1, stepCount: 1 });
  const progress = events.filter((e) => e.phase === 'progress');
  // About 300 ms of work sampled every 100 ms: a handful of samples, never two alike, bytes growing.
  expect(progress.length).toBeGreaterThanOrEqual(2);
  expect(progress.length).toBeLessThanOrEqual(6);
  expect(progress.every((e) => e.bytesTotal === 1000)).toBe(true);
  for (let i = 1; i < progress.length; i++) expect(progress[i].bytesDone!).toBeGreaterThan(progress[i - 1].bytesDone!);
  expect(events.at(-1)).toEqual({ jobId: job.id, kind: 'backup', phase: 'finished', outcome: 'succeeded' });
});

test('a failed job finishes with its step, cause and fix; a cancelled one says so', async () => {
  const hub = new EventHub({ version: 'test' });
  const runner = new JobRunner();
  const failing = runner.start('verify', async (_signal, reporter) => {
    reporter.stepStarted('read-data');
    throw new Error('object abc is damaged');
  });
  trackJob(hub, runner, failing.id);
  await failing.done.catch(() => undefined);
  expect(jobEvents(hub).at(-1)).toMatchObject({ phase: 'finished', outcome: 'failed', message: expect.stringContaining('object abc is damaged') });

  const cancelled = runner.start('backup', (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
  trackJob(hub, runner, cancelled.id);
  runner.cancel();
  await cancelled.done.catch(() => undefined);
  expect(jobEvents(hub).at(-1)).toMatchObject({ jobId: cancelled.id, phase: 'finished', outcome: 'cancelled' });
});
