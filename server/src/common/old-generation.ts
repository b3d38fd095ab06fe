/**
 * V8 lets a heap's old generation grow past what survived its last full collection, by a factor it
 * chooses from how fast it collects, before it collects again. In a process that keeps a large heap for
 * good (the AWS SDK's 9 MB), that factor left the old generation at 45 MB where 17 MB survived: 49 MB of
 * heap at the peak of an S3 backup of 1 GiB, against 22 MB for the same backup to a disk. Capped at twice
 * what survived, that backup peaked at 183-196 MB resident instead of 209-218, in the same wall time, for
 * about a tenth more CPU. The cap is not for every process: to a disk, where what survives is a third of
 * that and the main thread is busier, it made the backup 15-25% slower.
 *
 * The setting is V8's, read at each collection, so setting it at run time holds for the rest of the process
 * (its workers included).
 */
import { fixOldGenerationGrowth } from './heap-growth';

/** The old generation grows by at most this much over what survived its last full collection. */
const GROWTH_PERCENT = 100;

export function capOldGenerationGrowth(): void {
  fixOldGenerationGrowth(GROWTH_PERCENT);
}
