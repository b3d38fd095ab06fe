/**
 * A job's life as `job` events on the plugin's stream (protocol v1): `started`, `step` for each step, `log`
 * for each log line, `progress` while bytes move (sampled every PROGRESS_INTERVAL_MS, and on log lines
 * when the last one is older than that: at most about two a second, and only when something changed), then `finished` with the outcome. The plugin relays them to the System Console
 * over Mattermost's websocket, so a page shows a backup move without polling the bridge.
 *
 * Observes the JobRunner from outside (its log subscription and its status), so the runner and the engine
 * know nothing of events.
 */
import type { JobEvent, JobKind, JobOutcome } from '@backup-dr/wire';
import type { EventHub } from '../api/events';
import type { JobResult, JobRunner, LogLine } from '../schedule/runner';

export const PROGRESS_INTERVAL_MS = 500;

/** Starts publishing a job's events; the job must have just been started (its log so far is replayed). */
export function trackJob(hub: EventHub, runner: JobRunner, jobId: string, intervalMs = PROGRESS_INTERVAL_MS): void {
  const status = runner.current();
  if (status?.id !== jobId) return;
  const kind = status.kind as JobKind;
  const base = { jobId, kind };
  hub.publish('job', { ...base, phase: 'started', ...(status.stepCount ? { stepCount: status.stepCount } : {}) });
  let last = '';
  let lastAt = 0;
  /** Publishes the progress when it changed and the last one is at least intervalMs old (or there was none). */
  const sample = (): void => {
    if (Date.now() - lastAt < intervalMs) return;
    const now = runner.current();
    if (now?.id !== jobId || now.step === undefined) return;
    const event: JobEvent = {
      ...base, phase: 'progress', step: now.step, bytesDone: now.bytesDone,
      ...(now.bytesTotal !== undefined ? { bytesTotal: now.bytesTotal } : {}),
      ...(now.stepIndex !== undefined ? { stepIndex: now.stepIndex, stepCount: now.stepCount } : {}),
    };
    const key = `${event.step}/${event.bytesDone}/${event.bytesTotal}`;
    if (key === last) return;
    last = key;
    lastAt = Date.now();
    hub.publish('job', event);
  };
  const line = (l: LogLine): void => {
    if (l.level === 'step') {
      const now = runner.current();
      const step = now?.id === jobId ? now.step : undefined;
      hub.publish('job', {
        ...base, phase: 'step', ...(step ? { step } : {}),
        ...(now?.id === jobId && now.stepIndex !== undefined ? { stepIndex: now.stepIndex, stepCount: now.stepCount } : {}),
      });
    }
    hub.publish('job', { ...base, phase: 'log', line: l.text });
    sample(); // a step's start shows at once, without waiting for the timer; the throttle still holds
  };
  for (const l of runner.log(jobId) ?? []) line(l);
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  const unsubscribe = runner.subscribe(jobId, {
    line,
    end: (result) => {
      clearInterval(timer);
      unsubscribe?.();
      hub.publish('job', { ...base, phase: 'finished', outcome: outcomeOf(result), ...(result.error ? { message: failureText(result) } : {}) });
    },
  });
  if (!unsubscribe) clearInterval(timer);
}

function outcomeOf(result: JobResult): JobOutcome {
  return result.ok ? 'succeeded' : result.cancelled ? 'cancelled' : 'failed';
}

function failureText(result: JobResult): string {
  const e = result.error!;
  return `${e.step}: ${e.message}${e.fix ? ` Fix: ${e.fix}` : ''}`;
}
