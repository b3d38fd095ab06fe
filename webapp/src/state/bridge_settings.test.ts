import {bridgeSettingsReducer, envNameOf, initialBridgeSettings, isLocked, loadBridgeSettings} from './bridge_settings';

import {FakeBridge, json, uninstallFetch} from '../test_support/fake_bridge';

afterEach(uninstallFetch);

test('names the MMBACKUP_ variable as the bridge does', () => {
    expect(envNameOf('BackupSchedule')).toBe('MMBACKUP_BACKUP_SCHEDULE');
    expect(envNameOf('RpoHours')).toBe('MMBACKUP_RPO_HOURS');
    expect(envNameOf('TimeZone')).toBe('MMBACKUP_TIME_ZONE');
});

test('locked keys compare case-insensitively', () => {
    const state = bridgeSettingsReducer(initialBridgeSettings, {
        type: 'backup-dr/settings/received',
        data: {effective: {}, locked: ['BackupSchedule'], problems: []},
    });
    expect(isLocked(state, 'backupschedule')).toBe(true);
    expect(isLocked(state, 'TimeZone')).toBe(false);
});

test('many settings asking at once make one request', async () => {
    const bridge = new FakeBridge().on('GET api/v1/settings', json(200, {effective: {}, locked: [], problems: []}));
    bridge.install();
    const dispatch = jest.fn();
    await Promise.all([loadBridgeSettings(dispatch), loadBridgeSettings(dispatch)]);
    expect(bridge.callsTo('GET api/v1/settings')).toHaveLength(1);
    expect(dispatch).toHaveBeenCalledWith(expect.objectContaining({type: 'backup-dr/settings/received'}));
});
