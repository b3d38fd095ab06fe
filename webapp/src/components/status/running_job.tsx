// The job the bridge runs right now: its kind and step, a progress bar for the step, and Cancel.
import React, {useState} from 'react';

import {cancelCurrentJob} from '../../client/endpoints';
import type {BridgeProblem} from '../../client/request';
import type {RunningJob as Job} from '../../client/types';
import {problemOf} from '../../state/problem';
import {formatBytes, formatDuration} from '../common/format';
import ProblemNote from '../common/problem_note';
import {card, color, heading, muted, row} from '../common/styles';

type Props = {
    job: Job;
    now: number;

    /** Called once the bridge took the cancel request, to refresh the status. */
    onCancelled: () => void;
};

/** Percent done of the current step, or null when the bridge cannot estimate its size. */
export function percentDone(job: Job): number | null {
    if (typeof job.totalBytes !== 'number' || job.totalBytes <= 0) {
        return null;
    }
    return Math.min(100, Math.floor((job.bytes / job.totalBytes) * 100));
}

function stepText(job: Job): string {
    if (!job.step) {
        return 'Starting…';
    }
    const of = job.stepIndex && job.stepCount ? `Step ${job.stepIndex} of ${job.stepCount}: ` : 'Step: ';
    return of + job.step;
}

function ProgressBar({job}: {job: Job}) {
    const percent = percentDone(job);
    const done = formatBytes(job.bytes);
    const label = percent === null ? `${done} so far` : `${done} of about ${formatBytes(job.totalBytes as number)} (${percent}%)`;
    return (
        <div style={{margin: '8px 0'}}>
            <div
                data-testid='job-progress'
                role='progressbar'
                aria-label={`Progress of ${job.step ?? 'the job'}`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent ?? undefined}
                aria-valuetext={label}
                style={{height: 8, background: color.border, borderRadius: 4, overflow: 'hidden'}}
            >
                <div
                    style={{
                        height: 8,
                        width: percent === null ? '100%' : `${percent}%`,
                        background: color.accent,
                        opacity: percent === null ? 0.35 : 1,
                        transition: 'width 0.5s',
                    }}
                />
            </div>
            <div style={muted}>{label}</div>
        </div>
    );
}

export default function RunningJob({job, now, onCancelled}: Props) {
    const [cancel, setCancel] = useState<'idle' | 'sent' | 'nothing'>('idle');
    const [problem, setProblem] = useState<BridgeProblem | null>(null);

    const requestCancel = async () => {
        setProblem(null);
        try {
            const {cancelled} = await cancelCurrentJob();
            setCancel(cancelled ? 'sent' : 'nothing');
            onCancelled();
        } catch (err) {
            setProblem(problemOf(err));
        }
    };

    const elapsed = Math.max(0, now - new Date(job.startedAt).getTime());
    return (
        <div
            data-testid='running-job'
            style={{...card, borderColor: color.accent}}
        >
            <h4 style={heading}>{`Running: ${job.kind} (job ${job.id})`}</h4>
            <div>{stepText(job)}</div>
            <ProgressBar job={job}/>
            <div style={row}>
                <span style={muted}>{`Running for ${formatDuration(elapsed)}.`}</span>
                <button
                    type='button'
                    className='btn btn-danger btn-sm'
                    data-testid='cancel-job-button'
                    disabled={cancel === 'sent'}
                    onClick={requestCancel}
                >
                    {cancel === 'sent' ? 'Cancelling…' : `Cancel ${job.kind}`}
                </button>
                {cancel === 'sent' ? <span role='status'>{'Cancel requested: the job stops at the next file or step boundary and cleans up.'}</span> : null}
                {cancel === 'nothing' ? <span role='status'>{'Nothing was running any more: the job had already ended.'}</span> : null}
            </div>
            {problem ? <ProblemNote problem={problem} doing='cancel the job'/> : null}
        </div>
    );
}
