import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';

import BridgePathSetting from './bridge_path_setting';

beforeEach(() => {
    globalThis.fetch = jest.fn().mockRejectedValue(new TypeError('Failed to fetch'));
});

afterEach(() => {
    delete (globalThis as {fetch?: unknown}).fetch;
});

test('edits through Mattermost onChange and checks the bridge at the current value', async () => {
    const onChange = jest.fn();
    render(<BridgePathSetting id='BridgePath' value='/mmbackup/' onChange={onChange}/>);

    fireEvent.change(screen.getByRole('textbox'), {target: {value: '/other/'}});
    expect(onChange).toHaveBeenCalledWith('BridgePath', '/other/');
    expect(await screen.findByText(/not reachable at \/mmbackup\//)).toBeTruthy();
});

test('is read-only when the setting is forced by the environment', async () => {
    render(<BridgePathSetting id='BridgePath' value='/backup-dr/' setByEnv={true} onChange={jest.fn()}/>);
    expect((screen.getByRole('textbox') as HTMLInputElement).disabled).toBe(true);
    expect(await screen.findByText(/not reachable at \/backup-dr\//)).toBeTruthy();
});
