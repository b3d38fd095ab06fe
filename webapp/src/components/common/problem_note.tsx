// A failed request shown inside a page: the bridge's message and what to do, or (when the bridge is not
// reachable at all) a pointer to the Status section, which explains that in full.
import React from 'react';

import type {BridgeProblem} from '../../client/request';

import {TITLES} from './bridge_unreachable';
import {color, notice} from './styles';

/** "What to do" for an error: the bridge's fix, else upgrading for an endpoint this bridge lacks. */
export function fixOf(problem: Extract<BridgeProblem, {kind: 'error'}>): string {
    if (problem.fix) {
        return problem.fix;
    }
    if (problem.status === 404 && problem.code === 'NOT_FOUND') {
        return 'this bridge is older than the plugin: upgrade mmbackup on the Mattermost host (docs/install.md, step 2)';
    }
    return '';
}

export default function ProblemNote({problem, doing}: {problem: BridgeProblem; doing: string}) {
    if (problem.kind === 'unreachable') {
        return (
            <div
                role='alert'
                style={notice(color.failing)}
            >
                {`Could not ${doing}: ${TITLES[problem.reason].toLowerCase()}. See the Status section for what to do.`}
            </div>
        );
    }
    const fix = fixOf(problem);
    return (
        <div
            role='alert'
            style={notice(color.failing)}
        >
            <div>{`Could not ${doing}: ${problem.message}`}</div>
            {fix ? <div>{`What to do: ${fix}`}</div> : null}
        </div>
    );
}
