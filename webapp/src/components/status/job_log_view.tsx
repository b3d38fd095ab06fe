// The live log of a job: lines as the bridge streams them, kept scrolled to the newest unless the admin
// scrolled up to read.
import React, {useEffect, useRef} from 'react';

import type {JobLogState} from '../../state/job_log';
import {code, color, muted} from '../common/styles';

const LEVEL_COLOR: Record<string, string> = {warn: color.warning, step: color.accent, info: color.text};

function endText(log: JobLogState): string | null {
    const end = log.end;
    if (!end) {
        return null;
    }
    if (end.ok === undefined) {
        return 'The job had finished; this is its log as the bridge kept it.';
    }
    if (end.cancelled) {
        return `The ${end.kind ?? 'job'} was cancelled.`;
    }
    if (end.ok) {
        return `The ${end.kind ?? 'job'} finished successfully.`;
    }
    const e = end.error;
    return `The ${end.kind ?? 'job'} failed${e ? ` at step ${e.step}: ${e.message}${e.fix ? `. What to do: ${e.fix}` : ''}` : ''}.`;
}

export default function JobLogView({log}: {log: JobLogState}) {
    const box = useRef<HTMLDivElement>(null);
    const pinned = useRef(true);
    useEffect(() => {
        const el = box.current;
        if (el && pinned.current) {
            el.scrollTop = el.scrollHeight;
        }
    }, [log.lines.length]);

    const ended = endText(log);
    return (
        <div>
            <div
                ref={box}
                data-testid='job-log'
                role='log'
                aria-live='polite'
                aria-label={`Log of job ${log.jobId}`}
                style={{...code, maxHeight: 280, overflowY: 'auto'}}
                onScroll={(e) => {
                    const el = e.currentTarget;
                    pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
                }}
            >
                {log.dropped > 0 ? <div style={muted}>{`(${log.dropped} earlier lines not shown)`}</div> : null}
                {log.lines.length === 0 && !log.end ? <div style={muted}>{'Waiting for the first log line…'}</div> : null}
                {log.lines.map((line, i) => (
                    <div
                        key={i}
                        data-level={line.level}
                        style={{color: LEVEL_COLOR[line.level] ?? color.text, fontWeight: line.level === 'step' ? 600 : undefined}}
                    >
                        <span style={muted}>{line.at.slice(11, 19)}</span>{' '}{line.text}
                    </div>
                ))}
            </div>
            {ended ? <p style={{margin: '4px 0 0'}}>{ended}</p> : null}
            {log.problem ? (
                <p
                    role='alert'
                    style={{margin: '4px 0 0', color: color.failing}}
                >
                    {log.problem}
                </p>
            ) : null}
        </div>
    );
}
