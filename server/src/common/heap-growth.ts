/**
 * How far V8 lets each thread's heap grow before it collects, set small for every isolate of the process
 * (the main thread's and the sealing workers', ../repository/workers/pool.ts, which start later and so
 * start with these flags).
 *
 * - The young generation: V8 grows it while a thread allocates fast. Under a restore's or an upload's stream
 *   of buffers the main thread's reached its maximum, two 32 MB semi-spaces, all of it resident, and the
 *   ArrayBuffers behind dead Buffers are freed only when it is scavenged, so it also held tens of MB of dead
 *   bytes between scavenges. Its maximum is fixed when the isolate starts (`--max-semi-space-size`, a flag
 *   every launcher would have to pass: bin/mmbackup, the package's wrapper, the unit, cron lines); the
 *   growth factor is read each time it would grow, so 1 keeps it from doubling. Measured on a cold restore
 *   of a 1 GiB file store: 241-244 MB peak resident before, 195-199 MB after, and no slower.
 * - The old generation: after each full collection V8 lets it grow by a factor of its own choosing. What
 *   the walk and the sealing leave behind is promoted garbage, small objects holding the last file names,
 *   stats and buffers, so each worker's old generation swelled to 20-30 MB over 5 MB alive. With a fixed
 *   50%, measured (MiB, medians of 6 pairs): an unchanged re-backup of 300,000 small files peaked at 185
 *   instead of 225 and took 8-10% longer (the main thread's full collections went from 12 to 46; 20% and
 *   100% measured the same), and a cold first backup of the bench's 9,641 files took 6% longer (4 pairs).
 *   Set only once a store showed large (50,000 entries), the collectors' first limits were set already: a
 *   first backup of 300,000 small files then peaked at 202-207 instead of 186-189.
 * - But never less room than MIN_ROOM_MB: a first backup's main thread keeps 9 MB alive, and 50% of that
 *   was room for 50 ms of its promoted garbage: the bench's 1 GiB store made 120 full collections, whose
 *   marking threads took a fifth of the CPU. With the room, measured on 2 cores over 5 pairs: that backup
 *   7% faster with 7.5% less CPU, peaking 5.6 MiB higher (173 against 167). A heap that keeps more alive
 *   (a re-backup's previous listing) has that room at 50% already. The growth is set again
 *   after each full collection, from what it left alive; not before the first, where the heap's size says
 *   nothing (set from it, a larger growth also let the young generation grow to 90 MB).
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

const MIN_ROOM_MB = 16;

/** The old generation's growth over what survived, in percent, unless that leaves less than MIN_ROOM_MB. */
let growthPercent = 50;
/** MIN_ROOM_MB, unless the growth was fixed (fixOldGenerationGrowth()) */
let minRoomMB = MIN_ROOM_MB;
let percentSet = 0;
let watching: PerformanceObserver | undefined;

type GcEntry = PerformanceEntry & { detail?: { kind?: number } };

export function keepHeapsSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  applyGrowth(growthPercent);
  // The room is set from what a full collection left alive: before the first, the heap's size is no measure.
  watching ??= new PerformanceObserver((list) => {
    if (list.getEntries().some((entry) => (entry as GcEntry).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) setGrowth();
  });
  watching.observe({ entryTypes: ['gc'] });
}

/**
 * Fixes the old generation's growth over what survived (../common/old-generation.ts), without the least
 * room: a process with the AWS SDK keeps 17 MB or more alive, and its peaks are the highest (with the room,
 * a restore from S3 of the bench's store peaked at 190 and 198 MB).
 */
export function fixOldGenerationGrowth(percent: number): void {
  growthPercent = percent;
  minRoomMB = 0;
  setGrowth();
}

function setGrowth(): void {
  const alive = Math.max(1, getHeapStatistics().used_heap_size);
  applyGrowth(Math.max(growthPercent, Math.ceil(((minRoomMB * 2 ** 20) / alive) * 100)));
}

function applyGrowth(percent: number): void {
  if (percent === percentSet) return;
  percentSet = percent;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
