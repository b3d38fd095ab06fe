/**
 * Turns what happened into `alert` events for the plugin, which posts them into the ops channel: once per
 * ongoing problem on this bridge, and with an id that is the same on every bridge of a cluster, so the
 * plugin (which claims each id once in Mattermost's KV store) posts one message whatever the node count.
 *
 * A problem is keyed by its kind and code ("failed:PG_DUMP_FAILED", "overdue:RPO"): the first report of a key
 * is sent, reports of the same key within `repeatAfterMs` of the last one are suppressed (the overdue timer and
 * a retrying scheduler would otherwise alert every minute), and one after that is sent again as a reminder. A
 * successful backup ends the failure and overdue problems and sends "recovered" only when one of them had been
 * sent, so a silent channel means nothing was wrong; a repository problem that ends sends "recovered" likewise.
 *
 * Ids (stable across nodes): an event that only the node running a job sees is named by the job
 * (`backup-failed:<jobId>`, `drill-failed:<jobId>`) or the snapshot (`backup-recovered:<snapshotId>`); one that
 * every node sees on its own timer is named by what all nodes share: `backup-overdue:<last success>:<n>`, n
 * counting repeat periods since the RPO deadline, and `repository-…:<code>:<n>`, n counting repeat periods
 * since the epoch. Calls are serialised, so two concurrent reports of one problem send once.
 */
import type { AlertEvent, AlertKind } from '@backup-dr/wire';
import {
  type AlertAttachment, backupFailedMessage, type BackupFailedInput, drillFailedMessage, type DrillFailedInput, jobFailedMessage,
  type JobFailedInput, markdownOf, overdueMessage, type OverdueInput, recoveredMessage, type RecoveredInput, repositoryProblemMessage,
  type RepositoryProblemInput, repositoryRecoveredMessage, severityOf,
} from './messages';

export interface AlertNotifierOptions {
  /** Where alerts go: the bridge's event stream. */
  publish: (alert: AlertEvent) => void;
  /** Milliseconds since the epoch; Date.now by default. Tests inject one to cross repeatAfterMs. */
  clock?: () => number;
  /** How long one ongoing problem stays quiet after an alert. Default 6 hours. */
  repeatAfterMs?: number;
}

export const DEFAULT_REPEAT_AFTER_MS = 6 * 3_600_000;

export type AlertOutcome =
  | { result: 'sent'; id: string }
  /** Nothing to send: a repeat of an ongoing problem within repeatAfterMs, or a recovery nobody was told about. */
  | { result: 'suppressed'; reason: string };

interface Problem {
  since: number;
  lastSentAt?: number;
  /** The id of the last alert sent for it. */
  lastId?: string;
}

export class AlertNotifier {
  private readonly clock: () => number;
  private readonly repeatAfterMs: number;
  private readonly problems = new Map<string, Problem>();
  /** Failed runs since the last success, alerted or not: the "N" in "back to normal after N failed runs". */
  private failures = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AlertNotifierOptions) {
    this.clock = options.clock ?? Date.now;
    this.repeatAfterMs = options.repeatAfterMs ?? DEFAULT_REPEAT_AFTER_MS;
  }

  /** A backup run failed. Keyed by the error's code, so a different failure while one is ongoing is sent too. */
  failed(input: BackupFailedInput & { jobId: string }): Promise<AlertOutcome> {
    return this.serial(async () => {
      this.failures++;
      const message = backupFailedMessage({ ...input, consecutiveFailures: input.consecutiveFailures ?? this.failures });
      return this.raise(`failed:${input.error.code}`, 'backup-failed', input.jobId, message);
    });
  }

  /**
   * A backup succeeded. Ends every failure and overdue problem; alerts only if one of them had been sent.
   * `failures` in the message is counted here, so callers need not track it.
   */
  recovered(input: Omit<RecoveredInput, 'failures'>): Promise<AlertOutcome> {
    return this.serial(async () => {
      const ended = this.end((key) => key.startsWith('failed:') || key.startsWith('overdue:'));
      const failures = this.failures;
      this.failures = 0;
      if (!ended.some((problem) => problem.lastSentAt !== undefined)) return suppressed('no failure or overdue alert was sent');
      return this.send('backup-recovered', input.snapshot.id, recoveredMessage({ ...input, failures }));
    });
  }

  /** No good backup within the RPO threshold: the dead man's switch, called from its own timer on every node. */
  overdue(input: OverdueInput): Promise<AlertOutcome> {
    const now = input.now.getTime();
    const anchor = input.lastSuccessAt ? input.lastSuccessAt.getTime() + input.rpoHours * 3_600_000 : 0;
    const period = Math.max(0, Math.floor((now - anchor) / this.repeatAfterMs));
    const suffix = `${input.lastSuccessAt ? input.lastSuccessAt.toISOString() : 'never'}:${period}`;
    return this.serial(async () => this.raise('overdue:RPO', 'backup-overdue', suffix, overdueMessage(input)));
  }

  /** A restore drill failed; ends with resolved('drill') when a later drill passes. */
  drillFailed(input: DrillFailedInput & { jobId: string }): Promise<AlertOutcome> {
    return this.serial(async () => this.raise(`drill:${input.error?.code ?? 'MISMATCH'}`, 'drill-failed', input.jobId, drillFailedMessage(input)));
  }

  /** A read-back verification or a prune failed: one alert per failed job. */
  jobFailed(input: JobFailedInput & { jobId: string }): Promise<AlertOutcome> {
    const kind: AlertKind = input.kind === 'verify' ? 'verify-failed' : 'prune-failed';
    return this.serial(async () => this.send(kind, input.jobId, jobFailedMessage(input)));
  }

  /** The repository is unreachable or nearly full; ends with resolved('repository'). */
  repositoryProblem(input: RepositoryProblemInput): Promise<AlertOutcome> {
    const code = input.kind === 'unreachable' ? input.error.code : 'NEARLY_FULL';
    const kind: AlertKind = input.kind === 'unreachable' ? 'repository-unreachable' : 'repository-nearly-full';
    const suffix = `${input.kind === 'unreachable' ? `${code}:` : ''}${Math.floor(this.clock() / this.repeatAfterMs)}`;
    return this.serial(async () => this.raise(`repository:${code}`, kind, suffix, repositoryProblemMessage(input)));
  }

  /**
   * Ends the drill or repository problems (a passing drill, a repository fine again). A repository problem
   * that was alerted gets a recovery alert, named after the alert it ends; a drill's end is quiet.
   */
  resolved(kind: 'drill' | 'repository', location = ''): Promise<AlertOutcome> {
    return this.serial(async () => {
      const sent = this.end((key) => key.startsWith(`${kind}:`)).filter((p) => p.lastId !== undefined);
      if (kind === 'drill' || sent.length === 0) return suppressed(`no ${kind} alert was sent`);
      return this.send('repository-recovered', sent[sent.length - 1].lastId!, repositoryRecoveredMessage({ location }));
    });
  }

  /** The problems not yet over, by key, with when they began and when they were last alerted. */
  ongoing(): Array<{ key: string; since: Date; lastSentAt?: Date }> {
    return [...this.problems].map(([key, p]) => ({ key, since: new Date(p.since), ...(p.lastSentAt === undefined ? {} : { lastSentAt: new Date(p.lastSentAt) }) }));
  }

  /** Sends the problem's alert unless it was sent less than repeatAfterMs ago. */
  private raise(key: string, kind: AlertKind, suffix: string, attachment: AlertAttachment): AlertOutcome {
    const now = this.clock();
    let problem = this.problems.get(key);
    if (!problem) this.problems.set(key, (problem = { since: now }));
    if (problem.lastSentAt !== undefined && now - problem.lastSentAt < this.repeatAfterMs) {
      return suppressed(`${key} is ongoing and was alerted less than ${this.repeatAfterMs} ms ago`);
    }
    const outcome = this.send(kind, suffix, attachment);
    problem.lastSentAt = now;
    problem.lastId = outcome.id;
    return outcome;
  }

  /** Removes the matching problems and returns them. */
  private end(matches: (key: string) => boolean): Problem[] {
    const ended: Problem[] = [];
    for (const [key, problem] of this.problems) {
      if (!matches(key)) continue;
      ended.push(problem);
      this.problems.delete(key);
    }
    return ended;
  }

  private send(kind: AlertKind, suffix: string, attachment: AlertAttachment): { result: 'sent'; id: string } {
    const id = `${kind}:${suffix}`;
    this.options.publish({ id, kind, severity: severityOf(attachment), message: markdownOf(attachment) });
    return { result: 'sent', id };
  }

  /** Runs fn after every earlier call has finished, so a check-then-send cannot interleave with another. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function suppressed(reason: string): AlertOutcome {
  return { result: 'suppressed', reason };
}
