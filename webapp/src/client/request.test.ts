import {getStatus, previewSchedule, startBackup} from './endpoints';
import {BridgeRequestError, pluginBase} from './request';
import type {BridgeProblem} from './request';

import {bridgeError, FakeBridge, html, json, textResponse, uninstallFetch} from '../test_support/fake_bridge';
import {status} from '../test_support/fixtures';

afterEach(() => {
    uninstallFetch();
    document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
    delete window.basename;
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

test('GET goes to the plugin\'s route as Mattermost\'s own client sends: same-origin cookies, X-Requested-With, the CSRF token', async () => {
    document.cookie = 'MMCSRF=csrf-token-123';
    const bridge = new FakeBridge().on('GET api/v1/status', json(200, status()));
    const fetch = bridge.install();
    expect((await getStatus()).health).toBe('healthy');
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/plugins/backup-dr/api/v1/status');
    expect(init.credentials).toBe('same-origin');
    expect(init.headers['X-Requested-With']).toBe('XMLHttpRequest');
    expect(init.headers['X-CSRF-Token']).toBe('csrf-token-123');
});

test('POST carries the MMCSRF cookie as X-CSRF-Token and a JSON body', async () => {
    document.cookie = 'MMCSRF=csrf-token-123';
    const bridge = new FakeBridge().on('POST api/v1/backups', json(202, {jobId: 'job-1'}));
    bridge.install();
    expect(await startBackup(['db'])).toEqual({jobId: 'job-1'});
    const [call] = bridge.callsTo('POST api/v1/backups');
    expect(call.headers['X-CSRF-Token']).toBe('csrf-token-123');
    expect(call.headers['Content-Type']).toBe('application/json');
    expect(call.body).toEqual({only: ['db']});
});

test('a server on a subpath (window.basename) has the plugin\'s routes under it', async () => {
    window.basename = '/chat/';
    expect(pluginBase()).toBe('/chat/plugins/backup-dr/');
    const fetch = new FakeBridge('/chat/plugins/backup-dr/').on('GET api/v1/status', json(200, status())).install();
    await getStatus();
    expect(fetch.mock.calls[0][0]).toBe('/chat/plugins/backup-dr/api/v1/status');
});

test('query parameters are encoded and unset ones left out', async () => {
    const bridge = new FakeBridge().on('GET api/v1/schedule/preview', json(200, {valid: true, description: 'x', nextRuns: []}));
    bridge.install();
    await previewSchedule('0 3 * * 1-5', undefined, 3);
    const [call] = bridge.calls;
    expect(call.url).toBe('/plugins/backup-dr/api/v1/schedule/preview?cron=0%203%20*%20*%201-5&count=3');
});

test.each([
    [502, 'BRIDGE_NOT_RUNNING', 'not-running'],
    [502, 'BRIDGE_UNREACHABLE', 'unreachable'],
    [502, 'BRIDGE_SECRET_MISMATCH', 'secret-mismatch'],
    [503, 'BRIDGE_NO_SECRET', 'no-secret'],
])('HTTP %i %s is the broken link it names, with the fix it sends', async (code, error, reason) => {
    new FakeBridge().on('GET api/v1/status', bridgeError(code, error, 'what happened', 'what to do')).install();
    expect(await problemOf(getStatus())).toMatchObject({kind: 'unreachable', reason, message: 'what happened', fix: 'what to do', detail: expect.stringContaining(error)});
});

test.each([
    ['a 404 HTML page', html(404)],
    ['a 200 HTML page (Mattermost\'s app for unknown paths)', html(200)],
    ['a 404 with Mattermost\'s JSON', json(404, {id: 'api.context.404.app_error', message: 'Sorry, we could not find the page.', status_code: 404})],
])('%s means the plugin\'s server part is not running', async (_what, response) => {
    new FakeBridge().on('GET api/v1/status', response).install();
    expect(await problemOf(getStatus())).toMatchObject({kind: 'unreachable', reason: 'plugin-off'});
});

test('a 404 with the bridge\'s JSON is a missing endpoint of an older bridge, not a missing plugin', async () => {
    new FakeBridge().install();
    expect(await problemOf(previewSchedule('0 3 * * *', 'UTC'))).toMatchObject({kind: 'error', status: 404, code: 'NOT_FOUND'});
});

test('401 means no session; 403 that the user is not an admin (or Mattermost refused the CSRF token)', async () => {
    new FakeBridge().on('GET api/v1/status', bridgeError(401, 'UNAUTHENTICATED', 'no session')).install();
    expect(await problemOf(getStatus())).toMatchObject({kind: 'unreachable', reason: 'unauthenticated'});
    new FakeBridge().on('GET api/v1/status', bridgeError(403, 'FORBIDDEN', 'manage_system is required')).install();
    expect(await problemOf(getStatus())).toMatchObject({kind: 'unreachable', reason: 'not-admin'});
});

test('a network error is an error to show, with what to check', async () => {
    globalThis.fetch = jest.fn().mockRejectedValue(new TypeError('Failed to fetch'));
    expect(await problemOf(getStatus())).toMatchObject({kind: 'error', code: 'NO_ANSWER', message: expect.stringContaining('Failed to fetch')});
});

test('any other status without an error body is an error naming it', async () => {
    new FakeBridge().on('GET api/v1/status', textResponse(500, 'oops', 'text/plain')).install();
    expect(await problemOf(getStatus())).toMatchObject({kind: 'error', status: 500, code: 'HTTP_500'});
});

test('the bridge\'s error body is an error with its code and fix', async () => {
    new FakeBridge().on('POST api/v1/backups', json(409, {error: 'BUSY', message: 'a backup is running', fix: 'wait or cancel it'})).install();
    expect(await problemOf(startBackup())).toEqual({kind: 'error', status: 409, code: 'BUSY', message: 'a backup is running', fix: 'wait or cancel it'});
});

test('an abort rejects as an AbortError, not as a problem', async () => {
    new FakeBridge().on('GET api/v1/status', json(200, status())).install();
    const controller = new AbortController();
    controller.abort();
    await expect(getStatus(controller.signal)).rejects.toMatchObject({name: 'AbortError'});
});
