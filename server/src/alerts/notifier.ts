/**
 * Posts alerts from the bot into the ops channel, once per ongoing problem.
 *
 * A problem is keyed by its kind and code ("failed:PG_DUMP_FAILED", "overdue:RPO"): the first report of a key
 * posts, reports of the same key within `repeatAfterMs` of the last post are suppressed (the overdue timer and a
 * retrying scheduler would otherwise post every minute), and one after that posts again as a reminder. A
 * successful backup ends the failure and overdue problems and posts "recovered" only when one of them had been
 * posted, so a silent channel means nothing was wrong.
 *
 * Nothing here throws into the caller, the bridge's scheduler: every method resolves with an AlertOutcome, a
 * failure to post (unknown team or channel, bad token, Mattermost down) is logged and kept for `status()`, and
 * the next alert tries again from the start. Calls are serialised, so two concurrent reports of one problem post
 * once.
 */
import { asMmBackupError, MmBackupError } from '../common/errors';
import { redact } from '../common/redact';
import type { MessageAttachment } from '../mattermost-api/client';
import {
  type AlertAttachment, backupFailedMessage, type BackupFailedInput, drillFailedMessage, type DrillFailedInput,
  overdueMessage, type OverdueInput, recoveredMessage, type RecoveredInput, repositoryProblemMessage, type RepositoryProblemInput,
} from './messages';

/** The part of MattermostApi the notifier uses (MattermostApi satisfies it). Methods throw MmBackupErrors. */
export interface AlertsApi {
  me(): Promise<{ id: string }>;
  channelByName(teamName: string, channelName: string): Promise<{ id: string }>;
  ensureMember(channelId: string, userId: string): Promise<void>;
  post(channelId: string, message: string, attachments?: MessageAttachment[]): Promise<unknown>;
}

export interface AlertNotifierOptions {
  api: AlertsApi;
  /** Team name (as in the URL) and channel name of the ops channel. */
  team: string;
  channel: string;
  /** The bot's user id; looked up with me() on first need when absent. */
  botUserId?: string;
  /** Milliseconds since the epoch; Date.now by default. Tests inject one to cross repeatAfterMs. */
  clock?: () => number;
  /** How long one ongoing problem stays quiet after a post. Default 6 hours. */
  repeatAfterMs?: number;
  /** Where a failure to post is reported (already redacted); console.warn by default. */
  log?: (line: string) => void;
}

export const DEFAULT_REPEAT_AFTER_MS = 6 * 3_600_000;

export type AlertOutcome =
  | { result: 'posted' }
  /** Nothing to post: a repeat of an ongoing problem within repeatAfterMs, or a recovery nobody was told about. */
  | { result: 'suppressed'; reason: string }
  /** Should have posted but could not; `error` says why and how to fix it. */
  | { result: 'failed'; error: MmBackupError };

export interface AlertsStatus {
  /** The ops channel's id once it has been found. */
  channelId?: string;
  /** The last failure to post, cleared by the next successful post; for GET /api/v1/status. */
  lastError?: { code: string; message: string; fix?: string; at: Date };
  /** Problems not yet over, by key, with when they began and when they were last posted. */
  ongoing: Array<{ key: string; since: Date; lastPostedAt?: Date }>;
}

interface Problem {
  since: number;
  lastPostedAt?: number;
}

const STEP = 'alerts';

export class AlertNotifier {
  private readonly api: AlertsApi;
  private readonly team: string;
  private readonly channelName: string;
  private readonly clock: () => number;
  private readonly repeatAfterMs: number;
  private readonly log: (line: string) => void;
  private botUserId?: string;
  private channelId?: string;
  private lastError?: AlertsStatus['lastError'];
  private readonly problems = new Map<string, Problem>();
  /** Failed runs since the last success, posted or not: the "N" in "back to normal after N failed runs". */
  private failures = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: AlertNotifierOptions) {
    this.api = options.api;
    this.team = options.team;
    this.channelName = options.channel;
    this.botUserId = options.botUserId;
    this.clock = options.clock ?? Date.now;
    this.repeatAfterMs = options.repeatAfterMs ?? DEFAULT_REPEAT_AFTER_MS;
    this.log = options.log ?? ((line) => console.warn(line));
  }

  /** A backup run failed. Keyed by the error's code, so a different failure while one is ongoing is posted too. */
  failed(input: BackupFailedInput): Promise<AlertOutcome> {
    return this.serial(() => {
      this.failures++;
      const message = backupFailedMessage({ ...input, consecutiveFailures: input.consecutiveFailures ?? this.failures });
      return this.raise(`failed:${input.error.code}`, message);
    });
  }

  /**
   * A backup succeeded. Ends every failure and overdue problem; posts only if one of them had been posted.
   * `failures` in the message is counted here, so callers need not track it.
   */
  recovered(input: Omit<RecoveredInput, 'failures'>): Promise<AlertOutcome> {
    return this.serial(async () => {
      const ended = this.end((key) => key.startsWith('failed:') || key.startsWith('overdue:'));
      const failures = this.failures;
      this.failures = 0;
      if (!ended.some((problem) => problem.lastPostedAt !== undefined)) return suppressed('no failure or overdue alert was posted');
      return this.send(recoveredMessage({ ...input, failures }));
    });
  }

  /** No good backup within the RPO threshold: the dead man's switch, called from its own timer. */
  overdue(input: OverdueInput): Promise<AlertOutcome> {
    return this.serial(() => this.raise('overdue:RPO', overdueMessage(input)));
  }

  /** A restore drill failed; ends with resolved('drill') when a later drill passes. */
  drillFailed(input: DrillFailedInput): Promise<AlertOutcome> {
    return this.serial(() => this.raise(`drill:${input.error?.code ?? 'MISMATCH'}`, drillFailedMessage(input)));
  }

  /** The repository is unreachable or nearly full; ends with resolved('repository'). */
  repositoryProblem(input: RepositoryProblemInput): Promise<AlertOutcome> {
    const code = input.kind === 'unreachable' ? input.error.code : 'NEARLY_FULL';
    return this.serial(() => this.raise(`repository:${code}`, repositoryProblemMessage(input)));
  }

  /** Ends the drill or repository problems without a post (a passing drill, a repository with room again). */
  resolved(kind: 'drill' | 'repository'): Promise<void> {
    return this.serial(async () => {
      this.end((key) => key.startsWith(`${kind}:`));
    });
  }

  /** What the bridge shows in its status: the channel, the last failure to post, the ongoing problems. */
  status(): AlertsStatus {
    const ongoing = [...this.problems].map(([key, p]) => ({
      key, since: new Date(p.since), ...(p.lastPostedAt === undefined ? {} : { lastPostedAt: new Date(p.lastPostedAt) }),
    }));
    return { channelId: this.channelId, lastError: this.lastError, ongoing };
  }

  /** Posts the problem's alert unless it was posted less than repeatAfterMs ago. */
  private async raise(key: string, attachment: AlertAttachment): Promise<AlertOutcome> {
    const now = this.clock();
    let problem = this.problems.get(key);
    if (!problem) this.problems.set(key, (problem = { since: now }));
    if (problem.lastPostedAt !== undefined && now - problem.lastPostedAt < this.repeatAfterMs) {
      return suppressed(`${key} is ongoing and was posted less than ${this.repeatAfterMs} ms ago`);
    }
    const outcome = await this.send(attachment);
    // Only a real post starts the quiet period: after a failed post the next report tries again.
    if (outcome.result === 'posted') problem.lastPostedAt = now;
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

  private async send(attachment: AlertAttachment): Promise<AlertOutcome> {
    try {
      await this.postJoining(attachment);
      this.lastError = undefined;
      return { result: 'posted' };
    } catch (err) {
      const error = asMmBackupError(err, STEP);
      // Redacted again: an error that did not come through MattermostApi may quote a secret.
      this.lastError = { code: error.code, message: redact(error.message), fix: error.fix && redact(error.fix), at: new Date(this.clock()) };
      this.log(redact(`alert not posted to ${this.team}/${this.channelName}: ${error.describe()}`));
      return { result: 'failed', error };
    }
  }

  /**
   * Posts into the ops channel. Joining only when a post is refused, rather than before every post, because the
   * bot may sit in a private channel it was added to but has no right to add itself to.
   */
  private async postJoining(attachment: AlertAttachment): Promise<void> {
    const channelId = await this.resolveChannel();
    try {
      await this.api.post(channelId, '', [attachment]);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'MM_FORBIDDEN') throw err;
      this.botUserId ??= (await this.api.me()).id;
      await this.api.ensureMember(channelId, this.botUserId);
      await this.api.post(channelId, '', [attachment]);
    }
  }

  /** The ops channel's id, looked up once; an unknown team or channel becomes ALERT_CHANNEL_NOT_FOUND. */
  private async resolveChannel(): Promise<string> {
    if (this.channelId) return this.channelId;
    try {
      this.channelId = (await this.api.channelByName(this.team, this.channelName)).id;
      return this.channelId;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'MM_NOT_FOUND') throw err;
      throw new MmBackupError({
        step: STEP,
        code: 'ALERT_CHANNEL_NOT_FOUND',
        message: redact(`the ops channel "${this.channelName}" in team "${this.team}" does not exist or the bot cannot see it`),
        fix: `create the channel ~${this.channelName} in team ${this.team} (or correct the ops channel setting), and add the bot to team ${this.team}`,
        cause: err,
      });
    }
  }

  /** Runs fn after every earlier call has finished, so a check-then-post cannot interleave with another. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function suppressed(reason: string): AlertOutcome {
  return { result: 'suppressed', reason };
}
