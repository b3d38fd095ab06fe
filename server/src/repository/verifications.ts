/**
 * Verification records: proof that a snapshot was read back whole (verify --read-data) or restored in a
 * drill (verify --drill), kept in the repository so that prune can tell which snapshot is the newest
 * known-good one and never remove it. One sealed JSON object per snapshot, "verifications/<snapshot id>",
 * overwritten by each later passing verification; prune removes the records of snapshots it removes.
 * A record is a claim about the past: it does not prove the objects are still intact today.
 */
import { MmBackupError } from '../common/errors';
import type { Repository } from './repository';

export interface VerificationRecord {
  snapshot: string;
  /** Every object of the snapshot was read, authenticated and checked against its content address. */
  readData: boolean;
  /** The snapshot was restored into scratch targets and compared with its manifest. */
  drill: boolean;
  /** When the verification passed (ISO 8601). */
  at: string;
}

const PREFIX = 'verifications/';

function recordName(snapshotId: string): string {
  if (!/^[0-9a-f]+$/.test(snapshotId)) throw new Error(`invalid snapshot id for a verification record: ${snapshotId}`);
  return `${PREFIX}${snapshotId}`;
}

/** Records that `snapshotId` passed a verification; replaces an earlier record of the same snapshot. */
export async function recordVerification(repository: Repository, snapshotId: string, result: { readData: boolean; drill: boolean; at?: Date }): Promise<VerificationRecord> {
  const record: VerificationRecord = { snapshot: snapshotId, readData: result.readData, drill: result.drill, at: (result.at ?? new Date()).toISOString() };
  await repository.saveSealed(recordName(snapshotId), Buffer.from(JSON.stringify(record)));
  return record;
}

/**
 * Every record, in no particular order. A record that cannot be opened rejects: prune must not guess
 * which snapshot was verified (verifying the snapshot again replaces the damaged record).
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
    records.push(record);
  }
  return records;
}

/** Removes the record of a snapshot; a missing record is not an error. */
export async function removeVerification(repository: Repository, snapshotId: string): Promise<void> {
  await repository.destination.remove(recordName(snapshotId));
}
