/**
 * JobLogStore on a real directory: a job's lines and result are read back by a new store (a restart), the
 * bounds hold (lines per job, number of jobs), a crash-cut line is skipped, and ids that are not job ids
 * never become paths.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResult, LogLine } from '../schedule/runner';
import { JobLogStore } from './job-logs';

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'mmbackup-joblogs-')), 'jobs');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

const id = (n: number) => `backup-20260110T0300${String(n).padStart(2, '0')}123Z-ab${String(n).padStart(2, '0')}`;
const line = (text: string, level: LogLine['level'] = 'info'): LogLine => ({ at: '2026-01-10T03:00:00.000Z', level, text });
const result = (jobId: string, ok: boolean): JobResult => ({
  id: jobId, kind: 'backup', ok, cancelled: false, startedAt: '2026-01-10T03:00:00.000Z', finishedAt: '2026-01-10T03:01:00.000Z', durationMs: 60_000,
  ...(ok ? {} : { error: { step: 'dump-db', code: 'PG_DUMP_FAILED', message: 'pg_dump exited with 1' } }),
});

test('a job\'s lines and result outlive the store that wrote them, in a private directory', () => {
  const store = new JobLogStore(dir);
  store.begin(id(1));
  store.append(id(1), line('dump-db', 'step'));
  store.append(id(1), line('pg_dump exited with 1', 'warn'));
  store.end(id(1), result(id(1), false));

  const restarted = new JobLogStore(dir);
  expect(restarted.read(id(1))).toEqual([line('dump-db', 'step'), line('pg_dump exited with 1', 'warn')]);
  expect(restarted.result(id(1))).toMatchObject({ ok: false, error: { code: 'PG_DUMP_FAILED' } });
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(statSync(join(dir, `${id(1)}.jsonl`)).mode & 0o777).toBe(0o600);
  expect(restarted.read(id(2))).toBeUndefined();
});

test('at most maxLines lines per job are kept, and the log says how many were not', () => {
  const store = new JobLogStore(dir, { maxLines: 3 });
  store.begin(id(1));
  for (let i = 1; i <= 10; i++) store.append(id(1), line(`line ${i}`));
  store.end(id(1), result(id(1), true));
  const lines = store.read(id(1))!;
  expect(lines.map((l) => l.text)).toEqual(['line 1', 'line 2', 'line 3', '7 more lines were not kept']);
  expect(store.result(id(1))).toMatchObject({ ok: true });
});

test('only the newest keepJobs logs are kept: starting a job removes the oldest', () => {
  const store = new JobLogStore(dir, { keepJobs: 3 });
  for (let n = 1; n <= 5; n++) {
    store.begin(id(n));
    store.append(id(n), line(`job ${n}`));
    store.end(id(n), result(id(n), true));
    utimesSync(join(dir, `${id(n)}.jsonl`), n * 1000, n * 1000); // a clear order, whatever the clock's resolution
  }
  store.begin(id(6));
  store.append(id(6), line('job 6'));
  expect(readdirSync(dir).sort()).toEqual([id(4), id(5), id(6)].map((j) => `${j}.jsonl`));
  expect(store.read(id(1))).toBeUndefined();
  expect(store.read(id(5))!.map((l) => l.text)).toEqual(['job 5']);
});

test('a line cut by a crash is skipped; names that are not job ids are never read or written', () => {
  const store = new JobLogStore(dir);
  store.begin(id(1));
  store.append(id(1), line('before the crash'));
  appendFileSync(join(dir, `${id(1)}.jsonl`), '{"line":{"at":"2026');
  expect(store.read(id(1))!.map((l) => l.text)).toEqual(['before the crash']);
  expect(store.result(id(1))).toBeUndefined();

  writeFileSync(join(dir, '..', 'secret.jsonl'), '{"line":{"at":"x","level":"info","text":"not a job"}}\n');
  expect(store.read('../secret')).toBeUndefined();
  store.begin('../escape');
  store.append('../escape', line('x'));
  expect(readdirSync(join(dir, '..')).sort()).toEqual(['jobs', 'secret.jsonl']);
});

test('a directory that cannot be written is reported once and never fails the job', () => {
  writeFileSync(join(dir, '..', 'blocker'), '');
  const warnings: string[] = [];
  const store = new JobLogStore(join(dir, '..', 'blocker', 'jobs'), { warn: (l) => warnings.push(l) });
  store.begin(id(1));
  store.append(id(1), line('a'));
  store.end(id(1), result(id(1), true));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/job logs are no longer kept in .*blocker\/jobs: /);
});
