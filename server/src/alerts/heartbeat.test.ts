/**
 * pingHeartbeat against a local HTTP server on 127.0.0.1: the healthchecks.io URL scheme, and that every failure
 * (bad status, timeout, nothing listening, bad URL) comes back as redacted text instead of an exception.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clearSecretsForTests, registerSecret } from '../common/redact';
import { heartbeatUrl, pingHeartbeat } from './heartbeat';

let server: http.Server;
let base: string;
let seen: Array<{ method: string; url: string; authorization?: string }>;
/** How the local server answers a request: a status, or 'hang' to never answer. */
let answer: number | 'hang';

beforeEach(async () => {
  seen = [];
  answer = 200;
  server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    if (answer !== 'hang') res.writeHead(answer).end('OK');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  clearSecretsForTests();
});

it.each([
  ['https://hc-ping.com/5f3c', 'start', 'https://hc-ping.com/5f3c/start'],
  ['https://hc-ping.com/5f3c', 'success', 'https://hc-ping.com/5f3c'],
  ['https://hc-ping.com/5f3c/', 'fail', 'https://hc-ping.com/5f3c/fail'],
  ['https://hc-ping.com/5f3c?rid=42', 'fail', 'https://hc-ping.com/5f3c/fail?rid=42'],
] as const)('%s on %s is %s', (url, event, expected) => {
  expect(heartbeatUrl(url, event)).toBe(expected);
});

it('GETs <url>/start, <url> and <url>/fail', async () => {
  const url = `${base}/ping/5f3c`;
  for (const event of ['start', 'success', 'fail'] as const) expect(await pingHeartbeat(url, event)).toEqual({ ok: true, status: 200 });
  expect(seen).toEqual([
    { method: 'GET', url: '/ping/5f3c/start' }, { method: 'GET', url: '/ping/5f3c' }, { method: 'GET', url: '/ping/5f3c/fail' },
  ]);
});

it('a non-2xx answer is an error naming the status and the origin, not the secret path', async () => {
  answer = 404;
  const result = await pingHeartbeat(`${base}/ping/secret-uuid`, 'success');
  expect(result).toEqual({ ok: false, error: `heartbeat success ping to ${base} answered 404 Not Found` });
});

it('a server that does not answer in time is an error, not a hang', async () => {
  answer = 'hang';
  const started = Date.now();
  expect(await pingHeartbeat(`${base}/ping/x`, 'start', { timeoutMs: 200 })).toEqual({ ok: false, error: `heartbeat start ping to ${base} failed: no answer within 200 ms` });
  expect(Date.now() - started).toBeLessThan(5000);
});

it('nothing listening is an error with the system code', async () => {
  const closed = await closedPortUrl();
  const result = await pingHeartbeat(`${closed}/ping/x`, 'fail');
  expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^heartbeat fail ping to http:\/\/127\.0\.0\.1:\d+ failed: ECONNREFUSED/) });
});

it('an invalid URL is an error, not an exception', async () => {
  expect(await pingHeartbeat('not a url', 'start')).toEqual({ ok: false, error: expect.stringMatching(/not a valid absolute URL/) });
});

it('credentials in the URL go as Basic auth and never appear in an error', async () => {
  registerSecret('hunter2-pass');
  const url = `http://user:hunter2-pass@127.0.0.1:${new URL(base).port}/ping`;
  expect(await pingHeartbeat(url, 'start')).toEqual({ ok: true, status: 200 });
  expect(seen).toEqual([{ method: 'GET', url: '/ping/start', authorization: `Basic ${Buffer.from('user:hunter2-pass').toString('base64')}` }]);
  answer = 500;
  const result = await pingHeartbeat(url, 'success');
  expect(result).toEqual({ ok: false, error: `heartbeat success ping to ${base} answered 500 Internal Server Error` });
});

/** A loopback URL nothing listens on: a port the system just handed out and that is closed again. */
async function closedPortUrl(): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
