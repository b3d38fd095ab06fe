/** The structured log: one JSON object per line, the job's id and kind on each of its lines, secrets redacted. */
import { Writable } from 'node:stream';
import { registerSecret } from '../common/redact';
import { bridgeLogger, logJobLine } from './log';

function capture(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

test('job lines carry jobId and kind; levels by name; an ISO time; no pid or hostname', () => {
  const out = capture();
  const logger = bridgeLogger(out.stream);
  const job = logger.child({ jobId: 'backup-20260110T030000123Z-ab12', kind: 'backup' });
  logJobLine(job, { at: '2026-01-10T03:00:00.000Z', level: 'step', text: 'dump-db' });
  logJobLine(job, { at: '2026-01-10T03:00:01.000Z', level: 'warn', text: 'slow disk' });
  logger.info('bridge listening on http://127.0.0.1:8066');
  const [step, warn, service] = out.lines();
  expect(step).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), jobId: 'backup-20260110T030000123Z-ab12', kind: 'backup', step: true, msg: 'dump-db' });
  expect(warn).toMatchObject({ level: 'warn', jobId: 'backup-20260110T030000123Z-ab12', msg: 'slow disk' });
  expect(service).toEqual({ level: 'info', time: expect.any(String), msg: 'bridge listening on http://127.0.0.1:8066' });
});

test('a registered secret never reaches the log', () => {
  const secret = 'S3cr3t-token-for-the-log-test';
  registerSecret(secret);
  const out = capture();
  bridgeLogger(out.stream).child({ jobId: 'prune-20260110T030000123Z-ab12', kind: 'prune' }).warn(`connecting with ${secret}`);
  const [line] = out.lines();
  expect(JSON.stringify(line)).not.toContain(secret);
  expect(line.msg).toMatch(/^connecting with /);
});
