import {screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import {bridgeError, FakeBridge, json, uninstallFetch} from '../../test_support/fake_bridge';
import {adminConfig, renderInConsole} from '../../test_support/render';

import DestinationsPage from './destinations_page';

const destinations = {
    destinations: [
        {role: 'primary', kind: 'local', location: '/backup/mattermost'},
        {role: 'offsite', kind: 's3', location: 's3://offsite-bucket/mattermost?endpoint=https://s3.example.com (credentials redacted)'},
    ],
    encryption: {keyFingerprint: 'SHA256:9f2c41d0a7'},
};

function renderDestinations() {
    return renderInConsole(
        <DestinationsPage
            id='PluginSettings.Plugins.backup-dr.destinations'
            onChange={jest.fn()}
            config={adminConfig()}
        />,
    );
}

afterEach(() => {
    uninstallFetch();
    document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

test('lists the repositories as the bridge redacted them, and the key fingerprint with the off-host reminder', async () => {
    new FakeBridge().on('GET api/v1/destinations', json(200, destinations)).install();
    renderDestinations();
    const panel = await screen.findByTestId('destinations-panel');
    expect(await within(panel).findByText('/backup/mattermost')).toBeTruthy();
    expect(within(panel).getByText('Off-site copy')).toBeTruthy();
    expect(within(panel).getByText(/credentials redacted/)).toBeTruthy();
    expect(screen.getByTestId('key-fingerprint').textContent).toBe('SHA256:9f2c41d0a7');
    expect(panel.textContent).toContain('Keep a copy of the key file');
});

test('"Test connection" POSTs with the CSRF header and shows each result, failures with their fix', async () => {
    document.cookie = 'MMCSRF=tok-7';
    const fake = new FakeBridge().
        on('GET api/v1/destinations', json(200, destinations)).
        on('POST api/v1/destinations/test', json(200, {
            results: [
                {role: 'primary', location: '/backup/mattermost', ok: true, latencyMs: 3, message: 'wrote and removed a probe', fix: ''},
                {role: 'offsite', location: 's3://offsite-bucket/mattermost', ok: false, latencyMs: 120, message: 'AccessDenied writing the probe object', fix: 'allow s3:PutObject and s3:DeleteObject on offsite-bucket/mattermost/* for this key'},
            ],
        }));
    fake.install();
    const user = userEvent.setup();
    renderDestinations();
    await user.click(await screen.findByTestId('test-connection-button'));
    expect(await screen.findByText('Connected (3 ms)')).toBeTruthy();
    expect(screen.getByText('Failed: AccessDenied writing the probe object')).toBeTruthy();
    expect(screen.getByText('What to do: allow s3:PutObject and s3:DeleteObject on offsite-bucket/mattermost/* for this key')).toBeTruthy();
    expect(fake.callsTo('POST api/v1/destinations/test')[0].headers['X-CSRF-Token']).toBe('tok-7');
});

test('an unknown key fingerprint says so', async () => {
    new FakeBridge().on('GET api/v1/destinations', json(200, {...destinations, encryption: {keyFingerprint: null}})).install();
    renderDestinations();
    await waitFor(() => expect(screen.getByTestId('key-fingerprint').textContent).toContain('unknown'));
});

test('an unreachable bridge points to the Status section', async () => {
    new FakeBridge().on('GET api/v1/destinations', bridgeError(502, 'BRIDGE_NOT_RUNNING', 'connection refused')).install();
    renderDestinations();
    expect(await screen.findByText('Could not read the destinations: the mmbackup bridge is not running on this server. See the Status section for what to do.')).toBeTruthy();
    expect(screen.queryByTestId('bridge-unreachable')).toBeNull();
});
