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
 */
import { setFlagsFromString } from 'node:v8';

export function keepHeapsSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=50');
}
