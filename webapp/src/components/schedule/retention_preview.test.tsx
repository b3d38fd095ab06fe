import {act, screen, within} from '@testing-library/react';
import React from 'react';

import {bridgeError, FakeBridge, json, uninstallFetch} from '../../test_support/fake_bridge';
import {adminConfig, renderInConsole} from '../../test_support/render';

import RetentionPreviewSetting from './retention_preview';

const answer = {
    description: 'keeps the last 1, 7 daily',
    snapshots: [
        {id: 'cccc3333cccc3333', finishedAt: '2026-11-24T03:00:00.000Z', keep: true, reasons: ['last 1', 'daily']},
        {id: 'bbbb2222bbbb2222', finishedAt: '2026-11-24T01:00:00.000Z', keep: false, reasons: ['an older snapshot of the same day is kept by none of the rules']},
    ],
};

function renderPreview() {
    const config = adminConfig({keeplast: 1, keepdaily: 7, timezone: 'UTC'});
    return renderInConsole(
        <RetentionPreviewSetting
            id='PluginSettings.Plugins.backup-dr.retentionpreview'
            onChange={jest.fn()}
            config={config}
        />,
        config,
    );
}

afterEach(uninstallFetch);

test('shows what the rules keep of the real snapshots and why, from the saved values', async () => {
    const fake = new FakeBridge().
        on('GET api/v1/settings', json(200, {effective: {}, locked: [], problems: []})).
        on('GET api/v1/retention/preview', json(200, answer));
    fake.install();
    renderPreview();
    const preview = await screen.findByTestId('retention-preview');
    expect(await within(preview).findByText('keeps the last 1, 7 daily')).toBeTruthy();
    expect(preview.textContent).toContain('of 2 snapshots, 1 kept, 1 would be removed at the next prune');
    expect(within(preview).getByText('Removed')).toBeTruthy();
    expect(within(preview).getByText('an older snapshot of the same day is kept by none of the rules')).toBeTruthy();
    const query = fake.callsTo('GET api/v1/retention/preview').pop()!.query;
    expect(query.get('keepLast')).toBe('1');
    expect(query.get('keepDaily')).toBe('7');
    expect(query.get('timeZone')).toBe('UTC');
});

test('a malformed value shows the bridge\'s message and fix', async () => {
    new FakeBridge().
        on('GET api/v1/settings', json(200, {effective: {}, locked: [], problems: []})).
        on('GET api/v1/retention/preview', (call) => (call.query.get('keepWithin') === '3x' ? bridgeError(400, 'BAD_RETENTION', 'keepWithin "3x" is not a duration', 'use e.g. 30d, 2w, 6m or 1y') : json(200, answer))).
        install();
    const {store} = renderPreview();
    await screen.findByText('keeps the last 1, 7 daily');
    act(() => {
        store.dispatch({type: 'backup-dr/drafts/changed', key: 'KeepWithin', value: '3x'});
    });
    expect(await screen.findByText('Could not preview the retention policy: keepWithin "3x" is not a duration')).toBeTruthy();
    expect(screen.getByText('What to do: use e.g. 30d, 2w, 6m or 1y')).toBeTruthy();
});
