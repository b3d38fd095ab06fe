import {screen, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import {FakeBridge, json, uninstallFetch} from '../../test_support/fake_bridge';
import {backup} from '../../test_support/fixtures';
import {adminConfig, renderInConsole} from '../../test_support/render';

import HistoryPage from './history_page';
import {polyline, trendPoints} from './trend_chart';

const snapshots = [
    backup('cccc3333cccc3333', '2026-11-24T03:04:00.000Z', {
        sizeBytes: 3 * 1024 ** 3,
        durationMs: 252_000,
        verification: {ok: true, at: '2026-11-24T04:00:00.000Z', readData: true},
        drill: {ok: true, at: '2026-11-24T04:10:00.000Z', restoreDurationMs: 600_000, recoveryMs: 611_000, mattermostVersion: '11.4.0'},
    }),
    backup('bbbb2222bbbb2222', '2026-11-23T03:04:00.000Z', {
        components: ['db'],
        verification: {ok: false, at: '2026-11-23T04:00:00.000Z', readData: false},
        drill: {ok: false, at: '2026-11-23T04:10:00.000Z', restoreDurationMs: null},
    }),
    backup('aaaa1111aaaa1111', '2026-11-22T03:04:00.000Z', {restoreCommands: undefined}),
];

function renderHistory() {
    return renderInConsole(
        <HistoryPage
            id='PluginSettings.Plugins.backup-dr.backuphistory'
            onChange={jest.fn()}
            config={adminConfig()}
        />,
    );
}

afterEach(uninstallFetch);

test('one row per snapshot, newest first, with components, size, duration, verification and drill', async () => {
    new FakeBridge().on('GET api/v1/backups', json(200, snapshots)).install();
    renderHistory();
    const table = await screen.findByTestId('history-table');
    const rows = within(table).getAllByTestId('history-row');
    expect(rows.map((r) => r.getAttribute('data-snapshot-id'))).toEqual(['cccc3333cccc3333', 'bbbb2222bbbb2222', 'aaaa1111aaaa1111']);
    expect(within(rows[0]).getByText('3.0 GiB')).toBeTruthy();
    expect(within(rows[0]).getByText('4 min 12 s')).toBeTruthy();
    expect(within(rows[0]).getByText(/^OK \(all data read back\)/)).toBeTruthy();
    expect(within(rows[0]).getByText('OK, restored and booted in 10 min 11 s (Mattermost 11.4.0)')).toBeTruthy();
    expect(within(rows[1]).getByText('db')).toBeTruthy();
    expect(within(rows[1]).getByText(/^Failed, /)).toBeTruthy();
    expect(within(rows[1]).getByText(/^Failed \(/)).toBeTruthy();
    expect(within(rows[2]).getByText('Not verified')).toBeTruthy();
    expect(within(rows[2]).getByText('No drill')).toBeTruthy();
});

test('the newest snapshot\'s restore commands show first; choosing a row shows its own, each copyable', async () => {
    new FakeBridge().on('GET api/v1/backups', json(200, snapshots)).install();
    const user = userEvent.setup();
    renderHistory();
    let commands = await screen.findByTestId('restore-commands');
    expect(commands.getAttribute('data-snapshot-id')).toBe('cccc3333cccc3333');
    expect(within(commands).getByText('mmbackup restore cccc3333cccc3333 --only db')).toBeTruthy();

    await user.click(within(screen.getAllByTestId('history-row')[1]).getByRole('button', {name: /Restore commands/}));
    commands = screen.getByTestId('restore-commands');
    expect(commands.getAttribute('data-snapshot-id')).toBe('bbbb2222bbbb2222');

    await user.click(within(commands).getByRole('button', {name: 'Copy mmbackup restore bbbb2222bbbb2222 --only files'}));
    expect(await navigator.clipboard.readText()).toBe('mmbackup restore bbbb2222bbbb2222 --only files');
    expect(within(commands).getByText('Copied')).toBeTruthy();

    await user.click(within(commands).getByRole('button', {name: /Copy all restore commands/}));
    expect((await navigator.clipboard.readText()).split('\n')).toHaveLength(4);
});

test('an older bridge without restore commands gets the dry run and the restore line', async () => {
    new FakeBridge().on('GET api/v1/backups', json(200, snapshots)).install();
    const user = userEvent.setup();
    renderHistory();
    await user.click(within((await screen.findAllByTestId('history-row'))[2]).getByRole('button', {name: /Restore commands/}));
    const commands = screen.getByTestId('restore-commands');
    expect(within(commands).getByText('mmbackup restore aaaa1111aaaa1111 --dry-run')).toBeTruthy();
});

test('draws size and duration over time in plain SVG', async () => {
    new FakeBridge().on('GET api/v1/backups', json(200, snapshots)).install();
    renderHistory();
    const chart = await screen.findByRole('img', {name: /Backup size and duration of 3 snapshots/});
    expect(chart.tagName.toLowerCase()).toBe('svg');
    expect(chart.querySelectorAll('polyline')).toHaveLength(2);
});

test('chart points: oldest first, scaled to the panel, the biggest at the top', () => {
    const {size} = trendPoints(snapshots);
    expect(size.map((p) => p.v)).toEqual([1024 ** 3, 1024 ** 3, 3 * 1024 ** 3]);
    const coords = polyline(size, 0).split(' ').map((xy) => xy.split(',').map(Number));
    expect(coords[0][0]).toBeLessThan(coords[2][0]);
    expect(coords[2][1]).toBe(0);
});

test('no snapshots yet says where the first one comes from', async () => {
    new FakeBridge().on('GET api/v1/backups', json(200, [])).install();
    renderHistory();
    expect(await screen.findByText(/No snapshots yet/)).toBeTruthy();
    expect(screen.queryByTestId('history-table')).toBeNull();
});
