/** reportCompletion against a local HTTP server standing in for Mattermost's response_url hook. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportCompletion } from './completion';

interface Received { method?: string; contentType?: string; body: unknown }

let server: http.Server;
let base: string;
let received: Received[];
let respond: (res: http.ServerResponse) => void;

beforeEach(async () => {
  received = [];
  respond = (res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{}'); };
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString()) });
      respond(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('POSTs an ephemeral CommandResponse as JSON to the response_url', async () => {
  const attachments = [{ color: '#2fb344', title: 'Backup finished', fields: [{ title: 'Snapshot', value: '3f2a9c01', short: true }] }];
  const outcome = await reportCompletion(`${base}/hooks/commands/abc`, 'Backup job-1 finished: snapshot 3f2a9c01 (1.5 GiB, 42 s).', { attachments });
  expect(outcome).toEqual({ delivered: true, status: 200 });
  expect(received).toEqual([{
    method: 'POST', contentType: 'application/json',
    body: { response_type: 'ephemeral', text: 'Backup job-1 finished: snapshot 3f2a9c01 (1.5 GiB, 42 s).', attachments },
  }]);
});

it('redacts secrets in the text it sends', async () => {
  await reportCompletion(`${base}/hooks/commands/abc`, 'failed: postgres://mm:s3cretpw@db/mattermost refused');
  expect((received[0].body as { text: string }).text).toBe('failed: postgres://mm:***@db/mattermost refused');
});

it('an expired hook (404) is reported, not thrown', async () => {
  respond = (res) => { res.writeHead(404); res.end(); };
  expect(await reportCompletion(`${base}/hooks/commands/gone`, 'done')).toEqual({
    delivered: false, status: 404, problem: 'Mattermost answered 404 (the response_url may have expired)',
  });
});

it('gives up after the timeout without throwing', async () => {
  respond = () => undefined; // never answers
  const began = Date.now();
  const outcome = await reportCompletion(`${base}/hooks/commands/slow`, 'done', { timeoutMs: 200 });
  expect(outcome).toEqual({ delivered: false, problem: 'Mattermost did not answer in time' });
  expect(Date.now() - began).toBeLessThan(5000);
});

it('a refused connection or a missing URL is reported without the hook URL', async () => {
  const port = (server.address() as AddressInfo).port;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const refused = await reportCompletion(`http://127.0.0.1:${port}/hooks/commands/secrethook`, 'done');
  expect(refused.delivered).toBe(false);
  expect(refused.problem).toMatch(/ECONNREFUSED/);
  expect(refused.problem).not.toContain('secrethook');
  expect(await reportCompletion('', 'done')).toEqual({ delivered: false, problem: 'no usable response_url was given' });
  server = http.createServer().listen(0, '127.0.0.1'); // for afterEach
});
