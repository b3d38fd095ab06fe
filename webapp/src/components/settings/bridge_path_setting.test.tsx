import {fireEvent, screen} from '@testing-library/react';
import React from 'react';

import {FakeBridge, html, json, uninstallFetch} from '../../test_support/fake_bridge';
import {status} from '../../test_support/fixtures';
import {renderInConsole} from '../../test_support/render';

import BridgePathSetting from './bridge_path_setting';

afterEach(uninstallFetch);

test('checks the bridge at the path being typed', async () => {
    new FakeBridge('/mmbackup/').on('GET api/v1/status', json(200, status())).on('GET api/v1/settings', json(200, {effective: {}, locked: [], problems: []})).install();
    const onChange = jest.fn();
    renderInConsole(
        <BridgePathSetting
            id='PluginSettings.Plugins.backup-dr.bridgepath'
            value='/mmbackup/'
            onChange={onChange}
        />,
    );
    expect(await screen.findByText('The mmbackup bridge answers at /mmbackup/.')).toBeTruthy();
    fireEvent.change(screen.getByRole('textbox'), {target: {value: '/other/'}});
    expect(onChange).toHaveBeenCalledWith('PluginSettings.Plugins.backup-dr.bridgepath', '/other/');
});

test('a path without a proxy rule says so', async () => {
    new FakeBridge('/nowhere/').on('GET api/v1/status', html(200)).install();
    renderInConsole(
        <BridgePathSetting
            id='PluginSettings.Plugins.backup-dr.bridgepath'
            value='nowhere'
            onChange={jest.fn()}
        />,
    );
    const note = await screen.findByText(/Not reachable at \/nowhere\/: Mattermost itself answers there/);
    expect(note.getAttribute('data-reason')).toBe('no-route');
});
