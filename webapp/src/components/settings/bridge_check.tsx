// Under the Bridge URL field: whether the plugin reaches the bridge at the saved URL now, and if not, which
// link is broken (the same cases as the Status section), so a wrong URL shows up right after saving.
import React, {useEffect, useState} from 'react';

import {getStatus} from '../../client/endpoints';
import type {BridgeProblem} from '../../client/request';
import {isAbort, problemOf} from '../../state/problem';
import {TITLES} from '../common/bridge_unreachable';
import {color, muted} from '../common/styles';

export default function BridgeCheck({saved}: {saved: unknown}) {
    const [result, setResult] = useState<'ok' | BridgeProblem | null>(null);

    useEffect(() => {
        const controller = new AbortController();
        setResult(null);
        getStatus(controller.signal).then(() => setResult('ok'), (err) => {
            if (!isAbort(err)) {
                setResult(problemOf(err));
            }
        });
        return () => controller.abort();
    }, [saved]);

    if (result === null) {
        return <p style={{...muted, margin: '4px 0 0'}}>{'Checking that the plugin reaches the bridge…'}</p>;
    }
    if (result === 'ok') {
        return <p style={{color: color.healthy, margin: '4px 0 0'}}>{'The plugin reaches the mmbackup bridge at the saved Bridge URL.'}</p>;
    }
    const why = result.kind === 'unreachable' ? `${TITLES[result.reason]} (see the Status section)` : `${result.message}${result.fix ? ` (${result.fix})` : ''}`;
    return (
        <p
            role='alert'
            data-reason={result.kind === 'unreachable' ? result.reason : 'error'}
            style={{color: color.failing, margin: '4px 0 0'}}
        >
            {`Not reachable: ${why}`}
        </p>
    );
}
