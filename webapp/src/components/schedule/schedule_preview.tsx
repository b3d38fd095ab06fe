// The SchedulePreview custom setting: the backup, drill and prune schedules in words with their next runs,
// following the values being edited above it (in the time zone being edited).
import React from 'react';

import type {CustomSettingProps} from '../../types/mattermost';
import {useBridgeSettings} from '../common/hooks';

import CronPreview from './cron_preview';
import {useSettingValue} from './use_setting_value';

export default function SchedulePreviewSetting({config}: CustomSettingProps) {
    useBridgeSettings();
    const timeZone = useSettingValue('TimeZone', config);
    const backup = useSettingValue('BackupSchedule', config);
    const drill = useSettingValue('DrillSchedule', config);
    const prune = useSettingValue('PruneSchedule', config);
    return (
        <div data-testid='schedule-preview'>
            <CronPreview
                label='Backups'
                cron={backup}
                timeZone={timeZone}
                emptyMeans={null}
            />
            <CronPreview
                label='Restore drills'
                cron={drill}
                timeZone={timeZone}
                emptyMeans={null}
            />
            <CronPreview
                label='Pruning'
                cron={prune}
                timeZone={timeZone}
                emptyMeans='after each successful backup (and off-site copy), not on a schedule of its own.'
            />
        </div>
    );
}
