/**
 * The Authenticator on its own, against the Mattermost test server: cache expiry and bound, shared concurrent
 * lookups, and what an unreachable Mattermost means for a caller.
 */
import type * as http from 'node:http';
import { MattermostApi } from '../mattermost-api/client';
import { startMattermostTestServer, type MattermostTestServer } from '../../test/support/mattermost/server';
import { sessionLookups } from './api.testkit';
import { Authenticator, credentialOf, safeEqual } from './auth';

let mm: MattermostTestServer;
let api: MattermostApi;
let adminToken: string;

beforeEach(async () => {
  mm = await startMattermostTestServer();
  const bot = mm.state.addBot({ username: 'backup-bot' });
  adminToken = mm.state.addUser({ username: 'alice', roles: 'system_user system_admin' }).token;
  api = new MattermostApi({ siteUrl: mm.url, botToken: bot.token });
});

afterEach(async () => {
  expect(mm.problems).toEqual([]);
  await mm.stop();
});

const request = (headers: http.IncomingHttpHeaders, method = 'GET') => ({ headers, method }) as http.IncomingMessage;
const bearer = (token: string) => request({ authorization: `Bearer ${token}` });

it('asks Mattermost again once the cached answer is older than cacheMs', async () => {
  let now = 1_000;
  const auth = new Authenticator({ api, cacheMs: 30_000, now: () => now });
  await auth.requireAdmin(bearer(adminToken));
  now += 29_999;
  await auth.requireAdmin(bearer(adminToken));
  expect(sessionLookups(mm)).toBe(1);
  now += 2;
  await auth.requireAdmin(bearer(adminToken));
  expect(sessionLookups(mm)).toBe(2);
});

it('keeps at most cacheSize tokens, dropping the oldest', async () => {
  const auth = new Authenticator({ api, cacheSize: 2 });
  const admin = [...mm.state.users.values()].find((u) => u.username === 'alice')!;
  const [a, b, c] = [mm.state.addToken(admin.id), mm.state.addToken(admin.id), mm.state.addToken(admin.id)];
  for (const token of [a, b, c, c, b]) await auth.requireAdmin(bearer(token));
  expect(sessionLookups(mm)).toBe(3);
  await auth.requireAdmin(bearer(a));
  expect(sessionLookups(mm)).toBe(4);
});

it('shares one lookup between concurrent requests with the same token', async () => {
  const auth = new Authenticator({ api });
  await Promise.all([1, 2, 3].map(() => auth.requireAdmin(bearer(adminToken))));
  expect(sessionLookups(mm)).toBe(1);
});

it('answers 503, not 401, when Mattermost cannot be reached, and does not cache that', async () => {
  const down = await startMattermostTestServer();
  const url = down.url;
  await down.stop();
  const auth = new Authenticator({ api: new MattermostApi({ siteUrl: url, botToken: 'bot-token-xyz' }) });
  await expect(auth.requireAdmin(bearer(adminToken))).rejects.toMatchObject({ status: 503, code: 'MM_UNREACHABLE' });
  await expect(auth.requireAdmin(bearer(adminToken))).rejects.toMatchObject({ status: 503 });
});

it('takes the Bearer header over the cookie, and does not fall back to the cookie for a malformed header', () => {
  expect(credentialOf(request({ authorization: 'Bearer aaaa', cookie: 'MMAUTHTOKEN=bbbb' }))).toEqual({ token: 'aaaa', via: 'bearer' });
  expect(credentialOf(request({ cookie: 'other=1; MMAUTHTOKEN=bbbb; MMCSRF=c' }))).toEqual({ token: 'bbbb', via: 'cookie' });
  expect(credentialOf(request({ authorization: 'Token aaaa', cookie: 'MMAUTHTOKEN=bbbb' }))).toBeUndefined();
  expect(credentialOf(request({ cookie: 'bad=%E0%A4%A; MMAUTHTOKEN=bbbb' }))).toEqual({ token: 'bbbb', via: 'cookie' });
});

it('compares strings of any lengths', () => {
  expect(safeEqual('abc', 'abc')).toBe(true);
  expect(safeEqual('abc', 'abcd')).toBe(false);
  expect(safeEqual('', 'x')).toBe(false);
});
