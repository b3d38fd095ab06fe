// The History section (custom setting BackupHistory): every snapshot with its time, components, size,
// duration, verification and drill result; the size/duration trend; and the restore commands of the chosen
// snapshot (the newest until another is chosen).
import React, {useEffect} from 'react';

import type {BackupSummary} from '../../client/types';
import {refreshBackups, selectedBackup} from '../../state/backups';
import type {CustomSettingProps} from '../../types/mattermost';
import {drillTiming, formatBytes, formatDuration, localTime, relativeTime, shortId} from '../common/format';
import {useNow, usePluginDispatch, usePluginState} from '../common/hooks';
import ProblemNote from '../common/problem_note';
import {cell, color, muted, table, textIn} from '../common/styles';

import RestoreCommands from './restore_commands';
import TrendChart from './trend_chart';

function Verification({backup, now}: {backup: BackupSummary; now: number}) {
    const v = backup.verification;
    if (v) {
        const what = v.readData ? 'all data read back' : 'structure checked';
        return v.ok ? <span style={textIn(color.healthy)}>{`OK (${what}), ${relativeTime(v.at, now)}`}</span> : <span style={textIn(color.failing)}>{`Failed, ${relativeTime(v.at, now)}`}</span>;
    }
    if (backup.verifiedAt) {
        return <span style={textIn(color.healthy)}>{`OK, ${relativeTime(backup.verifiedAt, now)}`}</span>;
    }
    return <span style={muted}>{'Not verified'}</span>;
}

function Drill({backup}: {backup: BackupSummary}) {
    const d = backup.drill;
    if (!d) {
        return <span style={muted}>{'No drill'}</span>;
    }
    if (!d.ok) {
        return <span style={textIn(color.failing)}>{`Failed (${localTime(d.at)})`}</span>;
    }
    const version = d.mattermostVersion ? ` (Mattermost ${d.mattermostVersion})` : '';
    return <span style={textIn(color.healthy)}>{`OK, ${drillTiming(d.restoreDurationMs, d.recoveryMs)}${version}`}</span>;
}

function HistoryRow({backup, selected, now, onSelect}: {backup: BackupSummary; selected: boolean; now: number; onSelect: () => void}) {
    return (
        <tr
            data-testid='history-row'
            data-snapshot-id={backup.id}
            data-selected={selected}
            style={selected ? {background: 'rgba(var(--button-bg-rgb), 0.08)'} : undefined}
        >
            <td style={cell}><time dateTime={backup.finishedAt}>{localTime(backup.finishedAt)}</time></td>
            <td style={cell}><code>{shortId(backup.id)}</code></td>
            <td style={cell}>{backup.components.join(', ')}</td>
            <td style={cell}>{formatBytes(backup.sizeBytes)}</td>
            <td style={cell}>{formatDuration(backup.durationMs)}</td>
            <td style={cell}><Verification backup={backup} now={now}/></td>
            <td style={cell}><Drill backup={backup}/></td>
            <td style={cell}>
                <button
                    type='button'
                    className='btn btn-tertiary btn-sm'
                    aria-label={`Restore commands for snapshot ${shortId(backup.id)}`}
                    aria-pressed={selected}
                    onClick={onSelect}
                >
                    {'Restore…'}
                </button>
            </td>
        </tr>
    );
}

export default function HistoryPage(_props: CustomSettingProps) {
    const dispatch = usePluginDispatch();
    const backups = usePluginState((s) => s.backups);
    const now = useNow(30_000, backups.items);
    useEffect(() => {
        refreshBackups(dispatch);
    }, [dispatch]);

    const items = backups.items;
    const chosen = selectedBackup(backups);
    return (
        <div data-testid='backup-history'>
            {backups.problem ? <ProblemNote problem={backups.problem} doing='list the backups'/> : null}
            {!items && !backups.problem ? <p style={muted}>{'Loading the snapshots…'}</p> : null}
            {items && items.length === 0 ? <p>{'No snapshots yet: the first one appears here after the first backup (Status, "Back up now").'}</p> : null}
            {items && items.length > 0 ? (
                <>
                    <TrendChart backups={items}/>
                    <div style={{overflowX: 'auto'}}>
                        <table
                            data-testid='history-table'
                            style={table}
                        >
                            <caption style={{...muted, captionSide: 'top', textAlign: 'left'}}>{`${items.length} snapshots, newest first`}</caption>
                            <thead>
                                <tr>
                                    {['Finished', 'Snapshot', 'Components', 'Size', 'Duration', 'Verified', 'Restore drill', ''].map((h) => (
                                        <th
                                            key={h}
                                            scope='col'
                                            style={cell}
                                        >
                                            {h}
                                        </th>
                                    ))}
                                </tr>
                            </thead>
                            <tbody>
                                {items.map((b) => (
                                    <HistoryRow
                                        key={b.id}
                                        backup={b}
                                        selected={chosen?.id === b.id}
                                        now={now}
                                        onSelect={() => dispatch({type: 'backup-dr/backups/selected', id: b.id})}
                                    />
                                ))}
                            </tbody>
                        </table>
                    </div>
                    {chosen ? <RestoreCommands backup={chosen}/> : null}
                </>
            ) : null}
        </div>
    );
}
