/**
 * Parsing Mattermost's form-encoded invocation, and the token check: functional tests of verifyToken's contract
 * (any registered token matches, near misses do not) and of its constant-time shape (digest comparisons with
 * timingSafeEqual against every token, whatever matched).
 */
import * as crypto from 'node:crypto';
import { MmBackupError } from '../common/errors';
import { clearSecretsForTests, redact } from '../common/redact';
import { parseSlashRequest, verifyToken } from './request';

// A spy around the real timingSafeEqual, installed through the module registry so request.ts sees it too.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

afterEach(() => {
  clearSecretsForTests();
  jest.mocked(crypto.timingSafeEqual).mockClear();
});

/** What Mattermost's command.go sends, field for field. */
const FORM = new URLSearchParams({
  token: 'xr3j5x3p4pfjtxm9efffjn7i9w', team_id: 'teamid', team_domain: 'ops', channel_id: 'chanid',
  channel_name: 'town-square', user_id: 'userid', user_name: 'alice', command: '/backup', text: 'now db',
  trigger_id: 'trig', response_url: 'http://127.0.0.1:8065/hooks/commands/hookid',
}).toString();

describe('parseSlashRequest', () => {
  it('reads every field of the form body', () => {
    expect(parseSlashRequest(FORM)).toEqual({
      token: 'xr3j5x3p4pfjtxm9efffjn7i9w', teamId: 'teamid', teamDomain: 'ops', channelId: 'chanid',
      channelName: 'town-square', userId: 'userid', userName: 'alice', command: '/backup', text: 'now db',
      triggerId: 'trig', responseUrl: 'http://127.0.0.1:8065/hooks/commands/hookid',
    });
  });

  it('registers the token as a secret at once', () => {
    parseSlashRequest(FORM);
    expect(redact('token xr3j5x3p4pfjtxm9efffjn7i9w')).toBe('token ***');
  });

  it('takes the token from "Authorization: Token" when the form has none (GET commands, proxies)', () => {
    const form = new URLSearchParams(FORM);
    form.delete('token');
    expect(parseSlashRequest(form, 'Token abcdefabcdef').token).toBe('abcdefabcdef');
  });

  it('an empty text is allowed; a request without token or user is refused as SLASH_BAD_REQUEST', () => {
    const form = new URLSearchParams(FORM);
    form.set('text', '');
    expect(parseSlashRequest(form).text).toBe('');
    const err = (() => { try { parseSlashRequest('text=now&team_id=t&channel_id=c'); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(MmBackupError);
    expect(err).toMatchObject({ code: 'SLASH_BAD_REQUEST', message: expect.stringContaining('token, user_id') });
  });
});

describe('verifyToken', () => {
  const tokens = ['aaaaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccccccccc'];

  it.each([
    ['the first team\'s token', tokens[0], true],
    ['the last team\'s token', tokens[2], true],
    ['a prefix of a token', tokens[1].slice(0, 25), false],
    ['a token with one more character', `${tokens[1]}b`, false],
    ['a token differing in its last character', `${tokens[1].slice(0, 25)}c`, false],
    ['a different case', tokens[0].toUpperCase(), false],
    ['the empty string', '', false],
  ])('%s → %s', (_what, given, expected) => {
    expect(verifyToken(given, tokens)).toBe(expected);
  });

  it('nothing matches when no command is registered, not even the empty string', () => {
    expect(verifyToken('', [])).toBe(false);
    expect(verifyToken('', [''])).toBe(false);
    expect(verifyToken('x', [])).toBe(false);
  });

  it('compares equal-length digests with timingSafeEqual, against every token even after a match', () => {
    const spy = jest.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(verifyToken(tokens[0], tokens)).toBe(true);
    expect(verifyToken('short', tokens)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(2 * tokens.length);
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });
});
