// The numbers behind the health verdict: age of the newest good backup against the RPO target, the last
// snapshot proven restorable (and how long restoring it took), and the next scheduled runs.
import React from 'react';

import type {BridgeStatus} from '../../client/types';
import {drillTiming, formatAge, formatBytes, formatDuration, localTime, relativeTime, shortId} from '../common/format';
import {color, facts, muted} from '../common/styles';

function Time({iso, now}: {iso: string; now: number}) {
    return <time dateTime={iso} title={localTime(iso)}>{relativeTime(iso, now)}</time>;
}

function RpoMeter({status}: {status: BridgeStatus}) {
    const {ageSeconds, thresholdHours, breached} = status.rpo;
    if (ageSeconds === null) {
        return <span>{`No successful backup yet (target: one within every ${thresholdHours} h).`}</span>;
    }
    const share = Math.min(1, ageSeconds / (thresholdHours * 3600));
    const fill = breached ? color.failing : share > 0.75 ? color.warning : color.healthy;
    return (
        <span>
            {`${formatAge(ageSeconds)} old, target ${thresholdHours} h${breached ? ': over the target' : ''}`}
            <span
                role='meter'
                aria-label='Age of the last good backup against the RPO target'
                aria-valuemin={0}
                aria-valuemax={thresholdHours * 3600}
                aria-valuenow={Math.round(ageSeconds)}
                style={{display: 'block', height: 6, maxWidth: 320, marginTop: 4, background: color.border, borderRadius: 3}}
            >
                <span style={{display: 'block', height: 6, width: `${Math.round(share * 100)}%`, background: fill, borderRadius: 3}}/>
            </span>
        </span>
    );
}

function Verified({status, now}: {status: BridgeStatus; now: number}) {
    const v = status.lastVerified;
    if (!v) {
        return <span>{'None yet: run "Verify", or wait for the scheduled restore drill.'}</span>;
    }
    const how = v.drill ? 'restore drill' : 'read-back verify';
    const took = v.drill ? `, ${drillTiming(v.restoreDurationMs, v.recoveryMs)}` : '';
    return (
        <span>
            <code>{shortId(v.snapshotId)}</code>{` (${how}${took}), `}<Time iso={v.at} now={now}/>
        </span>
    );
}

function NextRun({iso, now, off}: {iso: string | null; now: number; off: string}) {
    return iso ? <Time iso={iso} now={now}/> : <span style={muted}>{off}</span>;
}

export default function StatusFacts({status, now}: {status: BridgeStatus; now: number}) {
    const last = status.lastSuccess;
    return (
        <dl style={facts}>
            <dt>{'Last good backup'}</dt>
            <dd>
                {last ? (
                    <span>
                        <code>{shortId(last.snapshotId)}</code>
                        {`, ${formatBytes(last.sizeBytes)} in ${formatDuration(last.durationMs)}, `}
                        <Time iso={last.finishedAt} now={now}/>
                    </span>
                ) : 'None yet.'}
            </dd>
            <dt>{'Recovery point objective'}</dt>
            <dd><RpoMeter status={status}/></dd>
            <dt>{'Last verified restorable'}</dt>
            <dd><Verified status={status} now={now}/></dd>
            <dt>{'Next runs'}</dt>
            <dd>
                {'Backup '}<NextRun iso={status.nextRuns.backup} now={now} off='off'/>
                {'; restore drill '}<NextRun iso={status.nextRuns.drill} now={now} off='off'/>
                {'; prune '}<NextRun iso={status.nextRuns.prune} now={now} off='after each successful backup'/>
            </dd>
            <dt>{'Repository'}</dt>
            <dd><code>{status.repository}</code></dd>
        </dl>
    );
}
