import {screen} from '@testing-library/react';
import React from 'react';

import {bridgeError, FakeBridge, json, uninstallFetch} from '../../test_support/fake_bridge';
import {status} from '../../test_support/fixtures';
import {adminConfig, renderInConsole} from '../../test_support/render';

import BridgeUrlSetting from './bridge_url_setting';

afterEach(() => uninstallFetch());

function renderSetting(answer: ReturnType<typeof json>) {
    new FakeBridge().
        on('GET api/v1/status', answer).
        on('GET api/v1/settings', json(200, {effective: {bridgeUrl: 'http://127.0.0.1:8066'}, locked: [], problems: []})).
        install();
    const config = adminConfig({bridgeurl: 'http://127.0.0.1:8066'});
    renderInConsole(
        <BridgeUrlSetting
            id='PluginSettings.Plugins.backup-dr.bridgeurl'
            value='http://127.0.0.1:8066'
            onChange={jest.fn()}
            config={config}
        />,
        config,
    );
}

test('says that the plugin reaches the bridge at the saved URL', async () => {
    renderSetting(json(200, status()));
    expect(await screen.findByText('The plugin reaches the mmbackup bridge at the saved Bridge URL.')).toBeTruthy();
    expect((screen.getByRole('textbox') as HTMLInputElement).value).toBe('http://127.0.0.1:8066');
});

test('says which link is broken when it does not', async () => {
    renderSetting(bridgeError(502, 'BRIDGE_NOT_RUNNING', 'connection refused'));
    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-reason')).toBe('not-running');
    expect(alert.textContent).toBe('Not reachable: The mmbackup bridge is not running on this server (see the Status section)');
});
