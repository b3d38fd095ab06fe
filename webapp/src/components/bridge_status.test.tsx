import {render, screen} from '@testing-library/react';
import React from 'react';

import BridgeStatus from './bridge_status';

// jsdom has no fetch; each test stubs it with the answer the bridge (or the proxy in front of it) would give.
function answer(status: number, body: unknown, contentType = 'application/json') {
    return jest.fn().mockResolvedValue({
        ok: status >= 200 && status < 300,
        status,
        url: '',
        headers: {get: (name: string) => (name.toLowerCase() === 'content-type' ? contentType : null)},
        json: async () => body,
    });
}

afterEach(() => {
    delete (globalThis as {fetch?: unknown}).fetch;
});

test('reachable: shows the last backup time and calls the bridge as the signed-in user', async () => {
    const fetch = answer(200, {last_success: {finished_at: '2025-01-02T03:04:05Z'}});
    globalThis.fetch = fetch;
    render(<BridgeStatus bridgePath='/backup-dr/'/>);

    expect(await screen.findByText('Bridge reachable')).toBeTruthy();
    expect(screen.getByText(/Last backup:/).querySelector('time')?.getAttribute('dateTime')).toBe('2025-01-02T03:04:05Z');
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/backup-dr/api/v1/status');
    expect(init.credentials).toBe('same-origin');
    expect(init.headers['X-Requested-With']).toBe('XMLHttpRequest');
});

test('reachable before the first backup says so', async () => {
    globalThis.fetch = answer(200, {last_success: null});
    render(<BridgeStatus/>);
    expect(await screen.findByText('Bridge reachable')).toBeTruthy();
    expect(screen.getByText('Last backup: none yet')).toBeTruthy();
});

test('unreachable: network error explains how to install and proxy the bridge', async () => {
    globalThis.fetch = jest.fn().mockRejectedValue(new TypeError('Failed to fetch'));
    render(<BridgeStatus bridgePath='/backup-dr/'/>);
    expect(await screen.findByText(
        'The mmbackup bridge is not reachable at /backup-dr/: install it on the Mattermost host and proxy it (see README).',
    )).toBeTruthy();
    expect(screen.getByText(/Failed to fetch/)).toBeTruthy();
});

test('unreachable: Mattermost answering with its HTML page means no proxy rule', async () => {
    globalThis.fetch = answer(200, null, 'text/html; charset=utf-8');
    render(<BridgeStatus bridgePath='mmbackup'/>);
    expect(await screen.findByText(/not reachable at \/mmbackup\/: install it/)).toBeTruthy();
    expect(screen.getByText(/no proxy rule/)).toBeTruthy();
});

test.each([401, 403])('HTTP %i asks for a system admin sign-in', async (status) => {
    globalThis.fetch = answer(status, {error: 'forbidden'});
    render(<BridgeStatus bridgePath='/backup-dr/'/>);
    expect(await screen.findByText(
        `The mmbackup bridge at /backup-dr/ refused the request (HTTP ${status}): sign in as a system admin.`,
    )).toBeTruthy();
});
