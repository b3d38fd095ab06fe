// Tells the admin whether the System Console can reach the mmbackup bridge, and what to do when it cannot.
// Every other console page depends on the bridge, so this panel is the first thing to get right.
import React, {useEffect, useState} from 'react';

import {getStatus, lastBackupTime, normalizeBridgePath} from '../client';
import type {BridgeResult, BridgeStatusBody} from '../client';

type Props = {

    /** The BridgePath plugin setting; empty means the default `/backup-dr/`. */
    bridgePath?: string;
};

export default function BridgeStatus({bridgePath}: Props) {
    const path = normalizeBridgePath(bridgePath);
    const [result, setResult] = useState<BridgeResult<BridgeStatusBody> | null>(null);

    useEffect(() => {
        // Abort on path change or unmount so a slow answer for an old path never overwrites the new one.
        const controller = new AbortController();
        setResult(null);
        getStatus(path, controller.signal).then(setResult, () => { /* aborted */ });
        return () => controller.abort();
    }, [path]);

    if (!result) {
        return <div className='alert alert-info'>{`Checking the mmbackup bridge at ${path}…`}</div>;
    }
    if (result.kind === 'forbidden') {
        return (
            <div className='alert alert-warning'>
                {`The mmbackup bridge at ${path} refused the request (HTTP ${result.status}): sign in as a system admin.`}
            </div>
        );
    }
    if (result.kind === 'unreachable') {
        return (
            <div className='alert alert-danger'>
                <p>{`The mmbackup bridge is not reachable at ${path}: install it on the Mattermost host and proxy it (see README).`}</p>
                <p>{`Details: ${result.reason}.`}</p>
            </div>
        );
    }
    const last = lastBackupTime(result.body);
    return (
        <div className='alert alert-success'>
            <p>{'Bridge reachable'}</p>
            <p>
                {'Last backup: '}
                {last ? <time dateTime={last}>{new Date(last).toLocaleString()}</time> : 'none yet'}
            </p>
        </div>
    );
}
