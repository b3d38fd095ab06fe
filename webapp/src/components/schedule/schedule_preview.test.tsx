import {act, screen, waitFor} from '@testing-library/react';
import React from 'react';

import {FakeBridge, json, uninstallFetch} from '../../test_support/fake_bridge';
import {adminConfig, renderInConsole} from '../../test_support/render';

import SchedulePreviewSetting from './schedule_preview';

function previewBridge(locked: string[] = []) {
    return new FakeBridge().
        on('GET api/v1/settings', json(200, {
            effective: {backupSchedule: '15 2 * * *', timeZone: 'Europe/Berlin', drillSchedule: '0 4 * * 0', pruneSchedule: ''},
            locked,
            problems: [],
        })).
        on('GET api/v1/schedule/preview', (call) => {
            const cron = call.query.get('cron');
            if (cron === 'nonsense') {
                return json(200, {valid: false, problem: '"nonsense" is not a cron expression: use minute hour day-of-month month day-of-week, e.g. "0 3 * * *"'});
            }
            return json(200, {
                valid: true,
                description: `runs "${cron}" (${call.query.get('timeZone')})`,
                nextRuns: ['2026-11-25T02:15:00.000Z', '2026-11-26T02:15:00.000Z'],
            });
        });
}

function renderPreview(config = adminConfig({backupschedule: '0 3 * * *', timezone: 'UTC'})) {
    return renderInConsole(
        <SchedulePreviewSetting
            id='PluginSettings.Plugins.backup-dr.schedulepreview'
            onChange={jest.fn()}
            config={config}
        />,
        config,
    );
}

afterEach(uninstallFetch);

test('previews the saved schedules in words with their next runs; an empty prune schedule means after each backup', async () => {
    previewBridge().install();
    renderPreview();
    const preview = await screen.findByTestId('schedule-preview');
    expect(await screen.findByText('runs "0 3 * * *" (UTC)')).toBeTruthy();
    expect(await screen.findByText('runs "0 4 * * 0" (UTC)')).toBeTruthy();
    expect(screen.getAllByRole('list', {name: 'Next runs of the backups'})[0].querySelectorAll('li')).toHaveLength(2);
    expect(preview.textContent).toContain('after each successful backup');
});

test('follows the values being edited, asking once the typing settles', async () => {
    const fake = previewBridge();
    fake.install();
    const {store} = renderPreview();
    await screen.findByText('runs "0 3 * * *" (UTC)');
    await screen.findByText('runs "0 4 * * 0" (UTC)');
    const before = fake.callsTo('GET api/v1/schedule/preview').length;
    act(() => {
        for (const value of ['3', '30', '30 ', '30 1 * * *']) {
            store.dispatch({type: 'backup-dr/drafts/changed', key: 'BackupSchedule', value});
        }
    });
    expect(await screen.findByText('runs "30 1 * * *" (UTC)')).toBeTruthy();
    const asked = fake.callsTo('GET api/v1/schedule/preview').slice(before).map((c) => c.query.get('cron'));
    expect(asked).toEqual(['30 1 * * *']);
});

test('an invalid expression shows the bridge\'s problem', async () => {
    previewBridge().install();
    const {store} = renderPreview();
    await screen.findByText('runs "0 3 * * *" (UTC)');
    act(() => {
        store.dispatch({type: 'backup-dr/drafts/changed', key: 'BackupSchedule', value: 'nonsense'});
    });
    expect(await screen.findByText(/"nonsense" is not a cron expression: use minute hour/)).toBeTruthy();
});

test('a schedule forced by MMBACKUP_ previews the bridge\'s value, not the one saved here', async () => {
    previewBridge(['BackupSchedule', 'TimeZone']).install();
    renderPreview();
    expect(await screen.findByText('runs "15 2 * * *" (Europe/Berlin)')).toBeTruthy();
});

test('an older bridge without the preview endpoint is told to upgrade', async () => {
    new FakeBridge().on('GET api/v1/settings', json(200, {effective: {}, locked: [], problems: []})).install();
    renderPreview();
    await waitFor(() => expect(screen.getAllByText(/upgrade mmbackup/).length).toBeGreaterThan(0));
});
