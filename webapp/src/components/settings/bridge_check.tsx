// Under the BridgePath field: whether the bridge answers at the path being typed, so a wrong path or a
// missing proxy rule shows up before saving.
import React, {useEffect, useState} from 'react';

import {normalizeBridgePath} from '../../client/bridge_path';
import {getStatus} from '../../client/endpoints';
import type {BridgeProblem} from '../../client/request';
import {isAbort, problemOf} from '../../state/problem';
import {useDebounced} from '../common/hooks';
import {color, muted} from '../common/styles';

const REASON: Record<string, string> = {
    'no-route': 'Mattermost itself answers there: no proxy rule sends this path to the bridge (see the nginx block in Status).',
    'not-running': 'nothing answers behind the proxy: is mmbackup running? (systemctl status mmbackup)',
    'not-admin': 'the bridge answers, but refuses your account: it needs a system admin.',
    unauthenticated: 'the bridge answers, but did not accept your session: sign in again.',
};

export default function BridgeCheck({path}: {path: unknown}) {
    const bridgePath = useDebounced(normalizeBridgePath(path), 500);
    const [result, setResult] = useState<'ok' | BridgeProblem | null>(null);

    useEffect(() => {
        const controller = new AbortController();
        setResult(null);
        getStatus(bridgePath, controller.signal).then(() => setResult('ok'), (err) => {
            if (!isAbort(err)) {
                setResult(problemOf(err));
            }
        });
        return () => controller.abort();
    }, [bridgePath]);

    if (result === null) {
        return <p style={{...muted, margin: '4px 0 0'}}>{`Checking the bridge at ${bridgePath}…`}</p>;
    }
    if (result === 'ok') {
        return <p style={{color: color.healthy, margin: '4px 0 0'}}>{`The mmbackup bridge answers at ${bridgePath}.`}</p>;
    }
    const why = result.kind === 'unreachable' ? REASON[result.reason] : `${result.message}${result.fix ? ` (${result.fix})` : ''}`;
    return (
        <p
            role='alert'
            data-reason={result.kind === 'unreachable' ? result.reason : 'error'}
            style={{color: color.failing, margin: '4px 0 0'}}
        >
            {`Not reachable at ${bridgePath}: ${why}`}
        </p>
    );
}
