/**
 * verify on a format-2 repository. Every blob a snapshot references must be in an index file, in a pack
 * that is stored with the size the index gives. With readData, each such pack is read once, in pieces,
 * and checked as a whole: its bytes against its id (an HMAC over every byte, header included), its header
 * against the index, and every blob in it opened and checked against its content address. A damaged index
 * file is a problem of every snapshot verified, named by its file. Problems name the pack or index file,
 * so an admin knows which object to restore from a copy.
 */
import type { Reporter } from '../common/reporter';
import { forEachLimited } from '../destinations/sema';
import { loadBlobIndex, type BlobIndex, type IndexedPack } from '../repository/blob-index';
import { PACK_NAME, packName } from '../repository/pack';
import { PackedBlobs } from '../repository/packed-blobs';
import type { Repository } from '../repository/repository';
import type { SnapshotManifest } from '../repository/snapshots';
import type { VerifyProblem, VerifyReport } from './verify';

/** Packs read at once, each in pieces (../repository/pack-pieces.ts). */
const PACK_READS = 4;

interface PackCheck {
  /** What is wrong with the pack as a whole; then its blobs are not looked at one by one. */
  problem?: string;
  /** Blob id -> what is wrong with it. */
  blobs: Map<string, string>;
}

export type ReferencedChunks = (snapshot: SnapshotManifest, problems: VerifyProblem[]) => Promise<Set<string>>;

export async function verifyPacks(repository: Repository, snapshots: SnapshotManifest[], report: VerifyReport, reporter: Reporter, referencedChunks: ReferencedChunks): Promise<void> {
  const damaged: Array<{ name: string; message: string }> = [];
  const index = await loadBlobIndex(repository.destination, (name) => repository.loadSealed(name), (name, err) => damaged.push({ name, message: err.message }));
  const stored = new Map<string, number>();
  for await (const object of repository.destination.list('data/')) {
    const id = PACK_NAME.exec(object.name)?.[2];
    if (id) stored.set(id, object.size);
  }
  const checks = new Map<string, Promise<PackCheck>>(); // shared across snapshots: a pack is read once
  const counted = new Set<string>();
  for (const snapshot of snapshots) {
    for (const { name, message } of damaged) report.problems.push({ snapshot: snapshot.id, object: name, problem: `the index file cannot be read: ${message}` });
    const ids = await referencedChunks(snapshot, report.problems);
    const packs = locate(snapshot, ids, index, stored, report);
    for (const id of ids) if (!counted.has(id)) counted.add(id) && report.objectsChecked++;
    const bytes = report.readData ? [...packs.keys()].reduce((sum, id) => sum + (checks.has(id) ? 0 : (stored.get(id) ?? 0)), 0) : undefined;
    reporter.stepStarted('verify', `snapshot ${snapshot.id}: ${ids.size} blobs in ${packs.size} packs`, bytes);
    if (report.readData) {
      await forEachLimited(packs.keys(), PACK_READS, async (packId) => {
        if (!checks.has(packId)) checks.set(packId, checkPack(repository, index.pack(packId)!, report, reporter));
        const check = await checks.get(packId)!;
        if (check.problem) return void report.problems.push({ snapshot: snapshot.id, object: packName(packId), problem: check.problem });
        for (const id of packs.get(packId)!) {
          const problem = check.blobs.get(id);
          if (problem) report.problems.push({ snapshot: snapshot.id, object: `${packName(packId)} blob ${id}`, problem });
        }
      });
    }
    reporter.stepFinished('verify', true);
  }
}

/** The packs holding the snapshot's blobs (pack id -> its blob ids); blobs in no index and missing or mis-sized packs are problems. */
function locate(snapshot: SnapshotManifest, ids: Set<string>, index: BlobIndex, stored: Map<string, number>, report: VerifyReport): Map<string, string[]> {
  const packs = new Map<string, string[]>();
  const bad = new Set<string>();
  for (const id of ids) {
    const where = index.lookup(id);
    if (!where) {
      report.problems.push({ snapshot: snapshot.id, object: `blob ${id}`, problem: 'in no index file: its pack was never indexed, or its index file is missing or damaged' });
      continue;
    }
    const { packId, packSize } = where;
    if (bad.has(packId)) continue;
    const size = stored.get(packId);
    if (size === undefined || size !== packSize) {
      bad.add(packId);
      const problem = size === undefined ? 'missing from the repository' : `stored with ${size} bytes; the index says ${packSize}`;
      report.problems.push({ snapshot: snapshot.id, object: packName(packId), problem });
      continue;
    }
    const inPack = packs.get(packId);
    if (inPack) inPack.push(id);
    else packs.set(packId, [id]);
  }
  return packs;
}

async function checkPack(repository: Repository, pack: IndexedPack, report: VerifyReport, reporter: Reporter): Promise<PackCheck> {
  const check: PackCheck = { blobs: new Map() };
  const blobs = repository.blobs as PackedBlobs;
  try {
    const header = await blobs.scanPack(pack, async (blob, sealed) => {
      try {
        const size = await blobs.checkBlob(blob.id, sealed);
        report.bytesRead += size; // added after the await: packs are checked concurrently
      } catch (err) {
        check.blobs.set(blob.id, (err as Error).message);
      }
    }, (count) => reporter.bytes(count));
    const inHeader = new Map(header.map((b) => [b.id, b]));
    for (const blob of pack.blobs) {
      const there = inHeader.get(blob.id);
      if (!there || there.offset !== blob.offset || there.length !== blob.length) check.blobs.set(blob.id, `the index places it at offset ${blob.offset} (${blob.length} bytes), the pack header ${there ? `at ${there.offset} (${there.length} bytes)` : 'nowhere'}`);
    }
  } catch (err) {
    return { problem: (err as Error).message, blobs: check.blobs };
  }
  return check;
}
