/**
 * GET /api/v1/jobs/:id/log as server-sent events: the buffered lines first, then live ones, heartbeats while
 * idle, `event: end` when the job finishes; a finished job replays and ends at once.
 */
import { startHarness, type Harness } from './api.testkit';

let h: Harness;

beforeEach(async () => {
  h = await startHarness({ heartbeatMs: 40 });
});

afterEach(async () => {
  await h.stop();
});

/** An open event stream: `text` grows as chunks arrive; `until` waits for a pattern. */
async function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const stream = { res, text: '', done: false, abort: () => controller.abort() };
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stream.text += decoder.decode(value, { stream: true });
    }
    stream.done = true;
  })().catch(() => undefined);
  const until = async (pattern: RegExp | (() => boolean)): Promise<void> => {
    const deadline = Date.now() + 5000;
    const met = () => (typeof pattern === 'function' ? pattern() : pattern.test(stream.text));
    while (!met()) {
      if (Date.now() > deadline) throw new Error(`stream never matched ${pattern}; got:\n${stream.text}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { ...stream, get text() { return stream.text; }, get done() { return stream.done; }, until, pump };
}

async function startJob(): Promise<string> {
  const res = await h.fetchText('/api/v1/backups', { method: 'POST', headers: h.plugin });
  return JSON.parse(res.text).jobId;
}

/** The data of each default (line) event. */
function lines(text: string): string[] {
  return text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => JSON.parse(e.slice(6)).text);
}

it('replays the buffered lines, then streams live ones and heartbeats, then the end event', async () => {
  const jobId = await startJob();
  h.core.logLine('replayed line');
  const stream = await openStream(`${h.url}/api/v1/jobs/${jobId}/log`, h.plugin);
  expect(stream.res.status).toBe(200);
  expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  expect(stream.res.headers.get('x-accel-buffering')).toBe('no');
  await stream.until(/replayed line/);
  h.core.logLine('live line');
  await stream.until(/live line/);
  await stream.until(/: heartbeat\n\n/);
  h.core.finishJob();
  await stream.until(() => stream.done);
  expect(h.core.activeSubscriptions).toBe(0);
  expect(lines(stream.text)).toEqual(['dump-db: pg_dump mattermost', 'replayed line', 'live line', 'backup finished']);
  const end = /event: end\ndata: (.*)\n\n$/.exec(stream.text);
  expect(JSON.parse(end![1])).toMatchObject({ id: jobId, kind: 'backup', ok: true, cancelled: false });
});

it('reports a cancelled job in the end event', async () => {
  const jobId = await startJob();
  const stream = await openStream(`${h.url}/api/v1/jobs/${jobId}/log`, h.plugin);
  await stream.until(/dump-db/);
  await h.core.cancelCurrent();
  await stream.until(() => stream.done);
  expect(lines(stream.text)).toContain('cancel requested');
  const end = JSON.parse(/event: end\ndata: (.*)\n\n$/.exec(stream.text)![1]);
  expect(end).toMatchObject({ ok: false, cancelled: true, error: { code: 'CANCELLED' } });
});

it('replays a finished job and ends at once', async () => {
  const jobId = await startJob();
  h.core.finishJob();
  await new Promise((r) => setImmediate(r));
  const res = await h.fetchText(`/api/v1/jobs/${jobId}/log`, { headers: h.plugin });
  expect(res.status).toBe(200);
  expect(lines(res.text)).toEqual(['dump-db: pg_dump mattermost', 'backup finished']);
  expect(res.text.endsWith(`event: end\ndata: {"id":"${jobId}"}\n\n`)).toBe(true);
});

it('answers 404 for an unknown job and 401 without the plugin secret', async () => {
  const headers = h.plugin;
  expect((await h.fetchText('/api/v1/jobs/backup-nope/log', { headers })).status).toBe(404);
  const jobId = await startJob();
  expect((await h.fetchText(`/api/v1/jobs/${jobId}/log`)).status).toBe(401);
});

it('stops following when the client goes away, and the job goes on', async () => {
  const jobId = await startJob();
  const stream = await openStream(`${h.url}/api/v1/jobs/${jobId}/log`, h.plugin);
  await stream.until(/dump-db/);
  expect(h.core.activeSubscriptions).toBe(1);
  stream.abort();
  await stream.pump;
  await stream.until(() => h.core.activeSubscriptions === 0);
  h.core.logLine('after the client left');
  h.core.finishJob();
  await new Promise((r) => setImmediate(r));
  expect(h.core.runner.lastResult('backup')).toMatchObject({ id: jobId, ok: true });
});
