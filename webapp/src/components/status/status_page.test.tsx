import {act, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import {bridgeError, EventStream, FakeBridge, html, json, uninstallFetch} from '../../test_support/fake_bridge';
import {status} from '../../test_support/fixtures';
import {adminConfig, renderInConsole} from '../../test_support/render';

import StatusPage from './status_page';

function bridge(answer: Parameters<FakeBridge['on']>[1] = json(200, status())) {
    return new FakeBridge().
        on('GET api/v1/status', answer).
        on('GET api/v1/settings', json(200, {effective: {components: ['db', 'config', 'files']}, locked: [], problems: []})).
        on('GET api/v1/backups', json(200, []));
}

function renderStatus(config = adminConfig()) {
    return renderInConsole(
        <StatusPage
            id='PluginSettings.Plugins.backup-dr.backupstatus'
            onChange={jest.fn()}
            config={config}
        />,
        config,
    );
}

afterEach(() => {
    uninstallFetch();
    document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

test.each([
    ['healthy', status(), 'Healthy'],
    ['warning', status({health: 'warning', healthReasons: ['No backup has been verified yet.']}), 'Needs attention'],
    ['failing', status({health: 'failing', healthReasons: ['The repository is not reachable.']}), 'Failing'],
])('health badge: %s', async (health, answer, label) => {
    bridge(json(200, answer)).install();
    renderStatus();
    const badge = await screen.findByTestId('health-badge');
    expect(badge.getAttribute('data-health')).toBe(health);
    expect(badge.textContent).toBe(label);
    for (const reason of answer.healthReasons ?? []) {
        expect(screen.getByText(reason)).toBeTruthy();
    }
});

test('a drill that booted Mattermost shows the whole recovery time', async () => {
    const lastVerified = {snapshotId: 'a1b2c3d4e5f60718', at: '2026-11-24T04:10:00.000Z', drill: true, restoreDurationMs: 130_000, recoveryMs: 134_000};
    bridge(json(200, status({lastVerified}))).install();
    renderStatus();
    await screen.findByTestId('health-badge');
    expect(screen.getByText(/restore drill, restored and booted in 2 min 14 s/)).toBeTruthy();
});

test('shows the RPO age against its target, the last verified restore time and the next runs', async () => {
    bridge().install();
    renderStatus();
    await screen.findByTestId('health-badge');
    expect(screen.getByText(/5 h old, target 26 h/)).toBeTruthy();
    expect(screen.getByText(/restore drill, restored in 4 min 12 s/)).toBeTruthy();
    expect(screen.getByText('after each successful backup')).toBeTruthy();
    expect(screen.getByRole('meter').getAttribute('aria-valuenow')).toBe(String(5 * 3600));
});

test('the last failure shows its step, message and fix', async () => {
    bridge(json(200, status({
        health: 'failing',
        lastFailure: {jobId: 'job-9', kind: 'backup', at: '2026-11-24T03:01:00.000Z', step: 'dump-db', message: 'pg_dump 15.4 cannot dump PostgreSQL 16', fix: 'install postgresql-client-16'},
    }))).install();
    renderStatus();
    const failure = await screen.findByTestId('last-failure');
    expect(within(failure).getByText('dump-db')).toBeTruthy();
    expect(within(failure).getByText('pg_dump 15.4 cannot dump PostgreSQL 16')).toBeTruthy();
    expect(within(failure).getByText('install postgresql-client-16')).toBeTruthy();
});

test('"Back up now" asks first, then POSTs with the CSRF header and follows the new job\'s log', async () => {
    document.cookie = 'MMCSRF=tok-42';
    const stream = new EventStream();
    const fake = bridge().
        on('POST api/v1/backups', json(202, {jobId: 'job-1'})).
        on('GET api/v1/jobs/job-1/log', () => stream.response());
    fake.install();
    const user = userEvent.setup();
    renderStatus();
    await user.click(await screen.findByTestId('backup-now-button'));
    expect(fake.callsTo('POST api/v1/backups')).toHaveLength(0);
    expect(screen.getByRole('dialog').textContent).toContain('the database, the config, the file store to /backup/mattermost');

    await user.click(screen.getByTestId('confirm-button'));
    await waitFor(() => expect(fake.callsTo('POST api/v1/backups')).toHaveLength(1));
    expect(fake.callsTo('POST api/v1/backups')[0].headers['X-CSRF-Token']).toBe('tok-42');
    expect(screen.queryByRole('dialog')).toBeNull();

    stream.line({text: 'dump-db started', level: 'step'});
    stream.line({text: '1.2 GiB written'});
    const log = await screen.findByTestId('job-log');
    await waitFor(() => expect(log.textContent).toContain('1.2 GiB written'));
    expect(log.textContent).toContain('dump-db started');
    stream.line({text: 'dump-db done'});
    await waitFor(() => expect(log.textContent).toContain('dump-db done'));
    stream.end({id: 'job-1', kind: 'backup', ok: true, cancelled: false});
    expect(await screen.findByText('The backup finished successfully.')).toBeTruthy();
});

test('the confirmation can be dismissed without starting anything', async () => {
    const fake = bridge();
    fake.install();
    const user = userEvent.setup();
    renderStatus();
    await user.click(await screen.findByTestId('verify-button'));
    expect(screen.getByRole('dialog').textContent).toContain('snapshot a1b2c3d4');
    await user.click(within(screen.getByRole('dialog')).getByText('Cancel'));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(fake.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
});

test('"Verify" POSTs the newest snapshot\'s verification after confirming', async () => {
    const fake = bridge().
        on('POST api/v1/backups/a1b2c3d4e5f60718/verify', json(202, {jobId: 'job-2'})).
        on('GET api/v1/jobs/job-2/log', () => new EventStream().response());
    fake.install();
    const user = userEvent.setup();
    renderStatus();
    await user.click(await screen.findByTestId('verify-button'));
    await user.click(screen.getByTestId('confirm-button'));
    await waitFor(() => expect(fake.callsTo('POST api/v1/backups/a1b2c3d4e5f60718/verify')).toHaveLength(1));
});

test('a busy bridge refuses with its message and fix', async () => {
    bridge().on('POST api/v1/backups', bridgeError(409, 'BUSY', 'a prune is running (job job-3)', 'wait for it to finish or cancel it')).install();
    const user = userEvent.setup();
    renderStatus();
    await user.click(await screen.findByTestId('backup-now-button'));
    await user.click(screen.getByTestId('confirm-button'));
    expect(await screen.findByText('Could not start the backup: a prune is running (job job-3)')).toBeTruthy();
    expect(screen.getByText('What to do: wait for it to finish or cancel it')).toBeTruthy();
});

test('a running job shows its step, progress and log, and Cancel asks the bridge to stop it', async () => {
    const stream = new EventStream();
    const running = {id: 'job-5', kind: 'backup', step: 'files', bytes: 300, totalBytes: 1200, stepIndex: 3, stepCount: 4, startedAt: '2026-11-24T03:00:00.000Z'};
    const fake = bridge(json(200, status({running}))).
        on('GET api/v1/jobs/job-5/log', () => stream.response()).
        on('POST api/v1/jobs/current/cancel', json(200, {cancelled: true}));
    fake.install();
    const user = userEvent.setup();
    renderStatus();
    const job = await screen.findByTestId('running-job');
    expect(within(job).getByText('Step 3 of 4: files')).toBeTruthy();
    const bar = screen.getByTestId('job-progress');
    expect(bar.getAttribute('role')).toBe('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    expect(screen.getByTestId('backup-now-button')).toHaveProperty('disabled', true);

    stream.line({text: 'files: 20000 of 80000'});
    await waitFor(() => expect(screen.getByTestId('job-log').textContent).toContain('files: 20000 of 80000'));

    await user.click(screen.getByTestId('cancel-job-button'));
    await waitFor(() => expect(fake.callsTo('POST api/v1/jobs/current/cancel')).toHaveLength(1));
    expect(await screen.findByText(/Cancel requested/)).toBeTruthy();
});

test('a step of unknown size shows an indeterminate bar with the bytes so far', async () => {
    const running = {id: 'job-6', kind: 'backup', step: 'dump-db', bytes: 5 * 1024 * 1024, totalBytes: null, startedAt: '2026-11-24T03:00:00.000Z'};
    bridge(json(200, status({running}))).on('GET api/v1/jobs/job-6/log', () => new EventStream().response()).install();
    renderStatus();
    const bar = await screen.findByTestId('job-progress');
    expect(bar.hasAttribute('aria-valuenow')).toBe(false);
    expect(bar.getAttribute('aria-valuetext')).toBe('5.0 MiB so far');
});

test('job events from the websocket move the running job between polls; its end asks for the status at once', async () => {
    const running = {id: 'job-7', kind: 'backup', step: 'dump-db', bytes: 0, totalBytes: 4096, stepIndex: 2, stepCount: 4, startedAt: '2026-11-24T03:00:00.000Z'};
    const fake = bridge(json(200, status({running}))).on('GET api/v1/jobs/job-7/log', () => new EventStream().response());
    fake.install();
    const {store} = renderStatus();
    expect((await screen.findByTestId('job-progress')).getAttribute('aria-valuenow')).toBe('0');
    const polls = fake.callsTo('GET api/v1/status').length;
    act(() => {
        store.dispatch({type: 'backup-dr/job/event', event: {jobId: 'job-7', kind: 'backup', phase: 'progress', step: 'dump-db', stepIndex: 2, stepCount: 4, bytesDone: 3072, bytesTotal: 4096}});
    });
    expect(screen.getByTestId('job-progress').getAttribute('aria-valuenow')).toBe('75');
    act(() => {
        store.dispatch({type: 'backup-dr/job/event', event: {jobId: 'job-7', kind: 'backup', phase: 'step', step: 'files', stepIndex: 3, stepCount: 4}});
    });
    expect(within(screen.getByTestId('running-job')).getByText('Step 3 of 4: files')).toBeTruthy();
    fake.on('GET api/v1/status', json(200, status()));
    act(() => {
        store.dispatch({type: 'backup-dr/job/event', event: {jobId: 'job-7', kind: 'backup', phase: 'finished', outcome: 'succeeded'}});
    });
    await waitFor(() => expect(fake.callsTo('GET api/v1/status').length).toBeGreaterThan(polls));
    await waitFor(() => expect(screen.queryByTestId('running-job')).toBeNull());
});

test.each([
    ['the plugin: the bridge is not running', bridgeError(502, 'BRIDGE_NOT_RUNNING', 'connection refused at http://127.0.0.1:8066'), 'not-running', 'systemctl enable --now mmbackup'],
    ['the plugin: the bridge does not answer', bridgeError(502, 'BRIDGE_UNREACHABLE', 'timeout'), 'unreachable', 'MMBACKUP_LISTEN'],
    ['the plugin: the secrets differ', bridgeError(502, 'BRIDGE_SECRET_MISMATCH', 'wrong secret', 'check MMBACKUP_BRIDGE_SECRET'), 'secret-mismatch', 'The plugin says: check MMBACKUP_BRIDGE_SECRET'],
    ['the bridge: no secret yet', bridgeError(503, 'BRIDGE_NO_SECRET', 'no secret'), 'no-secret', 'MM_CONFIG'],
    ['Mattermost\'s 404 page: the plugin is off', html(404), 'plugin-off', 'Plugin Management'],
    ['401', bridgeError(401, 'UNAUTHENTICATED', 'no valid session'), 'unauthenticated', 'Sign in to Mattermost again'],
    ['403', bridgeError(403, 'FORBIDDEN', 'manage_system is required'), 'not-admin', 'sign in to Mattermost as a system admin'],
])('unreachable: %s', async (_what, answer, reason, advice) => {
    bridge(answer).install();
    renderStatus();
    const panel = await screen.findByTestId('bridge-unreachable');
    expect(panel.getAttribute('data-reason')).toBe(reason);
    expect(panel.textContent).toContain(advice);
    expect(screen.getByTestId('backup-status-panel').contains(panel)).toBe(true);
    expect(screen.queryByTestId('health-badge')).toBeNull();
});
