// The Status section (custom setting BackupStatus): health at a glance, the numbers behind it, the running
// job with its live log, and the buttons to start a backup or a verification. Polls the bridge: every few
// seconds while a job runs, less often when idle.
import React, {useEffect, useRef, useState} from 'react';

import {refreshBackups} from '../../state/backups';
import {followJob} from '../../state/job_log';
import {refreshStatus} from '../../state/status';
import type {CustomSettingProps} from '../../types/mattermost';
import BridgeUnreachable from '../common/bridge_unreachable';
import {useBridgeSettings, useBridgePath, useNow, usePluginDispatch, usePluginState} from '../common/hooks';
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
function useStatusPolling(bridgePath: string, kick: number) {
    const dispatch = usePluginDispatch();
    useEffect(() => {
        const controller = new AbortController();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const tick = async () => {
            const status = await refreshStatus(dispatch, bridgePath, controller.signal);
            if (!controller.signal.aborted) {
                timer = setTimeout(tick, status?.running ? RUNNING_POLL_MS : IDLE_POLL_MS);
            }
        };
        tick();
        return () => {
            controller.abort();
            clearTimeout(timer);
        };
    }, [bridgePath, kick, dispatch]);
}

/** Follows the log of `jobId` into the store; when the job ends, refreshes the status and the history. */
function useJobLog(bridgePath: string, jobId: string | null, onEnded: () => void) {
    const dispatch = usePluginDispatch();
    const ended = useRef(onEnded);
    ended.current = onEnded;
    useEffect(() => {
        if (!jobId) {
            return undefined;
        }
        const controller = new AbortController();
        followJob(dispatch, bridgePath, jobId, controller.signal).then(() => {
            if (!controller.signal.aborted) {
                ended.current();
                refreshBackups(dispatch, bridgePath);
            }
        });
        return () => controller.abort();
    }, [bridgePath, jobId, dispatch]);
}

export default function StatusPage({config}: CustomSettingProps) {
    const bridgePath = useBridgePath(config);
    const dispatch = usePluginDispatch();
    const {data, problem} = usePluginState((s) => s.status);
    const log = usePluginState((s) => s.jobLog);
    const settings = usePluginState((s) => s.bridgeSettings);
    const [kick, setKick] = useState(0);
    const [followId, setFollowId] = useState<string | null>(null);
    const running = data?.running ?? null;
    const now = useNow(running ? 1000 : 30000, data);
    const refresh = () => setKick((k) => k + 1);

    useStatusPolling(bridgePath, kick);
    useJobLog(bridgePath, followId, refresh);
    // Only when another job starts (the schedule, /backup, another admin): a log the admin opened stays open.
    const runningId = running?.id;
    useEffect(() => {
        if (runningId) {
            setFollowId(runningId);
        }
    }, [runningId]);
    useBridgeSettings(bridgePath);

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
                    bridgePath={bridgePath}
                />
            ) : null}
            {problem?.kind === 'error' ? <ProblemNote problem={problem} doing='read the backup status'/> : null}
            {!data && !problem ? <p style={muted}>{`Asking the mmbackup bridge at ${bridgePath}…`}</p> : null}
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
                            bridgePath={bridgePath}
                            now={now}
                            onCancelled={refresh}
                        />
                    ) : null}
                    {log.jobId ? <JobLogView log={log}/> : null}
                    <JobActions
                        status={data}
                        bridgePath={bridgePath}
                        components={Array.isArray(components) ? components as string[] : undefined}
                        onStarted={started}
                    />
                </>
            ) : null}
        </div>
    );
}
