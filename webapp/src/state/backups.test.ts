import {backupsReducer, initialBackups, selectedBackup} from './backups';

import {backup} from '../test_support/fixtures';

const newest = backup('bbbb2222', '2026-11-24T03:00:00.000Z');
const older = backup('aaaa1111', '2026-11-23T03:00:00.000Z');

test('the newest snapshot is chosen until another is selected', () => {
    let state = backupsReducer(initialBackups, {type: 'backup-dr/backups/received', items: [newest, older]});
    expect(selectedBackup(state)?.id).toBe('bbbb2222');
    state = backupsReducer(state, {type: 'backup-dr/backups/selected', id: 'aaaa1111'});
    expect(selectedBackup(state)?.id).toBe('aaaa1111');
});

test('a selected snapshot that was pruned falls back to the newest', () => {
    let state = backupsReducer(initialBackups, {type: 'backup-dr/backups/received', items: [newest, older]});
    state = backupsReducer(state, {type: 'backup-dr/backups/selected', id: 'aaaa1111'});
    state = backupsReducer(state, {type: 'backup-dr/backups/received', items: [newest]});
    expect(state.selectedId).toBeNull();
    expect(selectedBackup(state)?.id).toBe('bbbb2222');
});

test('no snapshots, nothing chosen', () => {
    expect(selectedBackup(backupsReducer(initialBackups, {type: 'backup-dr/backups/received', items: []}))).toBeNull();
});
