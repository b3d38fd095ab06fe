// The RetentionPreview custom setting: which of the repository's real snapshots the retention rules being
// edited would keep, and why; nothing is removed (the bridge only applies the policy on paper).
import React from 'react';

import {previewRetention} from '../../client/endpoints';
import type {RetentionParams, RetentionPreview} from '../../client/types';
import type {CustomSettingProps} from '../../types/mattermost';
import {localTime, shortId} from '../common/format';
import {useBridgeAnswer, useBridgeSettings, useDebounced} from '../common/hooks';
import ProblemNote from '../common/problem_note';
import {cell, color, muted, table, textIn} from '../common/styles';

import {PREVIEW_DEBOUNCE_MS} from './cron_preview';
import {useSettingValue} from './use_setting_value';

function useRetentionParams(config: unknown): RetentionParams {
    return {
        keepLast: useSettingValue('KeepLast', config),
        keepDaily: useSettingValue('KeepDaily', config),
        keepWeekly: useSettingValue('KeepWeekly', config),
        keepMonthly: useSettingValue('KeepMonthly', config),
        keepYearly: useSettingValue('KeepYearly', config),
        keepWithin: useSettingValue('KeepWithin', config),
        timeZone: useSettingValue('TimeZone', config),
    };
}

function Result({preview}: {preview: RetentionPreview}) {
    const kept = preview.snapshots.filter((s) => s.keep).length;
    const gone = preview.snapshots.length - kept;
    return (
        <>
            <p style={{margin: '0 0 8px'}}>
                <strong>{preview.description}</strong>
                {`: of ${preview.snapshots.length} snapshots, ${kept} kept, ${gone} would be removed at the next prune.`}
            </p>
            {preview.snapshots.length > 0 ? (
                <table style={table}>
                    <tbody>
                        {preview.snapshots.map((s) => (
                            <tr
                                key={s.id}
                                data-snapshot-id={s.id}
                                data-keep={s.keep}
                            >
                                <td style={cell}><time dateTime={s.finishedAt}>{localTime(s.finishedAt)}</time></td>
                                <td style={cell}><code>{shortId(s.id)}</code></td>
                                <td style={{...cell, ...textIn(s.keep ? color.healthy : color.failing)}}>{s.keep ? 'Kept' : 'Removed'}</td>
                                <td style={{...cell, ...muted}}>{s.reasons.join('; ')}</td>
                            </tr>
                        ))}
                    </tbody>
                </table>
            ) : null}
        </>
    );
}

export default function RetentionPreviewSetting({config}: CustomSettingProps) {
    useBridgeSettings();
    const settled = useDebounced(JSON.stringify(useRetentionParams(config)), PREVIEW_DEBOUNCE_MS);
    const {answer: preview, problem} = useBridgeAnswer(settled, (signal) => previewRetention(JSON.parse(settled) as RetentionParams, signal));

    return (
        <div data-testid='retention-preview'>
            {problem ? <ProblemNote problem={problem} doing='preview the retention policy'/> : null}
            {!problem && preview ? <Result preview={preview}/> : null}
            {!problem && !preview ? <span style={muted}>{'Applying the policy to the repository\'s snapshots…'}</span> : null}
        </div>
    );
}
