import {getStatus, previewSchedule, startBackup} from './endpoints';
import {BridgeRequestError} from './request';
import type {BridgeProblem} from './request';

import {bridgeError, FakeBridge, html, json, textResponse, uninstallFetch} from '../test_support/fake_bridge';
import {status} from '../test_support/fixtures';

afterEach(() => {
    uninstallFetch();
    document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

async function problemOf(promise: Promise<unknown>): Promise<BridgeProblem> {
    try {
        await promise;
    } catch (err) {
        expect(err).toBeInstanceOf(BridgeRequestError);
        return (err as BridgeRequestError).problem;
    }
    throw new Error('expected the request to fail');
}

test('GET as the signed-in user: same-origin cookies, X-Requested-With, no CSRF header', async () => {
    const bridge = new FakeBridge().on('GET api/v1/status', json(200, status()));
    const fetch = bridge.install();
    expect((await getStatus('/backup-dr/')).health).toBe('healthy');
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/backup-dr/api/v1/status');
    expect(init.credentials).toBe('same-origin');
    expect(init.headers['X-Requested-With']).toBe('XMLHttpRequest');
    expect(init.headers['X-CSRF-Token']).toBeUndefined();
});

test('POST carries the MMCSRF cookie as X-CSRF-Token and a JSON body', async () => {
    document.cookie = 'MMCSRF=csrf-token-123';
    const bridge = new FakeBridge().on('POST api/v1/backups', json(202, {jobId: 'job-1'}));
    bridge.install();
    expect(await startBackup('/backup-dr/', ['db'])).toEqual({jobId: 'job-1'});
    const [call] = bridge.callsTo('POST api/v1/backups');
    expect(call.headers['X-CSRF-Token']).toBe('csrf-token-123');
    expect(call.headers['Content-Type']).toBe('application/json');
    expect(call.body).toEqual({only: ['db']});
});

test('query parameters are encoded and unset ones left out', async () => {
    const bridge = new FakeBridge().on('GET api/v1/schedule/preview', json(200, {valid: true, description: 'x', nextRuns: []}));
    bridge.install();
    await previewSchedule('/backup-dr/', '0 3 * * 1-5', undefined, 3);
    const [call] = bridge.calls;
    expect(call.url).toBe('/backup-dr/api/v1/schedule/preview?cron=0%203%20*%20*%201-5&count=3');
});

test('a network error means the bridge is not running', async () => {
    globalThis.fetch = jest.fn().mockRejectedValue(new TypeError('Failed to fetch'));
    const problem = await problemOf(getStatus('/backup-dr/'));
    expect(problem).toMatchObject({kind: 'unreachable', reason: 'not-running'});
    expect(problem.kind === 'unreachable' && problem.detail).toContain('Failed to fetch');
});

test.each([502, 503, 504])('HTTP %i from the proxy means the bridge is not running', async (code) => {
    new FakeBridge().on('GET api/v1/status', textResponse(code, '<html>Bad Gateway</html>', 'text/html')).install();
    expect(await problemOf(getStatus('/backup-dr/'))).toMatchObject({kind: 'unreachable', reason: 'not-running'});
});

test('a 503 with the bridge\'s own JSON is the bridge speaking: an error with its fix', async () => {
    new FakeBridge().on('GET api/v1/status', bridgeError(503, 'MATTERMOST_UNREACHABLE', 'cannot check the session', 'check that Mattermost runs')).install();
    expect(await problemOf(getStatus('/backup-dr/'))).toEqual({
        kind: 'error', status: 503, code: 'MATTERMOST_UNREACHABLE', message: 'cannot check the session', fix: 'check that Mattermost runs',
    });
});

test.each([
    ['a 404 HTML page', html(404)],
    ['a 200 HTML page (Mattermost\'s app for unknown paths)', html(200)],
    ['a 404 with Mattermost\'s JSON', json(404, {id: 'api.context.404.app_error', message: 'Sorry, we could not find the page.', status_code: 404})],
])('%s means no proxy rule', async (_what, response) => {
    new FakeBridge().on('GET api/v1/status', response).install();
    expect(await problemOf(getStatus('/backup-dr/'))).toMatchObject({kind: 'unreachable', reason: 'no-route'});
});

test('a 404 with the bridge\'s JSON is a missing endpoint of an older bridge, not a missing route', async () => {
    new FakeBridge().install();
    expect(await problemOf(previewSchedule('/backup-dr/', '0 3 * * *', 'UTC'))).toMatchObject({kind: 'error', status: 404, code: 'NOT_FOUND'});
});

test('401 means the session was not accepted, 403 that the user is not an admin', async () => {
    new FakeBridge().on('GET api/v1/status', bridgeError(401, 'UNAUTHENTICATED', 'no session')).install();
    expect(await problemOf(getStatus('/backup-dr/'))).toMatchObject({kind: 'unreachable', reason: 'unauthenticated'});
    new FakeBridge().on('GET api/v1/status', bridgeError(403, 'FORBIDDEN', 'alice is not a system admin')).install();
    expect(await problemOf(getStatus('/backup-dr/'))).toMatchObject({kind: 'unreachable', reason: 'not-admin'});
});

test('the bridge\'s CSRF refusal is an error to show, not "not an admin"', async () => {
    new FakeBridge().on('POST api/v1/backups', bridgeError(403, 'CSRF', 'the X-CSRF-Token header is missing', 'reload the page')).install();
    expect(await problemOf(startBackup('/backup-dr/'))).toMatchObject({kind: 'error', code: 'CSRF', fix: 'reload the page'});
});

test('the contract\'s flat error body is read too', async () => {
    new FakeBridge().on('POST api/v1/backups', json(409, {error: 'BUSY', message: 'a backup is running', fix: 'wait or cancel it'})).install();
    expect(await problemOf(startBackup('/backup-dr/'))).toEqual({kind: 'error', status: 409, code: 'BUSY', message: 'a backup is running', fix: 'wait or cancel it'});
});

test('an abort rejects as an AbortError, not as a problem', async () => {
    new FakeBridge().on('GET api/v1/status', json(200, status())).install();
    const controller = new AbortController();
    controller.abort();
    await expect(getStatus('/backup-dr/', controller.signal)).rejects.toMatchObject({name: 'AbortError'});
});
