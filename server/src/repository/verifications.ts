/**
 * Verification records: what is known about a snapshot's soundness, kept in the repository so that prune
 * can tell which snapshot is the newest known-good one and never remove it, and so that the System Console
 * can show each snapshot's last read-back verify and last restore drill, failures included.
 * One sealed JSON object per snapshot, "verifications/<snapshot id>", updated by each later verification;
 * prune removes the records of snapshots it removes.
 *
 * The record keeps two layers:
 * - `readData`, `drill` and `at` (format version 1, what prune reads): the last verification of that kind
 *   passed, and when the newest pass happened. A failure clears the flag of its own kind, so a snapshot
 *   whose last drill failed is no longer "the newest verified" for prune.
 * - `lastVerify` and `lastDrill`: the outcome of the last verification of each kind, passed or failed,
 *   with the failure's step, message and fix, the drill's measured restore time, and the job that ran it.
 *   Records written before these existed are read as if they had them (a set flag is a passed outcome).
 *
 * A record is a claim about the past: it does not prove the objects are still intact today. Writing one
 * is a read-modify-write of one small object without the repository lock (as before): two verifications
 * of the same snapshot at the same instant may lose one outcome, never damage the record.
 */
import { MmBackupError } from '../common/errors';
import { redact } from '../common/redact';
import { DecryptError } from './crypto';
import type { Repository } from './repository';

/** A failed verification: where and why, in words for an admin (redacted before it is stored). */
export interface OutcomeFailure {
  step?: string;
  message?: string;
  fix?: string;
}

/** The last read-back verification of a snapshot. */
export interface VerifyOutcome extends OutcomeFailure {
  ok: boolean;
  at: string;
  /** Every object was read, decrypted and checked against its content address. */
  readData: boolean;
  /** The bridge job that ran it; absent for the CLI. */
  jobId?: string;
}

/** The last restore drill of a snapshot. */
export interface DrillOutcome extends OutcomeFailure {
  ok: boolean;
  at: string;
  /** Measured time to restore into the scratch targets; null when not measured (a failure, an older record). */
  restoreDurationMs: number | null;
  /** Boot of the real Mattermost on the restored data to a healthy ping; absent when the drill did not boot it. */
  bootMs?: number;
  /** Restore plus boot to healthy: what the console shows as "restored and booted in ...". */
  recoveryMs?: number;
  /** The Mattermost version that booted it. */
  mattermostVersion?: string;
  jobId?: string;
}

export interface VerificationRecord {
  snapshot: string;
  /** The last read-back verification passed (every object read, authenticated and checked). */
  readData: boolean;
  /** The last drill passed (restored into scratch targets and compared with the manifest). */
  drill: boolean;
  /** When the newest passing verification happened (ISO 8601); when none passed, when the last one ran. */
  at: string;
  lastVerify?: VerifyOutcome;
  lastDrill?: DrillOutcome;
}

/** One verification's result, as the code that ran it knows it. */
export type VerificationOutcome =
  | ({ kind: 'verify'; ok: boolean; readData: boolean; at?: Date; jobId?: string } & OutcomeFailure)
  | ({ kind: 'drill'; ok: boolean; restoreDurationMs?: number | null; bootMs?: number; recoveryMs?: number; mattermostVersion?: string; at?: Date; jobId?: string } & OutcomeFailure);

const PREFIX = 'verifications/';

function recordName(snapshotId: string): string {
  if (!/^[0-9a-f]+$/.test(snapshotId)) throw new Error(`invalid snapshot id for a verification record: ${snapshotId}`);
  return `${PREFIX}${snapshotId}`;
}

/** The failure's words, redacted; nothing for a pass. */
function failureOf(outcome: VerificationOutcome): OutcomeFailure {
  if (outcome.ok) return {};
  return {
    ...(outcome.step ? { step: outcome.step } : {}),
    message: redact(outcome.message ?? 'failed'),
    fix: redact(outcome.fix ?? ''),
  };
}

/**
 * The record after `outcome`: pure, so the rules can be read and tested in one place. A pass sets its
 * kind's flag and moves `at`; a failure clears its kind's flag and leaves the newest pass's time alone.
 */
export function mergeOutcome(previous: VerificationRecord | undefined, snapshotId: string, outcome: VerificationOutcome): VerificationRecord {
  const at = (outcome.at ?? new Date()).toISOString();
  const base = previous ? withOutcomes(previous) : { snapshot: snapshotId, readData: false, drill: false, at };
  const job = outcome.jobId ? { jobId: outcome.jobId } : {};
  const next: VerificationRecord = { ...base, snapshot: snapshotId };
  if (outcome.kind === 'verify') {
    next.readData = outcome.ok;
    next.lastVerify = { ok: outcome.ok, at, readData: outcome.readData, ...job, ...failureOf(outcome) };
  } else {
    next.drill = outcome.ok;
    const booted = outcome.ok && outcome.recoveryMs !== undefined ? { bootMs: outcome.bootMs, recoveryMs: outcome.recoveryMs, mattermostVersion: outcome.mattermostVersion } : {};
    next.lastDrill = { ok: outcome.ok, at, restoreDurationMs: outcome.ok ? (outcome.restoreDurationMs ?? null) : null, ...booted, ...job, ...failureOf(outcome) };
  }
  if (outcome.ok || !(next.readData || next.drill)) next.at = at;
  return next;
}

/** A record as the current format has it: older records only had the pass flags. */
export function withOutcomes(record: VerificationRecord): VerificationRecord {
  const out = { ...record };
  if (!out.lastVerify && out.readData) out.lastVerify = { ok: true, at: out.at, readData: true };
  if (!out.lastDrill && out.drill) out.lastDrill = { ok: true, at: out.at, restoreDurationMs: null };
  return out;
}

/** The record of one snapshot; undefined when there is none, or when it cannot be opened (a new outcome replaces it). */
export async function loadVerification(repository: Repository, snapshotId: string): Promise<VerificationRecord | undefined> {
  try {
    return withOutcomes(JSON.parse((await repository.loadSealed(recordName(snapshotId))).toString()) as VerificationRecord);
  } catch (err) {
    if (repository.destination.isNotFound(err) || err instanceof SyntaxError || err instanceof DecryptError) return undefined;
    throw err;
  }
}

/** Records the outcome of one verification of `snapshotId`, merged into its record (see mergeOutcome). */
export async function recordOutcome(repository: Repository, snapshotId: string, outcome: VerificationOutcome): Promise<VerificationRecord> {
  const record = mergeOutcome(await loadVerification(repository, snapshotId), snapshotId, outcome);
  await repository.saveSealed(recordName(snapshotId), Buffer.from(JSON.stringify(record)));
  return record;
}

/**
 * Every record, in no particular order, in the current format. A record that cannot be opened rejects:
 * prune must not guess which snapshot was verified (verifying the snapshot again replaces the damaged record).
 */
export async function listVerifications(repository: Repository): Promise<VerificationRecord[]> {
  const records: VerificationRecord[] = [];
  for await (const object of repository.destination.list(PREFIX)) {
    let record: VerificationRecord;
    try {
      record = JSON.parse((await repository.loadSealed(object.name)).toString()) as VerificationRecord;
    } catch (err) {
      throw new MmBackupError({
        step: 'verifications',
        code: 'VERIFICATION_RECORD_DAMAGED',
        message: `the verification record ${object.name} in ${repository.destination.location} cannot be read: ${(err as Error).message}`,
        fix: `run mmbackup verify ${object.name.slice(PREFIX.length)} --read-data to replace it (or delete the file if that snapshot is gone)`,
        cause: err,
      });
    }
    records.push(withOutcomes(record));
  }
  return records;
}

/** Removes the record of a snapshot; a missing record is not an error. */
export async function removeVerification(repository: Repository, snapshotId: string): Promise<void> {
  await repository.destination.remove(recordName(snapshotId));
}
