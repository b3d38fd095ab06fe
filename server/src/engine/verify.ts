/**
 * verify: every object a snapshot names exists; with readData, every object is read, authenticated and
 * checked against its content address (format 2, packs: ./verify-packs.ts). Problems name the snapshot and the object so an admin knows
 * which backup is damaged and what to restore from a copy.
 */
import type { Reporter } from '../common/reporter';
import { connectionsOf, forEachLimited } from '../destinations/sema';
import { objectName, type Repository } from '../repository/repository';
import type { SnapshotManifest } from '../repository/snapshots';
import { snapshotChunkIds } from './references';
import { verifyPacks } from './verify-packs';

export interface VerifyProblem {
  snapshot: string;
  object: string;
  problem: string;
}

export interface VerifyReport {
  snapshots: string[];
  objectsChecked: number;
  bytesRead: number;
  readData: boolean;
  problems: VerifyProblem[];
}

/** Every chunk id the snapshot references; a listing that cannot be read is a problem, not a crash. */
async function referencedChunks(repository: Repository, snapshot: SnapshotManifest, problems: VerifyProblem[]): Promise<Set<string>> {
  return snapshotChunkIds(repository, snapshot, new Set(), (root, err) => {
    problems.push({ snapshot: snapshot.id, object: root.tree.chunks.join(','), problem: `the listing of ${root.name} cannot be read: ${err.message}` });
  });
}

export async function verifySnapshots(repository: Repository, snapshots: SnapshotManifest[], readData: boolean, reporter: Reporter): Promise<VerifyReport> {
  const report: VerifyReport = { snapshots: snapshots.map((s) => s.id), objectsChecked: 0, bytesRead: 0, readData, problems: [] };
  if (repository.formatVersion >= 2) {
    await verifyPacks(repository, snapshots, report, reporter, (snapshot, problems) => referencedChunks(repository, snapshot, problems));
    return report;
  }
  const stored = new Map<string, number>();
  for await (const object of repository.destination.list('objects/')) stored.set(object.name.slice(object.name.lastIndexOf('/') + 1), object.size);
  const checked = new Map<string, string | null>(); // id -> problem (null = sound), shared across snapshots
  for (const snapshot of snapshots) {
    const ids = await referencedChunks(repository, snapshot, report.problems);
    reporter.stepStarted('verify', `snapshot ${snapshot.id}: ${ids.size} objects`, readData ? [...ids].reduce((sum, id) => sum + (stored.get(id) ?? 0), 0) : undefined);
    const unchecked = [...ids].filter((id) => !checked.has(id));
    await forEachLimited(unchecked, connectionsOf(repository.destination), async (id) => void checked.set(id, await checkObject(repository, id, stored, readData, report, reporter)));
    for (const id of ids) {
      const problem = checked.get(id);
      if (problem) report.problems.push({ snapshot: snapshot.id, object: objectName(id), problem });
    }
    reporter.stepFinished('verify', true);
  }
  return report;
}

async function checkObject(repository: Repository, id: string, stored: Map<string, number>, readData: boolean, report: VerifyReport, reporter: Reporter): Promise<string | null> {
  report.objectsChecked++;
  if (!stored.has(id)) return 'missing from the repository';
  if (!readData) return null;
  try {
    const plaintext = await repository.loadChunk(id);
    report.bytesRead += plaintext.length;
    reporter.bytes(stored.get(id) ?? 0);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
