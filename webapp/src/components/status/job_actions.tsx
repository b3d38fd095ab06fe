// "Back up now" and "Verify": each asks first, then starts the job on the bridge and hands its id over, so the
// page can follow its log.
import React, {useState} from 'react';

import {startBackup, verifyBackup} from '../../client/endpoints';
import type {BridgeProblem} from '../../client/request';
import type {BridgeStatus} from '../../client/types';
import {problemOf} from '../../state/problem';
import ConfirmDialog from '../common/confirm_dialog';
import {localTime, shortId} from '../common/format';
import ProblemNote from '../common/problem_note';
import {muted, row} from '../common/styles';

type Props = {
    status: BridgeStatus;

    /** The configured components, when the bridge's settings are known, e.g. ["db", "config", "files"]. */
    components?: string[];
    onStarted: (jobId: string) => void;
};

type Pending = 'backup' | 'verify' | null;

const COMPONENT_NAMES: Record<string, string> = {db: 'the database', config: 'the config', files: 'the file store'};

function componentsText(components?: string[]): string {
    if (!components || components.length === 0) {
        return 'the configured components (Components setting)';
    }
    return components.map((c) => COMPONENT_NAMES[c] ?? c).join(', ');
}

export default function JobActions({status, components, onStarted}: Props) {
    const [pending, setPending] = useState<Pending>(null);
    const [problem, setProblem] = useState<{doing: string; problem: BridgeProblem} | null>(null);
    const busy = status.running !== null;
    const target = status.lastSuccess;

    const run = async (what: 'backup' | 'verify') => {
        setPending(null);
        setProblem(null);
        try {
            const {jobId} = what === 'backup' ? await startBackup() : await verifyBackup(target?.snapshotId ?? 'latest');
            onStarted(jobId);
        } catch (err) {
            setProblem({doing: what === 'backup' ? 'start the backup' : 'start the verification', problem: problemOf(err)});
        }
    };

    return (
        <div style={{margin: '12px 0'}}>
            <div style={row}>
                <button
                    type='button'
                    className='btn btn-primary'
                    data-testid='backup-now-button'
                    disabled={busy}
                    onClick={() => setPending('backup')}
                >
                    {'Back up now'}
                </button>
                <button
                    type='button'
                    className='btn btn-tertiary'
                    data-testid='verify-button'
                    disabled={busy || !target}
                    onClick={() => setPending('verify')}
                >
                    {'Verify'}
                </button>
                {busy ? <span style={muted}>{'A job is running: the bridge runs one at a time.'}</span> : null}
                {!busy && !target ? <span style={muted}>{'Verify needs a successful backup first.'}</span> : null}
            </div>
            {pending === 'backup' ? (
                <ConfirmDialog
                    title='Back up now?'
                    confirmLabel='Start the backup'
                    onConfirm={() => run('backup')}
                    onCancel={() => setPending(null)}
                >
                    {`This backs up ${componentsText(components)} to ${status.repository} now, in the background. `}
                    {'The database dump adds load on the database while it runs; users can keep working.'}
                </ConfirmDialog>
            ) : null}
            {pending === 'verify' && target ? (
                <ConfirmDialog
                    title='Verify the newest backup?'
                    confirmLabel='Start the verification'
                    onConfirm={() => run('verify')}
                    onCancel={() => setPending(null)}
                >
                    {`This reads back snapshot ${shortId(target.snapshotId)} of ${localTime(target.finishedAt)} from ${status.repository} and checks every object against its hash. `}
                    {'It changes nothing; with a remote repository it downloads the whole snapshot.'}
                </ConfirmDialog>
            ) : null}
            {problem ? <ProblemNote problem={problem.problem} doing={problem.doing}/> : null}
        </div>
    );
}
