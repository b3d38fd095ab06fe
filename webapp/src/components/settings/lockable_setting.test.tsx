import {fireEvent, screen, waitFor} from '@testing-library/react';
import React from 'react';

import {pluginState} from '../../state';
import {FakeBridge, json, uninstallFetch} from '../../test_support/fake_bridge';
import {adminConfig, renderInConsole} from '../../test_support/render';

import {BRIDGE_SETTINGS} from './catalog';
import {lockableSetting} from './lockable_setting';

const entry = (key: string) => BRIDGE_SETTINGS.find((s) => s.key === key)!;

function settingsBridge(locked: string[], effective: Record<string, unknown> = {}, problems: unknown[] = []) {
    return new FakeBridge().on('GET api/v1/settings', json(200, {effective, locked, problems}));
}

afterEach(uninstallFetch);

test('edits through Mattermost\'s onChange with its id, and publishes the value being edited', async () => {
    settingsBridge([]).install();
    const Setting = lockableSetting(entry('BackupSchedule'));
    const onChange = jest.fn();
    const id = 'PluginSettings.Plugins.backup-dr.backupschedule';
    const {store, rerender} = renderInConsole(
        <Setting
            id={id}
            value='0 3 * * *'
            onChange={onChange}
        />,
    );
    fireEvent.change(screen.getByRole('textbox'), {target: {value: '0 2 * * *'}});
    expect(onChange).toHaveBeenCalledWith(id, '0 2 * * *');
    expect(pluginState(store.getState()).drafts.backupschedule).toBe('0 3 * * *');
    rerender(
        <Setting
            id={id}
            value='0 2 * * *'
            onChange={onChange}
        />,
    );
    expect(pluginState(store.getState()).drafts.backupschedule).toBe('0 2 * * *');
});

test('locked by MMBACKUP_: read-only, the bridge\'s value, and a note naming the variable', async () => {
    settingsBridge(['BackupSchedule'], {backupSchedule: '45 1 * * *'}).install();
    const Setting = lockableSetting(entry('BackupSchedule'));
    renderInConsole(
        <Setting
            id='PluginSettings.Plugins.backup-dr.backupschedule'
            value='0 3 * * *'
            onChange={jest.fn()}
        />,
    );
    expect(await screen.findByText(/Locked: MMBACKUP_BACKUP_SCHEDULE in the bridge's environment file/)).toBeTruthy();
    const input = screen.getByRole('textbox') as HTMLInputElement;
    expect(input.disabled).toBe(true);
    expect(input.value).toBe('45 1 * * *');
});

test('numbers go to the config as numbers, and an unset value shows the default', async () => {
    settingsBridge([]).install();
    const Setting = lockableSetting(entry('KeepDaily'));
    const onChange = jest.fn();
    renderInConsole(
        <Setting
            id='k'
            onChange={onChange}
        />,
    );
    const input = screen.getByRole('spinbutton') as HTMLInputElement;
    expect(input.value).toBe('7');
    fireEvent.change(input, {target: {value: '14'}});
    expect(onChange).toHaveBeenCalledWith('k', 14);
});

test('a boolean setting is a true/false choice', async () => {
    settingsBridge(['OffsiteCopy'], {offsiteCopy: true}).install();
    const Setting = lockableSetting(entry('OffsiteCopy'));
    renderInConsole(
        <Setting
            id='o'
            value={false}
            onChange={jest.fn()}
        />,
    );
    await screen.findByText(/MMBACKUP_OFFSITE_COPY/);
    const yes = screen.getByLabelText('true') as HTMLInputElement;
    expect(yes.checked).toBe(true);
    expect(yes.disabled).toBe(true);
});

test('the bridge\'s objection to a saved value is shown', async () => {
    settingsBridge([], {}, [{key: 'TimeZone', message: 'TimeZone "Mars/Olympus" is not an IANA time zone: use e.g. UTC or Europe/Berlin'}]).install();
    const Setting = lockableSetting(entry('TimeZone'));
    renderInConsole(
        <Setting
            id='t'
            value='Mars/Olympus'
            onChange={jest.fn()}
        />,
        adminConfig(),
    );
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('is not an IANA time zone'));
});
