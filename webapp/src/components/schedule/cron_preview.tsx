// One schedule in words with its next runs, asked of the bridge (the same cron parser and time zone rules
// the scheduler uses) once the admin stops typing.
import React from 'react';

import {previewSchedule} from '../../client/endpoints';
import {localTime} from '../common/format';
import {useBridgeAnswer, useDebounced} from '../common/hooks';
import ProblemNote from '../common/problem_note';
import {color, muted} from '../common/styles';

export const PREVIEW_DEBOUNCE_MS = 400;

type Props = {
    label: string;

    /** undefined: not known yet (the bridge's settings are loading). */
    cron: string | undefined;
    timeZone: string | undefined;

    /** What an empty expression means for this schedule, or null when empty is not allowed. */
    emptyMeans: string | null;
};

export default function CronPreview({label, cron, timeZone, emptyMeans}: Props) {
    const settled = useDebounced(JSON.stringify([cron, timeZone]), PREVIEW_DEBOUNCE_MS);
    const empty = cron !== undefined && cron.trim() === '';
    const {answer: preview, problem} = useBridgeAnswer(settled, (signal) => {
        const [c, tz] = (JSON.parse(settled) as Array<string | null>).map((v) => v ?? undefined);
        return c === undefined || c.trim() === '' ? null : previewSchedule(c, tz, 5, signal);
    });

    let body: React.ReactNode;
    if (empty) {
        body = emptyMeans ? <span>{emptyMeans}</span> : <span style={{color: color.failing}}>{'Empty: enter a cron expression, e.g. "0 3 * * *" for every day at 03:00.'}</span>;
    } else if (problem) {
        body = <ProblemNote problem={problem} doing={`preview the ${label.toLowerCase()}`}/>;
    } else if (!preview || cron === undefined) {
        body = <span style={muted}>{'…'}</span>;
    } else if (!preview.valid) {
        body = <span role='alert' style={{color: color.failing}}>{preview.problem}</span>;
    } else {
        body = (
            <>
                <span>{preview.description}</span>
                <ol
                    aria-label={`Next runs of the ${label.toLowerCase()}`}
                    style={{...muted, margin: '4px 0 0', paddingLeft: 20}}
                >
                    {preview.nextRuns.map((run) => (
                        <li key={run}><time dateTime={run}>{localTime(run)}</time></li>
                    ))}
                </ol>
            </>
        );
    }
    return (
        <div
            data-schedule={label}
            style={{marginBottom: 12}}
        >
            <strong>{`${label}: `}</strong>
            {body}
        </div>
    );
}
