/** requirePlugin on its own: the secret's cases, the user headers, and the constant-time comparison. */
import type * as http from 'node:http';
import { PROTOCOL } from '@backup-dr/wire';
import { clearSecretsForTests, redact } from '../common/redact';
import { requirePlugin, safeEqual } from './auth';
import { HttpError } from './respond';

const request = (headers: http.IncomingHttpHeaders) => ({ headers, method: 'GET' }) as http.IncomingMessage;
const SECRET = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo';

afterEach(() => clearSecretsForTests());

function failure(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (err) {
    return err as HttpError;
  }
  throw new Error('expected a refusal');
}

it.each<[string, string | undefined, http.IncomingHttpHeaders, number, string]>([
  ['no secret configured', undefined, { 'x-mmbackup-secret': SECRET }, 503, 'BRIDGE_NO_SECRET'],
  ['an empty secret configured', '', { 'x-mmbackup-secret': SECRET }, 503, 'BRIDGE_NO_SECRET'],
  ['no header', SECRET, {}, 401, 'BRIDGE_SECRET_MISMATCH'],
  ['a wrong secret', SECRET, { 'x-mmbackup-secret': `${SECRET}x` }, 401, 'BRIDGE_SECRET_MISMATCH'],
  ['a prefix of the secret', SECRET, { 'x-mmbackup-secret': SECRET.slice(0, 10) }, 401, 'BRIDGE_SECRET_MISMATCH'],
])('%s → %i %s', (_name, configured, headers, status, code) => {
  const err = failure(() => requirePlugin(request(headers), () => configured));
  expect(err).toBeInstanceOf(HttpError);
  expect(err).toMatchObject({ status, code, fix: expect.any(String) });
});

it('accepts the secret and reads who the request is for', () => {
  const headers = { [PROTOCOL.headers.secret.toLowerCase()]: SECRET, 'x-mmbackup-user-id': 'u1', 'x-mmbackup-username': 'alice' };
  expect(requirePlugin(request(headers), () => SECRET)).toEqual({ userId: 'u1', username: 'alice' });
  expect(requirePlugin(request({ 'x-mmbackup-secret': SECRET }), () => SECRET)).toEqual({});
});

it('what a caller sends as the secret never joins the redaction set (a caller could otherwise blank out any word in the logs)', () => {
  failure(() => requirePlugin(request({ 'x-mmbackup-secret': 'backup' }), () => SECRET));
  expect(redact('backup failed')).toBe('backup failed');
});

it('safeEqual compares whole strings', () => {
  expect(safeEqual('abc', 'abc')).toBe(true);
  expect(safeEqual('abc', 'abd')).toBe(false);
  expect(safeEqual('abc', 'abcd')).toBe(false);
});
