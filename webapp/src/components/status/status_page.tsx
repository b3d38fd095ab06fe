// The Status section (custom setting BackupStatus): health at a glance, the numbers behind it, the running
// job with its live log, and the buttons to start a backup or a verification. The running job's step and
// bytes move with the job events Mattermost's websocket brings (state/live_job.ts); GET status is polled as
// well (every few seconds while a job runs, less often when idle), so a reload mid-job shows the job where it
// is and a server without the websocket event still shows progress.
import React, {useEffect, useRef, useState} from 'react';

import type {RunningJob as Job} from '../../client/types';
import {refreshBackups} from '../../state/backups';
import {followJob} from '../../state/job_log';
import type {LiveJobState} from '../../state/live_job';
import {refreshStatus} from '../../state/status';
import type {CustomSettingProps} from '../../types/mattermost';
import BridgeUnreachable from '../common/bridge_unreachable';
import {useBridgeSettings, useNow, usePluginDispatch, usePluginState} from '../common/hooks';
import ProblemNote from '../common/problem_note';
import {muted} from '../common/styles';

import HealthBadge from './health_badge';
import JobActions from './job_actions';
import JobLogView from './job_log_view';
import LastFailure from './last_failure';
import RunningJob from './running_job';
import StatusFacts from './status_facts';

export const RUNNING_POLL_MS = 2000;
export const IDLE_POLL_MS = 15000;

/** Keeps the status fresh; `kick` restarts the loop at once (after starting or cancelling a job). */
function useStatusPolling(kick: number) {
    const dispatch = usePluginDispatch();
    useEffect(() => {
        const controller = new AbortController();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const tick = async () => {
            const status = await refreshStatus(dispatch, controller.signal);
            if (!controller.signal.aborted) {
                timer = setTimeout(tick, status?.running ? RUNNING_POLL_MS : IDLE_POLL_MS);
            }
        };
        tick();
        return () => {
            controller.abort();
            clearTimeout(timer);
        };
    }, [kick, dispatch]);
}

/** Follows the log of `jobId` into the store; when the job ends, refreshes the status and the history. */
function useJobLog(jobId: string | null, onEnded: () => void) {
    const dispatch = usePluginDispatch();
    const ended = useRef(onEnded);
    ended.current = onEnded;
    useEffect(() => {
        if (!jobId) {
            return undefined;
        }
        const controller = new AbortController();
        followJob(dispatch, jobId, controller.signal).then(() => {
            if (!controller.signal.aborted) {
                ended.current();
                refreshBackups(dispatch);
            }
        });
        return () => controller.abort();
    }, [jobId, dispatch]);
}

/** The polled running job with what the newer live events say about it. */
export function withLive(running: Job | null, live: LiveJobState): Job | null {
    if (!running || !live || live.jobId !== running.id || live.outcome) {
        return running;
    }
    return {
        ...running,
        step: live.step ?? running.step,
        bytes: live.bytesDone ?? running.bytes,
        totalBytes: live.bytesTotal ?? (live.step === running.step ? running.totalBytes : null),
        stepIndex: live.stepIndex ?? running.stepIndex,
        stepCount: live.stepCount ?? running.stepCount,
    };
}

/** A job that starts or ends (seen on the websocket) asks for a fresh status at once instead of at the next poll. */
function useLiveRefresh(live: LiveJobState, runningId: string | undefined, refresh: () => void) {
    const wanted = live && ((live.outcome && live.jobId === runningId) || (!live.outcome && live.jobId !== runningId));
    const key = wanted ? `${live.jobId}/${live.outcome ?? 'running'}` : '';
    useEffect(() => {
        if (key) {
            refresh();
        }
    }, [key]);
}

export default function StatusPage(_props: CustomSettingProps) {
    const dispatch = usePluginDispatch();
    const {data, problem} = usePluginState((s) => s.status);
    const log = usePluginState((s) => s.jobLog);
    const settings = usePluginState((s) => s.bridgeSettings);
    const [kick, setKick] = useState(0);
    const [followId, setFollowId] = useState<string | null>(null);
    const live = usePluginState((s) => s.liveJob);
    const running = withLive(data?.running ?? null, live);
    const now = useNow(running ? 1000 : 30000, data);
    const refresh = () => setKick((k) => k + 1);

    useStatusPolling(kick);
    useJobLog(followId, refresh);
    useLiveRefresh(live, data?.running?.id, refresh);
    // Only when another job starts (the schedule, /backup, another admin): a log the admin opened stays open.
    const runningId = running?.id;
    useEffect(() => {
        if (runningId) {
            setFollowId(runningId);
        }
    }, [runningId]);
    useBridgeSettings();

    const started = (jobId: string) => {
        setFollowId(jobId);
        refresh();
    };
    const unreachable = problem?.kind === 'unreachable' ? problem : null;
    const components = settings.data?.effective?.components;

    return (
        <div data-testid='backup-status-panel'>
            {unreachable ? (
                <BridgeUnreachable
                    reason={unreachable.reason}
                    detail={unreachable.detail}
                    fix={unreachable.fix}
                />
            ) : null}
            {problem?.kind === 'error' ? <ProblemNote problem={problem} doing='read the backup status'/> : null}
            {!data && !problem ? <p style={muted}>{'Asking the mmbackup bridge…'}</p> : null}
            {data && !unreachable ? (
                <>
                    <HealthBadge status={data}/>
                    {data.lastFailure ? (
                        <LastFailure
                            failure={data.lastFailure}
                            onShowLog={setFollowId}
                        />
                    ) : null}
                    <StatusFacts
                        status={data}
                        now={now}
                    />
                    {running ? (
                        <RunningJob
                            job={running}
                            now={now}
                            onCancelled={refresh}
                        />
                    ) : null}
                    {log.jobId ? <JobLogView log={log}/> : null}
                    <JobActions
                        status={data}
                        components={Array.isArray(components) ? components as string[] : undefined}
                        onStarted={started}
                    />
                </>
            ) : null}
        </div>
    );
}
